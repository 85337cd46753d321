"""The housing API: every response checked against the OpenAPI document. The stock, the whole flow
(apply → confirm → approve → position → offer → accept), refusals with the error shape, and scope."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.housing import services
from jiguan.modules.housing.models import Application, Estate, Flat
from jiguan.modules.housing.services import offers

from .world import build_world, estate_values, flat_values, spouse, waiting

pytestmark = pytest.mark.django_db
H = "/housing"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("nc_admin", "jj_admin", "fin_admin", "audit_admin", "staff", "staff2")
    return {name: api.token(getattr(w, name)) for name in names}


def application_payload(**changes) -> dict:
    values = {"category": "transferred", "category_date": str(timezone.localdate() - timedelta(days=30)),
              "no_home_declared": True, "hardship_notes": "租房居住", "family": [spouse()]}
    return {**values, **changes}


def test_stock_through_the_api(api, tokens, w):  # noqa: F811
    created = api.post(f"{H}/estates", estate_values(name="红谷滩周转公寓", region_code="360113"),
                       token=tokens["nc_admin"])
    assert created.status_code == 201, created.json()
    estate_id = created.json()["id"]
    building = api.post(f"{H}/buildings", {"estate_id": estate_id, "name": "A栋", "floors": 8}, token=tokens["nc_admin"])
    assert building.status_code == 201
    flat = api.post(f"{H}/flats", {**flat_values(unit_no="801", floor=8), "building_id": building.json()["id"]},
                    token=tokens["nc_admin"])
    assert flat.status_code == 201, flat.json()
    body = flat.json()
    assert (body["state"]["code"], body["monthly_rent"], body["furnishings"][0]) == (
        "vacant", "856.25", {"item": "床", "count": 2})  # 68.5 ㎡ × 12.50
    metered = api.call("PUT", f"{H}/flats/{body['id']}/meters", {"kind": "water", "number": "SB001",
                                                                  "last_reading": "123.5"}, token=tokens["nc_admin"])
    assert metered.json()["meters"][0]["number"] == "SB001"
    repaired = api.post(f"{H}/flats/{body['id']}/state", {"action": "repair"}, token=tokens["nc_admin"])
    assert repaired.json()["state"]["code"] == "maintenance"
    assert [e["action"] for e in repaired.json()["timeline"]] == ["create", "meter", "repair"]
    listed = api.get(f"{H}/flats", params={"state": "maintenance"}, token=tokens["nc_admin"]).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    found = api.get(f"{H}/flats", params={"q": "红谷滩"}, token=tokens["nc_admin"]).json()["items"]
    assert [item["id"] for item in found] == [body["id"]]


def test_stock_refusals(api, tokens, w):  # noqa: F811
    response = api.post(f"{H}/estates", estate_values(name="九江周转房", region_code="360402"), token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "region_code"
    response = api.post(f"{H}/estates", estate_values(rent_per_sqm=None), token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "rent_per_sqm"
    response = api.post(f"{H}/estates", {**estate_values(), "colour": "red"}, token=tokens["nc_admin"])
    assert response.status_code == 400
    assert api.post(f"{H}/estates", estate_values(), token=tokens["staff"]).status_code == 403
    assert api.get(f"{H}/flats/{w.flat.pk}", token=tokens["jj_admin"]).status_code == 404
    response = api.post(f"{H}/flats/{w.flat.pk}/state", {"action": "occupy"}, token=tokens["nc_admin"])
    assert response.status_code == 400
    response = api.post(f"{H}/flats/{w.flat.pk}/state", {"action": "repaired"}, token=tokens["nc_admin"])
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert Estate.objects.count() == 1 and Flat.objects.filter(state="vacant").count() == 3


def test_the_flow_through_the_api(api, tokens, w):  # noqa: F811
    applied = api.post(f"{H}/my/applications", application_payload(), token=tokens["staff"])
    assert applied.status_code == 201, applied.json()
    body = applied.json()
    assert body["state"]["code"] == "submitted" and body["family"][0]["id_number"].count("*") == 8
    application_id = body["id"]

    assert api.post(f"{H}/applications/{application_id}/confirm", {}, token=tokens["fin_admin"]).status_code == 200
    problems = api.get(f"{H}/applications/{application_id}/eligibility", token=tokens["nc_admin"])
    assert problems.json() == []
    approved = api.post(f"{H}/applications/{application_id}/approve", {"hardship_level": 1}, token=tokens["nc_admin"])
    assert approved.status_code == 200, approved.json()

    mine = api.get(f"{H}/my/applications/{application_id}", token=tokens["staff"]).json()
    assert mine["position"] == {"position": 1, "ahead": 0, "total": 1}
    assert {item["factor"]: item["points"] for item in mine["score_breakdown"]} == {
        "rank": "0.00", "family": "5.00", "waited": "0.00", "hardship": "10.00"}
    listed = api.get(f"{H}/waiting", params={"region": "360100"}, token=tokens["nc_admin"]).json()
    assert [item["id"] for item in listed["items"]] == [application_id] and listed["total"] == 1

    offered = api.post(f"{H}/offers", {"flat_id": w.flat.pk}, token=tokens["nc_admin"])
    assert offered.status_code == 201, offered.json()
    offer_id = offered.json()["id"]
    assert [o["id"] for o in api.get(f"{H}/my/offers", token=tokens["staff"]).json()["items"]] == [offer_id]
    accepted = api.post(f"{H}/my/offers/{offer_id}/accept", {"comment": "同意"}, token=tokens["staff"])
    assert accepted.json()["state"]["code"] == "accepted"
    assert api.get(f"{H}/my/applications/{application_id}", token=tokens["staff"]).json()["state"]["code"] == "accepted"


def test_application_refusals_and_scope(api, tokens, w):  # noqa: F811
    response = api.post(f"{H}/my/applications", application_payload(category_date="2010-01-01"), token=tokens["staff"])
    assert response.status_code == 400 and response.json()["field"] == "category_date"
    response = api.post(f"{H}/my/applications", application_payload(no_home_declared=False), token=tokens["staff"])
    assert response.status_code == 400 and response.json()["field"] == "no_home_declared"
    response = api.post(f"{H}/my/applications", application_payload(family=[spouse(id_number="123")]),
                        token=tokens["staff"])
    assert response.status_code == 400 and response.json()["field"] == "family"
    assert not Application.objects.exists()

    application_id = api.post(f"{H}/my/applications", application_payload(), token=tokens["staff"]).json()["id"]
    assert api.get(f"{H}/my/applications/{application_id}", token=tokens["staff2"]).status_code == 404
    assert api.get(f"{H}/applications/{application_id}", token=tokens["staff"]).status_code == 403
    assert api.get(f"{H}/applications/{application_id}", token=tokens["audit_admin"]).status_code == 404
    assert api.get(f"{H}/applications/{application_id}", token=tokens["jj_admin"]).status_code == 404
    assert api.post(f"{H}/applications/{application_id}/confirm", {}, token=tokens["audit_admin"]).status_code == 404
    response = api.post(f"{H}/applications/{application_id}/approve", {}, token=tokens["nc_admin"])
    assert response.status_code == 409
    response = api.post(f"{H}/applications/{application_id}/return", {"comment": ""}, token=tokens["fin_admin"])
    assert response.status_code == 400 and response.json()["field"] == "comment"
    assert api.get(f"{H}/applications", token=tokens["fin_admin"]).json()["items"][0]["id"] == application_id
    assert api.get(f"{H}/applications", token=tokens["audit_admin"]).json()["items"] == []


def test_waiting_list_and_criteria(api, tokens, w):  # noqa: F811
    assert api.get(f"{H}/waiting", params={"region": "360100"}, token=tokens["jj_admin"]).status_code == 403
    assert api.get(f"{H}/waiting", params={"region": "360100"}, token=tokens["fin_admin"]).status_code == 403
    assert api.get(f"{H}/waiting", params={"region": "999999"}, token=tokens["nc_admin"]).status_code == 404
    defaults = api.get(f"{H}/waiting/criteria/360100", token=tokens["nc_admin"]).json()
    assert (defaults["offer_days"], defaults["points_per_family_member"]) == (7, "5.00")
    changed = api.call("PUT", f"{H}/waiting/criteria/360100", {**defaults, "offer_days": 10}, token=tokens["nc_admin"])
    assert changed.status_code == 200 and changed.json()["offer_days"] == 10
    response = api.call("PUT", f"{H}/waiting/criteria/360100", {**defaults, "offer_days": 0}, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "offer_days"
    response = api.call("PUT", f"{H}/waiting/criteria/360100", defaults, token=tokens["jj_admin"])
    assert response.status_code == 403
    assert api.post(f"{H}/offers", {"flat_id": w.flat.pk}, token=tokens["nc_admin"]).status_code == 409


def _queries(api, path, token, params=None) -> int:  # noqa: F811
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path, params=params, token=token).status_code == 200
    return len(captured)


def test_list_endpoints_do_not_query_per_row(api, tokens, w):  # noqa: F811
    waiting(w, w.staff)
    offers.make_offer(w.nc_admin, w.flat.pk)
    lists = [("/housing/flats", "nc_admin", None), ("/housing/applications", "nc_admin", None),
             ("/housing/offers", "nc_admin", None), ("/housing/waiting", "nc_admin", {"region": "360100"}),
             ("/housing/estates", "nc_admin", None), ("/housing/my/offers", "staff", None)]
    [_queries(api, path, tokens[who], params) for path, who, params in lists]  # the first call warms the caches
    few = [_queries(api, path, tokens[who], params) for path, who, params in lists]
    waiting(w, w.staff2)
    waiting(w, w.deputy_account)
    waiting(w, w.auditor_account)
    offers.make_offer(w.nc_admin, w.flat2.pk)
    offers.make_offer(w.nc_admin, w.flat3.pk)
    services.save_estate(w.nc_admin, **estate_values(name="第二小区"))
    assert [_queries(api, path, tokens[who], params) for path, who, params in lists] == few
