"""The office-space screens: who sees which page and which rooms, the forms' refusals, the assign flow,
exports and "my office"."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiguan.core.models import AccessLog, Event, Rank
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.modules.officespace.models import (
    AreaStandard,
    Building,
    Compound,
    Floor,
    Occupancy,
    Recovery,
    RecoveryState,
    Room,
    RoomState,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False  # second factors are tested by the authentication helper


def make_room(building: Building, number: str, *, unit=None, floor: int = 3, area="18", **fields) -> Room:
    floor_row, _ = Floor.objects.get_or_create(building=building, number=floor, defaults={"unit": building.unit})
    return Room.objects.create(floor=floor_row, number=number, unit=unit or building.unit, category="office",
                               usable_area=Decimal(area), **fields)


def make_building(unit, name: str, region: str) -> Building:
    compound = Compound.objects.create(unit=unit, name=f"{name}院", region_id=region, address="测试路1号")
    return Building.objects.create(unit=unit, compound=compound, name=name, year_built=2005, floors_above=6,
                                   gross_area=Decimal("6000"))


@pytest.fixture
def ledger(db):
    """南昌: the bureau's building with a finance-bureau office (over standard) and an idle room;
    九江: one room of its finance bureau."""
    bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    building = make_building(bureau, "南昌市行政中心1号楼", "360100")
    office = make_room(building, "301", unit=finance, area="30")
    idle = make_room(building, "302", unit=bureau, state=RoomState.IDLE, idle_since=date(2026, 1, 5))
    jj_room = make_room(make_building(jiujiang, "九江市行政中心", "360400"), "101")
    sitter = make_person(finance, "王五", rank="below_bureau")  # 9 ㎡ at city level
    Occupancy.objects.create(room=office, person=sitter, start=date(2025, 1, 1))
    return {"bureau": bureau, "finance": finance, "jiujiang": jiujiang, "building": building, "office": office,
            "idle": idle, "jj_room": jj_room, "sitter": sitter}


@pytest.fixture
def people(ledger):
    jj_bureau = make_unit("360400", "九江市机关事务管理局", is_bureau=True)
    return {
        "nc_admin": make_account("nc_admin", roles=("region_bureau_admin",), unit=ledger["bureau"]),
        "jj_admin": make_account("jj_admin", roles=("region_bureau_admin",), unit=jj_bureau),
        "unit_admin": make_account("unit_admin", roles=("unit_admin",), unit=ledger["finance"]),
        "secadmin": make_account("secadmin", roles=("security_admin",), unit=ledger["bureau"]),
        "staff": make_account("staff", roles=("staff",), unit=ledger["finance"], person=ledger["sitter"]),
    }


@pytest.fixture
def login(client, people):
    def sign_in(name):
        client.force_login(people[name])
        return client

    return sign_in


def workbook_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))


def url(name, *args):
    return reverse(f"manage:officespace:{name}", args=args)


# --- Who sees what --------------------------------------------------------------------------------

PAGES = ["ledger", "over_standard", "idle", "recoveries", "standards"]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_for_the_bureau_and_refuses_others(login, page):
    assert login("nc_admin").get(url(page)).status_code == 200
    response = login("staff").get(url(page))
    assert response.status_code == 403 and reverse("service:home") in response.content.decode()
    response = login("secadmin").get(url(page))  # in the portal, without the module's permission
    assert response.status_code == 403 and "权限" in response.content.decode()


def test_ledger_tree_shows_the_city_bureau_its_city_only(login, ledger):
    body = login("nc_admin").get(url("ledger")).content.decode()
    assert "南昌市行政中心1号楼" in body
    assert "九江市行政中心" not in body
    body = login("jj_admin").get(url("ledger")).content.decode()
    assert "九江市行政中心" in body and "南昌市行政中心1号楼" not in body


def test_building_fragment_lists_floors_and_only_the_rooms_in_scope(login, ledger):
    path = url("building_rooms", ledger["building"].pk)
    body = login("unit_admin").get(path, HTTP_HX_REQUEST="true").content.decode()
    assert "301" in body and "302" not in body  # the idle room belongs to the bureau, not to finance
    assert "3F" in body
    body = login("nc_admin").get(path + "?category=office&state=idle", HTTP_HX_REQUEST="true").content.decode()
    assert "302" in body and "301" not in body
    assert login("jj_admin").get(path).status_code == 404


def test_a_large_tree_lists_compounds_and_loads_their_buildings_when_opened(login, ledger, monkeypatch):
    from jiguan.modules.officespace.views import ledger as ledger_views

    monkeypatch.setattr(ledger_views, "INLINE_BUILDINGS", 0)
    body = login("nc_admin").get(url("ledger")).content.decode()
    compound = ledger["building"].compound
    assert compound.name in body and url("compound_buildings", compound.pk) in body
    assert "building-link" not in body  # the buildings are loaded when the compound is opened
    assert "1 栋楼" in body and "2 间，48.00 ㎡" in body  # the compound's own figures

    path = url("compound_buildings", compound.pk)
    body = login("nc_admin").get(path, HTTP_HX_REQUEST="true").content.decode()
    assert "南昌市行政中心1号楼" in body and "2 间，48.00 ㎡" in body
    assert url("building_rooms", ledger["building"].pk) in body
    body = login("nc_admin").get(path + "?state=idle", HTTP_HX_REQUEST="true").content.decode()
    assert "1 间，18.00 ㎡" in body and "state=idle" in body  # the filters narrow and travel on
    body = login("unit_admin").get(path, HTTP_HX_REQUEST="true").content.decode()
    assert "1 间，30.00 ㎡" in body  # the finance bureau sees only its own office in the bureau's building
    assert login("jj_admin").get(path).status_code == 404


def test_room_page_shows_entitlement_and_is_404_out_of_scope(login, ledger):
    response = login("unit_admin").get(url("room", ledger["office"].pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "王五" in body and 'data-testid="entitlement">9.00 ㎡' in body
    assert "超标" in body  # 30 ㎡ for a 9 ㎡ entitlement
    assert login("unit_admin").get(url("room", ledger["idle"].pk)).status_code == 404
    assert login("jj_admin").get(url("room", ledger["office"].pk)).status_code == 404


def test_over_standard_and_idle_lists(login, ledger):
    body = login("nc_admin").get(url("over_standard")).content.decode()
    assert "301" in body and "21.00" in body  # 30 − 9
    assert "九江市行政中心" not in body
    body = login("nc_admin").get(url("idle")).content.decode()
    assert "302" in body and "2026年1月5日" in body
    assert "301" not in body.split("<tbody>")[1]


def test_the_unit_filter_searches_the_server_and_narrows_only_within_scope(login, ledger):
    client = login("nc_admin")
    page = client.get(url("idle")).content.decode()
    select = page[page.rindex("<select", 0, page.index('name="unit"')):]
    select = select[:select.index("</select>")]
    assert "data-picker" in select and "南昌市财政局" not in select  # no list of every unit
    assert 'class="form-select"' in select and 'placeholder="全部"' in select  # like the bar's other filters
    rows = workbook_rows(client.get(url("ledger"), {"unit": ledger["finance"].pk, "export": "xlsx"}))
    assert [row[3] for row in rows[1:]] == ["301"]
    chosen = client.get(url("ledger"), {"unit": ledger["finance"].pk}).content.decode()
    assert "南昌市财政局" in chosen[chosen.index('name="unit"'):]  # the chosen unit stays shown
    outside = workbook_rows(client.get(url("ledger"), {"unit": ledger["jiujiang"].pk, "export": "xlsx"}))
    assert sorted(row[3] for row in outside[1:]) == ["301", "302"]  # out of scope: ignored, nothing leaks
    garbled = workbook_rows(client.get(url("ledger"), {"unit": "财政局'; --", "export": "xlsx"}))
    assert sorted(row[3] for row in garbled[1:]) == ["301", "302"]  # not a unit: ignored


@pytest.mark.parametrize("page", ["ledger", "over_standard", "idle", "recoveries"])
def test_lists_export_xlsx_and_log_the_export(login, ledger, page):
    response = login("nc_admin").get(url(page) + "?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert workbook_rows(response)[0]  # a header row
    assert AccessLog.objects.filter(kind="export").exists()


def test_ledger_export_contains_only_rooms_in_scope(login, ledger):
    response = login("unit_admin").get(url("ledger") + "?export=xlsx")
    rows = workbook_rows(response)
    numbers = [row[3] for row in rows[1:]]
    assert numbers == ["301"]


# --- Keeping the ledger -----------------------------------------------------------------------------


def test_create_building_with_bad_input_shows_the_error_and_creates_nothing(login, ledger):
    compound = ledger["building"].compound
    before = Building.objects.count()
    response = login("nc_admin").post(url("building_create"), {
        "compound": compound.pk, "name": "南昌市行政中心1号楼", "year_built": 2010, "floors_above": 5,
        "floors_below": 0, "gross_area": "3000", "structure": "frame",
    })
    assert response.status_code == 200
    assert "此院落已有同名楼栋" in response.content.decode()
    assert Building.objects.count() == before
    response = login("nc_admin").post(url("building_create"), {
        "compound": compound.pk, "name": "2号楼", "year_built": 1800, "floors_above": 0, "gross_area": "-5",
        "structure": "frame",
    })
    assert response.status_code == 200 and Building.objects.count() == before
    assert 'is-invalid' in response.content.decode()


def test_the_building_form_picks_its_compound_by_search_within_reach(login, ledger):
    compound = ledger["building"].compound
    client = login("nc_admin")
    body = client.get(url("building_create")).content.decode()
    select = body[body.index('name="compound"'):].split("</select>")[0]
    assert "data-picker" in select and compound.name not in select  # searched for, not listed
    body = client.get(url("building_create"), {"compound": compound.pk}).content.decode()
    assert compound.name in body[body.index('name="compound"'):].split("</select>")[0]  # from "Add building"
    found = client.get(reverse("manage:picker", args=["officespace.compound"]),
                       {"perm": "officespace.manage", "q": "行政中心"}).json()["results"]
    assert [row["text"] for row in found] == [f"{compound.name}（南昌市）"]
    jj_compound = ledger["jj_room"].building.compound
    before = Building.objects.count()
    response = client.post(url("building_create"), {
        "compound": jj_compound.pk, "name": "2号楼", "year_built": 2012, "floors_above": 4, "floors_below": 0,
        "gross_area": "3000", "structure": "frame",
    })
    assert response.status_code == 200 and Building.objects.count() == before
    assert "超出您的数据范围" in response.content.decode()


def test_create_building_and_room(login, ledger):
    compound = ledger["building"].compound
    response = login("nc_admin").post(url("building_create"), {
        "compound": compound.pk, "name": "2号楼", "year_built": 2012, "floors_above": 4, "floors_below": 1,
        "gross_area": "3000", "structure": "frame",
    })
    assert response.status_code == 302
    building = Building.objects.get(name="2号楼")
    assert building.floor_set.count() == 5
    response = login("nc_admin").post(url("room_create"), {
        "building": building.pk, "floor_number": 2, "number": "201", "category": "office",
        "usable_area": "12", "desks": 1, "unit": ledger["finance"].pk,
    })
    room = Room.objects.get(building=building, number="201")
    assert response.status_code == 302 and response["Location"] == url("room", room.pk)
    assert room.unit == ledger["finance"]


def test_create_room_with_bad_input_shows_the_chinese_error_and_creates_nothing(login, ledger):
    before = Room.objects.count()
    response = login("nc_admin").post(url("room_create"), {
        "building": ledger["building"].pk, "floor_number": 3, "number": "301", "category": "office",
        "usable_area": "12", "desks": 1,
    })
    body = response.content.decode()
    assert response.status_code == 200 and Room.objects.count() == before
    assert "该楼栋已有相同房间号" in body
    response = login("nc_admin").post(url("room_create"), {
        "building": ledger["building"].pk, "floor_number": 99, "number": "9901", "category": "office",
        "usable_area": "0", "desks": 1,
    })
    assert response.status_code == 200 and Room.objects.count() == before
    assert "is-invalid" in response.content.decode()


def test_unit_admin_cannot_add_rooms_to_a_building_outside_its_ledger(login, ledger):
    before = Room.objects.count()
    response = login("unit_admin").post(url("room_create"), {
        "building": ledger["building"].pk, "floor_number": 3, "number": "399", "category": "office",
        "usable_area": "12", "desks": 1,
    })
    assert response.status_code == 200 and Room.objects.count() == before
    assert "范围" in response.content.decode()


def test_staff_cannot_post_to_the_ledger(login, ledger):
    response = login("staff").post(url("room_assign", ledger["office"].pk), {"person": ledger["sitter"].pk})
    assert response.status_code == 403


# --- Occupants ---------------------------------------------------------------------------------------


def test_assign_occupant_flow(login, ledger):
    newcomer = make_person(ledger["finance"], "赵六", rank="bureau_deputy")
    room = ledger["office"]
    room.desks = 2
    room.save()
    client = login("unit_admin")
    response = client.post(url("room_assign", room.pk), {"person": newcomer.pk})
    assert response.status_code == 302
    assert Occupancy.objects.filter(room=room, person=newcomer, end__isnull=True).exists()
    body = client.get(url("room", room.pk)).content.decode()
    assert "赵六" in body and 'data-testid="entitlement">27.00 ㎡' in body  # 9 + 18


def test_assign_refusals_land_on_the_form_and_change_nothing(login, ledger):
    client = login("unit_admin")
    other = make_person(ledger["finance"], "钱七")
    response = client.post(url("room_assign", ledger["office"].pk), {"person": other.pk})  # one desk, taken
    assert response.status_code == 200
    assert not Occupancy.objects.filter(person=other).exists()
    assert "工位已满" in response.content.decode()
    outsider = make_person(ledger["jiujiang"], "孙八")
    response = client.post(url("room_assign", ledger["office"].pk), {"person": outsider.pk})
    assert response.status_code == 200 and not Occupancy.objects.filter(person=outsider).exists()
    assert "范围" in response.content.decode()


def test_release_occupant_makes_the_office_idle(login, ledger):
    occupancy = Occupancy.objects.get(room=ledger["office"])
    response = login("unit_admin").post(url("occupancy_release", occupancy.pk), {"end": ""})
    assert response.status_code == 302
    occupancy.refresh_from_db()
    ledger["office"].refresh_from_db()
    assert occupancy.end is not None and ledger["office"].state == RoomState.IDLE


def test_forbidden_state_is_recorded_with_a_violation_event(login, ledger):
    room = ledger["idle"]
    client = login("nc_admin")
    response = client.post(url("room_state", room.pk), {"state": "rented", "comment": ""})
    assert response.status_code == 200 and "请说明发现的违规使用情况" in response.content.decode()
    room.refresh_from_db()
    assert room.state == RoomState.IDLE
    response = client.post(url("room_state", room.pk), {"state": "rented", "comment": "出租给餐饮公司"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.state == RoomState.RENTED
    assert Event.objects.filter(type="officespace.violation").count() == 1
    body = client.get(url("room", room.pk)).content.decode()
    assert "alert-danger" in body


# --- Recoveries and standards ---------------------------------------------------------------------


def test_recoveries_show_the_countdown_and_complete(login, ledger):
    occupancy = Occupancy.objects.get(room=ledger["office"])
    recovery = Recovery.objects.create(unit=ledger["finance"], occupancy=occupancy, reason="transferred",
                                       opened_on=date(2020, 1, 1), due_on=date(2020, 2, 1), state="overdue")
    client = login("nc_admin")
    body = client.get(url("recoveries")).content.decode()
    assert "王五" in body and "逾期" in body
    response = client.post(url("recovery_complete", recovery.pk), {"next": url("recoveries")})
    assert response.status_code == 302
    recovery.refresh_from_db()
    occupancy.refresh_from_db()
    assert recovery.state == RecoveryState.RECOVERED and occupancy.end is not None


def test_recoveries_out_of_scope_are_hidden_and_404(login, ledger):
    occupancy = Occupancy.objects.get(room=ledger["office"])
    recovery = Recovery.objects.create(unit=ledger["finance"], occupancy=occupancy, reason="transferred",
                                       opened_on=date(2020, 1, 1), due_on=date(2020, 2, 1))
    client = login("jj_admin")
    assert "王五" not in client.get(url("recoveries")).content.decode()
    assert client.post(url("recovery_complete", recovery.pk)).status_code == 404
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.OPEN


def test_standards_table_is_read_only_without_the_permission(login, ledger):
    body = login("unit_admin").get(url("standards")).content.decode()
    assert "市级" in body and "局(处)级以下" in body
    assert 'name="area"' not in body
    response = login("unit_admin").post(url("standards"), {"rank": 1, "region": "360000", "area": "20"})
    assert response.status_code == 403


def test_bureau_saves_a_regional_row_and_bad_area_is_refused(login, ledger):

    rank = Rank.objects.get(level="township", code="township")
    client = login("nc_admin")
    response = client.post(url("standards"), {"rank": rank.pk, "region": "360100", "area": "-3"})
    assert response.status_code == 200 and not AreaStandard.objects.filter(region__isnull=False).exists()
    response = client.post(url("standards"), {"rank": rank.pk, "region": "360100", "area": "24"})
    assert response.status_code == 302
    assert AreaStandard.objects.get(rank=rank, region_id="360100").area == Decimal("24")


# --- Service portal --------------------------------------------------------------------------------


def test_my_office_shows_the_room_and_the_empty_state(client, people, ledger):
    client.force_login(people["staff"])
    body = client.get(reverse("service:officespace:my_office")).content.decode()
    assert 'data-testid="room-number">301<' in body and "30.00 ㎡" in body and "9.00 ㎡" in body
    assert "超标 21.00 ㎡" in body
    other = make_account("lonely", roles=("staff",), unit=ledger["finance"])
    client.force_login(other)
    body = client.get(reverse("service:officespace:my_office")).content.decode()
    assert 'data-testid="no-office"' in body
