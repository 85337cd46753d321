"""Pool figures for the operation monitor: KPIs ``(region_code, unit_id) -> number`` and the business rules
(each returns the offending objects; an alert's title is ``str(obj)``).

Where a figure is counted:
- items in the pool and the fill rate: by the holder of the card or the keeper of the location (the keeping
  bureau for a warehouse, the offering unit for an item of the virtual pool);
- items and value reused, turnover: by the receiving unit of the hand-over, this calendar year. The original
  value of an item reused is the money its new unit did not spend on a purchase: the pool's savings;
- disposal income: by the keeping unit of the lot, this calendar year (proceeds of lots paid for, salvage of
  lots scrapped);
- loans: by the borrowing unit.

Rules read the models directly. Alerts are read without clearance, so no rule returns an object whose title
would name a classified item.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from jiguan.core.services.common import average, count_by_unit, figure_by_unit, of_place
from jiguan.core.services.inputs import add_months

from .models import (
    IDLE_MONTHS,
    Asset,
    AssetState,
    Bid,
    DisposalItem,
    DisposalLot,
    DisposalMethod,
    IdleAsset,
    IdleSource,
    IdleState,
    Loan,
    LoanState,
    LotState,
    PurchaseCheck,
    PurchaseDecision,
    ReuseRequest,
    ReuseState,
    StorageLocation,
)

CENT = Decimal("0.01")
LONG_IN_POOL_MONTHS = 12
RECENT_DAYS = 90  # how far back the rules on finished business (lots closed, purchases) look
# Items physically on a shelf: free in the pool or promised to a unit but not yet collected.
ON_SHELF_STATES = (AssetState.IN_POOL, AssetState.RESERVED)


def _year_start() -> date:
    return timezone.localdate().replace(month=1, day=1)


def _yuan(total: Decimal | None) -> Decimal:
    return (total or Decimal(0)).quantize(CENT)


def handed_over_this_year(region_code: str | None = None, unit_id: int | None = None) -> QuerySet:
    reused = ReuseRequest.objects.filter(state=ReuseState.HANDED_OVER, handed_over_at__date__gte=_year_start())
    return of_place(reused, region_code, unit_id)


def _in_pool() -> QuerySet:
    return Asset.objects.filter(state=AssetState.IN_POOL)


def items_in_pool(region_code: str | None = None, unit_id: int | None = None) -> int:
    return of_place(_in_pool(), region_code, unit_id).count()


def items_in_pool_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(_in_pool(), agency_ids)


def items_reused(region_code: str | None = None, unit_id: int | None = None) -> int:
    return handed_over_this_year(region_code, unit_id).count()


def items_reused_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(handed_over_this_year(), agency_ids)


def value_reused(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Yuan of original value handed over this year: the purchases the receiving units avoided."""
    return _yuan(handed_over_this_year(region_code, unit_id).aggregate(total=Sum("asset__original_value"))["total"])


def value_reused_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return figure_by_unit(handed_over_this_year(), agency_ids, lambda row: _yuan(row["total"]),
                          total=Sum("asset__original_value"))


FILL = {"total": Count("pk"), "held": Count("pk", filter=Q(holds=True))}  # locations, and those holding an item


def pool_fill_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Storage locations of warehouses in use that hold at least one item on the shelf (in the pool or
    reserved), as a percentage of all those locations. A location holds any number of items, so this says
    how much of the shelving is used, not how full each shelf is."""
    return _fill_rate(of_place(_locations(), region_code, unit_id).aggregate(**FILL))


def pool_fill_rate_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return figure_by_unit(_locations(), agency_ids, _fill_rate, **FILL)


def _locations() -> QuerySet:
    occupied = Asset.objects.filter(location=OuterRef("pk"), state__in=ON_SHELF_STATES)
    return StorageLocation.objects.filter(warehouse__active=True).annotate(holds=Exists(occupied))


def _fill_rate(counts: dict) -> Decimal:
    total = counts["total"]
    return (Decimal(100 * counts["held"]) / total).quantize(CENT) if total else Decimal("0.00")


def turnover_days(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Average days from entering the pool to the hand-over, of the items reused this year."""
    rows = handed_over_this_year(region_code, unit_id).values_list("handed_over_at", "asset__pooled_on")
    return average([(timezone.localdate(at) - pooled_on).days for at, pooled_on in rows])


def turnover_days_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    days = {pk: [] for pk in agency_ids}
    rows = handed_over_this_year().filter(unit_id__in=agency_ids)
    for unit_id, at, pooled_on in rows.values_list("unit_id", "handed_over_at", "asset__pooled_on"):
        days[unit_id].append((timezone.localdate(at) - pooled_on).days)
    return {pk: average(numbers) for pk, numbers in days.items()}


def long_in_pool() -> QuerySet:
    """Items free in the pool for more than 12 months: offer them again, lend them or dispose of them.
    Classified cards are left out: an alert's title names its item and alerts are read without clearance."""
    limit = add_months(timezone.localdate(), -LONG_IN_POOL_MONTHS)
    return (Asset.objects.filter(state=AssetState.IN_POOL, pooled_on__lt=limit, classified=False)
            .order_by("pooled_on", "pk"))


def disposal_income(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Yuan the pool's disposals brought the treasury this year: proceeds of lots sold (paid this year) and
    salvage of lots scrapped this year, by the keeping unit."""
    return _income(of_place(DisposalLot.objects.all(), region_code, unit_id).aggregate(**_income_sums()))


def disposal_income_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return figure_by_unit(DisposalLot.objects.all(), agency_ids, _income, **_income_sums())


def _income_sums() -> dict:
    start = _year_start()
    return {"sold": Sum("proceeds", filter=Q(state=LotState.SOLD, paid_at__date__gte=start)),
            "scrapped": Sum("salvage_value", filter=Q(state=LotState.SCRAPPED, scrapped_on__gte=start))}


def _income(sums: dict) -> Decimal:
    return _yuan((sums["sold"] or Decimal(0)) + (sums["scrapped"] or Decimal(0)))


def _lent() -> QuerySet:
    return Loan.objects.filter(state=LoanState.LENT)


def items_on_loan(region_code: str | None = None, unit_id: int | None = None) -> int:
    return of_place(_lent(), region_code, unit_id).count()


def items_on_loan_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(_lent(), agency_ids)


def loans_overdue(region_code: str | None = None, unit_id: int | None = None) -> int:
    return of_place(_overdue_loans(), region_code, unit_id).count()


def loans_overdue_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(_overdue_loans(), agency_ids)


def _overdue_loans() -> QuerySet:
    return Loan.objects.filter(state=LoanState.LENT, due_on__lt=timezone.localdate())


def loan_overdue() -> QuerySet:
    """Items lent and not back by their due date (the alert goes to the borrowing unit)."""
    return _overdue_loans().filter(asset__classified=False).select_related("asset").order_by("due_on", "pk")


def lot_no_bids() -> QuerySet:
    """Bidding lots nobody bid on: closed unsold (流拍) in the last 90 days, or published lots whose bidding
    has ended without a bid and that are not closed yet. A lot holding a classified item is left out: its
    title may name the item."""
    now = timezone.now()
    bids = Bid.objects.filter(lot=OuterRef("pk"))
    secret = DisposalItem.objects.filter(lot=OuterRef("pk"), asset__classified=True)
    ended = (Q(state=LotState.UNSOLD, closed_at__gte=now - timedelta(days=RECENT_DAYS))
             | Q(state=LotState.APPROVED, ends_at__lt=now))
    return (DisposalLot.objects.filter(ended, method=DisposalMethod.BIDDING)
            .filter(~Exists(bids), ~Exists(secret)).order_by("ends_at", "pk"))


def buying_held_category() -> QuerySet:
    """Purchase checks of the last 90 days where the unit chose to buy although the pool held items of the
    category: the bureau asks whether the reason given holds."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return (PurchaseCheck.objects.filter(decision=PurchaseDecision.NOT_FIT, matches__gt=0, checked_at__gte=since)
            .select_related("category").order_by("checked_at", "pk"))


def idle_due_cutoff(today: date | None = None) -> date:
    """Assets idle since this day or earlier have been idle for 6 months: they are due to be offered."""
    return add_months(today or timezone.localdate(), -IDLE_MONTHS)


def idle_not_offered(today: date | None = None) -> QuerySet:
    """Assets idle for 6 months or more, neither offered to the pool nor back in use (the units' reminders)."""
    return (IdleAsset.objects.filter(state=IdleState.IDLE, idle_since__lte=idle_due_cutoff(today))
            .order_by("idle_since", "pk"))


def declared_idle_not_offered(today: date | None = None) -> QuerySet:
    """The rule's objects: the declared ones only. A room read from office space already raises that module's
    own alert (``officespace.room_idle_6_months``); a second alert for the same room would only be noise."""
    return idle_not_offered(today).filter(source=IdleSource.DECLARED)
