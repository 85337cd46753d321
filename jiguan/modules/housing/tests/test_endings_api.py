"""The API of the end of a tenancy, every response checked against the OpenAPI document: ending a lease,
the tenant's notice, the check-out with its settlement, the overdue-occupancy list; refusals and scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.services.inputs import add_months
from jiguan.modules.housing.models import Lease
from jiguan.modules.housing.services import endings

from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ITEMS = [{"item": "床", "found": 2, "condition": "good"}, {"item": "空调", "found": 1, "condition": "missing"}]


@pytest.fixture
def w(db):
    world = build_world()
    world.lease = live_lease(world, started_on=add_months(TODAY, -3))
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("nc_admin", "jj_admin", "fin_admin", "staff", "staff2")}


def test_end_a_tenancy_through_the_api(api, tokens, w):  # noqa: F811
    url = f"/housing/leases/{w.lease.pk}/end"
    payload = {"reason": "sublet", "details": "现场核查：住房由他人居住，出示转租合同"}
    assert api.post(url, payload, token=tokens["fin_admin"]).status_code == 403
    assert api.post(url, payload, token=tokens["jj_admin"]).status_code == 404
    refused = api.post(url, {"reason": "sublet", "details": "转租"}, token=tokens["nc_admin"])
    assert refused.status_code == 400 and refused.json()["field"] == "details"
    assert api.post(url, {"reason": "quarrel"}, token=tokens["nc_admin"]).status_code in (400, 422)
    assert Lease.objects.get(pk=w.lease.pk).state == "active"

    ended = api.post(url, payload, token=tokens["nc_admin"])
    assert ended.status_code == 200, ended.json()
    body = ended.json()
    assert (body["state"]["code"], body["end_reason"]["code"], body["ended_on"]) == ("ending", "sublet", str(TODAY))
    assert body["move_out_by"] == str(add_months(TODAY, 2))
    assert api.post(url, payload, token=tokens["nc_admin"]).status_code == 409

    listed = api.get("/housing/overstays", token=tokens["nc_admin"]).json()["items"]
    assert [(row["id"], row["days_over"], row["overstay_charged"]) for row in listed] == [(w.lease.pk, 0, "0.00")]
    assert api.get("/housing/overstays", params={"state": "overstay"}, token=tokens["nc_admin"]).json()["items"] == []
    assert api.get("/housing/overstays", token=tokens["jj_admin"]).json()["items"] == []
    assert len(api.get("/housing/overstays", token=tokens["fin_admin"]).json()["items"]) == 1  # its staff
    assert api.get("/housing/overstays", token=tokens["staff"]).status_code == 403


def test_the_tenant_gives_notice_through_the_api(api, tokens, w):  # noqa: F811
    url = f"/housing/my/leases/{w.lease.pk}/move-out"
    day = TODAY + timedelta(days=14)
    assert api.post(url, {"move_out_on": str(day)}, token=tokens["staff2"]).status_code == 404
    early = api.post(url, {"move_out_on": str(TODAY)}, token=tokens["staff"])
    assert early.status_code == 400 and early.json()["field"] == "move_out_on"
    given = api.post(url, {"move_out_on": str(day), "reason": "调回原单位"}, token=tokens["staff"])
    assert given.status_code == 200, given.json()
    assert (given.json()["end_reason"]["code"], given.json()["move_out_by"]) == ("tenant_request", str(day))


def test_check_out_through_the_api(api, tokens, w):  # noqa: F811
    endings.end_tenancy(w.nc_admin, w.lease.pk, reason="not_eligible", details="已在本市购房")
    url = f"/housing/leases/{w.lease.pk}/check-out"
    payload = {"inspected_on": str(TODAY), "items": ITEMS, "meter_readings": {},
               "damages": [{"item": "空调", "amount": "2500", "note": "缺失一台"}], "notes": "钥匙已交回"}
    assert api.post(url, payload, token=tokens["fin_admin"]).status_code == 403
    assert api.post(url, payload, token=tokens["jj_admin"]).status_code == 404
    bad = api.post(url, {**payload, "damages": [{"item": "空调", "amount": "-5"}]}, token=tokens["nc_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "damages"

    done = api.post(url, payload, token=tokens["nc_admin"])
    assert done.status_code == 201, done.json()
    body = done.json()
    lease = body["lease"]
    assert lease["state"]["code"] == "ended" and lease["moved_out_on"] == str(TODAY)
    assert lease["settlement"]["deposit"] == "1712.50" and lease["settlement"]["refund"] == "0.00"
    assert float(lease["settlement"]["owed"]) > 2500 - 1712.50
    assert body["damages"] == [{"item": "空调", "amount": "2500.00", "note": "缺失一台"}]
    again = api.post(url, payload, token=tokens["nc_admin"])
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
