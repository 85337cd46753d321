"""The pool's measures (节约成效): items and original value reused — the money the receiving units did not
spend on new purchases, so the savings — items entering the pool, the turnover (days from entering the
pool to the hand-over), and the disposal income to the treasury with the items disposed of, month by month
over the last 12 months, per unit and per region.

Computed from the records the user reaches with ``warehouse.view`` (hand-overs by the receiving unit,
items entered by their source unit, disposals by the keeping unit of the lot), so every month is there
whether or not the monitor took snapshots. Classified cards count only for users cleared to see them; a
lot holding one counts only for them too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.org import Level
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import own_units_label
from jiguan.core.services.inputs import add_months

from ..models import Asset, DisposalItem, DisposalLot, LotState, ReuseRequest, ReuseState
from ..module import CLASSIFIED, VIEW
from . import cleared

MONTHS = 12
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Figures:
    items_reused: int
    value_reused: Decimal  # yuan of original value handed over: the savings
    items_entered: int
    turnover_days: Decimal | None  # average days in the pool of the items reused; None when none was
    items_disposed: int
    disposal_income: Decimal  # yuan to the treasury: proceeds of lots sold, salvage of lots scrapped


@dataclass(frozen=True)
class Line:
    label: str
    figures: Figures


@dataclass(frozen=True)
class Dashboard:
    months: list[Line]  # oldest first
    units: list[Line]  # most value reused first
    regions: list[Line]
    total: Figures


@dataclass(frozen=True)
class _Handover:
    month: str
    unit: str
    region: str
    value: Decimal
    days: int


@dataclass(frozen=True)
class _Entry:
    month: str
    unit: str
    region: str


@dataclass(frozen=True)
class _Disposal:
    month: str
    unit: str
    region: str
    items: int
    income: Decimal


def month_labels(today: date, months: int = MONTHS) -> list[str]:
    """``YYYY-MM`` of the last ``months`` months, oldest first, the current one last."""
    first = today.replace(day=1)
    return [f"{add_months(first, -back):%Y-%m}" for back in range(months - 1, -1, -1)]


def dashboard(user, today: date | None = None) -> Dashboard:
    require(user, VIEW)
    months = month_labels(today or timezone.localdate())
    since = date.fromisoformat(f"{months[0]}-01")
    records = (_handovers(user, since), _entries(user, since), _disposals(user, since))

    def line(value: str, field: str, label: str | None = None) -> Line:
        return Line(label or value, _figures(*([r for r in rows if getattr(r, field) == value] for rows in records)))

    units = sorted({r.unit for rows in records for r in rows})
    regions = Region.objects.filter(code__in={r.region for rows in records for r in rows}).order_by("code")
    return Dashboard(
        months=[line(m, "month") for m in months],
        units=sorted((line(u, "unit") for u in units), key=lambda ln: (-ln.figures.value_reused, ln.label)),
        regions=[line(r.code, "region", _region_label(r)) for r in regions],
        total=_figures(*records),
    )


def _region_label(region: Region) -> str:
    """A province's or city's row holds the units of that level only (南昌市本级), beside its districts' rows."""
    return own_units_label(region.name) if region.level in (Level.PROVINCE, Level.CITY) else region.name


def _handovers(user, since: date) -> list[_Handover]:
    """Hand-overs to the units in the user's scope since ``since``, by receiving unit."""
    reused = ReuseRequest.objects.filter(state=ReuseState.HANDED_OVER, handed_over_at__date__gte=since)
    rows = cleared(user, scoped(reused, user, VIEW)).values_list(
        "handed_over_at", "asset__original_value", "asset__pooled_on", "unit__name", "unit__region_id")
    handovers = []
    for at, value, pooled_on, unit, region in rows:
        on = timezone.localdate(at)
        handovers.append(_Handover(f"{on:%Y-%m}", unit, region, value, (on - pooled_on).days))
    return handovers


def _entries(user, since: date) -> list[_Entry]:
    """Items entering the pool since ``since`` from the units in the user's scope, by source unit."""
    units = scoped(OrgUnit.objects.all(), user, VIEW)
    items = cleared(user, Asset.objects.filter(source_unit__in=units, pooled_on__gte=since))
    return [_Entry(f"{on:%Y-%m}", unit, region)
            for on, unit, region in items.values_list("pooled_on", "source_unit__name", "source_unit__region_id")]


def _disposals(user, since: date) -> list[_Disposal]:
    """Lots of the keeping units in the user's scope that brought income since ``since``: sold lots by the day
    they were paid for, scrapped lots by the day they were scrapped."""
    lots = scoped(DisposalLot.objects.filter(state__in=(LotState.SOLD, LotState.SCRAPPED)), user, VIEW)
    if not has_permission(user, CLASSIFIED):
        lots = lots.exclude(Exists(DisposalItem.objects.filter(lot=OuterRef("pk"), asset__classified=True)))
    rows = lots.annotate(item_count=Count("items")).values_list(
        "state", "paid_at", "proceeds", "scrapped_on", "salvage_value", "item_count", "unit__name", "unit__region_id")
    disposals = []
    for state, paid_at, proceeds, scrapped_on, salvage, items, unit, region in rows:
        sold = state == LotState.SOLD
        on = timezone.localdate(paid_at) if sold and paid_at else scrapped_on
        if on is not None and on >= since:
            disposals.append(_Disposal(f"{on:%Y-%m}", unit, region, items, (proceeds if sold else salvage) or 0))
    return disposals


def _figures(handovers: Iterable[_Handover], entries: Iterable[_Entry], disposals: Iterable[_Disposal]) -> Figures:
    handovers, disposals = list(handovers), list(disposals)
    days = [h.days for h in handovers]
    return Figures(
        items_reused=len(handovers),
        value_reused=sum((h.value for h in handovers), Decimal("0.00")).quantize(CENT),
        items_entered=sum(1 for _entry in entries),
        turnover_days=(Decimal(sum(days)) / len(days)).quantize(CENT) if days else None,
        items_disposed=sum(d.items for d in disposals),
        disposal_income=sum((d.income for d in disposals), Decimal("0.00")).quantize(CENT),
    )
