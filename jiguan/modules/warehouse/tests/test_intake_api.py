"""The intake and warehouse API, every response checked against the OpenAPI document: the whole intake
flow, refusals in the error shape, scope and classified cards, warehouses and locations."""

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.warehouse.models import IntakeRequest

from .test_intake import line
from .world import build_world, pooled

pytestmark = pytest.mark.django_db
W = "/warehouse"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("bureau_admin", "city_admin", "finance_admin", "staff", "cleared")
    return {name: api.token(getattr(w, name)) for name in names}


def test_the_intake_flow_through_the_api(api, tokens, w):  # noqa: F811
    made = api.post(f"{W}/intake", {"reason": "机构改革后闲置", "items": [line(w, quantity=2)]},
                    token=tokens["finance_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"]["code"], body["unit"]["name"], body["allowed_actions"]) == (
        "submitted", "江西省财政厅", ["withdraw"])
    path = f"{W}/intake/{body['id']}"
    assert api.post(f"{path}/approve", {"warehouse_id": w.central.pk}, token=tokens["finance_admin"]).status_code == 403
    assert api.post(f"{path}/approve", {"warehouse_id": w.central.pk}, token=tokens["city_admin"]).status_code == 404
    missing = api.post(f"{path}/approve", {}, token=tokens["bureau_admin"])
    assert missing.status_code == 400 and missing.json()["field"] == "warehouse_id"
    approved = api.post(f"{path}/approve", {"warehouse_id": w.central.pk}, token=tokens["bureau_admin"]).json()
    assert approved["state"]["code"] == "approved" and approved["allowed_actions"] == ["receive"]
    item_id = approved["items"][0]["id"]
    done = api.post(f"{path}/receive", {"lines": {str(item_id): w.shelf.pk}}, token=tokens["bureau_admin"]).json()
    assert done["state"]["code"] == "received" and done["receipt_number"].startswith("RK360000")
    assert len(done["items"][0]["cards"]) == 2
    assert [e["action"] for e in done["timeline"]] == ["submit", "approve", "receive"]
    card = api.get(f"{W}/assets/{IntakeRequest.objects.get().items.get().assets.first().pk}",
                   token=tokens["bureau_admin"]).json()
    assert (card["location"], card["holder"]["name"], card["original_value"]) == (
        "省直公物仓中心库 A区-01架", "江西省机关事务管理局", "1800.00")
    assert api.get(f"{W}/intake", params={"state": "received"}, token=tokens["finance_admin"]).json()["total"] == 1
    assert api.get(f"{W}/intake", token=tokens["city_admin"]).json()["items"] == []


def test_intake_refusals_through_the_api(api, tokens, w):  # noqa: F811
    bad = api.post(f"{W}/intake", {"reason": "闲置办公家具", "items": [line(w), line(w, category_code="A05000000")]},
                   token=tokens["finance_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "items.2.category_code"
    secret = api.post(f"{W}/intake", {"reason": "涉密设备", "items": [line(w, classified=True)]},
                      token=tokens["finance_admin"])
    assert secret.status_code == 403
    assert api.post(f"{W}/intake", {"reason": "闲置家具", "items": [line(w)]}, token=tokens["staff"]).status_code == 403
    assert IntakeRequest.objects.count() == 0
    made = api.post(f"{W}/intake", {"reason": "闲置家具", "items": [line(w)]}, token=tokens["finance_admin"]).json()
    no_reason = api.post(f"{W}/intake/{made['id']}/reject", {}, token=tokens["bureau_admin"])
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "comment"
    assert api.post(f"{W}/intake/{made['id']}/receive", {}, token=tokens["bureau_admin"]).status_code == 409


def test_warehouses_and_classified_cards_through_the_api(api, tokens, w):  # noqa: F811
    listed = api.get(f"{W}/warehouses", token=tokens["bureau_admin"]).json()
    assert {x["name"] for x in listed["items"]} == {"省直公物仓中心库", "省直公物仓红谷滩分库"}
    assert api.get(f"{W}/warehouses", token=tokens["finance_admin"]).json()["items"] == []  # kept by the bureau
    second = api.post(f"{W}/warehouses", {"name": "省直公物仓第二中心库", "kind": "central", "region_code": "360000",
                                          "address": "南昌市新建区长堎大道1号"}, token=tokens["bureau_admin"])
    assert second.status_code == 400 and second.json()["field"] == "kind"
    made = api.post(f"{W}/warehouses", {"name": "省直公物仓新建分库", "kind": "branch", "region_code": "360000",
                                        "address": "南昌市新建区长堎大道1号"}, token=tokens["bureau_admin"])
    assert made.status_code == 201 and made.json()["unit"]["name"] == "江西省机关事务管理局"
    path = f"{W}/warehouses/{made.json()['id']}"
    assert api.post(f"{path}/locations", {"zone": "A区", "shelf": "01架"}, token=tokens["bureau_admin"]).status_code == 201
    again = api.post(f"{path}/locations", {"zone": "A区", "shelf": "01架"}, token=tokens["bureau_admin"])
    assert again.status_code == 400 and again.json()["field"] == "zone"
    assert api.post(f"{path}/locations", {"zone": "B区"}, token=tokens["finance_admin"]).status_code == 403
    assert api.get(path, token=tokens["city_admin"]).status_code == 404
    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop)
    assert api.get(f"{W}/assets/{secret.pk}", token=tokens["bureau_admin"]).status_code == 404
    assert api.get(f"{W}/assets/{secret.pk}", token=tokens["cleared"]).json()["classified"] is True
