"""The idle-asset API, every response checked against the OpenAPI document: list with filters, declare,
detail, settle, refusals with the error shape, scope."""

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.warehouse.models import IdleAsset

from .test_idle import declared, intake, months_ago
from .world import build_world

pytestmark = pytest.mark.django_db
W = "/warehouse/idle-assets"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("bureau_admin", "city_admin", "finance_admin", "education_admin", "staff")
    return {name: api.token(getattr(w, name)) for name in names}


def test_declare_list_and_settle_through_the_api(api, tokens, w):  # noqa: F811
    made = api.post(W, {"name": "会议桌", "category_code": "A05010201", "quantity": 2,
                        "idle_since": months_ago(7).isoformat()}, token=tokens["finance_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["unit"]["name"], body["category_code"], body["months_idle"], body["due"], body["state"]["code"],
            body["allowed_actions"]) == ("江西省财政厅", "A05010201", 7, True, "idle", ["in_use", "offer"])
    declared(w, name="新近闲置的椅子", idle_since=months_ago(1))
    due = api.get(W, params={"due": "true"}, token=tokens["bureau_admin"]).json()["items"]
    assert [row["id"] for row in due] == [body["id"]]
    assert api.get(W, token=tokens["city_admin"]).json()["items"] == []
    assert api.get(f"{W}/{body['id']}", token=tokens["bureau_admin"]).json()["allowed_actions"] == []
    offer = intake(w)
    done = api.post(f"{W}/{body['id']}/offered", {"intake_request_id": offer.pk}, token=tokens["finance_admin"])
    assert done.status_code == 200 and done.json()["state"]["code"] == "offered"
    assert [e["action"] for e in done.json()["timeline"]] == ["declare", "offer"]
    assert done.json()["intake_request_id"] == offer.pk


def test_refusals_through_the_api(api, tokens, w):  # noqa: F811
    future = api.post(W, {"name": "会议桌", "idle_since": "2999-01-01"}, token=tokens["finance_admin"])
    assert future.status_code == 400 and future.json()["field"] == "idle_since"
    unknown = api.post(W, {"name": "会议桌", "idle_since": "2025-01-01", "colour": "红"}, token=tokens["finance_admin"])
    assert unknown.status_code in (400, 422)
    assert api.post(W, {"name": "会议桌", "idle_since": "2025-01-01"}, token=tokens["staff"]).status_code == 403
    assert not IdleAsset.objects.exists()
    idle = declared(w)
    path = f"{W}/{idle.pk}"
    assert api.get(path, token=tokens["education_admin"]).status_code == 404
    assert api.post(f"{path}/in-use", {"comment": "分配给新处室"}, token=tokens["city_admin"]).status_code == 404
    assert api.post(f"{path}/in-use", {"comment": "分配给新处室"}, token=tokens["bureau_admin"]).status_code == 403
    other = intake(w, unit=w.education)
    wrong = api.post(f"{path}/offered", {"intake_request_id": other.pk}, token=tokens["finance_admin"])
    assert wrong.status_code == 400 and wrong.json()["field"] == "intake_request_id"
    assert api.post(f"{path}/in-use", {"comment": "分配给新处室"}, token=tokens["finance_admin"]).status_code == 200
    again = api.post(f"{path}/in-use", {"comment": "分配给新处室"}, token=tokens["finance_admin"])
    assert again.status_code == 409
