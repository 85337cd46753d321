"""The lease and annual-review screens of both portals: the list with its filters, the permission matrix
(the bureau acts, the tenant's unit reads, others get 404, staff see only their own lease), the forms and
their refusals (nothing changed), the printable lease, the problem report and the tenant's declaration."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.models import Event
from jiguan.core.services.inputs import add_months
from jiguan.modules.housing.models import Lease, ReviewCampaign
from jiguan.modules.housing.services import reviews

from .leasing import accepted_offer, signed_lease, water_meter
from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db



@pytest.fixture
def w(db):
    return build_world()



def url(name, *args):
    return reverse(f"manage:housing:{name}", args=args)


def service(name, *args):
    return reverse(f"service:housing:{name}", args=args)


def today():
    return timezone.localdate()


# --- Who sees a lease --------------------------------------------------------------------------------------------

MATRIX = [("nc_admin", 200), ("fin_admin", 200), ("audit_admin", 404), ("jj_admin", 404), ("donghu_admin", 404),
          ("staff", 403)]


@pytest.mark.parametrize(("who", "status"), MATRIX)
def test_who_sees_a_lease_and_its_print_in_the_management_portal(login, w, who, status):
    lease = signed_lease(w)
    client = login(who)
    assert client.get(url("lease", lease.pk)).status_code == status
    assert client.get(url("lease_print", lease.pk)).status_code == status


def test_the_unit_administrator_reads_but_cannot_act(login, w):
    lease = signed_lease(w)
    client = login("fin_admin")
    page = client.get(url("lease", lease.pk)).content.decode()
    assert lease.number in page and 'data-testid="check-in"' not in page
    assert client.get(url("lease_check_in", lease.pk)).status_code == 403
    assert client.get(url("lease_renew", lease.pk)).status_code == 403
    offer = accepted_offer(w, w.staff2, w.flat2)
    assert client.get(url("lease_sign", offer.pk)).status_code == 403
    assert client.post(url("lease_sign", offer.pk), {"started_on": today(), "months": 12,
                                                     "house_rules": "不得转租"}).status_code == 403
    assert Lease.objects.count() == 1


def test_staff_see_only_their_own_lease(login, w):
    lease = signed_lease(w)
    client = login("staff")
    page = client.get(service("leases")).content.decode()
    assert lease.number in page
    page = client.get(service("lease", lease.pk)).content.decode()
    assert "856.25" in page and 'data-testid="report-problem"' in page
    assert client.get(service("lease_print", lease.pk)).status_code == 200
    other = login("staff2")
    assert lease.number not in other.get(service("leases")).content.decode()
    for name in ("lease", "lease_print", "report_problem"):
        assert other.get(service(name, lease.pk)).status_code == 404


# --- The list -----------------------------------------------------------------------------------------------------


def test_lease_list_filters_and_searches(login, w):
    lease = signed_lease(w)
    other = live_lease(w, account=w.staff2, flat=w.flat2, started_on=add_months(today(), -2))
    client = login("nc_admin")
    page = client.get(url("leases")).content.decode()
    assert lease.number in page and other.number in page
    page = client.get(url("leases"), {"state": "active"}).content.decode()
    assert other.number in page and lease.number not in page
    page = client.get(url("leases"), {"q": "赵科员"}).content.decode()
    assert other.number in page and lease.number not in page
    page = client.get(url("leases"), {"estate": w.estate.pk}).content.decode()
    assert other.number in page and lease.number in page
    assert other.number not in login("jj_admin").get(url("leases")).content.decode()


# --- Signing, check-in, renewal ------------------------------------------------------------------------------------


def test_signing_from_the_offer_page(login, w):
    offer = accepted_offer(w)
    client = login("nc_admin")
    page = client.get(url("offer", offer.pk)).content.decode()
    assert 'data-testid="sign-lease"' in page and "签订租赁合同" in page
    form = client.get(url("lease_sign", offer.pk)).content.decode()
    assert "1712.50" in form and "不得转租、转借" in form
    values = {"started_on": today(), "months": 24, "house_rules": "一、不得转租。"}
    bad = client.post(url("lease_sign", offer.pk), values)
    assert bad.status_code == 400 and "租期（月）应在 1 至 12 之间。" in bad.content.decode()
    assert not Lease.objects.exists()
    done = client.post(url("lease_sign", offer.pk), {**values, "months": 12})
    lease = Lease.objects.get()
    assert done.status_code == 302 and done.url == url("lease", lease.pk)
    page = client.get(url("offer", offer.pk)).content.decode()
    assert 'data-testid="sign-lease"' not in page and lease.number in page
    stale = client.get(url("lease_sign", offer.pk), follow=True)  # signed meanwhile: back to the offer
    assert stale.redirect_chain[-1][0] == url("offer", offer.pk) and "已签订租赁合同" in stale.content.decode()


def test_check_in_form_refuses_a_bad_inventory_and_accepts_a_good_one(login, w):
    water_meter(w)
    lease = signed_lease(w)
    client = login("nc_admin")
    assert 'data-testid="check-in"' in client.get(url("lease", lease.pk)).content.decode()
    form = {"inspected_on": today(), "item_0_found": 2, "item_0_condition": "good", "item_1_found": 2,
            "item_1_condition": "good", "reading_water": "90", "notes": ""}
    bad = client.post(url("lease_check_in", lease.pk), form)
    assert bad.status_code == 400 and "低于该表" in bad.content.decode()
    lease.refresh_from_db()
    assert lease.state == "signed"
    done = client.post(url("lease_check_in", lease.pk), {**form, "reading_water": "101",
                                                         "item_1_condition": "worn", "item_1_note": "外壳有划痕"})
    assert done.status_code == 302
    lease.refresh_from_db()
    assert lease.state == "active"
    page = client.get(url("lease", lease.pk)).content.decode()
    assert "外壳有划痕" in page and "有磨损" in page and "水：101" in page
    assert f'href="{url("ledger", lease.pk)}"' in page


def test_renewal_form(login, w):
    lease = live_lease(w, started_on=add_months(today(), -25), months=26)
    client = login("nc_admin")
    assert 'data-testid="renew"' in client.get(url("lease", lease.pk)).content.decode()
    bad = client.post(url("lease_renew", lease.pk), {"months": 12})
    latest = add_months(lease.started_on, 36) - timedelta(days=1)
    assert bad.status_code == 400 and str(latest) in bad.content.decode()
    assert client.post(url("lease_renew", lease.pk), {"months": 10, "monthly_rent": "880"}).status_code == 302
    lease.refresh_from_db()
    assert (lease.ends_on, str(lease.monthly_rent)) == (latest, "880.00")
    assert str(latest) in client.get(url("lease", lease.pk)).content.decode()


def test_the_printable_lease_shows_every_term(login, w):
    lease = signed_lease(w)
    page = login("nc_admin").get(url("lease_print", lease.pk)).content.decode()
    for term in (lease.number, "南昌市机关事务管理局", "王科员", "南昌市财政局", "青山湖区北京东路1号", "856.25",
                 "1712.50", "2397.50", str(lease.started_on), str(lease.ends_on), "不得转租、转借", "空调",
                 "承租人（签字）", "@media print"):
        assert term in page, term


# --- The tenant -----------------------------------------------------------------------------------------------------


def test_the_tenant_reports_a_problem_and_follows_it_under_my_events(login, w):
    lease = signed_lease(w)
    client = login("staff")
    bad = client.post(service("report_problem", lease.pk), {"title": "漏水", "description": "短"})
    assert bad.status_code == 400 and not Event.objects.exists()
    done = client.post(service("report_problem", lease.pk), {"title": "卫生间漏水", "description": "楼下天花板渗水"})
    event = Event.objects.get()
    assert done.status_code == 302 and done.url == reverse("service:event", args=[event.pk])
    assert "卫生间漏水" in client.get(reverse("service:events")).content.decode()


def test_annual_review_pages(login, w):
    lease = live_lease(w, started_on=add_months(today(), -6))
    client = login("nc_admin")
    assert 'data-testid="open-review"' in client.get(url("reviews")).content.decode()
    bad = client.post(url("review_new"), {"region_code": "360100", "year": today().year,
                                          "declare_by": today() - timedelta(days=1)})
    assert bad.status_code == 400 and not ReviewCampaign.objects.exists()
    done = client.post(url("review_new"), {"region_code": "360100", "year": today().year,
                                           "declare_by": today() + timedelta(days=20)})
    campaign = ReviewCampaign.objects.get()
    assert done.status_code == 302 and done.url == url("campaign", campaign.pk)
    review = campaign.reviews.get()
    assert "王科员" in client.get(url("campaign", campaign.pk)).content.decode()
    assert login("jj_admin").get(url("campaign", campaign.pk)).status_code == 404

    tenant = login("staff")
    assert 'data-testid="review-due"' in tenant.get(service("lease", lease.pk)).content.decode()
    bad = tenant.post(service("review", review.pk), {"still_employed": "true"})
    assert bad.status_code == 400
    assert tenant.post(service("review", review.pk), {"still_employed": "true", "owns_home": "false",
                                                      "household_changes": ""}).status_code == 302
    assert login("staff2").get(service("review", review.pk)).status_code == 404

    client = login("nc_admin")
    page = client.get(url("review", review.pk)).content.decode()
    assert 'data-testid="held-records"' in page and 'value="pass"' in page
    bad = client.post(url("review", review.pk), {"decision": "fail", "findings": ""})
    assert bad.status_code == 400
    assert client.post(url("review", review.pk), {"decision": "pass", "findings": ""}).status_code == 302
    assert client.post(url("campaign", campaign.pk)).status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_at is not None and reviews.campaign_actions(campaign, w.nc_admin) == set()
