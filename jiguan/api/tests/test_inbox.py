"""The staff member's side: messages, notices for their region, feedback."""

import pytest

from jiguan.core import notify
from jiguan.core.models import Event, Notification
from jiguan.core.services.notices import publish_notice
from jiguan.core.testing import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(api, staff):
    return api.token(staff)


def test_messages_unread_count_and_mark_read(api, token, staff, region_admin):
    notify.send([staff], "会议室预约已通过", body="3 楼 301")
    notify.send([staff], "事件已办结")
    notify.send([region_admin], "别人的消息")
    listed = api.get("/notifications", token=token).json()
    assert listed["total"] == 2 and {m["title"] for m in listed["items"]} == {"会议室预约已通过", "事件已办结"}
    assert api.get("/notifications/unread-count", token=token).json() == {"count": 2}
    first = listed["items"][0]["id"]
    assert api.post("/notifications/read", {"ids": [first]}, token=token).json() == {"marked": 1, "unread": 1}
    assert [m["id"] for m in api.get("/notifications", params={"unread": True}, token=token).json()["items"]] != [first]
    others = Notification.objects.get(recipient=region_admin).pk
    assert api.post("/notifications/read", {"ids": [others]}, token=token).json() == {"marked": 0, "unread": 1}
    assert Notification.objects.get(pk=others).read_at is None
    assert api.post("/notifications/read", {}, token=token).json() == {"marked": 1, "unread": 0}


def test_mark_read_refuses_bad_ids(api, token):
    response = api.post("/notifications/read", {"ids": ["x"]}, token=token)
    assert response.status_code == 400 and response.json()["field"] == "ids.0"


def test_notices_for_my_region_only(api, token, region_admin, org):
    notice = publish_notice(region_admin, title="关于开展节能检查的通知", body="各单位：……", audience_region_code="360100")
    listed = api.get("/notices", token=token).json()
    assert [n["id"] for n in listed["items"]] == [notice.pk]
    assert listed["items"][0]["publisher"]["id"] == org["bureau"].pk and "body" not in listed["items"][0]
    assert api.get(f"/notices/{notice.pk}", token=token).json()["body"] == "各单位：……"
    jiujiang_staff = make_account("jj_staff", roles=("staff",), unit=org["jiujiang"])
    other_token = api.token(jiujiang_staff)
    assert api.get("/notices", token=other_token).json()["items"] == []
    assert api.get(f"/notices/{notice.pk}", token=other_token).status_code == 404


def test_feedback_becomes_an_event_for_the_bureau(api, token, org):
    response = api.post("/feedback", {"category": "suggestion", "content": "建议食堂增加晚餐供应"}, token=token)
    assert response.status_code == 201
    event = Event.objects.get(pk=response.json()["event_id"])
    assert event.type == "core.feedback" and event.assignee_unit == org["bureau"]
    assert response.json()["event_id"] in [e["id"] for e in api.get("/events", token=token).json()["items"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"category": "praise", "content": "很好很好很好"}, "category"), ({"category": "other", "content": "太短"}, "content")],
)
def test_feedback_input_is_checked(api, token, payload, field):
    response = api.post("/feedback", payload, token=token)
    assert response.status_code == 400 and response.json()["field"] == field
    assert not Event.objects.exists()
