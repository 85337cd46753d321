"""Approvals and events through the portal: the inbox, decisions, the event center and its actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.models import ApprovalRequest, Event, Role
from jiguan.core.registry import ApprovalType, ModuleSpec, registry
from jiguan.core.services import approvals, events
from jiguan.core.testing import make_account

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def approval_type():
    spec = registry.register(ModuleSpec(
        code="fakeapproval", name="测试审批", approval_types=(ApprovalType("fake.request", "测试申请"),),
    ))
    yield spec
    registry.unregister(spec.code)


@pytest.fixture
def application(approval_type, org, people):
    """A staff member of 南昌市财政局 applies; the unit administrator there decides (one step)."""
    approvals.save_flow(people["sysadmin"], business_type="fake.request", region_code=None, name="测试流程",
                        steps=[("单位审核", Role.objects.get(code="unit_admin").pk)])
    return approvals.submit(people["staff"], business_type="fake.request", subject=org["finance"], title="借用小会议室申请")


def test_inbox_lists_what_waits_for_the_approver_only(login, application):
    assert "借用小会议室申请" in login("unit_admin").get(reverse("manage:approvals")).content.decode()
    assert "借用小会议室申请" not in login("nc_admin").get(reverse("manage:approvals")).content.decode()


def test_approve_inline_redraws_the_row_with_the_outcome(login, application):
    client = login("unit_admin")
    response = client.post(reverse("manage:approval_decide", args=[application.pk]),
                           {"decision": "approve", "comment": "同意"}, headers=HTMX)
    assert response.status_code == 200
    assert f'id="approval-{application.pk}"' in response.content.decode()
    assert 'name="decision"' not in response.content.decode()  # no buttons: nothing left to decide
    application.refresh_from_db()
    assert application.status == "approved"
    assert "借用小会议室申请" in client.get(reverse("manage:approvals_decided")).content.decode()


def test_return_without_a_comment_is_refused_with_a_message(login, application):
    response = login("unit_admin").post(reverse("manage:approval_decide", args=[application.pk]),
                                        {"decision": "return", "comment": ""}, headers={**HTMX, **ZH})
    assert "jiguan:messages" in response["HX-Trigger"]
    application.refresh_from_db()
    assert application.status == "pending"


def test_decision_on_the_detail_page(login, application):
    client = login("unit_admin")
    detail = client.get(reverse("manage:approval", args=[application.pk])).content.decode()
    assert 'value="reject"' in detail
    response = client.post(reverse("manage:approval_decide", args=[application.pk]),
                           {"decision": "reject", "comment": "面积超标"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "rejected"
    assert "面积超标" in client.get(reverse("manage:approval", args=[application.pk])).content.decode()


def test_request_not_meant_for_the_user_is_404(login, application):
    assert login("nc_admin").get(reverse("manage:approval", args=[application.pk])).status_code == 404
    response = login("nc_admin").post(reverse("manage:approval_decide", args=[application.pk]),
                                      {"decision": "approve"})
    assert response.status_code == 404
    assert ApprovalRequest.objects.get(pk=application.pk).status == "pending"


# --- Events ---------------------------------------------------------------------------------------


@pytest.fixture
def event(people):
    return events.report_event(people["staff"], type="core.general", title="三楼空调故障")


def test_event_list_filters_and_ignores_bogus_sorts(login, event):
    client = login("unit_admin")
    assert "三楼空调故障" in client.get(reverse("manage:events") + "?status=new&open=1").content.decode()
    assert "三楼空调故障" not in client.get(reverse("manage:events") + "?status=closed").content.decode()
    assert "三楼空调故障" not in client.get(reverse("manage:events") + "?overdue=1").content.decode()
    assert client.get(reverse("manage:events") + "?sort=reporter__password&priority=nope").status_code == 200
    assert client.get(reverse("manage:events") + "?sort=-priority").status_code == 200


def test_event_detail_offers_the_actions_of_its_state(login, event):
    html = login("unit_admin").get(reverse("manage:event", args=[event.pk])).content.decode()
    assert reverse("manage:event_action", args=[event.pk, "dispatch"]) in html
    assert reverse("manage:event_action", args=[event.pk, "reject"]) in html
    assert reverse("manage:event_action", args=[event.pk, "resolve"]) not in html


def test_event_closed_loop_through_the_portal(login, org, event):
    client = login("unit_admin")
    url = lambda action: reverse("manage:event_action", args=[event.pk, action])  # noqa: E731
    response = client.post(url("dispatch"), {"dispatch-assignee_unit": org["finance_office"].pk,
                                             "dispatch-comment": "请办公室处理"})
    assert response.status_code == 302
    assert client.post(url("start"), {"start-comment": ""}).status_code == 302
    refused = client.post(url("resolve"), {"resolve-comment": ""}, headers=ZH)
    assert refused.status_code == 400 and "is-invalid" in refused.content.decode()
    assert Event.objects.get(pk=event.pk).status == "in_progress"
    assert client.post(url("resolve"), {"resolve-comment": "已更换压缩机"}).status_code == 302
    event.refresh_from_db()
    assert event.status == "resolved" and event.assignee_unit == org["finance_office"]
    assert "已更换压缩机" in client.get(reverse("manage:event", args=[event.pk])).content.decode()


def test_action_not_allowed_in_the_state_changes_nothing(login, event):
    response = login("unit_admin").post(reverse("manage:event_action", args=[event.pk, "resolve"]),
                                        {"resolve-comment": "想直接办结"}, headers=ZH)
    assert response.status_code == 400
    assert Event.objects.get(pk=event.pk).status == "new"


def test_unknown_action_is_404(login, event):
    assert login("unit_admin").post(reverse("manage:event_action", args=[event.pk, "delete"])).status_code == 404


def test_event_outside_the_scope_is_404(login, org):
    jiujiang_staff = make_account("jj_staff", roles=("staff",), unit=org["jiujiang"])
    other = events.report_event(jiujiang_staff, type="core.general", title="九江的事件")
    client = login("unit_admin")
    assert client.get(reverse("manage:event", args=[other.pk])).status_code == 404
    assert client.post(reverse("manage:event_action", args=[other.pk, "reject"]),
                       {"reject-comment": "x"}).status_code == 404
    assert Event.objects.get(pk=other.pk).status == "new"


def test_home_counts_and_todos(login, event, application):
    html = login("unit_admin").get(reverse("manage:home")).content.decode()
    assert "三楼空调故障" in html and "借用小会议室申请" in html


def test_home_marks_the_to_dos_past_their_deadline(login, event, people):
    late = events.report_event(people["staff"], type="core.general", title="会议室投影仪损坏")
    Event.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=3))
    Event.objects.filter(pk=event.pk).update(due_at=timezone.now() + timedelta(days=3))
    html = login("unit_admin").get(reverse("manage:home"), headers=ZH).content.decode()
    rows = {title: html[html.index(title):][:600] for title in ("会议室投影仪损坏", "三楼空调故障")}
    assert "已超期" in rows["会议室投影仪损坏"] and "已超期" not in rows["三楼空调故障"]
    assert f'{reverse("manage:events")}?open=1' in html  # the rest of them, a click away
