"""The ledger of a tenancy (租金与水电): monthly charges for rent, overstay and utilities, damage charges,
payments and the deposit settlement. The only place charges, payments and meter readings are written.

Billing runs in arrears, period by period: a stretch of the tenancy is billed once it is over — a calendar
month on the first day of the next, the last part of a tenancy when the tenant has moved out — so a charge
never has to be taken back. Inside a month the charge kind changes where the lease says so: contract rent
runs to ``move_out_by`` (the end of the move-out period), market rent as an overstay charge from the day
after; nothing is billed after ``moved_out_on``. A partial month is billed pro rata by days. Every charge
is keyed by (lease, kind, first day), so running the bill again bills nothing twice.

Payments settle the oldest open charges first; the part that settles rent or overstay is rent income of the
managing bureau and goes to the cost ledger as a negative cost (``post_income``).
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import notify
from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import attributed_to, use_case
from jiguan.core.services.costs import post_income
from jiguan.core.services.inputs import Errors, choice, text, unique, yuan

from ..models import (
    LIVE_LEASE_STATES,
    Charge,
    ChargeKind,
    Flat,
    Lease,
    LeaseState,
    Meter,
    MeterReading,
    Payment,
    PaymentMethod,
)
from ..models.billing import PERIODIC_KINDS
from ..module import BILLING, VIEW
from . import meter_reading, past_day
from .applications import USE_SERVICE
from .tenancy import rules_for

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
RENT_KINDS = (ChargeKind.RENT, ChargeKind.OVERSTAY)
UTILITY_PRICES = {"water": "water_price", "electricity": "electricity_price", "gas": "gas_price"}
# Stored data, in Chinese like the rest of the cost ledger and the receipts it refers to.
RENT_INCOME_CATEGORY = "周转住房租金收入"
DEPOSIT_REFERENCE = "押金抵扣-{number}"
# The tenant lives in the flat: meter readings of these states are billed to the lease.
IN_RESIDENCE = (LeaseState.ACTIVE, LeaseState.ENDING, LeaseState.OVERSTAY)


class ManualPaymentMethod(models.TextChoices):
    """How money is received at the office; a set-off against the deposit happens only at check-out."""

    TRANSFER = PaymentMethod.TRANSFER.value, PaymentMethod.TRANSFER.label
    PAYROLL = PaymentMethod.PAYROLL.value, PaymentMethod.PAYROLL.label
    CARD = PaymentMethod.CARD.value, PaymentMethod.CARD.label


# --- Meter readings -------------------------------------------------------------------------------------------


def record_reading(actor, meter: Meter, *, reading, read_on, lease: Lease | None = None) -> MeterReading:
    """Record a reading of ``meter``; the consumption since its last reading is billed to ``lease`` (None while
    the flat is empty, and for the check-in reading, which closes the stretch before the tenancy). No
    permission check: the calling service checked. The meter row is locked, so two readings queue."""
    with transaction.atomic(), attributed_to(actor):
        meter = Meter.objects.select_for_update().get(pk=meter.pk)
        errors = Errors()
        value = meter_reading(errors, reading)
        day = past_day(errors, "read_on", read_on, _("reading date"))
        if value is not None and value < meter.last_reading:
            errors.add("reading", _("The %(meter)s reading %(value)s is below the last one (%(last)s on %(day)s); "
                                    "meters only count forward.")
                       % {"meter": meter.get_kind_display(), "value": value, "last": meter.last_reading,
                          "day": meter.read_on})
        if day is not None and "read_on" not in errors and day < meter.read_on:
            errors.add("read_on", _("The %(meter)s meter was last read on %(day)s; a new reading cannot be dated "
                                    "earlier.") % {"meter": meter.get_kind_display(), "day": meter.read_on})
        elif day is not None and meter.readings.filter(read_on=day).exists():
            errors.add("read_on", _("The %(meter)s meter was already read on %(day)s.")
                       % {"meter": meter.get_kind_display(), "day": day})
        errors.raise_if_any()
        row = MeterReading.objects.create(meter=meter, lease=lease, read_on=day, previous=meter.last_reading,
                                          reading=value, recorded_by=actor)
        meter.last_reading, meter.read_on = value, day
        meter.save(update_fields=["last_reading", "read_on"])
        return row


# --- Billing --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A stretch of one calendar month billed as one charge of ``kind`` at ``monthly`` yuan a month."""

    kind: str
    start: date
    end: date
    monthly: Decimal

    @property
    def month_days(self) -> int:
        return calendar.monthrange(self.start.year, self.start.month)[1]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def amount(self) -> Decimal:
        if self.days == self.month_days:
            return self.monthly
        return (self.monthly * self.days / self.month_days).quantize(CENT, ROUND_HALF_UP)

    def line(self) -> dict:
        """The fields of its charge."""
        return {"kind": self.kind, "period_start": self.start, "period_end": self.end, "amount": self.amount,
                "description": self.description()}

    def description(self) -> str:
        if self.days == self.month_days:
            return _("%(month)s, %(monthly)s yuan a month") % {"month": f"{self.start:%Y-%m}",
                                                              "monthly": self.monthly}
        return _("%(start)s to %(end)s: %(days)d of %(month_days)d days at %(monthly)s yuan a month") % {
            "start": self.start, "end": self.end, "days": self.days, "month_days": self.month_days,
            "monthly": self.monthly}


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def rent_periods(lease: Lease, day: date) -> list[Period]:
    """The rent and overstay stretches of the tenancy that are over by ``day``, month by month."""
    stop = lease.moved_out_on
    terms = [(ChargeKind.RENT, lease.started_on, lease.move_out_by, lease.monthly_rent)]
    if lease.move_out_by:
        terms.append((ChargeKind.OVERSTAY, lease.move_out_by + timedelta(days=1), None, lease.market_rent))
    periods, month = [], lease.started_on.replace(day=1)
    while month <= min(day, stop or day):
        month_end = _month_end(month)
        for kind, first, last, monthly in terms:
            start = max(month, first)
            end = min(d for d in (month_end, last, stop) if d is not None)
            if start <= end <= day:
                periods.append(Period(kind, start, end, monthly))
        month = month_end + timedelta(days=1)
    return periods


def _lock(lease: Lease) -> None:
    """Lock the lease row; the caller's instance stays the one it goes on using (and may save later)."""
    Lease.objects.select_for_update().filter(pk=lease.pk).values_list("pk", flat=True).get()


def bill_through(lease: Lease, day: date, actor=None) -> list[Charge]:
    """Bill what is over by ``day`` and not billed yet: rent and overstay (``rent_periods``) and the utility
    readings of the lease taken by then. Idempotent; returns the new charges. Pass the lease as saved (its
    ``move_out_by``/``moved_out_on`` decide the periods); its row is locked, so two runs queue."""
    with transaction.atomic(), attributed_to(actor):
        _lock(lease)
        rules = rules_for(lease.flat.unit.region)
        billed = set(lease.charges.filter(kind__in=PERIODIC_KINDS).values_list("kind", "period_start"))
        due = {"billed_on": day, "due_on": day + timedelta(days=rules.payment_days), "created_by": actor}
        lines = [period.line() for period in rent_periods(lease, day)] + _utility_lines(lease, day, rules)
        new = [Charge(lease=lease, **line, **due) for line in lines
               if (line["kind"], line["period_start"]) not in billed]
        for charge in new:
            charge.save()
        return new


def _utility_lines(lease: Lease, day: date, rules) -> list[dict]:
    """A charge (its fields) per reading of the lease taken by ``day`` with a consumption worth at least a fen; it bills the
    days since the meter's reading before (from the start of the tenancy for its first)."""
    readings = list(lease.readings.filter(read_on__lte=day).select_related("meter").order_by("meter_id", "read_on"))
    earlier = defaultdict(list)
    for meter_id, read_on in (MeterReading.objects.filter(meter_id__in={r.meter_id for r in readings})
                              .values_list("meter_id", "read_on")):
        earlier[meter_id].append(read_on)
    lines = []
    for reading in readings:
        kind = reading.meter.kind
        price = getattr(rules, UTILITY_PRICES[kind])
        amount = (reading.consumption * price).quantize(CENT, ROUND_HALF_UP)
        if amount <= 0:
            continue
        before = [d for d in earlier[reading.meter_id] if d < reading.read_on]
        start = max(before) + timedelta(days=1) if before else min(lease.started_on, reading.read_on)
        lines.append({
            "kind": kind, "period_start": start, "period_end": reading.read_on, "amount": amount,
            "description": _("%(meter)s meter %(number)s: %(previous)s to %(reading)s, %(used)s at %(price)s yuan")
            % {"meter": reading.meter.get_kind_display(), "number": reading.meter.number,
               "previous": reading.previous, "reading": reading.reading, "used": reading.consumption,
               "price": price}})
    return lines


def add_charge(lease: Lease, *, kind, amount, description, actor, on: date | None = None) -> Charge:
    """A one-off charge to the tenancy (e.g. damage found at check-out), due after the region's days to pay.
    No permission check: the calling service checked. Monthly kinds come from ``bill_through`` only."""
    with transaction.atomic(), attributed_to(actor):
        errors = Errors()
        choice(errors, "kind", kind, label=_("charge kind"), choices=ChargeKind)
        if kind in PERIODIC_KINDS:
            errors.add("kind", _("Rent, overstay and utilities are billed by the monthly run, not by hand."))
        amount = yuan(errors, "amount", amount, label=_("amount"))
        description = text(errors, "description", description, label=_("description"), max_length=200)
        errors.raise_if_any()
        day = on or timezone.localdate()
        rules = rules_for(lease.flat.unit.region)
        return Charge.objects.create(lease=lease, kind=kind, amount=amount, description=description, billed_on=day,
                                     due_on=day + timedelta(days=rules.payment_days), created_by=actor)


# --- Balances -------------------------------------------------------------------------------------------------


def _unpaid(condition: Q | None = None, prefix: str = "") -> Coalesce:
    """The sum of what is unpaid on the charges (``prefix`` "charges__" when summed over leases)."""
    return Coalesce(Sum(F(f"{prefix}amount") - F(f"{prefix}paid"), filter=condition),
                    Value(ZERO), output_field=DecimalField(max_digits=12, decimal_places=2))


def _past_due(today: date | None, prefix: str = "") -> Q:
    return Q(**{f"{prefix}due_on__lt": today or timezone.localdate()})


def _rent_past_due(today: date | None, prefix: str = "") -> Q:
    return _past_due(today, prefix) & Q(**{f"{prefix}kind__in": RENT_KINDS})


def past_due_unpaid(today: date | None = None) -> Coalesce:
    """The sum of what is unpaid after its due day, over a charge queryset."""
    return _unpaid(_past_due(today))


def _total(lease: Lease, condition: Q | None = None) -> Decimal:
    return lease.charges.aggregate(total=_unpaid(condition))["total"].quantize(CENT)


def outstanding(lease: Lease) -> Decimal:
    """Everything billed and not paid, due or not."""
    return _total(lease)


def arrears(lease: Lease, today: date | None = None) -> Decimal:
    """What is unpaid after its due day."""
    return _total(lease, _past_due(today))


def months_of(rent_owed: Decimal, monthly_rent: Decimal) -> Decimal:
    return (rent_owed / monthly_rent).quantize(CENT, ROUND_HALF_UP) if monthly_rent else ZERO


def rent_owed_months(lease: Lease, today: date | None = None) -> Decimal:
    """Rent and overstay unpaid after their due day, in months of the contract rent: the "owes rent for
    ``arrears_months_to_end`` months in total" ground for ending a tenancy."""
    return months_of(_total(lease, _rent_past_due(today)), lease.monthly_rent)


def with_balances(leases: QuerySet, today: date | None = None) -> QuerySet:
    """``leases`` annotated in one query with ``outstanding_amount``, ``arrears_amount`` and ``rent_owed``
    (past-due rent and overstay, in yuan)."""
    p = "charges__"
    return leases.annotate(outstanding_amount=_unpaid(None, p), arrears_amount=_unpaid(_past_due(today, p), p),
                           rent_owed=_unpaid(_rent_past_due(today, p), p))


# --- Payments -------------------------------------------------------------------------------------------------


def take_payment(lease: Lease, *, amount: Decimal, paid_on: date, method: str, reference: str, note: str = "",
                 actor) -> Payment:
    """Write a checked payment: it settles the oldest open charges first, and its rent and overstay part is
    posted to the managing bureau's cost ledger as income. The caller holds the lease row lock."""
    payment = Payment.objects.create(lease=lease, amount=amount, paid_on=paid_on, method=method,
                                     reference=reference, note=note, recorded_by=actor)
    settled = _allocate(lease, amount)
    rent = sum((settled[kind] for kind in RENT_KINDS), ZERO)
    if rent:
        post_income(unit=lease.managing_unit, module="housing", category=RENT_INCOME_CATEGORY, amount=rent,
                    occurred_on=paid_on, subject=payment, actor=actor,
                    description=_("Rent of lease %(number)s, %(flat)s") % {"number": lease.number, "flat": lease.flat})
    return payment


def _allocate(lease: Lease, amount: Decimal) -> dict[str, Decimal]:
    """Settle open charges oldest first with ``amount``; what each charge kind received."""
    settled = defaultdict(lambda: ZERO)
    open_charges = (lease.charges.filter(paid__lt=F("amount")).select_for_update()
                    .order_by("due_on", "period_start", "pk"))
    for charge in open_charges:
        if amount <= 0:
            break
        part = min(amount, charge.outstanding)
        charge.paid += part
        charge.save(update_fields=["paid"])
        settled[charge.kind] += part
        amount -= part
    return settled


def settle_deposit(lease: Lease, actor) -> Decimal:
    """At check-out: set the deposit off against everything outstanding (a payment by deposit) and store and
    return what is refunded (``lease.deposit_refund``, set on the instance given and saved; never below 0,
    and a deposit never paid refunds nothing). What the deposit does not cover stays outstanding. Bill the
    tenancy through the move-out day first."""
    with transaction.atomic(), attributed_to(actor):
        _lock(lease)
        reference = DEPOSIT_REFERENCE.format(number=lease.number)
        if lease.payments.filter(reference=reference).exists() or lease.deposit_refund is not None:
            raise StateError(_("The deposit of lease %(number)s has already been settled.") % {"number": lease.number})
        held = lease.deposit if lease.deposit_paid_on else ZERO
        set_off = min(held, outstanding(lease))
        if set_off > 0:
            take_payment(lease, amount=set_off, paid_on=timezone.localdate(), method=PaymentMethod.DEPOSIT,
                         reference=reference, note=_("Deposit set off at check-out"), actor=actor)
        lease.deposit_refund = held - set_off
        lease.save(update_fields=["deposit_refund"])
        return lease.deposit_refund


# --- Use cases of the billing office ------------------------------------------------------------------------------


def _lease_label(lease: Lease) -> str:
    return _("lease %(number)s") % {"number": lease.number}


@use_case
def record_payment(user, lease_id, *, amount, paid_on=None, method, reference, note="") -> Payment:
    """Record money received for a tenancy: it settles the oldest open charges first. No credit balance is
    kept, so a payment is at most what is outstanding; the lease row is locked, so of two payments for the
    last amount owed the second finds nothing outstanding and is refused."""
    lease = get_in_scope(Lease, user, BILLING, lease_id, lock=True,
                         queryset=Lease.objects.select_related("flat", "managing_unit", "tenant"))
    errors = Errors()
    amount = yuan(errors, "amount", amount, label=_("amount"))
    day = past_day(errors, "paid_on", paid_on, _("payment date"))
    if day is not None and "paid_on" not in errors and day < lease.started_on:
        errors.add("paid_on", _("The tenancy started on %(day)s; a payment cannot be dated earlier.")
                   % {"day": lease.started_on})
    choice(errors, "method", method, label=_("payment method"), choices=ManualPaymentMethod)
    reference = text(errors, "reference", reference, label=_("receipt or bank reference"), max_length=60)
    note = text(errors, "note", note, label=_("remarks"), max_length=200, required=False)
    owed = outstanding(lease)
    if amount is not None and amount > owed:
        errors.add("amount", _("%(lease)s has %(owed)s yuan outstanding; a payment cannot be more (no credit is "
                               "kept).") % {"lease": _lease_label(lease), "owed": owed})
    duplicate = _("Reference “%(reference)s” is already recorded for %(lease)s; the same receipt cannot be "
                  "entered twice.") % {"reference": reference, "lease": _lease_label(lease)}
    if reference and lease.payments.filter(reference=reference).exists():
        errors.add("reference", duplicate)
    errors.raise_if_any()
    with unique("reference", duplicate):
        payment = take_payment(lease, amount=amount, paid_on=day, method=method, reference=reference, note=note,
                               actor=user)
    notify.send([lease.tenant], _("Payment of %(amount)s yuan received") % {"amount": amount},
                body=_("Still outstanding for %(lease)s: %(owed)s yuan.")
                % {"lease": _lease_label(lease), "owed": owed - amount},
                link=notify.link_to("service:housing:bills"), category="housing")
    return payment


@use_case
def read_meters(user, flat_id, readings: dict, read_on=None) -> list[MeterReading]:
    """The monthly reading round of a flat: ``readings`` maps meter kind to value (a blank value skips that
    meter). The flat's tenant in residence (if any) gets the consumption. All readings or none are saved."""
    flat = get_in_scope(Flat, user, BILLING, flat_id, lock=True)
    meters = {meter.kind: meter for meter in flat.meters.all()}
    errors = Errors()
    given = {kind: value for kind, value in (readings or {}).items() if value not in (None, "")}
    for kind in given.keys() - meters.keys():
        errors.add(kind, _("Flat %(flat)s has no meter of the kind “%(kind)s”.") % {"flat": flat, "kind": kind})
    if not given:
        errors.add("readings", _("Enter the reading of at least one meter."))
    lease = flat.leases.filter(state__in=IN_RESIDENCE).first()
    saved = []
    for kind, value in given.items():
        if kind not in meters:
            continue
        try:
            saved.append(record_reading(user, meters[kind], reading=value, read_on=read_on, lease=lease))
        except ValidationFailed as refusal:
            for field, messages in refusal.errors.items():
                for message in messages:
                    errors.add(kind if field == "reading" else field, message)
    errors.raise_if_any()
    return saved


def run_monthly_billing(day: date | None = None) -> int:
    """Bill every live tenancy through ``day`` (the periodic job; idempotent, so it may run daily). Each lease
    in its own transaction: one lease that fails is logged and the others are still billed."""
    day = day or timezone.localdate()
    billed = 0
    for lease in Lease.objects.filter(state__in=LIVE_LEASE_STATES).select_related("flat__unit__region"):
        try:
            billed += len(bill_through(lease, day))
        except Exception:
            logger.exception("Billing lease %s through %s failed", lease.number, day)
    return billed


# --- Reading the ledger -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger: a charge (``charged``) or a payment (``paid``), the balance after it."""

    on: date
    kind: str
    description: str
    charged: Decimal | None
    paid: Decimal | None
    balance: Decimal
    entry: Charge | Payment

    @property
    def month(self) -> str:
        """The month the row falls in (``2026-10``): tenants read their bills month by month."""
        return f"{self.on:%Y-%m}"


def ledger(lease: Lease) -> list[LedgerRow]:
    """Charges (on their billing day) and payments (on their payment day) in date order, charges first on a
    day, with the running balance owed."""
    entries = [(c.billed_on, 0, c.pk, c) for c in lease.charges.all()]
    entries += [(p.paid_on, 1, p.pk, p) for p in lease.payments.all()]
    rows, balance = [], ZERO
    for on, is_payment, _pk, entry in sorted(entries, key=lambda e: e[:3]):
        if is_payment:
            balance -= entry.amount
            rows.append(LedgerRow(on, entry.get_method_display(), entry.reference, None, entry.amount, balance,
                                  entry))
        else:
            balance += entry.amount
            rows.append(LedgerRow(on, entry.get_kind_display(), entry.description, entry.amount, None, balance,
                                  entry))
    return rows


def leases_with_balances(user, permission: str = VIEW, today: date | None = None) -> QuerySet:
    """Live tenancies the user reaches, with their balances (``with_balances``) and ``months_owed`` to sort by
    (``rent_owed_months`` rounds it for display)."""
    require(user, permission)
    leases = Lease.objects.filter(state__in=LIVE_LEASE_STATES).select_related(
        "flat__building__estate", "person", "unit")
    return with_balances(scoped(leases, user, permission), today).annotate(
        months_owed=ExpressionWrapper(F("rent_owed") / NullIf(F("monthly_rent"), ZERO),
                                      output_field=DecimalField(max_digits=12, decimal_places=2)))


def lease_for_ledger(user, lease_id) -> Lease:
    """A lease whose ledger the user may read (VIEW in scope: the bureau, the tenant's unit); else 404."""
    return get_in_scope(Lease, user, VIEW, lease_id,
                        queryset=Lease.objects.select_related("flat__building__estate", "person", "unit"))


def ledger_actions(lease: Lease, user) -> list[str]:
    """What ``user`` may do on the ledger page: record a payment while something is outstanding."""
    if can_reach(user, BILLING, lease) and outstanding(lease) > 0:
        return ["record_payment"]
    return []


@dataclass(frozen=True)
class Bill:
    """A tenant's view of one tenancy's ledger."""

    lease: Lease
    rows: list[LedgerRow]
    outstanding: Decimal
    arrears: Decimal


def my_bills(user) -> list[Bill]:
    """The caller's own tenancies (newest first) with their ledgers: a tenant sees only their own."""
    require(user, USE_SERVICE)
    leases = Lease.objects.filter(person_id=user.person_id).select_related("flat__building__estate")
    return [Bill(lease, ledger(lease), outstanding(lease), arrears(lease)) for lease in leases]
