"""The cost ledger (机关运行成本动态台账) over the kernel's ``CostEntry``: totals per unit, per head and per ㎡,
by region, category and month, and the 节约型机关 trend (this year against last). Read-only: every figure
is a GROUP BY in the database over the rows ``scoped()`` lets the user reach through ``monitor.view``.

Income a unit's operation earns (e.g. rent of staff flats, ``core.services.costs.post_income``) is stored as
negative entries, so every total here is net operating cost and an income category shows a negative sum."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from jiguan.core.models import CostEntry, OrgUnit, Person, Region
from jiguan.core.models.org import PersonStatus
from jiguan.core.registry import registry
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import of_agencies, own_units_label, totals_by_agency
from jiguan.core.services.inputs import Errors, find

from ..module import VIEW

AREA_KPI = "officespace.area_by_category"  # usable area of a unit by room category (office-space module)
CENT = Decimal("0.01")
ZERO = Decimal("0")
UNIT_SORTS = {"total": "-total", "name": "name", "count": "-count"}


@dataclass(frozen=True)
class CostQuery:
    """What the ledger is narrowed to; every field validated by ``cost_query``."""

    region: Region | None = None
    unit: OrgUnit | None = None
    category: str = ""
    module: str = ""
    start: date | None = None
    end: date | None = None


def cost_query(user, *, region="", unit=None, category="", module="", start=None, end=None) -> CostQuery:
    """Validate the ledger's filters; a unit outside the user's scope answers 404 like a missing one."""
    require(user, VIEW)
    errors = Errors()
    region_row = find(Region.objects.all(), region) if region else None
    if region and region_row is None:
        errors.add("region", _("There is no region with the code “%(code)s”.") % {"code": region})
    if module and registry.get(module) is None:
        errors.add("module", _("There is no module “%(code)s” on this platform.") % {"code": module})
    if len(category or "") > 40:
        errors.add("category", _("The cost category can be at most 40 characters."))
    start_day, end_day = _day(errors, "start", start), _day(errors, "end", end)
    if start_day and end_day and start_day > end_day:
        errors.add("end", _("The end of the period cannot be before its start."))
    errors.raise_if_any()
    unit_row = get_in_scope(OrgUnit, user, VIEW, unit) if unit not in (None, "") else None
    return CostQuery(region_row, unit_row, (category or "").strip(), module or "", start_day, end_day)


def _day(errors: Errors, field: str, value) -> date | None:
    if value in (None, "") or isinstance(value, date):
        return value or None
    try:
        day = parse_date(str(value).strip())
    except ValueError:
        day = None
    if day is None:
        errors.add(field, _("Enter the date as YYYY-MM-DD."))
    return day


# --- Rows ----------------------------------------------------------------------------------------


def entries(user, query: CostQuery, *, period: bool = True) -> QuerySet:
    """The cost entries the user reaches, narrowed by ``query`` (``period``: also by its dates)."""
    require(user, VIEW)
    rows = scoped(CostEntry.objects.select_related("unit", "region"), user, VIEW)
    if query.region:
        rows = rows.filter(org_path__under=query.region.key)
    if query.unit:
        rows = rows.filter(org_path__under=query.unit.org_path)
    if query.category:
        rows = rows.filter(category=query.category)
    if query.module:
        rows = rows.filter(module=query.module)
    if period and query.start:
        rows = rows.filter(occurred_on__gte=query.start)
    if period and query.end:
        rows = rows.filter(occurred_on__lte=query.end)
    return rows


def categories(user) -> list[str]:
    """The categories used in the user's scope, for the filter's choices."""
    rows = scoped(CostEntry.objects.all(), user, VIEW)
    return list(rows.order_by("category").values_list("category", flat=True).distinct())


def _money(value) -> Decimal:
    # SQLite sums decimals as binary floats; the ledger shows yuan to the fen.
    return Decimal(str(value or 0)).quantize(CENT)


def _ratio(amount: Decimal, base) -> Decimal | None:
    return (amount / Decimal(str(base))).quantize(CENT) if base else None


# --- Per unit, per head, per ㎡ ----------------------------------------------------------------------


def by_unit(user, query: CostQuery, sort: str = "total") -> list[dict]:
    """One row per agency (a department's costs count for its agency): total, entries, people in post,
    usable area and the cost per head and per ㎡."""
    totals = totals_by_agency(entries(user, query), total=Sum("amount"), count=Count("pk"))
    units = OrgUnit.objects.filter(pk__in=totals).select_related("region")
    heads = headcounts(totals)
    areas = unit_areas(list(totals))
    rows = [_unit_row(unit, totals[unit.pk], heads.get(unit.pk, 0), areas.get(unit.pk)) for unit in units]
    key = UNIT_SORTS.get(sort, UNIT_SORTS["total"])
    return sorted(rows, key=lambda r: r[key.lstrip("-")], reverse=key.startswith("-"))


def _unit_row(unit: OrgUnit, figures: dict, heads: int, area: Decimal | None) -> dict:
    total = _money(figures["total"])
    return {"unit": unit, "name": unit.name, "region": unit.region.name, "total": total, "count": figures["count"],
            "heads": heads, "area": area, "per_head": _ratio(total, heads), "per_sqm": _ratio(total, area)}


def headcounts(unit_ids: Iterable[int]) -> dict[int, int]:
    """People in post per agency (its own and its departments', as its costs are), in one GROUP BY."""
    people = of_agencies(Person.objects.filter(status=PersonStatus.ACTIVE), list(unit_ids))
    return {agency: row["n"] for agency, row in totals_by_agency(people, n=Count("pk")).items()}


def unit_areas(unit_ids: list[int]) -> dict[int, Decimal | None]:
    """Each unit's usable area from the office-space KPI, through the registry (all units in one query where
    the KPI offers it); {} without that module."""
    kpi = next((k for spec in registry for k in spec.kpis if k.code == AREA_KPI), None)
    if kpi is None:
        return {}
    values = kpi.per_agency(unit_ids) if kpi.per_agency else {pk: kpi.compute(None, pk) for pk in unit_ids}
    return {pk: _area(parts) for pk, parts in values.items()}


def _area(parts) -> Decimal | None:
    area = sum((Decimal(str(v)) for v in parts.values()), ZERO) if isinstance(parts, dict) else Decimal(str(parts))
    return area.quantize(CENT) if area else None


def summary(rows: list[dict]) -> dict:
    """The ledger's headline over the unit rows: per head and per ㎡ over the units that have costs."""
    total = sum((r["total"] for r in rows), ZERO)
    heads = sum(r["heads"] for r in rows)
    areas = [r["area"] for r in rows if r["area"]]
    area = sum(areas, ZERO) if areas else None
    return {"total": total, "count": sum(r["count"] for r in rows), "units": len(rows), "heads": heads,
            "area": area, "per_head": _ratio(total, heads), "per_sqm": _ratio(total, area)}


# --- By region, category, month ------------------------------------------------------------------


def by_region(user, query: CostQuery) -> list[dict]:
    """The level below ``query.region`` (or the province level without one): one row per region, with the
    region's own units under the region itself. A level of one region alone is passed through to the level
    below it: a city's bureau sees its districts, not one row for the province."""
    rows = _by_region(user, query)
    while len(rows) == 1 and rows[0]["drillable"]:
        query = replace(query, region=Region.objects.get(code=rows[0]["code"]))
        rows = _by_region(user, query)
    return rows


def _by_region(user, query: CostQuery) -> list[dict]:
    """Regions are told apart by their GB/T 2260 prefix."""
    key = query.region.key if query.region else ""
    width = min(len(key) + 2, 6)
    grouped = (entries(user, query).values(prefix=Substr("region_id", 1, width))
               .annotate(total=Sum("amount"), count=Count("pk")).order_by("prefix"))
    codes = {row["prefix"]: row["prefix"].ljust(6, "0") for row in grouped}
    names = dict(Region.objects.filter(code__in=codes.values()).values_list("code", "name"))
    here = query.region.code if query.region else None
    return [{"code": code, "name": _region_name(names.get(code, code), own=code == here), "total": _money(row["total"]),
             "count": row["count"],
             # a region's own units (360100 under 3601) are a leaf: drilling would show the same rows again
             "drillable": len(row["prefix"]) < 6 and code != here}
            for row in grouped for code in (codes[row["prefix"]],)]


def _region_name(name: str, *, own: bool) -> str:
    """A region's row; the one of its own units, beside its districts, says so (南昌市本级)."""
    return own_units_label(name) if own else name


def by_category(user, query: CostQuery) -> list[dict]:
    grouped = entries(user, query).values("category").annotate(total=Sum("amount"), count=Count("pk"))
    rows = [{"category": r["category"], "total": _money(r["total"]), "count": r["count"]}
            for r in grouped.order_by("category")]
    return sorted(rows, key=lambda r: r["total"], reverse=True)


def by_month(user, query: CostQuery) -> list[dict]:
    grouped = (entries(user, query).values(year=ExtractYear("occurred_on"), month=ExtractMonth("occurred_on"))
               .annotate(total=Sum("amount"), count=Count("pk")).order_by("year", "month"))
    return [{"month": f"{r['year']}-{r['month']:02d}", "total": _money(r["total"]), "count": r["count"]}
            for r in grouped]


# --- 节约型机关: this year against last -------------------------------------------------------------


def trend(user, query: CostQuery, year: int | None = None) -> dict:
    """Month by month and year to date, this year against the one before, with the change in %. The
    year-to-date cut is the same day of both years (the whole year for a past one). The query's dates are
    ignored: the years are the period."""
    today = timezone.localdate()
    year = year or today.year
    if not 2000 <= year <= today.year:
        errors = Errors()
        errors.add("year", _("The year must be between 2000 and %(year)s.") % {"year": today.year})
        errors.raise_if_any()
    rows = (entries(user, query, period=False).filter(occurred_on__year__in=(year - 1, year))
            .values(year=ExtractYear("occurred_on"), month=ExtractMonth("occurred_on"))
            .annotate(total=Sum("amount")).order_by())
    sums = {(r["year"], r["month"]): _money(r["total"]) for r in rows}
    months = [{"month": m, "this_year": sums.get((year, m), ZERO), "last_year": sums.get((year - 1, m), ZERO),
               "change": change(sums.get((year, m), ZERO), sums.get((year - 1, m), ZERO))} for m in range(1, 13)]
    return {"year": year, "months": months, **_year_to_date(user, query, year, today)}


def _year_to_date(user, query: CostQuery, year: int, today: date) -> dict:
    cut = (today.month, today.day) if year == today.year else (12, 31)
    rows = entries(user, query, period=False)
    this = rows.filter(occurred_on__gte=date(year, 1, 1), occurred_on__lte=date(year, *cut))
    last = rows.filter(occurred_on__gte=date(year - 1, 1, 1), occurred_on__lte=_same_day(year - 1, *cut))
    this_total = _money(this.aggregate(t=Sum("amount"))["t"])
    last_total = _money(last.aggregate(t=Sum("amount"))["t"])
    return {"ytd_until": date(year, *cut), "ytd_this_year": this_total, "ytd_last_year": last_total,
            "ytd_change": change(this_total, last_total)}


def _same_day(year: int, month: int, day: int) -> date:
    return date(year, 2, 28) if (month, day) == (2, 29) and year % 4 else date(year, month, day)


def change(this: Decimal, last: Decimal) -> Decimal | None:
    """Change against last year in %; None when last year had nothing to compare with."""
    return ((this - last) * 100 / last).quantize(Decimal("0.1")) if last else None
