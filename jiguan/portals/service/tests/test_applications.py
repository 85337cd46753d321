"""My applications (with withdraw and resubmit) and the approvals waiting for me."""

import pytest
from django.urls import reverse

from jiguan.core.models import ApprovalFlow, ApprovalStep, Role
from jiguan.core.models.approvals import ApprovalStatus
from jiguan.core.registry import ApprovalType, ModuleSpec
from jiguan.core.services import approvals
from jiguan.core.testing import make_account

from .conftest import client_for


@pytest.fixture
def flow(world, register_module):
    register_module(ModuleSpec(code="zz_leave", name="请假", approval_types=(ApprovalType("zz_leave.apply", "请假"),)))
    flow = ApprovalFlow.objects.create(business_type="zz_leave.apply", name="请假审批")
    ApprovalStep.objects.create(flow=flow, order=1, name="单位审批", role=Role.objects.get(code="unit_admin"))
    return flow


@pytest.fixture
def approver(world):
    return make_account("approver", roles=("unit_admin",), unit=world.unit)


def _apply(account, title="年休假申请"):
    return approvals.submit(account, business_type="zz_leave.apply", subject=account.person, title=title)


def test_my_applications_are_listed_with_status_and_timeline(world, flow, staff_client):
    request = _apply(world.staff)
    assert "年休假申请" in staff_client.get(reverse("service:applications")).content.decode()
    html = staff_client.get(reverse("service:application", args=[request.pk])).content.decode()
    assert "审批中" in html and "已提交" in html


def test_i_withdraw_my_pending_application(world, flow, staff_client):
    request = _apply(world.staff)
    response = staff_client.post(reverse("service:application_withdraw", args=[request.pk]))
    assert response["Location"] == reverse("service:application", args=[request.pk])
    request.refresh_from_db()
    assert request.status == ApprovalStatus.WITHDRAWN
    html = staff_client.get(response["Location"]).content.decode()
    assert "撤回申请" not in html  # nothing left to withdraw


def test_withdrawing_twice_says_why_and_changes_nothing(world, flow, staff_client):
    request = _apply(world.staff)
    approvals.withdraw(world.staff, request.pk)
    response = staff_client.post(reverse("service:application_withdraw", args=[request.pk]), follow=True)
    assert "alert-danger" in response.content.decode()


def test_nobody_else_sees_or_withdraws_my_application(world, flow):
    request = _apply(world.staff)
    other = client_for(world.other)
    assert other.get(reverse("service:application", args=[request.pk])).status_code == 404
    assert other.post(reverse("service:application_withdraw", args=[request.pk])).status_code == 404
    assert "年休假申请" not in other.get(reverse("service:applications")).content.decode()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


def test_the_approver_approves_from_the_to_dos(world, flow, approver):
    request = _apply(world.staff)
    client = client_for(approver)
    assert "年休假申请" in client.get(reverse("service:todos")).content.decode()
    response = client.post(reverse("service:todo", args=[request.pk]), {"decision": "approve", "comment": "同意"})
    assert response["Location"] == reverse("service:todos")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(world, flow, approver):
    request = _apply(world.staff)
    response = client_for(approver).post(reverse("service:todo", args=[request.pk]), {"decision": "reject"})
    assert response.status_code == 200
    assert "field-invalid" in response.content.decode()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


def test_a_returned_application_is_resubmitted(world, flow, approver, staff_client):
    request = _apply(world.staff)
    approvals.decide(approver, request.pk, "return", "请补充请假天数")
    html = staff_client.get(reverse("service:application", args=[request.pk])).content.decode()
    assert "请补充请假天数" in html
    staff_client.post(reverse("service:application_resubmit", args=[request.pk]), {"comment": "已补充：5天"})
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


def test_staff_cannot_open_an_approval_not_waiting_for_them(world, flow, staff_client):
    request = _apply(world.other)
    assert staff_client.get(reverse("service:todo", args=[request.pk])).status_code == 404
    response = staff_client.post(reverse("service:todo", args=[request.pk]), {"decision": "approve"})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


def test_the_second_approver_to_decide_is_told_someone_else_was_first(world, flow, approver):
    request = _apply(world.staff)
    colleague = make_account("approver2", roles=("unit_admin",), unit=world.unit)
    page_of_colleague = client_for(colleague)
    assert page_of_colleague.get(reverse("service:todo", args=[request.pk])).status_code == 200
    client_for(approver).post(reverse("service:todo", args=[request.pk]), {"decision": "approve"})

    response = page_of_colleague.post(reverse("service:todo", args=[request.pk]), {"decision": "reject",
                                                                                    "comment": "不同意"}, follow=True)
    assert response.redirect_chain == [(reverse("service:todos"), 302)]
    assert "已被他人处理" in response.content.decode()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
