"""台账: compounds → buildings → floors → rooms, the room page with its occupants, and the forms that keep
the ledger. A large tree's compounds load their buildings, and building rows their floors and rooms, through
htmx, so a province-wide ledger opens fast."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models import OrgUnit
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.core.services.common import agency_of_unit
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter, region_filter
from jiguan.portals.manage.views.common import submit

from .. import services, standards
from ..forms import AssignForm, BuildingForm, CompoundForm, ReleaseForm, RoomForm, RoomStateForm
from ..models import (
    FORBIDDEN_STATES,
    Building,
    Compound,
    Floor,
    Occupancy,
    RecoveryReason,
    Room,
    RoomCategory,
    RoomState,
)
from ..module import MANAGE, VIEW
from ..standards import ZERO

CHART_UNITS = 15  # bars that stay readable on one chart
INLINE_BUILDINGS = 60  # a larger tree opens compound by compound
TIMELINE_ACTIONS = {
    "assign": gettext_lazy("Person assigned"),
    "release": gettext_lazy("Person left"),
    "set_state": gettext_lazy("State changed"),
    "retire": gettext_lazy("Retired from the ledger"),
}


def visible_rooms(user, permission: str = VIEW) -> QuerySet:
    """The rooms ``user`` may see: those of the units in their scope (retired rooms left out)."""
    rooms = Room.objects.filter(retired=False).select_related("building__compound", "floor", "unit")
    return scoped(rooms, user, permission)


def room_filters(user) -> tuple:
    return (
        region_filter("unit__region"),
        UnitFilter("unit", gettext_lazy("Using unit"), "unit_id", user=user, permission=VIEW, kind="org"),
        ChoiceFilter("category", gettext_lazy("Category"), "category", choices=RoomCategory.choices),
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=RoomState.choices),
    )


ROOM_COLUMNS = (
    Column("building__compound__name", gettext_lazy("Compound"), order_by="building__compound__name"),
    Column("building__name", gettext_lazy("Building"), order_by="building__name"),
    Column("floor", gettext_lazy("Floor"), order_by="floor__number", value=lambda room: str(room.floor)),
    Column("number", gettext_lazy("Room number"), order_by="number"),
    Column("unit__name", gettext_lazy("Using unit"), order_by="unit__org_path"),
    Column("category", gettext_lazy("Category"), order_by="category"),
    Column("subtype", gettext_lazy("Sub-type")),
    Column("usable_area", gettext_lazy("Usable area (㎡)"), order_by="usable_area"),
    Column("desks", gettext_lazy("Desks")),
    Column("state", gettext_lazy("State"), order_by="state"),
)


def room_list(user) -> ListSpec:
    """The ledger's rooms as a list (its filters drive the tree; its export is the room ledger)."""
    return ListSpec(name="officespace.rooms", title=gettext_lazy("Office space ledger"), columns=ROOM_COLUMNS,
                    filters=room_filters(user), search=("number", "subtype", "building__name"),
                    search_label=gettext_lazy("Room, building or sub-type"))


# --- The tree -------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def ledger(request):
    """The tree, its figures and charts; the filter bar reloads all three (htmx) and exports the rooms."""
    listing = room_list(request.user).bind(request, visible_rooms(request.user))
    if listing.export_requested:
        return listing.export()
    rooms = listing.queryset
    analysis = standards.analysis(rooms)
    return listing.response("officespace/ledger.html", "officespace/_ledger_body.html", {
        "compounds": _tree(request.user, rooms, filtered=listing.is_filtered),
        "analysis": analysis,
        "idle_percent": analysis["idle_rate"] * 100,
        "chart_data": _chart_data(analysis, rooms),
        "can_manage": has_permission(request.user, MANAGE),
        "query": request.GET.urlencode(),
    })


def _chart_data(analysis: dict, rooms: QuerySet) -> dict:
    """Area by category (pie) and, for the units with the largest offices per head, area per head
    against the standard (bars)."""
    labels = dict(RoomCategory.choices)
    agencies = OrgUnit.objects.filter(pk__in=rooms.annotate(agency=agency_of_unit()).values("agency"))
    rows = standards.unit_per_capita(agencies, top=CHART_UNITS)
    return {
        "categories": [{"name": str(labels[code]), "value": float(row["area"])}
                       for code, row in analysis["by_category"].items() if row["count"]],
        "units": [row["unit"].short_name or row["unit"].name for row in rows],
        "per_capita": [float(row["per_capita"]) for row in rows],
        "standard": [float(row["standard_per_capita"] or 0) for row in rows],
        "labels": {"per_capita": _("Office area per person"), "standard": _("Standard per person")},
    }


def _tree(user, rooms: QuerySet, *, filtered: bool) -> list[Compound]:
    """Compounds, each with the count of its buildings and the count and area of its matching rooms.
    Unfiltered, buildings and compounds of the user's ledger without rooms yet are shown too. A small
    tree carries its buildings (``building_list``); a large one (a city's or a province's) leaves them to
    be loaded when a compound is opened (``building_list`` is None)."""
    totals = _building_totals(rooms)
    buildings = _placed_buildings(user, totals, filtered=filtered)
    placed = list(buildings.values_list("pk", "compound_id").distinct())
    compounds = Compound.objects.filter(pk__in={compound for _building, compound in placed})
    if not filtered:
        compounds = compounds | scoped(Compound.objects.all(), user, VIEW)
    listed = _with_totals(buildings, totals) if len(placed) <= INLINE_BUILDINGS else None
    tree = list(compounds.distinct().select_related("region", "unit").order_by("org_path", "name"))
    for compound in tree:
        compound.building_count = compound.room_count = 0
        compound.room_area = ZERO
        compound.building_list = None if listed is None else listed.get(compound.pk, [])
    by_pk = {compound.pk: compound for compound in tree}
    for building, compound_id in placed:
        compound, row = by_pk[compound_id], totals.get(building, {})
        compound.building_count += 1
        compound.room_count += row.get("count", 0)
        compound.room_area += row.get("area") or ZERO
    return tree


def _building_totals(rooms: QuerySet) -> dict[int, dict]:
    return {row["building"]: row for row in
            rooms.order_by().values("building").annotate(count=Count("pk"), area=Sum("usable_area"))}


def _placed_buildings(user, totals: dict[int, dict], *, filtered: bool) -> QuerySet:
    """The buildings of matching rooms (the keys of their ``totals``) and, unfiltered, those of the user's
    ledger."""
    buildings = Building.objects.filter(pk__in=list(totals))
    return buildings if filtered else buildings | scoped(Building.objects.all(), user, VIEW)


def _with_totals(buildings: QuerySet, totals: dict[int, dict]) -> dict[int, list[Building]]:
    """Buildings by compound, each carrying the count and area of its matching rooms."""
    by_compound: dict[int, list[Building]] = {}
    for building in buildings.distinct().order_by("name"):
        row = totals.get(building.pk, {})
        building.room_count, building.room_area = row.get("count", 0), row.get("area") or ZERO
        by_compound.setdefault(building.compound_id, []).append(building)
    return by_compound


@require_GET
@manage_view(VIEW)
def compound_buildings(request, pk: int):
    """The buildings of one compound (the large tree's htmx fragment), narrowed by the ledger's filters."""
    compound = compound_in_view(request.user, pk)
    listing = room_list(request.user).bind(request, visible_rooms(request.user))
    totals = _building_totals(listing.queryset.filter(building__compound=compound))
    buildings = _placed_buildings(request.user, totals, filtered=listing.is_filtered).filter(compound=compound)
    compound.building_list = _with_totals(buildings, totals).get(compound.pk, [])
    return render(request, "officespace/_compound_buildings.html", {
        "compound": compound, "can_manage": has_permission(request.user, MANAGE), "query": request.GET.urlencode(),
    })


def compound_in_view(user, pk: int) -> Compound:
    return get_object_or_404(_in_view(Compound, user, "building__compound"), pk=pk)


def _in_view(model, user, from_room: str) -> QuerySet:
    """Compounds or buildings in the user's ledger or holding rooms they see (``from_room``: the room's path
    to them); anything else is out of view, answered 404."""
    return model.objects.filter(Q(pk__in=scoped(model.objects.all(), user, VIEW))
                                | Q(pk__in=visible_rooms(user).values(from_room)))


@require_GET
@manage_view(VIEW)
def building_rooms(request, pk: int):
    """The floors and rooms of one building (the tree's htmx fragment), narrowed by the ledger's filters."""
    building = building_in_view(request.user, pk)
    listing = room_list(request.user).bind(request, visible_rooms(request.user).filter(building=building))
    floors: dict[int, Floor] = {}
    for room in listing.queryset.order_by("-floor__number", "number"):
        floor = floors.setdefault(room.floor_id, room.floor)
        floor.room_list = [*getattr(floor, "room_list", []), room]
    return render(request, "officespace/_building_rooms.html", {
        "building": building, "floors": list(floors.values()),
        "forbidden": FORBIDDEN_STATES,
    })


def building_in_view(user, pk: int) -> Building:
    return get_object_or_404(_in_view(Building, user, "building").select_related("compound"), pk=pk)


# --- Keeping the ledger ---------------------------------------------------------------------------


@manage_view(MANAGE)
def compound_create(request):
    form = CompoundForm(request.POST or None, user=request.user, initial={"unit": request.user.unit_id})
    if request.method == "POST":
        done, _compound = submit(request, form, lambda: services.create_compound(request.user, **form.service_values()),
                                 _("The compound has been added to the ledger."))
        if done:
            return redirect("manage:officespace:ledger")
    return _form_page(request, form, _("New compound"))


@manage_view(MANAGE)
def building_create(request):
    form = BuildingForm(request.POST or None, user=request.user, initial={"compound": request.GET.get("compound")})
    if request.method == "POST":
        done, _building = submit(request, form, lambda: services.create_building(request.user, **form.service_values()),
                                 _("The building has been added with its floors."))
        if done:
            return redirect("manage:officespace:ledger")
    return _form_page(request, form, _("New building"))


@manage_view(MANAGE)
def room_create(request):
    form = RoomForm(request.POST or None, user=request.user, initial={"building": request.GET.get("building")})
    if request.method == "POST":
        done, room = submit(request, form, lambda: services.create_room(request.user, **form.service_values()),
                            _("The room has been added to the ledger."))
        if done:
            return redirect("manage:officespace:room", room.pk)
    return _form_page(request, form, _("New room"))


def _form_page(request, form, title: str):
    return render(request, "manage/form.html", {
        "form": form, "title": title, "cancel_url": reverse("manage:officespace:ledger"),
    })


# --- The room page --------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def room_detail(request, pk: int):
    return _room_page(request, room_in_view(request.user, pk))


def room_in_view(user, pk: int) -> Room:
    return get_in_scope(Room, user, VIEW, pk, queryset=visible_rooms(user))


def _room_page(request, room: Room, *, assign_form=None, state_form=None, status: int = 200):
    user = request.user
    occupancies = room.occupancies.select_related("person__rank", "person__unit", "recovery").order_by(
        "end", "-start")
    current = [o for o in occupancies if o.end is None]
    for occupancy in current:
        occupancy.limit = standards.limit_for(occupancy.person)
    entitlement = standards.room_entitlement(room)
    return render(request, "officespace/room.html", {
        "room": room,
        "current": current,
        "past": [o for o in occupancies if o.end is not None],
        "entitlement": entitlement,
        "excess": standards.room_excess(room),
        "free_desks": max(room.desks - len(current), 0),
        "timeline": _labelled(timeline(room)),
        "recovery_reasons": RecoveryReason.choices,
        "can_manage": has_permission(user, MANAGE) and scoped(Room.objects.filter(pk=room.pk), user, MANAGE).exists(),
        "assign_form": assign_form or AssignForm(user=user),
        "release_form": ReleaseForm(),
        "state_form": state_form or RoomStateForm(initial={"state": room.state}),
        "forbidden": FORBIDDEN_STATES,
    }, status=status)


def _labelled(entries) -> list:
    """Timeline entries with their states shown by label (the timeline stores codes)."""
    labels = dict(RoomState.choices)
    entries = list(entries)
    for entry in entries:
        entry.action_label = TIMELINE_ACTIONS.get(entry.action, entry.action)
        entry.from_label = labels.get(entry.from_state, entry.from_state)
        entry.to_label = labels.get(entry.to_state, entry.to_state)
    return entries


@require_POST
@manage_view(MANAGE)
def room_assign(request, pk: int):
    room = room_in_view(request.user, pk)
    form = AssignForm(request.POST, user=request.user)
    done, _occupancy = submit(
        request, form, lambda: services.assign_occupant(request.user, room_id=room.pk, **form.service_values()),
        _("The person has been assigned to the room."),
    )
    return redirect("manage:officespace:room", room.pk) if done else _room_page(request, room, assign_form=form)


@require_POST
@manage_view(MANAGE)
def occupancy_release(request, pk: int):
    occupancy = get_in_scope(Occupancy, request.user, MANAGE, pk)
    form = ReleaseForm(request.POST)
    done, _released = submit(
        request, form, lambda: services.release_occupant(request.user, occupancy.pk, **form.service_values()),
        _("The person has left the room."),
    )
    if not done:  # the form is one date beside the occupant's name: its refusal is shown as a message
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("manage:officespace:room", occupancy.room_id)


@require_POST
@manage_view(MANAGE)
def room_state(request, pk: int):
    room = room_in_view(request.user, pk)
    form = RoomStateForm(request.POST)
    done, _room_changed = submit(
        request, form, lambda: services.set_room_state(request.user, room.pk, **form.service_values()),
        _("The room's state has been recorded."),
    )
    return redirect("manage:officespace:room", room.pk) if done else _room_page(request, room, state_form=form)
