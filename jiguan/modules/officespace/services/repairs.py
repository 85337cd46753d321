"""Major repairs (大中修): the unit's requests, the priority score, the bureau's queue and decisions, the
works with their actual cost posted to the cost ledger; and the staff's fault reports (报修) that the
unit resolves itself or turns into a request. The only place repair state changes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core import audit, notify
from jiguan.core.errors import StateError
from jiguan.core.models import Region
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.attachments import save_attachment
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import permission_holders, use_case
from jiguan.core.services.costs import post_cost
from jiguan.core.services.inputs import (
    Errors,
    bounded_int,
    choice,
    date_value,
    find,
    ids,
    refuse_unknown_fields,
    text,
    yuan,
)
from jiguan.core.statemachine import StateMachine, record

from ..models import (
    FORBIDDEN_STATES,
    Building,
    BuildingState,
    DamageGrade,
    Occupancy,
    RepairKind,
    RepairReport,
    RepairRequest,
    RepairState,
    ReportState,
    Room,
    RoomState,
    Urgency,
)
from ..module import MANAGE, SUPERVISE, VIEW
from . import USE_SERVICE, set_room_state

COST_CATEGORY = "大中修"  # the cost ledger's category for this module's repair works
MAX_KWH = 10**10
PLAN_YEARS_AHEAD = 5

# --- The priority score -------------------------------------------------------------------------------

WEIGHT_DAMAGE = Decimal(35)
WEIGHT_AGE = Decimal(25)
WEIGHT_HISTORY = Decimal(20)
WEIGHT_ENERGY = Decimal(20)
AGE_FULL_YEARS = 50  # a building this old or older gets all the age points
HISTORY_YEARS = 10  # completed major repairs this far back lower the score
ENERGY_FULL_RATIO = Decimal(2)  # energy per ㎡ at twice the queue's median or more gets all the energy points
CENT = Decimal("0.01")
FACTORS = ("damage", "age", "history", "energy")
FACTOR_LABELS = {
    "damage": gettext_lazy("Damage"),
    "age": gettext_lazy("Building age"),
    "history": gettext_lazy("Repair history"),
    "energy": gettext_lazy("Energy use per ㎡"),
}


def priority_score(
    *, damage_grade: int, year_built: int, repairs_completed: list[date], energy_per_m2: Decimal,
    queue_median: Decimal | None, today: date,
) -> tuple[Decimal, dict]:
    """The priority of a major repair (0–100) and each factor's points; the higher, the sooner.

    - **damage** — ``WEIGHT_DAMAGE`` (35) × grade / 4: 1 轻微 8.75 · 2 一般 17.5 · 3 严重 26.25 · 4 危险 35.
    - **age** — ``WEIGHT_AGE`` (25) × years since built / ``AGE_FULL_YEARS`` (50), at most 25.
    - **history** — ``WEIGHT_HISTORY`` (20) for a building without completed major repairs in the last
      ``HISTORY_YEARS`` (10) years; each such repair takes away 20 × (10 − years since it) / 10, so a
      building repaired this year gets 0 and one repaired nine years ago loses only 2; never below 0.
    - **energy** — ``WEIGHT_ENERGY`` (20) × (kWh per ㎡ of gross area ÷ the median of the buildings in the
      same queue) / ``ENERGY_FULL_RATIO`` (2), at most 20: at the median 10, at twice the median 20.
      Without a median to compare with (nothing in the queue uses energy), the building counts as at it.

    Each factor is rounded to 0.01 and the score is their sum, so the breakdown adds up to the score.
    """
    age = max(today.year - year_built, 0)
    recent = sorted((day for day in repairs_completed if today.year - day.year < HISTORY_YEARS), reverse=True)
    taken = sum(Decimal(HISTORY_YEARS - (today.year - day.year)) / HISTORY_YEARS for day in recent)
    ratio = energy_per_m2 / queue_median if queue_median else Decimal(1)
    points = {
        "damage": WEIGHT_DAMAGE * damage_grade / 4,
        "age": WEIGHT_AGE * min(Decimal(age) / AGE_FULL_YEARS, Decimal(1)),
        "history": WEIGHT_HISTORY * max(Decimal(1) - taken, Decimal(0)),
        "energy": WEIGHT_ENERGY * min(ratio / ENERGY_FULL_RATIO, Decimal(1)),
    }
    points = {name: value.quantize(CENT, ROUND_HALF_UP) for name, value in points.items()}
    breakdown = {
        "damage": {"points": float(points["damage"]), "max": int(WEIGHT_DAMAGE), "grade": damage_grade},
        "age": {"points": float(points["age"]), "max": int(WEIGHT_AGE), "years": age, "year_built": year_built},
        "history": {"points": float(points["history"]), "max": int(WEIGHT_HISTORY), "repairs": len(recent),
                    "last": recent[0].isoformat() if recent else None},
        "energy": {"points": float(points["energy"]), "max": int(WEIGHT_ENERGY),
                   "per_m2": float(energy_per_m2.quantize(CENT)),
                   "median": float(queue_median.quantize(CENT)) if queue_median is not None else None},
    }
    return sum(points.values(), Decimal(0)), breakdown


def explain(breakdown: dict) -> list[dict]:
    """The breakdown as the bureau and the unit read it: one line per factor ("why this rank")."""
    if not breakdown:
        return []
    return [{"factor": name, "label": str(FACTOR_LABELS[name]), "points": breakdown[name]["points"],
             "max": breakdown[name]["max"], "detail": _factor_detail(name, breakdown[name])} for name in FACTORS]


def _factor_detail(name: str, item: dict) -> str:
    if name == "damage":
        return str(DamageGrade(item["grade"]).label)
    if name == "age":
        return _("Built in %(year)s, %(years)s years ago") % {"year": item["year_built"], "years": item["years"]}
    if name == "history":
        if not item["repairs"]:
            return _("No major repair completed in the last %(n)s years") % {"n": HISTORY_YEARS}
        return _("%(count)s major repair(s) completed in the last %(n)s years, the latest on %(day)s") % {
            "count": item["repairs"], "n": HISTORY_YEARS, "day": item["last"]}
    if item["median"] is None:
        return _("%(value)s kWh/㎡ a year; no other building to compare with") % {"value": item["per_m2"]}
    return _("%(value)s kWh/㎡ a year against the queue's median of %(median)s kWh/㎡") % {
        "value": item["per_m2"], "median": item["median"]}


def _energy_per_m2(request: RepairRequest) -> Decimal:
    return Decimal(request.annual_energy_kwh) / request.building.gross_area


def _past_repairs(building_ids, today: date) -> dict[int, list[date]]:
    """Completion dates of this module's completed major repairs per building, in the history window."""
    since = date(today.year - HISTORY_YEARS + 1, 1, 1)
    done = RepairRequest.objects.filter(building_id__in=building_ids, state=RepairState.COMPLETED,
                                        completed_on__gte=since).values_list("building_id", "completed_on")
    by_building = defaultdict(list)
    for building_id, day in done:
        by_building[building_id].append(day)
    return by_building


def _apply_score(request: RepairRequest, queue_median: Decimal | None, history: dict, today: date) -> None:
    request.score, request.score_breakdown = priority_score(
        damage_grade=request.damage_grade, year_built=request.building.year_built,
        repairs_completed=history.get(request.building_id, []), energy_per_m2=_energy_per_m2(request),
        queue_median=queue_median, today=today,
    )
    request.scored_at = timezone.now()


def _queue(region_id: str, *, lock: bool = True) -> list[RepairRequest]:
    members = RepairRequest.objects.select_related("building").filter(region_id=region_id, state=RS.SUBMITTED)
    return list((members.select_for_update() if lock else members).order_by("pk"))


def _median_of(requests: list[RepairRequest]) -> Decimal | None:
    """The median energy use per ㎡ of the buildings (each counted once) the requests are about."""
    per_building = {r.building_id: _energy_per_m2(r) for r in requests}
    figures = [value for value in per_building.values() if value > 0]
    return Decimal(median(figures)) if figures else None


def rescore_queue(region_id: str) -> None:
    """Recompute every waiting request of a queue (the median moves with its members) and rank them:
    highest score first, then the earliest submitted. The region row is the queue's lock."""
    Region.objects.select_for_update().filter(pk=region_id).first()
    members = _queue(region_id)
    today = timezone.localdate()
    queue_median, history = _median_of(members), _past_repairs({m.building_id for m in members}, today)
    for member in members:
        _apply_score(member, queue_median, history, today)
    members.sort(key=lambda m: (-m.score, m.submitted_at, m.pk))
    for position, member in enumerate(members, start=1):
        member.rank = position
    RepairRequest.objects.bulk_update(members, ["score", "score_breakdown", "scored_at", "rank"])
    if members:
        audit.log_bulk(RepairRequest, _("Priority scores of the repair queue of %(region)s recomputed")
                       % {"region": region_id}, len(members), org_path=members[0].org_path)


def _score_outside_queue(request: RepairRequest) -> None:
    """A draft or returned request: scored against the queue it would join (itself counted in)."""
    today = timezone.localdate()
    others = [m for m in _queue(request.region_id, lock=False) if m.pk != request.pk]
    _apply_score(request, _median_of([*others, request]), _past_repairs({request.building_id}, today), today)
    request.rank = None


# --- The state machine and what the viewer may do -----------------------------------------------------

RS = RepairState
REPAIR_MACHINE = StateMachine("state", {
    "submit": {RS.DRAFT: RS.SUBMITTED, RS.RETURNED: RS.SUBMITTED},
    "withdraw": {RS.DRAFT: RS.WITHDRAWN, RS.SUBMITTED: RS.WITHDRAWN, RS.RETURNED: RS.WITHDRAWN},
    "plan": {RS.SUBMITTED: RS.PLANNED},
    "return": {RS.SUBMITTED: RS.RETURNED},
    "reject": {RS.SUBMITTED: RS.REJECTED},
    "start": {RS.PLANNED: RS.IN_PROGRESS},
    "complete": {RS.IN_PROGRESS: RS.COMPLETED},
})
EDITABLE_STATES = (RS.DRAFT, RS.RETURNED)
UNIT_ACTIONS = ("submit", "withdraw")
BUREAU_ACTIONS = ("plan", "return", "reject", "start", "complete")
DECISIONS = ("plan", "return", "reject")
ACTION_LABELS = {
    "create": gettext_lazy("Request drafted"),
    "submit": gettext_lazy("Submitted to the bureau"),
    "withdraw": gettext_lazy("Withdrawn"),
    "plan": gettext_lazy("Accepted into the repair plan"),
    "return": gettext_lazy("Returned for more information"),
    "reject": gettext_lazy("Rejected"),
    "start": gettext_lazy("Works started"),
    "complete": gettext_lazy("Works completed"),
    "report": gettext_lazy("Fault reported"),
    "resolve": gettext_lazy("Resolved by the unit"),
    "escalate": gettext_lazy("Turned into a major repair request"),
}
CHANGEABLE = {"kind", "title", "scope_of_works", "damage_grade", "damage_description", "estimated_cost",
              "annual_energy_kwh", "room_ids"}


def allowed_actions(user, request: RepairRequest) -> list[str]:
    """The transitions ``user`` may make on ``request`` now (buttons shown only for these), plus "edit"."""
    moves = REPAIR_MACHINE.allowed_actions(request)
    actions = []
    if can_reach(user, MANAGE, request):
        actions += ["edit"] * (request.state in EDITABLE_STATES) + [a for a in UNIT_ACTIONS if a in moves]
    if can_reach(user, SUPERVISE, request):
        actions += [a for a in BUREAU_ACTIONS if a in moves]
    return actions


# --- Input helpers ----------------------------------------------------------------------------------


def _set_fields(request: RepairRequest, errors: Errors, values: dict) -> list[Room] | None:
    """Check and set the request's fields; returns the affected rooms when ``room_ids`` is given."""
    if "kind" in values:
        request.kind = choice(errors, "kind", values["kind"], label=_("kind of repair"), choices=RepairKind)
    if "title" in values:
        request.title = text(errors, "title", values["title"], label=_("project name"), max_length=100)
    if "scope_of_works" in values:
        request.scope_of_works = text(errors, "scope_of_works", values["scope_of_works"], label=_("scope of works"),
                                      max_length=2000, min_length=10)
    if "damage_grade" in values:
        request.damage_grade = bounded_int(errors, "damage_grade", values["damage_grade"], label=_("damage grade"),
                                           low=1, high=4)
    if "damage_description" in values:
        request.damage_description = text(errors, "damage_description", values["damage_description"],
                                          label=_("damage assessment"), max_length=2000, min_length=10)
    if "estimated_cost" in values:
        request.estimated_cost = yuan(errors, "estimated_cost", values["estimated_cost"], label=_("estimated cost"))
    if "annual_energy_kwh" in values:
        request.annual_energy_kwh = bounded_int(errors, "annual_energy_kwh", values["annual_energy_kwh"],
                                                label=_("annual energy use"), low=1, high=MAX_KWH)
    if "room_ids" in values:
        return _affected_rooms(errors, request.building, values["room_ids"])
    return None


def _affected_rooms(errors: Errors, building: Building, room_ids) -> list[Room]:
    wanted = set(ids(errors, "room_ids", room_ids or (), label=_("affected rooms")))
    rooms = list(Room.objects.filter(building=building, retired=False, pk__in=wanted))
    if "room_ids" not in errors and len(rooms) != len(wanted):
        errors.add("room_ids", _("Some of the chosen rooms are not rooms of %(building)s in use in the ledger.")
                   % {"building": building.name})
    return rooms


def _comment(errors: Errors, value, *, required: bool, label: str | None = None) -> str:
    return text(errors, "comment", value, label=label or _("comment"), max_length=500, required=required)


def _request(user, request_id, permission: str) -> RepairRequest:
    queryset = RepairRequest.objects.select_related("building", "unit")
    return get_in_scope(RepairRequest, user, permission, request_id, lock=True, queryset=queryset)


# --- The unit's request -----------------------------------------------------------------------------


@use_case
def create_request(
    user, *, building_id, kind, title, scope_of_works, damage_grade, damage_description, estimated_cost,
    annual_energy_kwh, room_ids=(), files=(), report_id=None,
) -> RepairRequest:
    """A draft request on a building of the unit's ledger; ``report_id`` turns a staff report into it."""
    building = get_in_scope(Building, user, MANAGE, building_id, lock=True)
    if building.state != BuildingState.IN_USE:
        raise StateError(_("The building “%(name)s” is retired; repairs are not requested for it.")
                         % {"name": building.name})
    request = RepairRequest(building=building, unit=building.unit, created_by=user)
    errors = Errors()
    rooms = _set_fields(request, errors, {
        "kind": kind, "title": title, "scope_of_works": scope_of_works, "damage_grade": damage_grade,
        "damage_description": damage_description, "estimated_cost": estimated_cost,
        "annual_energy_kwh": annual_energy_kwh, "room_ids": room_ids,
    })
    report = _report_to_escalate(user, errors, report_id, building) if report_id not in (None, "") else None
    errors.raise_if_any()
    _score_outside_queue(request)
    request.save()
    request.rooms.set(rooms)
    _attach(user, request, files)
    record(request, "create", "", request.state, actor=user)
    if report is not None:
        _escalate(user, report, request)
    return request


@use_case
def update_request(user, request_id, *, files=(), **changes) -> RepairRequest:
    """Change a draft or returned request; the score follows."""
    refuse_unknown_fields(changes, CHANGEABLE)
    request = _request(user, request_id, MANAGE)
    if request.state not in EDITABLE_STATES:
        raise StateError(_("Only a draft or a returned request can be changed; this one is “%(state)s”.")
                         % {"state": request.get_state_display()})
    errors = Errors()
    rooms = _set_fields(request, errors, changes)
    errors.raise_if_any()
    _score_outside_queue(request)
    request.save()
    if rooms is not None:
        request.rooms.set(rooms)
    _attach(user, request, files)
    return request


def _attach(user, request: RepairRequest, files) -> None:
    for upload in files or ():
        save_attachment(user, upload, subject=request, unit=request.unit)


@use_case
def submit_request(user, request_id, comment="") -> RepairRequest:
    """Send the request to the bureau's queue; the queue is rescored and the bureau told."""
    request = _request(user, request_id, MANAGE)
    errors = Errors()
    comment = _comment(errors, comment, required=False)
    errors.raise_if_any()
    REPAIR_MACHINE.transition(request, "submit", actor=user, comment=comment, submitted_at=timezone.now())
    rescore_queue(request.region_id)
    request.refresh_from_db()
    notify.send(permission_holders(request.org_path, SUPERVISE, nearest=True), _("Major repair request to decide: %(title)s") % {"title": request.title},
                body=_("%(unit)s · rank %(rank)s in the queue, score %(score)s") % {
                    "unit": request.unit.name, "rank": request.rank, "score": request.score},
                link=notify.link_to("manage:officespace:repair", request.pk), category="officespace.repair")
    return request


@use_case
def withdraw_request(user, request_id, comment="") -> RepairRequest:
    request = _request(user, request_id, MANAGE)
    errors = Errors()
    comment = _comment(errors, comment, required=False)
    errors.raise_if_any()
    _leave_queue(request, lambda: REPAIR_MACHINE.transition(request, "withdraw", actor=user, comment=comment))
    return request


def _leave_queue(request: RepairRequest, move) -> None:
    """Make ``move`` and, if the request was waiting in the queue, rank the others again."""
    was_queued = request.state == RS.SUBMITTED
    move()
    if was_queued:
        RepairRequest.objects.filter(pk=request.pk).update(rank=None)
        request.rank = None
        rescore_queue(request.region_id)


# --- The bureau ---------------------------------------------------------------------------------------


@use_case
def decide_request(user, request_id, *, decision, comment="", planned_year=None, approved_budget=None) -> RepairRequest:
    """The bureau's decision on a waiting request: ``plan`` (with the planned year and approved budget),
    ``return`` for more information or ``reject`` — a reason is required for the last two."""
    request = _request(user, request_id, SUPERVISE)
    errors = Errors()
    if decision not in DECISIONS:
        errors.add("decision", _("Choose a decision: accept into the plan, return or reject."))
    comment = _comment(errors, comment, required=decision in ("return", "reject"), label=_("reason"))
    changes = {"decision_comment": comment}
    if decision == "plan":
        this_year = timezone.localdate().year
        changes["planned_year"] = bounded_int(errors, "planned_year", planned_year, label=_("planned year"),
                                              low=this_year, high=this_year + PLAN_YEARS_AHEAD)
        changes["approved_budget"] = yuan(errors, "approved_budget", approved_budget, label=_("approved budget"))
    errors.raise_if_any()
    _leave_queue(request, lambda: REPAIR_MACHINE.transition(request, decision, actor=user, comment=comment,
                                                            **changes))
    _tell_unit(request, ACTION_LABELS[decision], comment)
    return request


@use_case
def start_works(user, request_id, *, started_on=None, comment="") -> RepairRequest:
    """Works begin: the affected rooms go to "under repair" and remember the state they come back to."""
    request = _request(user, request_id, SUPERVISE)
    errors = Errors()
    started_on = _past_day(errors, "started_on", started_on, label=_("works start date"))
    comment = _comment(errors, comment, required=False)
    errors.raise_if_any()
    REPAIR_MACHINE.target(request, "start")  # a wrong state is refused before any room changes
    request.room_states = _rooms_under_repair(user, request)
    REPAIR_MACHINE.transition(request, "start", actor=user, comment=comment, started_on=started_on)
    _tell_unit(request, ACTION_LABELS["start"], comment)
    return request


@use_case
def complete_works(user, request_id, *, actual_cost, completed_on=None, comment="") -> RepairRequest:
    """Works done: the actual cost goes to the cost ledger, the rooms come back, and the repair counts in
    the building's history for later scores."""
    request = _request(user, request_id, SUPERVISE)
    errors = Errors()
    amount = yuan(errors, "actual_cost", actual_cost, label=_("actual cost"))
    completed_on = _past_day(errors, "completed_on", completed_on, label=_("completion date"))
    if completed_on and request.started_on and completed_on < request.started_on:
        errors.add("completed_on", _("The works cannot be completed before they started (%(day)s).")
                   % {"day": request.started_on})
    comment = _comment(errors, comment, required=False)
    errors.raise_if_any()
    REPAIR_MACHINE.target(request, "complete")
    _rooms_back(user, request)
    entry = post_cost(unit=request.unit, module="officespace", category=COST_CATEGORY, amount=amount,
                      occurred_on=completed_on, description=request.title[:200], subject=request, actor=user)
    REPAIR_MACHINE.transition(request, "complete", actor=user, comment=comment, actual_cost=amount,
                              completed_on=completed_on, cost_entry=entry, room_states={})
    _tell_unit(request, ACTION_LABELS["complete"], _("Actual cost: %(amount)s yuan") % {"amount": amount})
    return request


def _past_day(errors: Errors, field: str, value, *, label: str) -> date | None:
    day = date_value(errors, field, value, label=label)
    if day is not None and day > timezone.localdate():
        errors.add(field, _("%(field)s cannot be in the future.") % {"field": label})
    return day


def _rooms_under_repair(user, request: RepairRequest) -> dict[str, str]:
    """Put the affected rooms under repair through the ledger's own use case; a room already under repair
    (another project) is left as it is and not given back by this one."""
    previous = {}
    comment = _("Major repair: %(title)s") % {"title": request.title}
    for room in request.rooms.filter(retired=False).exclude(state=RoomState.REPAIR).order_by("pk"):
        previous[str(room.pk)] = room.state
        set_room_state(user, room.pk, RoomState.REPAIR, comment=comment)
    return previous


def _rooms_back(user, request: RepairRequest) -> None:
    """Give each room its state from before the works; one that was in a forbidden use comes back idle
    (the works ended that use). A room someone moved out of "under repair" meanwhile stays as it is."""
    comment = _("Major repair completed: %(title)s") % {"title": request.title}
    rooms = Room.objects.filter(pk__in=[int(pk) for pk in request.room_states], retired=False, state=RoomState.REPAIR)
    for room in rooms.order_by("pk"):
        state = request.room_states[str(room.pk)]
        set_room_state(user, room.pk, RoomState.IDLE if state in FORBIDDEN_STATES else state, comment=comment)


def _tell_unit(request: RepairRequest, what, comment: str) -> None:
    """The unit's administrators, whoever drafted the request and the staff whose reports it answers."""
    people = [*permission_holders(request.org_path, MANAGE, nearest=True), request.created_by]
    title = _("Major repair “%(title)s”: %(what)s") % {"title": request.title, "what": what}
    notify.send(people, title, body=comment, link=notify.link_to("manage:officespace:repair", request.pk),
                category="officespace.repair")
    for report in request.reports.select_related("reporter"):
        notify.send([report.reporter], title, body=comment,
                    link=notify.link_to("service:officespace:repair_report", report.pk), category="officespace.repair")


# --- Reads --------------------------------------------------------------------------------------------


def visible_requests(user, permission: str = VIEW) -> QuerySet:
    require(user, permission)
    return scoped(RepairRequest.objects.select_related("building__compound", "unit", "region"), user, permission)


def queue(user) -> QuerySet:
    """The waiting requests in the bureau's scope, queue by queue (region), best rank first."""
    return visible_requests(user, SUPERVISE).filter(state=RS.SUBMITTED).order_by("region_id", "rank", "pk")


# --- Staff reports --------------------------------------------------------------------------------------

REPORT_MACHINE = StateMachine("state", {
    "resolve": {ReportState.REPORTED: ReportState.RESOLVED},
    "escalate": {ReportState.REPORTED: ReportState.ESCALATED},
})


def unit_reports(user) -> QuerySet:
    """The staff reports the unit's administrators handle (their MANAGE scope)."""
    require(user, MANAGE)
    return scoped(RepairReport.objects.select_related("room__building", "person", "repair"), user, MANAGE)


def my_offices(user) -> list[Room]:
    """The rooms the signed-in person sits in now: where they can report a fault."""
    if not user.person_id:
        return []
    seats = Occupancy.objects.filter(person_id=user.person_id, end__isnull=True).select_related("room__building")
    return [seat.room for seat in seats.order_by("room__building__name", "room__number")]


@use_case
def report_fault(user, *, description, urgency=Urgency.NORMAL, room_id=None, photo=None) -> RepairReport:
    """A staff member reports a fault in their own office; the unit's administrators are told."""
    require(user, USE_SERVICE)
    errors = Errors()
    offices = {room.pk: room for room in my_offices(user)}
    room = _own_office(errors, offices, room_id)
    report = RepairReport(
        room=room, reporter=user, person_id=user.person_id,
        description=text(errors, "description", description, label=_("fault description"), max_length=1000,
                         min_length=5),
        urgency=choice(errors, "urgency", urgency, label=_("urgency"), choices=Urgency),
    )
    errors.raise_if_any()
    report.unit = room.unit
    report.save()
    if photo is not None:
        save_attachment(user, photo, subject=report, unit=room.unit)
    record(report, "report", "", report.state, actor=user, comment=report.description)
    admins = permission_holders(room.org_path, MANAGE, nearest=True)
    notify.send(admins, _("Repair reported: %(room)s") % {"room": room},
                body=f"{user.person.name}（{report.get_urgency_display()}）：{report.description}",
                link=notify.link_to("manage:officespace:repair_report", report.pk), category="officespace.repair")
    return report


def _own_office(errors: Errors, offices: dict[int, Room], room_id) -> Room | None:
    if not offices:
        errors.add("room_id", _("No office is recorded for you; ask your unit's administrator to record it first."))
        return None
    if room_id in (None, "") and len(offices) == 1:
        return next(iter(offices.values()))
    try:
        room = offices.get(int(room_id))
    except (TypeError, ValueError):
        room = None
    if room is None:
        errors.add("room_id", _("Choose one of your own offices."))
    return room


@use_case
def resolve_report(user, report_id, note) -> RepairReport:
    """The unit handled the fault itself."""
    report = get_in_scope(RepairReport, user, MANAGE, report_id, lock=True)
    errors = Errors()
    note = text(errors, "note", note, label=_("how it was handled"), max_length=500)
    errors.raise_if_any()
    REPORT_MACHINE.transition(report, "resolve", actor=user, comment=note, resolution_note=note)
    notify.send([report.reporter], _("Your repair report has been handled: %(room)s") % {"room": report.room},
                body=note, link=notify.link_to("service:officespace:repair_report", report.pk),
                category="officespace.repair")
    return report


@use_case
def link_report(user, report_id, repair_id) -> RepairReport:
    """The fault belongs to a major repair already requested for the same building."""
    errors = Errors()
    repair = find(visible_requests(user, MANAGE).exclude(state__in=(RS.REJECTED, RS.WITHDRAWN)), repair_id)
    report = get_in_scope(RepairReport, user, MANAGE, report_id, lock=True)
    if repair is None:
        errors.add("repair_id", _("Choose a major repair request of your unit that is still open."))
    elif repair.building_id != report.room.building_id:
        errors.add("repair_id", _("The request is about another building than the reported room."))
    _require_unhandled(errors, "repair_id", report)
    errors.raise_if_any()
    _escalate(user, report, repair)
    return report


def _report_to_escalate(user, errors: Errors, report_id, building: Building) -> RepairReport | None:
    report = find(scoped(RepairReport.objects.select_for_update().select_related("room"), user, MANAGE), report_id)
    if report is None:
        errors.add("report_id", _("The repair report does not exist or is outside your data scope."))
    elif report.room.building_id != building.pk:
        errors.add("report_id", _("The reported room is not in %(building)s.") % {"building": building.name})
    else:
        _require_unhandled(errors, "report_id", report)
    return report


def _require_unhandled(errors: Errors, field: str, report: RepairReport) -> None:
    if report.state != ReportState.REPORTED:
        errors.add(field, _("This repair report has already been handled (%(state)s).")
                   % {"state": report.get_state_display()})


def _escalate(user, report: RepairReport, repair: RepairRequest) -> None:
    REPORT_MACHINE.transition(report, "escalate", actor=user, comment=repair.title, repair=repair)
    notify.send([report.reporter], _("Your repair report is now part of the major repair “%(title)s”.")
                % {"title": repair.title}, link=notify.link_to("service:officespace:repair_report", report.pk),
                category="officespace.repair")


def my_reports(user) -> QuerySet:
    """The signed-in staff member's own reports (picked by owner, like the portal's own events)."""
    return RepairReport.objects.filter(reporter=user).select_related("room__building", "repair")


def my_report(user, report_id) -> RepairReport:
    """One of the user's own reports; anyone else's answers 404."""
    require(user, USE_SERVICE)
    report = find(my_reports(user), report_id)
    if report is None:
        raise Http404(_("Not found."))
    return report
