"""The annual review through the services: opening over the tenancies in residence, the tenant's declaration,
the bureau's decision with what the platform holds, a failure ending the tenancy, closing; every refusal."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Notification
from jiguan.core.services.inputs import add_months
from jiguan.core.statemachine import timeline
from jiguan.modules.housing.models import Application, ReviewCampaign, TenancyReview
from jiguan.modules.housing.services import reviews

from .leasing import signed_lease
from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def w():
    world = build_world()
    world.lease = live_lease(world, started_on=add_months(today(), -6))
    world.lease2 = live_lease(world, account=world.staff2, flat=world.flat2, started_on=add_months(today(), -3))
    world.signed = signed_lease(world, world.deputy_account, world.flat3)  # not in residence yet: not reviewed
    return world


def opened(w, declare_by=None):
    return reviews.open_campaign(w.nc_admin, "360100", today().year, declare_by or today() + timedelta(days=30))


def review_of(campaign, lease) -> TenancyReview:
    return campaign.reviews.get(lease=lease)


def test_opening_reviews_every_tenancy_in_residence_and_tells_the_tenants(w):
    campaign = opened(w)
    assert (campaign.unit, campaign.region_id, campaign.year) == (w.nc_bureau, "360100", today().year)
    assert sorted(campaign.reviews.values_list("lease_id", flat=True)) == [w.lease.pk, w.lease2.pk]
    assert set(campaign.reviews.values_list("state", flat=True)) == {"pending"}
    review = review_of(campaign, w.lease)
    notice = Notification.objects.get(recipient=w.staff, title__contains="年审")
    assert notice.link == f"/service/housing/reviews/{review.pk}/"
    assert not Notification.objects.filter(recipient=w.deputy_account, title__contains="年审").exists()
    with pytest.raises(Conflict):  # one campaign per region and year
        opened(w)
    assert ReviewCampaign.objects.count() == 1


@pytest.mark.parametrize(("who", "values", "error"), [
    ("fin_admin", {}, NotAllowed),
    ("jj_admin", {}, ValidationFailed),  # 九江's bureau does not act for 南昌
    ("nc_admin", {"region_code": "360111"}, ValidationFailed),  # a district: the city bureau does not act for it
    ("nc_admin", {"year": 1999}, ValidationFailed),
    ("nc_admin", {"declare_by": "yesterday"}, ValidationFailed),
    ("nc_admin", {"declare_by": "2026-13-01"}, ValidationFailed),
])
def test_opening_refusals(w, who, values, error):
    arguments = {"region_code": "360100", "year": today().year, "declare_by": today() + timedelta(days=30), **values}
    if arguments["declare_by"] == "yesterday":
        arguments["declare_by"] = today() - timedelta(days=1)
    with pytest.raises(error):
        reviews.open_campaign(getattr(w, who), **arguments)
    assert not ReviewCampaign.objects.exists() and not TenancyReview.objects.exists()


def test_a_region_without_tenancies_in_residence_has_nothing_to_review(w):
    with pytest.raises(StateError):
        reviews.open_campaign(w.jj_admin, "360400", today().year, today() + timedelta(days=30))


def test_the_tenant_declares_once_and_only_for_their_own_review(w):
    campaign = opened(w)
    review = review_of(campaign, w.lease)
    with pytest.raises(Http404):
        reviews.declare(w.staff2, review.pk, still_employed=True, owns_home=False)
    with pytest.raises(ValidationFailed) as refusal:
        reviews.declare(w.staff, review.pk, still_employed="maybe", owns_home=None, household_changes="长" * 2001)
    assert set(refusal.value.errors) == {"still_employed", "owns_home", "household_changes"}
    reviews.declare(w.staff, review.pk, still_employed=True, owns_home=False, household_changes="新添一子")
    review.refresh_from_db()
    assert (review.state, review.still_employed, review.owns_home, review.household_changes) == (
        "declared", True, False, "新添一子")
    assert review.declared_at is not None
    with pytest.raises(StateError):
        reviews.declare(w.staff, review.pk, still_employed=True, owns_home=False)


def test_no_declaration_after_the_deadline(w):
    campaign = opened(w)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(declare_by=today() - timedelta(days=1))
    with pytest.raises(StateError) as refusal:
        reviews.declare(w.staff, review_of(campaign, w.lease).pk, still_employed=True, owns_home=False)
    assert "住房管理部门" in refusal.value.message


def test_the_bureau_passes_a_declared_review(w):
    campaign = opened(w)
    review = review_of(campaign, w.lease)
    with pytest.raises(StateError):  # nothing declared yet
        reviews.decide(w.nc_admin, review.pk, passed=True)
    reviews.declare(w.staff, review.pk, still_employed=True, owns_home=False)
    assert reviews.review_actions(review, w.nc_admin) == set()  # the object predates the declaration
    review.refresh_from_db()
    assert reviews.review_actions(review, w.nc_admin) == {"pass", "fail"}
    assert reviews.review_actions(review, w.fin_admin) == set()
    with pytest.raises(NotAllowed):
        reviews.decide(w.fin_admin, review.pk, passed=True)
    with pytest.raises(Http404):
        reviews.decide(w.jj_admin, review.pk, passed=True)
    reviews.decide(w.nc_admin, review.pk, passed=True)
    review.refresh_from_db()
    assert (review.state, review.decided_by) == ("passed", w.nc_admin)
    assert [e.action for e in timeline(review)] == ["open", "declare", "pass"]
    w.lease.refresh_from_db()
    assert w.lease.state == "active"


def test_a_failed_review_ends_the_tenancy(w):
    campaign = opened(w)
    review = review_of(campaign, w.lease)
    reviews.declare(w.staff, review.pk, still_employed=True, owns_home=True)
    with pytest.raises(ValidationFailed) as refusal:
        reviews.decide(w.nc_admin, review.pk, passed=False, findings="")
    assert "findings" in refusal.value.errors
    reviews.decide(w.nc_admin, review.pk, passed=False, findings="本人申报已在南昌购房")
    review.refresh_from_db()
    w.lease.refresh_from_db()
    assert review.state == "failed" and review.findings == "本人申报已在南昌购房"
    assert (w.lease.state, w.lease.end_reason, w.lease.end_details) == ("ending", "not_eligible", "本人申报已在南昌购房")
    assert w.lease.move_out_by == add_months(today(), 2)


def test_a_review_without_a_declaration_fails_only_after_the_deadline(w):
    campaign = opened(w)
    review = review_of(campaign, w.lease2)
    with pytest.raises(StateError) as refusal:
        reviews.decide(w.nc_admin, review.pk, passed=False, findings="逾期未申报")
    assert str(campaign.declare_by) in refusal.value.message
    ReviewCampaign.objects.filter(pk=campaign.pk).update(declare_by=today() - timedelta(days=1))
    review.refresh_from_db()
    assert reviews.review_actions(review, w.nc_admin) == {"fail"}
    reviews.decide(w.nc_admin, review.pk, passed=False, findings="逾期未申报")
    w.lease2.refresh_from_db()
    assert w.lease2.state == "ending"


def test_closing_needs_every_review_decided(w):
    campaign = opened(w)
    for lease, account in ((w.lease, w.staff), (w.lease2, w.staff2)):
        reviews.declare(account, review_of(campaign, lease).pk, still_employed=True, owns_home=False)
    reviews.decide(w.nc_admin, review_of(campaign, w.lease).pk, passed=True)
    with pytest.raises(StateError) as refusal:
        reviews.close_campaign(w.nc_admin, campaign.pk)
    assert "1" in refusal.value.message
    assert reviews.campaign_actions(campaign, w.nc_admin) == {"close"}
    reviews.decide(w.nc_admin, review_of(campaign, w.lease2).pk, passed=True)
    reviews.close_campaign(w.nc_admin, campaign.pk)
    campaign.refresh_from_db()
    assert campaign.closed_at is not None and reviews.campaign_actions(campaign, w.nc_admin) == set()
    with pytest.raises(StateError):
        reviews.close_campaign(w.nc_admin, campaign.pk)
    counts = reviews.campaigns_in_scope(w.nc_admin).get()
    assert (counts.n_total, counts.n_passed, counts.n_pending) == (2, 2, 0)


def test_the_bureau_sees_what_the_platform_holds_about_a_home(w):
    campaign = opened(w)
    review = review_of(campaign, w.lease)
    assert reviews.held_records(review) == []
    Application.objects.create(
        person=w.clerk, applicant=w.staff, unit=w.finance, region_id="360100", category="transferred",
        category_date=today() - timedelta(days=400), no_home_declared=True, state="rejected", refusal="owns_home",
        reviewed_at=timezone.now() - timedelta(days=30))
    held = reviews.held_records(review)
    assert len(held) == 1 and "住房" in held[0]
