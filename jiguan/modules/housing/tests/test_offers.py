"""Offers: to the top of the list, past it only with a reason; accept, decline, decline twice → end of the
list; the expiry job; every refusal."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.jobs import run_job
from jiguan.core.statemachine import timeline
from jiguan.modules.housing.models import Application, Flat, Offer
from jiguan.modules.housing.services import applications as apps
from jiguan.modules.housing.services import offers
from jiguan.modules.housing.services import waiting as waiting_service

from .world import applied, build_world, spouse, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    world.top = waiting(world, world.staff, family=[spouse()])  # 5 points
    world.second = waiting(world, world.staff2)  # 0 points
    return world


def states(w, *objects):
    for obj in objects:
        obj.refresh_from_db()
    return tuple(obj.state for obj in objects)


def test_offer_goes_to_the_top_and_reserves_the_flat(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    assert offer.application == w.top and offer.position == 1 and offer.skip_reason == ""
    assert offer.expires_on == timezone.localdate() + timedelta(days=7)
    assert states(w, w.flat, w.top) == ("reserved", "offered")
    assert w.flat.vacant_since is None
    assert [e.action for e in timeline(w.top)][-1] == "offer"


def test_passing_over_the_top_needs_a_written_reason(w):
    with pytest.raises(ValidationFailed) as refusal:
        offers.make_offer(w.nc_admin, w.flat.pk, application_id=w.second.pk)
    assert "1" in refusal.value.errors["skip_reason"][0]
    assert states(w, w.flat, w.second) == ("vacant", "waiting") and not Offer.objects.exists()

    offer = offers.make_offer(w.nc_admin, w.flat.pk, application_id=w.second.pk, skip_reason="两室户型，排名在前者家庭需三室")
    assert offer.position == 2 and "三室" in offer.skip_reason
    assert "三室" in timeline(w.second).last().comment
    assert waiting_service.position(Application.objects.get(pk=w.top.pk))["position"] == 1  # keeps the place


def test_accept_leaves_the_flat_reserved_for_the_lease(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    offers.accept(w.staff, offer.pk, "同意")
    assert states(w, offer, w.top, w.flat) == ("accepted", "accepted", "reserved")
    assert w.top.get_state_display() == "已接受配租，待签约"


def test_decline_puts_the_flat_back_and_twice_sends_to_the_end(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    offers.decline(w.staff, offer.pk, "离单位太远")
    assert states(w, offer, w.top, w.flat) == ("declined", "waiting", "vacant")
    assert (w.top.declines, w.top.at_end_since) == (1, None) and w.flat.vacant_since == timezone.localdate()
    assert waiting_service.position(w.top)["position"] == 1

    again = offers.make_offer(w.nc_admin, w.flat2.pk)
    assert again.application == w.top
    offers.decline(w.staff, again.pk)
    w.top.refresh_from_db()
    assert w.top.declines == 0 and w.top.at_end_since is not None
    assert waiting_service.position(w.top) == {"position": 2, "ahead": 1, "total": 2}
    assert offers.make_offer(w.nc_admin, w.flat3.pk).application == w.second
    assert timeline(w.top).filter(action="to_end").exists()


def test_the_expiry_job_expires_unanswered_offers_as_declines(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    fresh = offers.make_offer(w.nc_admin, w.flat2.pk)
    Offer.objects.filter(pk=offer.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    assert run_job("housing.offer_expiry") == "ok: 1 expired"
    assert states(w, offer, fresh, w.top, w.flat) == ("expired", "open", "waiting", "vacant")
    assert w.top.declines == 1


def test_an_answer_after_the_deadline_is_refused(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    Offer.objects.filter(pk=offer.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(StateError):
        offers.accept(w.staff, offer.pk)
    assert states(w, offer, w.flat) == ("open", "reserved")


def test_only_the_applicant_answers_and_only_once(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    with pytest.raises(Http404):
        offers.accept(w.staff2, offer.pk)
    with pytest.raises(ValidationFailed):
        offers.accept(w.staff, offer.pk, "很" * 501)
    offers.accept(w.staff, offer.pk)
    with pytest.raises(StateError):
        offers.decline(w.staff, offer.pk)
    with pytest.raises(StateError):  # no withdrawal once a flat is offered or accepted
        apps.withdraw(w.staff, w.top.pk)


def test_offer_refusals(w):
    offers.make_offer(w.nc_admin, w.flat.pk)
    with pytest.raises(Conflict):  # reserved already
        offers.make_offer(w.nc_admin, w.flat.pk)
    with pytest.raises(Http404):  # 九江's bureau does not reach 南昌's flats
        offers.make_offer(w.jj_admin, w.flat2.pk)
    with pytest.raises(ValidationFailed):  # already holding an offer: not on the list
        offers.make_offer(w.nc_admin, w.flat2.pk, application_id=w.top.pk, skip_reason="测试原因")
    offers.make_offer(w.nc_admin, w.flat2.pk)
    with pytest.raises(StateError):  # nobody left waiting
        offers.make_offer(w.nc_admin, w.flat3.pk)
    Flat.objects.filter(pk=w.flat3.pk).update(state="maintenance")
    with pytest.raises(Conflict):
        offers.make_offer(w.nc_admin, w.flat3.pk)
    assert Offer.objects.count() == 2


def test_what_a_new_offer_may_pair_is_confined_to_scope(w):
    flats, applications = offers.offer_candidates(w.nc_admin)
    assert set(flats) == {w.flat, w.flat2, w.flat3}
    assert list(applications) == [w.top, w.second]  # list order
    offers.make_offer(w.nc_admin, w.flat.pk)
    flats, applications = offers.offer_candidates(w.nc_admin)
    assert w.flat not in set(flats) and list(applications) == [w.second]
    for outsider in (w.jj_admin, w.fin_admin):  # another city's bureau; a unit without REVIEW
        flats, applications = offers.offer_candidates(outsider)
        assert not flats.exists() and not applications.exists()


def test_an_offer_past_its_answer_date_is_no_longer_answerable(w):
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    assert offers.answerable(offer)
    Offer.objects.filter(pk=offer.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    offer.refresh_from_db()
    assert not offers.answerable(offer)
    with pytest.raises(StateError):
        offers.accept(w.staff, offer.pk)


def test_the_applicant_may_revise_only_when_returned_and_withdraw_only_before_an_offer(w):
    submitted = applied(w, w.deputy_account)
    assert apps.applicant_actions(submitted) == {"withdraw"}
    returned = apps.return_application(w.fin_admin, submitted.pk, "请补充调令复印件")
    assert apps.applicant_actions(returned) == {"revise", "withdraw"}
    assert apps.applicant_actions(w.second) == {"withdraw"}
    offers.make_offer(w.nc_admin, w.flat.pk)
    w.top.refresh_from_db()
    assert apps.applicant_actions(w.top) == set()
