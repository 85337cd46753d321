"""The statistics-report API: every response checked against the OpenAPI document, the whole journey
county → city through the endpoints, the refusals (scope 404, wrong level 403, state 409, bad input 400),
projects and the workbook download."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.api.tests.openapi import API

from .test_reports import build_world

pytestmark = pytest.mark.django_db
R = "/officespace/reports"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("jx", "xy", "ys", "fy", "jj", "ys_unit_admin")}


def test_a_county_report_goes_up_to_its_city(api, tokens):  # noqa: F811
    created = api.post(R, {"region_code": "360502", "year": 2025}, token=tokens["ys"])
    assert created.status_code == 201
    body = created.json()
    assert body["state"]["code"] == "draft" and set(body["actions"]) == {"compute", "edit_projects", "submit",
                                                                           "download"}
    t2 = next(t for t in body["tables"] if t["code"] == "t2")
    assert t2["number"] == "表2" and t2["total"]["usable_area"] == 298.0
    assert t2["rows"][0]["label"] == "渝水区" and any(c["key"] == "idle_area" for c in t2["columns"])
    report = body["id"]
    project = api.post(f"{R}/{report}/projects", {"name": "渝水区机关大楼外立面大修", "kind": "major_repair",
                                                  "approved_area": 4200, "investment": 356.8, "status": "under_way"},
                       token=tokens["ys"])
    assert project.status_code == 201 and project.json()["kind"]["code"] == "major_repair"
    changed = api.patch(f"{R}/projects/{project.json()['id']}", {"status": "completed"}, token=tokens["ys"])
    assert changed.json()["status"]["code"] == "completed"
    assert api.post(f"{R}/{report}/submit", token=tokens["ys"]).json()["state"]["code"] == "submitted"
    assert api.post(f"{R}/{report}/accept", token=tokens["jx"]).status_code == 403  # the province skips a level
    returned = api.post(f"{R}/{report}/return", {"reason": "请补充建设项目批复文号。"}, token=tokens["xy"]).json()
    assert returned["state"]["code"] == "returned" and returned["return_reason"] == "请补充建设项目批复文号。"
    assert api.post(f"{R}/{report}/compute", token=tokens["ys"]).json()["state"]["code"] == "draft"
    api.post(f"{R}/{report}/submit", token=tokens["ys"])
    accepted = api.post(f"{R}/{report}/accept", token=tokens["xy"]).json()
    assert accepted["state"]["code"] == "accepted" and accepted["actions"] == ["download"]
    assert [e["action"] for e in accepted["timeline"]][-2:] == ["submit", "accept"]


def test_the_list_is_scoped_and_filtered(api, tokens):  # noqa: F811
    ys = api.post(R, {"region_code": "360502", "year": 2025}, token=tokens["ys"]).json()["id"]
    api.post(R, {"region_code": "360521", "year": 2024}, token=tokens["fy"])
    city = api.get(R, token=tokens["xy"]).json()
    assert city["total"] == 2 and [item["year"] for item in city["items"]] == [2025, 2024]
    assert [i["region"]["name"] for i in api.get(R, params={"year": 2025}, token=tokens["jx"]).json()["items"]] == [
        "渝水区"]
    assert api.get(R, params={"region": "360521"}, token=tokens["xy"]).json()["total"] == 1
    assert api.get(R, params={"state": "accepted"}, token=tokens["xy"]).json()["items"] == []
    assert api.get(R, token=tokens["jj"]).json()["items"] == []
    assert api.get(f"{R}/{ys}", token=tokens["jj"]).status_code == 404
    assert api.get(f"{R}/{ys}", token=tokens["fy"]).status_code == 404
    assert api.get(R, token=tokens["ys_unit_admin"]).status_code == 403
    assert api.get(R, params={"sort": "name"}, token=tokens["xy"]).status_code == 400


def test_refusals_have_the_error_shape(api, tokens):  # noqa: F811
    bad = api.post(R, {"region_code": "360502", "year": 1990}, token=tokens["ys"])
    assert bad.status_code == 400 and bad.json()["field"] == "year"
    assert api.post(R, {"region_code": "360502", "year": 2025, "to": "360000"}, token=tokens["ys"]).status_code == 400
    assert api.post(R, {"region_code": "360502", "year": 2025}, token=tokens["xy"]).status_code == 403
    city = api.post(R, {"region_code": "360500", "year": 2025}, token=tokens["xy"]).json()["id"]
    refused = api.post(f"{R}/{city}/submit", token=tokens["xy"])
    assert refused.status_code == 409 and "渝水区" in refused.json()["message"] and "分宜县" in refused.json()["message"]
    empty_reason = api.post(f"{R}/{city}/return", {"reason": ""}, token=tokens["jx"])
    assert empty_reason.status_code == 400 and empty_reason.json()["field"] == "reason"
    project = api.post(f"{R}/{city}/projects", {"name": "x", "kind": "castle", "approved_area": 1, "investment": 1,
                                                "status": "under_way"}, token=tokens["xy"])
    assert project.status_code == 400


def test_the_workbook_downloads_at_any_state(api, tokens, client):  # noqa: F811
    report = api.post(R, {"region_code": "360502", "year": 2025}, token=tokens["ys"]).json()["id"]
    response = client.get(f"{API}{R}/{report}/excel", HTTP_AUTHORIZATION=f"Bearer {tokens['xy']}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert len(book.worksheets) == 4
    assert client.get(f"{API}{R}/{report}/excel", HTTP_AUTHORIZATION=f"Bearer {tokens['jj']}").status_code == 404
    document = api.document.document["paths"][f"{API}{R}/{{report_id}}/excel"]["get"]
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in document["responses"]["200"]["content"]


def test_a_project_is_removed(api, tokens):  # noqa: F811
    report = api.post(R, {"region_code": "360502", "year": 2025}, token=tokens["ys"]).json()["id"]
    project = api.post(f"{R}/{report}/projects", {"name": "档案库房购置", "kind": "purchase", "approved_area": 600,
                                                  "investment": 900, "status": "completed"}, token=tokens["ys"])
    pid = project.json()["id"]
    assert api.delete(f"{R}/projects/{pid}", token=tokens["xy"]).status_code == 403  # only the county's bureau
    assert api.delete(f"{R}/projects/{pid}", token=tokens["ys"]).status_code == 204
    assert api.get(f"{R}/{report}", token=tokens["ys"]).json()["projects"] == []
