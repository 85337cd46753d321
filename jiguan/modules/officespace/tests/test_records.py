"""The ledger's record screens: the building page (edit, retire, ownership registrations), editing and
retiring a room, and the bureau's allocation documents — who may, what is refused, and that a refusal
changes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.modules.officespace import services
from jiguan.modules.officespace.models import AllocationDocument, Building, Floor, Occupancy, Ownership, Room

from .ledger import build_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False  # second factors are tested by the authentication helper


@pytest.fixture
def w(db):
    return build_ledger()


@pytest.fixture
def login(client, w):
    def sign_in(name):
        client.force_login(getattr(w, name))
        return client

    return sign_in


def url(name, *args):
    return reverse(f"manage:officespace:{name}", args=args)


def page(response) -> str:
    return response.content.decode()


def seat(w, room, person):
    return Occupancy.objects.create(room=room, person=person, start=date(2025, 1, 1))


# --- Who may open each screen ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["building", "building_edit"])
def test_building_screens_render_in_scope_refuse_others(login, w, name):
    assert login("fin_admin").get(url(name, w.building.pk)).status_code == 200
    assert login("nc_admin").get(url(name, w.building.pk)).status_code == 200
    assert login("jj_admin").get(url(name, w.building.pk)).status_code == 404
    assert login("staff").get(url(name, w.building.pk)).status_code == 403


def test_room_edit_renders_in_scope_and_refuses_others(login, w):
    assert login("fin_admin").get(url("room_edit", w.single.pk)).status_code == 200
    assert login("jj_admin").get(url("room_edit", w.single.pk)).status_code == 404
    assert login("staff").get(url("room_edit", w.single.pk)).status_code == 403


def test_allocation_screens_are_for_supervisors_only(login, w):
    assert login("nc_admin").get(url("allocation_documents")).status_code == 200
    assert login("nc_admin").get(url("allocation_issue")).status_code == 200
    assert login("fin_admin").get(url("allocation_documents")).status_code == 403  # manages, does not supervise
    assert login("fin_admin").get(url("allocation_issue")).status_code == 403


def test_ledger_tree_and_room_page_link_the_new_screens(login, w):
    assert url("building", w.building.pk) in page(login("fin_admin").get(url("ledger")))
    body = page(login("fin_admin").get(url("room", w.single.pk)))
    assert url("room_edit", w.single.pk) in body and url("room_retire", w.single.pk) in body


def test_out_of_scope_posts_are_404_and_change_nothing(login, w):
    client = login("jj_admin")
    assert client.post(url("building_retire", w.building.pk)).status_code == 404
    assert client.post(url("room_retire", w.single.pk)).status_code == 404
    assert client.post(url("ownership_register", w.building.pk), {"certificate_no": "X1"}).status_code == 404
    assert client.post(url("building_edit", w.building.pk), {"name": "改名"}).status_code == 404
    w.building.refresh_from_db()
    assert w.building.name == "主楼" and w.building.state == "in_use" and not Ownership.objects.exists()


# --- Building: edit and retire --------------------------------------------------------------------

BUILDING_POST = {"name": "主楼", "address": "", "year_built": 2005, "floors_above": 3, "floors_below": 0,
                 "gross_area": "3000", "structure": "frame"}


def test_building_edit_saves_changes(login, w):
    response = login("fin_admin").post(url("building_edit", w.building.pk), {**BUILDING_POST, "name": "综合楼"})
    assert response.status_code == 302
    w.building.refresh_from_db()
    assert w.building.name == "综合楼"


def test_building_edit_refuses_removing_a_floor_with_rooms(login, w):
    response = login("fin_admin").post(url("building_edit", w.building.pk), {**BUILDING_POST, "floors_above": 2})
    assert response.status_code == 200 and "3F" in page(response) and "请先调整这些房间" in page(response)
    w.building.refresh_from_db()
    assert w.building.floors_above == 3 and w.building.floor_set.count() == 3


def test_building_retire_refused_while_occupied_then_done(login, w):
    occupancy = seat(w, w.single, w.clerk)
    client = login("fin_admin")
    body = page(client.post(url("building_retire", w.building.pk), follow=True))
    assert "仍有人员" in body
    w.building.refresh_from_db()
    assert w.building.state == "in_use" and not Room.objects.filter(retired=True).exists()
    services.release_occupant(w.fin_admin, occupancy.pk)
    client.post(url("building_retire", w.building.pk))
    w.building.refresh_from_db()
    assert w.building.state == "retired" and not Room.objects.filter(building=w.building, retired=False).exists()
    assert url("building_edit", w.building.pk) not in page(client.get(url("building", w.building.pk)))


# --- Ownership --------------------------------------------------------------------------------------


def test_ownership_defaults_to_the_bureau_of_the_region(login, w):
    response = login("fin_admin").post(url("ownership_register", w.building.pk), {"certificate_no": "赣(2020)南昌市不动产权第0001号"})
    assert response.status_code == 302
    ownership = Ownership.objects.get()
    assert ownership.holder == "南昌市机关事务管理局" and ownership.unit == w.finance and not ownership.exception_reason
    assert "赣(2020)南昌市不动产权第0001号" in page(login("fin_admin").get(url("building", w.building.pk)))


def test_another_holder_needs_a_reason(login, w):
    client = login("fin_admin")
    response = client.post(url("ownership_register", w.building.pk), {"certificate_no": "C-1", "holder": "南昌市财政局"})
    assert response.status_code == 200 and "南昌市机关事务管理局" in page(response) and "理由" in page(response)
    assert not Ownership.objects.exists()
    client.post(url("ownership_register", w.building.pk),
                {"certificate_no": "C-1", "holder": "南昌市财政局", "exception_reason": "历史划拨，经批准保留"})
    assert Ownership.objects.get().exception_reason == "历史划拨，经批准保留"


def test_duplicate_certificate_number_is_refused(login, w):
    services.register_ownership(w.fin_admin, building_id=w.building.pk, certificate_no="C-1")
    response = login("fin_admin").post(url("ownership_register", w.building.pk), {"certificate_no": " C-1 "})
    assert response.status_code == 200 and "权属证书号已登记" in page(response)
    assert Ownership.objects.count() == 1


def test_future_registration_date_is_refused(w):
    with pytest.raises(ValidationFailed) as refused:
        services.register_ownership(w.fin_admin, building_id=w.building.pk, certificate_no="C-2",
                                    registered_on="2999-01-01")
    assert "registered_on" in refused.value.errors
    assert not Ownership.objects.exists()


# --- Room: edit and retire --------------------------------------------------------------------------

ROOM_POST = {"floor_number": 3, "number": "301", "category": "office", "subtype": "", "usable_area": "30",
             "gross_area": "", "desks": 1, "unit": ""}


def test_room_edit_saves_changes(login, w):
    response = login("fin_admin").post(url("room_edit", w.single.pk), {**ROOM_POST, "usable_area": "24.5"})
    assert response.status_code == 302
    w.single.refresh_from_db()
    assert w.single.usable_area == Decimal("24.5") and w.single.unit == w.finance


def test_room_edit_bad_input_shows_the_message_and_changes_nothing(login, w):
    seat(w, w.shared, w.clerk), seat(w, w.shared, w.clerk2)
    response = login("fin_admin").post(url("room_edit", w.shared.pk),
                                       {**ROOM_POST, "number": "302", "usable_area": "40", "desks": 1})
    assert response.status_code == 200 and "工位数不能少于此数" in page(response)
    response = login("fin_admin").post(url("room_edit", w.single.pk), {**ROOM_POST, "gross_area": "20"})
    assert "建筑面积不能小于使用面积" in page(response)
    w.shared.refresh_from_db(), w.single.refresh_from_db()
    assert w.shared.desks == 2 and w.single.gross_area is None


def test_room_retire_refused_while_occupied(login, w):
    seat(w, w.single, w.clerk)
    body = page(login("fin_admin").post(url("room_retire", w.single.pk), follow=True))
    assert "仍有人员" in body
    w.single.refresh_from_db()
    assert not w.single.retired


def test_room_retire_empty_room(login, w):
    response = login("fin_admin").post(url("room_retire", w.meeting.pk))
    assert response.status_code == 302 and response.url == url("building", w.building.pk)
    w.meeting.refresh_from_db()
    assert w.meeting.retired
    assert login("fin_admin").get(url("room_edit", w.meeting.pk)).status_code == 404


def test_staff_cannot_retire_a_room(login, w):
    assert login("staff").post(url("room_retire", w.meeting.pk)).status_code == 403
    w.meeting.refresh_from_db()
    assert not w.meeting.retired


# --- Allocation documents ---------------------------------------------------------------------------


def issue(client, w, **changes):
    data = {"unit": w.finance.pk, "document_no": "洪机管〔2026〕1号", "issued_on": "2026-03-01",
            "rooms": [w.single.pk, w.shared.pk], "note": "", **changes}
    return client.post(url("allocation_issue"), data)


def test_bureau_issues_a_document_and_sees_it_listed(login, w):
    client = login("nc_admin")
    assert issue(client, w).status_code == 302
    document = AllocationDocument.objects.get()
    assert set(document.rooms.all()) == {w.single, w.shared} and document.unit == w.finance
    body = page(client.get(url("allocation_documents")))
    assert "洪机管〔2026〕1号" in body and "301" in body
    assert "洪机管〔2026〕1号" not in page(login("jj_admin").get(url("allocation_documents")))


def test_document_rooms_must_be_the_units(login, w):
    other = Room.objects.create(floor=w.floors[2], unit=w.nc_bureau, number="201", category="office",
                                usable_area=Decimal("20"))
    response = issue(login("nc_admin"), w, rooms=[w.single.pk, other.pk])
    assert response.status_code == 200 and "不属于南昌市财政局使用" in page(response)
    assert not AllocationDocument.objects.exists()


def test_document_number_is_unique_and_rooms_required(login, w):
    client = login("nc_admin")
    issue(client, w)
    response = issue(client, w)
    assert response.status_code == 200 and "凭证编号已使用" in page(response)
    response = issue(client, w, document_no="洪机管〔2026〕2号", rooms=[])
    assert response.status_code == 200
    assert AllocationDocument.objects.count() == 1


def test_document_out_of_scope_or_without_supervision_is_refused(w):
    with pytest.raises(ValidationFailed):
        services.issue_allocation_document(w.jj_admin, unit_id=w.finance.pk, document_no="D1", issued_on="2026-03-01",
                                           room_ids=[w.single.pk])
    with pytest.raises(NotAllowed):
        services.issue_allocation_document(w.fin_admin, unit_id=w.finance.pk, document_no="D1",
                                           issued_on="2026-03-01", room_ids=[w.single.pk])
    assert not AllocationDocument.objects.exists()


# --- Searching the ledger from a form (a province has too many rooms for a plain select) -------------


def picked(client, kind, permission, **params) -> list[str]:
    response = client.get(reverse("manage:picker", args=[kind]), {"perm": permission, **params})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_room_picker_searches_rooms_in_scope_narrowed_by_the_unit(login, w):
    other = Room.objects.create(floor=w.floors[1], unit=w.nc_bureau, number="102", category="office",
                                usable_area=Decimal("20"))
    client = login("nc_admin")
    assert picked(client, "officespace.room", "officespace.supervise", q="30") == ["主楼 301（南昌市财政局）",
                                                                                  "主楼 302（南昌市财政局）"]
    assert picked(client, "officespace.room", "officespace.supervise", q="10", unit=w.nc_bureau.pk) == [
        f"主楼 {other.number}（南昌市机关事务管理局）"]
    assert picked(login("jj_admin"), "officespace.room", "officespace.supervise", q="30") == []


def test_building_picker_offers_buildings_in_use_within_the_scope(login, w):
    assert picked(login("fin_admin"), "officespace.building", "officespace.manage", q="主") == ["财政大院 · 主楼"]
    assert picked(login("jj_admin"), "officespace.building", "officespace.manage", q="主") == []


def test_a_room_outside_the_scope_cannot_be_posted_through_the_picker(login, w):
    jj_building = Building.objects.create(compound=w.jj_compound, unit=w.jiujiang, name="九江楼", year_built=2000,
                                          floors_above=1, gross_area=Decimal("500"))
    jj_floor = Floor.objects.create(building=jj_building, unit=w.jiujiang, number=1)
    jj_room = Room.objects.create(floor=jj_floor, unit=w.jiujiang, number="1", category="office",
                                  usable_area=Decimal("20"))
    response = login("nc_admin").post(url("allocation_issue"), {
        "unit": w.finance.pk, "document_no": "洪机管〔2026〕9号", "issued_on": "2026-11-01", "rooms": [jj_room.pk]})
    assert response.status_code == 200 and "超出您的数据范围" in page(response)
    assert not AllocationDocument.objects.exists()
