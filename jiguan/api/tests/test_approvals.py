"""Approvals through the API: inbox, mine, detail with actions, decisions and their refusals."""

import pytest

from jiguan.core.models import ApprovalFlow, ApprovalStep, Role
from jiguan.core.registry import ApprovalType, ModuleSpec, registry
from jiguan.core.services import approvals
from jiguan.core.testing import make_account

pytestmark = pytest.mark.django_db
LEAVE = "apitest.leave"


@pytest.fixture
def leave_type():
    spec = registry.register(ModuleSpec(code="apitest", name="测试", approval_types=(ApprovalType(LEAVE, "休假申请"),)))
    flow = ApprovalFlow.objects.create(business_type=LEAVE, name="休假审批")
    ApprovalStep.objects.create(flow=flow, order=1, name="机关事务局审核", role=Role.objects.get(code="region_bureau_admin"))
    yield flow
    registry.unregister(spec.code)


@pytest.fixture
def application(leave_type, staff):
    return approvals.submit(staff, business_type=LEAVE, subject=staff.person, title="张三年休假申请")


@pytest.fixture
def tokens(api, staff, region_admin):
    return {"staff": api.token(staff), "admin": api.token(region_admin)}


def test_inbox_mine_and_approval(api, tokens, application):
    inbox = api.get("/approvals/inbox", token=tokens["admin"]).json()
    assert [r["id"] for r in inbox["items"]] == [application.pk]
    assert inbox["items"][0]["business_type"] == {"code": LEAVE, "label": "休假申请"}
    detail = api.get(f"/approvals/{application.pk}", token=tokens["admin"]).json()
    assert detail["can_decide"] is True and [a["decision"]["code"] for a in detail["actions"]] == ["submit"]
    decided = api.post(f"/approvals/{application.pk}/decision", {"decision": "approve", "comment": "同意"},
                       token=tokens["admin"])
    assert decided.status_code == 200
    body = decided.json()
    assert body["status"]["code"] == "approved" and body["can_decide"] is False
    assert [a["decision"]["code"] for a in body["actions"]] == ["submit", "approve"]
    mine = api.get("/approvals/mine", token=tokens["staff"]).json()
    assert mine["items"][0]["status"]["code"] == "approved"
    assert api.get("/approvals/inbox", token=tokens["admin"]).json()["items"] == []


def test_deciding_twice_is_a_conflict(api, tokens, application):
    api.post(f"/approvals/{application.pk}/decision", {"decision": "approve"}, token=tokens["admin"])
    again = api.post(f"/approvals/{application.pk}/decision", {"decision": "reject", "comment": "不同意"},
                     token=tokens["admin"])
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_reject_needs_a_comment_and_changes_nothing(api, tokens, application):
    response = api.post(f"/approvals/{application.pk}/decision", {"decision": "reject"}, token=tokens["admin"])
    assert response.status_code == 400 and response.json()["field"] == "comment"
    application.refresh_from_db()
    assert application.status == "pending"


def test_unknown_decision_is_refused(api, tokens, application):
    response = api.post(f"/approvals/{application.pk}/decision", {"decision": "maybe"}, token=tokens["admin"])
    assert response.status_code == 400 and response.json()["field"] == "decision"


def test_applicant_cannot_decide_and_strangers_cannot_see(api, tokens, application, org):
    own = api.post(f"/approvals/{application.pk}/decision", {"decision": "approve"}, token=tokens["staff"])
    assert own.status_code == 403
    assert api.get(f"/approvals/{application.pk}", token=tokens["staff"]).json()["can_decide"] is False
    stranger = make_account("jj_admin", roles=("region_bureau_admin",), unit=org["jiujiang"])
    stranger_token = api.token(stranger)
    assert api.get(f"/approvals/{application.pk}", token=stranger_token).status_code == 404
    assert api.get("/approvals/inbox", token=stranger_token).json()["items"] == []
    refused = api.post(f"/approvals/{application.pk}/decision", {"decision": "approve"}, token=stranger_token)
    assert refused.status_code == 404
