"""Units: scoped list with filters and search, detail, create, patch, deactivate."""

import pytest

from jiguan.core.identifiers import credit_code
from jiguan.core.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(api, region_admin):
    return api.token(region_admin)


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def test_list_is_scoped_to_the_region(api, admin_token, org):
    listed = names(api.get("/units", params={"page_size": 100}, token=admin_token))
    assert "南昌市财政局" in listed and "南昌市东湖区财政局" in listed
    assert "九江市财政局" not in listed


def test_list_filters_and_search(api, admin_token, org):
    in_donghu = names(api.get("/units", params={"region": "360102"}, token=admin_token))
    assert in_donghu == ["南昌市东湖区财政局"]
    departments = api.get("/units", params={"kind": "department"}, token=admin_token).json()["items"]
    assert [(d["name"], d["agency"]["id"]) for d in departments] == [("办公室", org["finance"].pk)]
    children = names(api.get("/units", params={"parent": org["finance"].pk, "kind": "unit"}, token=admin_token))
    assert children == ["南昌市财政局国库支付中心"]
    assert names(api.get("/units", params={"q": "国库"}, token=admin_token)) == ["南昌市财政局国库支付中心"]
    by_code = names(api.get("/units", params={"q": org["finance"].credit_code.lower()}, token=admin_token))
    assert by_code == ["南昌市财政局"]


def test_list_sorts_by_whitelisted_keys(api, admin_token, org):
    ascending = names(api.get("/units", params={"sort": "name", "kind": "unit"}, token=admin_token))
    descending = names(api.get("/units", params={"sort": "-name", "kind": "unit"}, token=admin_token))
    assert ascending == sorted(ascending) and descending == list(reversed(ascending))


def test_detail(api, admin_token, org):
    body = api.get(f"/units/{org['finance_sub'].pk}", token=admin_token).json()
    assert body["parent"] == {"id": org["finance"].pk, "name": "南昌市财政局"}
    assert body["region"]["code"] == "360100" and body["kind"]["code"] == "unit"
    assert body["credit_code"] == org["finance_sub"].credit_code


def test_create_agency_and_department(api, admin_token, org):
    code = credit_code("360100", 4242)
    created = api.post("/units", {"name": "南昌市统计局", "region_code": "360100", "credit_code": code},
                       token=admin_token)
    assert created.status_code == 201
    agency = created.json()
    assert agency["credit_code"] == code and agency["category"]["code"] == "government"
    department = api.post("/units", {"name": "综合科", "region_code": "360100", "kind": "department",
                                     "parent_id": agency["id"]}, token=admin_token)
    assert department.status_code == 201
    assert department.json()["agency"] == {"id": agency["id"], "name": "南昌市统计局"}


def test_create_outside_scope_is_refused(api, admin_token):
    response = api.post("/units", {"name": "九江市统计局", "region_code": "360400",
                                   "credit_code": credit_code("360400", 4243)}, token=admin_token)
    assert response.status_code in (400, 403)
    assert not OrgUnit.objects.filter(name="九江市统计局").exists()


def test_taken_credit_code_is_refused(api, admin_token, org):
    response = api.post("/units", {"name": "重名单位", "region_code": "360100",
                                   "credit_code": org["finance"].credit_code}, token=admin_token)
    assert response.status_code == 400 and response.json()["field"] == "credit_code"


def test_patch_changes_only_the_fields_sent(api, admin_token, org):
    response = api.patch(f"/units/{org['finance'].pk}", {"short_name": "市财政"}, token=admin_token)
    assert response.status_code == 200
    org["finance"].refresh_from_db()
    assert (org["finance"].name, org["finance"].short_name) == ("南昌市财政局", "市财政")


def test_patch_deactivates_and_is_atomic(api, admin_token, org):
    empty_unit = org["donghu"]
    response = api.patch(f"/units/{empty_unit.pk}", {"active": False, "name": "东湖区财政局（撤并）"},
                         token=admin_token)
    assert response.status_code == 200 and response.json()["active"] is False
    # a unit with sub-units cannot be deactivated: the rename sent with it is not kept either
    refused = api.patch(f"/units/{org['finance'].pk}", {"active": False, "name": "改名"}, token=admin_token)
    assert refused.status_code == 409
    org["finance"].refresh_from_db()
    assert (org["finance"].name, org["finance"].active) == ("南昌市财政局", True)


def test_patch_with_a_bad_value_names_the_field(api, admin_token, org):
    response = api.patch(f"/units/{org['finance'].pk}", {"name": None}, token=admin_token)
    assert response.status_code == 400 and response.json()["field"] == "name"
