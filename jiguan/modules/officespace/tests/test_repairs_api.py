"""The major-repair API: every response checked against the OpenAPI document, the flow through the
endpoints, the error shape of refusals, scope (404) and the staff's own reports."""

import pytest
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.models import CostEntry

from .test_repairs_services import repair_world, request_fields

pytestmark = pytest.mark.django_db
R = "/officespace/repairs"


@pytest.fixture
def w(db):
    return repair_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("nc_admin", "jj_admin", "fin_admin", "staff")}


def create(api, tokens, w, **changes):  # noqa: F811
    payload = {**request_fields(w.building, **changes), "estimated_cost": 380000}
    response = api.post(R, payload, token=tokens["fin_admin"])
    assert response.status_code == 201, response.json()
    return response.json()


def test_flow_through_the_api_posts_the_cost(api, tokens, w):  # noqa: F811
    body = create(api, tokens, w, room_ids=[w.single.pk])
    assert body["state"]["code"] == "draft" and body["actions"] == ["edit", "submit", "withdraw"]
    assert [f["factor"] for f in body["score_breakdown"]] == ["damage", "age", "history", "energy"]
    assert sum(f["points"] for f in body["score_breakdown"]) == pytest.approx(body["score"])
    pk = body["id"]
    assert api.post(f"{R}/{pk}/submit", {"comment": ""}, token=tokens["fin_admin"]).json()["rank"] == 1
    queue = api.get(f"{R}/queue", token=tokens["nc_admin"]).json()
    assert [(item["id"], item["rank"]) for item in queue["items"]] == [(pk, 1)] and queue["total"] == 1
    decided = api.post(f"{R}/{pk}/decide", {"decision": "plan", "planned_year": timezone.localdate().year,
                                             "approved_budget": 360000}, token=tokens["nc_admin"])
    assert decided.json()["state"]["code"] == "planned"
    assert api.post(f"{R}/{pk}/start", {}, token=tokens["nc_admin"]).json()["state"]["code"] == "in_progress"
    done = api.post(f"{R}/{pk}/complete", {"actual_cost": 371234.5}, token=tokens["nc_admin"]).json()
    assert done["state"]["code"] == "completed" and done["actual_cost"] == 371234.5
    assert [step["action"] for step in done["timeline"]] == ["create", "submit", "plan", "start", "complete"]
    assert CostEntry.objects.get().amount == 371234.5


def test_list_is_scoped_filtered_and_sorted(api, tokens, w):  # noqa: F811
    first = create(api, tokens, w, damage_grade=1)
    second = create(api, tokens, w, damage_grade=4, title="主楼电梯更新")
    ids = [item["id"] for item in api.get(R, params={"sort": "-score"}, token=tokens["nc_admin"]).json()["items"]]
    assert ids == [second["id"], first["id"]]
    assert api.get(R, params={"state": "submitted"}, token=tokens["fin_admin"]).json()["items"] == []
    assert api.get(R, token=tokens["jj_admin"]).json()["items"] == []
    bad = api.get(R, params={"sort": "cost"}, token=tokens["nc_admin"])
    assert bad.status_code in (400, 422)


def test_refusals_have_the_error_shape(api, tokens, w):  # noqa: F811
    body = create(api, tokens, w)
    pk = body["id"]
    assert api.get(f"{R}/{pk}", token=tokens["jj_admin"]).status_code == 404
    assert api.post(f"{R}/{pk}/decide", {"decision": "reject", "comment": "x"}, token=tokens["fin_admin"]
                    ).json()["code"] == "forbidden"
    state = api.post(f"{R}/{pk}/start", {}, token=tokens["nc_admin"])
    assert state.status_code == 409 and state.json()["code"] == "invalid_state"
    api.post(f"{R}/{pk}/submit", {}, token=tokens["fin_admin"])
    bad = api.post(f"{R}/{pk}/decide", {"decision": "return"}, token=tokens["nc_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "comment"
    assert api.get(R, token=tokens["staff"]).status_code == 403
    unknown = api.post(R, {**request_fields(w.building), "colour": "red"}, token=tokens["fin_admin"])
    assert unknown.status_code in (400, 422)


def test_patch_changes_only_what_is_sent(api, tokens, w):  # noqa: F811
    body = create(api, tokens, w)
    patched = api.patch(f"{R}/{body['id']}", {"damage_grade": 4}, token=tokens["fin_admin"]).json()
    assert patched["damage_grade"]["code"] == "4" and patched["title"] == body["title"]
    assert patched["score"] > body["score"]


def test_staff_report_their_own_office_and_follow_it(api, tokens, w):  # noqa: F811
    created = api.post(f"{R}/reports/mine", {"description": "空调不制冷，室温三十多度", "urgency": "urgent"},
                       token=tokens["staff"])
    assert created.status_code == 201
    report = created.json()
    assert report["room"]["id"] == w.single.pk and report["state"]["code"] == "reported"
    assert [r["id"] for r in api.get(f"{R}/reports/mine", token=tokens["staff"]).json()["items"]] == [report["id"]]
    assert api.get(f"{R}/reports", token=tokens["staff"]).status_code == 403
    assert api.get(f"{R}/reports", token=tokens["fin_admin"]).json()["total"] == 1
    assert api.post(f"{R}/reports/{report['id']}/resolve", {"note": "已修"}, token=tokens["jj_admin"]
                    ).status_code == 404
    resolved = api.post(f"{R}/reports/{report['id']}/resolve", {"note": "已加注冷媒"}, token=tokens["fin_admin"])
    assert resolved.json()["state"]["code"] == "resolved"
    detail = api.get(f"{R}/reports/mine/{report['id']}", token=tokens["staff"]).json()
    assert [step["action"] for step in detail["timeline"]] == ["report", "resolve"]
    assert api.get(f"{R}/reports/mine/{report['id']}", token=tokens["nc_admin"]).status_code == 404
