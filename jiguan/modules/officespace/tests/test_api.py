"""The office-space API: every response checked against the OpenAPI document (the kernel API's test
client), scope (404 outside it; staff reach only /my-office and /standards), the error shape of bad
input, the writes through the services, and a query-count baseline on the rooms list."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.models import Event
from jiguan.modules.officespace import services
from jiguan.modules.officespace.models import Building, Floor, Occupancy, Recovery, Room

from .ledger import build_ledger, room

pytestmark = pytest.mark.django_db
OS = "/officespace"


@pytest.fixture
def w(db):
    world = build_ledger()
    world.jj_building = Building.objects.create(compound=world.jj_compound, unit=world.jiujiang, name="九江主楼",
                                                year_built=1998, floors_above=1, gross_area=Decimal("900"))
    jj_floor = Floor.objects.create(building=world.jj_building, unit=world.jiujiang, number=1)
    world.jj_room = Room.objects.create(floor=jj_floor, unit=world.jiujiang, number="101", category="office",
                                        usable_area=Decimal("20"))
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("nc_admin", "jj_admin", "fin_admin", "staff")}


def seat(person, room_, **fields) -> Occupancy:
    return Occupancy.objects.create(person=person, room=room_, start=date(2024, 1, 1), **fields)


def numbers(response) -> list[str]:
    return [item["number"] for item in response.json()["items"]]


# --- reads ------------------------------------------------------------------------------------------


def test_standards_are_readable_by_any_signed_in_user(api, tokens):  # noqa: F811
    rows = api.get(f"{OS}/standards", token=tokens["staff"]).json()
    city = {row["rank"]["name"]: row["area"] for row in rows if row["level"]["code"] == "city"}
    assert city == {"市级正职": 42, "市级副职": 30, "正局(处)级": 24, "副局(处)级": 18, "局(处)级以下": 9}
    assert all(row["region"] is None for row in rows)  # only the national table so far
    assert rows[0]["level"]["code"] == "national"


@pytest.mark.parametrize("path", ["/rooms", "/compounds", "/buildings", "/analysis", "/over-standard", "/idle",
                                  "/recoveries"])
def test_staff_reach_only_their_office_and_the_standard(api, tokens, path):  # noqa: F811
    response = api.get(OS + path, token=tokens["staff"])
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_rooms_are_scoped_filtered_and_sorted(api, tokens, w):  # noqa: F811
    assert set(numbers(api.get(f"{OS}/rooms", token=tokens["nc_admin"]))) == {"301", "302", "101"}
    assert numbers(api.get(f"{OS}/rooms", token=tokens["jj_admin"])) == ["101"]
    offices = api.get(f"{OS}/rooms", params={"category": "office", "sort": "-area"}, token=tokens["fin_admin"])
    assert numbers(offices) == ["302", "301"]
    assert numbers(api.get(f"{OS}/rooms", params={"building": w.jj_building.pk}, token=tokens["nc_admin"])) == []
    counted = api.get(f"{OS}/rooms", params={"unit": w.finance.pk, "with_total": True}, token=tokens["nc_admin"])
    assert counted.json()["total"] == 3


def test_room_detail_shows_occupants_entitlement_and_excess(api, tokens, w):  # noqa: F811
    seat(w.clerk, w.shared)
    seat(w.clerk2, w.shared)
    body = api.get(f"{OS}/rooms/{w.shared.pk}", token=tokens["fin_admin"]).json()
    assert body["occupants"] == 2 and body["desks"] == 2
    assert sorted(o["person"]["name"] for o in body["occupant_list"]) == ["王科员", "赵科员"]
    assert [o["limit"] for o in body["occupant_list"]] == [9, 9]
    assert (body["usable_area"], body["entitlement"], body["excess"]) == (40, 18, 22)


@pytest.mark.parametrize("path", ["/rooms/{room}", "/buildings/{building}", "/compounds/{compound}"])
def test_out_of_scope_records_answer_404(api, tokens, w, path):  # noqa: F811
    url = OS + path.format(room=w.jj_room.pk, building=w.jj_building.pk, compound=w.jj_compound.pk)
    response = api.get(url, token=tokens["nc_admin"])
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get(url, token=tokens["jj_admin"]).status_code == 200


def test_unit_admin_sees_only_its_own_units_rooms(api, tokens, w):  # noqa: F811
    bureau_room = room(w, "102", "15", floor=1, unit=w.nc_bureau)
    assert "102" not in numbers(api.get(f"{OS}/rooms", token=tokens["fin_admin"]))
    assert api.get(f"{OS}/rooms/{bureau_room.pk}", token=tokens["fin_admin"]).status_code == 404
    assert "102" in numbers(api.get(f"{OS}/rooms", token=tokens["nc_admin"]))


def test_compound_and_building_details(api, tokens, w):  # noqa: F811
    compound = api.get(f"{OS}/compounds/{w.compound.pk}", token=tokens["fin_admin"]).json()
    assert compound["building_count"] == 1 and [b["name"] for b in compound["building_list"]] == ["主楼"]
    building = api.get(f"{OS}/buildings/{w.building.pk}", token=tokens["fin_admin"]).json()
    assert [(f["label"], f["rooms"]) for f in building["floors"]] == [("1F", 1), ("2F", 0), ("3F", 2)]
    listed = api.get(f"{OS}/compounds", params={"region": "360100"}, token=tokens["nc_admin"]).json()["items"]
    assert [c["name"] for c in listed] == ["财政大院"]


def test_analysis_over_standard_and_idle(api, tokens, w):  # noqa: F811
    seat(w.clerk, w.single)  # 30 ㎡ for a 9 ㎡ standard: 21 over
    Room.objects.filter(pk=w.shared.pk).update(state="idle", idle_since=date(2025, 5, 1))
    figures = api.get(f"{OS}/analysis", token=tokens["nc_admin"]).json()
    assert figures["over_standard_count"] == 1 and figures["over_standard_area"] == 21
    assert figures["idle_count"] == 1 and figures["idle_area"] == 40
    assert figures["total_area"] == 130 and figures["idle_rate"] == pytest.approx(40 / 130, abs=1e-4)
    office = next(c for c in figures["by_category"] if c["category"]["code"] == "office")
    assert (office["count"], office["area"]) == (2, 70)
    over = api.get(f"{OS}/over-standard", token=tokens["nc_admin"]).json()["items"]
    assert [(r["number"], r["entitlement"], r["excess"]) for r in over] == [("301", 9, 21)]
    idle = api.get(f"{OS}/idle", token=tokens["fin_admin"]).json()["items"]
    assert [(r["number"], r["idle_since"]) for r in idle] == [("302", "2025-05-01")]
    assert api.get(f"{OS}/over-standard", token=tokens["jj_admin"]).json()["items"] == []


def test_rooms_list_runs_a_fixed_number_of_queries(api, tokens, w):  # noqa: F811
    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{OS}/rooms", params={"page_size": 100}, token=tokens["nc_admin"]).status_code == 200
        return len(captured)

    queries_for_a_page()  # the first call fills the token and grant caches
    few = queries_for_a_page()
    for n in range(30):
        seat(w.director if n == 0 else w.deputy, room(w, f"2{n:02d}", "12", floor=2), concurrent_post=n > 0)
    assert queries_for_a_page() == few
    assert few <= 8  # authentication, scope and one page query (plus the access log)


def test_my_office(api, tokens, w):  # noqa: F811
    seat(w.clerk, w.shared)
    seat(w.clerk2, w.shared)
    [office] = api.get(f"{OS}/my-office", token=tokens["staff"]).json()
    assert office["room"]["label"] == "主楼 302" and office["floor"] == "3F"
    assert (office["co_occupants"], office["my_limit"], office["entitlement"]) == (1, 9, 18)


# --- bad input --------------------------------------------------------------------------------------


def test_bad_query_values_answer_the_error_shape(api, tokens):  # noqa: F811
    response = api.get(f"{OS}/rooms", params={"sort": "password", "category": "kitchen"}, token=tokens["nc_admin"])
    body = response.json()
    assert response.status_code == 400 and body["code"] == "validation_error"
    assert {e["field"] for e in body["errors"]} == {"category", "sort"}
    assert all(e["message"] for e in body["errors"])


def test_bad_room_body_changes_nothing(api, tokens, w):  # noqa: F811
    count = Room.objects.count()
    response = api.post(f"{OS}/rooms", {"building_id": w.building.pk, "floor_number": 2, "number": "201",
                                        "category": "office", "usable_area": -5, "colour": "red"},
                        token=tokens["fin_admin"])
    body = response.json()
    assert response.status_code == 400 and body["code"] == "validation_error"
    assert {e["field"] for e in body["errors"]} == {"usable_area", "colour"}
    assert Room.objects.count() == count


def test_service_refusal_names_the_field(api, tokens, w):  # noqa: F811
    response = api.post(f"{OS}/rooms", {"building_id": w.building.pk, "floor_number": 2, "number": "301",
                                        "category": "office", "usable_area": 12}, token=tokens["fin_admin"])
    assert response.status_code == 400 and response.json()["field"] == "number"
    assert Room.objects.filter(number="301").count() == 1


# --- writes -------------------------------------------------------------------------------------------


def test_create_and_patch_a_room(api, tokens, w):  # noqa: F811
    created = api.post(f"{OS}/rooms", {"building_id": w.building.pk, "floor_number": 2, "number": "201",
                                       "category": "office", "usable_area": 18.5, "subtype": "处长室"},
                       token=tokens["fin_admin"])
    assert created.status_code == 201
    body = created.json()
    assert (body["number"], body["floor"], body["usable_area"], body["unit"]["id"]) == ("201", 2, 18.5, w.finance.pk)
    patched = api.patch(f"{OS}/rooms/{body['id']}", {"desks": 2, "usable_area": 20}, token=tokens["fin_admin"])
    assert patched.status_code == 200 and (patched.json()["desks"], patched.json()["usable_area"]) == (2, 20)


def test_writes_outside_scope_answer_404(api, tokens, w):  # noqa: F811
    response = api.patch(f"{OS}/rooms/{w.jj_room.pk}", {"usable_area": 99}, token=tokens["nc_admin"])
    assert response.status_code == 404
    assert Room.objects.get(pk=w.jj_room.pk).usable_area == Decimal("20")


def test_forbidden_use_is_recorded_with_a_violation_event(api, tokens, w):  # noqa: F811
    response = api.post(f"{OS}/rooms/{w.single.pk}/state", {"state": "rented", "comment": "出租给公司"},
                        token=tokens["nc_admin"])
    body = response.json()
    assert response.status_code == 200 and body["state"]["code"] == "rented"
    assert [(t["from_state"], t["to_state"]) for t in body["timeline"]] == [("in_use", "rented")]
    assert Event.objects.filter(type="officespace.violation", unit=w.finance).count() == 1


def test_same_state_is_refused(api, tokens, w):  # noqa: F811
    response = api.post(f"{OS}/rooms/{w.single.pk}/state", {"state": "in_use"}, token=tokens["fin_admin"])
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_assign_then_release_an_occupant(api, tokens, w):  # noqa: F811
    assigned = api.post(f"{OS}/occupancies", {"room_id": w.single.pk, "person_id": w.director.pk},
                        token=tokens["fin_admin"])
    assert assigned.status_code == 201
    occupancy = assigned.json()
    assert occupancy["person"]["name"] == "张局长" and occupancy["end"] is None
    full = api.post(f"{OS}/occupancies", {"room_id": w.single.pk, "person_id": w.deputy.pk}, token=tokens["fin_admin"])
    assert full.status_code == 409 and full.json()["code"] == "conflict"
    assert not Occupancy.objects.filter(person=w.deputy).exists()
    released = api.post(f"{OS}/occupancies/{occupancy['id']}/release", {"end": str(date.today())},
                        token=tokens["fin_admin"])
    assert released.status_code == 200 and released.json()["end"] == str(date.today())


def test_assigning_someone_out_of_scope_changes_nothing(api, tokens, w):  # noqa: F811
    response = api.post(f"{OS}/occupancies", {"room_id": w.single.pk, "person_id": w.jj_clerk.pk},
                        token=tokens["fin_admin"])
    assert response.status_code in (400, 404)
    assert not Occupancy.objects.exists()


def test_recoveries_list_and_complete(api, tokens, w):  # noqa: F811
    occupancy = seat(w.clerk, w.single)
    recovery = services.start_recovery(occupancy, "transferred")
    listed = api.get(f"{OS}/recoveries", params={"state": "open"}, token=tokens["nc_admin"]).json()["items"]
    assert [(r["person"]["name"], r["room"]["label"], r["reason"]["code"]) for r in listed] == [
        ("王科员", "主楼 301", "transferred")
    ]
    assert listed[0]["due_on"] > str(date.today() + timedelta(days=27))
    assert api.post(f"{OS}/recoveries/{recovery.pk}/complete", token=tokens["jj_admin"]).status_code == 404
    done = api.post(f"{OS}/recoveries/{recovery.pk}/complete", token=tokens["fin_admin"])
    assert done.status_code == 200 and done.json()["state"]["code"] == "recovered"
    assert Occupancy.objects.get(pk=occupancy.pk).end == date.today()
    again = api.post(f"{OS}/recoveries/{recovery.pk}/complete", token=tokens["fin_admin"])
    assert again.status_code == 409 and Recovery.objects.get(pk=recovery.pk).state == "recovered"
