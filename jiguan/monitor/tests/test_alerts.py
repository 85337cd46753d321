"""Alerts carried to their resolution: each rule kind fires and resolves through pending and keep-firing
periods (explicit ``now``), one alert per fingerprint, silences, routing to an event and its settling,
scope and validation of the editing services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Event, Notification, Person
from jiguan.core.models.events import EventStatus
from jiguan.core.registry import ModuleSpec, Rule, registry
from jiguan.core.services.common import permission_holders
from jiguan.core.services.events import HANDLE_EVENTS, open_event
from jiguan.core.statemachine import timeline
from jiguan.core.testing import run_at_once
from jiguan.monitor.models import Alert, AlertRoute, AlertRule, Silence
from jiguan.monitor.services import alerts as services

from .alerts_world import FLAG, KPI, T0, TEST_SPEC, build_world, flag, minutes, snap, threshold_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def test_module():
    registry.register(TEST_SPEC)
    yield TEST_SPEC
    registry.unregister(TEST_SPEC.code)


def tomorrow():
    return timezone.now() + timedelta(days=1)


def only_alert() -> Alert:
    (alert,) = Alert.objects.all()
    return alert


def actions(obj) -> list[str]:
    return [entry.action for entry in timeline(obj)]


# --- threshold: pending, firing, keep-firing, resolved, the event -----------------------------------------


def test_threshold_goes_through_pending_firing_and_resolves_with_its_event(w):
    threshold_rule(pending_minutes=10, keep_firing_minutes=30)
    snap(w.finance, 14.5, T0)
    assert services.evaluate_all(T0)["detect"] == 1
    alert = only_alert()
    assert alert.state == "pending" and alert.value == Decimal("14.5") and alert.event is None
    assert "14.5" in alert.explanation and "10" in alert.explanation
    services.evaluate_all(T0 + minutes(5))
    assert only_alert().state == "pending"

    counts = services.evaluate_all(T0 + minutes(10))
    assert counts["fire"] == 1 and counts["events_opened"] == 1
    alert = only_alert()
    assert alert.state == "firing" and alert.fired_at == T0 + minutes(10)
    event = alert.event
    assert event.type == "monitor.alert" and event.status == EventStatus.DISPATCHED
    assert event.assignee_unit == w.finance and event.subject == alert and event.priority == "high"

    snap(w.finance, 6, T0 + minutes(20))
    services.evaluate_all(T0 + minutes(20))  # cleared, but kept firing for 30 minutes
    alert = only_alert()
    assert alert.state == "firing" and alert.cleared_at == T0 + minutes(20)
    counts = services.evaluate_all(T0 + minutes(50))
    assert counts["resolve"] == 1 and counts["events_settled"] == 1
    alert = only_alert()
    assert alert.state == "resolved" and alert.resolved_at == T0 + minutes(50)
    event.refresh_from_db()
    assert event.status == EventStatus.RESOLVED
    settle = [e for e in timeline(event) if e.action == "settle"]
    assert len(settle) == 1 and "2026-03-02 09:20" in settle[0].comment
    assert actions(alert) == ["detect", "fire", "resolve"]


def test_a_condition_gone_before_the_pending_period_clears_without_an_event(w):
    threshold_rule(pending_minutes=15)
    snap(w.finance, 12, T0)
    services.evaluate_all(T0)
    snap(w.finance, 8, T0 + minutes(5))
    assert services.evaluate_all(T0 + minutes(5))["clear"] == 1
    assert only_alert().state == "resolved" and not Event.objects.exists()


def test_recovery_within_keep_firing_keeps_the_alert_and_its_one_event(w):
    threshold_rule(keep_firing_minutes=30)
    snap(w.finance, 12, T0)
    services.evaluate_all(T0)
    snap(w.finance, 8, T0 + minutes(5))
    services.evaluate_all(T0 + minutes(5))
    snap(w.finance, 13, T0 + minutes(10))
    services.evaluate_all(T0 + minutes(10))
    alert = only_alert()
    assert alert.state == "firing" and alert.cleared_at is None and alert.value == 13
    assert Event.objects.count() == 1


def test_one_alert_per_fingerprint_and_a_recurrence_goes_back_to_pending(w):
    threshold_rule()
    snap(w.finance, 12, T0)
    snap(w.dh_unit, 11, T0)
    for n in range(3):
        services.evaluate_all(T0 + minutes(n))
    assert Alert.objects.count() == 2 and Event.objects.count() == 2
    snap(w.finance, 5, T0 + minutes(10))
    services.evaluate_all(T0 + minutes(10))
    snap(w.finance, 20, T0 + minutes(20))
    services.evaluate_all(T0 + minutes(20))
    alert = Alert.objects.get(unit=w.finance)
    assert alert.state == "firing" and Alert.objects.count() == 2
    assert actions(alert) == ["detect", "fire", "resolve", "detect", "fire"]
    assert Event.objects.filter(subject_id=str(alert.pk)).count() == 2  # one per firing episode


def test_a_rule_applies_to_the_places_inside_its_region_only(w):
    threshold_rule(region="360102")
    snap(w.finance, 30, T0)  # 南昌 city, outside 东湖区
    snap(w.dh_unit, 30, T0)
    services.evaluate_all(T0)
    assert only_alert().unit == w.dh_unit


def test_disabling_a_rule_resolves_its_alerts(w):
    rule = threshold_rule()
    snap(w.finance, 30, T0)
    services.evaluate_all(T0)
    AlertRule.objects.filter(pk=rule.pk).update(enabled=False)
    assert services.evaluate_all(T0 + minutes(1))["resolve"] == 1


# --- anomalies ---------------------------------------------------------------------------------------------


def test_robust_z_anomaly_fires_with_its_explanation(w):
    AlertRule.objects.create(region_id="360100", code="a", name="闲置率异常", kind="anomaly", kpi=KPI,
                             method="robust_z", window=10, z_limit=Decimal("3.5"), category="officespace")
    history = [8, 8.2, 7.9, 8.1, 8.3, 7.8, 8, 8.4, 7.7, 8.1, 8.2, 8]  # more than the window: only 10 count
    for n, value in enumerate(history):
        snap(w.finance, value, T0 + minutes(n))
    snap(w.finance, 12.3, T0 + minutes(20))
    services.evaluate_all(T0 + minutes(20))
    alert = only_alert()
    assert alert.state == "firing" and alert.value == Decimal("12.3")
    assert "12.3" in alert.explanation and "10" in alert.explanation and "8.05" in alert.explanation
    z, centre = services.robust_z(Decimal("12.3"), [Decimal(str(v)) for v in history[-10:]])
    assert f"{z:.1f}" in alert.explanation and "3.5" in alert.explanation
    snap(w.finance, 8.1, T0 + minutes(30))
    assert services.evaluate_all(T0 + minutes(30))["resolve"] == 1


def test_a_flat_history_or_too_little_history_raises_nothing(w):
    AlertRule.objects.create(region_id="360100", code="a", name="异常", kind="anomaly", kpi=KPI, method="robust_z",
                             category="officespace")
    for n in range(4):
        snap(w.finance, 8, T0 + minutes(n))
    snap(w.finance, 50, T0 + minutes(10))
    services.evaluate_all(T0 + minutes(10))
    assert not Alert.objects.exists()  # four past values are too few
    assert services.robust_z(Decimal(9), [Decimal(8)] * 10) is None


def test_seasonal_anomaly_compares_the_same_hour_of_the_same_weekday(w):
    AlertRule.objects.create(region_id="360100", code="s", name="周期异常", kind="anomaly", kpi=KPI,
                             method="seasonal", direction="up", window=6, category="officespace")
    for week in range(1, 7):  # Mondays 9:00 are quiet; other hours busy
        snap(w.finance, 10 + week % 3 * 0.5, T0 - minutes(week * 7 * 24 * 60))
        snap(w.finance, 40, T0 - minutes(week * 7 * 24 * 60 - 60))
    snap(w.finance, 40, T0)  # busy for the other hours, unusual for Monday 9:00
    services.evaluate_all(T0)
    alert = only_alert()
    assert alert.state == "firing" and "09:00" in alert.explanation and "6" in alert.explanation


# --- business rules ----------------------------------------------------------------------------------------


def test_business_rule_raises_one_alert_per_object_and_resolves_when_fixed(w, test_module):
    AlertRule.objects.create(region_id="360000", code="b", name="人员被标记", kind="business",
                             business_rule="alerttest.flagged_people", category="alerttest")
    first, second = flag(w.finance), flag(w.jiujiang)
    services.evaluate_all(T0)
    alerts = {a.subject_id: a for a in Alert.objects.all()}
    assert set(alerts) == {str(first.pk), str(second.pk)} and all(a.state == "firing" for a in alerts.values())
    assert alerts[str(first.pk)].unit == w.finance and str(first) in alerts[str(first.pk)].title
    assert Event.objects.get(subject_id=str(alerts[str(first.pk)].pk)).assignee_unit == w.finance
    first.name = "已整改"
    first.save()
    services.evaluate_all(T0 + minutes(1))
    assert Alert.objects.get(subject_id=str(first.pk)).state == "resolved"
    assert Alert.objects.get(subject_id=str(second.pk)).state == "firing"


def test_the_handlers_hear_once_per_rule_of_the_events_it_opened_for_their_unit(w, test_module):
    AlertRule.objects.create(region_id="360000", code="b", name="人员被标记", kind="business",
                             business_rule="alerttest.flagged_people", category="alerttest")
    for _n in range(3):
        flag(w.finance)
    flag(w.jiujiang)
    assert services.evaluate_all(T0)["events_opened"] == 4
    notices = Notification.objects.filter(category="event")
    finance_handlers = {a.pk for a in permission_holders(w.finance.org_path, HANDLE_EVENTS, nearest=True)}
    assert finance_handlers
    batch = notices.filter(recipient_id__in=finance_handlers)
    assert batch.count() == len(finance_handlers)  # one each, not three
    titles = Event.objects.filter(assignee_unit=w.finance).values_list("title", flat=True)
    assert all(title in batch[0].body for title in titles) and len(titles) == 3
    assert "人员被标记" in batch[0].title and "3" in batch[0].title
    single = notices.exclude(recipient_id__in=finance_handlers).get()  # 九江: one event, told as usual
    assert Event.objects.get(assignee_unit=w.jiujiang).title in single.title
    services.evaluate_all(T0 + minutes(1))  # still firing: nobody is told again
    assert notices.count() == len(finance_handlers) + 1


@pytest.fixture
def module_with_work_items():
    spec = ModuleSpec(code="alertwork", name="自派事件的模块", rules=(
        Rule("alertwork.flagged", "被标记的人员", lambda: Person.objects.filter(name__startswith=FLAG),
             work_items=("core.general",)),
    ))
    registry.register(spec)
    yield spec
    registry.unregister(spec.code)


def test_an_alert_joins_the_event_its_module_opened_rather_than_opening_another(w, module_with_work_items):
    AlertRule.objects.create(region_id="360000", code="own", name="人员被标记", kind="business",
                             business_rule="alertwork.flagged", category="alertwork")
    handled, waiting = flag(w.finance), flag(w.jiujiang)
    own = open_event(type="core.general", title="模块自己的事件", unit=w.finance, subject=handled,
                     assignee_unit=w.finance)
    assert services.evaluate_all(T0)["events_opened"] == 0 and Event.objects.count() == 1
    alerts = {a.subject_id: a for a in Alert.objects.all()}
    assert alerts[str(handled.pk)].event == own and alerts[str(waiting.pk)].event is None
    assert list(services.events_of(alerts[str(handled.pk)])) == [own]  # shown on the alert's page
    later = open_event(type="core.general", title="模块稍后派发的事件", unit=w.jiujiang, subject=waiting,
                       assignee_unit=w.jiujiang)  # the module's job comes after the alert
    services.evaluate_all(T0 + minutes(1))
    assert Alert.objects.get(subject_id=str(waiting.pk)).event == later and Event.objects.count() == 2
    handled.name = "已整改"
    handled.save()
    services.evaluate_all(T0 + minutes(2))
    assert Alert.objects.get(subject_id=str(handled.pk)).state == "resolved"
    assert Event.objects.get(pk=own.pk).status == EventStatus.DISPATCHED  # the module settles its own event


def test_default_rules_are_seeded_once_from_the_registry(w, test_module):
    created = services.seed_default_rules()
    assert created >= 3 and services.seed_default_rules() == 0
    codes = set(AlertRule.objects.values_list("code", flat=True))
    assert {"default.alerttest.flagged_people", "default.officespace.room_over_standard",
            "default.officespace.idle_rate.gt"} <= codes


# --- silences ----------------------------------------------------------------------------------------------


def test_a_silenced_alert_changes_state_but_opens_no_event_until_the_silence_ends(w):
    rule = threshold_rule()
    silence = services.create_silence(w.nc_admin, region_code="360100", unit_id=w.finance.pk, rule_id=rule.pk,
                                      reason="正在整改", ends_at=tomorrow())
    Silence.objects.filter(pk=silence.pk).update(starts_at=T0 - minutes(60), ends_at=T0 + minutes(30))
    snap(w.finance, 20, T0)
    services.evaluate_all(T0)
    alert = only_alert()
    assert alert.state == "firing" and alert.silence_id == silence.pk and not Event.objects.exists()
    counts = services.evaluate_all(T0 + minutes(30))  # the silence expired by itself
    alert = only_alert()
    assert counts["events_opened"] == 1 and alert.silence is None and alert.event is not None


def test_expiring_a_silence_by_hand(w):
    silence = services.create_silence(w.nc_admin, region_code="360100", category="officespace", reason="节假日",
                                      ends_at=tomorrow().strftime("%Y-%m-%d %H:%M"))
    services.expire_silence(w.nc_admin, silence.pk)
    with pytest.raises(StateError):
        services.expire_silence(w.nc_admin, silence.pk)
    with pytest.raises(Http404):
        services.expire_silence(w.dh_admin, silence.pk)


def test_silence_refusals_name_the_field(w):
    with pytest.raises(ValidationFailed) as caught:
        services.create_silence(w.nc_admin, region_code="360400", reason="", ends_at="2020-01-01 00:00")
    assert set(caught.value.errors) == {"region_code", "reason", "ends_at"}
    with pytest.raises(NotAllowed):
        services.create_silence(w.fin_admin, region_code="360100", reason="原因", ends_at="2099-01-01 00:00")
    assert not Silence.objects.exists()


# --- routing -----------------------------------------------------------------------------------------------


def test_routes_send_the_event_to_the_most_specific_organisation(w):
    threshold_rule()
    services.save_route(w.nc_admin, region_code="360100", assignee_id=w.nc_bureau.pk)
    services.save_route(w.nc_admin, region_code="360100", unit_id=w.finance.pk, category="officespace",
                        assignee_id=w.dh_bureau.pk)
    snap(w.finance, 20, T0)
    services.evaluate_all(T0)
    assert only_alert().event.assignee_unit == w.dh_bureau


def test_a_region_figure_goes_to_the_region_bureau_by_default(w):
    threshold_rule()
    from jiguan.monitor.models import KpiSnapshot

    KpiSnapshot.objects.create(kpi=KPI, region_id="360102", org_path="360102", taken_at=T0, value=15)
    services.evaluate_all(T0)
    alert = only_alert()
    assert alert.unit is None and alert.event.assignee_unit == w.dh_bureau and alert.event.unit == w.dh_bureau


def test_an_event_closed_by_people_leaves_the_alert_firing(w):
    threshold_rule()
    snap(w.finance, 20, T0)
    services.evaluate_all(T0)
    Event.objects.update(status=EventStatus.CLOSED)
    services.evaluate_all(T0 + minutes(5))
    alert = only_alert()
    assert alert.state == "firing" and Event.objects.count() == 1
    assert services.event_closed_while_firing(alert)
    snap(w.finance, 2, T0 + minutes(10))
    services.evaluate_all(T0 + minutes(10))
    assert [e.action for e in timeline(alert.event)][-1] == "alert_resolved"


def test_route_refusals(w):
    with pytest.raises(ValidationFailed) as caught:
        services.save_route(w.nc_admin, region_code="360400", assignee_id=w.jiujiang.pk)
    assert set(caught.value.errors) == {"region_code", "assignee_id"}
    services.save_route(w.nc_admin, region_code="360100", assignee_id=w.nc_bureau.pk)
    with pytest.raises(ValidationFailed) as caught:
        services.save_route(w.nc_admin, region_code="360100", assignee_id=w.finance.pk)
    assert "category" in caught.value.errors
    route = AlertRoute.objects.get()
    with pytest.raises(Http404):
        services.save_route(w.dh_admin, route.pk, region_code="360102", assignee_id=w.dh_bureau.pk)
    with pytest.raises(Http404):
        services.delete_route(w.dh_admin, route.pk)


# --- rules: scope and validation ----------------------------------------------------------------------------


def test_bureau_creates_and_edits_rules_in_its_scope_only(w):
    rule = services.create_rule(w.nc_admin, name="东湖闲置率", kind="threshold", region_code="360102", kpi=KPI,
                                operator="gte", threshold="12.5", severity="critical", category="officespace")
    assert rule.org_path == "360102" and rule.threshold == Decimal("12.5")
    services.update_rule(w.dh_admin, rule.pk, threshold=15, enabled=False)
    rule.refresh_from_db()
    assert rule.threshold == 15 and not rule.enabled and rule.kind == "threshold"
    city_rule = threshold_rule()
    with pytest.raises(Http404):
        services.update_rule(w.dh_admin, city_rule.pk, threshold=1)
    with pytest.raises(NotAllowed):
        services.create_rule(w.fin_admin, name="x", kind="business")


def test_rule_validation_names_each_field_and_changes_nothing(w):
    with pytest.raises(ValidationFailed) as caught:
        services.create_rule(w.nc_admin, name="", kind="threshold", region_code="360400", kpi="nope",
                             operator="~", threshold="abc", severity="huge", category="", pending_minutes=-1)
    assert set(caught.value.errors) == {"name", "region_code", "kpi", "operator", "threshold", "severity",
                                        "category", "pending_minutes"}
    with pytest.raises(ValidationFailed) as caught:
        services.create_rule(w.nc_admin, name="异常", kind="anomaly", region_code="360100", kpi=KPI,
                             method="robust_z", window=2, z_limit=0, category="officespace", severity="minor")
    assert set(caught.value.errors) == {"window", "z_limit"}
    with pytest.raises(ValidationFailed):
        services.update_rule(w.nc_admin, threshold_rule().pk, secret=1)
    assert AlertRule.objects.count() == 1


# --- scope of reading ----------------------------------------------------------------------------------------


def test_each_bureau_sees_the_alerts_of_its_region_and_a_unit_its_own(w):
    threshold_rule(region="360000")
    for unit in (w.finance, w.dh_unit, w.jiujiang):
        snap(unit, 20, T0)
    services.evaluate_all(T0)

    def units(user):
        return {a.unit.name for a in services.visible_alerts(user)}

    assert units(w.jx_admin) == {"南昌市财政局", "东湖区财政局", "九江市财政局"}
    assert units(w.nc_admin) == {"南昌市财政局", "东湖区财政局"}
    assert units(w.dh_admin) == {"东湖区财政局"}
    assert units(w.fin_admin) == {"南昌市财政局"}
    assert units(w.staff) == set()
    firing = services.firing(w.dh_admin)
    assert [(f["place"], f["severity"]) for f in firing] == [("东湖区财政局", "major")]
    assert firing[0]["link"].startswith("/manage/monitor/alerts/") and firing[0]["since"] == T0
    with pytest.raises(Http404):
        services.get_alert(w.dh_admin, Alert.objects.get(unit=w.jiujiang).pk)


def test_firing_alerts_come_most_severe_first_and_follow_a_change_of_severity(w):
    major = threshold_rule(code="t.major")
    critical = threshold_rule(code="t.critical", severity="critical", threshold=Decimal(15))
    snap(w.finance, 20, T0)
    snap(w.dh_unit, 12, T0)  # above the major rule's threshold only
    services.evaluate_all(T0)

    def ranked():
        return [(f["place"], f["severity"]) for f in services.firing(w.nc_admin)]

    assert ranked() == [("南昌市财政局", "critical"), ("东湖区财政局", "major"), ("南昌市财政局", "major")]
    services.update_rule(w.nc_admin, critical.pk, severity="info")
    assert set(Alert.objects.filter(rule=critical).values_list("severity_rank", flat=True)) == {4}
    assert ranked() == [("东湖区财政局", "major"), ("南昌市财政局", "major"), ("南昌市财政局", "info")]
    assert set(Alert.objects.filter(rule=major).values_list("severity_rank", flat=True)) == {2}


@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_raise_one_alert_and_one_event():
    w = build_world()
    threshold_rule()
    snap(w.finance, 20, T0)
    results = run_at_once(lambda: services.evaluate_all(T0), lambda: services.evaluate_all(T0))
    assert not any(isinstance(r, Exception) for r in results), results
    assert Alert.objects.count() == 1 and Event.objects.count() == 1
