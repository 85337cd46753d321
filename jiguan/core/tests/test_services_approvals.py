"""Approval services: flow resolution, the steps, who decides, callbacks, and two approvers at once."""

import pytest
from django.http import Http404

from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import ApprovalAction, ApprovalRequest, Notification, Role
from jiguan.core.registry import ApprovalType, ModuleSpec, registry
from jiguan.core.services import approvals
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, run_at_once

from .services_world import build_world

pytestmark = pytest.mark.django_db
LEAVE = "zz.leave"
OUTCOMES: list[tuple[str, int]] = []


@pytest.fixture(autouse=True)
def leave_type():
    OUTCOMES.clear()
    spec = registry.register(ModuleSpec(code="zz", name="测试", approval_types=(ApprovalType(
        LEAVE, "请假",
        on_approved=lambda r: OUTCOMES.append(("approved", r.pk)),
        on_rejected=lambda r: OUTCOMES.append(("rejected", r.pk)),
        on_returned=lambda r: OUTCOMES.append(("returned", r.pk)),
    ),)))
    yield spec
    registry.unregister(spec.code)


@pytest.fixture
def w():
    world = build_world()
    world.flow = approvals.save_flow(world.sysadmin, business_type=LEAVE, region_code=None, name="请假审批", steps=[
        ("单位审核", role("unit_admin").pk), ("机关事务局审批", role("region_bureau_admin").pk),
    ])
    return world


def role(code):
    return Role.objects.get(code=code)


def apply(w, title="年休假5天"):
    return approvals.submit(w.staff, business_type=LEAVE, subject=w.staff.person, title=title)


def test_two_steps_to_approval(w):
    request = apply(w)
    assert (request.status, request.current_step, request.current_role.code) == ("pending", 1, "unit_admin")
    assert list(approvals.inbox(w.fin_admin)) == [request]
    assert list(approvals.inbox(w.nc_admin)) == [] and list(approvals.inbox(w.staff)) == []
    assert Notification.objects.filter(recipient=w.fin_admin, category="approval").exists()

    approvals.decide(w.fin_admin, request.pk, "approve", "同意")
    assert list(approvals.inbox(w.fin_admin)) == [] and list(approvals.inbox(w.nc_admin)) == [request]
    approvals.decide(w.nc_admin, request.pk, "approve")

    request.refresh_from_db()
    assert (request.status, request.current_role, request.decided_at is not None) == ("approved", None, True)
    assert OUTCOMES == [("approved", request.pk)]
    assert list(request.actions.values_list("decision", "step_order")) == [
        ("submit", None), ("approve", 1), ("approve", 2)]
    assert [e.action for e in timeline(request)] == ["submit", "approve", "approve"]
    assert Notification.objects.filter(recipient=w.staff, title__contains="审批通过").exists()
    assert list(approvals.my_requests(w.staff)) == [request]


def test_reject_needs_an_opinion_and_calls_back(w):
    request = apply(w)
    with pytest.raises(ValidationFailed) as excinfo:
        approvals.decide(w.fin_admin, request.pk, "reject")
    assert excinfo.value.errors["comment"] == ["请填写审批意见。"]
    with pytest.raises(ValidationFailed):
        approvals.decide(w.fin_admin, request.pk, "maybe", "再说")
    approvals.decide(w.fin_admin, request.pk, "reject", "本月人手不足")
    assert ApprovalRequest.objects.get(pk=request.pk).status == "rejected"
    assert OUTCOMES == [("rejected", request.pk)]


def test_return_then_resubmit_starts_over(w):
    request = apply(w)
    approvals.decide(w.fin_admin, request.pk, "approve")
    approvals.decide(w.nc_admin, request.pk, "return", "请补充工作交接安排")
    request.refresh_from_db()
    assert request.status == "returned" and OUTCOMES == [("returned", request.pk)]
    with pytest.raises(Http404):
        approvals.resubmit(w.fin_admin, request.pk)
    approvals.resubmit(w.staff, request.pk, "已补充")
    request.refresh_from_db()
    assert (request.status, request.current_step) == ("pending", 1)
    assert list(approvals.inbox(w.fin_admin)) == [request]


def test_who_may_decide(w):
    request = apply(w)
    with pytest.raises(NotAllowed):
        approvals.decide(w.staff, request.pk, "approve")
    jj_unit_admin = make_account(roles=("unit_admin",), unit=w.jiujiang)
    with pytest.raises(Http404):
        approvals.decide(jj_unit_admin, request.pk, "approve")
    with pytest.raises(Http404):  # holds a role of no step of this flow at this place
        approvals.decide(w.jj_admin, request.pk, "approve")
    approvals.decide(w.fin_admin, request.pk, "approve")
    with pytest.raises(Conflict) as excinfo:  # a stale page: step 1 was already decided
        approvals.decide(w.fin_admin, request.pk, "approve")
    assert excinfo.value.message == "该申请已被他人处理。"
    assert ApprovalAction.objects.filter(request=request, decision="approve").count() == 1


def test_withdraw_only_by_the_applicant_while_open(w):
    request = apply(w)
    with pytest.raises(Http404):
        approvals.withdraw(w.fin_admin, request.pk)
    approvals.withdraw(w.staff, request.pk)
    assert ApprovalRequest.objects.get(pk=request.pk).status == "withdrawn"
    with pytest.raises(StateError) as excinfo:
        approvals.withdraw(w.staff, request.pk)
    assert "已撤回" in excinfo.value.message
    with pytest.raises(StateError):
        approvals.decide(w.fin_admin, request.pk, "approve")
    assert list(approvals.inbox(w.fin_admin)) == []


def test_submit_refusals(w):
    apply(w)
    with pytest.raises(StateError):  # the same matter is already under way
        apply(w, title="再申请一次")
    with pytest.raises(ValidationFailed) as excinfo:
        approvals.submit(w.staff, business_type="zz.nothing", subject=w.staff.person, title="")
    assert set(excinfo.value.errors) == {"business_type", "title"}
    approvals.save_flow(w.sysadmin, business_type=LEAVE, region_code=None, name="请假审批",
                        steps=[("单位审核", role("unit_admin").pk)])
    assert ApprovalRequest.objects.count() == 1


def test_the_nearest_regions_flow_applies(w):
    approvals.save_flow(w.nc_admin, business_type=LEAVE, region_code="360100", name="南昌请假审批",
                        steps=[("局审批", role("region_bureau_admin").pk)])
    donghu_staff = make_account(roles=("staff",), unit=w.donghu)
    in_nanchang = approvals.submit(donghu_staff, business_type=LEAVE, subject=donghu_staff.person, title="病假")
    elsewhere = approvals.submit(w.jj_staff, business_type=LEAVE, subject=w.jj_staff.person, title="事假")
    assert in_nanchang.flow.name == "南昌请假审批" and in_nanchang.current_role.code == "region_bureau_admin"
    assert elsewhere.flow == w.flow


def test_no_flow_configured(w):
    w.flow.delete()
    with pytest.raises(ValidationFailed) as excinfo:
        apply(w)
    assert "尚未配置" in excinfo.value.errors["business_type"][0] and "请假" in excinfo.value.errors["business_type"][0]
    assert not ApprovalRequest.objects.exists()


def test_flow_configuration_rules(w):
    with pytest.raises(ValidationFailed) as excinfo:
        approvals.save_flow(w.sysadmin, business_type="zz.none", region_code="999999", name="", steps=[])
    assert set(excinfo.value.errors) == {"business_type", "region_code", "name", "steps"}
    with pytest.raises(ValidationFailed) as excinfo:
        approvals.save_flow(w.sysadmin, business_type=LEAVE, region_code="360100", name="流程",
                            steps=[("自己批", role("staff").pk), ("", 999999), "坏数据"])
    messages = excinfo.value.errors["steps"]
    assert messages[0].startswith("第1个环节") and "仅本人" in messages[0]
    assert any(m.startswith("第2个环节") for m in messages) and any(m.startswith("第3个环节") for m in messages)
    with pytest.raises(NotAllowed):  # the platform default and other regions are beyond a city bureau
        approvals.save_flow(w.nc_admin, business_type=LEAVE, region_code=None, name="x",
                            steps=[("审批", role("unit_admin").pk)])
    with pytest.raises(NotAllowed):
        approvals.save_flow(w.nc_admin, business_type=LEAVE, region_code="360400", name="x",
                            steps=[("审批", role("unit_admin").pk)])


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_one_wins(leave_type):
    world = build_world()
    flow_steps = [("单位审核", role("unit_admin").pk), ("局审批", role("region_bureau_admin").pk)]
    approvals.save_flow(world.sysadmin, business_type=LEAVE, region_code=None, name="请假审批", steps=flow_steps)
    request = apply(world)
    second_admin = make_account(roles=("unit_admin",), unit=world.finance)

    results = run_at_once(
        lambda: approvals.decide(world.fin_admin, request.pk, "approve", "同意"),
        lambda: approvals.decide(second_admin, request.pk, "reject", "不同意"),
    )

    assert sum(isinstance(r, ApprovalRequest) for r in results) == 1, results
    loser = next(r for r in results if not isinstance(r, ApprovalRequest))
    assert isinstance(loser, Conflict) and loser.message == "该申请已被他人处理。"
    assert ApprovalAction.objects.filter(request_id=request.pk).exclude(decision="submit").count() == 1
