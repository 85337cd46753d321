"""The ledger's screens: 账务与欠费 with its filters and sorting, a lease's ledger with the payment form (and who
sees it), the meter-reading round, the housing dashboard and the tenant's 我的账单."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.modules.housing import services
from jiguan.modules.housing.models import Payment
from jiguan.modules.housing.services import billing, dashboard, save_meter

from .tenancies import live_lease
from .world import build_world, estate_values, flat_values

pytestmark = pytest.mark.django_db

RENT = Decimal("856.25")



@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def lease(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 2, 28))
    return lease



def url(name, *args):
    return reverse(f"manage:housing:{name}", args=args)


def payment(**changes) -> dict:
    return {"amount": "856.25", "paid_on": "2025-03-05", "method": "transfer", "reference": "HD-1", **changes}


def test_billing_list_filters_and_sorts(login, w, lease):
    estate = services.save_estate(w.nc_admin, **estate_values(name="红谷滩公寓", region_code="360113"))
    building = services.save_building(w.nc_admin, estate_id=estate.pk, name="A栋", floors=6)
    elsewhere = services.save_flat(w.nc_admin, building_id=building.pk, **flat_values())
    quiet = live_lease(w, account=w.staff2, flat=elsewhere, started_on=timezone.localdate().replace(day=1))
    client = login("nc_admin")
    page = client.get(url("billing"))
    assert page.status_code == 200
    body = page.content.decode()
    assert lease.number in body and quiet.number in body and "1712.50" in body
    assert body.index(lease.number) < body.index(quiet.number)  # most in arrears first
    only = client.get(url("billing"), {"arrears": "1"}).content.decode()
    assert lease.number in only and quiet.number not in only
    by_estate = client.get(url("billing"), {"estate": str(estate.pk)}).content.decode()
    assert quiet.number in by_estate and lease.number not in by_estate
    assert client.get(url("billing"), {"sort": "months_owed"}).status_code == 200


def test_the_bureau_records_a_payment_on_the_ledger(login, lease):
    client = login("nc_admin")
    page = client.get(url("ledger", lease.pk))
    assert page.status_code == 200 and 'data-testid="payment-form"' in page.content.decode()
    response = client.post(url("ledger", lease.pk), payment())
    assert response.status_code == 302
    assert billing.outstanding(lease) == RENT
    body = client.get(url("ledger", lease.pk)).content.decode()
    assert "HD-1" in body and "856.25" in body


def test_a_refused_payment_shows_on_the_form_and_changes_nothing(login, lease):
    response = login("nc_admin").post(url("ledger", lease.pk), payment(amount="2000"))
    assert response.status_code == 400
    assert "1712.50" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_tenants_unit_reads_the_ledger_without_the_form_and_cannot_post(login, lease):
    client = login("fin_admin")
    page = client.get(url("ledger", lease.pk))
    assert page.status_code == 200 and "payment-form" not in page.content.decode()
    assert client.post(url("ledger", lease.pk), payment()).status_code == 403
    assert not Payment.objects.exists()


@pytest.mark.parametrize("who", ["jj_admin", "audit_admin"])
def test_out_of_scope_ledgers_do_not_exist(login, lease, who):
    assert login(who).get(url("ledger", lease.pk)).status_code == 404


def test_staff_cannot_open_the_management_pages(login, lease):
    client = login("staff")
    assert client.get(url("ledger", lease.pk)).status_code in (302, 403)
    assert client.get(url("billing")).status_code in (302, 403)


def test_the_reading_round_of_a_flat(login, w, lease):
    save_meter(w.nc_admin, w.flat.pk, kind="water", number="SB-1", last_reading="10", read_on=date(2025, 1, 1))
    client = login("nc_admin")
    page = client.get(url("meter_round", w.flat.pk))
    assert page.status_code == 200 and "SB-1" in page.content.decode()
    refused = client.post(url("meter_round", w.flat.pk), {"reading_water": "5", "read_on": "2025-03-01"})
    assert refused.status_code == 400 and "10.00" in refused.content.decode()
    done = client.post(url("meter_round", w.flat.pk), {"reading_water": "15", "read_on": "2025-03-01"})
    assert done.status_code == 302
    assert lease.readings.get().consumption == 5
    assert login("fin_admin").get(url("meter_round", w.flat.pk)).status_code == 403


def test_the_dashboard_shows_twelve_months(login, lease):
    page = login("nc_admin").get(url("dashboard"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "vendor/echarts/echarts.min.js" in body and "housing-dashboard-data" in body
    assert body.count("<tr><td>") == 12


def test_dashboard_figures_month_by_month(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 2, 28))  # Jan and Feb due 2025-03-15
    billing.record_payment(w.nc_admin, lease.pk, amount="856.25", paid_on=date(2025, 3, 20), method="transfer",
                           reference="X-1")
    months = {m.label: m for m in dashboard.dashboard(w.nc_admin, today=date(2025, 4, 10))}
    assert months["2025-02"].arrears == 0
    assert months["2025-03"].arrears == RENT  # two past due on 31 March, one paid
    assert months["2025-03"].occupancy_rate == Decimal("33.33")  # one of three flats
    assert months["2024-12"].occupancy_rate == 0 and len(months) == 12


def test_my_bills_show_only_my_own(login, w, lease):
    page = login("staff").get(reverse("service:housing:bills"))
    assert page.status_code == 200
    body = page.content.decode()
    assert lease.number in body and "1712.50" in body
    other = login("staff2").get(reverse("service:housing:bills")).content.decode()
    assert lease.number not in other


def test_my_bills_read_month_by_month_the_latest_open(login, w, lease):
    billing.record_payment(w.nc_admin, lease.pk, amount=RENT, paid_on=date(2025, 3, 5), method="transfer",
                           reference="HD-1")
    body = login("staff").get(reverse("service:housing:bills")).content.decode()
    months = re.findall(r'data-testid="bill-month"( open)?>\s*<summary[^>]*>(\d{4}-\d{2})</summary>', body)
    assert months == [(" open", "2025-03"), ("", "2025-02")]  # newest first, older months folded


def test_a_payment_dated_in_the_future_is_refused_on_the_form(login, lease):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = login("nc_admin").post(url("ledger", lease.pk), payment(paid_on=tomorrow))
    assert response.status_code == 400 and not Payment.objects.exists()
