"""Space applications (用房申请) and their allocation in the order 调剂 → 置换 → 租用 → 建设, and staff
members' office adjustment requests. The only place these records change state.

A unit applies for space for a head-count; the request goes through the kernel's approval flow (the
callbacks below move the application with it); the bureau then serves an approved application — by
reallocating idle rooms in its scope first, and only with written reasons by a later method.

An adjustment request stays inside the unit: one decision by the unit's administrators, who then reseat
the person through the ledger's own services. A configurable multi-step flow would add nothing to that.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import audit, notify
from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import ApprovalRequest, OrgUnit, Person, Rank, Region
from jiguan.core.models.org import Level, UnitKind
from jiguan.core.registry import OwnRequest
from jiguan.core.scoping import scoped
from jiguan.core.services import approvals
from jiguan.core.services.base import get_in_scope, require, require_path
from jiguan.core.services.common import permission_holders, region_chain, use_case
from jiguan.core.services.costs import post_cost
from jiguan.core.services.inputs import Errors, choice, date_value, find, ids, square_metres, text, yuan
from jiguan.core.statemachine import StateMachine, record, timeline

from ..models import (
    AdjustmentReason,
    AdjustmentState,
    AllocationMethod,
    ApplicationState,
    AreaStandard,
    Compound,
    HeadcountLine,
    Occupancy,
    OfficeAdjustment,
    Room,
    RoomCategory,
    RoomState,
    SpaceAllocation,
    SpaceApplication,
)
from ..module import MANAGE, SUPERVISE, VIEW
from . import issue_allocation_document

BUSINESS_TYPE = "officespace.space_application"
USE_SERVICE = "core.use_service"
MAX_PEOPLE_PER_RANK = 10_000
NEEDED_BY_YEARS = 5
MAX_LEASE_YEARS = 20
RENT_COST_CATEGORY = "房屋租金"  # stored data: the cost ledger's categories are Chinese words

S = ApplicationState
APPLICATION_MACHINE = StateMachine("state", {
    "submit": {S.DRAFT: S.SUBMITTED},
    "resubmit": {S.RETURNED: S.SUBMITTED},
    "approve": {S.SUBMITTED: S.APPROVED},
    "reject": {S.SUBMITTED: S.REJECTED},
    "return": {S.SUBMITTED: S.RETURNED},
    "withdraw": {S.DRAFT: S.WITHDRAWN, S.SUBMITTED: S.WITHDRAWN, S.RETURNED: S.WITHDRAWN},
    "allocate": {S.APPROVED: S.ALLOCATED},
    "close": {S.ALLOCATED: S.CLOSED},
})
EDITABLE = (S.DRAFT, S.RETURNED)
APPLICATION_ACTIONS = {
    "create": pgettext_lazy("space application action", "Drafted"),
    "edit": pgettext_lazy("space application action", "Revised"),
    "submit": pgettext_lazy("space application action", "Submitted for approval"),
    "resubmit": pgettext_lazy("space application action", "Resubmitted"),
    "approve": pgettext_lazy("space application action", "Approved"),
    "reject": pgettext_lazy("space application action", "Rejected"),
    "return": pgettext_lazy("space application action", "Returned for revision"),
    "withdraw": pgettext_lazy("space application action", "Withdrawn"),
    "allocate": pgettext_lazy("space application action", "Space allocated"),
    "close": pgettext_lazy("space application action", "Closed"),
}

A = AdjustmentState
ADJUSTMENT_MACHINE = StateMachine("state", {
    "accept": {A.SUBMITTED: A.ACCEPTED},
    "decline": {A.SUBMITTED: A.DECLINED, A.ACCEPTED: A.DECLINED},
    "complete": {A.ACCEPTED: A.COMPLETED},
    "withdraw": {A.SUBMITTED: A.WITHDRAWN},
})
OPEN_ADJUSTMENTS = (A.SUBMITTED, A.ACCEPTED)
ADJUSTMENT_ACTIONS = {
    "submit": pgettext_lazy("adjustment action", "Requested"),
    "accept": pgettext_lazy("adjustment action", "Accept"),
    "decline": pgettext_lazy("adjustment action", "Decline"),
    "complete": pgettext_lazy("adjustment action", "Mark as done"),
    "withdraw": pgettext_lazy("adjustment action", "Withdraw"),
}

M = AllocationMethod
METHOD_ORDER = (M.TRANSFER, M.EXCHANGE, M.RENT, M.CONSTRUCTION)
# The reason each method needs for every earlier one: why it cannot serve.
REASON_FIELDS = {M.TRANSFER: "why_not_transfer", M.EXCHANGE: "why_not_exchange", M.RENT: "why_not_rent"}


def _reason_label(method: str) -> str:
    return {
        M.TRANSFER: _("the reason why reallocating idle rooms cannot serve"),
        M.EXCHANGE: _("the reason why an exchange cannot serve"),
        M.RENT: _("the reason why renting cannot serve"),
    }[method]


def _check_action(machine: StateMachine, obj, action: str, labels: dict) -> None:
    if action not in machine.allowed_actions(obj):
        raise StateError(_("The application is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": obj.get_state_display(), "action": labels[action]})


# --- The head-count and its entitlement ----------------------------------------------------------


def rank_levels(unit: OrgUnit) -> tuple[str, ...]:
    """The rank ladders a unit's people are on: its region's level (a county's also the township's)."""
    level = unit.region.level
    return (level, Level.TOWNSHIP) if level == Level.COUNTY else (level,)


def rank_limits(rank_ids, region_code: str) -> dict[int, Decimal]:
    """Per rank: the office limit of the nearest region up the chain that set one, else the national row
    (the rule ``standards.person_limit`` applies to people)."""
    chain = region_chain(region_code)
    rows = AreaStandard.objects.filter(Q(region_id__in=chain) | Q(region__isnull=True), rank_id__in=list(rank_ids))
    best: dict[int, tuple[int, Decimal]] = {}
    for row in rows:
        position = chain.index(row.region_id) if row.region_id else len(chain)
        if row.rank_id not in best or position < best[row.rank_id][0]:
            best[row.rank_id] = (position, row.area)
    return {rank_id: area for rank_id, (_position, area) in best.items()}


def _headcount(errors: Errors, unit: OrgUnit | None, raw) -> list[HeadcountLine]:
    """Lines of (rank, people) from ``[{"rank_id", "count"}, …]``; each with the rank's limit."""
    try:
        pairs = [(item["rank_id"], item["count"]) if isinstance(item, dict) else tuple(item) for item in raw or ()]
        pairs = [(int(rank_id), int(count)) for rank_id, count in pairs]
    except (KeyError, TypeError, ValueError):
        errors.add("headcount", _("The head-count must list ranks, each with a whole number of people."))
        return []
    pairs = [(rank_id, count) for rank_id, count in pairs if count != 0]
    if not pairs:
        errors.add("headcount", _("Give the number of people, by rank, the space is for."))
        return []
    if unit is None:
        return []
    ranks = Rank.objects.in_bulk([rank_id for rank_id, _count in pairs])
    limits = rank_limits(ranks, unit.region_id)
    lines, seen = [], set()
    for rank_id, count in pairs:
        rank = ranks.get(rank_id)
        problem = _line_problem(unit, rank, rank_id, count, seen, limits)
        if problem:
            errors.add("headcount", problem)
            continue
        seen.add(rank_id)
        lines.append(HeadcountLine(rank=rank, count=count, limit=limits[rank_id]))
    return lines


def _line_problem(unit: OrgUnit, rank: Rank | None, rank_id: int, count: int, seen: set, limits: dict) -> str:
    if rank is None:
        return _("There is no rank with the number %(id)s.") % {"id": rank_id}
    if rank.level not in rank_levels(unit):
        return _("%(rank)s is a rank of the %(level)s level; %(unit)s is a unit of the %(unit_level)s level.") % {
            "rank": rank.name, "level": rank.get_level_display(), "unit": unit.name,
            "unit_level": unit.region.get_level_display()}
    if not 0 < count <= MAX_PEOPLE_PER_RANK:
        return _("The number of people of the rank %(rank)s must be a whole number from 1 to %(max)d.") % {
            "rank": rank.name, "max": MAX_PEOPLE_PER_RANK}
    if rank_id in seen:
        return _("The rank %(rank)s is listed twice.") % {"rank": rank.name}
    if rank_id not in limits:
        return _("No area standard is recorded for the rank %(rank)s.") % {"rank": rank.name}
    return ""


# --- Applying -------------------------------------------------------------------------------------


def _applicant_unit(user, errors: Errors, unit_id) -> OrgUnit | None:
    """An active agency in the user's office-space scope; by default the user's own."""
    units = OrgUnit.objects.filter(active=True, kind=UnitKind.UNIT).select_related("region")
    unit = find(scoped(units, user, MANAGE), unit_id if unit_id not in (None, "") else user.unit_id)
    if unit is None:
        errors.add("unit_id", _("The selected unit does not exist, is deactivated or is outside your data scope."))
    return unit


def compound_choices(user, unit: OrgUnit) -> QuerySet:
    """Compounds a unit may name as preferred: the bureaus' and those the user sees, in the unit's city."""
    visible = scoped(Compound.objects.all(), user, VIEW).values("pk")
    return (Compound.objects.filter(Q(unit__is_bureau=True) | Q(pk__in=visible), region__key__startswith=unit.region.key[:4])
            .select_related("region").order_by("name", "pk"))


def _set_fields(user, errors: Errors, application: SpaceApplication, unit: OrgUnit | None, values: dict) -> list:
    application.title = text(errors, "title", values.get("title"), label=_("application title"), max_length=200)
    application.purpose = text(errors, "purpose", values.get("purpose"), label=_("purpose and reason"),
                               max_length=2000, min_length=5)
    application.needed_by = _needed_by(errors, values.get("needed_by"))
    application.requested_area = square_metres(errors, "requested_area", values.get("requested_area"),
                                               label=_("requested usable area"))
    lines = _headcount(errors, unit, values.get("headcount"))
    if unit is None:
        return lines
    application.headcount = sum(line.count for line in lines)
    application.entitlement = sum((line.count * line.limit for line in lines), Decimal("0.00"))
    if lines and application.requested_area and application.requested_area > application.entitlement:
        errors.add("requested_area", _(
            "The requested usable area (%(requested)s ㎡) exceeds the entitlement of the head-count under the "
            "standard (%(entitlement)s ㎡); apply for at most %(entitlement)s ㎡.")
            % {"requested": application.requested_area, "entitlement": application.entitlement})
    application.preferred_region = _preferred_region(errors, unit, values.get("preferred_region_code"))
    compound_id = values.get("preferred_compound_id")
    application.preferred_compound = None
    if compound_id not in (None, ""):
        application.preferred_compound = find(compound_choices(user, unit), compound_id)
        if application.preferred_compound is None:
            errors.add("preferred_compound_id", _("The selected compound does not exist or is not in your city."))
    return lines


def _needed_by(errors: Errors, value) -> date | None:
    label = _("needed-by date")
    if value in (None, ""):
        errors.add("needed_by", _("Please fill in %(field)s.") % {"field": label})
        return None
    day = date_value(errors, "needed_by", value, label=label)
    today = timezone.localdate()
    if day is not None and day < today:
        errors.add("needed_by", _("The needed-by date (%(day)s) is in the past; choose today or a later day.")
                   % {"day": day})
    elif day is not None and day > today + timedelta(days=365 * NEEDED_BY_YEARS):
        errors.add("needed_by", _("The needed-by date must be within %(n)d years, by %(day)s at the latest.")
                   % {"n": NEEDED_BY_YEARS, "day": today + timedelta(days=365 * NEEDED_BY_YEARS)})
    return day


def _preferred_region(errors: Errors, unit: OrgUnit, code) -> Region | None:
    if code in (None, ""):
        return unit.region
    region = find(Region.objects.all(), code)
    if region is None or not region.key.startswith(unit.region.key[:2]):
        errors.add("preferred_region_code", _("Choose a region of your own province."))
    return region


@use_case
def create_application(user, *, unit_id=None, **values) -> SpaceApplication:
    """A draft application of a unit (values as ``_set_fields`` reads them)."""
    require(user, MANAGE)
    errors = Errors()
    unit = _applicant_unit(user, errors, unit_id)
    application = SpaceApplication(unit=unit, applicant=user)
    lines = _set_fields(user, errors, application, unit, values)
    errors.raise_if_any()
    require_path(user, MANAGE, unit.org_path)
    application.save()
    _save_lines(application, lines)
    record(application, "create", "", application.state, actor=user)
    return application


@use_case
def update_application(user, application_id, **values) -> SpaceApplication:
    """Revise a draft, or an application returned for revision."""
    application = _managed(user, application_id)
    if application.state not in EDITABLE:
        raise StateError(_("Only a draft or an application returned for revision can be changed; this one is "
                           "“%(state)s”.") % {"state": application.get_state_display()})
    errors = Errors()
    lines = _set_fields(user, errors, application, application.unit, values)
    errors.raise_if_any()
    application.save()
    application.lines.all().delete()
    _save_lines(application, lines)
    record(application, "edit", application.state, application.state, actor=user)
    return application


def _save_lines(application: SpaceApplication, lines: list[HeadcountLine]) -> None:
    for line in lines:
        line.application = application
        line.save()


def _managed(user, application_id) -> SpaceApplication:
    queryset = SpaceApplication.objects.select_related("unit__region", "approval")
    return get_in_scope(SpaceApplication, user, MANAGE, application_id, lock=True, queryset=queryset)


@use_case
def submit_application(user, application_id, comment="") -> SpaceApplication:
    """Into the approval flow: a draft is submitted, a returned application resubmitted."""
    application = _managed(user, application_id)
    if application.state == S.RETURNED:
        _require_submitter(user, application)
        approvals.resubmit(user, application.approval_id, comment)  # on_resubmitted moves the application
        application.refresh_from_db()
        return application
    _check_action(APPLICATION_MACHINE, application, "submit", APPLICATION_ACTIONS)
    request = approvals.submit(user, business_type=BUSINESS_TYPE, subject=application, unit=application.unit,
                               title=_("Office space application: %(title)s") % {"title": application.title})
    APPLICATION_MACHINE.transition(application, "submit", user, comment, approval=request,
                                   submitted_at=timezone.now())
    return application


@use_case
def withdraw_application(user, application_id) -> SpaceApplication:
    application = _managed(user, application_id)
    if application.state in (S.SUBMITTED, S.RETURNED):
        _require_submitter(user, application)
        approvals.withdraw(user, application.approval_id)  # on_withdrawn moves the application
        application.refresh_from_db()
        return application
    _check_action(APPLICATION_MACHINE, application, "withdraw", APPLICATION_ACTIONS)
    APPLICATION_MACHINE.transition(application, "withdraw", user)
    return application


@use_case
def close_application(user, application_id, comment="") -> SpaceApplication:
    """The unit confirms it has taken over the allocated space."""
    application = _managed(user, application_id)
    _check_action(APPLICATION_MACHINE, application, "close", APPLICATION_ACTIONS)
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=500, required=False)
    errors.raise_if_any()
    APPLICATION_MACHINE.transition(application, "close", user, comment)
    return application


def _require_submitter(user, application: SpaceApplication) -> None:
    """The kernel lets only the applicant act on an approval request: say so instead of a bare 404."""
    if application.approval is not None and application.approval.applicant_id != user.pk:
        raise NotAllowed(_("Only %(name)s, who submitted this application, can resubmit or withdraw it.")
                         % {"name": application.approval.applicant})


# --- The approval flow's outcomes (ApprovalType callbacks, inside the deciding transaction) --------


def _subject(request: ApprovalRequest) -> SpaceApplication:
    return SpaceApplication.objects.select_for_update().select_related("unit").get(pk=request.subject_id)


def _last_comment(request: ApprovalRequest) -> str:
    entry = timeline(request).order_by("-at", "-pk").first()
    return entry.comment if entry else ""


def on_approved(request: ApprovalRequest) -> None:
    application = _subject(request)
    APPLICATION_MACHINE.transition(application, "approve", comment=_last_comment(request))
    bureau = permission_holders(application.org_path, SUPERVISE, nearest=True)
    notify.send(bureau, _("Office space to allocate: %(title)s (%(unit)s)")
                % {"title": application.title, "unit": application.unit.name},
                body=_("Requested usable area: %(area)s ㎡.") % {"area": application.requested_area},
                link=notify.link_to("manage:officespace:application_allocate", application.pk), category="officespace")


def on_rejected(request: ApprovalRequest) -> None:
    APPLICATION_MACHINE.transition(_subject(request), "reject", comment=_last_comment(request))


def on_returned(request: ApprovalRequest) -> None:
    APPLICATION_MACHINE.transition(_subject(request), "return", comment=_last_comment(request))


def on_resubmitted(request: ApprovalRequest) -> None:
    APPLICATION_MACHINE.transition(_subject(request), "resubmit", comment=_last_comment(request),
                                   submitted_at=timezone.now())


def on_withdrawn(request: ApprovalRequest) -> None:
    APPLICATION_MACHINE.transition(_subject(request), "withdraw")


# --- Allocation by the bureau -----------------------------------------------------------------------


def _area_field() -> DecimalField:
    return DecimalField(max_digits=14, decimal_places=2)


def matching_idle_rooms(user, application: SpaceApplication) -> QuerySet:
    """Idle, live offices in the user's supervision scope, best first: in the preferred compound, then in
    the application's region, then by how close their area is to the request."""
    require(user, SUPERVISE)
    rooms = scoped(Room.objects.filter(state=RoomState.IDLE, category=RoomCategory.OFFICE, retired=False), user,
                   SUPERVISE)
    region = application.preferred_region_id or application.unit.region_id
    compound = application.preferred_compound_id
    return rooms.select_related("building__compound__region", "floor", "unit").annotate(
        in_compound=Case(When(building__compound_id=compound, then=0), default=1, output_field=IntegerField())
        if compound else Value(1, output_field=IntegerField()),
        in_region=Case(When(building__compound__region_id=region, then=0), default=1, output_field=IntegerField()),
        area_gap=Abs(ExpressionWrapper(F("usable_area") - Value(application.requested_area), output_field=_area_field())),
    ).order_by("in_compound", "in_region", "area_gap", "pk")


def idle_totals(rooms: QuerySet) -> dict:
    totals = rooms.order_by().aggregate(count=Count("pk"), area=Sum("usable_area"))
    return {"count": totals["count"] or 0, "area": totals["area"] or Decimal("0.00")}


def supervised_application(user, application_id, *, lock: bool = False) -> SpaceApplication:
    queryset = SpaceApplication.objects.select_related("unit__region", "preferred_region", "preferred_compound")
    return get_in_scope(SpaceApplication, user, SUPERVISE, application_id, lock=lock, queryset=queryset)


@use_case
def allocate(user, application_id, *, method, **values) -> SpaceAllocation:
    """Serve an approved application by ``method``. Chosen idle rooms are locked, so of two administrators
    allocating the same room at once the second finds it taken (``Conflict``)."""
    application = supervised_application(user, application_id, lock=True)
    if application.state != S.APPROVED:
        raise StateError(_("Only an approved application can be allocated; this one is “%(state)s”.")
                         % {"state": application.get_state_display()})
    errors = Errors()
    choice(errors, "method", method, label=_("allocation method"), choices=AllocationMethod)
    errors.raise_if_any()
    allocation = SpaceAllocation(application=application, unit_id=application.unit_id, method=method,
                                 allocated_by=user, allocated_on=timezone.localdate())
    for earlier in METHOD_ORDER[: METHOD_ORDER.index(method)]:
        field = REASON_FIELDS[earlier]
        setattr(allocation, field, text(errors, field, values.get(field), label=_reason_label(earlier),
                                        max_length=1000, min_length=4))
    summary = ALLOCATORS[method](user, errors, application, allocation, values)
    APPLICATION_MACHINE.transition(application, "allocate", user, f"{allocation.get_method_display()}：{summary}")
    _tell_unit(application, summary)
    return allocation


def _refuse_while_idle_rooms(user, errors: Errors, application: SpaceApplication, method: str) -> None:
    idle = idle_totals(matching_idle_rooms(user, application))
    if idle["count"]:
        errors.add("method", _("%(n)d idle offices (%(area)s ㎡) in your scope can still be reallocated: %(method)s "
                               "is not allowed while idle rooms can serve. Reallocate them first.")
                   % {"n": idle["count"], "area": idle["area"], "method": AllocationMethod(method).label})


def _transfer(user, errors: Errors, application: SpaceApplication, allocation: SpaceAllocation, values: dict) -> str:
    """调剂: the chosen idle rooms pass to the unit, in use, under an allocation document."""
    document_no, issued_on = _document_fields(errors, values)
    rooms = _idle_rooms(user, errors, values.get("room_ids"))
    errors.raise_if_any()
    _hand_over(user, rooms, application.unit, application)
    return _allocate_rooms(user, application, allocation, rooms, document_no, issued_on, values)


def _exchange(user, errors: Errors, application: SpaceApplication, allocation: SpaceAllocation, values: dict) -> str:
    """置换: the unit gives rooms back to the bureau and receives the chosen idle rooms in return."""
    document_no, issued_on = _document_fields(errors, values)
    rooms = _idle_rooms(user, errors, values.get("room_ids"))
    returned = _returned_rooms(user, errors, application, values.get("returned_room_ids"), rooms)
    bureau = user.unit if user.unit is not None and user.unit.is_bureau else None
    if bureau is None:
        errors.add("returned_room_ids", _("Rooms given back are kept by the bureau; your account belongs to no bureau."))
    errors.raise_if_any()
    for room in returned:
        _move_room(user, room, bureau, RoomState.IDLE, _("Given back in exchange under application “%(title)s”")
                   % {"title": application.title})
    _hand_over(user, rooms, application.unit, application)
    summary = _allocate_rooms(user, application, allocation, rooms, document_no, issued_on, values)
    allocation.returned_rooms.set(returned)
    given = sum((room.usable_area for room in returned), Decimal("0.00"))
    return summary + _("; given back %(n)d rooms, %(area)s ㎡") % {"n": len(returned), "area": given}


def _rent(user, errors: Errors, application: SpaceApplication, allocation: SpaceAllocation, values: dict) -> str:
    """租用: premises rented for the unit; the year's rent goes to the cost ledger."""
    _refuse_while_idle_rooms(user, errors, application, M.RENT)
    allocation.lessor = text(errors, "lessor", values.get("lessor"), label=_("lessor"), max_length=100)
    allocation.address = text(errors, "address", values.get("address"), label=_("address"), max_length=200)
    allocation.area = square_metres(errors, "area", values.get("area"), label=_("rented area"))
    allocation.annual_rent = yuan(errors, "annual_rent", values.get("annual_rent"), label=_("annual rent"))
    allocation.lease_start, allocation.lease_end = _lease(errors, values.get("lease_start"), values.get("lease_end"))
    errors.raise_if_any()
    allocation.save()
    allocation.cost = post_cost(
        unit=application.unit, module="officespace", category=RENT_COST_CATEGORY, amount=allocation.annual_rent,
        occurred_on=min(allocation.lease_start, timezone.localdate()), subject=allocation, actor=user,
        description=(_("Rent of %(address)s from %(lessor)s, %(start)s to %(end)s")
                     % {"address": allocation.address, "lessor": allocation.lessor, "start": allocation.lease_start,
                        "end": allocation.lease_end})[:200],
    )
    allocation.save()
    return _("%(area)s ㎡ at %(address)s from %(lessor)s, %(rent)s yuan a year") % {
        "area": allocation.area, "address": allocation.address, "lessor": allocation.lessor,
        "rent": allocation.annual_rent}


def _construct(user, errors: Errors, application: SpaceApplication, allocation: SpaceAllocation, values: dict) -> str:
    """建设: a construction project, recorded by its approval document and planned area."""
    _refuse_while_idle_rooms(user, errors, application, M.CONSTRUCTION)
    allocation.project_name = text(errors, "project_name", values.get("project_name"), label=_("project name"),
                                   max_length=100)
    allocation.approval_no = text(errors, "approval_no", values.get("approval_no"),
                                  label=_("approval document number"), max_length=60)
    allocation.area = square_metres(errors, "area", values.get("area"), label=_("planned area"))
    errors.raise_if_any()
    allocation.save()
    return _("project %(project)s (%(approval)s), planned %(area)s ㎡") % {
        "project": allocation.project_name, "approval": allocation.approval_no, "area": allocation.area}


ALLOCATORS = {M.TRANSFER: _transfer, M.EXCHANGE: _exchange, M.RENT: _rent, M.CONSTRUCTION: _construct}


def _document_fields(errors: Errors, values: dict) -> tuple[str, date | None]:
    document_no = text(errors, "document_no", values.get("document_no"), label=_("document number"), max_length=60)
    return document_no, date_value(errors, "issued_on", values.get("issued_on"), label=_("issue date"))


def _idle_rooms(user, errors: Errors, room_ids) -> list[Room]:
    """The chosen rooms, locked in id order; any that is no longer an idle office was just taken."""
    wanted = set(ids(errors, "room_ids", room_ids or (), label=_("rooms to allocate")))
    if "room_ids" in errors:
        return []
    if not wanted:
        errors.add("room_ids", _("Choose at least one idle room to allocate."))
        return []
    rooms = list(scoped(Room.objects.filter(pk__in=wanted), user, SUPERVISE).select_for_update().order_by("pk"))
    if len(rooms) != len(wanted):
        errors.add("room_ids", _("Some of the chosen rooms do not exist or are outside your data scope."))
        return []
    gone = [room for room in rooms if room.retired or room.state != RoomState.IDLE or room.category != RoomCategory.OFFICE]
    if gone:
        raise Conflict(_("These rooms are no longer idle offices (another administrator may just have allocated "
                         "them): %(rooms)s. Reload the page and choose again.")
                       % {"rooms": "、".join(str(room) for room in gone)})
    return rooms


def _returned_rooms(user, errors: Errors, application: SpaceApplication, room_ids, received: list) -> list[Room]:
    wanted = set(ids(errors, "returned_room_ids", room_ids or (), label=_("rooms given back")))
    if not wanted and "returned_room_ids" not in errors:
        errors.add("returned_room_ids", _("An exchange needs the rooms the unit gives back; choose at least one."))
    if not wanted:
        return []
    unit = application.unit
    own = Room.objects.filter(Q(unit=unit) | Q(unit__unit=unit), pk__in=wanted, retired=False)
    rooms = list(scoped(own, user, SUPERVISE).select_for_update().order_by("pk"))
    if len(rooms) != len(wanted):
        errors.add("returned_room_ids", _("Rooms given back must be live rooms used by %(unit)s.") % {"unit": unit.name})
    elif wanted & {room.pk for room in received}:
        errors.add("returned_room_ids", _("A room cannot be both given back and received."))
    seated = [str(room) for room in rooms if room.occupancies.filter(end__isnull=True).exists()]
    if seated:
        errors.add("returned_room_ids", _("People still sit in %(rooms)s; release their offices before the rooms are "
                                          "given back.") % {"rooms": "、".join(seated)})
    return rooms


def _hand_over(user, rooms: list[Room], unit: OrgUnit, application: SpaceApplication) -> None:
    comment = _("Allocated to %(unit)s for application “%(title)s”") % {"unit": unit.name, "title": application.title}
    for room in rooms:
        _move_room(user, room, unit, RoomState.IN_USE, comment)


def _move_room(user, room: Room, unit: OrgUnit, state: str, comment: str) -> None:
    """The room passes to ``unit`` in ``state``; its past occupancies follow it into the unit's ledger."""
    from_state = room.state
    room.unit, room.state = unit, state
    room.idle_since = timezone.localdate() if state == RoomState.IDLE else None
    room.save()
    moved = Occupancy.objects.filter(room=room).update(org_path=room.org_path)
    if moved:
        audit.log_bulk(Occupancy, _("Occupancies of room %(room)s moved with it") % {"room": room}, moved,
                       org_path=room.org_path)
    record(room, "set_state", from_state, state, actor=user, comment=comment)


def _allocate_rooms(user, application: SpaceApplication, allocation: SpaceAllocation, rooms: list[Room],
                    document_no: str, issued_on: date, values: dict) -> str:
    allocation.document = issue_allocation_document(
        user, unit_id=application.unit_id, document_no=document_no, issued_on=issued_on,
        room_ids=[room.pk for room in rooms], note=(values.get("note") or application.title)[:200],
    )
    allocation.save()
    allocation.rooms.set(rooms)
    area = sum((room.usable_area for room in rooms), Decimal("0.00"))
    return _("%(n)d rooms, %(area)s ㎡, allocation document %(document)s") % {
        "n": len(rooms), "area": area, "document": document_no}


def _lease(errors: Errors, start, end) -> tuple[date | None, date | None]:
    for field, value, label in (("lease_start", start, _("lease start")), ("lease_end", end, _("lease end"))):
        if value in (None, ""):
            errors.add(field, _("Please fill in %(field)s.") % {"field": label})
    if "lease_start" in errors or "lease_end" in errors:
        return None, None
    start = date_value(errors, "lease_start", start, label=_("lease start"))
    end = date_value(errors, "lease_end", end, label=_("lease end"))
    if start and end and end <= start:
        errors.add("lease_end", _("The lease must end after it starts (%(day)s).") % {"day": start})
    elif start and end and (end - start).days > 366 * MAX_LEASE_YEARS:
        errors.add("lease_end", _("A lease can run for at most %(n)d years.") % {"n": MAX_LEASE_YEARS})
    return start, end


def _tell_unit(application: SpaceApplication, summary: str) -> None:
    admins = permission_holders(application.unit.org_path, MANAGE, nearest=True)
    notify.send(admins, _("Office space allocated for “%(title)s”") % {"title": application.title}, body=summary,
                link=notify.link_to("manage:officespace:application", application.pk), category="officespace")


# --- Staff members' office adjustment requests ------------------------------------------------------


@use_case
def request_adjustment(user, *, reason, details) -> OfficeAdjustment:
    """A staff member asks their unit to adjust their office; one open request at a time."""
    require(user, USE_SERVICE)
    person = Person.objects.select_for_update().filter(pk=user.person_id).select_related("unit").first()
    if person is None:
        raise ValidationFailed(_("Your account is not linked to a member of staff, so there is no office to adjust."))
    errors = Errors()
    choice(errors, "reason", reason, label=_("reason"), choices=AdjustmentReason)
    details = text(errors, "details", details, label=_("details"), max_length=1000, min_length=5)
    errors.raise_if_any()
    if OfficeAdjustment.objects.filter(person=person, state__in=OPEN_ADJUSTMENTS).exists():
        raise StateError(_("You already have an adjustment request in progress; wait for your unit's answer or "
                           "withdraw it first."))
    seat = (Occupancy.objects.filter(person=person, end__isnull=True).order_by("concurrent_post", "pk")
            .select_related("room").first())
    adjustment = OfficeAdjustment(unit=person.unit, person=person, requester=user, reason=reason, details=details,
                                  room=seat.room if seat else None)
    adjustment.save()
    record(adjustment, "submit", "", adjustment.state, actor=user, comment=details)
    admins = [a for a in permission_holders(adjustment.org_path, MANAGE, nearest=True) if a.pk != user.pk]
    notify.send(admins, _("%(name)s asks for an office adjustment: %(reason)s")
                % {"name": person.name, "reason": adjustment.get_reason_display()}, body=details,
                link=notify.link_to("manage:officespace:adjustment", adjustment.pk), category="officespace")
    return adjustment


def my_adjustments(user) -> QuerySet:
    """The signed-in staff member's own requests, newest first."""
    require(user, USE_SERVICE)
    return OfficeAdjustment.objects.filter(requester=user).select_related("room__building", "unit")


def own_requests(user) -> list[OwnRequest]:
    """The staff member's adjustment requests as the service portal's list of their applications shows them."""
    return [OwnRequest.of(a, _("Office adjustment: %(reason)s") % {"reason": a.get_reason_display()},
                          reverse("service:officespace:adjustment", args=[a.pk]))
            for a in my_adjustments(user)]


@use_case
def accept_adjustment(user, adjustment_id, comment="") -> OfficeAdjustment:
    return _decide(user, adjustment_id, "accept", comment, required=False)


@use_case
def decline_adjustment(user, adjustment_id, comment="") -> OfficeAdjustment:
    return _decide(user, adjustment_id, "decline", comment, required=True)


@use_case
def complete_adjustment(user, adjustment_id, comment="") -> OfficeAdjustment:
    return _decide(user, adjustment_id, "complete", comment, required=False)


def _decide(user, adjustment_id, action: str, comment, *, required: bool) -> OfficeAdjustment:
    adjustment = get_in_scope(OfficeAdjustment, user, MANAGE, adjustment_id, lock=True)
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("reply to the staff member"), max_length=1000,
                   required=required)
    errors.raise_if_any()
    _check_action(ADJUSTMENT_MACHINE, adjustment, action, ADJUSTMENT_ACTIONS)
    ADJUSTMENT_MACHINE.transition(adjustment, action, user, comment, response=comment or adjustment.response,
                                  decided_by=user, decided_at=timezone.now())
    notify.send([adjustment.requester], _("Your office adjustment request: %(state)s")
                % {"state": adjustment.get_state_display()}, body=comment,
                link=notify.link_to("service:officespace:adjustment", adjustment.pk), category="officespace")
    return adjustment


@use_case
def withdraw_adjustment(user, adjustment_id) -> OfficeAdjustment:
    adjustment = find(OfficeAdjustment.objects.select_for_update().filter(requester=user), adjustment_id)
    if adjustment is None:
        raise Http404(_("Not found."))
    _check_action(ADJUSTMENT_MACHINE, adjustment, "withdraw", ADJUSTMENT_ACTIONS)
    ADJUSTMENT_MACHINE.transition(adjustment, "withdraw", user)
    return adjustment
