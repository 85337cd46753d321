"""Events through the API: report, the boxes, the closed loop of actions, refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.core.models import Event
from jiguan.core.testing import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(api, staff, region_admin):
    return {"staff": api.token(staff), "admin": api.token(region_admin)}


def report(api, token, **fields):
    response = api.post("/events", {"title": "三楼会议室空调漏水", "description": "请尽快维修", **fields}, token=token)
    assert response.status_code == 201, response.json()
    return response.json()


def act(api, token, event_id, action, **fields):
    return api.post(f"/events/{event_id}/actions", {"action": action, **fields}, token=token)


def test_staff_reports_an_event_and_follows_it(api, tokens, staff):
    event = report(api, tokens["staff"])
    assert event["status"]["code"] == "new" and event["unit"]["id"] == staff.unit_id
    assert event["reporter"]["id"] == staff.pk and event["due_at"] is not None
    assert [e["action"] for e in event["timeline"]] == ["report"]
    mine = api.get("/events", token=tokens["staff"]).json()
    assert [e["id"] for e in mine["items"]] == [event["id"]]
    assert api.get("/events", params={"box": "scope"}, token=tokens["staff"]).json()["items"] == []


def test_the_closed_loop(api, tokens, org, staff):
    event = report(api, tokens["staff"])
    in_scope = api.get("/events", params={"box": "scope", "status": "new"}, token=tokens["admin"]).json()
    assert event["id"] in [e["id"] for e in in_scope["items"]]
    detail = api.get(f"/events/{event['id']}", token=tokens["admin"]).json()
    assert "dispatch" in detail["actions"]
    dispatched = act(api, tokens["admin"], event["id"], "dispatch", assignee_unit_id=org["bureau"].pk, comment="请处理")
    assert dispatched.status_code == 200 and dispatched.json()["status"]["code"] == "dispatched"
    assert act(api, tokens["admin"], event["id"], "start").json()["status"]["code"] == "in_progress"
    resolved = act(api, tokens["admin"], event["id"], "resolve", comment="已更换水管")
    assert resolved.json()["status"]["code"] == "resolved"
    assert api.get(f"/events/{event['id']}", token=tokens["staff"]).json()["actions"] == ["close", "reopen"]
    closed = act(api, tokens["staff"], event["id"], "close", rating=5, feedback="及时")
    body = closed.json()
    assert body["status"]["code"] == "closed" and body["rating"] == 5
    assert [e["to_state"] for e in body["timeline"]] == ["new", "dispatched", "in_progress", "resolved", "closed"]
    assert body["timeline"][-1]["to_state_label"]


def test_dispatch_needs_a_unit(api, tokens):
    event = report(api, tokens["staff"])
    response = act(api, tokens["admin"], event["id"], "dispatch")
    assert response.status_code == 400 and response.json()["field"] == "assignee_unit_id"
    assert Event.objects.get(pk=event["id"]).status == "new"


def test_wrong_state_is_409(api, tokens):
    event = report(api, tokens["staff"])
    response = act(api, tokens["admin"], event["id"], "resolve", comment="x")
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_staff_cannot_handle_and_outsiders_cannot_see(api, tokens, org):
    event = report(api, tokens["staff"])
    refused = act(api, tokens["staff"], event["id"], "dispatch", assignee_unit_id=org["bureau"].pk)
    assert refused.status_code in (403, 404)
    assert Event.objects.get(pk=event["id"]).status == "new"
    stranger = make_account("jj_staff", roles=("staff",), unit=org["jiujiang"])
    assert api.get(f"/events/{event['id']}", token=api.token(stranger)).status_code == 404


def test_comment_without_text_names_the_comment_field(api, tokens):
    event = report(api, tokens["staff"])
    response = act(api, tokens["staff"], event["id"], "comment", comment="  ")
    assert response.status_code == 400 and response.json()["field"] == "comment"
    noted = act(api, tokens["staff"], event["id"], "comment", comment="补充：漏水加剧")
    assert noted.json()["timeline"][-1]["comment"] == "补充：漏水加剧"


def test_unknown_event_type_and_action_are_refused(api, tokens):
    response = api.post("/events", {"title": "某事", "type": "no.such"}, token=tokens["staff"])
    assert response.status_code == 400 and response.json()["field"] == "type"
    event = report(api, tokens["staff"])
    assert act(api, tokens["staff"], event["id"], "explode").json()["field"] == "action"


def test_overdue_filter(api, tokens):
    late, on_time = report(api, tokens["staff"]), report(api, tokens["staff"])
    Event.objects.filter(pk=late["id"]).update(due_at=timezone.now() - timedelta(hours=1))
    overdue = api.get("/events", params={"overdue": True}, token=tokens["staff"]).json()["items"]
    assert [e["id"] for e in overdue] == [late["id"]] and overdue[0]["overdue"] is True
    punctual = api.get("/events", params={"overdue": False}, token=tokens["staff"]).json()["items"]
    assert [e["id"] for e in punctual] == [on_time["id"]]
