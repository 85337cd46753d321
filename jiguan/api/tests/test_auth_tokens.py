"""Tokens: issue, use, list, revoke; 401s; the auth rate limit; session auth with CSRF; the access log."""

import re

import pytest
from django.test import Client

from jiguan.api.access import AccessLogWriter
from jiguan.core.context import acting
from jiguan.core.models import AccessLog, ApiToken
from jiguan.core.models.audit import AccessKind
from jiguan.core.testing import make_account

from .openapi import API, ApiClient

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CSRF_SECRET = "k" * 32


def test_token_is_issued_and_identifies_the_caller(api, staff):
    response = api.post("/auth/token", {"username": "nc_staff", "password": "Jiguan@2026", "name": "我的手机"})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("jg_") and body["name"] == "我的手机"
    me = api.get("/me", token=body["token"]).json()
    assert me["account"]["username"] == "nc_staff"
    assert me["person"]["id_number_masked"] == staff.person.id_number_masked
    assert "*" in me["person"]["id_number_masked"] and staff.person.id_number not in str(me)
    [role] = me["roles"]
    assert (role["code"], role["scope"]["code"], role["unit"]["id"]) == ("staff", "self", staff.unit_id)
    assert me["permissions"] == ["core.use_service"]


def test_wrong_password_is_refused_in_chinese_and_issues_nothing(api, staff):
    response = api.post("/auth/token", {"username": "nc_staff", "password": "wrong-Password1"})
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials" and CHINESE.search(body["message"])
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("header", [None, "Bearer jg_not-a-real-token", "Basic abc", "Bearer "])
def test_missing_or_bad_credentials_answer_401(api, staff, header):
    response = api.client.get(f"{API}/me", **({"HTTP_AUTHORIZATION": header} if header else {}))
    api.check("GET", "/me", response)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated" and CHINESE.search(response.json()["message"])
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoking_the_presented_token_signs_the_app_out(api, staff):
    token = api.token(staff)
    assert api.delete("/auth/token", token=token).status_code == 204
    assert api.get("/me", token=token).status_code == 401


def test_revoking_the_current_token_needs_a_token_not_a_session(api, staff):
    api.client.force_login(staff)
    assert api.delete("/auth/token").status_code == 401


def test_user_lists_and_revokes_only_own_tokens(api, staff, region_admin):
    mine, other = api.token(staff), api.token(region_admin)
    listed = api.get("/auth/tokens", token=mine).json()
    assert listed["total"] == 1 and listed["items"][0]["prefix"] == mine[:8]
    others_id = ApiToken.objects.get(account=region_admin).pk
    assert api.delete(f"/auth/tokens/{others_id}", token=mine).status_code == 404
    assert api.get("/me", token=other).status_code == 200
    own_id = listed["items"][0]["id"]
    assert api.delete(f"/auth/tokens/{own_id}", token=mine).status_code == 204
    assert api.get("/me", token=mine).status_code == 401


def test_token_endpoint_is_rate_limited(api, staff, settings):
    settings.AUTH_RATE_LIMIT = (2, 60)
    for _ in range(2):
        api.post("/auth/token", {"username": "nc_staff", "password": "wrong-Password1"})
    response = api.post("/auth/token", {"username": "nc_staff", "password": "Jiguan@2026"})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited" and CHINESE.search(body["message"])
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_session_caller_needs_csrf_token_for_changes(openapi_document, staff):
    browser = ApiClient(Client(enforce_csrf_checks=True), openapi_document)
    browser.client.force_login(staff)
    assert browser.get("/me").status_code == 200  # safe methods need no CSRF token
    refused = browser.post("/notifications/read", {})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    browser.client.cookies["csrftoken"] = CSRF_SECRET  # as the portal page's cookie would hold it
    accepted = browser.client.post(
        f"{API}/notifications/read", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    browser.check("POST", "/notifications/read", accepted)
    assert accepted.status_code == 200


def test_anonymous_change_gets_401_not_a_csrf_error(openapi_document, staff):
    anonymous = ApiClient(Client(enforce_csrf_checks=True), openapi_document)
    assert anonymous.post("/notifications/read", {}).status_code == 401


def test_every_api_call_writes_one_access_log_row(api, staff):
    token = api.token(staff)
    before = AccessLog.objects.count()
    api.get("/me", token=token)
    api.get("/units/999999", token=token)
    rows = list(AccessLog.objects.order_by("seq")[before:])
    assert [(r.kind, r.method, r.path, r.status, r.actor_id) for r in rows] == [
        (AccessKind.API, "GET", f"{API}/me", 200, staff.pk),
        (AccessKind.API, "GET", f"{API}/units/999999", 404, staff.pk),
    ]


def test_ping_needs_no_auth_and_is_not_logged(api):
    before = AccessLog.objects.count()
    response = api.get("/ping")
    assert response.status_code == 200 and response.json() == {"pong": True}
    assert AccessLog.objects.count() == before


def test_unauthenticated_calls_are_logged_without_actor(api):
    api.get("/me")
    row = AccessLog.objects.order_by("-seq").first()
    assert (row.status, row.actor_id) == (401, None)


def test_disabled_account_token_stops_working(api, staff):
    token = api.token(staff)
    staff.is_active = False
    staff.save()
    assert api.get("/me", token=token).status_code == 401


def test_unknown_account_gets_the_same_answer_as_a_wrong_password(api, staff):
    unknown = api.post("/auth/token", {"username": "nobody", "password": "Jiguan@2026"}).json()
    wrong = api.post("/auth/token", {"username": "nc_staff", "password": "Wrong@2026x"}).json()
    assert unknown == wrong


def test_admin_token_without_second_factor_enrolment_is_refused_when_required(api, settings, org):
    settings.REQUIRE_ADMIN_2FA = True
    admin = make_account("sec_admin", roles=("security_admin",), unit=org["bureau"])
    response = api.post("/auth/token", {"username": admin.username, "password": "Jiguan@2026"})
    assert response.status_code == 401 and response.json()["code"] == "otp_setup_required"


def test_buffered_access_log_keeps_each_calls_own_context(staff, region_admin):
    writer = AccessLogWriter(flush_seconds=600)
    before = AccessLog.objects.count()
    for account, status in ((staff, 200), (region_admin, 404), (None, 401)):
        with acting(actor=account, ip="10.1.2.3"):
            writer.add(f"{API}/me", "GET", status)
    assert AccessLog.objects.count() == before  # gathered, not yet written
    writer.flush()
    rows = list(AccessLog.objects.order_by("seq")[before:])
    assert [(r.actor_id, r.status, r.ip) for r in rows] == [
        (staff.pk, 200, "10.1.2.3"), (region_admin.pk, 404, "10.1.2.3"), (None, 401, "10.1.2.3")
    ]
    assert len({r.request_id for r in rows}) == 3
