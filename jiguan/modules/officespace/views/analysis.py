"""What the bureau supervises: rooms over standard, idle rooms, recoveries with their countdown, and the
area standards table."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models.org import Level
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter
from jiguan.portals.manage.views.common import next_url, perform, submit

from .. import services, standards
from ..forms import AreaStandardForm, RecoveryForm
from ..models import AreaStandard, Occupancy, Recovery, RecoveryState
from ..module import EDIT_STANDARDS, MANAGE, VIEW
from .ledger import ROOM_COLUMNS, room_filters, visible_rooms


def _days_since(day) -> int | None:
    return (timezone.localdate() - day).days if day else None


# --- Over standard ---------------------------------------------------------------------------------


def _over_standard_list(user) -> ListSpec:
    location = ROOM_COLUMNS[:5]
    return ListSpec(
        name="officespace.over_standard", title=gettext_lazy("Over-standard offices"),
        columns=(
            *location,
            Column("usable_area", gettext_lazy("Usable area (㎡)"), order_by="usable_area"),
            Column("entitlement", gettext_lazy("Entitlement (㎡)"), order_by="entitlement"),
            Column("excess", gettext_lazy("Excess (㎡)"), order_by="excess"),
        ),
        filters=room_filters(user)[:2], search=("number", "building__name"),
        search_label=gettext_lazy("Room or building"), default_sort="-excess",
    )


@require_GET
@manage_view(VIEW)
def over_standard(request):
    rooms = standards.over_standard_rooms(visible_rooms(request.user))
    listing = _over_standard_list(request.user).bind(request, rooms)
    return listing.response("officespace/over_standard.html", "officespace/_over_standard_table.html")


# --- Idle -----------------------------------------------------------------------------------------


def _idle_list(user) -> ListSpec:
    return ListSpec(
        name="officespace.idle", title=gettext_lazy("Idle rooms"),
        columns=(
            *ROOM_COLUMNS[:6],
            Column("usable_area", gettext_lazy("Usable area (㎡)"), order_by="usable_area"),
            Column("idle_since", gettext_lazy("Idle since"), order_by="idle_since"),
            Column("idle_days", gettext_lazy("Days idle"), value=lambda room: _days_since(room.idle_since)),
        ),
        filters=room_filters(user)[:3], search=("number", "building__name"),
        search_label=gettext_lazy("Room or building"), default_sort="idle_since",
    )


@require_GET
@manage_view(VIEW)
def idle(request):
    listing = _idle_list(request.user).bind(request, standards.idle_rooms(visible_rooms(request.user)))
    return listing.response("officespace/idle.html", "officespace/_idle_table.html")


# --- Recoveries -----------------------------------------------------------------------------------


def countdown(recovery: Recovery) -> int | None:
    """Days left before the due date (negative: days overdue); None once recovered."""
    if recovery.state == RecoveryState.RECOVERED:
        return None
    return (recovery.due_on - timezone.localdate()).days


# The model's labels "Open"/"Overdue" collide with other screens' msgids; the list names its own states.
RECOVERY_STATES = {
    RecoveryState.OPEN: pgettext_lazy("recovery state", "Open"),
    RecoveryState.OVERDUE: pgettext_lazy("recovery state", "Overdue"),
    RecoveryState.RECOVERED: pgettext_lazy("recovery state", "Recovered"),
}

RECOVERY_LIST = ListSpec(
    name="officespace.recoveries", title=gettext_lazy("Recoveries"),
    columns=(
        Column("occupancy__person__name", gettext_lazy("Person"), order_by="occupancy__person__name"),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
        Column("room", gettext_lazy("Room"), value=lambda r: str(r.occupancy.room)),
        Column("reason", gettext_lazy("Reason"), order_by="reason"),
        Column("opened_on", gettext_lazy("Opened on"), order_by="opened_on"),
        Column("due_on", gettext_lazy("Due on"), order_by="due_on"),
        Column("countdown", gettext_lazy("Days left"), value=countdown),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda r: RECOVERY_STATES[r.state]),
        Column("recovered_on", gettext_lazy("Recovered on"), order_by="recovered_on"),
    ),
    filters=(
        region_filter("unit__region"),
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=RECOVERY_STATES.items()),
    ),
    search=("occupancy__person__name", "occupancy__room__number"),
    search_label=gettext_lazy("Person or room"), default_sort="due_on",
)


@require_GET
@manage_view(VIEW)
def recoveries(request):
    rows = scoped(Recovery.objects.select_related("unit", "occupancy__person", "occupancy__room__building"),
                  request.user, VIEW)
    return RECOVERY_LIST.bind(request, rows).response(
        "officespace/recoveries.html", "officespace/_recoveries_table.html",
        {"can_complete": has_permission(request.user, MANAGE)},
    )


@require_POST
@manage_view(MANAGE)
def recovery_open(request, pk: int):
    """Open a recovery for one occupancy, from the room page (the service checks who may)."""
    occupancy = get_in_scope(Occupancy, request.user, VIEW, pk)
    form = RecoveryForm(request.POST)
    done, _recovery = submit(
        request, form, lambda: services.open_recovery(request.user, occupancy_id=occupancy.pk, **form.service_values()),
        _("The recovery has been opened; the office is due back on the date shown."),
    )
    if not done:  # a one-field form beside the occupant: its refusal is shown as a message
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("manage:officespace:room", occupancy.room_id)


@require_POST
@manage_view(MANAGE)
def recovery_complete(request, pk: int):
    perform(request, lambda: services.complete_recovery(request.user, pk), _("The office has been recovered."))
    return redirect(next_url(request, reverse("manage:officespace:recoveries")))


# --- Area standards -------------------------------------------------------------------------------

LEVEL_ORDER = [Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP]


@manage_view(VIEW)
def standard_table(request):
    can_edit = has_permission(request.user, EDIT_STANDARDS)
    form = AreaStandardForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You do not have the permission for this action."))
        done, _row = submit(request, form, lambda: services.save_area_standard(request.user, **form.service_values()),
                            _("The area standard has been saved."))
        if done:
            return redirect("manage:officespace:standards")
    return render(request, "officespace/standards.html", {
        "levels": _standards_by_level(), "regional": _regional_rows(), "form": form, "can_edit": can_edit,
    })


def _standards_by_level() -> list[tuple[str, list[AreaStandard]]]:
    national = AreaStandard.objects.filter(region__isnull=True).select_related("rank").order_by("rank__order")
    by_level: dict[str, list[AreaStandard]] = {}
    for row in national:
        by_level.setdefault(row.rank.level, []).append(row)
    labels = dict(Level.choices)
    return [(labels[level], by_level[level]) for level in LEVEL_ORDER if level in by_level]


def _regional_rows():
    return (AreaStandard.objects.filter(region__isnull=False).select_related("rank", "region")
            .order_by("region__code", "rank__level", "rank__order"))

