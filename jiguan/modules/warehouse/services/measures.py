"""The pool's measures (节约成效): items and original value reused — the money the receiving units did not
spend on new purchases, so the savings — items entering the pool and the turnover (days from entering
the pool to the hand-over), month by month over the last 12 months, per unit and per region.

Computed from the records the user reaches with ``warehouse.view`` (hand-overs by the receiving unit,
items entered by their source unit), so every month is there whether or not the monitor took snapshots.
Classified cards count only for users cleared to see them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from jiguan.core.models import OrgUnit
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require
from jiguan.core.services.inputs import add_months

from ..models import Asset, ReuseRequest, ReuseState
from ..module import VIEW
from . import cleared

MONTHS = 12
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Figures:
    items_reused: int
    value_reused: Decimal  # yuan of original value handed over: the savings
    items_entered: int
    turnover_days: Decimal | None  # average days in the pool of the items reused; None when none was


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


def month_labels(today: date, months: int = MONTHS) -> list[str]:
    """``YYYY-MM`` of the last ``months`` months, oldest first, the current one last."""
    first = today.replace(day=1)
    return [f"{add_months(first, -back):%Y-%m}" for back in range(months - 1, -1, -1)]


def dashboard(user, today: date | None = None) -> Dashboard:
    require(user, VIEW)
    months = month_labels(today or timezone.localdate())
    since = date.fromisoformat(f"{months[0]}-01")
    handovers = _handovers(user, since)
    entries = _entries(user, since)
    units = sorted({h.unit for h in handovers} | {e.unit for e in entries})
    regions = sorted({h.region for h in handovers} | {e.region for e in entries})
    unit_lines = [Line(u, _figures([h for h in handovers if h.unit == u], [e for e in entries if e.unit == u]))
                  for u in units]
    return Dashboard(
        months=[Line(m, _figures([h for h in handovers if h.month == m], [e for e in entries if e.month == m]))
                for m in months],
        units=sorted(unit_lines, key=lambda line: (-line.figures.value_reused, line.label)),
        regions=[Line(r, _figures([h for h in handovers if h.region == r], [e for e in entries if e.region == r]))
                 for r in regions],
        total=_figures(handovers, entries),
    )


def _handovers(user, since: date) -> list[_Handover]:
    """Hand-overs to the units in the user's scope since ``since``, by receiving unit."""
    reused = ReuseRequest.objects.filter(state=ReuseState.HANDED_OVER, handed_over_at__date__gte=since)
    rows = cleared(user, scoped(reused, user, VIEW)).values_list(
        "handed_over_at", "asset__original_value", "asset__pooled_on", "unit__name", "unit__region__name")
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
            for on, unit, region in items.values_list("pooled_on", "source_unit__name", "source_unit__region__name")]


def _figures(handovers: Iterable[_Handover], entries: Iterable[_Entry]) -> Figures:
    handovers = list(handovers)
    days = [h.days for h in handovers]
    return Figures(
        items_reused=len(handovers),
        value_reused=sum((h.value for h in handovers), Decimal("0.00")).quantize(CENT),
        items_entered=sum(1 for _entry in entries),
        turnover_days=(Decimal(sum(days)) / len(days)).quantize(CENT) if days else None,
    )
