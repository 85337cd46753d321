"""The lease and annual-review API, every response checked against the OpenAPI document: terms, signing,
check-in, renewal, the tenant's leases and problem reports, the review flow; refusals with the error
shape and the field at fault; scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.models import Event
from jiguan.core.services.inputs import add_months
from jiguan.modules.housing.models import Inspection, Lease, ReviewCampaign

from .leasing import accepted_offer, inventory_check, signed_lease, water_meter
from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db
L = "/housing/leases"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    names = ("nc_admin", "jj_admin", "fin_admin", "staff", "staff2")
    return {name: api.token(getattr(w, name)) for name in names}


def today():
    return timezone.localdate()


def test_sign_check_in_and_read_through_the_api(api, tokens, w):  # noqa: F811
    water_meter(w)
    offer = accepted_offer(w)
    terms = api.get(f"{L}/terms/{offer.pk}", token=tokens["nc_admin"])
    assert terms.status_code == 200 and terms.json()["deposit"] == "1712.50" and terms.json()["months"] == 12
    signed = api.post(L, {"offer_id": offer.pk, "started_on": str(today()), "months": 12}, token=tokens["nc_admin"])
    assert signed.status_code == 201, signed.json()
    body = signed.json()
    assert (body["state"]["code"], body["monthly_rent"], body["actions"]) == ("signed", "856.25", ["check_in"])
    assert "不得转租" in body["house_rules"] and body["managing_unit"]["name"] == "南昌市机关事务管理局"
    lease_id = body["id"]

    payload = {"inspected_on": str(today()), "items": inventory_check(w.flat), "meter_readings": {"water": "100.4"}}
    checked = api.post(f"{L}/{lease_id}/check-in", payload, token=tokens["nc_admin"])
    assert checked.status_code == 200, checked.json()
    assert checked.json()["state"]["code"] == "active"
    assert checked.json()["inspections"][0]["items"][0] == {"item": "床", "expected": 2, "found": 2,
                                                            "condition": "good", "note": ""}
    listed = api.get(L, params={"state": "active"}, token=tokens["nc_admin"]).json()["items"]
    assert [item["id"] for item in listed] == [lease_id]
    assert api.get(L, params={"q": "赵科员"}, token=tokens["nc_admin"]).json()["items"] == []
    assert api.get(f"{L}/{lease_id}", token=tokens["fin_admin"]).json()["actions"] == []

    mine = api.get("/housing/my/leases", token=tokens["staff"]).json()["items"]
    assert [item["number"] for item in mine] == [body["number"]]
    assert api.get(f"/housing/my/leases/{lease_id}", token=tokens["staff"]).json()["actions"] == ["report_problem"]


def test_signing_refusals_name_the_field(api, tokens, w):  # noqa: F811
    offer = accepted_offer(w)
    base = {"offer_id": offer.pk, "started_on": str(today()), "months": 12}
    response = api.post(L, {**base, "months": 13}, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "months"
    response = api.post(L, {**base, "started_on": str(today() + timedelta(days=120))}, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "started_on"
    response = api.post(L, {**base, "started_on": "明天"}, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "started_on"
    response = api.post(L, {**base, "colour": "red"}, token=tokens["nc_admin"])
    assert response.status_code == 400
    assert api.post(L, base, token=tokens["fin_admin"]).status_code == 403
    assert api.post(L, base, token=tokens["jj_admin"]).status_code == 404
    assert api.get(f"{L}/terms/{offer.pk}", token=tokens["jj_admin"]).status_code == 404
    assert not Lease.objects.exists()
    assert api.post(L, base, token=tokens["nc_admin"]).status_code == 201
    response = api.post(L, base, token=tokens["nc_admin"])
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_check_in_and_renewal_refusals(api, tokens, w):  # noqa: F811
    lease = signed_lease(w)
    payload = {"inspected_on": str(today()), "items": inventory_check(w.flat)[:1], "meter_readings": {}}
    response = api.post(f"{L}/{lease.pk}/check-in", payload, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "items" and "空调" in response.json()["message"]
    bad_condition = {**payload, "items": inventory_check(w.flat, 床={"condition": "broken"})}
    response = api.post(f"{L}/{lease.pk}/check-in", bad_condition, token=tokens["nc_admin"])
    assert response.status_code == 400 and "condition" in response.json()["field"]
    assert not Inspection.objects.exists()
    response = api.post(f"{L}/{lease.pk}/renew", {"months": 12}, token=tokens["nc_admin"])
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"

    running = live_lease(w, account=w.staff2, flat=w.flat2, started_on=add_months(today(), -11))
    response = api.post(f"{L}/{running.pk}/renew", {"months": 30}, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "months"
    renewed = api.post(f"{L}/{running.pk}/renew", {"months": 12, "monthly_rent": "900"}, token=tokens["nc_admin"])
    assert renewed.status_code == 200 and renewed.json()["monthly_rent"] == "900.00"
    assert renewed.json()["renewals"][0]["new_end"] == str(add_months(running.started_on, 24) - timedelta(days=1))
    assert api.post(f"{L}/{running.pk}/renew", {"months": 1}, token=tokens["fin_admin"]).status_code == 403


def test_the_tenant_reports_a_problem(api, tokens, w):  # noqa: F811
    lease = signed_lease(w)
    path = f"/housing/my/leases/{lease.pk}/problems"
    response = api.post(path, {"title": "", "description": "楼下渗水"}, token=tokens["staff"])
    assert response.status_code == 400 and response.json()["field"] == "title"
    assert api.post(path, {"title": "漏水", "description": "楼下渗水"}, token=tokens["staff2"]).status_code == 404
    assert not Event.objects.exists()
    created = api.post(path, {"title": "卫生间漏水", "description": "楼下天花板渗水"}, token=tokens["staff"])
    assert created.status_code == 201
    assert (created.json()["status"]["code"], created.json()["assignee_unit"]["id"]) == ("dispatched", w.nc_bureau.pk)


def test_the_annual_review_through_the_api(api, tokens, w):  # noqa: F811
    lease = live_lease(w, started_on=add_months(today(), -6))
    campaign_payload = {"region_code": "360100", "year": today().year, "declare_by": str(today() + timedelta(days=30))}
    response = api.post("/housing/reviews/campaigns", {**campaign_payload, "declare_by": str(today())},
                        token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "declare_by"
    assert api.post("/housing/reviews/campaigns", campaign_payload, token=tokens["jj_admin"]).status_code == 400
    opened = api.post("/housing/reviews/campaigns", campaign_payload, token=tokens["nc_admin"])
    assert opened.status_code == 201, opened.json()
    assert (opened.json()["total"], opened.json()["pending"]) == (1, 1)
    review_id = opened.json()["reviews"][0]["id"]
    assert api.post("/housing/reviews/campaigns", campaign_payload, token=tokens["nc_admin"]).status_code == 409

    mine = api.get("/housing/my/reviews", token=tokens["staff"]).json()["items"]
    assert [item["id"] for item in mine] == [review_id]
    response = api.post(f"/housing/my/reviews/{review_id}/declare", {"still_employed": "也许", "owns_home": False},
                        token=tokens["staff"])
    assert response.status_code == 400 and response.json()["field"] == "still_employed"
    assert api.post(f"/housing/my/reviews/{review_id}/declare", {"still_employed": True, "owns_home": False},
                    token=tokens["staff2"]).status_code == 404
    declared = api.post(f"/housing/my/reviews/{review_id}/declare", {"still_employed": True, "owns_home": True,
                                                                      "household_changes": "已购房"},
                        token=tokens["staff"])
    assert declared.status_code == 200 and declared.json()["state"]["code"] == "declared"

    detail = api.get(f"/housing/reviews/{review_id}", token=tokens["nc_admin"]).json()
    assert detail["actions"] == ["fail", "pass"] and detail["held_records"] == []
    assert api.get(f"/housing/reviews/{review_id}", token=tokens["jj_admin"]).status_code == 404
    response = api.post(f"/housing/reviews/{review_id}/decide", {"passed": False}, token=tokens["nc_admin"])
    assert response.status_code == 400 and response.json()["field"] == "findings"
    assert api.post(f"/housing/reviews/{review_id}/decide", {"passed": True}, token=tokens["fin_admin"]).status_code == 403
    failed = api.post(f"/housing/reviews/{review_id}/decide", {"passed": False, "findings": "本人申报已在南昌购房"},
                      token=tokens["nc_admin"])
    assert failed.status_code == 200 and failed.json()["state"]["code"] == "failed"
    lease.refresh_from_db()
    assert (lease.state, lease.end_reason) == ("ending", "not_eligible")

    campaign_id = opened.json()["id"]
    closed = api.post(f"/housing/reviews/campaigns/{campaign_id}/close", {}, token=tokens["nc_admin"])
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    assert ReviewCampaign.objects.get().closed_at is not None
