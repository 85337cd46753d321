"""The housing demo data, seeded after the kernel's (``manage.py seed``): estates in 南昌 with real county
codes, about a hundred flats in every state with meters, applications in every state, a waiting list of
about forty with their scores, and open, accepted and expired offers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.core.models import CostEntry, Event
from jiguan.core.services.inputs import add_months
from jiguan.core.testing import demo_seeded
from jiguan.modules.housing.models import Application, Charge, Estate, Flat, Lease, Meter, Offer, Payment
from jiguan.modules.housing.services import billing, waiting


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One demo seed shared by this module's tests, rolled back afterwards."""
    with demo_seeded(django_db_blocker, "housing") as (output, _errors):
        yield output


pytestmark = pytest.mark.django_db


def test_stock_in_nanchang(seeded):
    assert "周转住房 staff housing" in seeded
    assert set(Estate.objects.values_list("region_id", flat=True)) == {"360113", "360102", "360111"}
    assert 60 <= Flat.objects.count() <= 600
    assert set(Flat.objects.values_list("state", flat=True)) == {"vacant", "reserved", "occupied", "maintenance",
                                                                   "retired"}
    assert Meter.objects.count() >= 2 * Flat.objects.count()
    assert all(flat.org_path == flat.unit.org_path for flat in Flat.objects.select_related("unit")[:50])


def test_applications_in_every_state_and_a_list_of_about_forty(seeded):
    states = set(Application.objects.values_list("state", flat=True))
    assert states == {"submitted", "returned", "confirmed", "waiting", "offered", "accepted", "rejected", "withdrawn",
                      "housed", "moved_out"}
    province = Application.objects.filter(region_id="360000", state="waiting")
    assert 35 <= province.count() <= 50
    listed = list(waiting.waiting_list(province.first().region))
    assert listed[-1].at_end_since is not None  # declined twice
    assert sorted((a.score for a in listed if a.at_end_since is None), reverse=True) == [
        a.score for a in listed if a.at_end_since is None]
    assert Application.objects.filter(applicant__username="staff", state="waiting").exists()


def test_offers_open_accepted_and_expired(seeded):
    assert set(Offer.objects.values_list("state", flat=True)) == {"open", "accepted", "expired", "declined"}
    assert not Offer.objects.filter(state="open", application__state="housed").exists()
    for offer in Offer.objects.filter(state="open").select_related("flat"):
        assert offer.flat.state == "reserved"


def test_every_occupied_flat_has_its_tenancy_and_the_ledgers_add_up(seeded):
    live = Lease.objects.exclude(state="ended")
    assert set(live.values_list("state", flat=True)) == {"active", "ending", "overstay"}
    assert Lease.objects.filter(state="ended", moved_out_on__isnull=False, settled_at__isnull=False).count() >= 3
    occupied = set(Flat.objects.filter(state="occupied").values_list("pk", flat=True))
    assert occupied == set(live.values_list("flat_id", flat=True))
    assert not live.filter(application__state__in=("moved_out", "waiting")).exists()
    paid = sum(Charge.objects.values_list("paid", flat=True))
    assert paid > 0 and paid == sum(Payment.objects.values_list("amount", flat=True))
    assert CostEntry.objects.filter(module="housing", amount__lt=0).exists()  # rent income offsets costs


def test_arrears_an_overstay_and_the_events_they_raise(seeded):
    owing = [billing.rent_owed_months(lease) for lease in Lease.objects.filter(state__in=("active", "ending"))]
    assert sum(1 for months in owing if months > 0) >= 5
    assert max(owing) >= 6
    assert Lease.objects.filter(state="ending", end_reason="arrears").exists()
    overstay = Lease.objects.get(state="overstay")
    assert overstay.overstay_since == overstay.move_out_by + timedelta(days=1) <= timezone.localdate()
    month_end = add_months(overstay.overstay_since, 1) - timedelta(days=1)  # billed once the month is over
    assert any(p.kind == "overstay" and p.monthly == overstay.market_rent
               for p in billing.rent_periods(overstay, month_end))
    assert Event.objects.filter(type="housing.overstay", status="dispatched").count() == 1
