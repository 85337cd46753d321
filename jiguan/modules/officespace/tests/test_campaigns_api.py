"""The 清查盘点 API: every response checked against the OpenAPI document, the whole round through the
endpoints, scope (404 outside it), permissions (403), the error shape of bad input."""

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.officespace.models import CampaignBuilding, CampaignRoom, CampaignTask

from .test_campaigns import DEADLINE, campaign_world, open_nanchang

pytestmark = pytest.mark.django_db
C = "/officespace/campaigns"


@pytest.fixture
def w(db):
    return campaign_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("nc_admin", "jj_admin", "fin_admin", "staff",
                                                           "bureau_admin")}


def test_the_whole_round_through_the_api(api, tokens, w):  # noqa: F811
    body = {"name": "2026年度办公用房清查盘点", "year": 2026, "deadline": DEADLINE.isoformat()}
    created = api.post(C, body, token=tokens["nc_admin"])
    assert created.status_code == 201
    campaign = created.json()
    assert campaign["region"]["code"] == "360100" and campaign["state"]["code"] == "open"
    assert {u["unit"]["name"] for u in campaign["units"]} == {"南昌市财政局", "南昌市机关事务管理局"}
    task_id = next(u["id"] for u in campaign["units"] if u["unit"]["name"] == "南昌市财政局")

    rooms = api.get(f"{C}/tasks/{task_id}/rooms", params={"show": "unchecked"}, token=tokens["fin_admin"]).json()
    assert rooms["total"] == 5
    row = next(r for r in rooms["items"] if r["number"] == "302")
    corrected = api.post(f"{C}/rooms/{row['id']}/correct", {"category": "office", "usable_area": 38.5, "state": "idle"},
                         token=tokens["fin_admin"])
    assert corrected.status_code == 200 and corrected.json()["result"]["code"] == "corrected"
    assert api.post(f"{C}/tasks/{task_id}/confirm", {}, token=tokens["fin_admin"]).json() == {"confirmed": 4}
    building = CampaignBuilding.objects.get(task_id=task_id)
    figures = {"book_area": 3000, "book_value": 9000000, "certificate_at_hand": False}
    assert api.post(f"{C}/buildings/{building.pk}", figures, token=tokens["fin_admin"]).status_code == 200
    detail = api.get(f"{C}/tasks/{task_id}", token=tokens["fin_admin"]).json()
    assert detail["figures"]["percent"] == 100 and detail["building_checks"][0]["book_area"] == 3000
    assert api.post(f"{C}/tasks/{task_id}/submit", token=tokens["fin_admin"]).json()["state"]["code"] == "submitted"
    returned = api.post(f"{C}/tasks/{task_id}/return", {"reason": "请附测绘报告"}, token=tokens["nc_admin"])
    assert returned.json()["return_reason"] == "请附测绘报告"
    api.post(f"{C}/tasks/{task_id}/submit", token=tokens["fin_admin"])
    assert api.post(f"{C}/tasks/{task_id}/accept", {}, token=tokens["nc_admin"]).json()["state"]["code"] == "accepted"

    differences = api.get(f"{C}/{campaign['id']}/differences", params={"kind": "physical"},
                          token=tokens["nc_admin"]).json()
    assert {(d["item"], d["difference"]) for d in differences["items"]} == {("主楼 302", -1.5), ("主楼 302", None)}
    assert api.post(f"{C}/{campaign['id']}/apply", token=tokens["nc_admin"]).json() == {"applied": 1, "refused": 0}
    refused = api.post(f"{C}/{campaign['id']}/close", {}, token=tokens["nc_admin"])
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_state"
    closed = api.post(f"{C}/{campaign['id']}/close", {"force": True, "reason": "市局未完成，另行督办"},
                      token=tokens["nc_admin"])
    assert closed.json()["state"]["code"] == "closed"
    listed = api.get(C, params={"state": "closed"}, token=tokens["fin_admin"]).json()["items"]
    assert [c["id"] for c in listed] == [campaign["id"]]


def test_extra_rooms_missing_rooms_and_removal(api, tokens, w):  # noqa: F811
    campaign = open_nanchang(w)
    task = CampaignTask.objects.get(campaign=campaign, unit=w.finance)
    extra = {"building_id": w.building.pk, "floor_number": 2, "number": "205", "category": "service",
             "usable_area": 16, "state": "in_use", "note": "储藏室"}
    created = api.post(f"{C}/tasks/{task.pk}/extra", extra, token=tokens["fin_admin"])
    assert created.status_code == 201 and created.json()["result"]["code"] == "extra"
    row = CampaignRoom.objects.get(campaign=campaign, number="101", building=w.building)
    missing = api.post(f"{C}/rooms/{row.pk}/missing", {"note": "已拆除"}, token=tokens["fin_admin"])
    assert missing.json()["result"]["code"] == "missing"
    assert api.delete(f"{C}/rooms/{created.json()['id']}", token=tokens["fin_admin"]).status_code == 204
    assert api.delete(f"{C}/rooms/{row.pk}", token=tokens["fin_admin"]).status_code == 409


def test_scope_and_permissions(api, tokens, w):  # noqa: F811
    campaign = open_nanchang(w)
    bureau_task = CampaignTask.objects.get(campaign=campaign, unit=w.nc_bureau)
    assert api.get(f"{C}/{campaign.pk}", token=tokens["jj_admin"]).status_code == 404
    assert api.get(f"{C}/tasks/{bureau_task.pk}", token=tokens["fin_admin"]).status_code == 404
    assert api.post(f"{C}/tasks/{bureau_task.pk}/confirm", {}, token=tokens["fin_admin"]).status_code == 404
    forbidden = api.post(C, {"name": "2026年度清查盘点", "year": 2026, "deadline": DEADLINE.isoformat()},
                         token=tokens["fin_admin"])
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert api.get(C, token=tokens["staff"]).status_code == 403
    assert api.post(f"{C}/{campaign.pk}/close", {}, token=tokens["bureau_admin"]).status_code == 403
    mine = api.get(f"{C}/{campaign.pk}", token=tokens["fin_admin"]).json()
    assert [u["unit"]["name"] for u in mine["units"]] == ["南昌市财政局"]  # only its own part


def test_bad_input_answers_the_error_shape_naming_the_fields(api, tokens, w):  # noqa: F811
    response = api.post(C, {"name": "清查", "year": 1990, "deadline": "2020-01-01"}, token=tokens["nc_admin"])
    body = response.json()
    assert response.status_code == 400 and body["code"] == "validation_error"
    assert {e["field"] for e in body["errors"]} == {"name", "year", "deadline"}
    campaign = open_nanchang(w)
    row = CampaignRoom.objects.filter(campaign=campaign, task__unit=w.finance).first()
    response = api.post(f"{C}/rooms/{row.pk}/correct", {"category": "office", "usable_area": 12.345, "state": "idle"},
                        token=tokens["fin_admin"])
    assert response.status_code == 400 and response.json()["field"] == "usable_area"
    task = CampaignTask.objects.get(campaign=campaign, unit=w.finance)
    response = api.post(f"{C}/tasks/{task.pk}/submit", token=tokens["fin_admin"])
    assert response.status_code == 400 and "5" in response.json()["message"]
