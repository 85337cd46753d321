"""The cost ledger (机关运行成本动态台账) in the management portal: the ledger with its drill-down region →
unit → entries, the 节约型机关 trend, and the entries list. Every view exports to Excel (``?export=``),
access-logged. Thin: the figures come from ``services.costs``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core import audit
from jiguan.core.access import is_htmx
from jiguan.core.errors import ValidationFailed
from jiguan.core.excel import xlsx_response
from jiguan.core.listing import ChoiceFilter, Column, DateFilter, IdFilter, ListSpec, TextFilter
from jiguan.core.models.audit import AccessKind
from jiguan.core.registry import registry
from jiguan.core.services.common import attributed_to, of_agencies
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter

from ..forms.costs import CostFilterForm
from ..module import VIEW
from ..services import costs
from ..services.costs import CostQuery


def filtered(request: HttpRequest) -> tuple[CostFilterForm, CostQuery]:
    """The filter bar and the validated query; a refused filter shows on its field and filters nothing."""
    form = CostFilterForm(request.user, request.GET)
    try:
        return form, costs.cost_query(request.user, **form.service_values())
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            form.add_error(field if field in form.fields else None, messages)
        return form, CostQuery()


def export(request: HttpRequest, name: str, title: str, headers: list[str], rows: Iterable) -> HttpResponse:
    """One view as .xlsx, recorded in the access log like every list's export."""
    rows = list(rows)
    response = xlsx_response(f"{title}-{timezone.localdate():%Y%m%d}", title, headers, rows)
    with attributed_to(request.user):
        audit.log_access(AccessKind.EXPORT, request.get_full_path(), detail=f"monitor.costs.{name}: {len(rows)} rows",
                         method="GET", status=200)
    return response


def _module_name(code: str) -> str:
    spec = registry.get(code)
    return str(spec.name) if spec else code


# --- The ledger --------------------------------------------------------------------------------------


def _exports(user, query: CostQuery, sort: str) -> dict[str, Callable[[], tuple]]:
    """Each table of the ledger page as (title, headers, rows), built only when asked for."""
    return {
        "units": lambda: (_("Cost per unit"), [_("Unit"), _("Region"), _("Amount (yuan)"), _("Entries"),
                          _("People in post"), _("Usable area (㎡)"), _("Per head (yuan)"), _("Per ㎡ (yuan)")],
                          [[r["name"], r["region"], r["total"], r["count"], r["heads"], r["area"], r["per_head"],
                            r["per_sqm"]] for r in costs.by_unit(user, query, sort)]),
        "regions": lambda: (_("Cost per region"), [_("Region"), _("Amount (yuan)"), _("Entries")],
                            [[r["name"], r["total"], r["count"]] for r in costs.by_region(user, query)]),
        "categories": lambda: (_("Cost per category"), [_("Cost category"), _("Amount (yuan)"), _("Entries")],
                               [[r["category"], r["total"], r["count"]] for r in costs.by_category(user, query)]),
        "months": lambda: (_("Cost per month"), [_("Month"), _("Amount (yuan)"), _("Entries")],
                           [[r["month"], r["total"], r["count"]] for r in costs.by_month(user, query)]),
    }


@require_GET
@manage_view(VIEW)
def ledger(request: HttpRequest) -> HttpResponse:
    form, query = filtered(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in costs.UNIT_SORTS else "total"
    exports = _exports(request.user, query, sort)
    if request.GET.get("export") in exports:
        name = request.GET["export"]
        return export(request, name, *exports[name]())
    units = costs.by_unit(request.user, query, sort)
    categories, months = costs.by_category(request.user, query), costs.by_month(request.user, query)
    context = {
        "form": form, "query": query, "units": units, "summary": costs.summary(units), "sort": sort,
        "regions": costs.by_region(request.user, query), "categories": categories, "months": months,
        "params": _params(request), "chart_data": _chart_data(categories, months),
    }
    template = "monitor/costs/_ledger_body.html" if is_htmx(request) else "monitor/costs/ledger.html"
    return render(request, template, context)


def _params(request: HttpRequest) -> dict[str, str]:
    """The query string without one key, for the links that change it (drill, sort, export)."""
    keep = {k: v for k, v in request.GET.items() if k != "export" and v}
    return {name: urlencode({k: v for k, v in keep.items() if k != name}) for name in ("region", "sort", "unit", "export")}


def _chart_data(categories: list[dict], months: list[dict]) -> dict:
    return {
        "categories": [{"name": r["category"], "value": float(r["total"])} for r in categories],
        "months": [r["month"] for r in months], "month_totals": [float(r["total"]) for r in months],
    }


# --- 节约型机关 trend ----------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def trend(request: HttpRequest) -> HttpResponse:
    form, query = filtered(request)
    try:
        figures = costs.trend(request.user, query, _year(request))
    except ValidationFailed as exc:
        form.add_error(None, exc.message)
        figures = costs.trend(request.user, query)
    if request.GET.get("export") == "trend":
        title = _("Cost trend %(year)s against %(last)s") % {"year": figures["year"], "last": figures["year"] - 1}
        rows = [[m["month"], m["this_year"], m["last_year"], m["change"]] for m in figures["months"]]
        rows.append([_("Year to date"), figures["ytd_this_year"], figures["ytd_last_year"], figures["ytd_change"]])
        return export(request, "trend", title, [_("Month"), _("This year (yuan)"), _("Last year (yuan)"),
                                                _("Change (%)")], rows)
    chart = {"months": [f"{m['month']}月" for m in figures["months"]],
             "this_year": [float(m["this_year"]) for m in figures["months"]],
             "last_year": [float(m["last_year"]) for m in figures["months"]],
             "labels": {"this_year": str(figures["year"]), "last_year": str(figures["year"] - 1)}}
    context = {"form": form, "figures": figures, "chart_data": chart, "params": _params(request),
               "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1)}
    template = "monitor/costs/_trend_body.html" if is_htmx(request) else "monitor/costs/trend.html"
    return render(request, template, context)


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() else None


# --- Entries -----------------------------------------------------------------------------------------


def _module_choices() -> list[tuple[str, str]]:
    return [(spec.code, str(spec.name)) for spec in registry]


def _of_agency(queryset, unit_id: int):
    """A unit's own entries and its departments'."""
    return of_agencies(queryset, [unit_id])


ENTRIES = ListSpec(
    name="monitor.cost_entries", title=gettext_lazy("Cost entries"),
    columns=(
        Column("occurred_on", gettext_lazy("Date"), order_by="occurred_on"),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__name"),
        Column("region__name", gettext_lazy("Region"), order_by="region_id"),
        Column("module", gettext_lazy("Module"), order_by="module", value=lambda e: _module_name(e.module)),
        Column("category", gettext_lazy("Cost category"), order_by="category"),
        Column("amount", gettext_lazy("Amount (yuan)"), order_by="amount"),
        Column("description", gettext_lazy("Description")),
    ),
    filters=(
        region_filter("region"),
        IdFilter("unit", gettext_lazy("Unit"), method=_of_agency),
        TextFilter("category", gettext_lazy("Cost category"), "category"),
        ChoiceFilter("module", gettext_lazy("Module"), "module", choices=_module_choices),
        DateFilter("from", gettext_lazy("From"), "occurred_on__gte"),
        DateFilter("to", gettext_lazy("To"), "occurred_on__lte"),
    ),
    search=("description", "unit__name"), search_label=gettext_lazy("Unit or description"),
    default_sort="-occurred_on",
)


@require_GET
@manage_view(VIEW)
def entries(request: HttpRequest) -> HttpResponse:
    rows = costs.entries(request.user, CostQuery())
    return ENTRIES.bind(request, rows).response("monitor/costs/entries.html", "manage/listing/table.html")


manage_urlpatterns = [
    path("", ledger, name="costs"),
    path("trend/", trend, name="costs_trend"),
    path("entries/", entries, name="costs_entries"),
]
