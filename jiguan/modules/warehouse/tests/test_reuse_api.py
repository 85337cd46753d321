"""The reuse API, every response checked against the OpenAPI document: the catalogue, the whole reuse flow,
purchase checks, refusals with the error shape, classified items and scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.warehouse.models import PurchaseCheck
from jiguan.modules.warehouse.services import reuse

from .test_reuse import SIGNATURE
from .world import build_world, pooled

pytestmark = pytest.mark.django_db
W = "/warehouse"


@pytest.fixture
def w(db):
    world = build_world()
    world.item = pooled(world, source_unit=world.education)
    world.secret = pooled(world, classified=True, name="涉密计算机", category=world.laptop,
                          source_unit=world.education)
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("bureau_admin", "city_admin", "finance_admin", "education_admin", "staff", "cleared")
    return {name: api.token(getattr(w, name)) for name in names}


def test_catalogue_search_and_detail(api, tokens, w):  # noqa: F811
    chair = pooled(w, category=w.chair, name="办公椅", condition="new")
    listed = api.get(f"{W}/catalogue", token=tokens["finance_admin"]).json()["items"]
    assert [i["id"] for i in listed] == [chair.pk, w.item.pk]  # newest first, no classified item
    assert listed[1]["location"] == "省直公物仓中心库 A区-01架"
    furniture = api.get(f"{W}/catalogue", params={"category_code": "A05010000", "condition": "new"},
                        token=tokens["finance_admin"]).json()["items"]
    assert [i["id"] for i in furniture] == [chair.pk]
    detail = api.get(f"{W}/catalogue/{w.item.pk}", token=tokens["finance_admin"]).json()
    assert (detail["number"], detail["original_value"], detail["photos"]) == (w.item.number, "1800.00", [])
    assert api.get(f"{W}/catalogue/{w.secret.pk}", token=tokens["finance_admin"]).status_code == 404
    assert api.get(f"{W}/catalogue/{w.secret.pk}", token=tokens["cleared"]).status_code == 200
    assert api.get(f"{W}/catalogue/{w.item.pk}", token=tokens["city_admin"]).status_code == 404
    assert api.get(f"{W}/catalogue", params={"condition": "shiny"}, token=tokens["finance_admin"]).status_code == 400
    assert api.get(f"{W}/catalogue", token=tokens["staff"]).status_code == 403


def test_the_reuse_flow_through_the_api(api, tokens, w):  # noqa: F811
    made = api.post(f"{W}/reuse-requests", {"asset_id": w.item.pk, "purpose": "新设科室办公使用"},
                    token=tokens["finance_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"]["code"], body["unit"]["name"], body["allowed_actions"]) == (
        "requested", "江西省财政厅", ["withdraw"])
    path = f"{W}/reuse-requests/{body['id']}"
    assert api.get(path, token=tokens["bureau_admin"]).json()["allowed_actions"] == ["approve", "reject"]
    assert api.post(f"{path}/approve", {}, token=tokens["finance_admin"]).status_code == 403
    assert api.post(f"{path}/approve", {}, token=tokens["city_admin"]).status_code == 404
    approved = api.post(f"{path}/approve", {"comment": "同意"}, token=tokens["bureau_admin"]).json()
    assert approved["state"]["code"] == "approved" and approved["allowed_actions"] == ["hand_over"]
    refused = api.post(f"{path}/hand-over", {"received_by_name": "张三", "signature": "data:image/png;base64,xx"},
                       token=tokens["bureau_admin"])
    assert refused.status_code == 400 and refused.json()["field"] == "signature"
    done = api.post(f"{path}/hand-over", {"received_by_name": "张三", "signature": SIGNATURE},
                    token=tokens["bureau_admin"]).json()
    assert done["state"]["code"] == "handed_over" and done["received_by_name"] == "张三"
    assert [e["action"] for e in done["timeline"]] == ["request", "approve", "hand_over"]
    mine = api.get(f"{W}/reuse-requests", params={"mine": "true"}, token=tokens["finance_admin"]).json()["items"]
    assert [r["id"] for r in mine] == [body["id"]]
    assert api.get(f"{W}/reuse-requests", token=tokens["city_admin"]).json()["items"] == []


def test_reuse_refusals_through_the_api(api, tokens, w):  # noqa: F811
    short = api.post(f"{W}/reuse-requests", {"asset_id": w.item.pk, "purpose": "用"}, token=tokens["finance_admin"])
    assert short.status_code == 400 and short.json()["field"] == "purpose"
    secret = api.post(f"{W}/reuse-requests", {"asset_id": w.secret.pk, "purpose": "涉密岗位使用"},
                      token=tokens["finance_admin"])
    assert secret.status_code == 404
    made = api.post(f"{W}/reuse-requests", {"asset_id": w.item.pk, "purpose": "新设科室办公使用"},
                    token=tokens["finance_admin"]).json()
    taken = api.post(f"{W}/reuse-requests", {"asset_id": w.item.pk, "purpose": "局机关使用"},
                     token=tokens["bureau_admin"])
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    path = f"{W}/reuse-requests/{made['id']}"
    assert api.post(f"{path}/reject", {}, token=tokens["bureau_admin"]).json()["field"] == "comment"
    assert api.post(f"{path}/withdraw", {}, token=tokens["education_admin"]).status_code == 404
    withdrawn = api.post(f"{path}/withdraw", {"comment": "不再需要"}, token=tokens["finance_admin"]).json()
    assert withdrawn["state"]["code"] == "withdrawn"
    assert api.post(f"{path}/reject", {"comment": "已撤回"}, token=tokens["bureau_admin"]).status_code == 409


def test_purchase_checks_through_the_api(api, tokens, w):  # noqa: F811
    plan = {"category_code": "A05010000", "planned_item": "办公桌", "quantity": 2}
    matches = api.post(f"{W}/purchase-checks/matches", plan, token=tokens["finance_admin"]).json()
    assert [m["id"] for m in matches] == [w.item.pk]
    missing = api.post(f"{W}/purchase-checks", {**plan, "decision": "not_fit", "reason_not_fit": "太旧"},
                       token=tokens["finance_admin"])
    assert missing.status_code == 400 and missing.json()["field"] == "reason_not_fit"
    assert not PurchaseCheck.objects.exists()
    recorded = api.post(f"{W}/purchase-checks", {**plan, "decision": "not_fit",
                                                 "reason_not_fit": "需要带抽屉的1.6米办公桌，库存规格不符"},
                        token=tokens["finance_admin"])
    assert recorded.status_code == 201 and recorded.json()["matches"] == 1
    listed = api.get(f"{W}/purchase-checks", params={"decision": "not_fit", "category_code": "A05000000"},
                     token=tokens["bureau_admin"]).json()["items"]
    assert [c["id"] for c in listed] == [recorded.json()["id"]]
    assert api.get(f"{W}/purchase-checks", token=tokens["education_admin"]).json()["items"] == []
    assert api.get(f"{W}/purchase-checks", token=tokens["city_admin"]).json()["items"] == []


def test_lists_read_a_fixed_number_of_queries(api, tokens, w):  # noqa: F811
    def queries(path, token, **params):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path, params=params, token=token).status_code == 200
        return len(captured)

    def more_items():
        for n in range(3):
            item = pooled(w, name=f"书柜{n}", source_unit=w.education)
            reuse.request_reuse(w.finance_admin, item.pk, purpose="新设科室办公使用")
            pooled(w, name=f"椅子{n}", storage_kind="virtual", warehouse=None, location=None, unit=w.education,
                   source_unit=w.education)

    queries(f"{W}/catalogue", tokens["finance_admin"]), queries(f"{W}/reuse-requests", tokens["bureau_admin"])  # warm
    before = (queries(f"{W}/catalogue", tokens["finance_admin"]), queries(f"{W}/reuse-requests", tokens["bureau_admin"]))
    more_items()
    after = (queries(f"{W}/catalogue", tokens["finance_admin"]), queries(f"{W}/reuse-requests", tokens["bureau_admin"]))
    assert after == before
