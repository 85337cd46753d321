"""The housing dashboard (住房看板): occupancy, the wait of those housed and arrears, month by month over the
last 12 months, computed from the records the user reaches with ``housing.view`` (so every month is there,
whether or not the monitor took snapshots then)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from ..models import Flat, FlatState, Lease, Offer, OfferState
from ..module import VIEW
from .billing import CENT, ZERO

MONTHS = 12


@dataclass(frozen=True)
class Month:
    label: str  # "2026-03"
    end: date  # the month's last day, or today for the month under way
    occupancy_rate: Decimal  # % of the flats in service with a tenant that day
    average_wait: Decimal | None  # days from eligibility to accepting an offer, of those housed that month
    arrears: Decimal  # yuan past due and unpaid that day


def month_ends(today: date, months: int = MONTHS) -> list[date]:
    """The last day of each of the last ``months`` months, oldest first; today for the current one."""
    ends, day = [today], today.replace(day=1) - timedelta(days=1)
    while len(ends) < months:
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def dashboard(user, today: date | None = None) -> list[Month]:
    require(user, VIEW)
    ends = month_ends(today or timezone.localdate())
    leases = scoped(Lease.objects.all(), user, VIEW)
    occupancy = _occupancy(user, leases, ends)
    waits = _waits(user, ends)
    owed = _arrears(leases, ends)
    return [Month(f"{end:%Y-%m}", end, occupancy[end], waits.get(end), owed[end]) for end in ends]


def _occupancy(user, leases, ends: list[date]) -> dict[date, Decimal]:
    """Flats with a tenant in residence at the end of each month over the flats in service now."""
    in_service = scoped(Flat.objects.exclude(state=FlatState.RETIRED), user, VIEW).count()
    stays = list(leases.exclude(checked_in_on=None).values_list("checked_in_on", "moved_out_on"))
    rates = {}
    for end in ends:
        occupied = sum(1 for start, left in stays if start <= end and (left is None or left >= end))
        rates[end] = (Decimal(100 * occupied) / in_service).quantize(CENT) if in_service else ZERO
    return rates


def _waits(user, ends: list[date]) -> dict[date, Decimal]:
    """Average days waited by the applicants who accepted an offer in each month."""
    accepted = scoped(Offer.objects.filter(state=OfferState.ACCEPTED, answered_at__date__gte=ends[0].replace(day=1)),
                      user, VIEW).values_list("answered_at", "application__eligible_since")
    month_of = {(end.year, end.month): end for end in ends}
    days = defaultdict(list)
    for answered_at, since in accepted:
        answered_on = timezone.localdate(answered_at)
        end = month_of.get((answered_on.year, answered_on.month))
        if end and since:
            days[end].append((answered_on - since).days)
    return {end: (Decimal(sum(d)) / len(d)).quantize(CENT) for end, d in days.items()}


def _arrears(leases, ends: list[date]) -> dict[date, Decimal]:
    """Per tenancy: charges due before the day less payments made by it (payments settle the oldest charges
    first, so this is what was past due and unpaid that day), summed over the tenancies."""
    due = list(leases.filter(charges__due_on__lt=ends[-1]).values_list("pk", "charges__due_on", "charges__amount"))
    paid = list(leases.filter(payments__paid_on__lte=ends[-1])
                .values_list("pk", "payments__paid_on", "payments__amount"))
    totals = {}
    for end in ends:
        balance = defaultdict(lambda: ZERO)
        for lease_id, due_on, amount in due:
            if due_on < end:
                balance[lease_id] += amount
        for lease_id, paid_on, amount in paid:
            if paid_on <= end:
                balance[lease_id] -= amount
        totals[end] = sum((max(b, ZERO) for b in balance.values()), ZERO)
    return totals
