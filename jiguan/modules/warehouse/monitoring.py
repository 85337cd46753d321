"""Pool figures for the operation monitor: KPIs ``(region_code, unit_id) -> number`` and the rule "item in
the pool for more than 12 months".

Where a figure is counted:
- items in the pool and the fill rate: by the holder of the card or the keeper of the location (the keeping
  bureau for a warehouse, the offering unit for an item of the virtual pool);
- items and value reused, turnover: by the receiving unit of the hand-over, this calendar year. The original
  value of an item reused is the money its new unit did not spend on a purchase: the pool's savings.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from jiguan.core.models.org import region_key
from jiguan.core.services.inputs import add_months

from .models import Asset, AssetState, ReuseRequest, ReuseState, StorageLocation

CENT = Decimal("0.01")
LONG_IN_POOL_MONTHS = 12
# Items physically on a shelf: free in the pool or promised to a unit but not yet collected.
ON_SHELF_STATES = (AssetState.IN_POOL, AssetState.RESERVED)


def narrowed(queryset: QuerySet, region_code: str | None, unit_id: int | None) -> QuerySet:
    if region_code:
        queryset = queryset.filter(org_path__under=region_key(region_code))
    if unit_id:
        queryset = queryset.filter(unit_id=unit_id)
    return queryset


def handed_over_this_year(region_code: str | None = None, unit_id: int | None = None) -> QuerySet:
    start = timezone.localdate().replace(month=1, day=1)
    reused = ReuseRequest.objects.filter(state=ReuseState.HANDED_OVER, handed_over_at__date__gte=start)
    return narrowed(reused, region_code, unit_id)


def items_in_pool(region_code: str | None = None, unit_id: int | None = None) -> int:
    return narrowed(Asset.objects.filter(state=AssetState.IN_POOL), region_code, unit_id).count()


def items_reused(region_code: str | None = None, unit_id: int | None = None) -> int:
    return handed_over_this_year(region_code, unit_id).count()


def value_reused(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Yuan of original value handed over this year: the purchases the receiving units avoided."""
    total = handed_over_this_year(region_code, unit_id).aggregate(total=Sum("asset__original_value"))["total"]
    return (total or Decimal(0)).quantize(CENT)


def pool_fill_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Storage locations of warehouses in use that hold at least one item on the shelf (in the pool or
    reserved), as a percentage of all those locations. A location holds any number of items, so this says
    how much of the shelving is used, not how full each shelf is."""
    occupied = Asset.objects.filter(location=OuterRef("pk"), state__in=ON_SHELF_STATES)
    locations = narrowed(StorageLocation.objects.filter(warehouse__active=True), region_code, unit_id)
    counts = locations.annotate(holds=Exists(occupied)).values_list("holds", flat=True)
    total = len(counts)
    return (Decimal(100 * sum(counts)) / total).quantize(CENT) if total else Decimal("0.00")


def turnover_days(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Average days from entering the pool to the hand-over, of the items reused this year."""
    rows = handed_over_this_year(region_code, unit_id).values_list("handed_over_at", "asset__pooled_on")
    days = [(timezone.localdate(at) - pooled_on).days for at, pooled_on in rows]
    return (Decimal(sum(days)) / len(days)).quantize(CENT) if days else Decimal("0.00")


def long_in_pool() -> QuerySet:
    """Items free in the pool for more than 12 months: offer them again, lend them or dispose of them.
    Classified cards are left out: an alert's title names its item and alerts are read without clearance."""
    limit = add_months(timezone.localdate(), -LONG_IN_POOL_MONTHS)
    return (Asset.objects.filter(state=AssetState.IN_POOL, pooled_on__lt=limit, classified=False)
            .order_by("pooled_on", "pk"))
