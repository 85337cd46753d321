"""The disposal and bidding API, every response checked against the OpenAPI document: a lot from preparation to
payment, bids (sealed amounts never in any answer before the close), registrations with the outside buyer's
one-time password, refusals with the error shape, scope, and fixed query counts for the lists."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.identifiers import credit_code
from jiguan.core.models import Account
from jiguan.modules.warehouse.services import bidding

from .disposal_world import bidding_lot, build_disposal_world, ends_in
from .world import pooled

pytestmark = pytest.mark.django_db
W = "/warehouse"


@pytest.fixture
def w(db):
    return build_disposal_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("bureau_admin", "approver", "city_admin", "finance_admin", "education_admin", "city_unit_admin", "staff")
    return {name: api.token(getattr(w, name)) for name in names}


def test_a_bidding_lot_through_the_api(api, tokens, w):  # noqa: F811
    terms = {"title": "旧办公家具一批", "method": "bidding", "reason": "超过使用年限", "asset_ids": [i.pk for i in w.items],
             "reserve_price": "1000", "min_increment": "100",
             "ends_at": (timezone.now() + timedelta(hours=2)).isoformat()}
    made = api.post(f"{W}/lots", terms, token=tokens["bureau_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"]["code"], len(body["items"]), body["allowed_actions"]) == ("submitted", 2, ["cancel"])
    path = f"{W}/lots/{body['id']}"
    assert api.post(f"{path}/approve", {}, token=tokens["bureau_admin"]).status_code == 403  # four eyes
    assert api.post(f"{path}/approve", {}, token=tokens["city_admin"]).status_code == 404
    approved = api.post(f"{path}/approve", {"comment": "同意"}, token=tokens["approver"]).json()
    assert approved["state"]["code"] == "approved"

    open_lots = api.get(f"{W}/bidding/lots", token=tokens["finance_admin"]).json()
    assert [(lot["id"], lot["minimum_bid"]) for lot in open_lots] == [(body["id"], "1000.00")]
    assert api.get(f"{W}/bidding/lots", token=tokens["city_unit_admin"]).json() == []
    assert api.get(f"{W}/bidding/lots/{body['id']}", token=tokens["city_unit_admin"]).status_code == 404
    bids = f"{W}/bidding/lots/{body['id']}/bids"
    assert api.post(bids, {"amount": "1000"}, token=tokens["bureau_admin"]).status_code == 403
    assert api.post(bids, {"amount": "1000"}, token=tokens["finance_admin"]).status_code == 201
    low = api.post(bids, {"amount": "1050"}, token=tokens["education_admin"])
    assert low.status_code == 400 and low.json()["field"] == "amount" and "1100" in low.json()["message"]
    assert api.post(bids, {"amount": "1100"}, token=tokens["education_admin"]).status_code == 201
    seen = api.get(f"{W}/bidding/lots/{body['id']}", token=tokens["finance_admin"]).json()
    assert (seen["highest"], seen["bid_count"], seen["leading"], seen["minimum_bid"]) == ("1100.00", 2, False, "1200.00")
    ranking = api.get(f"{path}/bids", token=tokens["bureau_admin"]).json()
    assert [b["amount"] for b in ranking["items"]] == ["1100.00", "1000.00"] and ranking["amounts_visible"]

    ends_in(w.items[0].disposal_items.get().lot, timedelta(seconds=-1))
    awarded = api.get(path, token=tokens["bureau_admin"]).json()  # closed on first look
    assert awarded["state"]["code"] == "awarded" and awarded["allowed_actions"] == ["pay"]
    assert api.get(f"{W}/bidding/lots/{body['id']}", token=tokens["education_admin"]).json()["won"] is True
    bad = api.post(f"{path}/payment", {"payment_reference": "GK", "paid_at": timezone.now().isoformat()},
                   token=tokens["bureau_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "payment_reference"
    sold = api.post(f"{path}/payment", {"payment_reference": "GK20260001", "paid_at": timezone.now().isoformat()},
                    token=tokens["bureau_admin"]).json()
    assert (sold["state"]["code"], sold["proceeds"]) == ("sold", "1100.00")
    assert [e["action"] for e in sold["timeline"]] == ["prepare", "approve", "award", "pay"]


def test_sealed_amounts_are_in_no_answer_before_the_close(api, tokens, w):  # noqa: F811
    lot = bidding_lot(w, sealed=True)
    placed = api.post(f"{W}/bidding/lots/{lot.pk}/bids", {"amount": "1888"}, token=tokens["finance_admin"])
    assert placed.status_code == 201
    api.post(f"{W}/bidding/lots/{lot.pk}/bids", {"amount": "1999"}, token=tokens["education_admin"])
    answers = [placed, api.get(f"{W}/bidding/lots/{lot.pk}", token=tokens["finance_admin"]),
               api.get(f"{W}/bidding/lots", token=tokens["finance_admin"]),
               api.get(f"{W}/bidding/my-bids", token=tokens["finance_admin"]),
               api.get(f"{W}/lots/{lot.pk}", token=tokens["bureau_admin"]),
               api.get(f"{W}/lots", token=tokens["bureau_admin"]),
               api.get(f"{W}/lots/{lot.pk}/bids", token=tokens["bureau_admin"])]
    for answer in answers:
        assert answer.status_code in (200, 201) and "1888" not in answer.text and "1999" not in answer.text
    assert answers[-1].json() == {"count": 2, "amounts_visible": False, "items": []}
    assert api.post(f"{W}/bidding/lots/{lot.pk}/bids", {"amount": "2000"},
                    token=tokens["finance_admin"]).status_code == 409
    ends_in(lot, timedelta(seconds=-1))
    after = api.get(f"{W}/lots/{lot.pk}/bids", token=tokens["bureau_admin"]).json()
    assert [b["amount"] for b in after["items"]] == ["1999.00", "1888.00"]


def test_lot_refusals_through_the_api(api, tokens, w):  # noqa: F811
    base = {"title": "报废", "method": "scrap", "reason": "无法修复使用", "asset_ids": [w.items[0].pk]}
    wrong = api.post(f"{W}/lots", {**base, "reserve_price": "100"}, token=tokens["bureau_admin"])
    assert wrong.status_code == 400 and wrong.json()["field"] == "reserve_price"
    assert api.post(f"{W}/lots", base, token=tokens["finance_admin"]).status_code == 403
    assert api.post(f"{W}/lots", {**base, "colour": "red"}, token=tokens["bureau_admin"]).status_code in (400, 422)
    made = api.post(f"{W}/lots", base, token=tokens["bureau_admin"]).json()
    taken = api.post(f"{W}/lots", base, token=tokens["bureau_admin"])
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    assert api.post(f"{W}/lots/{made['id']}/reject", {}, token=tokens["approver"]).json()["field"] == "comment"
    api.post(f"{W}/lots/{made['id']}/approve", {}, token=tokens["approver"])
    scrap = {"recycler_name": "回收公司", "recycler_licence": "L-1", "scrapped_on": str(timezone.localdate()),
             "scrap_certificate": "C-1", "salvage_value": "120"}
    assert api.post(f"{W}/lots/{made['id']}/scrap", scrap, token=tokens["finance_admin"]).status_code == 403
    done = api.post(f"{W}/lots/{made['id']}/scrap", scrap, token=tokens["bureau_admin"]).json()
    assert (done["state"]["code"], done["salvage_value"]) == ("scrapped", "120.00")
    assert api.get(f"{W}/lots/{made['id']}", token=tokens["city_admin"]).status_code == 404
    assert api.get(f"{W}/lots", token=tokens["city_admin"]).json()["items"] == []
    assert api.get(f"{W}/lots", token=tokens["staff"]).status_code == 403


def test_registrations_through_the_api(api, tokens, w):  # noqa: F811
    outside = {"kind": "company", "name": "南昌旧货回收有限公司", "credential": credit_code("360100", 77),
               "contact_name": "王五", "phone": "13912345678", "username": "buyer_wang"}
    assert api.post(f"{W}/bidders", outside, token=tokens["finance_admin"]).status_code == 403
    bad = api.post(f"{W}/bidders", {**outside, "credential": "91360100MA35XXXX0X"}, token=tokens["bureau_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "credential"
    made = api.post(f"{W}/bidders", outside, token=tokens["bureau_admin"])
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["state"]["code"] == "approved" and body["phone"] == "139****5678" and body["username"] == "buyer_wang"
    assert Account.objects.get(username="buyer_wang").check_password(body["initial_password"])
    again = api.get(f"{W}/bidders/{body['id']}", token=tokens["bureau_admin"]).json()
    assert "initial_password" not in again and again["phone"] == "139****5678"

    audit = api.post(f"{W}/bidding/registrations", {"contact_name": "李四", "phone": "13800138000"},
                     token=tokens["city_unit_admin"])
    assert audit.status_code == 201 and audit.json()["pool"]["code"] == "360100"
    # the province bureau reaches the city pool's data but does not decide for it
    assert api.post(f"{W}/bidders/{audit.json()['id']}/approve", {}, token=tokens["bureau_admin"]).status_code == 403
    approved = api.post(f"{W}/bidders/{audit.json()['id']}/approve", {}, token=tokens["city_admin"]).json()
    assert approved["state"]["code"] == "approved"
    listed = api.get(f"{W}/bidders", params={"kind": "company"}, token=tokens["bureau_admin"]).json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]
    mine = api.get(f"{W}/bidding/registrations", token=tokens["finance_admin"]).json()
    assert [r["state"]["code"] for r in mine] == ["approved"]


def test_lists_read_a_fixed_number_of_queries(api, tokens, w):  # noqa: F811
    def queries(path, token):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path, token=token).status_code == 200
        return len(captured)

    paths = ((f"{W}/lots", tokens["bureau_admin"]), (f"{W}/bidders", tokens["bureau_admin"]),
             (f"{W}/bidding/my-bids", tokens["finance_admin"]))
    lot = bidding_lot(w)
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    [queries(*p) for p in paths]  # warm
    before = [queries(*p) for p in paths]
    for n in range(3):
        more = bidding_lot(w, items=[pooled(w, name=f"旧椅子{n}")])
        bidding.place_bid(w.finance_admin, more.pk, "1000")
    after = [queries(*p) for p in paths]
    assert after == before
