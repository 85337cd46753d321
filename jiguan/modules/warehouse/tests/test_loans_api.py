"""The loans and repairs API, every response checked against the OpenAPI document: the whole loan flow,
refusals with the error shape, scope, classified items, repairs, and lists at a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.models import CostEntry
from jiguan.modules.warehouse.models import Loan
from jiguan.modules.warehouse.services import loans

from .test_reuse import SIGNATURE
from .world import build_world, pooled

pytestmark = pytest.mark.django_db
W = "/warehouse"


@pytest.fixture
def w(db):
    world = build_world()
    world.item = pooled(world, name="折叠会议桌", source_unit=world.education)
    world.secret = pooled(world, classified=True, name="涉密计算机", category=world.laptop,
                          source_unit=world.education)
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("bureau_admin", "city_admin", "finance_admin", "education_admin", "staff", "cleared")
    return {name: api.token(getattr(w, name)) for name in names}


def day(offset=0) -> str:
    return str(timezone.localdate() + timedelta(days=offset))


def loan_payload(asset, **changes):
    return {"asset_id": asset.pk, "purpose_kind": "meeting", "purpose": "全省工作会议会场布置", "starts_on": day(),
            "due_on": day(7), **changes}


def test_the_loan_flow_through_the_api(api, tokens, w):  # noqa: F811
    made = api.post(f"{W}/loans", loan_payload(w.item), token=tokens["finance_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"]["code"], body["unit"]["name"], body["allowed_actions"], body["overdue"]) == (
        "requested", "江西省财政厅", ["withdraw"], False)
    path = f"{W}/loans/{body['id']}"
    assert api.get(path, token=tokens["bureau_admin"]).json()["allowed_actions"] == ["approve", "reject"]
    assert api.post(f"{path}/approve", {}, token=tokens["finance_admin"]).status_code == 403
    assert api.post(f"{path}/approve", {}, token=tokens["city_admin"]).status_code == 404
    approved = api.post(f"{path}/approve", {"comment": "同意"}, token=tokens["bureau_admin"]).json()
    assert approved["state"]["code"] == "approved" and approved["allowed_actions"] == ["lend"]
    unsigned = api.post(f"{path}/lend", {"received_by_name": "李建华", "signature": "data:image/png;base64,xx",
                                         "condition_out": "good"}, token=tokens["bureau_admin"])
    assert unsigned.status_code == 400 and unsigned.json()["field"] == "signature"
    out = api.post(f"{path}/lend", {"received_by_name": "李建华", "signature": SIGNATURE, "condition_out": "good"},
                   token=tokens["bureau_admin"]).json()
    assert out["state"]["code"] == "lent" and out["condition_out"]["code"] == "good"
    assert out["allowed_actions"] == ["extend", "return"]
    extended = api.post(f"{path}/extend", {"due_on": day(20), "comment": "会议延期"}, token=tokens["bureau_admin"])
    assert extended.json()["due_on"] == day(20)
    back = api.post(f"{path}/return", {"returned_by_name": "李建华", "condition_back": "fair",
                                       "return_note": "桌面划伤", "damage_charge": "120.50"},
                    token=tokens["bureau_admin"]).json()
    assert back["state"]["code"] == "returned" and back["damage_charge"] == "120.50"
    assert [e["action"] for e in back["timeline"]] == ["request", "approve", "lend", "extend", "return"]
    assert CostEntry.objects.filter(amount=Decimal("120.50"), unit=w.finance).exists()
    mine = api.get(f"{W}/loans", params={"mine": "true"}, token=tokens["finance_admin"]).json()["items"]
    assert [loan["id"] for loan in mine] == [body["id"]]
    assert api.get(f"{W}/loans", token=tokens["city_admin"]).json()["items"] == []
    assert api.get(path, token=tokens["city_admin"]).status_code == 404


def test_loan_refusals_through_the_api(api, tokens, w):  # noqa: F811
    too_long = api.post(f"{W}/loans", loan_payload(w.item, due_on=day(200)), token=tokens["finance_admin"])
    assert too_long.status_code == 400 and too_long.json()["field"] == "due_on"
    assert day(180) in too_long.json()["message"]
    unknown = api.post(f"{W}/loans", loan_payload(w.item, purpose_kind="party"), token=tokens["finance_admin"])
    assert unknown.status_code == 400
    assert api.post(f"{W}/loans", loan_payload(w.secret), token=tokens["finance_admin"]).status_code == 404
    assert api.post(f"{W}/loans", loan_payload(w.item), token=tokens["staff"]).status_code == 403
    assert not Loan.objects.exists()
    made = api.post(f"{W}/loans", loan_payload(w.item), token=tokens["finance_admin"]).json()
    taken = api.post(f"{W}/loans", loan_payload(w.item), token=tokens["bureau_admin"])
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    path = f"{W}/loans/{made['id']}"
    assert api.post(f"{path}/reject", {}, token=tokens["bureau_admin"]).json()["field"] == "comment"
    assert api.post(f"{path}/withdraw", {}, token=tokens["education_admin"]).status_code == 404
    assert api.post(f"{path}/return", {"returned_by_name": "李建华", "condition_back": "good"},
                    token=tokens["bureau_admin"]).status_code == 409
    withdrawn = api.post(f"{path}/withdraw", {"comment": "会议取消"}, token=tokens["finance_admin"]).json()
    assert withdrawn["state"]["code"] == "withdrawn"


def test_overdue_loans_are_listed_apart(api, tokens, w):  # noqa: F811
    loan = loans.request_loan(w.finance_admin, w.item.pk, purpose_kind="event", purpose="运动会赛事保障",
                              starts_on=timezone.localdate(), due_on=timezone.localdate())
    loans.approve_loan(w.bureau_admin, loan.pk)
    loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    Loan.objects.filter(pk=loan.pk).update(starts_on=timezone.localdate() - timedelta(days=9),
                                           due_on=timezone.localdate() - timedelta(days=2))
    listed = api.get(f"{W}/loans", params={"overdue": "true"}, token=tokens["bureau_admin"]).json()["items"]
    assert [(item["id"], item["overdue"]) for item in listed] == [(loan.pk, True)]


def test_repairs_through_the_api(api, tokens, w):  # noqa: F811
    refused = api.post(f"{W}/repairs", {"asset_id": w.item.pk, "fault": "", "repairer": "某维修厂"},
                       token=tokens["bureau_admin"])
    assert refused.status_code == 400 and refused.json()["field"] == "fault"
    assert api.post(f"{W}/repairs", {"asset_id": w.item.pk, "fault": "抽屉损坏", "repairer": "某维修厂"},
                    token=tokens["finance_admin"]).status_code == 403
    made = api.post(f"{W}/repairs", {"asset_id": w.item.pk, "fault": "桌腿松动", "repairer": "南昌鑫达家具维修厂"},
                    token=tokens["bureau_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"]["code"], body["allowed_actions"], body["sent_on"]) == ("in_repair", ["finish"], day())
    path = f"{W}/repairs/{body['id']}"
    no_invoice = api.post(f"{path}/finish", {"outcome": "repaired", "cost": "80", "condition_after": "good"},
                          token=tokens["bureau_admin"])
    assert no_invoice.status_code == 400 and no_invoice.json()["field"] == "invoice_number"
    done = api.post(f"{path}/finish", {"outcome": "repaired", "cost": "80", "invoice_number": "36009999",
                                       "condition_after": "good"}, token=tokens["bureau_admin"]).json()
    assert done["state"]["code"] == "repaired" and done["cost"] == "80.00" and done["allowed_actions"] == []
    assert [r["id"] for r in api.get(f"{W}/repairs", token=tokens["bureau_admin"]).json()["items"]] == [body["id"]]
    assert api.get(path, token=tokens["city_admin"]).status_code == 404
    assert api.post(f"{path}/finish", {"outcome": "repaired", "cost": "0", "condition_after": "good"},
                    token=tokens["bureau_admin"]).status_code == 409


def test_lists_read_a_fixed_number_of_queries(api, tokens, w):  # noqa: F811
    def queries(path, token):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path, token=token).status_code == 200
        return len(captured)

    def more():
        for n in range(3):
            item = pooled(w, name=f"投影仪{n}", source_unit=w.education)
            loans.request_loan(w.finance_admin, item.pk, purpose_kind="meeting", purpose="全省工作会议使用",
                               starts_on=timezone.localdate(), due_on=timezone.localdate())
            api.post(f"{W}/repairs", {"asset_id": pooled(w, name=f"书柜{n}").pk, "fault": "门铰链损坏",
                                      "repairer": "南昌鑫达家具维修厂"}, token=tokens["bureau_admin"])

    lists = ((f"{W}/loans", tokens["bureau_admin"]), (f"{W}/repairs", tokens["bureau_admin"]))
    [queries(*args) for args in lists]  # warm
    before = [queries(*args) for args in lists]
    more()
    assert [queries(*args) for args in lists] == before
