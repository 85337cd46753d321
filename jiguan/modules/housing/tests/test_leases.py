"""Leases through the services: the proposed terms, signing (number, states, every refusal, changing
nothing), the check-in inspection against the inventory and the meters, renewal within the maximum stay,
what each user may do, the tenant reporting a problem, and who may do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Event, Notification
from jiguan.core.services.inputs import add_months
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, run_at_once
from jiguan.modules.housing.models import (
    Application,
    Flat,
    Inspection,
    Lease,
    LeaseRenewal,
    Meter,
    MeterReading,
    TenancyRules,
)
from jiguan.modules.housing.services import leases, offers
from jiguan.portals.service.views import reported_events

from .leasing import accepted_offer, checked_in, inventory_check, signed_lease, water_meter
from .tenancies import live_lease
from .world import build_world, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def today():
    return timezone.localdate()


def states(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return tuple(obj.state for obj in objects)


# --- Terms and signing -------------------------------------------------------------------------------------------


def test_the_proposed_terms_follow_the_flat_and_the_region_rules(w):
    offer = accepted_offer(w)
    terms = leases.prepare_lease(w.nc_admin, offer.pk)
    assert (terms["monthly_rent"], terms["market_rent"], terms["deposit"]) == (
        Decimal("856.25"), Decimal("2397.50"), Decimal("1712.50"))  # 68.5 ㎡ × 12.50 / × 35; 2 months' rent
    assert (terms["months"], terms["started_on"]) == (12, today())
    assert terms["ends_on"] == add_months(today(), 12) - timedelta(days=1)
    assert "不得转租、转借" in terms["house_rules"] and "连续空置不得超过6个月" in terms["house_rules"]
    assert "2个月内腾退" in terms["house_rules"]

    TenancyRules.objects.create(region_id="360000", lease_months=6, deposit_months=1, empty_months_to_end=3)
    terms = leases.prepare_lease(w.nc_admin, offer.pk)  # the province's rules reach the city's flats
    assert (terms["months"], terms["deposit"]) == (6, Decimal("856.25")) and "超过3个月" in terms["house_rules"]


def test_signing_creates_the_lease_and_houses_the_applicant(w):
    offer = accepted_offer(w)
    lease = leases.sign(w.nc_admin, offer.pk, started_on=today() + timedelta(days=5), months=12,
                        deposit_paid_on=today())
    assert lease.number == f"ZZ360100{today().year}0001"
    assert (lease.person, lease.tenant, lease.unit, lease.managing_unit) == (w.clerk, w.staff, w.finance, w.nc_bureau)
    assert lease.ends_on == add_months(today() + timedelta(days=5), 12) - timedelta(days=1)
    assert (lease.monthly_rent, lease.market_rent, lease.deposit) == (
        Decimal("856.25"), Decimal("2397.50"), Decimal("1712.50"))
    assert states(lease, offer.application, w.flat) == ("signed", "housed", "reserved")  # reserved until check-in
    assert [e.action for e in timeline(lease)] == ["sign"] and lease.number in timeline(lease).get().comment
    notice = Notification.objects.get(recipient=w.staff, title__contains="租赁合同")
    assert notice.link == f"/service/housing/leases/{lease.pk}/"

    second = signed_lease(w, w.staff2, w.flat2)
    assert second.number == f"ZZ360100{today().year}0002"


@pytest.mark.parametrize(("values", "field"), [
    ({"started_on": "2026-02-30"}, "started_on"),
    ({"started_on": "today-31"}, "started_on"),
    ({"started_on": "today+91"}, "started_on"),
    ({"months": 0}, "months"),
    ({"months": 13}, "months"),
    ({"months": "十二"}, "months"),
    ({"deposit_paid_on": "today+1"}, "deposit_paid_on"),
    ({"house_rules": "  "}, "house_rules"),
])
def test_bad_terms_are_refused_and_change_nothing(w, values, field):
    offer = accepted_offer(w)
    relative = {key: today() + timedelta(days=int(value[5:])) if str(value).startswith("today") else value
                for key, value in values.items()}
    with pytest.raises(ValidationFailed) as refusal:
        leases.sign(w.nc_admin, offer.pk, **{"started_on": today(), "months": 12, **relative})
    assert field in refusal.value.errors
    assert not Lease.objects.exists() and states(offer.application, w.flat) == ("accepted", "reserved")


def test_the_term_is_capped_by_the_region_rules(w):
    TenancyRules.objects.create(region_id="360100", lease_months=6, max_stay_months=24)
    offer = accepted_offer(w)
    with pytest.raises(ValidationFailed) as refusal:
        leases.sign(w.nc_admin, offer.pk, started_on=today(), months=12)
    assert refusal.value.errors["months"] == ["租期（月）应在 1 至 6 之间。"]
    assert leases.sign(w.nc_admin, offer.pk, started_on=today(), months=6).ends_on == add_months(
        today(), 6) - timedelta(days=1)


def test_only_an_accepted_offer_without_a_lease_is_signed(w):
    waiting(w, w.staff2)
    open_offer = offers.make_offer(w.nc_admin, w.flat2.pk)
    with pytest.raises(StateError):
        leases.sign(w.nc_admin, open_offer.pk, started_on=today(), months=12)
    with pytest.raises(StateError):
        leases.prepare_lease(w.nc_admin, open_offer.pk)
    lease = signed_lease(w)
    with pytest.raises(Conflict):
        leases.sign(w.nc_admin, lease.offer_id, started_on=today(), months=12)
    assert Lease.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_two_administrators_signing_the_same_offer_make_one_lease():
    w = build_world()
    offer = accepted_offer(w)
    other_admin = make_account("nc_admin2", roles=("region_bureau_admin",), unit=w.nc_bureau)
    results = run_at_once(*(lambda admin=admin: leases.sign(admin, offer.pk, started_on=today(), months=12)
                            for admin in (w.nc_admin, other_admin)))
    winners = [r for r in results if isinstance(r, Lease)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "已签订租赁合同" in losers[0].message
    assert Lease.objects.count() == 1 and states(offer.application, w.flat) == ("housed", "reserved")
    assert timeline(offer.application).filter(action="sign").count() == 1


def test_who_may_sign(w):
    offer = accepted_offer(w)
    with pytest.raises(NotAllowed):  # the unit's administrator reads leases but does not sign them
        leases.sign(w.fin_admin, offer.pk, started_on=today(), months=12)
    with pytest.raises(Http404):  # another city's bureau does not reach the offer
        leases.sign(w.jj_admin, offer.pk, started_on=today(), months=12)
    with pytest.raises(NotAllowed):
        leases.sign(w.staff, offer.pk, started_on=today(), months=12)
    assert not Lease.objects.exists()


# --- Check-in ------------------------------------------------------------------------------------------------------


def test_check_in_inspects_hands_over_and_reads_the_meters(w):
    meter = water_meter(w)
    lease = signed_lease(w)
    inspection = leases.check_in(
        w.nc_admin, lease.pk, inspected_on=today(), notes="钥匙两把",
        items=inventory_check(w.flat, 空调={"condition": "worn", "note": "外壳有划痕"}),
        meter_readings={"water": "105.5"})
    assert inspection.kind == "check_in" and Decimal(inspection.meter_readings["water"]) == Decimal("105.5")
    assert inspection.items[1] == {"item": "空调", "expected": 2, "found": 2, "condition": "worn", "note": "外壳有划痕"}
    assert states(lease, w.flat) == ("active", "occupied") and lease.checked_in_on == today()
    meter.refresh_from_db()
    assert (meter.last_reading, meter.read_on) == (Decimal("105.5"), today())
    reading = MeterReading.objects.get(meter=meter)
    assert (reading.previous, reading.reading, reading.lease) == (Decimal("100"), Decimal("105.5"), None)
    assert [e.action for e in timeline(lease)] == ["sign", "check_in"]
    with pytest.raises(StateError):  # once only
        leases.check_in(w.nc_admin, lease.pk, inspected_on=today(), items=inventory_check(w.flat),
                        meter_readings={"water": "106"})


def test_check_in_names_every_bad_row_and_changes_nothing(w):
    meter = water_meter(w)
    lease = signed_lease(w)
    items = [
        {"item": "床", "found": 100, "condition": "good"},
        {"item": "床", "found": 2, "condition": "good"},
        {"item": "电视", "found": 1, "condition": "good"},
    ]
    with pytest.raises(ValidationFailed) as refusal:
        leases.check_in(w.nc_admin, lease.pk, inspected_on=today(), items=items,
                        meter_readings={"water": "99.5", "gas": "1"})
    messages = refusal.value.errors
    assert "“床”：实有数量应为 0 至 99 的整数。" in messages["items"]
    assert any("“床”" in m and "两次" in m for m in messages["items"])
    assert any("第3行" in m and "电视" in m for m in messages["items"])
    assert any("空调" in m for m in messages["items"])  # not checked
    assert any("99.5" in m and "100" in m for m in messages["meter_readings"])  # below the last reading
    assert any("燃气" in m for m in messages["meter_readings"])  # the flat has no gas meter

    with pytest.raises(ValidationFailed) as refusal:
        leases.check_in(w.nc_admin, lease.pk, inspected_on=today(), meter_readings={},
                        items=inventory_check(w.flat, 空调={"condition": "broken", "note": "长" * 201}))
    assert len(refusal.value.errors["items"]) == 2 and "SB-1" in refusal.value.errors["meter_readings"][0]

    assert not Inspection.objects.exists() and not MeterReading.objects.exists()
    assert states(lease, w.flat) == ("signed", "reserved")
    meter.refresh_from_db()
    assert meter.last_reading == Decimal("100")


def test_check_in_date_lies_between_the_start_and_today(w):
    lease = signed_lease(w, started_on=today() + timedelta(days=3))
    with pytest.raises(ValidationFailed) as refusal:
        leases.check_in(w.nc_admin, lease.pk, inspected_on=today(), items=inventory_check(w.flat), meter_readings={})
    assert "inspected_on" in refusal.value.errors
    with pytest.raises(NotAllowed):
        leases.check_in(w.fin_admin, lease.pk, inspected_on=today(), items=inventory_check(w.flat),
                        meter_readings={})


# --- Renewal -------------------------------------------------------------------------------------------------------


def test_renewal_within_the_window_extends_the_lease(w):
    lease = live_lease(w, started_on=add_months(today(), -11), months=12)  # ends in about a month
    renewal = leases.renew(w.nc_admin, lease.pk, months=12, monthly_rent="900", comment="续租一年")
    lease.refresh_from_db()
    assert (renewal.previous_end, renewal.new_end) == (add_months(lease.started_on, 12) - timedelta(days=1),
                                                      add_months(lease.started_on, 24) - timedelta(days=1))
    assert lease.ends_on == renewal.new_end and lease.monthly_rent == Decimal("900")
    assert timeline(lease).get(action="renew").comment.startswith("续租至")
    assert Notification.objects.filter(recipient=w.staff, title__contains=lease.number).exists()
    with pytest.raises(StateError) as refusal:  # the new term ends a year ahead: too early to renew again
        leases.renew(w.nc_admin, lease.pk, months=12)
    assert "60" in refusal.value.message


def test_renewal_stops_at_the_maximum_stay(w):
    lease = live_lease(w, started_on=add_months(today(), -25), months=26)  # 36 months run to start + 36
    latest = add_months(lease.started_on, 36) - timedelta(days=1)
    with pytest.raises(ValidationFailed) as refusal:
        leases.renew(w.nc_admin, lease.pk, months=12)
    assert str(latest) in refusal.value.errors["months"][0] and "36" in refusal.value.errors["months"][0]
    assert not LeaseRenewal.objects.exists()
    leases.renew(w.nc_admin, lease.pk, months=10)
    lease.refresh_from_db()
    assert lease.ends_on == latest
    assert "renew" not in leases.allowed_actions(lease, w.nc_admin)
    with pytest.raises(StateError):
        leases.renew(w.nc_admin, lease.pk, months=1)


def test_renewal_refusals(w):
    lease = live_lease(w, started_on=today(), months=12)
    with pytest.raises(StateError):  # too early
        leases.renew(w.nc_admin, lease.pk, months=12)
    signed = live_lease(w, account=w.staff2, flat=w.flat2, started_on=add_months(today(), -11), state="signed")
    with pytest.raises(StateError):  # not in residence
        leases.renew(w.nc_admin, signed.pk, months=12)
    Lease.objects.filter(pk=lease.pk).update(ends_on=today() + timedelta(days=10))
    with pytest.raises(ValidationFailed) as refusal:
        leases.renew(w.nc_admin, lease.pk, months=12, monthly_rent="-5")
    assert "monthly_rent" in refusal.value.errors
    with pytest.raises(NotAllowed):
        leases.renew(w.fin_admin, lease.pk, months=12)
    with pytest.raises(Http404):
        leases.renew(w.jj_admin, lease.pk, months=12)
    assert not LeaseRenewal.objects.exists()


# --- What each may do; reading --------------------------------------------------------------------------------------


def test_allowed_actions_follow_the_state_and_the_user(w):
    lease = signed_lease(w)
    assert leases.allowed_actions(lease, w.nc_admin) == {"check_in"}
    assert leases.allowed_actions(lease, w.staff) == {"report_problem"}
    assert leases.allowed_actions(lease, w.fin_admin) == set()
    assert leases.allowed_actions(lease, w.staff2) == set()
    lease = live_lease(w, account=w.staff2, flat=w.flat2, started_on=add_months(today(), -11))
    assert leases.allowed_actions(lease, w.nc_admin) == {"renew"}
    assert leases.allowed_actions(lease, w.jj_admin) == set()


def test_who_sees_which_lease(w):
    lease = signed_lease(w)
    assert list(leases.leases_in_scope(w.nc_admin)) == [lease]
    assert list(leases.leases_in_scope(w.fin_admin)) == [lease]  # the tenant's unit reads it
    assert not leases.leases_in_scope(w.audit_admin).exists() and not leases.leases_in_scope(w.jj_admin).exists()
    assert list(leases.my_leases(w.staff)) == [lease] and not leases.my_leases(w.staff2).exists()
    with pytest.raises(Http404):
        leases.my_lease(w.staff2, lease.pk)


# --- Reporting a problem ----------------------------------------------------------------------------------------------


def test_the_tenant_reports_a_problem_to_the_bureau(w):
    lease = checked_in(w)
    event = leases.report_problem(w.staff, lease.pk, title="卫生间漏水", description="楼下天花板渗水，请尽快维修")
    assert (event.type, event.status, event.assignee_unit, event.unit) == (
        "housing.repair", "dispatched", w.nc_bureau, w.nc_bureau)
    assert event.reporter == w.staff and "101" in event.title and event.subject_id == str(w.flat.pk)
    assert list(reported_events(w.staff)) == [event]
    assert Notification.objects.filter(recipient=w.nc_admin, title__contains="卫生间漏水").exists()


def test_problem_reports_are_for_the_tenant_and_need_a_description(w):
    lease = checked_in(w)
    with pytest.raises(Http404):
        leases.report_problem(w.staff2, lease.pk, title="漏水", description="楼下天花板渗水")
    with pytest.raises(ValidationFailed) as refusal:
        leases.report_problem(w.staff, lease.pk, title="", description="短")
    assert set(refusal.value.errors) == {"title", "description"}
    Lease.objects.filter(pk=lease.pk).update(state="ended")
    with pytest.raises(StateError):
        leases.report_problem(w.staff, lease.pk, title="漏水", description="楼下天花板渗水")
    assert not Event.objects.exists()


def test_flat_and_application_untouched_by_a_refused_check_in_of_another_bureau(w):
    lease = signed_lease(w)
    with pytest.raises(Http404):
        leases.check_in(w.jj_admin, lease.pk, inspected_on=today(), items=inventory_check(w.flat), meter_readings={})
    assert Flat.objects.get(pk=w.flat.pk).state == "reserved"
    assert Application.objects.get(pk=lease.application_id).state == "housed"
    assert not Meter.objects.exists()
