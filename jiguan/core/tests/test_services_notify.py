"""Notifications: inbox rows, SMS/e-mail copies after commit through the configured channels, the inbox services."""

import pytest
from django.contrib.auth.models import AnonymousUser

from jiguan.core import notify
from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.models import Notification
from jiguan.core.services import notifications
from jiguan.core.testing import make_account, make_person, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    unit = make_unit("360100")
    with_phone = make_account(roles=("staff",), person=make_person(unit, phone="13912345678"), unit=unit)
    without_phone = make_account(roles=("staff",), person=make_person(unit, phone=""), unit=unit)
    return with_phone, without_phone


@pytest.fixture(autouse=True)
def clean_log():
    notify.LoggingChannel.sent.clear()
    yield
    notify.LoggingChannel.sent.clear()


def test_inbox_rows_once_per_active_recipient(people):
    reader, other = people
    gone = make_account(roles=("staff",), is_active=False)
    rows = notify.send([reader, reader, other, gone, None], "会议通知", body="周五下午三点", category="notice")
    assert len(rows) == 2
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {reader.pk, other.pk}


def test_sms_copy_goes_to_the_decrypted_phone_after_commit(people, django_capture_on_commit_callbacks):
    reader, without_phone = people
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify.send([reader, without_phone], "审批提醒", channels=("inbox", "sms"))
    assert notify.LoggingChannel.sent == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert [(channel, address) for channel, address, _m in notify.LoggingChannel.sent] == [("sms", "13912345678")]


def test_external_copies_are_queued_as_a_task_without_personal_data(people, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    from types import SimpleNamespace

    queued = []
    fake_task = SimpleNamespace(enqueue=lambda *args: queued.append(args))
    monkeypatch.setattr("jiguan.core.tasks.deliver_notification", fake_task)
    with django_capture_on_commit_callbacks(execute=True):
        notify.send([people[0]], "审批提醒", channels=("inbox", "sms"))
    assert len(queued) == 1 and queued[0][:2] == ("sms", [people[0].pk])
    assert "13912345678" not in repr(queued)  # the queue table is not encrypted: ids only
    assert notify.LoggingChannel.sent == []  # the worker sends it, not the request


def test_a_failing_gateway_does_not_break_the_action(people, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_CHANNELS = {**settings.NOTIFY_CHANNELS, "sms": "jiguan.core.tests.test_services_notify.Broken"}
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify.send([people[0]], "提醒", channels=("inbox", "sms"))
    assert len(rows) == 1


def test_unknown_channel_is_a_programming_error(people):
    with pytest.raises(ValueError):
        notify.send([people[0]], "提醒", channels=("pigeon",))


class Broken:
    def __init__(self, channel):
        self.channel = channel

    def deliver(self, address, message):
        raise ConnectionError("gateway down")


def test_mark_read_and_unread_count(people):
    reader, other = people
    first, second, third = notify.send([reader], "一"), notify.send([reader], "二"), notify.send([other], "三")
    assert notifications.unread_count(reader) == 2
    assert notifications.mark_read(reader, [first[0].pk, third[0].pk]) == 1  # not someone else's
    assert notifications.unread_count(reader) == 1 and notifications.unread_count(other) == 1
    assert notifications.mark_read(reader) == 1
    assert notifications.unread_count(reader) == 0 and second[0].pk
    with pytest.raises(ValidationFailed):
        notifications.mark_read(reader, ["abc"])


def test_anonymous_has_no_inbox():
    assert notifications.unread_count(AnonymousUser()) == 0
    with pytest.raises(NotAllowed):
        notifications.mark_read(AnonymousUser())
