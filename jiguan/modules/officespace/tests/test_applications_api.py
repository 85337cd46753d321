"""The space-application API: every response checked against the OpenAPI document, the whole flow
(create and submit → approve → idle rooms → allocate), its refusals and scope, and staff members'
adjustment requests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.services import approvals

from .test_applications import build_world, headcount

pytestmark = pytest.mark.django_db
APPS = "/officespace/applications"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("nc_admin", "jj_admin", "fin_admin", "staff")}


def payload(**changes) -> dict:
    values = {
        "title": "新增编制人员办公用房", "purpose": "新增编制3名，现有办公用房不能满足需要。",
        "headcount": headcount(bureau_director=1, below_bureau=2), "requested_area": 40,
        "needed_by": str(timezone.localdate() + timedelta(days=30)),
    }
    return {**values, **changes}


def test_the_flow_through_the_api(api, tokens, w):  # noqa: F811
    created = api.post(APPS, payload(submit=True), token=tokens["fin_admin"])
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"]["code"], body["entitlement"], body["approval_status"]["code"]) == ("submitted", 42, "pending")
    assert [line["count"] for line in body["lines"]] == [1, 2]
    application_id = body["id"]

    approvals.decide(w.nc_admin, body_approval(application_id), "approve", "同意")
    idle = api.get(f"{APPS}/{application_id}/idle-rooms", token=tokens["nc_admin"]).json()
    assert (idle["count"], idle["area"]) == (2, 54) and idle["rooms"][0]["id"] == w.idle_big.pk

    allocated = api.post(f"{APPS}/{application_id}/allocate", {
        "method": "transfer", "room_ids": [w.idle_big.pk], "document_no": "洪机管调〔2026〕5号"}, token=tokens["nc_admin"])
    assert allocated.status_code == 200, allocated.json()
    allocation = allocated.json()["allocation"]
    assert allocation["method"]["code"] == "transfer" and allocation["document_no"] == "洪机管调〔2026〕5号"
    assert [room["id"] for room in allocation["rooms"]] == [w.idle_big.pk]
    assert [entry["action"] for entry in allocated.json()["timeline"]] == ["create", "submit", "approve", "allocate"]

    listed = api.get(APPS, params={"method": "transfer"}, token=tokens["nc_admin"]).json()["items"]
    assert [item["id"] for item in listed] == [application_id]
    assert api.get(APPS, params={"state": "draft"}, token=tokens["nc_admin"]).json()["items"] == []


def body_approval(application_id: int) -> int:
    from jiguan.modules.officespace.models import SpaceApplication

    return SpaceApplication.objects.get(pk=application_id).approval_id


def test_refusals_have_the_error_shape(api, tokens, w):  # noqa: F811
    response = api.post(APPS, payload(requested_area=50), token=tokens["fin_admin"])
    assert response.status_code == 400 and response.json()["field"] == "requested_area"
    assert "42.00" in response.json()["message"]
    response = api.post(APPS, payload(), token=tokens["staff"])
    assert response.status_code == 403
    draft = api.post(APPS, payload(), token=tokens["fin_admin"]).json()
    response = api.post(f"{APPS}/{draft['id']}/allocate", {"method": "transfer"}, token=tokens["nc_admin"])
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    response = api.post(f"{APPS}/{draft['id']}/allocate", {"method": "transfer"}, token=tokens["jj_admin"])
    assert response.status_code == 404
    response = api.post(f"{APPS}/{draft['id']}/allocate", {"method": "lend"}, token=tokens["nc_admin"])
    assert response.status_code == 400


def test_scope_of_lists_and_details(api, tokens, w):  # noqa: F811
    draft = api.post(APPS, payload(), token=tokens["fin_admin"]).json()
    assert [i["id"] for i in api.get(APPS, token=tokens["nc_admin"]).json()["items"]] == [draft["id"]]
    assert api.get(APPS, token=tokens["jj_admin"]).json()["items"] == []
    assert api.get(f"{APPS}/{draft['id']}", token=tokens["jj_admin"]).status_code == 404
    assert api.get(APPS, token=tokens["staff"]).status_code == 403
    withdrawn = api.post(f"{APPS}/{draft['id']}/withdraw", token=tokens["fin_admin"])
    assert withdrawn.json()["state"]["code"] == "withdrawn"


def test_staff_adjustment_requests(api, tokens, w):  # noqa: F811
    created = api.post(f"{APPS}/adjustments", {"reason": "crowded", "details": "四人合用一间，十分拥挤。"},
                       token=tokens["staff"])
    assert created.status_code == 201 and created.json()["state"]["code"] == "submitted"
    adjustment_id = created.json()["id"]
    mine = api.get(f"{APPS}/adjustments", token=tokens["staff"]).json()["items"]
    assert [item["id"] for item in mine] == [adjustment_id]
    assert api.get(f"{APPS}/adjustments", token=tokens["fin_admin"]).json()["items"] == []
    response = api.post(f"{APPS}/adjustments/{adjustment_id}/decision", {"decision": "accept"}, token=tokens["staff"])
    assert response.status_code == 403
    response = api.post(f"{APPS}/adjustments/{adjustment_id}/decision", {"decision": "decline"},
                        token=tokens["fin_admin"])
    assert response.status_code == 400 and response.json()["field"] == "comment"
    decided = api.post(f"{APPS}/adjustments/{adjustment_id}/decision", {"decision": "accept", "comment": "下周调整"},
                       token=tokens["fin_admin"])
    assert decided.json()["state"]["code"] == "accepted" and decided.json()["response"] == "下周调整"
    assert api.post(f"{APPS}/adjustments/{adjustment_id}/withdraw", token=tokens["staff"]).status_code == 409
