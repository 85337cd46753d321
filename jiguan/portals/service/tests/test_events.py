"""Feedback and reported problems: submitting (bad input changes nothing), my lists, the timeline,
rating a resolved matter, the handler's actions, and nobody else's events."""

import re

import pytest
from django.urls import reverse

from jiguan.core.models import Event
from jiguan.core.models.events import EventStatus
from jiguan.core.services import events
from jiguan.core.testing import make_account

from .conftest import client_for


@pytest.fixture
def handler(world):
    return make_account("bureau_admin", roles=("region_bureau_admin",), unit=world.bureau)


def _resolved_feedback(world, handler) -> Event:
    event = events.open_event(type="core.feedback", title="食堂建议", unit=world.unit, actor=world.staff,
                              assignee_unit=world.bureau)
    events.start_work(handler, event.pk)
    events.resolve(handler, event.pk, "已调整食堂开放时间")
    return event


def test_feedback_is_submitted_to_the_bureau_and_listed_as_mine(world, staff_client):
    response = staff_client.post(reverse("service:feedback"), {"category": "suggestion", "content": "建议延长食堂开放时间"})
    event = Event.objects.get(type="core.feedback")
    assert response.status_code == 302 and response["Location"] == reverse("service:event", args=[event.pk])
    assert event.reporter == world.staff and event.assignee_unit == world.bureau
    html = staff_client.get(reverse("service:feedback")).content.decode()
    assert "建议延长食堂开放时间" in html


def test_too_short_feedback_is_refused_with_the_reason_and_creates_nothing(staff_client):
    response = staff_client.post(reverse("service:feedback"), {"category": "complaint", "content": "太慢"})
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'<div class="invalid-feedback d-block">([^<]+)</div>', html).group(1)
    assert "反馈内容" in error and "5" in error  # names the field and what is allowed
    assert 'class="mb-3 field-invalid"' in html
    assert "太慢" in html  # what was typed is kept
    assert not Event.objects.exists()


def test_feedback_with_an_unknown_category_is_refused(staff_client):
    response = staff_client.post(reverse("service:feedback"), {"category": "praise", "content": "一切都很好谢谢"})
    assert response.status_code == 200
    assert not Event.objects.exists()


def test_the_reporter_rates_a_resolved_matter_and_closes_it(world, staff_client, handler):
    event = _resolved_feedback(world, handler)
    url = reverse("service:event", args=[event.pk])
    html = staff_client.get(url).content.decode()
    assert 'data-testid="action-close"' in html and 'data-testid="action-reopen"' in html
    assert "已调整食堂开放时间" in html  # the handler's answer on the timeline

    response = staff_client.post(url, {"action": "close", "rating": "5", "feedback": "很满意"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.rating, event.feedback) == (EventStatus.CLOSED, 5, "很满意")
    assert "★★★★★" in staff_client.get(url).content.decode()


def test_a_rating_outside_one_to_five_is_refused_and_changes_nothing(world, staff_client, handler):
    event = _resolved_feedback(world, handler)
    response = staff_client.post(reverse("service:event", args=[event.pk]), {"action": "close", "rating": "9"})
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == EventStatus.RESOLVED and event.rating is None


def test_a_matter_not_yet_resolved_cannot_be_closed(world, staff_client):
    event = events.report_event(world.staff, type="core.general", title="空调漏水")
    url = reverse("service:event", args=[event.pk])
    assert 'data-testid="action-close"' not in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"action": "close", "rating": "5"})
    assert response.status_code == 200
    assert "不能执行" in response.content.decode()
    event.refresh_from_db()
    assert event.status == EventStatus.NEW


def test_a_problem_is_reported_and_listed_with_its_timeline(world, staff_client):
    response = staff_client.post(reverse("service:events"), {
        "title": "三楼会议室投影仪故障", "description": "无法开机", "priority": "high",
    })
    event = Event.objects.get()
    assert response["Location"] == reverse("service:event", args=[event.pk])
    assert (event.type, event.reporter, event.unit, event.priority) == ("core.general", world.staff, world.unit, "high")
    assert "三楼会议室投影仪故障" in staff_client.get(reverse("service:events")).content.decode()
    detail = staff_client.get(reverse("service:event", args=[event.pk])).content.decode()
    assert "无法开机" in detail and "steps-vertical" in detail


def test_a_report_without_a_title_is_refused_and_creates_nothing(staff_client):
    response = staff_client.post(reverse("service:events"), {"title": "", "description": "", "priority": "normal"})
    assert response.status_code == 200
    assert "请填写" in response.content.decode()
    assert not Event.objects.exists()


def test_the_fields_the_service_insists_on_are_marked_required(staff_client):
    for page, name in (("service:events", "title"), ("service:feedback", "content")):
        html = staff_client.get(reverse(page)).content.decode()
        label = html[:html.index(f'for="id_{name}"')]
        assert label[label.rindex("<label"):].startswith('<label class="form-label required"'), page
        assert 'aria-required="true"' in html[html.index(f'name="{name}"') - 200:html.index(f'name="{name}"') + 200]


def test_the_reporter_adds_a_comment(world, staff_client):
    event = events.report_event(world.staff, type="core.general", title="空调漏水")
    url = reverse("service:event", args=[event.pk])
    staff_client.post(url, {"action": "comment", "text": "在三楼东侧"})
    assert "在三楼东侧" in staff_client.get(url).content.decode()


def test_nobody_else_sees_my_event(world, staff_client):
    event = events.report_event(world.other, type="core.general", title="李四的报修")
    url = reverse("service:event", args=[event.pk])
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, {"action": "comment", "text": "偷看"}).status_code == 404
    assert "李四的报修" not in staff_client.get(reverse("service:events")).content.decode()


def test_the_assigned_handler_sees_it_among_to_dos_and_works_it(world, handler):
    event = events.report_event(world.staff, type="core.general", title="门禁失灵")
    events.dispatch(handler, event.pk, assignee_unit_id=world.bureau.pk, assignee_id=handler.pk)
    client = client_for(handler)
    assert "门禁失灵" in client.get(reverse("service:todos")).content.decode()

    url = reverse("service:event", args=[event.pk])
    assert 'data-testid="action-start"' in client.get(url).content.decode()
    client.post(url, {"action": "start"})
    response = client.post(url, {"action": "resolve", "comment": ""})
    assert response.status_code == 200  # the result must be described
    event.refresh_from_db()
    assert event.status == EventStatus.IN_PROGRESS
    client.post(url, {"action": "resolve", "comment": "已更换门禁控制器"})
    event.refresh_from_db()
    assert event.status == EventStatus.RESOLVED


def test_a_reporter_cannot_work_their_own_matter_and_is_told_so(world, staff_client):
    event = events.report_event(world.staff, type="core.general", title="空调漏水")
    response = staff_client.post(reverse("service:event", args=[event.pk]), {"action": "start"})
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.content.decode()
    event.refresh_from_db()
    assert event.status == EventStatus.NEW
