"""清查盘点 campaigns: the bureau opens one over its region, taking a snapshot of the ledger; each unit
confirms or corrects its rooms and declares its buildings' asset-account and certificate figures, then
submits; the bureau accepts or returns, applies the accepted corrections to the ledger and closes.

Opening is set-based: one INSERT … SELECT per table, whatever the number of rooms (a province has
300,000). Applying corrections goes through the ledger's own services (``update_room``,
``set_room_state``, ``retire_room``, ``create_room``), one savepoint per room: their rules, timeline and
violation events apply, and a correction the ledger refuses is kept with the reason instead of
aborting the rest."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import audit, notify
from jiguan.core.errors import ServiceError, StateError, ValidationFailed
from jiguan.core.models import Account, OrgUnit, Region, Role, RoleAssignment
from jiguan.core.models.org import Level, UnitKind
from jiguan.core.scoping import Scope, path_in_scope, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import permission_holders, use_case
from jiguan.core.services.events import open_event
from jiguan.core.services.inputs import (
    Errors,
    bounded_int,
    choice,
    date_value,
    find,
    ids,
    square_metres,
    text,
    unique,
    yuan,
)
from jiguan.core.statemachine import StateMachine, record

from ..models import (
    FORBIDDEN_STATES,
    AllocationDocument,
    Building,
    BuildingState,
    Campaign,
    CampaignBuilding,
    CampaignRoom,
    CampaignState,
    CampaignTask,
    CheckResult,
    DifferenceKind,
    Occupancy,
    Ownership,
    Room,
    RoomCategory,
    RoomState,
    TaskState,
)
from ..module import MANAGE, SUPERVISE, VIEW

UNFINISHED_EVENT = "officespace.campaign_unfinished"
EDITABLE = (TaskState.PENDING, TaskState.RETURNED)
DIFFERING = (CheckResult.CORRECTED, CheckResult.MISSING, CheckResult.EXTRA)
CHECKED = (CheckResult.CONFIRMED, CheckResult.CORRECTED, CheckResult.MISSING)

CAMPAIGN_MACHINE = StateMachine("state", {"close": {CampaignState.OPEN: CampaignState.CLOSED}})
T = TaskState
TASK_MACHINE = StateMachine("state", {
    "submit": {T.PENDING: T.SUBMITTED, T.RETURNED: T.SUBMITTED},
    "accept": {T.SUBMITTED: T.ACCEPTED},
    "return": {T.SUBMITTED: T.RETURNED},
})


# --- Reads shared by the portal and the API --------------------------------------------------------


def visible_campaigns(user):
    """Campaigns of the user's region, and those with a task of a unit in the user's scope (a unit, or a
    city bureau inside a province's campaign)."""
    require(user, VIEW)
    own = scoped(Campaign.objects.all(), user, VIEW).values("pk")
    via_tasks = scoped(CampaignTask.objects.all(), user, VIEW).values("campaign_id")
    return Campaign.objects.filter(Q(pk__in=own) | Q(pk__in=via_tasks)).select_related("region", "bureau")


def campaign_in_view(user, campaign_id) -> Campaign:
    campaign = find(visible_campaigns(user), campaign_id)
    if campaign is None:
        raise Http404(_("Not found."))
    return campaign


def visible_tasks(user, campaign: Campaign):
    return scoped(CampaignTask.objects.filter(campaign=campaign), user, VIEW).select_related("unit")


def task_in_view(user, task_id) -> CampaignTask:
    return get_in_scope(CampaignTask, user, VIEW, task_id,
                        queryset=CampaignTask.objects.select_related("campaign", "unit"))


def may_supervise(user, campaign: Campaign) -> bool:
    return scoped(Campaign.objects.filter(pk=campaign.pk), user, SUPERVISE).exists()


# --- Opening: the snapshot --------------------------------------------------------------------------


@use_case
def open_campaign(user, *, name, year, deadline, region_code=None) -> Campaign:
    """Open a campaign over the bureau's region (or a city or county below it) and snapshot its ledger."""
    require(user, SUPERVISE)
    errors = Errors()
    today = timezone.localdate()
    name = text(errors, "name", name, label=_("campaign name"), max_length=100, min_length=4)
    year = bounded_int(errors, "year", year, label=_("year"), low=2000, high=today.year + 1)
    deadline = _deadline(errors, deadline, today)
    region = _campaign_region(user, errors, region_code)
    bureau = _opening_bureau(user, region)
    if region is not None and bureau is None:
        errors.add("region_code", _("No bureau is recorded for this region; the campaign needs one to run it."))
    errors.raise_if_any()
    if Campaign.objects.filter(region=region, state=CampaignState.OPEN).exists():
        raise StateError(_("A campaign is already in progress in %(region)s; close it before opening another.")
                         % {"region": region.name})
    campaign = Campaign(name=name, year=year, deadline=deadline, region=region, bureau=bureau,
                        org_path=f"{region.key}/" if region.key else "")
    with unique("region_code", _("A campaign is already in progress in this region.")):
        campaign.save()
    counts = _snapshot(user, campaign)
    if not counts["tasks"]:
        raise ValidationFailed({"region_code": [_("No unit in %(region)s has rooms in the ledger; there is nothing "
                                                  "to check.") % {"region": region.name}]})
    record(campaign, "open", "", CampaignState.OPEN, actor=user,
           comment=_("%(units)d units, %(rooms)d rooms, %(buildings)d buildings") % counts)
    _notify_units(campaign)
    return campaign


def _deadline(errors: Errors, value, today):
    if value in (None, ""):
        errors.add("deadline", _("Please fill in %(field)s.") % {"field": _("deadline")})
        return None
    day = date_value(errors, "deadline", value, label=_("deadline"))
    if day is not None and day < today:
        errors.add("deadline", _("The deadline cannot be in the past."))
    return day


def _campaign_region(user, errors: Errors, region_code) -> Region | None:
    """The region given, or the user's own; it must lie inside the user's supervision scope."""
    if region_code in (None, ""):
        region = user.unit.region if user.unit_id else None
    else:
        region = find(Region.objects.all(), region_code)
    if region is None:
        errors.add("region_code", _("There is no region with the code “%(code)s”.") % {"code": region_code or ""})
    elif region.level == Level.NATIONAL or not path_in_scope(user, SUPERVISE, f"{region.key}/"):
        errors.add("region_code", _("%(region)s is outside your data scope; choose your region or a city or county "
                                    "under it.") % {"region": region.name})
        return None
    return region


def _opening_bureau(user, region: Region | None) -> OrgUnit | None:
    """The unit running the campaign: the opener's own, else the bureau of the region."""
    if user.unit_id:
        return user.unit.agency
    if region is None:
        return None
    return OrgUnit.objects.filter(is_bureau=True, active=True, region=region).order_by("org_path").first()


def _agency(prefix: str = "") -> Coalesce:
    """The agency (机关) of a row's unit: an internal department's rooms belong to its agency's ledger."""
    return Coalesce(f"{prefix}unit__unit_id", f"{prefix}unit_id")


def _snapshot(user, campaign: Campaign) -> dict:
    """Tasks for every agency in the region with rooms or buildings, then the rooms and buildings as they
    stand now, each copied by one INSERT … SELECT."""
    key = campaign.region.key
    rooms = Room.objects.filter(retired=False, org_path__under=key).order_by()
    buildings = Building.objects.filter(state=BuildingState.IN_USE, org_path__under=key).order_by()
    units = (OrgUnit.objects.filter(kind=UnitKind.UNIT)
             .filter(Q(pk__in=rooms.values(a=_agency())) | Q(pk__in=buildings.values(a=_agency())))
             .values_list("pk", "org_path"))
    tasks = CampaignTask.objects.bulk_create(
        CampaignTask(campaign=campaign, unit_id=pk, org_path=path) for pk, path in units)
    room_count = _insert_select(CampaignRoom, _room_columns(campaign), rooms)
    building_count = _insert_select(CampaignBuilding, _building_columns(campaign), buildings)
    for model, count in ((CampaignTask, len(tasks)), (CampaignRoom, room_count), (CampaignBuilding, building_count)):
        audit.log_bulk(model, _("Snapshot of campaign %(name)s: %(n)d rows") % {"name": campaign.name, "n": count},
                       count, org_path=campaign.org_path)
    return {"units": len(tasks), "tasks": len(tasks), "rooms": room_count, "buildings": building_count}


def _task_of(campaign: Campaign, agency) -> Subquery:
    return Subquery(CampaignTask.objects.filter(campaign_id=campaign.pk, unit_id=agency).values("pk")[:1])


def _room_columns(campaign: Campaign) -> dict:
    seated = (Occupancy.objects.filter(room=OuterRef("pk"), end__isnull=True).order_by()
              .values("room").annotate(n=Count("pk")).values("n"))
    documents = (AllocationDocument.rooms.through.objects.filter(room_id=OuterRef("pk"))
                 .filter(Q(allocationdocument__unit_id=OuterRef("unit_id"))
                         | Q(allocationdocument__unit_id=OuterRef("unit__unit_id")))
                 .order_by("-allocationdocument__issued_on", "-pk").values("allocationdocument__document_no")[:1])
    return {
        "campaign_id": Value(campaign.pk), "task_id": _task_of(campaign, OuterRef("room_agency")),
        "room_id": F("pk"), "building_id": F("building_id"),
        "org_path": Coalesce("unit__unit__org_path", "unit__org_path"),
        "building_name": F("building__name"), "floor": F("floor__number"), "number": F("number"),
        "subtype": F("subtype"), "ledger_category": F("category"), "ledger_usable_area": F("usable_area"),
        "ledger_gross_area": F("gross_area"), "ledger_state": F("state"),
        "ledger_occupants": Coalesce(Subquery(seated), Value(0)),
        "needs_document": ~Q(room_agency=F("building_agency")),
        "ledger_document": Coalesce(Subquery(documents), Value("")),
        "result": Value(CheckResult.PENDING.value), "found_category": Value(""), "found_state": Value(""),
        "note": Value(""), "applied": Value(False), "apply_note": Value(""),
    }


def _building_columns(campaign: Campaign) -> dict:
    registrations = Ownership.objects.filter(building=OuterRef("pk")).order_by()
    room_area = (Room.objects.filter(building=OuterRef("pk"), retired=False).order_by()
                 .values("building").annotate(s=Sum("usable_area")).values("s"))
    return {
        "campaign_id": Value(campaign.pk), "task_id": _task_of(campaign, OuterRef("building_agency")),
        "building_id": F("pk"), "org_path": Coalesce("unit__unit__org_path", "unit__org_path"),
        "name": F("name"), "ledger_gross_area": F("gross_area"), "ledger_usable_area": Subquery(room_area),
        "ledger_certificate": Coalesce(Subquery(registrations.order_by("-registered_on", "-pk")
                                                .values("certificate_no")[:1]), Value("")),
        "ledger_certificates": Coalesce(Subquery(registrations.values("building").annotate(n=Count("pk"))
                                                 .values("n")), Value(0)),
        "note": Value(""),
    }


def _insert_select(model, columns: dict, queryset) -> int:
    """``INSERT INTO model (columns) SELECT …``: the rows are copied inside the database, never loaded.
    Every selected value is an annotation named after its column, so the select list follows ``columns``."""
    if model is CampaignRoom:
        queryset = queryset.annotate(room_agency=_agency(), building_agency=_agency("building__"))
    else:
        queryset = queryset.annotate(building_agency=_agency())
    aliases = {name: f"c_{name}" for name in columns}
    select = queryset.annotate(**{aliases[name]: expr for name, expr in columns.items()}).values_list(*aliases.values())
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({targets}) {sql}", params)
        return cursor.rowcount


def _notify_units(campaign: Campaign) -> None:
    """The administrators of each unit in the campaign: those whose own-unit roles keep its ledger."""
    roles = [role.pk for role in Role.objects.only("pk", "permissions") if MANAGE in role.permissions]
    units = CampaignTask.objects.filter(campaign=campaign).values("unit_id")
    grants = RoleAssignment.objects.filter(role_id__in=roles, role__scope__in=(Scope.UNIT_TREE, Scope.UNIT)).filter(
        Q(unit_id__in=units) | Q(unit__unit_id__in=units))
    admins = Account.objects.filter(pk__in=grants.values("account_id"), is_active=True)
    notify.send(admins, _("Inventory campaign: %(name)s") % {"name": campaign.name},
                body=_("Check every room of your unit and your buildings' asset-account figures, then submit by "
                       "%(day)s.") % {"day": campaign.deadline},
                link=notify.link_to("manage:officespace:campaign", campaign.pk), category="officespace")


# --- The unit's work --------------------------------------------------------------------------------


def _editable_task(user, task_id) -> CampaignTask:
    """The task, locked: every write of a unit's checklist takes this lock, so a submission never
    races a correction."""
    task = get_in_scope(CampaignTask, user, MANAGE, task_id, lock=True)
    if task.campaign.state != CampaignState.OPEN:
        raise StateError(_("The campaign is closed; its checklists can no longer be changed."))
    if task.state not in EDITABLE:
        raise StateError(_("The checklist is “%(state)s” and can no longer be changed.")
                         % {"state": task.get_state_display()})
    return task


def _editable_row(user, row_id) -> CampaignRoom:
    """A room of a checklist the user may still change, read again once its task is locked."""
    row = find(scoped(CampaignRoom.objects.all(), user, MANAGE), row_id)
    if row is None:
        require(user, MANAGE)
        raise Http404(_("Not found."))
    _editable_task(user, row.task_id)
    return CampaignRoom.objects.get(pk=row.pk)


@use_case
def confirm_rooms(user, task_id, row_ids=None) -> int:
    """The rooms are as the ledger says: all unchecked rooms, or the chosen ones (a correction or a
    "not found" of a chosen room is withdrawn). Returns how many were confirmed."""
    task = _editable_task(user, task_id)
    rows = task.rooms.exclude(result=CheckResult.EXTRA)
    if row_ids is None:
        rows = rows.filter(result=CheckResult.PENDING)
    else:
        errors = Errors()
        wanted = set(ids(errors, "row_ids", row_ids if isinstance(row_ids, list | tuple | set) else [row_ids],
                         label=_("rooms")))
        if not wanted and "row_ids" not in errors:
            errors.add("row_ids", _("Choose at least one room to confirm."))
        elif wanted and rows.filter(pk__in=wanted).count() != len(wanted):
            errors.add("row_ids", _("Some of the chosen rooms are not in this checklist."))
        errors.raise_if_any()
        rows = rows.filter(pk__in=wanted)
    count = rows.update(result=CheckResult.CONFIRMED, found_category="", found_usable_area=None, found_state="",
                        checked_by=user, checked_at=timezone.now())
    if count:
        audit.log_bulk(CampaignRoom, _("%(n)d rooms confirmed as in the ledger") % {"n": count}, count,
                       org_path=task.org_path)
        record(task, "confirm", actor=user, comment=_("%(n)d rooms confirmed as in the ledger") % {"n": count})
    return count


@use_case
def correct_room(user, row_id, *, category, usable_area, state, note="") -> CampaignRoom:
    """Record what was found on site. Values equal to the ledger's confirm the room instead."""
    row = _editable_row(user, row_id)
    errors = Errors()
    found = _found_values(errors, category=category, usable_area=usable_area, state=state, note=note)
    errors.raise_if_any()
    row.found_category, row.found_usable_area, row.found_state, row.note = found
    same = (row.found_category, row.found_usable_area, row.found_state) == (
        row.ledger_category, row.ledger_usable_area, row.ledger_state)
    if row.result != CheckResult.EXTRA:
        row.result = CheckResult.CONFIRMED if same else CheckResult.CORRECTED
    if row.result == CheckResult.CONFIRMED:
        row.found_category, row.found_usable_area, row.found_state = "", None, ""
    row.checked_by, row.checked_at = user, timezone.now()
    row.save()
    return row


def _found_values(errors: Errors, *, category, usable_area, state, note) -> tuple:
    return (
        choice(errors, "category", category, label=_("room category"), choices=RoomCategory),
        square_metres(errors, "usable_area", usable_area, label=_("usable area")),
        choice(errors, "state", state, label=_("room state"), choices=RoomState),
        text(errors, "note", note, label=_("note"), max_length=200, required=False),
    )


@use_case
def mark_missing(user, row_id, *, note) -> CampaignRoom:
    """The room in the ledger was not found on site (demolished, merged, never there)."""
    row = _editable_row(user, row_id)
    if row.result == CheckResult.EXTRA:
        raise StateError(_("This room was added during the check; remove it instead."))
    errors = Errors()
    row.note = text(errors, "note", note, label=_("what was found instead"), max_length=200, min_length=2)
    errors.raise_if_any()
    row.result, row.found_category, row.found_usable_area, row.found_state = CheckResult.MISSING, "", None, ""
    row.checked_by, row.checked_at = user, timezone.now()
    row.save()
    return row


@use_case
def add_extra_room(user, task_id, *, building_id, floor_number, number, category, usable_area, state,
                   note="") -> CampaignRoom:
    """A room found on site that the ledger does not have, in a building the unit uses or keeps."""
    task = _editable_task(user, task_id)
    errors = Errors()
    building = find(Building.objects.filter(Q(pk__in=task.rooms.values("building_id"))
                                            | Q(pk__in=task.buildings.values("building_id"))), building_id)
    if building is None:
        errors.add("building_id", _("Choose a building where the unit uses or keeps rooms."))
    number = text(errors, "number", number, label=_("room number"), max_length=20)
    floor = _floor_of(errors, building, floor_number)
    found = _found_values(errors, category=category, usable_area=usable_area, state=state, note=note)
    if building is not None and number and "number" not in errors:
        _check_not_listed(errors, task, building, number)
    errors.raise_if_any()
    return CampaignRoom.objects.create(
        campaign_id=task.campaign_id, task=task, building=building, org_path=task.org_path,
        building_name=building.name, floor=floor, number=number, result=CheckResult.EXTRA,
        found_category=found[0], found_usable_area=found[1], found_state=found[2], note=found[3],
        checked_by=user, checked_at=timezone.now(),
    )


def _floor_of(errors: Errors, building: Building | None, value) -> int | None:
    try:
        floor = int(value)
    except (TypeError, ValueError):
        floor = None
    if building is not None and (floor is None or floor == 0 or not -building.floors_below <= floor
                                 <= building.floors_above):
        errors.add("floor_number", _("The building has floors %(low)s to %(high)d (negative numbers for "
                                     "basements); “%(given)s” is not one of them.")
                   % {"low": -building.floors_below or 1, "high": building.floors_above, "given": value})
    return floor


def _check_not_listed(errors: Errors, task: CampaignTask, building: Building, number: str) -> None:
    ledger = Room.objects.filter(building=building, number=number, retired=False).select_related("unit").first()
    if ledger is not None:
        errors.add("number", _("Room %(number)s is in the ledger (used by %(unit)s); it is checked in that unit's "
                               "list.") % {"number": number, "unit": ledger.unit.name})
    elif task.rooms.filter(building=building, number=number).exists():
        errors.add("number", _("Room %(number)s is already in this checklist.") % {"number": number})


@use_case
def remove_extra_room(user, row_id) -> None:
    """Withdraw a room added during the check by mistake (rooms of the ledger stay and are marked instead)."""
    row = _editable_row(user, row_id)
    if row.result != CheckResult.EXTRA:
        raise StateError(_("Only a room added during the check can be removed; mark a ledger room as not found."))
    row.delete()


@use_case
def save_building_figures(user, row_id, *, book_area, book_value, certificate_at_hand, certificate_matches=None,
                          certificate_area=None, note="") -> CampaignBuilding:
    """The building's 账面面积 and 账面价值 from the unit's fixed-asset accounts (0 ㎡: not in the
    accounts), and whether its ownership certificate is at hand and matches the ledger."""
    row = find(scoped(CampaignBuilding.objects.all(), user, MANAGE), row_id)
    if row is None:
        require(user, MANAGE)
        raise Http404(_("Not found."))
    _editable_task(user, row.task_id)
    errors = Errors()
    row.book_area = square_metres(errors, "book_area", book_area, label=_("book area"), positive=False)
    row.book_value = yuan(errors, "book_value", book_value, label=_("book value"), allow_zero=True)
    row.certificate_at_hand = _yes_no(errors, "certificate_at_hand", certificate_at_hand,
                                      label=_("certificate at hand"))
    row.certificate_matches = _yes_no(errors, "certificate_matches", certificate_matches,
                                      label=_("certificate matches the ledger"), required=bool(row.certificate_at_hand))
    if not row.certificate_at_hand:
        row.certificate_matches = None  # nothing to compare without the certificate
    row.certificate_area = square_metres(errors, "certificate_area", certificate_area,
                                         label=_("area on the certificate"), required=False)
    row.note = text(errors, "note", note, label=_("note"), max_length=200, required=False)
    errors.raise_if_any()
    row.checked_by, row.checked_at = user, timezone.now()
    row.save()
    return row


def _yes_no(errors: Errors, field: str, value, *, label: str, required: bool = True) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (None, "") and not required:
        return None
    answers = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    if str(value).lower() not in answers:
        errors.add(field, _("Please answer %(field)s with yes or no.") % {"field": label})
        return None
    return answers[str(value).lower()]


@use_case
def submit_task(user, task_id) -> CampaignTask:
    """Hand the checklist to the bureau: every room checked, every building's figures entered."""
    task = _editable_task(user, task_id)
    unchecked = task.rooms.filter(result=CheckResult.PENDING).count()
    blank = task.buildings.filter(Q(book_area__isnull=True) | Q(certificate_at_hand__isnull=True)).count()
    errors = Errors()
    if unchecked:
        errors.add("rooms", _("%(n)d rooms are neither confirmed nor corrected yet; check them before submitting.")
                   % {"n": unchecked})
    if blank:
        errors.add("buildings", _("%(n)d buildings have no asset-account figures or certificate check yet.")
                   % {"n": blank})
    errors.raise_if_any()
    TASK_MACHINE.transition(task, "submit", actor=user, submitted_at=timezone.now())
    notify.send(permission_holders(task.org_path, SUPERVISE, nearest=True),
                _("Inventory checklist submitted: %(unit)s") % {"unit": task.unit.name},
                link=notify.link_to("manage:officespace:campaign_task", task.pk), category="officespace")
    return task


# --- The bureau's decisions -------------------------------------------------------------------------


def _submitted_task(user, task_id) -> CampaignTask:
    task = get_in_scope(CampaignTask, user, SUPERVISE, task_id, lock=True)
    if task.campaign.state != CampaignState.OPEN:
        raise StateError(_("The campaign is closed; its checklists can no longer be changed."))
    return task


@use_case
def accept_task(user, task_id, comment="") -> CampaignTask:
    task = _submitted_task(user, task_id)
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("comment"), max_length=500, required=False)
    errors.raise_if_any()
    TASK_MACHINE.transition(task, "accept", actor=user, comment=comment, decided_at=timezone.now())
    _tell_unit(task, _("Inventory checklist accepted: %(name)s"), comment)
    return task


@use_case
def return_task(user, task_id, reason) -> CampaignTask:
    task = _submitted_task(user, task_id)
    errors = Errors()
    reason = text(errors, "reason", reason, label=_("reason for returning"), max_length=500, min_length=4)
    errors.raise_if_any()
    TASK_MACHINE.transition(task, "return", actor=user, comment=reason, decided_at=timezone.now(),
                            return_reason=reason)
    _tell_unit(task, _("Inventory checklist returned: %(name)s"), reason)
    return task


def _tell_unit(task: CampaignTask, title: str, body: str) -> None:
    notify.send(permission_holders(task.org_path, MANAGE, nearest=True), title % {"name": task.campaign.name},
                body=body, link=notify.link_to("manage:officespace:campaign_task", task.pk), category="officespace")


@use_case
def close_campaign(user, campaign_id, *, force=False, reason="") -> Campaign:
    """Close the campaign. While units are not accepted this is refused, unless forced with a reason;
    each unfinished unit then gets an event to follow up."""
    campaign = get_in_scope(Campaign, user, SUPERVISE, campaign_id, lock=True)
    CAMPAIGN_MACHINE.target(campaign, "close")
    unfinished = list(campaign.tasks.exclude(state=TaskState.ACCEPTED).select_related("unit"))
    errors = Errors()
    reason = text(errors, "reason", reason, label=_("reason for closing early"), max_length=500,
                  required=bool(unfinished and force), min_length=4)
    errors.raise_if_any()
    if unfinished and not force:
        raise StateError(_("%(n)d units have not been accepted yet. Wait for them, or close anyway with a reason.")
                         % {"n": len(unfinished)})
    CAMPAIGN_MACHINE.transition(campaign, "close", actor=user, comment=reason, closed_on=timezone.localdate(),
                                close_reason=reason if unfinished else "")
    for task in unfinished:
        open_event(type=UNFINISHED_EVENT, unit=task.unit, subject=task, actor=user, description=reason,
                   title=(_("%(unit)s did not finish the inventory campaign %(name)s")
                          % {"unit": task.unit.name, "name": campaign.name})[:200])
    return campaign


@use_case
def apply_corrections(user, campaign_id) -> dict:
    """Write the accepted units' findings into the ledger through the ledger's services. Each room in its
    own savepoint: one the ledger refuses keeps the reason and stays to apply later."""
    campaign = get_in_scope(Campaign, user, SUPERVISE, campaign_id, lock=True)
    rows = list(CampaignRoom.objects.select_related("room", "task").filter(
        campaign=campaign, task__state=TaskState.ACCEPTED, applied=False, result__in=DIFFERING).order_by("pk"))
    for row in rows:
        try:
            with transaction.atomic():
                _apply(user, campaign, row)
            row.applied, row.apply_note = True, ""
        except (ServiceError, Http404, PermissionDenied) as refusal:
            row.apply_note = (getattr(refusal, "message", "") or str(refusal) or _("Outside your data scope."))[:300]
    CampaignRoom.objects.bulk_update(rows, ["applied", "apply_note"])
    applied = sum(row.applied for row in rows)
    audit.log_bulk(CampaignRoom, _("Corrections of campaign %(name)s applied: %(n)d") % {
        "name": campaign.name, "n": applied}, len(rows), org_path=campaign.org_path)
    campaign.corrections_applied_at = timezone.now()
    campaign.save()
    outcome = {"applied": applied, "refused": len(rows) - applied}
    record(campaign, "apply", actor=user, comment=_("%(applied)d corrections applied, %(refused)d refused") % outcome)
    return outcome


def _apply(user, campaign: Campaign, row: CampaignRoom) -> None:
    from . import create_room, retire_room, set_room_state, update_room

    comment = _("Inventory campaign %(name)s: %(note)s") % {"name": campaign.name, "note": row.note or "—"}
    if row.result == CheckResult.EXTRA:
        forbidden = row.found_state in FORBIDDEN_STATES
        room = create_room(user, building_id=row.building_id, floor_number=row.floor, number=row.number,
                           category=row.found_category, usable_area=row.found_usable_area, unit_id=row.task.unit_id,
                           state=RoomState.IN_USE if forbidden else row.found_state)
        if forbidden:
            set_room_state(user, room.pk, row.found_state, comment)
        return
    if row.room is None:
        raise StateError(_("The room is no longer in the ledger."))
    if row.result == CheckResult.MISSING:
        retire_room(user, row.room_id)
        return
    changes = {name: found for name, found in (("category", row.found_category),
                                               ("usable_area", row.found_usable_area))
               if found != getattr(row.room, name)}
    if changes:
        update_room(user, row.room_id, **changes)
    if row.found_state != row.room.state:
        set_room_state(user, row.room_id, row.found_state, comment)


# --- Results: progress per unit and the differences -------------------------------------------------


def _one_if(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


AREA_SUM = DecimalField(max_digits=14, decimal_places=2)
ROOM_FIGURES = {
    "rooms": Count("pk", filter=~Q(result=CheckResult.EXTRA)),
    "checked": Count("pk", filter=Q(result__in=CHECKED)),
    "extra": Count("pk", filter=Q(result=CheckResult.EXTRA)),
    "physical": Sum(Case(
        When(result=CheckResult.CORRECTED,
             then=_one_if(~Q(found_category=F("ledger_category"))) + _one_if(~Q(found_usable_area=F("ledger_usable_area")))
             + _one_if(~Q(found_state=F("ledger_state")))),
        When(result__in=(CheckResult.MISSING, CheckResult.EXTRA), then=Value(1)),
        default=Value(0), output_field=IntegerField())),
    "physical_area": Sum(Case(
        When(result=CheckResult.CORRECTED, then=F("found_usable_area") - F("ledger_usable_area")),
        When(result=CheckResult.EXTRA, then=F("found_usable_area")),
        When(result=CheckResult.MISSING, then=Value(Decimal(0)) - F("ledger_usable_area")),
        default=Value(Decimal(0)), output_field=AREA_SUM)),
    "certificate_rooms": Count("pk", filter=Q(needs_document=True, ledger_document="")
                               & ~Q(result__in=(CheckResult.MISSING, CheckResult.EXTRA))),
}
BUILDING_FIGURES = {
    "buildings": Count("pk"),
    "entered": Count("pk", filter=Q(book_area__isnull=False, certificate_at_hand__isnull=False)),
    "certificate_buildings": Sum(
        _one_if(Q(ledger_certificates=0)) + _one_if(Q(certificate_at_hand=False)) + _one_if(Q(certificate_matches=False))
        + _one_if(Q(certificate_area__isnull=False) & ~Q(certificate_area=F("ledger_gross_area")))),
    "accounts": Count("pk", filter=Q(book_area__isnull=False) & ~Q(book_area=F("ledger_gross_area"))),
    "accounts_area": Sum(Case(When(book_area__isnull=False, then=F("book_area") - F("ledger_gross_area")),
                              default=Value(Decimal(0)), output_field=AREA_SUM)),
}
FIGURES = ("rooms", "checked", "extra", "physical", "physical_area", "certificate", "buildings", "entered",
           "accounts", "accounts_area")


def progress(tasks) -> list[dict]:
    """Per task of ``tasks`` (a scoped queryset): its counts and differences, in three queries whatever
    the number of units."""
    chosen = Subquery(tasks.values("pk"))
    rooms = {row["task_id"]: row for row in CampaignRoom.objects.filter(task_id__in=chosen).order_by()
             .values("task_id").annotate(**ROOM_FIGURES)}
    buildings = {row["task_id"]: row for row in CampaignBuilding.objects.filter(task_id__in=chosen).order_by()
                 .values("task_id").annotate(**BUILDING_FIGURES)}
    return [_task_figures(task, rooms.get(task.pk, {}), buildings.get(task.pk, {}))
            for task in tasks.select_related("unit").order_by("org_path")]


def _task_figures(task: CampaignTask, rooms: dict, buildings: dict) -> dict:
    row = {"task": task, **{name: rooms.get(name) or 0 for name in ROOM_FIGURES},
           **{name: buildings.get(name) or 0 for name in BUILDING_FIGURES}}
    row["certificate"] = row.pop("certificate_rooms") + row.pop("certificate_buildings")
    for name in ("physical_area", "accounts_area"):
        row[name] = _area(row[name])
    to_check = row["rooms"] + row["buildings"]
    done = row["checked"] + row["entered"]
    row["percent"] = 100 if task.state in (TaskState.SUBMITTED, TaskState.ACCEPTED) or not to_check \
        else int(100 * done / to_check)
    return row


def totals(rows: list[dict]) -> dict:
    """The campaign's figures: the sums of its units' rows, and how many units are in each state."""
    summed = {name: sum((row[name] for row in rows), Decimal(0) if name.endswith("_area") else 0) for name in FIGURES}
    states = {state: sum(1 for row in rows if row["task"].state == state) for state in TaskState.values}
    return {**summed, "units": len(rows), "states": states,
            "percent": int(sum(row["percent"] for row in rows) / len(rows)) if rows else 0}


def _area(value) -> Decimal:
    """Sums of areas come back from SQLite as binary floats: to 0.01 ㎡."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Difference:
    task_id: int
    unit: str
    kind: str
    item: str
    field: str
    ledger: str
    found: str
    difference: Decimal | None = None
    note: str = ""

    @property
    def kind_label(self) -> str:
        return str(DifferenceKind(self.kind).label)


def differences(tasks, kind: str | None = None) -> list[Difference]:
    """The campaign's result for ``tasks`` (a scoped queryset): one row per differing value, by unit."""
    chosen = Subquery(tasks.values("pk"))
    found: list[Difference] = []
    rooms = CampaignRoom.objects.filter(task_id__in=chosen).select_related("task__unit")
    buildings = CampaignBuilding.objects.filter(task_id__in=chosen).select_related("task__unit")
    if kind in (None, DifferenceKind.PHYSICAL):
        for row in rooms.filter(result__in=DIFFERING):
            found += _physical(row)
    if kind in (None, DifferenceKind.CERTIFICATE):
        for row in rooms.filter(needs_document=True, ledger_document="").exclude(
                result__in=(CheckResult.MISSING, CheckResult.EXTRA)):
            found.append(_difference(row, DifferenceKind.CERTIFICATE, _("Allocation document"),
                                     _("used by %(unit)s") % {"unit": row.task.unit.name}, _("no allocation document")))
    building_rows = buildings.filter(Q(ledger_certificates=0) | Q(certificate_at_hand=False)
                                     | Q(certificate_matches=False) | Q(certificate_area__isnull=False)
                                     | Q(book_area__isnull=False))
    for row in building_rows if kind != DifferenceKind.PHYSICAL else ():
        found += [d for d in _building_differences(row) if kind in (None, d.kind)]
    return sorted(found, key=lambda d: (d.unit, d.kind, d.item))


def _difference(row, kind: str, field: str, ledger: str, found: str, difference=None) -> Difference:
    item = str(row) if isinstance(row, CampaignRoom) else row.name
    return Difference(row.task_id, row.task.unit.name, DifferenceKind(kind).value, item, field, ledger, found,
                      difference, row.note)


def _physical(row: CampaignRoom) -> list[Difference]:
    kind = DifferenceKind.PHYSICAL
    if row.result == CheckResult.MISSING:
        return [_difference(row, kind, _("Room"), _room_label(row.ledger_category, row.ledger_usable_area),
                            _("not found on site"), -row.ledger_usable_area)]
    if row.result == CheckResult.EXTRA:
        return [_difference(row, kind, _("Room"), _("not in the ledger"),
                            _room_label(row.found_category, row.found_usable_area), row.found_usable_area)]
    categories, states = dict(RoomCategory.choices), dict(RoomState.choices)
    rows = []
    if row.found_category != row.ledger_category:
        rows.append(_difference(row, kind, _("Category"), str(categories[row.ledger_category]),
                                str(categories[row.found_category])))
    if row.found_usable_area != row.ledger_usable_area:
        rows.append(_difference(row, kind, _("Usable area (㎡)"), f"{row.ledger_usable_area:.2f}",
                                f"{row.found_usable_area:.2f}", row.found_usable_area - row.ledger_usable_area))
    if row.found_state != row.ledger_state:
        rows.append(_difference(row, kind, _("State"), str(states[row.ledger_state]), str(states[row.found_state])))
    return rows


def _room_label(category: str, area) -> str:
    return f"{RoomCategory(category).label} {area:.2f} ㎡"


def _building_differences(row: CampaignBuilding) -> list[Difference]:
    certificate, accounts = DifferenceKind.CERTIFICATE, DifferenceKind.ACCOUNTS
    registered = row.ledger_certificate or _("not registered")
    rows = []
    if row.ledger_certificates == 0:
        rows.append(_difference(row, certificate, _("Ownership registration"), _("not registered"), "—"))
    if row.certificate_at_hand is False:
        rows.append(_difference(row, certificate, _("Ownership certificate"), registered, _("certificate not at hand")))
    if row.certificate_matches is False:
        rows.append(_difference(row, certificate, _("Ownership certificate"), registered,
                                _("certificate does not match the ledger")))
    if row.certificate_area is not None and row.certificate_area != row.ledger_gross_area:
        rows.append(_difference(row, certificate, _("Gross floor area (㎡)"), f"{row.ledger_gross_area:.2f}",
                                f"{row.certificate_area:.2f}", row.certificate_area - row.ledger_gross_area))
    if row.book_area is not None and row.book_area != row.ledger_gross_area:
        booked = f"{row.book_area:.2f}" if row.book_area else _("not in the asset accounts")
        rows.append(_difference(row, accounts, _("Gross floor area (㎡)"), f"{row.ledger_gross_area:.2f}", booked,
                                row.book_area - row.ledger_gross_area))
    return rows
