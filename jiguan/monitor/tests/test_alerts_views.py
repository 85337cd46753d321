"""The alert pages: lists in scope with export, the alert page with its history and event, denials for
staff and for editing outside the scope, and form posts creating a rule, a silence and a route."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from jiguan.monitor.models import Alert, AlertRoute, AlertRule, Silence
from jiguan.monitor.services import alerts as services

from .alerts_world import KPI, T0, build_world, snap, threshold_rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    world = build_world()
    world.rule = threshold_rule(region="360100")
    snap(world.finance, 20, T0)
    snap(world.dh_unit, 20, T0)
    services.evaluate_all(T0)
    return world


@pytest.fixture
def as_user(client, w):
    def sign_in(name):
        client.force_login(getattr(w, name))
        return client
    return sign_in


def test_alert_list_is_scoped_and_exports(as_user, w):
    page = as_user("dh_admin").get(reverse("manage:monitor:alerts"))
    html = page.content.decode()
    assert page.status_code == 200 and "东湖区财政局" in html and "南昌市财政局" not in html
    filtered = as_user("nc_admin").get(reverse("manage:monitor:alerts"), {"state": "firing", "severity": "major",
                                                                           "sort": "-fired_at"})
    assert filtered.status_code == 200 and "南昌市财政局" in filtered.content.decode()
    export = as_user("nc_admin").get(reverse("manage:monitor:alerts"), {"export": "xlsx"})
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]


def test_alert_page_shows_explanation_history_and_event(as_user, w):
    alert = Alert.objects.get(unit=w.finance)
    page = as_user("fin_admin").get(reverse("manage:monitor:alert", args=[alert.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and escape(alert.explanation) in html and alert.event.title in html
    assert 'data-testid="timeline"' in html
    other = Alert.objects.get(unit=w.dh_unit)
    assert as_user("fin_admin").get(reverse("manage:monitor:alert", args=[other.pk])).status_code == 404


def test_staff_are_denied_and_unit_admins_cannot_manage(as_user, w):
    for name in ("alerts", "alert_rules", "silences", "alert_routes"):
        assert as_user("staff").get(reverse(f"manage:monitor:{name}")).status_code == 403
    assert as_user("fin_admin").get(reverse("manage:monitor:alert_rules")).status_code == 200
    assert as_user("fin_admin").get(reverse("manage:monitor:alert_rule_create")).status_code == 403
    assert as_user("dh_admin").get(reverse("manage:monitor:alert_rule_edit", args=[w.rule.pk])).status_code == 404


def test_rule_form_creates_and_edits_within_scope(as_user, w):
    url = reverse("manage:monitor:alert_rule_create")
    assert as_user("nc_admin").get(url).status_code == 200
    posted = as_user("nc_admin").post(url, {"name": "东湖闲置率", "kind": "threshold", "region": "360102",
                                            "severity": "minor", "category": "officespace", "kpi": KPI,
                                            "operator": "gt", "threshold": "12", "direction": "both",
                                            "pending_minutes": 0, "keep_firing_minutes": 0, "enabled": "on"})
    assert posted.status_code == 302
    rule = AlertRule.objects.get(name="东湖闲置率")
    edit = reverse("manage:monitor:alert_rule_edit", args=[rule.pk])
    assert as_user("dh_admin").get(edit).status_code == 200
    refused = as_user("nc_admin").post(url, {"name": "", "kind": "threshold", "region": "360400"})
    assert refused.status_code == 200 and AlertRule.objects.count() == 2
    rules = as_user("dh_admin").get(reverse("manage:monitor:alert_rules")).content.decode()
    assert edit in rules and reverse("manage:monitor:alert_rule_edit", args=[w.rule.pk]) not in rules


def test_silence_and_route_forms(as_user, w):
    ends = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client = as_user("nc_admin")
    assert client.get(reverse("manage:monitor:silence_create"), {"rule": w.rule.pk}).status_code == 200
    posted = client.post(reverse("manage:monitor:silence_create"),
                         {"region": "360100", "unit": w.finance.pk, "rule": w.rule.pk, "ends_at": ends,
                          "reason": "整改期间"})
    assert posted.status_code == 302
    silence = Silence.objects.get()
    assert client.post(reverse("manage:monitor:silence_expire", args=[silence.pk])).status_code == 302
    assert "整改期间" in client.get(reverse("manage:monitor:silences")).content.decode()

    posted = client.post(reverse("manage:monitor:alert_route_create"),
                         {"region": "360100", "category": "officespace", "assignee": w.nc_bureau.pk})
    assert posted.status_code == 302
    route = AlertRoute.objects.get()
    assert client.get(reverse("manage:monitor:alert_route_edit", args=[route.pk])).status_code == 200
    assert w.nc_bureau.name in client.get(reverse("manage:monitor:alert_routes")).content.decode()
    assert as_user("dh_admin").post(reverse("manage:monitor:alert_route_delete", args=[route.pk])).status_code == 404
    assert as_user("nc_admin").post(reverse("manage:monitor:alert_route_delete", args=[route.pk])).status_code == 302
    assert not AlertRoute.objects.exists()
