"""The 2014 standard applied: per-person limits at each level of government, regional overrides, room
entitlement and excess, and the set-based analysis of a ledger."""

from decimal import Decimal

import pytest

from jiguan.core.models import Rank, Region
from jiguan.core.testing import make_unit
from jiguan.modules.officespace import standards
from jiguan.modules.officespace.models import AreaStandard, Occupancy, Room

from .ledger import build_ledger, person_of_rank, room

pytestmark = pytest.mark.django_db
TODAY = "2026-01-05"


@pytest.fixture
def w():
    return build_ledger()


def seat(room_, *people, concurrent_post=False):
    for person in people:
        Occupancy.objects.create(room=room_, person=person, start=TODAY, concurrent_post=concurrent_post)


@pytest.mark.parametrize(("region", "level", "code", "area"), [
    ("360000", "national", "ministerial", "54"),
    ("360000", "national", "division", "12"),
    ("360000", "province", "department_director", "30"),
    ("360000", "province", "division_deputy", "12"),
    ("360100", "city", "municipal", "42"),
    ("360100", "city", "below_bureau", "9"),
    ("360102", "county", "vice_county", "24"),
    ("360102", "county", "section_deputy", "12"),
    ("360102", "township", "township", "24"),
    ("360102", "township", "below_township", "9"),
])
def test_limit_follows_the_2014_table_at_each_level(region, level, code, area):
    person = person_of_rank(make_unit(region), level, code)
    assert standards.limit_for(person) == Decimal(area)


def test_no_rank_means_no_limit(w):
    w.clerk.rank = None
    w.clerk.save()
    assert standards.limit_for(w.clerk) is None


def test_province_override_for_township_wins_in_that_province_only():
    township = Rank.objects.get(level="township", code="township")
    AreaStandard.objects.create(rank=township, region_id="360000", area=Decimal("20"))
    hubei = Region.objects.create(code="420000", name="湖北省", level="province", parent_id="000000")
    Region.objects.create(code="421100", name="黄冈市", level="city", parent=hubei)

    in_jiangxi = person_of_rank(make_unit("360102"), "township", "township")
    in_hubei = person_of_rank(make_unit("421100"), "township", "township")

    assert standards.limit_for(in_jiangxi) == Decimal("20")
    assert standards.limit_for(in_hubei) == Decimal("24")


def test_nearest_regional_row_wins():
    rank = Rank.objects.get(level="county", code="below_section")
    AreaStandard.objects.create(rank=rank, region_id="360000", area=Decimal("8"))
    AreaStandard.objects.create(rank=rank, region_id="360100", area=Decimal("7.5"))
    assert standards.limit_for(person_of_rank(make_unit("360102"), "county", "below_section")) == Decimal("7.5")
    assert standards.limit_for(person_of_rank(make_unit("360400"), "county", "below_section")) == Decimal("8")


def test_single_office_entitlement_and_excess(w):
    seat(w.single, w.deputy)  # 30 ㎡ for an 18 ㎡ limit
    assert standards.room_entitlement(w.single) == Decimal("18")
    assert standards.room_excess(w.single) == Decimal("12")


def test_shared_office_entitlement_is_the_sum_of_its_occupants(w):
    seat(w.shared, w.clerk, w.clerk2)  # 40 ㎡ for 9 + 9
    assert standards.room_entitlement(w.shared) == Decimal("18")
    assert standards.room_excess(w.shared) == Decimal("22")


def test_within_standard_released_and_non_office_rooms_have_no_excess(w):
    seat(w.single, w.director)  # 30 ㎡, limit 24 → 6 over
    w.single.usable_area = Decimal("24")
    w.single.save()
    Occupancy.objects.create(room=w.shared, person=w.deputy, start=TODAY, end=TODAY)
    seat(w.meeting, w.clerk)
    assert standards.room_excess(w.single) == 0
    assert standards.room_entitlement(w.shared) == 0 and standards.room_excess(w.shared) == 0
    assert standards.room_excess(w.meeting) == 0


def test_analysis_of_a_small_ledger(w):
    seat(w.single, w.deputy)  # 30 vs 18: 12 over
    seat(w.shared, w.clerk, w.clerk2)  # 40 vs 18: 22 over
    fitting = room(w, "303", "20")
    seat(fitting, w.director)  # 20 vs 24: within
    idle = room(w, "304", "15", state="idle")
    room(w, "305", "99", retired=True)  # retired rooms are out of the ledger's figures

    result = standards.analysis(Room.objects.all())

    assert result["by_category"]["office"] == {"count": 4, "area": Decimal("105")}
    assert result["by_category"]["service"] == {"count": 1, "area": Decimal("60")}
    assert result["by_category"]["equipment"] == {"count": 0, "area": 0}
    assert result["total_area"] == Decimal("165")
    assert result["office_area"] == Decimal("105")
    assert result["office_entitlement"] == Decimal("60")  # 18 + 18 + 24
    assert (result["over_standard_count"], result["over_standard_area"]) == (2, Decimal("34"))
    assert (result["idle_count"], result["idle_area"]) == (1, Decimal("15"))
    assert result["idle_rate"] == Decimal("0.0909")  # 15 / 165
    assert list(standards.idle_rooms(Room.objects.all())) == [idle]


@pytest.mark.parametrize("province_rows", [False, True])
def test_analysis_agrees_with_the_per_room_rule(w, province_rows):
    """The grouped totals and the per-room annotation are two readings of one rule, on either path."""
    seat(w.single, w.deputy)
    seat(w.shared, w.clerk, w.clerk2)
    seat(room(w, "303", "20"), w.director)
    if province_rows:  # the province gives the deputy's rank more room: 30 ㎡ is then within standard
        AreaStandard.objects.create(rank=w.deputy.rank, region_id="360000", area=Decimal("30"))
    result = standards.analysis(Room.objects.all())
    over = list(standards.over_standard_rooms(Room.objects.all()))
    offices = Room.objects.filter(category="office", retired=False)
    assert result["over_standard_count"] == len(over) == (1 if province_rows else 2)
    assert result["over_standard_area"] == sum(r.excess for r in over)
    assert result["office_entitlement"] == sum(standards.room_entitlement(r) for r in offices)


def test_over_standard_rooms_are_annotated_in_the_database(w, django_assert_max_num_queries):
    seat(w.single, w.deputy)
    seat(w.shared, w.clerk, w.clerk2)
    # whether any province has its own rows (asked for the grouped pass and for the annotation), the rooms
    with django_assert_max_num_queries(3):
        rows = [(r.number, r.entitlement, r.excess) for r in standards.over_standard_rooms(Room.objects.all())]
    assert rows == [("302", Decimal("18"), Decimal("22")), ("301", Decimal("18"), Decimal("12"))]


def test_analysis_is_set_based(w, django_assert_max_num_queries):
    for n in range(10):
        seat(room(w, f"2{n:02d}", "25", floor=2), *([w.clerk] if n == 0 else []))
    with django_assert_max_num_queries(4):
        standards.analysis(Room.objects.all())


def test_unit_per_capita(w):
    seat(w.single, w.director)
    seat(w.shared, w.clerk, w.clerk2)
    (row,) = standards.unit_per_capita(type(w.finance).objects.filter(pk=w.finance.pk))
    assert row["people"] == 5  # the four above and the unit administrator, whose rank is not recorded
    assert row["office_area"] == Decimal("70")  # offices only
    assert row["per_capita"] == Decimal("14.00")
    assert row["standard_per_capita"] == Decimal("15.00")  # (24 + 18 + 9 + 9) / 4 ranked people
    (empty,) = standards.unit_per_capita(type(w.finance).objects.filter(pk=w.jiujiang.pk))
    assert (empty["people"], empty["per_capita"], empty["standard_per_capita"]) == (2, Decimal("0.00"), Decimal("9.00"))


def test_unit_per_capita_counts_departments_with_the_same_queries_however_many_agencies(
        w, django_assert_max_num_queries):
    from jiguan.core.models import OrgUnit
    from jiguan.core.testing import make_department, make_person

    office = make_department(w.finance, "办公室")
    make_person(office, "钱科员", rank="below_bureau")  # 9 ㎡
    room(w, "305", "40", unit=office)
    for n in range(20):
        make_unit("360100", f"南昌市某局{n}")
    agencies = OrgUnit.objects.filter(kind="unit").order_by("org_path")
    with django_assert_max_num_queries(4):  # regional rows?; people and their limits; office area; agencies
        rows = {row["unit"].pk: row for row in standards.unit_per_capita(agencies)}
    finance = rows[w.finance.pk]
    assert (finance["people"], finance["office_area"]) == (6, Decimal("110"))  # offices 301, 302 and the department's 305
    assert finance["per_capita"] == Decimal("18.33")
    assert finance["standard_per_capita"] == Decimal("13.80")  # (24 + 18 + 9 + 9 + 9) / 5 ranked people
    assert len(rows) == agencies.count() and rows[w.jiujiang.pk]["office_area"] == 0


def test_unit_per_capita_top_keeps_the_largest_area_per_head_of_staffed_agencies(w):
    from jiguan.core.models import OrgUnit

    for n in range(3):
        make_unit("360100", f"南昌市某局{n}")  # no people: no area per head, never ranked
    agencies = OrgUnit.objects.filter(kind="unit")
    everyone = [row for row in standards.unit_per_capita(agencies) if row["per_capita"] is not None]
    expected = sorted(everyone, key=lambda row: (-row["per_capita"], row["unit"].pk))
    assert len(expected) >= 2
    top = standards.unit_per_capita(agencies, top=len(expected) - 1)
    assert top == expected[:-1]
    assert all(isinstance(row["unit"], OrgUnit) and row["unit"].name for row in top)
