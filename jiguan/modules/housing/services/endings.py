"""The end of a tenancy (退房 → 逾期占用 → 催告 → 腾退): the bureau ends a lease on one of the official grounds
(sub-letting, left empty, rent owed, no longer eligible, term over), or the tenant gives notice; the tenant
then has the region's move-out period at contract rent (``move_out_by``), after which the daily job marks
the lease overstaying and billing charges market rent. The check-out inspection settles the tenancy: final
meter readings, damage charges, the deposit set off, the flat vacant again. The only place these steps
change a lease.

``ended_on`` is the day the tenancy ended — the date of the termination, the last day of an expired term, or
the day the tenant gave notice — and the check-out cannot be dated before it. A tenant gives at least
the region's days of notice (``TenancyRules.notice_days``) and moves out by the end of the current term at the latest (after that the term
simply runs out).

Each reminder is sent once: it is recorded on the lease's timeline (action ``remind``, in the state it
concerns), and a reminder stage counts as sent when such an entry exists from the day that stage began.

Two administrators checking out the same lease at once: the lease row is locked first, so the second finds
it checked out and is told so.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import notify
from jiguan.core.errors import StateError
from jiguan.core.models import Event, TimelineEntry
from jiguan.core.scoping import can_reach, has_permission, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import subject_reference, use_case
from jiguan.core.services.costs import post_cost
from jiguan.core.services.events import OPEN_STATES, open_event, settle_event
from jiguan.core.services.inputs import Errors, add_months, date_value, find, text, yuan
from jiguan.core.statemachine import record

from ..models import (
    Application,
    ChargeKind,
    EndReason,
    Flat,
    FlatState,
    Inspection,
    InspectionKind,
    Lease,
    LeaseState,
    Meter,
    MeterReading,
)
from ..module import LEASES, VIEW
from . import billing, move_flat
from .applications import APPLICATION_MACHINE, USE_SERVICE
from .leases import LEASE_RELATED, check_lease_action, checked_meter_readings, inspected_items, my_leases
from .tenancy import LEASE_MACHINE, rules_for

MOVE_OUT_EVENT = "housing.move_out_due"
OVERSTAY_EVENT = "housing.overstay"
# The grounds the bureau ends a tenancy on (the tenant's own notice goes through ``request_move_out``) and
# the findings each needs written down.
BUREAU_REASONS = (EndReason.SUBLET, EndReason.EMPTY, EndReason.ARREARS, EndReason.NOT_ELIGIBLE,
                  EndReason.TERM_ENDED)
DETAILS_NEEDED = {EndReason.SUBLET: 10, EndReason.EMPTY: 2, EndReason.NOT_ELIGIBLE: 2}
# What an empty flat may still use in a month (a fridge left on, a dripping tap): more than this in the
# readings of the months a flat is said to be empty means someone lives there.
EMPTY_FLAT_USE = {"water": Decimal("1"), "electricity": Decimal("15"), "gas": Decimal("1")}
METER_UNITS = {"water": "m³", "electricity": "kWh", "gas": "m³"}
MAX_DAMAGE = Decimal("100000")
MAX_DAMAGE_ROWS = 30
# Stored data, in Chinese like the rest of the cost ledger.
REPAIR_COST_CATEGORY = "周转住房维修"
TERM_REMINDER_DAYS = (30, 7)  # besides the region's ``reminder_days``
MOVE_OUT_REMINDER_DAYS = (30, 7, 1)
REMINDER_HORIZON_DAYS = 180  # the most ``TenancyRules.reminder_days`` allows
ZERO = Decimal("0.00")
ENDING_RELATED = ("flat__unit__region", "managing_unit", "tenant", "person")
CENT = Decimal("0.01")


# --- The bureau ends a tenancy -------------------------------------------------------------------------------


def _lease(user, lease_id) -> Lease:
    return get_in_scope(Lease, user, LEASES, lease_id, lock=True,
                        queryset=Lease.objects.select_related(*ENDING_RELATED))


@use_case
def end_tenancy(user, lease_id, *, reason, details="", ended_on=None) -> Lease:
    """End a signed or running lease on one of the official grounds (``BUREAU_REASONS``) as of ``ended_on``
    (default today; for an expired term its last day). The tenant is told and has the move-out period."""
    lease = _lease(user, lease_id)
    check_lease_action(lease, "end")
    rules = rules_for(lease.flat.unit.region)
    errors = Errors()
    if reason not in BUREAU_REASONS:
        errors.add("reason", _("Choose why the tenancy ends: %(allowed)s.")
                   % {"allowed": "、".join(str(EndReason(r).label) for r in BUREAU_REASONS)})
    details = text(errors, "details", details, label=_("the findings behind the ending"), max_length=2000,
                   min_length=DETAILS_NEEDED.get(reason, 1), required=reason in DETAILS_NEEDED)
    default_day = lease.ends_on if reason == EndReason.TERM_ENDED else None
    day = _end_day(errors, lease, default_day if ended_on in (None, "") else ended_on)
    if day and "reason" not in errors:
        problem = _ground_problem(lease, reason, day, rules)
        if problem:
            errors.add("reason", problem)
    errors.raise_if_any()
    _end(lease, reason=reason, details=details, ended_on=day, move_out_by=add_months(day, rules.move_out_months),
         actor=user)
    return lease


def _end_day(errors: Errors, lease: Lease, value) -> date | None:
    day = date_value(errors, "ended_on", value, label=_("the day the tenancy ends"))
    if day and not lease.started_on <= day <= timezone.localdate():
        errors.add("ended_on", _("The tenancy can end between its start (%(start)s) and today; %(day)s given.")
                   % {"start": lease.started_on, "day": day})
    return day


def _ground_problem(lease: Lease, reason: str, day: date, rules) -> str:
    """Why the platform's own records do not bear out ``reason``, or ""."""
    if reason == EndReason.TERM_ENDED and lease.ends_on > timezone.localdate():
        return _("The term runs until %(day)s; it has not ended yet.") % {"day": lease.ends_on}
    if reason == EndReason.ARREARS:
        owed = billing.rent_owed_months(lease)
        if owed < rules.arrears_months_to_end:
            return _("The tenant owes %(owed)s months of rent past due; a tenancy is ended for arrears from "
                     "%(limit)d months.") % {"owed": owed, "limit": rules.arrears_months_to_end}
    if reason == EndReason.EMPTY:
        return empty_flat_problem(lease, day, rules.empty_months_to_end)
    return ""


def empty_flat_problem(lease: Lease, day: date, months: int) -> str:
    """Why the flat cannot have stood empty for the ``months`` before ``day``: the tenancy is younger than
    that, or the meter readings of the lease taken in those months show more than an empty flat uses."""
    since = add_months(day, -months)
    if since < (lease.checked_in_on or lease.started_on):
        return _("The tenant moved in on %(start)s, less than %(months)d months before %(day)s.") % {
            "start": lease.checked_in_on or lease.started_on, "months": months, "day": day}
    used = (MeterReading.objects.filter(lease=lease, read_on__gt=since, read_on__lte=day)
            .values("meter__kind").annotate(total=Sum(F("reading") - F("previous"))).order_by("meter__kind"))
    for row in used:
        kind, total = row["meter__kind"], Decimal(row["total"]).quantize(CENT)
        limit = (EMPTY_FLAT_USE[kind] * months).quantize(CENT)
        if total > limit:
            return _("The meter readings since %(since)s show %(used)s %(unit)s of %(kind)s used, more than an "
                     "empty flat uses in %(months)d months (%(limit)s %(unit)s): someone lives there.") % {
                "since": since, "used": total, "unit": METER_UNITS[kind], "kind": _meter_label(kind),
                "months": months, "limit": limit}
    return ""


def _meter_label(kind: str) -> str:
    return str(dict(Meter._meta.get_field("kind").flatchoices)[kind])


def _end(lease: Lease, *, reason: str, details: str, ended_on: date, move_out_by: date, actor) -> None:
    """The locked lease enters its move-out period: its timeline, the tenant told, and a timed event dispatched
    to the bureau that keeps the flat (the dispatch notifies its handlers)."""
    summary = _("%(reason)s. Move out by %(day)s.") % {"reason": EndReason(reason).label, "day": move_out_by}
    LEASE_MACHINE.transition(lease, "end", actor, f"{summary} {details}".strip(), end_reason=reason,
                             end_details=details, ended_on=ended_on, move_out_by=move_out_by)
    event = open_event(type=MOVE_OUT_EVENT, unit=lease.managing_unit, assignee_unit=lease.managing_unit,
                       subject=lease, actor=actor, description=details,
                       title=(_("Lease %(number)s of %(name)s ended: %(flat)s to be vacated by %(day)s")
                              % {"number": lease.number, "name": lease.person.name, "flat": lease.flat,
                                 "day": move_out_by})[:200])
    event.due_at = end_of(move_out_by)
    event.save(update_fields=["due_at"])
    notify.send([lease.tenant], _("Your tenancy of %(flat)s has ended") % {"flat": lease.flat}, body=summary,
                link=notify.link_to("service:housing:lease", lease.pk), category="housing")


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


# --- The tenant gives notice ----------------------------------------------------------------------------------


@use_case
def request_move_out(user, lease_id, *, move_out_on, reason="") -> Lease:
    """The tenant of a lease in residence gives notice to move out on ``move_out_on``: at least
    the region's days of notice ahead and not after the term ends. The bureau is told to book the check-out."""
    lease = find(my_leases(user).select_for_update(of=("self",)), lease_id)
    if lease is None:
        raise Http404(_("Not found."))
    if lease.state != LeaseState.ACTIVE:
        raise StateError(_("Notice is given for a lease in residence; this one is “%(state)s”.")
                         % {"state": lease.get_state_display()})
    errors = Errors()
    day = _move_out_day(errors, lease, move_out_on, notice_days(lease))
    reason = text(errors, "reason", reason, label=_("remarks"), max_length=500, required=False)
    errors.raise_if_any()
    _end(lease, reason=EndReason.TENANT_REQUEST, details=reason, ended_on=timezone.localdate(), move_out_by=day,
         actor=user)
    return lease


def notice_days(lease: Lease) -> int:
    """How many days ahead the tenant of ``lease`` gives notice (the region's tenancy rules)."""
    return rules_for(lease.flat.unit.region).notice_days


def _move_out_day(errors: Errors, lease: Lease, value, notice: int) -> date | None:
    earliest = timezone.localdate() + timedelta(days=notice)
    if value in (None, ""):
        errors.add("move_out_on", _("Please fill in %(field)s.") % {"field": _("the moving-out day")})
        return None
    day = date_value(errors, "move_out_on", value, label=_("the moving-out day"))
    if earliest > lease.ends_on:
        errors.add("move_out_on", _("Your term ends on %(end)s, in less than %(n)d days: the tenancy ends then "
                                    "without notice.") % {"end": lease.ends_on, "n": notice})
    elif day and not earliest <= day <= lease.ends_on:
        errors.add("move_out_on", _("Give at least %(n)d days' notice: choose a day from %(earliest)s to the end "
                                    "of your term, %(end)s.")
                   % {"n": notice, "earliest": earliest, "end": lease.ends_on})
    return day


# --- Check-out ------------------------------------------------------------------------------------------------


@use_case
def check_out(user, lease_id, *, inspected_on, items, meter_readings, damages, notes="") -> Inspection:
    """The check-out inspection of an ended or overstaying tenancy: the furnishings against the check-in (or
    the flat's inventory), the final meter readings, the damage charges; then the tenancy is billed to the
    day, the deposit set off, the flat vacant again and the application closed. Damages the bureau repairs
    go to its cost ledger as they are charged: the charge is the bureau's repair estimate."""
    lease = _lease(user, lease_id)
    check_lease_action(lease, "check_out")
    flat = Flat.objects.select_for_update().get(pk=lease.flat_id)
    meters = list(Meter.objects.select_for_update().filter(flat=flat))
    errors = Errors()
    day = _check_out_day(errors, lease, inspected_on)
    checked = inspected_items(errors, _inventory_at_check_in(lease, flat), items)
    readings = checked_meter_readings(errors, meters, meter_readings, day)
    damage_rows = _damages(errors, damages)
    notes = text(errors, "notes", notes, label=_("remarks"), max_length=2000, required=False)
    errors.raise_if_any()
    inspection = Inspection.objects.create(
        lease=lease, kind=InspectionKind.CHECK_OUT, inspected_on=day, inspector=user, items=checked,
        meter_readings={meter.kind: str(reading) for meter, reading in readings},
        damages=[{**row, "amount": str(row["amount"])} for row in damage_rows], notes=notes)
    for meter, reading in readings:
        billing.record_reading(user, meter, reading=reading, read_on=day, lease=lease)
    for row in damage_rows:
        _charge_damage(lease, row, day, user)
    lease.moved_out_on = day
    lease.save(update_fields=["moved_out_on"])
    billing.bill_through(lease, day, actor=user)
    billing.settle_deposit(lease, user)
    summary = _settlement_text(lease)
    LEASE_MACHINE.transition(lease, "check_out", user, summary, settled_at=timezone.now())
    _close_application(lease, user)
    move_flat(flat, "vacate" if flat.state == FlatState.OCCUPIED else "release", user,
              _("Checked out of lease %(number)s") % {"number": lease.number}, on=day)
    _settle_events(lease, _("The tenant has moved out and the tenancy is settled."), user)
    notify.send([lease.tenant], _("Check-out of %(flat)s settled") % {"flat": lease.flat}, body=summary,
                link=notify.link_to("service:housing:lease", lease.pk), category="housing")
    return inspection


def _check_out_day(errors: Errors, lease: Lease, value) -> date | None:
    day = date_value(errors, "inspected_on", value, label=_("inspection date"))
    if day and not lease.ended_on <= day <= timezone.localdate():
        errors.add("inspected_on", _("The check-out inspection falls between the end of the tenancy (%(end)s) and "
                                     "today; %(day)s given.") % {"end": lease.ended_on, "day": day})
    return day


def _inventory_at_check_in(lease: Lease, flat: Flat) -> list[dict]:
    """What the tenant must hand back: what was found at check-in, else the flat's inventory."""
    check_in = lease.inspections.filter(kind=InspectionKind.CHECK_IN).first()
    if check_in is None:
        return flat.furnishings
    return [{"item": row["item"], "count": row["found"]} for row in check_in.items]


def expected_inventory(lease: Lease) -> list[dict]:
    """The inventory the check-out form walks (for the portals)."""
    return _inventory_at_check_in(lease, lease.flat)


def _damages(errors: Errors, raw) -> list[dict]:
    """Damage charges as ``[{"item", "amount", "note"}]``: a named item, more than 0 and at most
    ``MAX_DAMAGE`` yuan each."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        errors.add("damages", _("Give the damages as a list of rows with item, amount and note."))
        return []
    if len(raw) > MAX_DAMAGE_ROWS:
        errors.add("damages", _("List at most %(max)d damages.") % {"max": MAX_DAMAGE_ROWS})
        return []
    rows = []
    for index, entry in enumerate(raw, start=1):
        entry = entry if isinstance(entry, dict) else {}
        row = Errors()
        item = text(row, "item", entry.get("item"), label=_("the damaged item"), max_length=30)
        amount = yuan(row, "amount", entry.get("amount"), label=_("the damage charge"))
        if amount and amount > MAX_DAMAGE:
            row.add("amount", _("A damage charge is at most %(max)s yuan; %(amount)s given.")
                    % {"max": MAX_DAMAGE, "amount": amount})
        note = text(row, "note", entry.get("note"), label=_("the note"), max_length=200, required=False)
        for messages in row.by_field.values():
            for message in messages:
                errors.add("damages", _("Damage row %(n)d: %(problem)s") % {"n": index, "problem": message})
        if not row.by_field:
            rows.append({"item": item, "amount": amount.quantize(CENT), "note": note})
    return rows


def _charge_damage(lease: Lease, row: dict, day: date, actor) -> None:
    description = f"{row['item']}：{row['note']}" if row["note"] else row["item"]
    charge = billing.add_charge(lease, kind=ChargeKind.DAMAGE, amount=row["amount"], description=description,
                                actor=actor, on=day)
    post_cost(unit=lease.managing_unit, module="housing", category=REPAIR_COST_CATEGORY, amount=row["amount"],
              occurred_on=day, subject=charge, actor=actor,
              description=(_("Repair after lease %(number)s, %(flat)s: %(damage)s")
                           % {"number": lease.number, "flat": lease.flat, "damage": description})[:200])


def deposit_held(lease: Lease) -> Decimal:
    return lease.deposit if lease.deposit_paid_on else ZERO


def settlement(lease: Lease) -> dict[str, Decimal]:
    """The deposit against the ledger: once checked out, what was set off and refunded and what is still owed;
    before, the same as it would be if the tenancy were settled on what is billed so far."""
    held, owed = deposit_held(lease), billing.outstanding(lease)
    if lease.deposit_refund is not None:
        return {"deposit": held, "set_off": held - lease.deposit_refund, "refund": lease.deposit_refund, "owed": owed}
    set_off = min(held, owed)
    return {"deposit": held, "set_off": set_off, "refund": held - set_off, "owed": owed - set_off}


def _settlement_text(lease: Lease) -> str:
    figures = settlement(lease)
    summary = _("Deposit %(deposit)s yuan, set off %(set_off)s yuan, refunded %(refund)s yuan.") % figures
    if figures["owed"]:
        summary += " " + _("Still owed: %(owed)s yuan.") % figures
    return summary


def _close_application(lease: Lease, actor) -> None:
    application = Application.objects.select_for_update(of=("self",)).get(pk=lease.application_id)
    APPLICATION_MACHINE.transition(application, "move_out", actor,
                                   _("Checked out of lease %(number)s") % {"number": lease.number})


def _open_events(lease: Lease, *types: str) -> QuerySet:
    content_type, object_id = subject_reference(lease)
    return Event.objects.filter(type__in=types, subject_type=content_type, subject_id=object_id,
                                status__in=OPEN_STATES)


def _settle_events(lease: Lease, comment: str, actor, *types: str) -> None:
    for event_id in _open_events(lease, *(types or (MOVE_OUT_EVENT, OVERSTAY_EVENT))).values_list("pk", flat=True):
        settle_event(event_id, comment, actor=actor)


# --- Deadlines: expiry, overstay, reminders (the daily job) ---------------------------------------------------


def run_deadlines(today: date | None = None) -> dict[str, int]:
    """Terms past their end are ended, move-out periods past their end become overstays, and tenants are
    reminded of what comes. Each lease in its own transaction; a lease changed meanwhile is skipped."""
    today = today or timezone.localdate()
    return {"expired": expire_terms(today), "overstaying": flag_overstays(today), "reminded": send_reminders(today)}


def _claim(pk: int, **conditions) -> Lease | None:
    return Lease.objects.select_for_update(of=("self",)).select_related(*ENDING_RELATED).filter(pk=pk, **conditions).first()


def expire_terms(today: date) -> int:
    conditions = {"state": LeaseState.ACTIVE, "ends_on__lt": today}
    expired = 0
    for pk in Lease.objects.filter(**conditions).values_list("pk", flat=True):
        with transaction.atomic():
            lease = _claim(pk, **conditions)
            if lease is None:
                continue
            rules = rules_for(lease.flat.unit.region)
            _end(lease, reason=EndReason.TERM_ENDED, details="", ended_on=lease.ends_on,
                 move_out_by=add_months(lease.ends_on, rules.move_out_months), actor=None)
            expired += 1
    return expired


def flag_overstays(today: date) -> int:
    conditions = {"state": LeaseState.ENDING, "move_out_by__lt": today}
    flagged = 0
    for pk in Lease.objects.filter(**conditions).values_list("pk", flat=True):
        with transaction.atomic():
            lease = _claim(pk, **conditions)
            if lease is None:
                continue
            _overstay(lease, today)
            flagged += 1
    return flagged


def _overstay(lease: Lease, today: date) -> None:
    since = lease.move_out_by + timedelta(days=1)
    summary = _("Not moved out by %(day)s: market rent of %(rent)s yuan a month is charged from %(since)s.") % {
        "day": lease.move_out_by, "rent": lease.market_rent, "since": since}
    LEASE_MACHINE.transition(lease, "overstay", None, summary, overstay_since=since)
    _settle_events(lease, summary, None, MOVE_OUT_EVENT)
    open_event(type=OVERSTAY_EVENT, unit=lease.managing_unit, assignee_unit=lease.managing_unit, subject=lease,
               priority="high", description=summary,
               title=(_("Lease %(number)s: %(flat)s occupied after %(day)s")
                      % {"number": lease.number, "flat": lease.flat, "day": lease.move_out_by})[:200])
    billing.bill_through(lease, today)
    notify.send([lease.tenant], _("Please vacate %(flat)s: the move-out period has ended") % {"flat": lease.flat},
                body=summary, link=notify.link_to("service:housing:lease", lease.pk), category="housing")


def send_reminders(today: date) -> int:
    """Remind tenants of the end of their term (at the region's ``reminder_days``, 30 and 7 days before) and of
    their move-out day (30, 7 and 1 days before): at most one reminder per stage."""
    sent = 0
    rules_by_region = {}
    horizon = today + timedelta(days=REMINDER_HORIZON_DAYS)
    candidates = (Lease.objects.select_related("flat__unit__region", "tenant")
                  .filter(Q(state=LeaseState.ACTIVE, ends_on__gte=today, ends_on__lte=horizon)
                          | Q(state=LeaseState.ENDING, move_out_by__gte=today, move_out_by__lte=horizon)))
    for lease in candidates:
        region = lease.flat.unit.region
        rules = rules_by_region.setdefault(region.pk, rules_for(region))
        if lease.state == LeaseState.ACTIVE:
            deadline, stages = lease.ends_on, (rules.reminder_days, *TERM_REMINDER_DAYS)
        else:
            deadline, stages = lease.move_out_by, MOVE_OUT_REMINDER_DAYS
        sent += _remind(lease, deadline, stages, today)
    return sent


def _remind(lease: Lease, deadline: date, stages, today: date) -> int:
    """Send the reminder of the most pressing stage reached, unless it (or a later one) was already sent."""
    days_left = (deadline - today).days
    reached = [days for days in stages if days_left <= days]
    if not reached:
        return 0
    stage_began = deadline - timedelta(days=min(reached))
    content_type, object_id = subject_reference(lease)
    if TimelineEntry.objects.filter(content_type=content_type, object_id=object_id, action="remind",
                                    from_state=lease.state, at__date__gte=stage_began).exists():
        return 0
    if lease.state == LeaseState.ACTIVE:
        title = _("Your lease of %(flat)s ends on %(day)s, in %(n)d days") % {
            "flat": lease.flat, "day": deadline, "n": days_left}
    else:
        title = _("Please move out of %(flat)s by %(day)s, in %(n)d days") % {
            "flat": lease.flat, "day": deadline, "n": days_left}
    with transaction.atomic():
        record(lease, "remind", lease.state, lease.state, comment=title)
        notify.send([lease.tenant], title, link=notify.link_to("service:housing:lease", lease.pk), category="housing")
    return 1


# --- Who may do what; reading -------------------------------------------------------------------------------


def allowed_end_actions(lease: Lease, user) -> set[str]:
    """What ``user`` may do about the end of the lease now: end it or check it out (the bureau), give
    notice (its tenant)."""
    actions = set()
    if (lease.state == LeaseState.ACTIVE and user.person_id and lease.person_id == user.person_id
            and has_permission(user, USE_SERVICE)):
        actions.add("request_move_out")
    if has_permission(user, LEASES) and can_reach(user, LEASES, lease):
        actions |= {action for action in ("end", "check_out") if action in LEASE_MACHINE.allowed_actions(lease)}
    return actions


def overstays_in_scope(user) -> QuerySet:
    """Tenancies ended and not yet checked out, with the overstay charged so far (``overstay_charged``)."""
    require(user, VIEW)
    charged = Coalesce(Sum("charges__amount", filter=Q(charges__kind=ChargeKind.OVERSTAY)), Value(ZERO),
                       output_field=DecimalField(max_digits=12, decimal_places=2))
    leases = Lease.objects.filter(state__in=(LeaseState.ENDING, LeaseState.OVERSTAY)).select_related(*LEASE_RELATED)
    return scoped(leases, user, VIEW).annotate(overstay_charged=charged)


def days_over(lease: Lease, today: date | None = None) -> int:
    """Days past the move-out deadline (0 within the move-out period)."""
    return max(((today or timezone.localdate()) - lease.move_out_by).days, 0) if lease.move_out_by else 0
