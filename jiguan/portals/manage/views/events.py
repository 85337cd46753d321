"""The event center: every matter that needs handling, its timeline, and the actions its state allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec
from jiguan.core.models import Event
from jiguan.core.models.events import EventStatus, Priority
from jiguan.core.scoping import scoped
from jiguan.core.services import events
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline

from ..access import manage_view
from ..filters import region_filter
from ..forms import CloseForm, CommentForm, DispatchForm, NoteForm, PortalForm
from ..labels import event_type_choices, event_type_label
from .common import submit

VIEW_EVENTS, HANDLE_EVENTS = "core.view_events", "core.handle_events"
PRIORITY_RANK = Case(*(When(priority=p, then=Value(i)) for i, p in enumerate(Priority.values)),
                     output_field=IntegerField())


def _overdue(queryset, overdue: bool):
    late = {"status__in": events.OPEN_STATES, "due_at__lt": timezone.now()}
    return queryset.filter(**late) if overdue else queryset.exclude(**late)


def _open(queryset, still_open: bool):
    return queryset.filter(status__in=events.OPEN_STATES) if still_open else queryset.exclude(status__in=events.OPEN_STATES)


EVENT_LIST = ListSpec(
    name="events",
    title=gettext_lazy("Events"),
    columns=(
        Column("title", gettext_lazy("Title"), order_by="title"),
        Column("type", gettext_lazy("Event type"), order_by="type", value=lambda e: event_type_label(e.type)),
        Column("status", gettext_lazy("Status"), order_by="status"),
        Column("priority", gettext_lazy("Priority"), order_by="priority_rank"),
        Column("unit__name", gettext_lazy("Unit concerned")),
        Column("assignee_unit__name", gettext_lazy("Handling unit")),
        Column("due_at", gettext_lazy("SLA deadline"), order_by="due_at"),
        Column("created_at", gettext_lazy("Reported at"), order_by="created_at"),
    ),
    filters=(
        ChoiceFilter("status", gettext_lazy("Status"), "status", choices=EventStatus.choices),
        ChoiceFilter("type", gettext_lazy("Event type"), "type", choices=event_type_choices),
        ChoiceFilter("priority", gettext_lazy("Priority"), "priority", choices=Priority.choices),
        BooleanFilter("open", gettext_lazy("Still open"), method=_open),
        BooleanFilter("overdue", gettext_lazy("Overdue"), method=_overdue),
        region_filter(),
    ),
    search=("title", "description"),
    search_label=gettext_lazy("Title or description"),
    default_sort="-created_at",
)


@require_GET
@manage_view(VIEW_EVENTS)
def event_list(request):
    queryset = Event.objects.select_related("unit", "assignee_unit").annotate(priority_rank=PRIORITY_RANK)
    return EVENT_LIST.bind(request, scoped(queryset, request.user, VIEW_EVENTS)).response(
        "manage/events/list.html", "manage/events/_table.html"
    )


# --- One event ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """An action of the event state machine as the portal offers it: its form and its service call."""

    form: type[PortalForm]
    run: Callable  # (user, event_id, cleaned_data) -> result
    style: str = "primary"


ACTIONS: dict[str, Action] = {
    "dispatch": Action(DispatchForm, lambda user, pk, data: events.dispatch(
        user, pk, assignee_unit_id=data["assignee_unit"].pk, comment=data["comment"])),
    "start": Action(CommentForm, lambda user, pk, data: events.start_work(user, pk, data["comment"])),
    "resolve": Action(CommentForm, lambda user, pk, data: events.resolve(user, pk, data["comment"]), "success"),
    "reject": Action(CommentForm, lambda user, pk, data: events.reject(user, pk, data["comment"]), "danger"),
    "close": Action(CloseForm, lambda user, pk, data: events.close(
        user, pk, rating=data["rating"], feedback=data["feedback"]), "success"),
    "reopen": Action(CommentForm, lambda user, pk, data: events.reopen(user, pk, data["comment"]), "warning"),
    "comment": Action(NoteForm, lambda user, pk, data: events.add_comment(user, pk, data["text"]), "secondary"),
}


def _event(request, pk: int) -> Event:
    queryset = Event.objects.select_related("unit", "region", "reporter", "assignee_unit", "assignee")
    return get_in_scope(Event, request.user, VIEW_EVENTS, pk, queryset=queryset)


@require_GET
@manage_view(VIEW_EVENTS)
def event_detail(request, pk: int):
    return _event_page(request, _event(request, pk))


def _event_page(request, event: Event, failed: tuple[str, PortalForm] | None = None, status: int = 200):
    allowed = [a for a in events.actions_for(request.user, event) if a in ACTIONS]
    if event.status not in events.FINISHED_STATES:
        allowed.append("comment")
    forms = {name: ACTIONS[name].form(user=request.user, prefix=name) for name in allowed}
    if failed:
        forms[failed[0]] = failed[1]
    labels = {**events.ACTION_LABELS, "comment": _("Add a comment"), "report": _("Reported")}
    statuses = dict(EventStatus.choices)
    entries = [
        {"entry": e, "label": labels.get(e.action, e.action), "to": statuses.get(e.to_state, e.to_state)}
        for e in timeline(event)
    ]
    return render(request, "manage/events/detail.html", {
        "event": event,
        "type_label": event_type_label(event.type),
        "timeline": entries,
        "actions": [(name, labels[name], ACTIONS[name].style, forms[name]) for name in allowed],
    }, status=status)


@require_POST
@manage_view(VIEW_EVENTS)
def event_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    event = _event(request, pk)
    form = ACTIONS[action].form(request.POST, user=request.user, prefix=action)
    label = events.ACTION_LABELS.get(action, _("Add a comment"))
    done, _result = submit(request, form, lambda: ACTIONS[action].run(request.user, event.pk, form.cleaned_data),
                           _("Done: %(action)s.") % {"action": label})
    if done:
        return redirect("manage:event", event.pk)
    return _event_page(request, _event(request, pk), failed=(action, form), status=400)
