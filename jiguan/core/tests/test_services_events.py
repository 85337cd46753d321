"""Event services: the closed loop, who may do what, SLA reminders, and two dispatchers at once."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Event, Notification
from jiguan.core.services import events
from jiguan.core.statemachine import timeline
from jiguan.core.testing import run_at_once

from .services_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def report(w, **fields):
    fields = {"type": "core.general", "title": "三楼会议室空调漏水", **fields}
    return events.report_event(w.staff, **fields)


def notified(account) -> list[str]:
    return list(Notification.objects.filter(recipient=account).values_list("title", flat=True))


def test_report_sets_the_sla_and_starts_the_timeline(w):
    event = report(w, description="滴水严重", priority="high")
    assert (event.status, event.unit, event.reporter, event.priority) == ("new", w.finance, w.staff, "high")
    assert abs(event.due_at - (timezone.now() + timedelta(hours=120))) < timedelta(minutes=1)
    assert [(e.action, e.to_state) for e in timeline(event)] == [("report", "new")]


def test_report_names_every_bad_field_and_creates_nothing(w):
    with pytest.raises(ValidationFailed) as excinfo:
        report(w, type="core.nope", title="", priority="whenever", unit_id=w.jiujiang.pk)
    assert set(excinfo.value.errors) == {"type", "title", "priority", "unit_id"}
    assert not Event.objects.exists()
    with pytest.raises(NotAllowed):
        events.report_event(w.sysadmin, type="core.general", title="系统管理员没有服务入口权限")


def test_the_whole_loop_with_rating(w):
    event = report(w)
    events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.finance.pk, comment="请财政局处理")
    assert notified(w.fin_admin) and not notified(w.nc_admin)  # the unit's own handlers, not everyone above
    events.start_work(w.fin_admin, event.pk)
    assert Event.objects.get(pk=event.pk).assignee == w.fin_admin
    with pytest.raises(ValidationFailed) as excinfo:
        events.resolve(w.fin_admin, event.pk, "  ")
    assert excinfo.value.errors["comment"] == ["请填写处置结果。"]
    events.resolve(w.fin_admin, event.pk, "已更换冷凝水管")
    assert any("已处置完成" in title for title in notified(w.staff))
    assert events.actions_for(w.staff, Event.objects.get(pk=event.pk)) == ["close", "reopen"]
    with pytest.raises(NotAllowed):
        events.close(w.fin_admin, event.pk, rating=5)
    with pytest.raises(ValidationFailed) as excinfo:
        events.close(w.staff, event.pk, rating=6)
    assert "1至5" in excinfo.value.errors["rating"][0]
    events.close(w.staff, event.pk, rating=5, feedback="很及时")
    closed = Event.objects.get(pk=event.pk)
    assert (closed.status, closed.rating, closed.feedback) == ("closed", 5, "很及时") and closed.closed_at
    assert [e.action for e in timeline(closed)] == ["report", "dispatch", "start", "resolve", "close"]


def test_reporter_not_satisfied_reopens(w):
    event = report(w)
    events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.finance.pk, assignee_id=w.fin_admin.pk)
    events.start_work(w.fin_admin, event.pk)
    events.resolve(w.fin_admin, event.pk, "已处理")
    with pytest.raises(ValidationFailed):
        events.reopen(w.staff, event.pk, "")
    events.reopen(w.staff, event.pk, "仍在漏水")
    reopened = Event.objects.get(pk=event.pk)
    assert reopened.status == "in_progress" and reopened.resolved_at is None
    assert any("不满意" in title for title in notified(w.fin_admin))


def test_dispatch_refusals(w):
    event = report(w)
    with pytest.raises(NotAllowed):
        events.dispatch(w.staff, event.pk, assignee_unit_id=w.finance.pk)
    with pytest.raises(ValidationFailed) as excinfo:
        events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.jiujiang.pk)
    assert "assignee_unit_id" in excinfo.value.errors
    with pytest.raises(ValidationFailed) as excinfo:
        events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.finance.pk, assignee_id=w.staff.pk)
    assert "assignee_id" in excinfo.value.errors
    with pytest.raises(Http404):
        events.dispatch(w.jj_admin, event.pk, assignee_unit_id=w.jiujiang.pk)
    assert Event.objects.get(pk=event.pk).status == "new"
    events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.finance.pk)
    with pytest.raises(StateError) as excinfo:
        events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.donghu.pk)
    assert "已派遣" in excinfo.value.message and "派遣" in excinfo.value.message


def test_reject_needs_a_reason_and_ends_the_event(w):
    event = report(w)
    with pytest.raises(ValidationFailed):
        events.reject(w.nc_admin, event.pk, "")
    events.reject(w.nc_admin, event.pk, "不属于机关事务管理范围")
    assert Event.objects.get(pk=event.pk).status == "rejected"
    assert any("已被驳回" in title for title in notified(w.staff))
    with pytest.raises(StateError):
        events.start_work(w.nc_admin, event.pk)
    with pytest.raises(StateError):
        events.add_comment(w.staff, event.pk, "为什么?")


def test_comments_from_those_who_can_see_it(w):
    event = report(w)
    entry = events.add_comment(w.staff, event.pk, "请尽快处理")
    assert entry.action == "comment" and entry.actor == w.staff
    events.add_comment(w.nc_admin, event.pk, "已收到")
    assert any("新留言" in title for title in notified(w.staff))
    with pytest.raises(Http404):
        events.add_comment(w.jj_staff, event.pk, "我也看看")
    with pytest.raises(ValidationFailed):
        events.add_comment(w.staff, event.pk, "")


def test_system_event_goes_straight_to_its_unit(w):
    event = events.open_event(type="core.general", title="周转房租约到期", unit=w.donghu, subject=w.donghu,
                              assignee_unit=w.nc_bureau)
    assert event.status == "dispatched" and event.reporter is None and event.subject == w.donghu
    assert notified(w.nc_admin)
    # with no reporter, the handlers themselves confirm the closing
    events.start_work(w.nc_admin, event.pk)
    events.resolve(w.nc_admin, event.pk, "已续约")
    events.close(w.nc_admin, event.pk)
    assert Event.objects.get(pk=event.pk).status == "closed"


def test_events_opened_quietly_are_announced_in_one_notification(w):
    # 东湖区 has no handler of its own: the 南昌 bureau's handle its events too, so they hear once of both.
    opened = [events.open_event(type="core.general", title=f"周转房租约到期 {n}", unit=w.donghu,
                                assignee_unit=(w.nc_bureau, w.donghu)[n % 2], tell_handlers=False)
              for n in range(12)]
    assert notified(w.nc_admin) == []
    events.announce_dispatched(opened, lambda n: f"{n} 个新事件")
    (notice,) = Notification.objects.filter(recipient=w.nc_admin)
    lines = notice.body.splitlines()
    assert notice.title == "12 个新事件" and notice.link.endswith("/events/")
    assert lines[:10] == [f"周转房租约到期 {n}" for n in range(10)] and "2" in lines[10] and len(lines) == 11
    events.announce_dispatched(opened[:1], lambda n: "不用这个标题")  # a single event is announced as any other
    latest = Notification.objects.filter(recipient=w.nc_admin).latest("pk")
    assert "周转房租约到期 0" in latest.title and latest.title != "不用这个标题"


def test_overdue_reminder_is_sent_once(w):
    late = report(w)
    events.dispatch(w.nc_admin, late.pk, assignee_unit_id=w.finance.pk)
    done = report(w, title="已办结的事件")
    events.reject(w.nc_admin, done.pk, "重复报告")
    Event.objects.filter(pk__in=[late.pk, done.pk]).update(due_at=timezone.now() - timedelta(hours=1))
    assert events.notify_overdue() == 1
    assert any("已超时" in title for title in notified(w.fin_admin))
    assert Event.objects.get(pk=late.pk).overdue_notified_at is not None
    assert events.notify_overdue() == 0


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_one_wins():
    w = build_world()
    event = report(w)
    other = type(w.nc_admin).objects.create_user("nc_admin2", "x", unit=w.nc_bureau)
    other.assignments.create(role=w.nc_admin.assignments.get().role, unit=w.nc_bureau)

    results = run_at_once(
        lambda: events.dispatch(w.nc_admin, event.pk, assignee_unit_id=w.finance.pk),
        lambda: events.dispatch(other, event.pk, assignee_unit_id=w.donghu.pk),
    )

    winners = [r for r in results if isinstance(r, Event)]
    losers = [r for r in results if isinstance(r, StateError)]
    assert len(winners) == 1 and len(losers) == 1, results
    stored = Event.objects.get(pk=event.pk)
    assert stored.assignee_unit_id == winners[0].assignee_unit_id
    assert [e.action for e in timeline(stored)].count("dispatch") == 1
