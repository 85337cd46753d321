"""The office-space demo data, seeded after the kernel's (``manage.py seed``): rooms in every agency,
org paths copied from the units, occupancies within the desks and the one-main-office rule, plausible
shares of over-standard and idle rooms, and the recoveries and violation the UI shows."""

import pytest
from django.db.models import Count, Exists, F, OuterRef, Q

from jiguan.core.models import AuditLog, Event, OrgUnit
from jiguan.core.models.org import UnitKind
from jiguan.core.testing import demo_seeded
from jiguan.modules.officespace import standards
from jiguan.modules.officespace.models import Building, Compound, Floor, Occupancy, Recovery, Room


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One demo seed shared by this module's tests, rolled back afterwards."""
    with demo_seeded(django_db_blocker, "officespace") as (output, _errors):
        yield output


pytestmark = pytest.mark.django_db
SEATED = Exists(Occupancy.objects.filter(room=OuterRef("pk"), end__isnull=True))


def test_every_agency_uses_rooms_and_the_summary_says_so(seeded):
    agencies = OrgUnit.objects.filter(kind=UnitKind.UNIT)
    without_rooms = agencies.exclude(pk__in=Room.objects.values("unit_id")).values_list("name", flat=True)
    assert list(without_rooms) == []
    assert Room.objects.count() > 10_000
    assert "间房 rooms" in seeded


def test_ledger_rows_carry_their_units_org_path(seeded):
    for model in (Compound, Building, Floor, Room):
        assert not model.objects.exclude(org_path=F("unit__org_path")).exists(), model.__name__
    assert not Room.objects.exclude(building_id=F("floor__building_id")).exists()
    assert not Occupancy.objects.exclude(org_path=F("room__org_path")).exists()
    assert set(AuditLog.objects.filter(action="bulk", model__startswith="officespace.").values_list("model", flat=True)) >= {
        "officespace.Compound", "officespace.Building", "officespace.Room", "officespace.Occupancy",
    }


def test_compounds_and_buildings_are_plausible(seeded):
    centre = Compound.objects.get(name="江西省行政中心")
    assert centre.address.startswith("南昌市红谷滩区") and centre.unit.is_bureau
    assert Compound.objects.filter(name="南昌市行政中心", unit__name="南昌市机关事务管理局").exists()
    assert not Building.objects.filter(Q(year_built__lt=1985) | Q(year_built__gt=2020)).exists()
    assert not Building.objects.filter(Q(floors_above__lt=4) | Q(floors_above__gt=22)).exists()
    assert set(Room.objects.values_list("category", flat=True)) == {"office", "service", "equipment", "ancillary"}


def test_occupancies_respect_desks_and_one_main_office(seeded):
    open_seats = Occupancy.objects.filter(end__isnull=True)
    twice = open_seats.filter(concurrent_post=False).values("person").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()
    crowded = Room.objects.annotate(n=Count("occupancies", filter=Q(occupancies__end__isnull=True))).filter(n__gt=F("desks"))
    assert not crowded.exists()
    assert not open_seats.exclude(room__category="office").exists()
    shared = Room.objects.filter(SEATED, category="office", desks__gte=2)
    assert shared.exists()  # junior staff share offices
    people_seated = open_seats.values("person").distinct().count()
    assert people_seated > 0.9 * OrgUnit.objects.aggregate(n=Count("people"))["n"]


def test_shares_of_over_standard_and_idle_rooms_are_sane(seeded):
    rooms = Room.objects.all()
    occupied_offices = rooms.filter(SEATED, category="office").count()
    over = standards.over_standard_rooms(rooms).count()
    assert 0.05 < over / occupied_offices < 0.18
    idle = standards.idle_rooms(rooms)
    assert 0.05 < idle.count() / rooms.count() < 0.12
    assert not idle.filter(idle_since__isnull=True).exists()
    assert not idle.filter(SEATED).exists()


def test_recoveries_and_the_violation_are_there_with_their_events(seeded):
    states = set(Recovery.objects.values_list("state", flat=True))
    assert states == {"open", "overdue"}
    overdue = Recovery.objects.filter(state="overdue")
    assert not overdue.filter(event__isnull=True).exists()
    assert Event.objects.filter(type="officespace.recovery_overdue").count() == overdue.count()
    assert not Recovery.objects.filter(occupancy__person__status="active").exists()
    rented = Room.objects.get(state__in=("rented", "lent", "business"))
    event = Event.objects.get(type="officespace.violation")
    assert event.subject == rented and event.unit_id == rented.unit_id
