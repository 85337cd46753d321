"""Office-space use cases: the ledger (compounds, buildings, rooms), who sits where, recoveries after a
transfer or retirement, forbidden uses, and the province's own area standards. The only place office-space
state changes; views and the API call these."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import audit
from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.models import OrgUnit, Person, Rank, Region
from jiguan.core.models.org import Level, PersonStatus
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require, require_path
from jiguan.core.services.common import use_case
from jiguan.core.services.events import open_event, settle_event
from jiguan.core.services.inputs import (
    Errors,
    add_months,
    bounded_int,
    choice,
    date_value,
    find,
    ids,
    refuse_unknown_fields,
    square_metres,
    text,
    unique,
)
from jiguan.core.statemachine import StateMachine, record

from .. import standards
from ..models import (
    FORBIDDEN_STATES,
    AllocationDocument,
    AreaStandard,
    Building,
    BuildingState,
    Compound,
    Floor,
    Occupancy,
    Ownership,
    Recovery,
    RecoveryReason,
    RecoveryState,
    Room,
    RoomCategory,
    RoomState,
    Structure,
)
from ..module import EDIT_STANDARDS, MANAGE, SUPERVISE

USE_SERVICE = "core.use_service"
MAX_FLOORS = 200
RECOVERY_MONTHS = {False: 1, True: 2}  # 管理办法 Art. 18–19: a concurrent-post office gets two months
LEVEL_DEPTH = {Level.NATIONAL: 0, Level.PROVINCE: 1, Level.CITY: 2, Level.COUNTY: 3, Level.TOWNSHIP: 4}
BUILDING_CHANGEABLE = {"name", "address", "year_built", "floors_above", "floors_below", "gross_area", "structure"}
ROOM_CHANGEABLE = {"floor_number", "number", "category", "subtype", "usable_area", "gross_area", "desks", "unit_id"}
ASSIGNABLE_STATES = (RoomState.IN_USE, RoomState.IDLE)

RS = RecoveryState
RECOVERY_MACHINE = StateMachine("state", {
    "recover": {RS.OPEN: RS.RECOVERED, RS.OVERDUE: RS.RECOVERED},
    "flag_overdue": {RS.OPEN: RS.OVERDUE},
})


# --- Input helpers ------------------------------------------------------------------------------


def _unit_choice(user, errors: Errors, field: str, unit_id) -> OrgUnit | None:
    """An active unit (agency or department) inside the user's office-space scope."""
    unit = find(scoped(OrgUnit.objects.filter(active=True).select_related("region"), user, MANAGE), unit_id)
    if unit is None:
        errors.add(field, _("The selected unit does not exist, is deactivated or is outside your data scope."))
    return unit


# --- Compounds and buildings --------------------------------------------------------------------


@use_case
def create_compound(user, *, unit_id, name, region_code, address, land_area=None) -> Compound:
    require(user, MANAGE)
    errors = Errors()
    unit = _unit_choice(user, errors, "unit_id", unit_id)
    region = find(Region.objects.all(), region_code)
    if region is None:
        errors.add("region_code", _("There is no region with the code “%(code)s”.") % {"code": region_code})
    compound = Compound(
        unit=unit, region=region,
        name=text(errors, "name", name, label=_("compound name"), max_length=100),
        address=text(errors, "address", address, label=_("address"), max_length=200),
        land_area=square_metres(errors, "land_area", land_area, label=_("land area"), required=False),
    )
    errors.raise_if_any()
    require_path(user, MANAGE, unit.org_path)
    compound.save()
    return compound


@use_case
def create_building(
    user, *, compound_id, name, year_built, floors_above, floors_below=0, gross_area, structure=Structure.FRAME,
    address="",
) -> Building:
    compound = get_in_scope(Compound, user, MANAGE, compound_id, lock=True)
    building = Building(compound=compound, unit_id=compound.unit_id)
    errors = Errors()
    _set_building_fields(building, errors, {
        "name": name, "address": address, "year_built": year_built, "floors_above": floors_above,
        "floors_below": floors_below, "gross_area": gross_area, "structure": structure,
    })
    errors.raise_if_any()
    with unique("name", _building_name_taken()):
        building.save()
    _sync_floors(building)
    return building


@use_case
def update_building(user, building_id, **changes) -> Building:
    """Change a building; more floors add floor rows, fewer floors are refused while rooms are on them."""
    refuse_unknown_fields(changes, BUILDING_CHANGEABLE)
    building = get_in_scope(Building, user, MANAGE, building_id, lock=True)
    _require_building_in_use(building)
    errors = Errors()
    _set_building_fields(building, errors, changes)
    errors.raise_if_any()
    with unique("name", _building_name_taken()):
        building.save()
    _sync_floors(building)
    return building


@use_case
def retire_building(user, building_id) -> Building:
    building = get_in_scope(Building, user, MANAGE, building_id, lock=True)
    _require_building_in_use(building)
    if Occupancy.objects.filter(room__building=building, end__isnull=True).exists():
        raise StateError(_("People still sit in this building; release or recover their offices first."))
    building.state = BuildingState.RETIRED
    building.save()
    count = building.rooms.filter(retired=False).update(retired=True)
    if count:
        audit.log_bulk(Room, _("Rooms of retired building %(name)s retired") % {"name": building.name}, count,
                       org_path=building.org_path)
    record(building, "retire", BuildingState.IN_USE, BuildingState.RETIRED, actor=user)
    return building


def _set_building_fields(building: Building, errors: Errors, values: dict) -> None:
    if "name" in values:
        building.name = text(errors, "name", values["name"], label=_("building name"), max_length=100)
    if "address" in values:
        building.address = text(errors, "address", values["address"], label=_("address"), max_length=200,
                                required=False)
    if "year_built" in values:
        building.year_built = bounded_int(errors, "year_built", values["year_built"], label=_("year built"),
                                           low=1800, high=timezone.localdate().year + 5)
    if "floors_above" in values:
        building.floors_above = bounded_int(errors, "floors_above", values["floors_above"],
                                             label=_("floors above ground"), low=1, high=MAX_FLOORS)
    if "floors_below" in values:
        building.floors_below = bounded_int(errors, "floors_below", values["floors_below"],
                                             label=_("floors below ground"), low=0, high=20)
    if "gross_area" in values:
        building.gross_area = square_metres(errors, "gross_area", values["gross_area"], label=_("gross floor area"))
    if "structure" in values:
        building.structure = choice(errors, "structure", values["structure"], label=_("structure"),
                                    choices=Structure)
    if building.pk and not errors.by_field:
        _check_floors_still_fit(building, errors)
    if "name" not in errors and building.name and Building.objects.filter(
        compound_id=building.compound_id, name=building.name
    ).exclude(pk=building.pk).exists():
        errors.add("name", _building_name_taken())


def _floor_numbers(building: Building) -> set[int]:
    return set(range(1, building.floors_above + 1)) | set(range(-building.floors_below, 0))


def _check_floors_still_fit(building: Building, errors: Errors) -> None:
    used = building.rooms.exclude(floor__number__in=_floor_numbers(building)).values_list("floor__number", flat=True)
    if used.exists():
        errors.add("floors_above", _("Rooms are recorded on floor %(floor)s; move them before removing the floor.")
                   % {"floor": str(Floor(number=used.first()))})


def _sync_floors(building: Building) -> None:
    """Floor rows follow the building's floor counts (rooms on removed floors were refused before)."""
    wanted = _floor_numbers(building)
    existing = set(building.floor_set.values_list("number", flat=True))
    building.floor_set.exclude(number__in=wanted).delete()
    missing = sorted(wanted - existing)
    Floor.objects.bulk_create(
        Floor(building=building, number=n, unit_id=building.unit_id, org_path=building.org_path) for n in missing
    )
    if missing:
        audit.log_bulk(Floor, _("%(n)d floors of building %(name)s recorded") % {"n": len(missing),
                                                                                 "name": building.name},
                       len(missing), org_path=building.org_path)


def _require_building_in_use(building: Building) -> None:
    if building.state != BuildingState.IN_USE:
        raise StateError(_("The building “%(name)s” is retired and can no longer be changed.")
                         % {"name": building.name})


def _building_name_taken() -> str:
    return _("This compound already has a building with this name.")


# --- Rooms --------------------------------------------------------------------------------------


@use_case
def create_room(
    user, *, building_id, floor_number, number, category, usable_area, unit_id=None, subtype="", gross_area=None,
    state=RoomState.IN_USE, desks=1,
) -> Room:
    """A room of a building; ``unit_id`` is the using unit (default: the building's)."""
    building = get_in_scope(Building, user, MANAGE, building_id, lock=True)
    _require_building_in_use(building)
    room = Room(building=building, unit_id=building.unit_id)
    errors = Errors()
    values = {"floor_number": floor_number, "number": number, "category": category, "usable_area": usable_area,
              "gross_area": gross_area, "subtype": subtype, "desks": desks}
    if unit_id not in (None, ""):
        values["unit_id"] = unit_id
    _set_room_fields(user, room, errors, values)
    room.state = choice(errors, "state", state, label=_("room state"), choices=RoomState)
    if room.state in FORBIDDEN_STATES:
        errors.add("state", _("A forbidden use is recorded through a change of state, which opens a violation."))
    errors.raise_if_any()
    room.idle_since = timezone.localdate() if room.state == RoomState.IDLE else None
    with unique("number", _room_number_taken()):
        room.save()
    return room


@use_case
def update_room(user, room_id, **changes) -> Room:
    """Change a room's description; its state moves only through ``set_room_state`` and occupancies."""
    refuse_unknown_fields(changes, ROOM_CHANGEABLE)
    room = _live_room(user, room_id)
    old_path = room.org_path
    errors = Errors()
    _set_room_fields(user, room, errors, changes)
    _check_room_still_fits(room, errors)
    errors.raise_if_any()
    with unique("number", _room_number_taken()):
        room.save()
    if room.org_path != old_path:  # another using unit: its occupancies are scoped with it
        count = room.occupancies.update(org_path=room.org_path)
        if count:
            audit.log_bulk(Occupancy, _("Occupancies of room %(room)s moved with it") % {"room": room}, count,
                           org_path=room.org_path)
    return room


@use_case
def retire_room(user, room_id) -> Room:
    room = _live_room(user, room_id)
    if room.occupancies.filter(end__isnull=True).exists():
        raise StateError(_("People still sit in this room; release or recover their offices first."))
    room.retired = True
    room.save()
    record(room, "retire", room.state, room.state, actor=user)
    return room


@use_case
def set_room_state(user, room_id, state, comment="") -> Room:
    """Record what a room is used for now. A forbidden use (出租/出借/经营) is recorded as found and
    opens a violation event for the using unit."""
    room = _live_room(user, room_id)
    errors = Errors()
    choice(errors, "state", state, label=_("room state"), choices=RoomState)
    # A forbidden use opens a violation event: what was found must be described.
    comment = text(errors, "comment", comment, label=_("comment"), max_length=500,
                   required=state in FORBIDDEN_STATES)
    errors.raise_if_any()
    if room.state == state:
        raise StateError(_("The room is already in the state “%(state)s”.") % {"state": RoomState(state).label})
    if state == RoomState.IDLE and room.occupancies.filter(end__isnull=True).exists():
        raise StateError(_("People still sit in this room, so it cannot be idle; release their offices first."))
    from_state, room.state = room.state, state
    room.idle_since = timezone.localdate() if state == RoomState.IDLE else None
    room.save()
    record(room, "set_state", from_state, state, actor=user, comment=comment)
    if state in FORBIDDEN_STATES:
        _open_violation(user, room, comment)
    return room


def _open_violation(user, room: Room, comment: str) -> None:
    title = _("%(room)s (%(unit)s): %(use)s") % {"room": room, "unit": room.unit.name,
                                                  "use": RoomState(room.state).label}
    open_event(type="officespace.violation", title=title[:200], unit=room.unit, description=comment,
               priority="high", subject=room, actor=user)


def _live_room(user, room_id) -> Room:
    room = get_in_scope(Room, user, MANAGE, room_id, lock=True)
    if room.retired:
        raise StateError(_("The room “%(room)s” is retired and can no longer be changed.") % {"room": room})
    return room


def _set_room_fields(user, room: Room, errors: Errors, values: dict) -> None:
    if "floor_number" in values:
        _set_floor(room, errors, values["floor_number"])
    if "number" in values:
        room.number = text(errors, "number", values["number"], label=_("room number"), max_length=20)
    if "category" in values:
        room.category = choice(errors, "category", values["category"], label=_("room category"),
                               choices=RoomCategory)
    if "subtype" in values:
        room.subtype = text(errors, "subtype", values["subtype"], label=_("sub-type"), max_length=40,
                            required=False)
    if "usable_area" in values:
        room.usable_area = square_metres(errors, "usable_area", values["usable_area"], label=_("usable area"))
    if "gross_area" in values:
        room.gross_area = square_metres(errors, "gross_area", values["gross_area"], label=_("gross area"), required=False)
    if "desks" in values:
        room.desks = bounded_int(errors, "desks", values["desks"], label=_("number of desks"), low=1, high=500)
    if "unit_id" in values:
        room.unit = _unit_choice(user, errors, "unit_id", values["unit_id"])
    if room.gross_area is not None and room.usable_area and room.gross_area < room.usable_area:
        errors.add("gross_area", _("The gross area cannot be smaller than the usable area."))
    if "number" not in errors and room.number and Room.objects.filter(
        building_id=room.building_id, number=room.number
    ).exclude(pk=room.pk).exists():
        errors.add("number", _room_number_taken())


def _set_floor(room: Room, errors: Errors, floor_number) -> None:
    try:
        number = int(floor_number)
    except (TypeError, ValueError):
        number = None
    floor = Floor.objects.filter(building_id=room.building_id, number=number).first() if number else None
    if floor is None:
        building = room.building
        errors.add("floor_number", _("The building has floors %(low)s to %(high)d (negative numbers for "
                                     "basements); “%(given)s” is not one of them.")
                   % {"low": -building.floors_below or 1, "high": building.floors_above, "given": floor_number})
    else:
        room.floor = floor


def _check_room_still_fits(room: Room, errors: Errors) -> None:
    seated = room.occupancies.filter(end__isnull=True).count()
    if seated and room.category != RoomCategory.OFFICE and "category" not in errors:
        errors.add("category", _("People sit in this room; only an office can have occupants."))
    if seated > room.desks and "desks" not in errors:
        errors.add("desks", _("%(n)d people sit in this room; it needs at least as many desks.") % {"n": seated})


def _room_number_taken() -> str:
    return _("This building already has a room with this number.")


# --- Occupants ----------------------------------------------------------------------------------


@use_case
def assign_occupant(user, *, room_id, person_id, start=None, concurrent_post=False) -> Occupancy:
    """Seat a person in an office. The room row is locked, so when two administrators take its last free
    desk at once the second one waits, then finds it taken. Over-standard seating is allowed (the ledger
    records reality); the analysis reports it."""
    room = _live_room(user, room_id)
    errors = Errors()
    person = find(scoped(Person.objects.select_related("unit"), user, MANAGE), person_id)
    if person is None:
        errors.add("person_id", _("The selected person does not exist or is outside your data scope."))
    elif person.status != PersonStatus.ACTIVE:
        errors.add("person_id", _("%(name)s is not in post (%(status)s) and cannot be given an office.")
                   % {"name": person.name, "status": person.get_status_display()})
    start = date_value(errors, "start", start, label=_("start date"))
    errors.raise_if_any()
    concurrent_post = bool(concurrent_post)
    _check_person_can_sit(person, room, concurrent_post)
    _check_room_takes_occupant(room)
    occupancy = Occupancy(room=room, person=person, start=start, concurrent_post=concurrent_post)
    with unique("person_id", _("%(name)s already has a main office.") % {"name": person.name}):
        occupancy.save()
    if room.state == RoomState.IDLE:
        room.state, room.idle_since = RoomState.IN_USE, None
        room.save()
    record(room, "assign", actor=user, comment=person.name)
    return occupancy


def _check_room_takes_occupant(room: Room) -> None:
    if room.category != RoomCategory.OFFICE:
        raise ValidationFailed({"room_id": [_("Only an office can be assigned to a person; “%(room)s” is a %(cat)s.")
                                            % {"room": room, "cat": room.get_category_display()}]})
    if room.state not in ASSIGNABLE_STATES:
        raise StateError(_("The room is “%(state)s” and cannot take occupants.") % {"state": room.get_state_display()})
    if room.occupancies.filter(end__isnull=True).count() >= room.desks:
        raise Conflict(_("All %(n)d desks of room %(room)s are taken; it was just filled or is full.")
                       % {"n": room.desks, "room": room})


def _check_person_can_sit(person: Person, room: Room, concurrent_post: bool) -> None:
    current = Occupancy.objects.filter(person=person, end__isnull=True).select_related("room__building")
    if any(o.room_id == room.pk for o in current):
        raise ValidationFailed({"person_id": [_("%(name)s already sits in this room.") % {"name": person.name}]})
    main = next((o for o in current if not o.concurrent_post), None)
    if main is not None and not concurrent_post:
        raise ValidationFailed({"concurrent_post": [
            _("%(name)s already has a main office (%(room)s). A second office is allowed only for a concurrent "
              "post; tick “office of a concurrent post”, or release the first office.")
            % {"name": person.name, "room": main.room}
        ]})


@use_case
def release_occupant(user, occupancy_id, end=None) -> Occupancy:
    """The person moved out. An open recovery of this office is thereby done."""
    occupancy = get_in_scope(Occupancy, user, MANAGE, occupancy_id, lock=True)
    errors = Errors()
    end = date_value(errors, "end", end, label=_("end date"))
    errors.raise_if_any()
    if occupancy.end is not None:
        raise StateError(_("This office was already released on %(day)s.") % {"day": occupancy.end})
    if end < occupancy.start:
        raise ValidationFailed({"end": [_("The end date cannot be before the start date (%(day)s).")
                                        % {"day": occupancy.start}]})
    recovery = Recovery.objects.select_for_update().filter(occupancy=occupancy).first()
    if recovery is not None and recovery.state != RS.RECOVERED:
        _mark_recovered(user, recovery, end)
    _end_occupancy(user, occupancy, end)
    return occupancy


def _end_occupancy(user, occupancy: Occupancy, end: date) -> None:
    """End the occupancy; an office nobody sits in any more becomes idle space."""
    occupancy.end = end
    occupancy.save()
    room = Room.objects.select_for_update().get(pk=occupancy.room_id)
    record(room, "release", actor=user, comment=occupancy.person.name)
    if room.state == RoomState.IN_USE and not room.occupancies.filter(end__isnull=True).exists():
        room.state, room.idle_since = RoomState.IDLE, end
        room.save()
        record(room, "set_state", RoomState.IN_USE, RoomState.IDLE, actor=user)


# --- Recoveries ---------------------------------------------------------------------------------


@use_case
def open_recovery(user, *, occupancy_id, reason) -> Recovery:
    """Start taking back an office: due in one month, two for a concurrent-post office."""
    occupancy = get_in_scope(Occupancy, user, MANAGE, occupancy_id, lock=True)
    errors = Errors()
    choice(errors, "reason", reason, label=_("reason for recovery"), choices=RecoveryReason)
    if reason == RecoveryReason.CONCURRENT_ENDED and not occupancy.concurrent_post:
        errors.add("reason", _("This is the person's main office, not the office of a concurrent post."))
    errors.raise_if_any()
    if occupancy.end is not None:
        raise StateError(_("This office was already released on %(day)s.") % {"day": occupancy.end})
    if Recovery.objects.filter(occupancy=occupancy).exists():
        raise StateError(_("A recovery of this office is already under way."))
    return start_recovery(occupancy, reason, actor=user)


def start_recovery(occupancy: Occupancy, reason: str, actor=None) -> Recovery:
    """Open the recovery of ``occupancy`` (checked by the caller; also used by the Person status hook)."""
    today = timezone.localdate()
    room = occupancy.room
    recovery = Recovery(
        occupancy=occupancy, reason=reason, unit_id=room.unit_id, opened_on=today,
        due_on=add_months(today, RECOVERY_MONTHS[occupancy.concurrent_post]),
    )
    with unique("occupancy_id", _("A recovery of this office is already under way.")):
        recovery.save()
    record(recovery, "open", "", recovery.state, actor=actor, comment=recovery.get_reason_display())
    return recovery


@use_case
def complete_recovery(user, recovery_id) -> Recovery:
    """The office is handed back: the occupancy ends today and an empty office becomes idle."""
    recovery = get_in_scope(Recovery, user, MANAGE, recovery_id, lock=True)
    today = timezone.localdate()
    _mark_recovered(user, recovery, today)
    occupancy = Occupancy.objects.select_for_update().select_related("person").get(pk=recovery.occupancy_id)
    if occupancy.end is None:
        _end_occupancy(user, occupancy, max(today, occupancy.start))
    return recovery


def _mark_recovered(user, recovery: Recovery, day: date) -> None:
    """Recovered on ``day``; an overdue recovery's event closes its own loop."""
    RECOVERY_MACHINE.transition(recovery, "recover", actor=user, recovered_on=day)
    if recovery.event_id:
        settle_event(recovery.event_id, _("The office has been handed back."), actor=user)


def flag_overdue_recoveries() -> int:
    """Periodic job: each open recovery past its due date becomes overdue and opens one event for its unit.
    Each is claimed under its row lock, so two runs never flag (or report) one twice."""
    today = timezone.localdate()
    flagged = 0
    for pk in Recovery.objects.filter(state=RS.OPEN, due_on__lt=today).values_list("pk", flat=True):
        flagged += _flag_overdue(pk, today)
    return flagged


def _flag_overdue(recovery_pk: int, today: date) -> int:
    with transaction.atomic():
        recovery = (Recovery.objects.select_for_update().select_related("occupancy__person", "occupancy__room", "unit")
                    .filter(pk=recovery_pk, state=RS.OPEN, due_on__lt=today).first())
        if recovery is None:
            return 0
        occupancy = recovery.occupancy
        recovery.event = open_event(
            type="officespace.recovery_overdue", unit=recovery.unit, subject=recovery, priority="high",
            title=(_("Office %(room)s of %(name)s not recovered by %(day)s")
                   % {"room": occupancy.room, "name": occupancy.person.name, "day": recovery.due_on})[:200],
        )
        RECOVERY_MACHINE.transition(recovery, "flag_overdue")
        return 1


def recover_after_departure(person: Person) -> list[Recovery]:
    """A transferred or retired person's open offices are taken back (idempotent: offices already being
    recovered are skipped). Called by the Person post_save hook, inside the saving transaction."""
    reason = {PersonStatus.TRANSFERRED: RecoveryReason.TRANSFERRED, PersonStatus.RETIRED: RecoveryReason.RETIRED}
    if person.status not in reason:
        return []
    open_offices = Occupancy.objects.select_related("room").filter(
        person=person, end__isnull=True, recovery__isnull=True
    )
    return [start_recovery(occupancy, reason[person.status]) for occupancy in open_offices]


# --- Area standards -----------------------------------------------------------------------------


@use_case
def save_area_standard(user, *, rank_id, region_code, area) -> AreaStandard:
    """A region's own limit for a rank (e.g. the province's 乡级 rows). National rows stay as shipped."""
    require(user, EDIT_STANDARDS)
    errors = Errors()
    rank = find(Rank.objects.all(), rank_id)
    if rank is None:
        errors.add("rank_id", _("The selected rank does not exist."))
    region = find(Region.objects.all(), region_code)
    if region is None:
        errors.add("region_code", _("There is no region with the code “%(code)s”.") % {"code": region_code})
    elif region.level == Level.NATIONAL:
        errors.add("region_code", _("The national standard is read-only; choose a province or a region below it."))
    elif rank is not None and LEVEL_DEPTH[rank.level] < LEVEL_DEPTH[region.level]:
        errors.add("rank_id", _("A %(region)s can set limits only for ranks of its own level or below.")
                   % {"region": region.get_level_display()})
    value = square_metres(errors, "area", area, label=_("office area per person"))
    if value is not None and value > 200:
        errors.add("area", _("The office area per person must be at most 200 ㎡."))
    errors.raise_if_any()
    require_path(user, EDIT_STANDARDS, f"{region.key}/")
    standard, _created = AreaStandard.objects.select_for_update().update_or_create(
        rank=rank, region=region, defaults={"area": value, "source": _("Set by %(region)s") % {"region": region.name}}
    )
    return standard


# --- Service portal -----------------------------------------------------------------------------


def my_office(user) -> dict:
    """The signed-in person's offices: room, building, area, how many share it, their own limit and the
    room's entitlement."""
    require(user, USE_SERVICE)
    person = Person.objects.select_related("rank", "unit").filter(pk=user.person_id).first()
    if person is None:
        return {"person": None, "limit": None, "offices": []}
    others = (Occupancy.objects.filter(room=OuterRef("room"), end__isnull=True).exclude(person=person)
              .order_by().values("room").annotate(n=Count("pk")).values("n"))
    occupancies = (
        Occupancy.objects.filter(person=person, end__isnull=True)
        .select_related("room__building__compound", "room__floor", "recovery")
        .annotate(co_occupants=Coalesce(Subquery(others), 0))
    )
    rooms = standards.with_entitlement(Room.objects.filter(pk__in=[o.room_id for o in occupancies]))
    figures = {room.pk: room for room in rooms}
    return {
        "person": person,
        "limit": standards.limit_for(person),
        "offices": [_office_row(o, figures[o.room_id]) for o in occupancies],
    }


def _office_row(occupancy: Occupancy, room: Room) -> dict:
    return {
        "occupancy": occupancy,
        "room": occupancy.room,
        "building": occupancy.room.building,
        "usable_area": room.usable_area,
        "co_occupants": occupancy.co_occupants,
        "entitlement": room.entitlement,
        "excess": max(room.excess, standards.ZERO),
        "recovery": getattr(occupancy, "recovery", None),
    }


# --- Ownership and allocation documents ---------------------------------------------------------


@use_case
def register_ownership(user, *, building_id, certificate_no, holder="", registered_on=None,
                       exception_reason="") -> Ownership:
    """Record a building's 权属登记. The holder is by rule the bureau of the building's region; another
    holder is an official exception and its reason is recorded with it."""
    building = get_in_scope(Building, user, MANAGE, building_id, lock=True)
    _require_building_in_use(building)
    errors = Errors()
    bureau = _bureau_of(building)
    ownership = Ownership(
        building=building, unit_id=building.unit_id,
        certificate_no=text(errors, "certificate_no", certificate_no, label=_("certificate number"), max_length=60),
        holder=text(errors, "holder", holder, label=_("registered holder"), max_length=100, required=bureau is None)
        or (bureau.name if bureau else ""),
        registered_on=_past_date(errors, "registered_on", registered_on, label=_("registration date")),
        exception_reason=text(errors, "exception_reason", exception_reason, label=_("reason for another holder"),
                              max_length=200, required=False),
    )
    if "holder" not in errors and (bureau is None or ownership.holder != bureau.name) and not ownership.exception_reason:
        errors.add("exception_reason", _certificate_exception_message(building, bureau))
    if "certificate_no" not in errors and Ownership.objects.filter(certificate_no=ownership.certificate_no).exists():
        errors.add("certificate_no", _certificate_taken())
    errors.raise_if_any()
    with unique("certificate_no", _certificate_taken()):
        ownership.save()
    return ownership


def _bureau_of(building: Building) -> OrgUnit | None:
    """The government offices administration bureau of the region the building stands in."""
    return (OrgUnit.objects.filter(is_bureau=True, active=True, region_id=building.compound.region_id)
            .order_by("org_path").first())


def _past_date(errors: Errors, field: str, value, *, label: str) -> date | None:
    """An optional date that cannot lie in the future."""
    if value in (None, ""):
        return None
    day = date_value(errors, field, value, label=label)
    if day is not None and day > timezone.localdate():
        errors.add(field, _("%(field)s cannot be in the future.") % {"field": label})
    return day


def _certificate_exception_message(building: Building, bureau: OrgUnit | None) -> str:
    if bureau is None:
        return _("No government offices administration bureau is recorded for %(region)s; give the reason why "
                 "the holder is registered otherwise.") % {"region": building.compound.region.name}
    return _("The holder is by rule %(bureau)s; give the reason for registering another holder.") % {
        "bureau": bureau.name}


def _certificate_taken() -> str:
    return _("This certificate number is already registered; each certificate can be registered only once.")


@use_case
def issue_allocation_document(user, *, unit_id, document_no, issued_on, room_ids, note="") -> AllocationDocument:
    """The bureau's 使用凭证 allocating rooms to a unit: every room must be in scope and used by that unit."""
    require(user, SUPERVISE)
    errors = Errors()
    unit = find(scoped(OrgUnit.objects.filter(active=True), user, SUPERVISE), unit_id)
    if unit is None:
        errors.add("unit_id", _("The selected unit does not exist, is deactivated or is outside your data scope."))
    document = AllocationDocument(
        unit=unit,
        document_no=text(errors, "document_no", document_no, label=_("document number"), max_length=60),
        issued_on=date_value(errors, "issued_on", issued_on, label=_("issue date")),
        note=text(errors, "note", note, label=_("note"), max_length=200, required=False),
    )
    rooms = _allocated_rooms(user, errors, unit, room_ids)
    if "document_no" not in errors and AllocationDocument.objects.filter(document_no=document.document_no).exists():
        errors.add("document_no", _document_taken())
    errors.raise_if_any()
    require_path(user, SUPERVISE, unit.org_path)
    with unique("document_no", _document_taken()):
        document.save()
    document.rooms.set(rooms)
    return document


def _allocated_rooms(user, errors: Errors, unit: OrgUnit | None, room_ids) -> list[Room]:
    wanted = set(ids(errors, "room_ids", room_ids or (), label=_("allocated rooms")))
    if "room_ids" in errors:
        return []
    if not wanted:
        errors.add("room_ids", _("Choose at least one room the document allocates."))
        return []
    rooms = list(scoped(Room.objects.filter(pk__in=wanted, retired=False), user, SUPERVISE))
    if len(rooms) != len(wanted):
        errors.add("room_ids", _("Some of the chosen rooms do not exist, are retired or are outside your data scope."))
    elif unit is not None and any(room.unit_id != unit.pk for room in rooms):
        others = "、".join(str(room) for room in rooms if room.unit_id != unit.pk)
        errors.add("room_ids", _("These rooms are not used by %(unit)s: %(rooms)s.") % {"unit": unit.name,
                                                                                       "rooms": others})
    return rooms


def _document_taken() -> str:
    return _("This document number is already issued; each allocation document number is used only once.")
