"""The end of a tenancy: each ground for ending it (borne out or refused by the platform's records), the
tenant's notice, the daily job (expiry, overstay at market rent, reminders sent once), the check-out
settlement (refund and shortfall), the permission matrix, bad input changing nothing, the check-out race."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.jobs import run_job
from jiguan.core.models import CostEntry, Event, Notification, TimelineEntry
from jiguan.core.services.inputs import add_months
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, run_at_once
from jiguan.modules.housing import services
from jiguan.modules.housing.models import Charge, Inspection, Lease, Meter
from jiguan.modules.housing.services import billing, endings

from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ITEMS = [{"item": "床", "found": 2, "condition": "good"}, {"item": "空调", "found": 2, "condition": "worn"}]


@pytest.fixture
def w():
    return build_world()


def months_ago(n: int):
    return add_months(TODAY, -n)


def with_water_meter(w, since):
    return services.save_meter(w.nc_admin, w.flat.pk, kind="water", number="SB-101", last_reading="100",
                               read_on=since)


def bill_monthly(lease):
    """Bill the tenancy month by month as the monthly run would have, each bill due 15 days later."""
    day = add_months(lease.started_on.replace(day=1), 1)
    while day <= TODAY:
        billing.bill_through(lease, day)
        day = add_months(day, 1)


def move_out_event(lease):
    return Event.objects.get(type="housing.move_out_due", subject_id=str(lease.pk))


def titles(account):
    return list(Notification.objects.filter(recipient=account).order_by("pk").values_list("title", flat=True))


def latest(account):
    return Notification.objects.filter(recipient=account).latest("pk")


def unchanged(lease):
    lease.refresh_from_db()
    return lease.state == "active" and lease.ended_on is None and not Event.objects.exists()


# --- Ending on each ground ------------------------------------------------------------------------------------


def test_sublet_needs_written_findings_then_opens_the_move_out_period(w):
    lease = live_lease(w, started_on=months_ago(5))
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="sublet", details="转租")
    assert "details" in refusal.value.errors and unchanged(lease)

    endings.end_tenancy(w.nc_admin, lease.pk, reason="sublet", details="现场核查：住房由他人居住，出示转租合同")
    lease.refresh_from_db()
    assert (lease.state, lease.end_reason, lease.ended_on) == ("ending", "sublet", TODAY)
    assert lease.move_out_by == add_months(TODAY, 2)
    event = move_out_event(lease)
    assert (event.status, event.assignee_unit, event.unit) == ("dispatched", w.nc_bureau, w.nc_bureau)
    assert timezone.localtime(event.due_at).date() == lease.move_out_by
    assert [e.action for e in timeline(lease)] == ["end"] and "转租合同" in timeline(lease).get().comment
    assert latest(w.staff).title == "您承租的青山湖周转公寓 1栋 101的租赁已终止"


def test_empty_flat_is_checked_against_the_meter_readings(w):
    lease = live_lease(w, started_on=months_ago(9))
    meter = with_water_meter(w, lease.started_on)
    billing.record_reading(w.nc_admin, meter, reading="160", read_on=months_ago(3), lease=lease)
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="empty", details="连续六个月无人居住")
    message = refusal.value.errors["reason"][0]
    assert "60.00" in message and "m³" in message and unchanged(lease)

    Lease.objects.filter(pk=lease.pk).update(started_on=months_ago(5), checked_in_on=months_ago(5))
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="empty", details="连续六个月无人居住")
    assert str(months_ago(5)) in refusal.value.errors["reason"][0]


def test_empty_flat_with_readings_of_an_empty_flat_ends(w):
    lease = live_lease(w, started_on=months_ago(9))
    meter = with_water_meter(w, lease.started_on)
    billing.record_reading(w.nc_admin, meter, reading="103.5", read_on=months_ago(3), lease=lease)
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="empty")
    assert list(refusal.value.errors) == ["details"]
    endings.end_tenancy(w.nc_admin, lease.pk, reason="empty", details="物业证明：连续七个月无人居住")
    lease.refresh_from_db()
    assert (lease.state, lease.end_reason) == ("ending", "empty")


def test_arrears_need_the_region_s_months_of_rent_owed(w):
    lease = live_lease(w, started_on=add_months(TODAY.replace(day=1), -4))
    bill_monthly(lease)
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="arrears")
    owed = billing.rent_owed_months(lease)
    assert Decimal("2") <= owed < Decimal("6") and f"{owed}" in refusal.value.errors["reason"][0]
    assert unchanged(lease)

    Lease.objects.filter(pk=lease.pk).update(started_on=add_months(TODAY.replace(day=1), -8))
    lease.refresh_from_db()
    bill_monthly(lease)
    assert billing.rent_owed_months(lease) >= 6
    endings.end_tenancy(w.nc_admin, lease.pk, reason="arrears")
    lease.refresh_from_db()
    assert (lease.state, lease.end_reason) == ("ending", "arrears")


def test_not_eligible_needs_the_findings(w):
    lease = live_lease(w, started_on=months_ago(3))
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="not_eligible", details="  ")
    assert "details" in refusal.value.errors and unchanged(lease)
    endings.end_tenancy(w.nc_admin, lease.pk, reason="not_eligible", details="已在本市购房",
                        ended_on=TODAY - timedelta(days=3))
    lease.refresh_from_db()
    assert (lease.ended_on, lease.move_out_by) == (TODAY - timedelta(days=3), add_months(TODAY - timedelta(days=3), 2))


def test_term_ended_only_once_the_term_is_over(w):
    lease = live_lease(w, started_on=months_ago(6))
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, reason="term_ended")
    assert str(lease.ends_on) in refusal.value.errors["reason"][0] and unchanged(lease)

    Lease.objects.filter(pk=lease.pk).update(ends_on=TODAY)
    endings.end_tenancy(w.nc_admin, lease.pk, reason="term_ended")
    lease.refresh_from_db()
    assert (lease.state, lease.ended_on, lease.move_out_by) == ("ending", TODAY, add_months(TODAY, 2))


@pytest.mark.parametrize("values, field", [
    ({"reason": "tenant_request"}, "reason"),
    ({"reason": "bored"}, "reason"),
    ({"reason": "not_eligible", "details": "已购房", "ended_on": "2026-02-30"}, "ended_on"),
    ({"reason": "not_eligible", "details": "已购房", "ended_on": str(TODAY + timedelta(days=1))}, "ended_on"),
    ({"reason": "not_eligible", "details": "已购房", "ended_on": str(months_ago(7))}, "ended_on"),
])
def test_bad_input_changes_nothing(w, values, field):
    lease = live_lease(w, started_on=months_ago(6))
    with pytest.raises(ValidationFailed) as refusal:
        endings.end_tenancy(w.nc_admin, lease.pk, **values)
    assert field in refusal.value.errors and unchanged(lease)


def test_a_tenancy_ends_once(w):
    lease = live_lease(w, started_on=months_ago(3))
    endings.end_tenancy(w.nc_admin, lease.pk, reason="not_eligible", details="已购房")
    with pytest.raises(StateError):
        endings.end_tenancy(w.nc_admin, lease.pk, reason="sublet", details="现场核查发现转租他人居住")
    assert Event.objects.count() == 1


def test_who_may_end_a_tenancy(w):
    lease = live_lease(w, started_on=months_ago(3))
    for account, refusal in ((w.fin_admin, PermissionDenied), (w.staff, PermissionDenied), (w.jj_admin, Http404)):
        with pytest.raises(refusal):
            endings.end_tenancy(account, lease.pk, reason="not_eligible", details="已购房")
    assert unchanged(lease)
    assert endings.allowed_end_actions(lease, w.nc_admin) == {"end"}
    assert endings.allowed_end_actions(lease, w.fin_admin) == set()
    assert endings.allowed_end_actions(lease, w.jj_admin) == set()
    assert endings.allowed_end_actions(lease, w.staff) == {"request_move_out"}
    assert endings.allowed_end_actions(lease, w.staff2) == set()


# --- The tenant's notice --------------------------------------------------------------------------------------


def test_the_tenant_gives_notice(w):
    lease = live_lease(w, started_on=months_ago(3))
    for day in (TODAY + timedelta(days=6), lease.ends_on + timedelta(days=1), "", "明天"):
        with pytest.raises(ValidationFailed) as refusal:
            endings.request_move_out(w.staff, lease.pk, move_out_on=day)
        assert "move_out_on" in refusal.value.errors
    assert unchanged(lease)
    with pytest.raises(Http404):
        endings.request_move_out(w.staff2, lease.pk, move_out_on=TODAY + timedelta(days=10))

    endings.request_move_out(w.staff, lease.pk, move_out_on=TODAY + timedelta(days=7), reason="调回原单位")
    lease.refresh_from_db()
    assert (lease.state, lease.end_reason, lease.ended_on, lease.move_out_by, lease.end_details) == (
        "ending", "tenant_request", TODAY, TODAY + timedelta(days=7), "调回原单位")
    assert any("王科员" in title for title in titles(w.nc_admin))
    assert move_out_event(lease).status == "dispatched"
    assert endings.allowed_end_actions(lease, w.staff) == set()
    assert endings.allowed_end_actions(lease, w.nc_admin) == {"check_out"}


def test_notice_near_the_end_of_the_term_is_refused_with_the_reason(w):
    lease = live_lease(w, started_on=months_ago(3))
    Lease.objects.filter(pk=lease.pk).update(ends_on=TODAY + timedelta(days=5))
    with pytest.raises(ValidationFailed) as refusal:
        endings.request_move_out(w.staff, lease.pk, move_out_on=TODAY + timedelta(days=5))
    assert str(TODAY + timedelta(days=5)) in refusal.value.errors["move_out_on"][0]


# --- The daily job --------------------------------------------------------------------------------------------


def test_the_job_ends_expired_terms_and_charges_overstay_at_market_rent(w):
    lease = live_lease(w, started_on=months_ago(16))  # term over four months ago, move-out period two
    bureau_before, tenant_before = len(titles(w.nc_admin)), len(titles(w.staff))
    run_job("housing.tenancy_deadlines")
    lease.refresh_from_db()
    assert (lease.state, lease.end_reason, lease.ended_on) == ("overstay", "term_ended", lease.ends_on)
    assert lease.move_out_by == add_months(lease.ends_on, 2)
    assert lease.overstay_since == lease.move_out_by + timedelta(days=1)
    assert [e.action for e in timeline(lease)] == ["end", "overstay"]
    assert move_out_event(lease).status == "resolved"
    overstay = Event.objects.get(type="housing.overstay", subject_id=str(lease.pk))
    assert (overstay.status, overstay.priority) == ("dispatched", "high")
    charges = Charge.objects.filter(lease=lease, kind="overstay").order_by("period_start")
    assert charges[0].period_start == lease.overstay_since
    assert any(charge.amount == Decimal("2397.50") for charge in charges)  # a whole month at market rent
    assert not Charge.objects.filter(lease=lease, kind="rent", period_end__gt=lease.move_out_by).exists()
    assert len(titles(w.staff)) == tenant_before + 2 and len(titles(w.nc_admin)) == bureau_before + 2

    run_job("housing.tenancy_deadlines")  # nothing more to do
    assert Event.objects.count() == 2 and len(titles(w.staff)) == tenant_before + 2
    assert timeline(lease).count() == 2


def test_the_job_leaves_running_and_renewed_terms_alone(w):
    lease = live_lease(w, started_on=months_ago(12))  # the term ended yesterday
    Lease.objects.filter(pk=lease.pk).update(ends_on=TODAY)
    assert endings.run_deadlines()["expired"] == 0
    assert endings.run_deadlines(TODAY + timedelta(days=1))["expired"] == 1


def test_reminders_are_sent_once_per_stage(w):
    lease = live_lease(w, started_on=months_ago(10))
    Lease.objects.filter(pk=lease.pk).update(ends_on=TODAY + timedelta(days=61))
    assert endings.run_deadlines()["reminded"] == 0
    Lease.objects.filter(pk=lease.pk).update(ends_on=TODAY + timedelta(days=60))
    assert endings.run_deadlines()["reminded"] == 1
    assert endings.run_deadlines()["reminded"] == 0
    assert latest(w.staff).title == f"您承租的青山湖周转公寓 1栋 101将于{TODAY + timedelta(days=60)}到期，还有60天"

    # Thirty days later: the 30-day stage is due, once.
    TimelineEntry.objects.filter(action="remind").update(at=timezone.now() - timedelta(days=30))
    Lease.objects.filter(pk=lease.pk).update(ends_on=TODAY + timedelta(days=30))
    assert endings.run_deadlines()["reminded"] == 1
    assert endings.run_deadlines()["reminded"] == 0

    endings.end_tenancy(w.nc_admin, lease.pk, reason="not_eligible", details="已购房")
    Lease.objects.filter(pk=lease.pk).update(move_out_by=TODAY + timedelta(days=1))
    assert endings.run_deadlines()["reminded"] == 1
    assert endings.run_deadlines()["reminded"] == 0
    assert [e.from_state for e in timeline(lease).filter(action="remind")] == ["active", "active", "ending"]


# --- Check-out ------------------------------------------------------------------------------------------------


def ended(w, started_on, **lease_values):
    lease = live_lease(w, started_on=started_on, **lease_values)
    endings.end_tenancy(w.nc_admin, lease.pk, reason="not_eligible", details="已在本市购房")
    return lease


def test_check_out_settles_the_deposit_with_a_refund(w):
    meter = with_water_meter(w, TODAY - timedelta(days=10))
    lease = ended(w, TODAY - timedelta(days=10))
    inspection = endings.check_out(
        w.nc_admin, lease.pk, inspected_on=TODAY, items=ITEMS, meter_readings={"water": "104"},
        damages=[{"item": "空调", "amount": "300", "note": "遥控器丢失"}], notes="钥匙已交回")
    lease.refresh_from_db()
    assert (lease.state, lease.moved_out_on) == ("ended", TODAY) and lease.settled_at is not None
    rent = Charge.objects.get(lease=lease, kind="rent")
    assert rent.period_end == TODAY
    water = Charge.objects.get(lease=lease, kind="water")
    assert water.amount == Decimal("10.32")  # 4 m³ × 2.58
    assert lease.deposit_refund == Decimal("1712.50") - rent.amount - water.amount - Decimal("300.00")
    assert billing.outstanding(lease) == 0
    assert inspection.damages == [{"item": "空调", "amount": "300.00", "note": "遥控器丢失"}]
    assert inspection.items[1] == {"item": "空调", "expected": 2, "found": 2, "condition": "worn", "note": ""}
    meter.refresh_from_db()
    assert (meter.last_reading, meter.read_on) == (Decimal("104"), TODAY)

    w.flat.refresh_from_db()
    lease.application.refresh_from_db()
    assert (w.flat.state, w.flat.vacant_since, lease.application.state) == ("vacant", TODAY, "moved_out")
    assert move_out_event(lease).status == "resolved"
    cost = CostEntry.objects.get(category="周转住房维修")
    assert (cost.unit, cost.amount, cost.module) == (w.nc_bureau, Decimal("300.00"), "housing")
    assert f"退还{lease.deposit_refund}元" in latest(w.staff).body


def test_check_out_leaves_the_shortfall_owed(w):
    lease = ended(w, months_ago(4))
    endings.check_out(w.nc_admin, lease.pk, inspected_on=TODAY, items=ITEMS, meter_readings={}, damages=[])
    lease.refresh_from_db()
    assert lease.deposit_refund == 0
    owed = billing.outstanding(lease)
    assert owed == sum(c.amount for c in lease.charges.all()) - Decimal("1712.50") > 0
    assert f"尚欠{owed}元" in latest(w.staff).body
    assert not CostEntry.objects.filter(category="周转住房维修").exists()


def test_check_out_of_an_overstay_settles_its_event(w):
    lease = live_lease(w, started_on=months_ago(16))
    endings.run_deadlines()
    endings.check_out(w.nc_admin, lease.pk, inspected_on=TODAY, items=ITEMS, meter_readings={}, damages=[])
    assert set(Event.objects.values_list("status", flat=True)) == {"resolved"}
    lease.refresh_from_db()
    assert lease.state == "ended" and lease.charges.filter(kind="overstay", period_end=TODAY).exists()


def test_check_out_walks_what_was_found_at_check_in(w):
    lease = ended(w, months_ago(2))
    Inspection.objects.create(lease=lease, kind="check_in", inspected_on=lease.started_on, inspector=w.nc_admin,
                              items=[{"item": "床", "expected": 2, "found": 1, "condition": "good", "note": ""}])
    assert endings.expected_inventory(lease) == [{"item": "床", "count": 1}]
    with pytest.raises(ValidationFailed):
        endings.check_out(w.nc_admin, lease.pk, inspected_on=TODAY, items=ITEMS, meter_readings={}, damages=[])
    endings.check_out(w.nc_admin, lease.pk, inspected_on=TODAY, items=ITEMS[:1], meter_readings={}, damages=[])
    assert Inspection.objects.get(lease=lease, kind="check_out").items[0]["expected"] == 1


@pytest.mark.parametrize("changes, field", [
    ({"inspected_on": str(TODAY + timedelta(days=1))}, "inspected_on"),
    ({"inspected_on": str(TODAY - timedelta(days=1))}, "inspected_on"),  # before the tenancy ended
    ({"items": ITEMS[:1]}, "items"),
    ({"items": [*ITEMS, {"item": "床", "found": 1, "condition": "good"}]}, "items"),
    ({"items": [ITEMS[0], {"item": "空调", "found": 100, "condition": "broken"}]}, "items"),
    ({"meter_readings": {}}, "meter_readings"),
    ({"meter_readings": {"water": "99"}}, "meter_readings"),
    ({"meter_readings": {"water": "101", "gas": "5"}}, "meter_readings"),
    ({"damages": [{"item": "空调", "amount": "0"}]}, "damages"),
    ({"damages": [{"item": "空调", "amount": "100000.01"}]}, "damages"),
    ({"damages": [{"item": "", "amount": "12"}]}, "damages"),
    ({"damages": [{"item": "空调", "amount": "1.234"}]}, "damages"),
    ({"damages": "空调坏了"}, "damages"),
])
def test_bad_check_out_changes_nothing(w, changes, field):
    meter = with_water_meter(w, months_ago(2))
    lease = ended(w, months_ago(2))
    values = {"inspected_on": TODAY, "items": ITEMS, "meter_readings": {"water": "101"}, "damages": [], **changes}
    with pytest.raises(ValidationFailed) as refusal:
        endings.check_out(w.nc_admin, lease.pk, **values)
    assert field in refusal.value.errors
    lease.refresh_from_db()
    meter.refresh_from_db()
    assert (lease.state, lease.moved_out_on, lease.deposit_refund, meter.last_reading) == (
        "ending", None, None, Decimal("100"))
    assert not Inspection.objects.exists() and not Charge.objects.exists() and not CostEntry.objects.exists()


def test_who_may_check_out(w):
    lease = ended(w, months_ago(2))
    values = {"inspected_on": TODAY, "items": ITEMS, "meter_readings": {}, "damages": []}
    for account, refusal in ((w.fin_admin, PermissionDenied), (w.staff, PermissionDenied), (w.jj_admin, Http404)):
        with pytest.raises(refusal):
            endings.check_out(account, lease.pk, **values)
    live = live_lease(w, account=w.staff2, flat=w.flat2, started_on=months_ago(2))
    with pytest.raises(StateError):
        endings.check_out(w.nc_admin, live.pk, **values)
    assert not Inspection.objects.exists()


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_two_administrators_check_out_the_same_lease_once():
    w = build_world()
    lease = ended(w, months_ago(2))
    other_admin = make_account("nc_admin2", roles=("region_bureau_admin",), unit=w.nc_bureau)
    values = {"inspected_on": TODAY, "items": ITEMS, "meter_readings": {}, "damages": []}

    results = run_at_once(lambda: endings.check_out(w.nc_admin, lease.pk, **values),
                          lambda: endings.check_out(other_admin, lease.pk, **values))

    assert sorted(type(r).__name__ for r in results) == ["Inspection", "StateError"], results
    assert Inspection.objects.count() == 1
    assert lease.payments.count() == 1 and Meter.objects.count() == 0
    w.flat.refresh_from_db()
    assert w.flat.state == "vacant"
