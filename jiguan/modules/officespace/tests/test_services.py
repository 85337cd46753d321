"""Office-space use cases: the ledger, seating people, forbidden uses, area standards, my office, and the
permission matrix (unit admin: its unit; city bureau: its city; staff: only their own office)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.models import Event, Rank
from jiguan.core.statemachine import timeline
from jiguan.modules.officespace import services
from jiguan.modules.officespace.models import AreaStandard, Building, Compound, Occupancy, Room

from .ledger import build_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_ledger()


def messages(exc_info) -> dict:
    return exc_info.value.errors


# --- Ledger ---------------------------------------------------------------------------------------


def test_create_building_records_its_floors(w):
    building = services.create_building(w.fin_admin, compound_id=w.compound.pk, name="附楼", year_built=2010,
                                        floors_above=4, floors_below=1, gross_area="2400.50")
    assert sorted(building.floor_set.values_list("number", flat=True)) == [-1, 1, 2, 3, 4]
    assert building.gross_area == Decimal("2400.50") and building.org_path == w.finance.org_path


def test_create_building_bad_input_names_each_field_and_writes_nothing(w):
    with pytest.raises(ValidationFailed) as exc:
        services.create_building(w.fin_admin, compound_id=w.compound.pk, name="主楼", year_built="一九九零",
                                 floors_above=0, gross_area="-5", structure="wood")
    errors = messages(exc)
    assert set(errors) == {"name", "year_built", "floors_above", "gross_area", "structure"}
    assert errors["name"] == ["此院落已有同名楼栋。"]
    assert "地上层数" in errors["floors_above"][0]
    assert Building.objects.count() == 1


def test_compound_out_of_scope_is_not_found(w):
    with pytest.raises(Http404):
        services.create_building(w.fin_admin, compound_id=w.jj_compound.pk, name="楼", year_built=2000,
                                 floors_above=1, gross_area=100)


def test_create_compound_for_a_unit_outside_the_scope_is_refused(w):
    with pytest.raises(ValidationFailed) as exc:
        services.create_compound(w.nc_admin, unit_id=w.jiujiang.pk, name="院", region_code="360400", address="某路")
    assert "unit_id" in messages(exc)
    compound = services.create_compound(w.nc_admin, unit_id=w.finance.pk, name="二号院", region_code="360100",
                                        address="南昌市某路2号", land_area="1200")
    assert compound.unit == w.finance and compound.land_area == Decimal("1200")
    assert Compound.objects.count() == 3


def test_create_room_checks_floor_number_area_and_duplicates(w):
    with pytest.raises(ValidationFailed) as exc:
        services.create_room(w.fin_admin, building_id=w.building.pk, floor_number=9, number="301",
                             category="kitchen", usable_area="12.345", gross_area="1")
    errors = messages(exc)
    assert set(errors) == {"floor_number", "number", "category", "usable_area"}
    assert "1 至 3" in errors["floor_number"][0]
    assert Room.objects.count() == 3
    new = services.create_room(w.fin_admin, building_id=w.building.pk, floor_number=2, number="201",
                               category="office", usable_area="18", desks=2)
    assert (new.floor.number, new.desks, new.state, new.unit) == (2, 2, "in_use", w.finance)


def test_fewer_floors_refused_while_rooms_are_on_them(w):
    with pytest.raises(ValidationFailed) as exc:
        services.update_building(w.fin_admin, w.building.pk, floors_above=2)
    assert "3F" in messages(exc)["floors_above"][0]
    services.update_building(w.fin_admin, w.building.pk, floors_above=5)
    assert w.building.floor_set.count() == 5


def test_retire_building_refused_while_occupied(w):
    services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.clerk.pk)
    with pytest.raises(StateError):
        services.retire_building(w.fin_admin, w.building.pk)
    Occupancy.objects.update(end=date.today())
    building = services.retire_building(w.fin_admin, w.building.pk)
    assert building.state == "retired" and not Room.objects.filter(retired=False).exists()
    with pytest.raises(StateError):
        services.update_building(w.fin_admin, w.building.pk, name="新名")


def test_update_room_to_another_unit_moves_its_occupancies_scope(w):
    services.assign_occupant(w.nc_admin, room_id=w.single.pk, person_id=w.clerk.pk)
    room_ = services.update_room(w.nc_admin, w.single.pk, unit_id=w.nc_bureau.pk)
    assert room_.org_path == w.nc_bureau.org_path
    assert Occupancy.objects.get().org_path == w.nc_bureau.org_path


def test_update_room_keeps_enough_desks_and_office_category(w):
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk2.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.update_room(w.fin_admin, w.shared.pk, desks=1, category="service")
    assert set(messages(exc)) == {"desks", "category"}
    with pytest.raises(ValidationFailed):
        services.update_room(w.fin_admin, w.shared.pk, state="idle")  # state moves only by set_room_state
    assert Room.objects.get(pk=w.shared.pk).desks == 2


# --- Room state and violations ---------------------------------------------------------------------


def test_a_forbidden_use_must_be_described(w):
    with pytest.raises(ValidationFailed) as excinfo:
        services.set_room_state(w.fin_admin, w.meeting.pk, "lent")
    assert "comment" in excinfo.value.errors
    assert Room.objects.get(pk=w.meeting.pk).state == "in_use"


def test_forbidden_use_is_recorded_and_opens_a_violation_event(w):
    room_ = services.set_room_state(w.fin_admin, w.meeting.pk, "rented", comment="出租给某公司")
    assert room_.state == "rented"
    event = Event.objects.get(type="officespace.violation")
    assert (event.unit, event.subject, event.priority) == (w.finance, room_, "high")
    assert [(e.action, e.from_state, e.to_state) for e in timeline(room_)] == [("set_state", "in_use", "rented")]


def test_idle_sets_idle_since_and_refuses_an_occupied_room(w):
    room_ = services.set_room_state(w.fin_admin, w.single.pk, "idle")
    assert room_.idle_since == date.today()
    assert services.set_room_state(w.fin_admin, w.single.pk, "repair").idle_since is None
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)
    with pytest.raises(StateError):
        services.set_room_state(w.fin_admin, w.shared.pk, "idle")
    with pytest.raises(StateError):
        services.set_room_state(w.fin_admin, w.single.pk, "repair")  # already
    with pytest.raises(ValidationFailed):
        services.set_room_state(w.fin_admin, w.single.pk, "demolished")
    assert not Event.objects.exists()


# --- Seating people --------------------------------------------------------------------------------


def test_assign_seats_a_person_and_an_idle_office_comes_into_use(w):
    services.set_room_state(w.fin_admin, w.single.pk, "idle")
    occupancy = services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.deputy.pk,
                                         start="2026-01-02")
    assert (occupancy.start, occupancy.end, occupancy.org_path) == (date(2026, 1, 2), None, w.finance.org_path)
    room_ = Room.objects.get(pk=w.single.pk)
    assert (room_.state, room_.idle_since) == ("in_use", None)


def test_over_standard_seating_is_allowed(w):
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)  # 40 ㎡ for 9
    assert Occupancy.objects.count() == 1


def test_only_offices_with_free_desks_take_occupants(w):
    with pytest.raises(ValidationFailed) as exc:
        services.assign_occupant(w.fin_admin, room_id=w.meeting.pk, person_id=w.clerk.pk)
    assert "只有办公室" in messages(exc)["room_id"][0]
    services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.clerk.pk)
    with pytest.raises(Conflict):
        services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.clerk2.pk)
    services.set_room_state(w.fin_admin, w.shared.pk, "lent", comment="借给外单位使用")
    with pytest.raises(StateError):
        services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk2.pk)
    assert Occupancy.objects.count() == 1


def test_person_out_of_scope_or_not_in_post_is_refused(w):
    with pytest.raises(ValidationFailed) as exc:
        services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.jj_clerk.pk)
    assert "person_id" in messages(exc)
    w.clerk.status = "retired"
    w.clerk.save()
    with pytest.raises(ValidationFailed) as exc:
        services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.clerk.pk, start="明天")
    assert set(messages(exc)) == {"person_id", "start"}
    assert not Occupancy.objects.exists()


def test_one_main_office_and_a_second_only_for_a_concurrent_post(w):
    services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.deputy.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.deputy.pk)
    assert "兼职" in messages(exc)["concurrent_post"][0]
    with pytest.raises(ValidationFailed):
        services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.deputy.pk, concurrent_post=True)
    second = services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.deputy.pk, concurrent_post=True)
    assert second.concurrent_post and Occupancy.objects.filter(person=w.deputy, end=None).count() == 2


def test_release_ends_the_occupancy_and_an_empty_office_turns_idle(w):
    occupancy = services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.clerk.pk, start="2026-01-02")
    with pytest.raises(ValidationFailed):
        services.release_occupant(w.fin_admin, occupancy.pk, end="2025-12-31")
    services.release_occupant(w.fin_admin, occupancy.pk, end="2026-02-01")
    assert Occupancy.objects.get().end == date(2026, 2, 1)
    room_ = Room.objects.get(pk=w.single.pk)
    assert (room_.state, room_.idle_since) == ("idle", date(2026, 2, 1))
    with pytest.raises(StateError):
        services.release_occupant(w.fin_admin, occupancy.pk)


# --- Area standards ----------------------------------------------------------------------------------


def test_bureau_sets_its_own_standard_and_the_national_row_is_read_only(w):
    rank = Rank.objects.get(level="county", code="below_section")
    standard = services.save_area_standard(w.nc_admin, rank_id=rank.pk, region_code="360100", area="8.5")
    assert (standard.region_id, standard.area) == ("360100", Decimal("8.5"))
    assert services.save_area_standard(w.nc_admin, rank_id=rank.pk, region_code="360100", area=8).pk == standard.pk
    with pytest.raises(ValidationFailed) as exc:
        services.save_area_standard(w.nc_admin, rank_id=rank.pk, region_code="000000", area=8)
    assert "国家标准" in messages(exc)["region_code"][0]
    with pytest.raises(PermissionDenied):  # 九江 or the province is outside 南昌's scope
        services.save_area_standard(w.nc_admin, rank_id=rank.pk, region_code="360000", area=8)
    with pytest.raises(PermissionDenied):
        services.save_area_standard(w.fin_admin, rank_id=rank.pk, region_code="360100", area=8)
    assert AreaStandard.objects.filter(region__isnull=False).count() == 1


def test_standard_input_is_checked(w):
    province_rank = Rank.objects.get(level="province", code="below_division")
    with pytest.raises(ValidationFailed) as exc:
        services.save_area_standard(w.nc_admin, rank_id=province_rank.pk, region_code="360100", area="0")
    assert set(messages(exc)) == {"rank_id", "area"}
    assert not AreaStandard.objects.filter(region__isnull=False).exists()


# --- My office -------------------------------------------------------------------------------------


def test_my_office_shows_room_share_limit_and_entitlement(w):
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk2.pk)
    mine = services.my_office(w.staff)
    assert mine["person"] == w.clerk and mine["limit"] == Decimal("9")
    (office,) = mine["offices"]
    assert (office["room"], office["building"], office["usable_area"]) == (w.shared, w.building, Decimal("40"))
    assert (office["co_occupants"], office["entitlement"], office["excess"]) == (1, Decimal("18"), Decimal("22"))


# --- Permission matrix -----------------------------------------------------------------------------


MATRIX = [
    # (account, room in finance reachable?, room in 九江 reachable?)
    ("fin_admin", True, False),
    ("nc_admin", True, False),
    ("jj_admin", False, True),
]


@pytest.mark.parametrize(("who", "finance_ok", "jiujiang_ok"), MATRIX)
def test_permission_matrix_for_rooms(w, who, finance_ok, jiujiang_ok):
    jj_building = Building.objects.create(compound=w.jj_compound, unit=w.jiujiang, name="九江楼", year_built=2000,
                                          floors_above=1, gross_area=100)
    jj_floor = jj_building.floor_set.create(number=1, unit=w.jiujiang)
    jj_room = Room.objects.create(floor=jj_floor, unit=w.jiujiang, number="1", category="office", usable_area=10)
    account = getattr(w, who)
    for target, allowed in ((w.single, finance_ok), (jj_room, jiujiang_ok)):
        if allowed:
            assert services.set_room_state(account, target.pk, "repair").state == "repair"
        else:
            with pytest.raises(Http404):
                services.set_room_state(account, target.pk, "repair")


def test_staff_can_do_nothing_but_see_their_office(w):
    with pytest.raises(PermissionDenied):
        services.set_room_state(w.staff, w.single.pk, "idle")
    with pytest.raises(PermissionDenied):
        services.assign_occupant(w.staff, room_id=w.single.pk, person_id=w.clerk.pk)
    with pytest.raises(PermissionDenied):
        services.create_compound(w.staff, unit_id=w.finance.pk, name="院", region_code="360100", address="路")
    assert services.my_office(w.staff)["offices"] == []
    assert not Occupancy.objects.exists() and Room.objects.get(pk=w.single.pk).state == "in_use"
