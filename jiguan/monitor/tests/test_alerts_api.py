"""The alerts API: every response checked against the OpenAPI document, the rule/silence/route writes
through the services, scope (404 outside it, 403 without the permission) and the error shape."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.testing import make_unit
from jiguan.monitor.models import Alert, AlertRule
from jiguan.monitor.services import alerts as services

from .alerts_world import KPI, T0, build_world, minutes, snap, threshold_rule

pytestmark = pytest.mark.django_db
A = "/monitor/alerts"


@pytest.fixture
def w(db):
    world = build_world()
    world.rule = threshold_rule(region="360000")
    for unit in (world.finance, world.dh_unit, world.jiujiang):
        snap(unit, 20, T0)
    services.evaluate_all(T0)
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("jx_admin", "nc_admin", "dh_admin", "fin_admin", "staff")}


def test_alerts_are_listed_in_scope_with_detail_and_firing(api, tokens, w):  # noqa: F811
    listed = api.get(A, token=tokens["nc_admin"]).json()
    assert {a["unit"]["name"] for a in listed["items"]} == {"南昌市财政局", "东湖区财政局"} and listed["total"] == 2
    county = api.get(f"{A}?region=360102&state=firing&sort=-fired", token=tokens["nc_admin"]).json()
    assert [a["unit"]["name"] for a in county["items"]] == ["东湖区财政局"]
    alert = Alert.objects.get(unit=w.dh_unit)
    detail = api.get(f"{A}/{alert.pk}", token=tokens["dh_admin"]).json()
    assert detail["state"]["code"] == "firing" and detail["event"]["assignee_unit"]["id"] == w.dh_unit.pk
    assert [t["action"] for t in detail["timeline"]] == ["detect", "fire"] and len(detail["events"]) == 1
    assert api.get(f"{A}/{Alert.objects.get(unit=w.jiujiang).pk}", token=tokens["dh_admin"]).status_code == 404
    firing = api.get(f"{A}/firing?limit=5", token=tokens["fin_admin"]).json()
    assert [f["place"] for f in firing] == ["南昌市财政局"]
    assert api.get(A, token=tokens["staff"]).status_code == 403


def test_rules_are_created_patched_and_scoped(api, tokens, w):  # noqa: F811
    rules = api.get(f"{A}/rules", token=tokens["nc_admin"]).json()["items"]
    assert [(r["id"], r["editable"]) for r in rules] == [(w.rule.pk, False)]  # the province's, read-only
    assert api.patch(f"{A}/rules/{w.rule.pk}", {"threshold": 5}, token=tokens["nc_admin"]).status_code == 404
    body = {"name": "东湖闲置率", "kind": "threshold", "region_code": "360102", "kpi": KPI, "operator": "gt",
            "threshold": 15, "category": "officespace", "severity": "critical", "pending_minutes": 30}
    created = api.post(f"{A}/rules", body, token=tokens["nc_admin"])
    assert created.status_code == 201 and created.json()["editable"] and created.json()["threshold"] == 15
    rule_id = created.json()["id"]
    patched = api.patch(f"{A}/rules/{rule_id}", {"threshold": 18.5, "enabled": False}, token=tokens["dh_admin"])
    assert patched.json()["threshold"] == 18.5 and not patched.json()["enabled"]
    bad = api.post(f"{A}/rules", {**body, "region_code": "360400", "kpi": "nope"}, token=tokens["nc_admin"])
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"region_code", "kpi"}
    assert api.post(f"{A}/rules", body, token=tokens["fin_admin"]).status_code == 403
    assert AlertRule.objects.count() == 2


def test_silences_and_routes_through_the_api(api, tokens, w):  # noqa: F811
    ends = (timezone.now() + timedelta(days=2)).isoformat()
    silence = api.post(f"{A}/silences", {"region_code": "360100", "unit_id": w.finance.pk, "rule_id": w.rule.pk,
                                         "reason": "正在整改", "ends_at": ends}, token=tokens["nc_admin"])
    assert silence.status_code == 201 and silence.json()["rule"]["id"] == w.rule.pk
    silence_id = silence.json()["id"]
    assert api.get(f"{A}/silences", token=tokens["fin_admin"]).json()["items"][0]["id"] == silence_id
    assert api.post(f"{A}/silences/{silence_id}/expire", token=tokens["dh_admin"]).status_code == 404
    assert api.post(f"{A}/silences/{silence_id}/expire", token=tokens["nc_admin"]).status_code == 200
    assert api.post(f"{A}/silences/{silence_id}/expire", token=tokens["nc_admin"]).status_code == 409

    route = api.post(f"{A}/routes", {"region_code": "360100", "category": "officespace",
                                     "assignee_id": w.nc_bureau.pk}, token=tokens["nc_admin"])
    assert route.status_code == 201 and route.json()["assignee"]["id"] == w.nc_bureau.pk
    route_id = route.json()["id"]
    moved = api.call("put", f"{A}/routes/{route_id}", {"region_code": "360100", "assignee_id": w.finance.pk},
                     token=tokens["nc_admin"])
    assert moved.status_code == 200 and moved.json()["category"] == ""
    duplicate = api.post(f"{A}/routes", {"region_code": "360100", "assignee_id": w.nc_bureau.pk},
                         token=tokens["nc_admin"])
    assert duplicate.status_code == 400 and duplicate.json()["field"] == "category"
    assert api.delete(f"{A}/routes/{route_id}", token=tokens["dh_admin"]).status_code == 404
    assert api.delete(f"{A}/routes/{route_id}", token=tokens["nc_admin"]).status_code == 204
    assert api.get(f"{A}/routes", token=tokens["nc_admin"]).json()["items"] == []


def test_a_resolved_alert_shows_its_settled_event(api, tokens, w):  # noqa: F811
    snap(w.finance, 1, T0 + minutes(5))
    services.evaluate_all(T0 + minutes(5))
    alert = Alert.objects.get(unit=w.finance)
    detail = api.get(f"{A}/{alert.pk}", token=tokens["fin_admin"]).json()
    assert detail["state"]["code"] == "resolved" and detail["event"]["status"]["code"] == "resolved"


def test_the_alert_list_costs_the_same_queries_for_more_alerts(api, tokens, w):  # noqa: F811
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(A, token=tokens["jx_admin"]).status_code == 200
        return len(captured)

    queries()  # warm: the first call also loads the token and grants
    before = queries()
    for n in range(3):
        snap(make_unit("360100", f"南昌市第{n}局"), 30, T0 + minutes(1))
    services.evaluate_all(T0 + minutes(1))
    queries()  # new units refresh the cached grants
    assert Alert.objects.count() == 6 and queries() == before
