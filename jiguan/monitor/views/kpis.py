"""Management-portal pages: the monitoring home (KPI cards with their trend, events by state and SLA,
firing alerts) and the drill-down region → child regions → agencies → the module's own lists."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.models import Event
from jiguan.core.models.events import EventStatus
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.events import OPEN_STATES
from jiguan.portals.manage.access import manage_view

from ..module import MANAGE, VIEW
from ..services import alerts, kpis

TREND_DAYS = 30
VIEW_EVENTS = "core.view_events"
ALERT_ROWS = 8
# The module list showing the objects behind a KPI, filtered by agency (``?unit=<id>``). The registry's
# KPI has no such field yet; a module that is not installed simply has no link (NoReverseMatch).
OBJECT_LISTS = {
    "officespace.over_standard_count": "manage:officespace:over_standard",
    "officespace.over_standard_area": "manage:officespace:over_standard",
    "officespace.idle_area": "manage:officespace:idle",
    "officespace.idle_rate": "manage:officespace:idle",
    "officespace.overdue_recoveries": "manage:officespace:recoveries",
}


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _place(request) -> kpis.Place:
    return kpis.place_of(request.user, request.GET.get("region") or None, _int(request.GET.get("unit")))


@require_GET
@manage_view(VIEW)
def home(request):
    place = _place(request)
    cards = _cards(request.user, place)
    return render(request, "monitor/kpis/home.html", {
        "place": place,
        "cards": cards,
        "cards_trends": [card["trend"] for card in cards],
        "events": _events(request.user),
        "alerts": alerts.firing(request.user, ALERT_ROWS),
        "can_manage": has_permission(request.user, MANAGE),
        "chain": _chain(place),
    })


def _cards(user, place: kpis.Place) -> list[dict]:
    """Each KPI's newest value, its change against a week ago and its trend."""
    known = kpis.all_kpis()
    week_ago = timezone.now() - timedelta(days=7)
    cards = []
    for row in kpis.latest(user, place.region.code, place.unit.pk if place.unit else None):
        before = kpis.value_before(user, place, row.kpi, week_ago)
        trend = kpis.series(user, row.kpi, place, TREND_DAYS)
        cards.append({
            "snapshot": row, "kpi": known[row.kpi],
            "change": None if before is None or row.value is None else row.value - before,
            "trend": [[taken_at.isoformat(), float(value or 0)] for taken_at, value in trend],
            "objects": None if place.unit is None else _objects_url(row.kpi, place.unit.pk),
        })
    return cards


def _objects_url(kpi: str, unit_id: int) -> str | None:
    try:
        return f"{reverse(OBJECT_LISTS[kpi])}?unit={unit_id}" if kpi in OBJECT_LISTS else None
    except NoReverseMatch:
        return None


def _events(user) -> dict | None:
    """Events in the user's scope by state, and those past their SLA deadline still open."""
    if not has_permission(user, VIEW_EVENTS):
        return None
    events = scoped(Event.objects.all(), user, VIEW_EVENTS)
    counts = dict(events.order_by().values_list("status").annotate(n=Count("pk")))
    overdue = events.filter(status__in=OPEN_STATES, due_at__lt=timezone.now()).count()
    base = reverse("manage:events")
    return {
        "states": [{"code": code, "label": label, "count": counts.get(code, 0), "url": f"{base}?status={code}"}
                   for code, label in EventStatus.choices],
        "overdue": overdue, "overdue_url": f"{base}?open=1&overdue=1", "url": base,
    }


def _chain(place: kpis.Place) -> list[dict]:
    """The breadcrumb: the regions above the place (below the national level), widest first."""
    regions = [r for r in reversed(place.region.ancestors()) if r.parent_id]
    return [{"name": r.name, "url": f"{reverse('manage:monitor:home')}?region={r.code}"} for r in regions]


@require_GET
@manage_view(VIEW)
def drill(request, kpi: str):
    """One KPI across the places one level below a region: child regions, then its agencies."""
    place = _place(request)
    if place.unit is not None:
        return redirect(f"{reverse('manage:monitor:home')}?unit={place.unit.pk}")
    rows = kpis.children(request.user, kpi, place.region)
    for row in rows:
        row.objects = _objects_url(kpi, row.unit_id) if row.unit_id else None
    return render(request, "monitor/kpis/drill.html", {
        "place": place, "kpi": kpis.all_kpis()[kpi], "rows": rows, "chain": _chain(place),
    })


@require_POST
@manage_view(MANAGE)
def recompute(request):
    kpis.recompute(request.user)
    messages.success(request, _("The KPIs are being recomputed; the figures refresh when the worker is done."))
    return redirect("manage:monitor:home")


manage_urlpatterns = [
    path("", home, name="home"),
    path("kpis/<str:kpi>/", drill, name="kpi_drill"),
    path("recompute/", recompute, name="kpi_recompute"),
]
