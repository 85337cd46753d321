"""The monitoring home, the drill-down and the recompute button; the KPI API against its OpenAPI contract."""

import pytest
from django.urls import reverse

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.officespace.tests.ledger import build_ledger
from jiguan.monitor.models import KpiSnapshot
from jiguan.monitor.services import kpis

pytestmark = pytest.mark.django_db
M = "/monitor/kpis"


@pytest.fixture
def w():
    world = build_ledger()
    kpis.compute_all()
    return world


def test_home_renders_cards_for_the_users_scope(client, w):
    client.force_login(w.nc_admin)
    page = client.get(reverse("manage:monitor:home"))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("data-kpi=") == len(kpis.all_kpis()) and "南昌市" in body
    assert 'data-testid="firing-alerts"' in body
    assert client.get(reverse("manage:monitor:home"), {"region": "360400"}).status_code == 404


def test_unit_admin_sees_its_unit_with_links_to_the_records(client, w):
    client.force_login(w.fin_admin)
    body = client.get(reverse("manage:monitor:home")).content.decode()
    assert f"/manage/officespace/over-standard/?unit={w.finance.pk}" in body
    assert "kpi_recompute" not in body and "recompute" not in body


def test_drill_down_page_and_denials(client, w):
    client.force_login(w.nc_admin)
    url = reverse("manage:monitor:kpi_drill", args=["officespace.over_standard_count"])
    page = client.get(url, {"region": "360100"})
    assert page.status_code == 200 and "南昌市财政局" in page.content.decode()
    assert client.get(reverse("manage:monitor:kpi_drill", args=["nope"]), {"region": "360100"}).status_code == 404
    client.force_login(w.staff)
    assert client.get(reverse("manage:monitor:home")).status_code == 403


def test_recompute_button(client, w):
    client.force_login(w.fin_admin)
    assert client.post(reverse("manage:monitor:kpi_recompute")).status_code == 403
    client.force_login(w.nc_admin)
    before = KpiSnapshot.objects.count()
    response = client.post(reverse("manage:monitor:kpi_recompute"))
    assert response.status_code == 302 and KpiSnapshot.objects.count() == 2 * before


def test_api_contract(api, w):  # noqa: F811
    admin, unit = api.token(w.nc_admin), api.token(w.fin_admin)
    latest = api.get(f"{M}/latest", token=admin).json()
    assert {row["region"] for row in latest} == {"360100"} and latest[0]["unit"] is None
    series = api.get(f"{M}/series", params={"kpi": "officespace.idle_area", "unit": w.finance.pk}, token=admin)
    assert len(series.json()["points"]) == 1
    children = api.get(f"{M}/children", params={"kpi": "officespace.idle_area"}, token=admin).json()
    assert {row["unit_name"] for row in children} == {"南昌市财政局", "南昌市机关事务管理局"}
    assert api.get(f"{M}/latest", params={"region": "360400"}, token=admin).status_code == 404
    assert api.get(f"{M}/latest", params={"region": "360100"}, token=unit).status_code == 404
    assert api.post(f"{M}/recompute", token=unit).status_code == 403
    assert api.post(f"{M}/recompute", token=admin).json() == {"job": "monitor.kpis"}


def test_home_lists_a_firing_alert_by_its_title_and_link(client, w):
    from django.utils import timezone

    from jiguan.monitor.models import Alert
    from jiguan.monitor.services import alerts

    from .alerts_world import snap, threshold_rule

    threshold_rule(pending_minutes=0)
    snap(w.finance, 14.5, timezone.now())
    alerts.evaluate_all()
    alert = Alert.objects.get(state="firing")
    client.force_login(w.nc_admin)
    body = client.get(reverse("manage:monitor:home")).content.decode()
    assert f'href="/manage/monitor/alerts/{alert.pk}/"' in body and "闲置率过高" in body
    assert "{'title'" not in body


def test_cards_show_the_change_against_a_week_ago_and_say_when_there_is_none(client, w):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    latest = KpiSnapshot.objects.filter(taken_at=KpiSnapshot.objects.latest("taken_at").taken_at)
    week_ago = timezone.now() - timedelta(days=7)
    KpiSnapshot.objects.bulk_create([
        KpiSnapshot(kpi=s.kpi, region=s.region, unit=s.unit, org_path=s.org_path, taken_at=week_ago,
                    value=s.value - (Decimal("1234.5") if s.kpi == "officespace.area_by_category" else 0), parts=s.parts)
        for s in latest])
    client.force_login(w.nc_admin)
    body = client.get(reverse("manage:monitor:home")).content.decode()
    grown = body[body.index('data-kpi="officespace.area_by_category"'):]
    assert "+1,234.5" in grown[:grown.index("monitor-sparkline")]
    idle = body[body.index('data-kpi="officespace.idle_area"'):]
    assert "持平" in idle[:idle.index("monitor-sparkline")]
