"""The housing demo data, seeded after the kernel's (``manage.py seed``): estates in 南昌 with real county
codes, a few hundred flats in every state with meters, applications in every state, a waiting list of
about forty with their scores, and open, accepted and expired offers."""

import pytest

from jiguan.core.testing import demo_seeded
from jiguan.modules.housing.models import Application, Estate, Flat, Meter, Offer
from jiguan.modules.housing.services import waiting


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One demo seed shared by this module's tests, rolled back afterwards."""
    with demo_seeded(django_db_blocker, "housing") as (output, _errors):
        yield output


pytestmark = pytest.mark.django_db


def test_stock_in_nanchang(seeded):
    assert "周转住房 staff housing" in seeded
    assert set(Estate.objects.values_list("region_id", flat=True)) == {"360113", "360102", "360111"}
    assert 150 <= Flat.objects.count() <= 600
    assert set(Flat.objects.values_list("state", flat=True)) == {"vacant", "reserved", "occupied", "maintenance",
                                                                   "retired"}
    assert Meter.objects.count() >= 2 * Flat.objects.count()
    assert all(flat.org_path == flat.unit.org_path for flat in Flat.objects.select_related("unit")[:50])


def test_applications_in_every_state_and_a_list_of_about_forty(seeded):
    states = set(Application.objects.values_list("state", flat=True))
    assert states == {"submitted", "returned", "confirmed", "waiting", "offered", "accepted", "rejected", "withdrawn"}
    province = Application.objects.filter(region_id="360000", state="waiting")
    assert 35 <= province.count() <= 50
    listed = list(waiting.waiting_list(province.first().region))
    assert listed[-1].at_end_since is not None  # declined twice
    assert sorted((a.score for a in listed if a.at_end_since is None), reverse=True) == [
        a.score for a in listed if a.at_end_since is None]
    assert Application.objects.filter(applicant__username="staff", state="waiting").exists()


def test_offers_open_accepted_and_expired(seeded):
    assert set(Offer.objects.values_list("state", flat=True)) == {"open", "accepted", "expired", "declined"}
    for offer in Offer.objects.filter(state="open").select_related("flat"):
        assert offer.flat.state == "reserved"
