"""Leases (签约 → 入住 → 续租): the bureau signs a lease for an accepted offer, hands over the flat at the
check-in inspection and renews the lease within the region's maximum stay; the tenant reads the lease and
reports problems with the flat. The only place these steps change a lease; its ending is ``services.endings``.

Every number (term, maximum stay, deposit, renewal window) comes from the region's ``TenancyRules`` of the
bureau that keeps the flat. Two administrators signing the same offer at once: the offer row is locked
first, so the second finds the lease already there and is told so (``Conflict``). Lease numbers count up
per region and year; two leases signed at once for different offers may draw the same number, and the
loser of the unique index draws again.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import Conflict, StateError
from jiguan.core.models import Event
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import use_case
from jiguan.core.services.events import open_event
from jiguan.core.services.inputs import Errors, add_months, bounded_int, date_value, find, text, yuan
from jiguan.core.statemachine import record

from ..models import (
    LIVE_LEASE_STATES,
    Application,
    Flat,
    Inspection,
    InspectionKind,
    Lease,
    LeaseRenewal,
    LeaseState,
    Meter,
    MeterKind,
    Offer,
    OfferState,
    TenancyRules,
)
from ..module import LEASES, VIEW
from . import billing, meter_reading, move_flat, past_day
from .applications import APPLICATION_MACHINE, USE_SERVICE
from .tenancy import LEASE_ACTIONS, LEASE_MACHINE, rules_for

CENT = Decimal("0.01")
SIGN_DAYS_BACK = 30  # a lease may start up to a month before it is entered (paper signed first)
SIGN_DAYS_AHEAD = 90
MAX_FOUND = 99
MAX_NOTE = 200
MAX_HOUSE_RULES = 5000
NUMBER_ATTEMPTS = 5
REPAIR_EVENT = "housing.repair"
LEASE_RELATED = ("flat__building__estate", "flat__unit__region", "person", "unit", "managing_unit", "tenant")


class Condition(models.TextChoices):
    """The state of a furnishing at an inspection."""

    GOOD = "good", pgettext_lazy("furnishing condition", "Good")
    WORN = "worn", pgettext_lazy("furnishing condition", "Worn")
    DAMAGED = "damaged", pgettext_lazy("furnishing condition", "Damaged")
    MISSING = "missing", pgettext_lazy("furnishing condition", "Missing")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def term_end(start: date, months: int) -> date:
    """The last day of a term of ``months`` starting on ``start``."""
    return add_months(start, months) - timedelta(days=1)


# --- Signing -----------------------------------------------------------------------------------------------


def default_house_rules(rules: TenancyRules) -> str:
    return _("1. The flat may not be sub-let or lent to others.\n"
             "2. Pay the rent, water, electricity and gas on time.\n"
             "3. The flat may not stand empty for more than %(empty)d consecutive months.\n"
             "4. Keep the flat and its furnishings in good order; report damage at once.\n"
             "5. Move out within %(move_out)d months after the lease ends or is terminated.") % {
        "empty": rules.empty_months_to_end, "move_out": rules.move_out_months}


def may_sign(offer: Offer, user) -> bool:
    """Whether ``user`` may sign the lease of ``offer`` now (accepted, no lease yet, in the user's scope)."""
    return (offer.state == OfferState.ACCEPTED and not Lease.objects.filter(offer_id=offer.pk).exists()
            and can_reach(user, LEASES, offer))


def _signable_offer(user, offer_id, *, lock: bool = False) -> Offer:
    offer = get_in_scope(Offer, user, LEASES, offer_id, lock=lock, queryset=Offer.objects.select_related(
        "flat__building__estate", "flat__unit__region", "application__person", "application__applicant"))
    if offer.state != OfferState.ACCEPTED:
        raise StateError(_("A lease is signed for an accepted offer; this offer is “%(state)s”.")
                         % {"state": offer.get_state_display()})
    if Lease.objects.filter(offer_id=offer.pk).exists():
        raise Conflict(_("A lease has already been signed for this offer: another administrator may just have "
                         "signed it. Reload the page."))
    return offer


def lease_terms(flat: Flat, rules: TenancyRules) -> dict:
    """The rent, the market rent (charged for an overstay) and the deposit of a lease of ``flat``."""
    rent = flat.monthly_rent()
    return {"monthly_rent": rent,
            "market_rent": money(flat.building.estate.market_rent_per_sqm * flat.floor_area),
            "deposit": money(rent * rules.deposit_months)}


def prepare_lease(user, offer_id) -> dict:
    """The proposed terms of the lease of an accepted offer, for the signing form."""
    offer = _signable_offer(user, offer_id)
    rules = rules_for(offer.flat.unit.region)
    today = timezone.localdate()
    return {"offer": offer, "flat": offer.flat, "tenant": offer.application.person, "rules": rules,
            "started_on": today, "months": rules.lease_months, "ends_on": term_end(today, rules.lease_months),
            "house_rules": default_house_rules(rules), **lease_terms(offer.flat, rules)}


@use_case
def sign(user, offer_id, *, started_on, months, deposit_paid_on=None, house_rules=None) -> Lease:
    """Sign the lease of an accepted offer for ``months`` from ``started_on``; the flat stays reserved until
    check-in. ``house_rules`` None takes the region's default rules."""
    offer = _signable_offer(user, offer_id, lock=True)
    flat = offer.flat
    rules = rules_for(flat.unit.region)
    errors = Errors()
    start = _start_day(errors, started_on)
    months = bounded_int(errors, "months", months, label=_("lease term (months)"), low=1, high=rules.lease_months)
    paid_on = _deposit_day(errors, deposit_paid_on)
    house_rules = text(errors, "house_rules", default_house_rules(rules) if house_rules is None else house_rules,
                       label=_("house rules"), max_length=MAX_HOUSE_RULES)
    errors.raise_if_any()
    application = Application.objects.select_for_update().get(pk=offer.application_id)
    lease = Lease(offer=offer, application=application, flat=flat, person=application.person,
                  tenant=application.applicant, unit=application.unit, managing_unit=flat.unit, started_on=start,
                  ends_on=term_end(start, months), deposit_paid_on=paid_on, house_rules=house_rules,
                  signed_by=user, **lease_terms(flat, rules))
    _save_numbered(lease, flat.unit.region_id)
    summary = _("Lease %(number)s of %(flat)s from %(start)s to %(end)s, %(rent)s yuan a month") % {
        "number": lease.number, "flat": flat, "start": lease.started_on, "end": lease.ends_on,
        "rent": lease.monthly_rent}
    APPLICATION_MACHINE.transition(application, "sign", user, summary)
    record(lease, "sign", "", lease.state, actor=user, comment=summary)
    notify.send([lease.tenant], _("Your lease of %(flat)s is signed") % {"flat": flat}, body=summary,
                link=notify.link_to("service:housing:lease", lease.pk), category="housing")
    return lease


def _start_day(errors: Errors, value) -> date | None:
    label = _("start of the tenancy")
    day = date_value(errors, "started_on", value, label=label)
    today = timezone.localdate()
    if day and not today - timedelta(days=SIGN_DAYS_BACK) <= day <= today + timedelta(days=SIGN_DAYS_AHEAD):
        errors.add("started_on", _("The tenancy may start at most %(back)d days before today and at most %(ahead)d "
                                   "days after it (%(first)s to %(last)s); %(day)s given.")
                   % {"back": SIGN_DAYS_BACK, "ahead": SIGN_DAYS_AHEAD, "day": day,
                      "first": today - timedelta(days=SIGN_DAYS_BACK), "last": today + timedelta(days=SIGN_DAYS_AHEAD)})
    return day


def _deposit_day(errors: Errors, value) -> date | None:
    if value in (None, ""):
        return None
    return past_day(errors, "deposit_paid_on", value, _("date the deposit was paid"))


def _save_numbered(lease: Lease, region_code: str) -> None:
    """Save with the next number ``ZZ<region><year><seq>``; a number drawn at the same moment by another
    signing loses the unique index and draws again."""
    prefix = f"ZZ{region_code}{timezone.localdate().year}"
    for _attempt in range(NUMBER_ATTEMPTS):
        last = (Lease.objects.filter(number__startswith=prefix).order_by("-number")
                .values_list("number", flat=True).first())
        lease.number = f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:04d}"
        try:
            with transaction.atomic():
                lease.save()
            return
        except IntegrityError:
            if not Lease.objects.filter(number=lease.number).exists():
                raise Conflict(_("The flat or the tenant already has a lease in force.")) from None
    raise Conflict(_("Too many leases are being signed at this moment; please try again."))


# --- Check-in ----------------------------------------------------------------------------------------------


@use_case
def check_in(user, lease_id, *, inspected_on, items, meter_readings, notes="") -> Inspection:
    """The check-in inspection: every furnishing of the flat counted and its condition noted, every meter
    read; the keys are handed over, the lease is in force and the flat occupied."""
    lease = get_in_scope(Lease, user, LEASES, lease_id, lock=True, queryset=Lease.objects.select_related("flat"))
    check_lease_action(lease, "check_in")
    flat = Flat.objects.select_for_update().get(pk=lease.flat_id)
    meters = list(Meter.objects.select_for_update().filter(flat=flat))
    errors = Errors()
    day = _inspection_day(errors, lease, inspected_on)
    checked = inspected_items(errors, flat.furnishings, items)
    readings = checked_meter_readings(errors, meters, meter_readings, day)
    notes = text(errors, "notes", notes, label=_("remarks"), max_length=2000, required=False)
    errors.raise_if_any()
    inspection = Inspection.objects.create(
        lease=lease, kind=InspectionKind.CHECK_IN, inspected_on=day, inspector=user, items=checked,
        meter_readings={meter.kind: str(reading) for meter, reading in readings}, notes=notes)
    for meter, reading in readings:
        billing.record_reading(user, meter, reading=reading, read_on=day)  # closes the empty stretch
    LEASE_MACHINE.transition(lease, "check_in", user, notes, checked_in_on=day)
    move_flat(flat, "occupy", user, _("Checked in under lease %(number)s") % {"number": lease.number})
    return inspection


def _inspection_day(errors: Errors, lease: Lease, value) -> date | None:
    day = date_value(errors, "inspected_on", value, label=_("inspection date"))
    if day and not lease.started_on <= day <= timezone.localdate():
        errors.add("inspected_on", _("The check-in inspection falls between the start of the tenancy (%(start)s) "
                                     "and today; %(day)s given.") % {"start": lease.started_on, "day": day})
    return day


def inspected_items(errors: Errors, inventory: list[dict], raw) -> list[dict]:
    """The inspection of ``inventory`` as ``[{"item", "expected", "found", "condition", "note"}]``: each
    furnishing of the inventory exactly once, nothing else."""
    expected = {entry["item"]: entry["count"] for entry in inventory}
    rows, seen = [], set()
    for index, entry in enumerate(raw if isinstance(raw, list | tuple) else (), start=1):
        entry = entry if isinstance(entry, dict) else {}
        name = str(entry.get("item") or "").strip()
        if name not in expected:
            errors.add("items", _("Row %(n)d: “%(item)s” is not in the flat's furnishing inventory.")
                       % {"n": index, "item": name})
        elif name in seen:
            errors.add("items", _("“%(item)s” is checked twice; check each furnishing once.") % {"item": name})
        else:
            seen.add(name)
            row = _inspected_row(errors, name, expected[name], entry)
            if row:
                rows.append(row)
    unchecked = [name for name in expected if name not in seen]
    if unchecked:
        errors.add("items", _("Not checked: %(items)s. Check every furnishing of the flat's inventory.")
                   % {"items": "、".join(unchecked)})
    return rows


def _inspected_row(errors: Errors, name: str, expected: int, entry: dict) -> dict | None:
    found = entry.get("found")
    number = int(found) if not isinstance(found, bool) and str(found).strip().isdigit() else -1
    condition = entry.get("condition")
    note = str(entry.get("note") or "").strip()
    problems = []
    if not 0 <= number <= MAX_FOUND:
        problems.append(_("“%(item)s”: the number found must be a whole number from 0 to %(max)d.")
                        % {"item": name, "max": MAX_FOUND})
    if condition not in Condition.values:
        problems.append(_("“%(item)s”: the condition must be one of: %(allowed)s.")
                        % {"item": name, "allowed": "、".join(str(label) for label in Condition.labels)})
    if len(note) > MAX_NOTE:
        problems.append(_("“%(item)s”: the note must be at most %(max)d characters; %(n)d given.")
                        % {"item": name, "max": MAX_NOTE, "n": len(note)})
    for problem in problems:
        errors.add("items", problem)
    if problems:
        return None
    return {"item": name, "expected": expected, "found": number, "condition": condition, "note": note}


def checked_meter_readings(errors: Errors, meters: list[Meter], raw, day: date | None) -> list[tuple[Meter, Decimal]]:
    """One reading per meter of the flat, none below the meter's last reading."""
    raw = raw if isinstance(raw, dict) else {}
    by_kind = {meter.kind: meter for meter in meters}
    for kind in raw:
        if kind not in by_kind:
            errors.add("meter_readings", _("The flat has no “%(kind)s” meter.")
                       % {"kind": dict(MeterKind.choices).get(kind, kind)})
    readings = []
    for meter in meters:
        label, problems = meter.get_kind_display(), Errors()
        value = meter_reading(problems, raw.get(meter.kind))
        if raw.get(meter.kind) in (None, ""):
            errors.add("meter_readings", _("Read the %(kind)s meter (No. %(number)s).")
                       % {"kind": label, "number": meter.number})
        elif value is None:
            errors.add("meter_readings", _("%(kind)s meter: %(problem)s")
                       % {"kind": label, "problem": problems.by_field["reading"][0]})
        elif value < meter.last_reading:
            errors.add("meter_readings", _("The %(kind)s reading %(reading)s is below the meter's last reading "
                                           "%(last)s of %(day)s.")
                       % {"kind": label, "reading": value, "last": meter.last_reading, "day": meter.read_on})
        elif day and day < meter.read_on:
            errors.add("meter_readings", _("The %(kind)s meter was last read on %(day)s, after the inspection date.")
                       % {"kind": label, "day": meter.read_on})
        else:
            readings.append((meter, value))
    return readings


# --- Renewal -----------------------------------------------------------------------------------------------


def latest_end(lease: Lease, rules: TenancyRules) -> date:
    """The last day the region's maximum stay allows, counted from the first day of the tenancy."""
    return term_end(lease.started_on, rules.max_stay_months)


def renewal_refusal(lease: Lease, rules: TenancyRules, today: date | None = None) -> str:
    """Why the lease cannot be renewed now, or "" when it can."""
    today = today or timezone.localdate()
    if lease.state != LeaseState.ACTIVE:
        return _("Only a lease in residence can be renewed; this one is “%(state)s”.") % {
            "state": lease.get_state_display()}
    opens = lease.ends_on - timedelta(days=rules.reminder_days)
    if today < opens:
        return _("A lease can be renewed from %(days)d days before it ends: from %(day)s.") % {
            "days": rules.reminder_days, "day": opens}
    if lease.ends_on >= latest_end(lease, rules):
        return _("The tenancy already reaches the maximum stay of %(n)d months (until %(day)s); it cannot be "
                 "renewed.") % {"n": rules.max_stay_months, "day": latest_end(lease, rules)}
    return ""


@use_case
def renew(user, lease_id, *, months, monthly_rent=None, comment="") -> LeaseRenewal:
    """Extend a lease in residence by ``months`` (at ``monthly_rent``, default the current rent), within the
    region's maximum stay."""
    lease = get_in_scope(Lease, user, LEASES, lease_id, lock=True,
                         queryset=Lease.objects.select_related("flat__unit__region", "tenant"))
    rules = rules_for(lease.flat.unit.region)
    refusal = renewal_refusal(lease, rules)
    if refusal:
        raise StateError(refusal)
    errors = Errors()
    months = bounded_int(errors, "months", months, label=_("renewal term (months)"), low=1, high=rules.lease_months)
    rent = lease.monthly_rent if monthly_rent in (None, "") else yuan(errors, "monthly_rent", monthly_rent,
                                                                       label=_("monthly rent"))
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=1000, required=False)
    new_end = term_end(lease.ends_on + timedelta(days=1), months) if "months" not in errors else None
    if new_end and new_end > latest_end(lease, rules):
        errors.add("months", _("The maximum stay is %(n)d months from %(start)s: the lease can be renewed to "
                               "%(latest)s at the latest, not to %(day)s.")
                   % {"n": rules.max_stay_months, "start": lease.started_on, "latest": latest_end(lease, rules),
                      "day": new_end})
    errors.raise_if_any()
    renewal = LeaseRenewal.objects.create(lease=lease, previous_end=lease.ends_on, new_end=new_end,
                                          monthly_rent=rent, approved_by=user, comment=comment)
    lease.ends_on, lease.monthly_rent = new_end, rent
    lease.save()
    summary = _("Renewed to %(day)s at %(rent)s yuan a month") % {"day": new_end, "rent": rent}
    record(lease, "renew", lease.state, lease.state, actor=user, comment=f"{summary}. {comment}".strip(". "))
    notify.send([lease.tenant], _("Your lease %(number)s is renewed") % {"number": lease.number}, body=summary,
                link=notify.link_to("service:housing:lease", lease.pk), category="housing")
    return renewal


# --- Who may do what; reading -------------------------------------------------------------------------------


def allowed_actions(lease: Lease, user) -> set[str]:
    """What ``user`` may do to the lease now (for the buttons of the portals and the app). Needs
    ``flat__unit__region`` loaded for the renewal window."""
    actions = set()
    if user.person_id and lease.person_id == user.person_id and lease.state in LIVE_LEASE_STATES:
        actions.add("report_problem")
    if not can_reach(user, LEASES, lease):
        return actions
    if "check_in" in LEASE_MACHINE.allowed_actions(lease):
        actions.add("check_in")
    if not renewal_refusal(lease, rules_for(lease.flat.unit.region)):
        actions.add("renew")
    return actions


def check_lease_action(lease: Lease, action: str) -> None:
    if action not in LEASE_MACHINE.allowed_actions(lease):
        raise StateError(_("The lease is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": lease.get_state_display(), "action": LEASE_ACTIONS[action]})


def leases_in_scope(user, permission: str = VIEW) -> QuerySet:
    return scoped(Lease.objects.select_related(*LEASE_RELATED), user, permission)


def my_leases(user) -> QuerySet:
    """The signed-in staff member's own leases, newest first (picked by person, not by scope)."""
    require(user, USE_SERVICE)
    return Lease.objects.filter(person_id=user.person_id).select_related(*LEASE_RELATED)


def my_lease(user, lease_id) -> Lease:
    lease = find(my_leases(user), lease_id)
    if lease is None:
        raise Http404(_("Not found."))
    return lease


# --- The tenant reports a problem ---------------------------------------------------------------------------


@use_case
def report_problem(user, lease_id, *, title, description) -> Event:
    """The tenant of a lease in force reports a problem with the flat: an event goes straight to the bureau
    that keeps it; the tenant follows it under "my events" of the service portal."""
    lease = my_lease(user, lease_id)
    if lease.state not in LIVE_LEASE_STATES:
        raise StateError(_("The tenancy has ended; problems are reported for a flat you live in."))
    errors = Errors()
    title = text(errors, "title", title, label=_("what is wrong"), max_length=200, min_length=2)
    description = text(errors, "description", description, label=_("description"), max_length=5000, min_length=4)
    errors.raise_if_any()
    return open_event(type=REPAIR_EVENT, title=f"{lease.flat}：{title}", description=description,
                      unit=lease.managing_unit, subject=lease.flat, assignee_unit=lease.managing_unit, actor=user)
