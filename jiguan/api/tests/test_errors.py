"""The one error shape: validation (pydantic and service), bad JSON, unknown sort, 403/404/405/500."""

import re

import pytest

from jiguan.core.identifiers import credit_code
from jiguan.core.models import OrgUnit
from jiguan.core.services import org as org_services
from jiguan.core.testing import make_account

from .openapi import API

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def admin_token(api, region_admin):
    return api.token(region_admin)


def new_unit(**fields):
    return {"name": "南昌市统计局", "region_code": "360100", "credit_code": credit_code("360100", 777), **fields}


def with_wrong_check_character(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


def test_bad_credit_code_names_the_field_in_chinese_and_creates_nothing(api, admin_token):
    before = OrgUnit.objects.count()
    response = api.post("/units", new_unit(credit_code=with_wrong_check_character(credit_code("360100", 777))), token=admin_token)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and body["field"] == "credit_code"
    assert CHINESE.search(body["message"])
    assert {"field": "credit_code", "message": body["message"]} in body["errors"]
    assert OrgUnit.objects.count() == before


def test_schema_errors_name_every_field_with_its_chinese_label(api, admin_token):
    response = api.post("/units", {"region_code": "3601", "kind": "agency", "short_name": "x" * 41}, token=admin_token)
    assert response.status_code == 400
    body = response.json()
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert set(messages) == {"name", "region_code", "kind", "short_name"}
    assert "单位名称" in messages["name"] and "必填" in messages["name"]
    assert "unit" in messages["kind"] and "department" in messages["kind"]  # the allowed values are listed
    assert "40" in messages["short_name"]
    assert body["field"] in messages and body["message"] == messages[body["field"]]


def test_unknown_field_is_refused_not_ignored(api, admin_token):
    response = api.post("/units", new_unit(credt_code="x"), token=admin_token)
    assert response.status_code == 400
    assert response.json()["field"] == "credt_code"


def test_bad_json_answers_invalid_json(api, admin_token):
    response = api.post("/units", raw=b'{"name": ', token=admin_token)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_json" and body["field"] is None and CHINESE.search(body["message"])


def test_body_that_is_not_an_object_is_refused(api, admin_token):
    response = api.post("/units", [1, 2], token=admin_token)
    assert response.status_code == 400 and response.json()["field"] is None


def test_unknown_sort_is_refused_with_the_allowed_keys(api, admin_token):
    response = api.get("/people", params={"sort": "id_number"}, token=admin_token)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "sort" and "org" in body["message"] and "-name" in body["message"]


def test_page_size_over_the_maximum_is_refused(api, admin_token):
    response = api.get("/people", params={"page_size": 101}, token=admin_token)
    assert response.status_code == 400
    assert response.json()["field"] == "page_size" and "100" in response.json()["message"]


def test_missing_permission_is_403(api, staff):
    token = api.token(staff)
    before = OrgUnit.objects.count()
    response = api.post("/units", new_unit(), token=token)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert OrgUnit.objects.count() == before


def test_out_of_scope_record_looks_exactly_like_a_missing_one(api, admin_token, org):
    out_of_scope = api.get(f"/units/{org['jiujiang'].pk}", token=admin_token)
    missing = api.get("/units/987654", token=admin_token)
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    assert out_of_scope.json()["code"] == "not_found"


def test_changing_an_out_of_scope_record_is_404_and_changes_nothing(api, admin_token, org):
    response = api.patch(f"/units/{org['jiujiang'].pk}", {"name": "改名"}, token=admin_token)
    assert response.status_code == 404
    org["jiujiang"].refresh_from_db()
    assert org["jiujiang"].name == "九江市财政局"


def test_wrong_method_answers_405_in_the_error_shape(api):
    response = api.call("PUT", "/ping", {})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed" and response["Allow"] == "GET"


def test_unknown_path_answers_404_in_the_error_shape(api):
    for path in ("/no-such-thing", "/units/1/nothing", "/"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unexpected_error_is_500_without_internals(api, admin_token, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(org_services, "create_unit", broken)
    response = api.post("/units", new_unit(), token=admin_token)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error" and "hunter2" not in response.content.decode()
    assert response["X-Request-ID"] in body["message"]


def test_state_error_keeps_its_status_and_code(api, org):
    admin = make_account("sys", roles=("system_admin",), unit=org["bureau"])
    token = api.token(admin)
    response = api.patch(f"/units/{org['bureau'].pk}", {"active": True}, token=token)  # already active
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_messages_follow_the_requested_language(api, admin_token):
    response = api.client.get(f"{API}/people", {"page_size": 0}, HTTP_AUTHORIZATION=f"Bearer {admin_token}",
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "at least 1" in response.json()["message"]
