"""Idle assets (闲置资产): an asset a unit has not used for 6 months or more must be offered to the pool. The
only place idle-asset rows change.

A unit declares its idle assets; rooms the office-space module records as idle for 6 months bring their
furniture and equipment in too (read through the app registry, so removing that module leaves the pool
working). A row is settled when the unit offers the asset to the pool (naming its intake request) or puts it
back in use. The daily job reminds each unit of its due rows, once every 30 days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import permission_holders, use_case
from jiguan.core.services.inputs import Errors, add_months, bounded_int, date_value, find, text
from jiguan.core.statemachine import StateMachine, record

from ..models import IDLE_MONTHS, AssetCategory, IdleAsset, IdleSource, IdleState, IntakeRequest, IntakeState
from ..module import OFFER, VIEW
from ..monitoring import idle_due_cutoff, idle_not_offered
from . import own_unit

OFFICESPACE = "jiguan.modules.officespace"
ROOM_KEY = "officespace.room:%d"
# Stored data, not interface text: the row names the room's contents as the unit's asset ledger would.
ROOM_ITEMS_NAME = "{building} {room} 室内办公家具及设备"
REMIND_EVERY_DAYS = 30
REMINDER_UNITS_LISTED = 10  # a summary names this many units, those with the most due assets first
SETTLED_INTAKE_STATES = (IntakeState.REJECTED, IntakeState.WITHDRAWN)

IDLE_MACHINE = StateMachine("state", {
    "offer": {IdleState.IDLE: IdleState.OFFERED},
    "in_use": {IdleState.IDLE: IdleState.IN_USE},
})
IDLE_ACTIONS = {
    "declare": pgettext_lazy("warehouse idle action", "Declared idle"),
    "found": pgettext_lazy("warehouse idle action", "Found idle in the office-space data"),
    "offer": pgettext_lazy("warehouse idle action", "Offered to the pool"),
    "in_use": pgettext_lazy("warehouse idle action", "Back in use"),
}


def months_idle(idle_since: date, today: date | None = None) -> int:
    """Whole months idle, counted the way ``idle_due_cutoff`` is, so "6 months" and "due" always agree."""
    today = today or timezone.localdate()
    months = (today.year - idle_since.year) * 12 + today.month - idle_since.month
    if months > 0 and add_months(today, -months) < idle_since:
        months -= 1
    return max(months, 0)


# --- Reading ----------------------------------------------------------------------------------------------------


def idle_in_scope(user) -> QuerySet:
    """The bureau sees its region's idle assets, a unit its own."""
    require(user, VIEW)
    return scoped(IdleAsset.objects.select_related("unit", "category", "intake_request", "declared_by"), user, VIEW)


def is_due(idle: IdleAsset, today: date | None = None) -> bool:
    return idle.state == IdleState.IDLE and months_idle(idle.idle_since, today) >= IDLE_MONTHS


def only_due(rows: QuerySet, due: bool = True) -> QuerySet:
    """``rows`` due to be offered (idle for ``IDLE_MONTHS`` months or more), or with ``due=False`` the others."""
    is_due = Q(state=IdleState.IDLE, idle_since__lte=idle_due_cutoff())
    return rows.filter(is_due) if due else rows.exclude(is_due)


def filtered(user, *, state="", due=None) -> QuerySet:
    rows = idle_in_scope(user)
    if state:
        rows = rows.filter(state=state)
    return rows if due is None else only_due(rows, due)


def get_idle(user, idle_id) -> IdleAsset:
    idle = find(idle_in_scope(user), idle_id)
    if idle is None:
        raise Http404(_("Not found."))
    return idle


def offerable_requests(idle: IdleAsset) -> QuerySet:
    """The intake requests that may settle ``idle``: its unit's, neither refused nor withdrawn."""
    return (IntakeRequest.objects.filter(unit_id=idle.unit_id).exclude(state__in=SETTLED_INTAKE_STATES)
            .order_by("-submitted_at", "-pk"))


def allowed_actions(idle: IdleAsset, user) -> set[str]:
    """What ``user`` may do to the row now: the holding unit's OFFER holders settle it."""
    if idle.unit_id != user.unit_id or not has_permission(user, OFFER):
        return set()
    return set(IDLE_MACHINE.allowed_actions(idle))


# --- Use cases --------------------------------------------------------------------------------------------------


@use_case
def declare_idle(user, *, name, category_code="", quantity=1, idle_since=None, note="") -> IdleAsset:
    """The user's unit declares an asset it no longer uses."""
    unit = own_unit(user)
    errors = Errors()
    name = text(errors, "name", name, label=_("the asset's name"), min_length=2, max_length=100)
    category = _optional_category(errors, category_code)
    quantity = bounded_int(errors, "quantity", quantity, label=_("quantity"), low=1, high=500)
    idle_since = _idle_since(errors, idle_since)
    note = text(errors, "note", note, label=_("remarks"), max_length=200, required=False)
    errors.raise_if_any()
    idle = IdleAsset(unit=unit, name=name, category=category, quantity=quantity, idle_since=idle_since,
                     note=note, declared_by=user)
    idle.save()
    record(idle, "declare", "", idle.state, actor=user, comment=note)
    return idle


def _optional_category(errors: Errors, code) -> AssetCategory | None:
    code = (code or "").strip()
    if not code:
        return None
    category = AssetCategory.objects.filter(code=code).first()
    if category is None:
        errors.add("category_code", _("“%(code)s” is not a category code of GB/T 14885; leave it empty or choose "
                                      "one from the list.") % {"code": code})
    return category


def _idle_since(errors: Errors, value) -> date | None:
    if value in (None, ""):
        errors.add("idle_since", _("Please fill in %(field)s.") % {"field": _("the day the asset fell idle")})
        return None
    day = date_value(errors, "idle_since", value, label=_("the day the asset fell idle"))
    if day is not None and day > timezone.localdate():
        errors.add("idle_since", _("The day the asset fell idle cannot be in the future."))
    return day


def _settled_row(user, idle_id) -> IdleAsset:
    """The locked row, for its holding unit only: others who see it are refused, others 404."""
    require(user, OFFER)
    idle = find(scoped(IdleAsset.objects.select_for_update(of=("self",)).select_related("unit"), user, VIEW),
                idle_id)
    if idle is None:
        raise Http404(_("Not found."))
    if idle.unit_id != user.unit_id:
        raise NotAllowed(_("Only %(unit)s itself says whether its asset is back in use or offered to the pool.")
                         % {"unit": idle.unit.name})
    return idle


def _check(idle: IdleAsset, action: str) -> None:
    if action not in IDLE_MACHINE.allowed_actions(idle):
        raise StateError(_("The idle asset is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": idle.get_state_display(), "action": IDLE_ACTIONS[action]})


@use_case
def mark_in_use(user, idle_id, comment="") -> IdleAsset:
    idle = _settled_row(user, idle_id)
    _check(idle, "in_use")
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("how the asset is used now"), min_length=2, max_length=500)
    errors.raise_if_any()
    IDLE_MACHINE.transition(idle, "in_use", user, comment)
    return idle


@use_case
def mark_offered(user, idle_id, intake_request_id) -> IdleAsset:
    """The asset is offered to the pool by the unit's intake request ``intake_request_id``."""
    idle = _settled_row(user, idle_id)
    _check(idle, "offer")
    intake = find(offerable_requests(idle), intake_request_id)
    if intake is None:
        raise ValidationFailed(_("Please choose an intake request of %(unit)s that is neither refused nor "
                                 "withdrawn.") % {"unit": idle.unit.name}, field="intake_request_id")
    IDLE_MACHINE.transition(idle, "offer", user, intake.number, intake_request=intake)
    return idle


# --- Office rooms and reminders (the daily job) -----------------------------------------------------------------


def sync_office_rooms(today: date | None = None) -> int:
    """Take rooms idle for ``IDLE_MONTHS`` months from the office-space data as idle rows of their unit, and
    put rows whose room is used again back in use. Idempotent: each room is taken once (the unique
    ``source_key``). Returns the rows created or changed; 0 when the office-space module is not installed."""
    if not apps.is_installed(OFFICESPACE):
        return 0
    room_model = apps.get_model("officespace", "Room")
    idle_rooms = room_model.objects.filter(state="idle", retired=False, idle_since__lte=idle_due_cutoff(today))
    return _take_rooms(idle_rooms) + _release_rooms(room_model)


def _take_rooms(rooms: QuerySet) -> int:
    known = set(IdleAsset.objects.filter(source=IdleSource.OFFICE_ROOM).values_list("source_key", flat=True))
    created = 0
    for room in rooms.select_related("building", "unit"):
        key = ROOM_KEY % room.pk
        if key in known:
            continue
        try:
            with transaction.atomic():
                idle = IdleAsset.objects.create(
                    unit=room.unit, name=ROOM_ITEMS_NAME.format(building=room.building.name, room=room.number),
                    idle_since=room.idle_since, source=IdleSource.OFFICE_ROOM, source_key=key)
                record(idle, "found", "", idle.state)
        except IntegrityError:  # a sync running at the same moment took the room first
            continue
        created += 1
    return created


def _release_rooms(room_model) -> int:
    still_idle = set(room_model.objects.filter(state="idle", retired=False).values_list("pk", flat=True))
    released = 0
    rows = IdleAsset.objects.filter(source=IdleSource.OFFICE_ROOM, state=IdleState.IDLE)
    for idle in rows:
        if int(idle.source_key.rsplit(":", 1)[1]) in still_idle:
            continue
        with transaction.atomic():
            locked = IdleAsset.objects.select_for_update().filter(pk=idle.pk, state=IdleState.IDLE).first()
            if locked is not None:
                IDLE_MACHINE.transition(locked, "in_use", None, _("The room is no longer idle in the office-space "
                                                                  "data."))
                released += 1
    return released


def run_idle_reminders(today: date | None = None) -> dict:
    """Sync the office rooms, then tell each unit's OFFER holders which of its assets are due, at most once
    every 30 days per row."""
    today = today or timezone.localdate()
    synced = sync_office_rooms(today)
    last_time = today - timedelta(days=REMIND_EVERY_DAYS)
    not_lately = Q(reminded_on__isnull=True) | Q(reminded_on__lte=last_time)
    by_unit = defaultdict(list)
    for idle in idle_not_offered(today).filter(not_lately).select_related("unit"):
        # Claimed row by row with a conditional update: two runs at once remind once.
        if IdleAsset.objects.filter(not_lately, pk=idle.pk).update(reminded_on=today):
            by_unit[idle.unit].append(idle)
    _remind(by_unit)
    return {"synced": synced, "reminded": sum(len(rows) for rows in by_unit.values())}


def _remind(by_unit: dict) -> None:
    """Each unit's nearest OFFER holders hear of its due assets. A holder who answers for several units (a
    bureau standing in for units without an asset manager of their own) gets one summary of them all, not
    a message per unit: a province's first run would otherwise fill the bureau's inbox with hundreds."""
    units_of = defaultdict(list)
    for unit in by_unit:
        for account in permission_holders(unit.org_path, OFFER, nearest=True):
            units_of[account].append(unit)
    audiences = defaultdict(list)  # the same units, the same message
    for account, units in units_of.items():
        audiences[tuple(units)].append(account)
    link = notify.link_to("manage:warehouse:idle_assets")
    link = f"{link}?due=1" if link else ""
    for units, accounts in audiences.items():
        title, body = _reminder(units, by_unit)
        notify.send(accounts, title, body=body, link=link, category="warehouse")


def _reminder(units: tuple, by_unit: dict) -> tuple[str, str]:
    """The title and body telling of the due assets of ``units``."""
    if len(units) == 1:
        rows = by_unit[units[0]]
        names = "、".join(row.name for row in rows[:5]) + ("…" if len(rows) > 5 else "")
        return (_("%(count)d assets of %(unit)s have been idle for %(months)d months or more: offer them to the pool")
                % {"count": len(rows), "unit": units[0].name, "months": IDLE_MONTHS}), names
    most = sorted(units, key=lambda unit: (-len(by_unit[unit]), unit.org_path))
    listed = "、".join(_("%(unit)s: %(count)d due") % {"unit": unit.name, "count": len(by_unit[unit])}
                      for unit in most[:REMINDER_UNITS_LISTED])
    if len(most) > REMINDER_UNITS_LISTED:
        listed += "…"
    title = (_("%(count)d assets of %(units)d units have been idle for %(months)d months or more: see that they "
               "are offered to the pool")
             % {"count": sum(len(by_unit[unit]) for unit in units), "units": len(units), "months": IDLE_MONTHS})
    return title, listed
