"""Events (事件): one closed loop for everything that needs handling — reported, dispatched to a handling
unit, worked on, resolved, then confirmed by the reporter (closed) or reopened; or rejected. Each event
has an SLA deadline from its type, a timeline, and the reporter's rating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .. import audit, notify
from ..errors import NotAllowed, StateError
from ..models import Event, OrgUnit, TimelineEntry
from ..models.events import OPEN_EVENT_STATES, EventStatus, Priority
from ..registry import registry
from ..scoping import scoped
from ..statemachine import StateMachine, record
from .base import get_in_scope, require
from .common import attributed_to, permission_holders, subject_reference, use_case
from .inputs import Errors, choice, find
from .inputs import text as clean_text  # add_comment's parameter is called ``text``

USE_SERVICE = "core.use_service"
VIEW_EVENTS = "core.view_events"
HANDLE_EVENTS = "core.handle_events"

S = EventStatus
EVENT_MACHINE = StateMachine(
    "status",
    {
        "dispatch": {S.NEW: S.DISPATCHED},
        "start": {S.DISPATCHED: S.IN_PROGRESS},
        "resolve": {S.IN_PROGRESS: S.RESOLVED},
        "close": {S.RESOLVED: S.CLOSED},
        "reopen": {S.RESOLVED: S.IN_PROGRESS},  # the reporter is not satisfied
        "reject": {S.NEW: S.REJECTED, S.DISPATCHED: S.REJECTED, S.IN_PROGRESS: S.REJECTED},
        # The system: the condition that opened the event has cleared (see ``settle_event``).
        "settle": {S.NEW: S.RESOLVED, S.DISPATCHED: S.RESOLVED, S.IN_PROGRESS: S.RESOLVED},
    },
)
SYSTEM_ACTIONS = {"settle"}
ACTION_LABELS = {
    "dispatch": pgettext_lazy("event action", "Dispatch"),
    "start": pgettext_lazy("event action", "Start work"),
    "resolve": pgettext_lazy("event action", "Resolve"),
    "close": pgettext_lazy("event action", "Confirm and close"),
    "reopen": pgettext_lazy("event action", "Reopen"),
    "reject": pgettext_lazy("event action", "Reject"),
    "settle": pgettext_lazy("event action", "Resolved by the system: the cause has cleared"),
}
REPORTER_ACTIONS = {"close", "reopen"}
OPEN_STATES = OPEN_EVENT_STATES
FINISHED_STATES = (S.CLOSED, S.REJECTED)
ANNOUNCED_TITLES = 10  # event titles listed in a notification announcing many


def actions_for(user, event: Event) -> list[str]:
    """The actions this user may take on the event now (for buttons in the portals and the app)."""
    allowed = EVENT_MACHINE.allowed_actions(event)
    reporter_may = event.reporter_id == user.pk or (event.reporter_id is None and _can_handle(user, event))
    handler_may = _can_handle(user, event)
    return [
        a for a in allowed
        if a not in SYSTEM_ACTIONS and (reporter_may if a in REPORTER_ACTIONS else handler_may)
    ]


# --- Opening and settling system events ---------------------------------------------------------


def settle_event(event_id: int, comment: str, actor=None) -> Event | None:
    """The condition that opened a system event has cleared (an office handed back, an alert gone):
    it is resolved, and its timeline says why. An event already resolved or finished is left alone."""
    with transaction.atomic(), attributed_to(actor):
        event = Event.objects.select_for_update().get(pk=event_id)
        if event.status not in OPEN_STATES:
            return None
        EVENT_MACHINE.transition(event, "settle", actor, comment, resolved_at=timezone.now())
        return event



@use_case
def report_event(user, *, type, title, description="", unit_id=None, priority=Priority.NORMAL) -> Event:
    """A staff member reports a matter about their own unit (or, for holders of ``core.view_events``,
    a unit in their scope)."""
    require(user, USE_SERVICE)
    errors = Errors()
    fields = _event_fields(errors, type=type, title=title, description=description, priority=priority)
    unit = _reported_unit(user, unit_id, errors)
    errors.raise_if_any()
    return _open(fields, unit, reporter=user)


def open_event(
    *, type, title, unit: OrgUnit, description="", priority=Priority.NORMAL, subject=None,
    assignee_unit: OrgUnit | None = None, actor=None, tell_handlers: bool = True,
) -> Event:
    """An event raised by a module or the system (an alert, an overdue lease): no permission check.
    With ``assignee_unit`` it goes straight to that unit's handlers; a caller opening many at once passes
    ``tell_handlers=False`` and then tells them once with ``announce_dispatched``."""
    with transaction.atomic(), attributed_to(actor):
        errors = Errors()
        fields = _event_fields(errors, type=type, title=title, description=description, priority=priority)
        errors.raise_if_any()
        event = _open(fields, unit, reporter=actor, subject=subject)
        if assignee_unit is not None:
            _dispatch(event, assignee_unit, None, actor, "", tell=tell_handlers)
        return event


def announce_dispatched(events: list[Event], summary: Callable[[int], str]) -> None:
    """Tell the handlers of events opened together (with ``tell_handlers=False``): each person once, with
    ``summary(n)`` as the title and the first titles as the body, instead of once per event (a first
    evaluation may open thousands, and one bureau is the nearest handler of many units). A person with a
    single event of the batch is told of it as of any other."""
    handlers: dict[tuple, list] = {}  # the handlers of each (assigned person, handling unit's path)
    waiting: dict[int, tuple] = {}  # account pk → (account, its events)
    for event in events:
        key = (event.assignee_id, event.assignee_path or event.org_path)
        if key not in handlers:
            handlers[key] = _handlers(event)
        for account in handlers[key]:
            waiting.setdefault(account.pk, (account, []))[1].append(event)
    for account, own in waiting.values():
        if len(own) == 1:
            _tell_handlers(own[0], [account])
            continue
        titles = [event.title for event in own[:ANNOUNCED_TITLES]]
        if len(own) > ANNOUNCED_TITLES:
            titles.append(_("… and %(n)d more") % {"n": len(own) - ANNOUNCED_TITLES})
        notify.send([account], summary(len(own)), body="\n".join(titles), link=notify.link_to("manage:events"),
                    category="event")


def _event_fields(errors: Errors, *, type, title, description, priority) -> dict:
    event_type = registry.event_type(type)
    if event_type is None:
        errors.add("type", _("There is no event type “%(type)s”.") % {"type": type})
    return {
        "event_type": event_type,
        "title": clean_text(errors, "title", title, label=_("event title"), max_length=200, min_length=2),
        "description": clean_text(errors, "description", description, label=_("event description"),
                                  max_length=5000, required=False),
        "priority": choice(errors, "priority", priority, label=_("priority"), choices=Priority),
    }


def _reported_unit(user, unit_id, errors: Errors) -> OrgUnit | None:
    if unit_id in (None, "") or str(unit_id) == str(user.unit_id):
        if user.unit_id is None:
            errors.add("unit_id", _("Please choose the unit the event concerns."))
        return user.unit
    unit = find(scoped(OrgUnit.objects.all(), user, VIEW_EVENTS), unit_id)
    if unit is None:
        errors.add("unit_id", _("The selected unit does not exist or is outside your data scope."))
    return unit


def _open(fields: dict, unit: OrgUnit, *, reporter, subject=None) -> Event:
    event_type = fields["event_type"]
    event = Event(
        type=event_type.code, title=fields["title"], description=fields["description"],
        priority=fields["priority"], unit=unit, region_id=unit.region_id, reporter=reporter,
        due_at=timezone.now() + timedelta(hours=event_type.sla_hours) if event_type.sla_hours else None,
    )
    if subject is not None:
        event.subject_type, event.subject_id = subject_reference(subject)
    event.save()
    record(event, "report", "", event.status, actor=reporter)
    return event


# --- Handling -----------------------------------------------------------------------------------


@use_case
def dispatch(user, event_id, *, assignee_unit_id, assignee_id=None, comment="") -> Event:
    """Send a new event to a handling unit in the user's scope (and optionally one handler there)."""
    event = _event_to_handle(user, event_id, "dispatch")
    errors = Errors()
    unit = find(scoped(OrgUnit.objects.filter(active=True), user, HANDLE_EVENTS), assignee_unit_id)
    if unit is None:
        errors.add("assignee_unit_id", _("The selected unit does not exist or is outside your data scope."))
    assignee = None
    if unit is not None and assignee_id not in (None, ""):
        handlers = permission_holders(unit.org_path, HANDLE_EVENTS)
        assignee = next((a for a in handlers if str(a.pk) == str(assignee_id)), None)
        if assignee is None:
            errors.add("assignee_id", _("The selected handler cannot handle events of that unit."))
    comment = clean_text(errors, "comment", comment, label=_("remarks"), max_length=2000, required=False)
    errors.raise_if_any()
    _dispatch(event, unit, assignee, user, comment)
    return event


@use_case
def start_work(user, event_id, comment="") -> Event:
    event = _event_to_handle(user, event_id, "start")
    errors = Errors()
    comment = clean_text(errors, "comment", comment, label=_("remarks"), max_length=2000, required=False)
    errors.raise_if_any()
    EVENT_MACHINE.transition(event, "start", user, comment, assignee=event.assignee or user)
    return event


@use_case
def resolve(user, event_id, comment) -> Event:
    event = _event_to_handle(user, event_id, "resolve")
    comment = _required_comment(comment, _("handling result"))
    EVENT_MACHINE.transition(event, "resolve", user, comment, resolved_at=timezone.now())
    _tell_reporter(event, _("Your event “%(title)s” has been resolved; please confirm.") % {"title": event.title},
                   comment)
    return event


@use_case
def reject(user, event_id, comment) -> Event:
    event = _event_to_handle(user, event_id, "reject")
    comment = _required_comment(comment, _("reason for rejection"))
    EVENT_MACHINE.transition(event, "reject", user, comment, closed_at=timezone.now())
    _tell_reporter(event, _("Your event “%(title)s” was not accepted.") % {"title": event.title}, comment)
    return event


# --- The reporter's answer ----------------------------------------------------------------------


@use_case
def close(user, event_id, *, rating=None, feedback="") -> Event:
    """The reporter confirms the resolution, optionally rating it 1–5."""
    event = _event_of_reporter(user, event_id, "close")
    errors = Errors()
    rating = _rating(errors, rating)
    feedback = clean_text(errors, "feedback", feedback, label=_("evaluation"), max_length=2000, required=False)
    errors.raise_if_any()
    EVENT_MACHINE.transition(event, "close", user, feedback, closed_at=timezone.now(), rating=rating,
                             feedback=feedback)
    notify.send([event.assignee], _("Event “%(title)s” was closed by the reporter.") % {"title": event.title},
                body=feedback, link=notify.link_to("manage:events"), category="event")
    return event


@use_case
def reopen(user, event_id, comment) -> Event:
    """The reporter is not satisfied with the resolution: back to the handler."""
    event = _event_of_reporter(user, event_id, "reopen")
    comment = _required_comment(comment, _("reason"))
    EVENT_MACHINE.transition(event, "reopen", user, comment, resolved_at=None)
    notify.send(_handlers(event), _("Event “%(title)s” was reopened by the reporter.") % {"title": event.title},
                body=comment, link=notify.link_to("manage:events"), category="event")
    return event


@use_case
def add_comment(user, event_id, text) -> TimelineEntry:
    """A note on the timeline from anyone who can see the event; the other side is told."""
    event = _visible_event(user, event_id)
    if event.status in FINISHED_STATES:
        raise StateError(_("The event has ended; comments are closed."))
    comment = _required_comment(text, _("comment text"), field="text")
    entry = record(event, "comment", event.status, event.status, actor=user, comment=comment)
    others = [a for a in (event.reporter, event.assignee) if a is not None and a.pk != user.pk]
    notify.send(others, _("New comment on event “%(title)s”") % {"title": event.title}, body=comment,
                link=notify.link_to("service:events"), category="event")
    return entry


def notify_overdue() -> int:
    """Tell the handlers once about every open event past its SLA deadline; returns how many were told.

    Each event is claimed by a conditional update first, so two workers never both send it.
    """
    now = timezone.now()
    overdue = Event.objects.filter(status__in=OPEN_STATES, due_at__lt=now, overdue_notified_at__isnull=True)
    count = 0
    for event in overdue.select_related("assignee", "unit", "assignee_unit"):
        with transaction.atomic():
            claimed = Event.objects.filter(pk=event.pk, overdue_notified_at__isnull=True)
            if not claimed.update(overdue_notified_at=now):
                continue
            notify.send(_handlers(event), _("Event overdue: %(title)s") % {"title": event.title},
                        body=_("The deadline was %(due)s.") % {"due": _local(event.due_at)},
                        link=notify.link_to("manage:events"), category="event")
            count += 1
    if count:
        audit.log_bulk(Event, _("Overdue reminders sent"), count)
    return count


# --- Helpers ------------------------------------------------------------------------------------


def _dispatch(event: Event, unit: OrgUnit, assignee, actor, comment: str, *, tell: bool = True) -> None:
    EVENT_MACHINE.transition(event, "dispatch", actor, comment, assignee_unit=unit, assignee=assignee)
    if tell:
        _tell_handlers(event, _handlers(event))


def _tell_handlers(event: Event, handlers: list) -> None:
    notify.send(handlers, _("New event to handle: %(title)s") % {"title": event.title},
                body=event.description, link=notify.link_to("manage:events"), category="event")


def _handlers(event: Event) -> list:
    """Who should act next: the assigned handler, else the nearest handlers of the handling (or concerned) unit."""
    if event.assignee_id:
        return [event.assignee]
    return permission_holders(event.assignee_path or event.org_path, HANDLE_EVENTS, nearest=True)


def _tell_reporter(event: Event, title: str, body: str) -> None:
    notify.send([event.reporter], title, body=body, link=notify.link_to("service:events"), category="event")


def _can_handle(user, event: Event) -> bool:
    return scoped(Event.objects.filter(pk=event.pk), user, HANDLE_EVENTS).exists()


def _event_to_handle(user, event_id, action: str) -> Event:
    event = get_in_scope(Event, user, HANDLE_EVENTS, event_id, lock=True)
    _require_action(event, action)
    return event


def _visible_event(user, event_id, *, lock: bool = False) -> Event:
    """The event if the user reported it, handles it, or has it in their ``core.view_events`` scope; else 404."""
    in_scope = scoped(Event.objects.all(), user, VIEW_EVENTS).values("pk")
    visible = Event.objects.filter(Q(reporter=user) | Q(assignee=user) | Q(pk__in=in_scope))
    event = find(visible.select_for_update() if lock else visible, event_id)
    if event is None:
        raise Http404(_("Not found."))
    return event


def _event_of_reporter(user, event_id, action: str) -> Event:
    event = _visible_event(user, event_id, lock=True)
    if event.reporter_id is None:  # opened by the system: its handlers answer for it
        if not _can_handle(user, event):
            raise NotAllowed(_("Only the handlers of this event can do that."))
    elif event.reporter_id != user.pk:
        raise NotAllowed(_("Only the reporter of the event can do that."))
    _require_action(event, action)
    return event


def _require_action(event: Event, action: str) -> None:
    if action not in EVENT_MACHINE.allowed_actions(event):
        raise StateError(
            _("The event is “%(state)s”; “%(action)s” is not possible now.")
            % {"state": event.get_status_display(), "action": ACTION_LABELS[action]}
        )


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _required_comment(value, label: str, field: str = "comment") -> str:
    errors = Errors()
    comment = clean_text(errors, field, value, label=label, max_length=2000)
    errors.raise_if_any()
    return comment


def _rating(errors: Errors, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if isinstance(value, bool) or str(rating) != str(value).strip() or not 1 <= rating <= 5:
        errors.add("rating", _("The rating must be a whole number from 1 to 5."))
        return None
    return rating

