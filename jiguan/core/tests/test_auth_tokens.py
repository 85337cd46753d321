"""API tokens for the app: issued under the web sign-in's rules, stored as a digest only, expiring,
revocable, and checked in one query."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from jiguan.core.errors import ValidationFailed
from jiguan.core.models import Account, ApiToken, LoginLog
from jiguan.core.models.accounts import LoginOutcome
from jiguan.core.services import auth
from jiguan.core.testing import PASSWORD

from .test_auth_support import clock_shifted, enrol, make_admin, make_staff, totp_code, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_():
    return RequestFactory().post("/api/v1/auth/token", REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT="JiguanApp/1.0")


def issue(request, username="staff1", password=PASSWORD, **kwargs):
    return auth.issue_token(request, username=username, password=password, **kwargs)


def test_issued_token_is_shown_once_and_stored_as_a_digest(request_, settings):
    staff = make_staff()
    token, raw = issue(request_, name="我的手机")
    assert re.fullmatch(r"jg_[A-Za-z0-9_-]{40}", raw)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest() and token.prefix == raw[:8]
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert token.name == "我的手机" and token.account == staff
    expected = timezone.now() + settings.API_TOKEN_LIFETIME
    assert abs((token.expires_at - expected).total_seconds()) < 5
    log = LoginLog.objects.get()
    assert (log.outcome, log.ip, log.user_agent) == (LoginOutcome.TOKEN_ISSUED, "10.0.0.7", "JiguanApp/1.0")


def test_token_authenticates_its_account_in_one_query(request_, django_assert_num_queries):
    staff = make_staff()
    _token, raw = issue(request_)
    with django_assert_num_queries(2):  # the lookup, and the first last_used_at stamp
        assert auth.authenticate_token(raw) == staff
    with django_assert_num_queries(0):  # used again within the minute: remembered, and no write
        assert auth.authenticate_token(raw) == staff


def test_last_use_is_stamped_at_most_once_a_minute(request_):
    make_staff()
    token, raw = issue(request_)
    auth.authenticate_token(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    auth.authenticate_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    with clock_shifted(timedelta(minutes=2)):
        auth.authenticate_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


@pytest.mark.parametrize("raw", [None, "", "jg_unknown", "Bearer jg_x", "x" * 500])
def test_unknown_tokens_authenticate_nobody(raw):
    assert auth.authenticate_token(raw) is None


def test_expired_token_is_refused(request_, settings):
    make_staff()
    _token, raw = issue(request_)
    with clock_shifted(settings.API_TOKEN_LIFETIME + timedelta(seconds=1)):
        assert auth.authenticate_token(raw) is None


def test_token_of_a_disabled_account_is_refused(request_):
    staff = make_staff()
    _token, raw = issue(request_)
    Account.objects.filter(pk=staff.pk).update(is_active=False)
    assert auth.authenticate_token(raw) is None


def test_revoke_by_raw_and_by_id_and_twice(request_):
    staff = make_staff()
    first, first_raw = issue(request_)
    second, second_raw = issue(request_)
    assert auth.revoke_token(staff, raw=first_raw).revoked_at is not None
    assert auth.authenticate_token(first_raw) is None
    assert auth.authenticate_token(second_raw) == staff
    revoked = auth.revoke_token(staff, token_id=second.pk)
    assert auth.revoke_token(staff, token_id=second.pk).revoked_at == revoked.revoked_at
    assert auth.authenticate_token(second_raw) is None


def test_nobody_revokes_another_users_token(request_):
    make_staff()
    token, raw = issue(request_)
    other = make_staff("staff2")
    for kwargs in ({"token_id": token.pk}, {"raw": raw}, {"token_id": "not-a-number"}):
        with pytest.raises(Http404):
            auth.revoke_token(other, **kwargs)
    assert auth.authenticate_token(raw) is not None


def test_wrong_password_gets_no_token_and_counts(request_):
    staff = make_staff()
    with pytest.raises(auth.LoginFailed) as refused:
        issue(request_, password="Wrong@2026")
    assert refused.value.code == "invalid_credentials" and refused.value.status == 401
    assert "用户名或密码错误" in refused.value.message
    staff.refresh_from_db()
    assert staff.failed_logins == 1 and not ApiToken.objects.exists()


def test_locked_account_gets_no_token(request_, settings):
    make_staff()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        with pytest.raises(auth.LoginFailed):
            issue(request_, password="Wrong@2026")
    with pytest.raises(auth.LoginFailed) as refused:
        issue(request_)
    assert refused.value.code == "account_locked" and not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_bad_token_name_changes_nothing(request_, name):
    staff = make_staff()
    with pytest.raises(ValidationFailed) as refused:
        issue(request_, name=name)
    assert refused.value.field == "name" and "1 到 60 个字符" in refused.value.message
    staff.refresh_from_db()
    assert staff.failed_logins == 0 and not ApiToken.objects.exists() and not LoginLog.objects.exists()


def test_expired_password_gets_no_token(request_, settings):
    staff = make_staff()
    Account.objects.filter(pk=staff.pk).update(must_change_password=True)
    with pytest.raises(auth.LoginFailed) as refused:
        issue(request_)
    assert refused.value.code == "password_expired" and not ApiToken.objects.exists()


class TestSecondFactorForTokens:
    @pytest.fixture(autouse=True)
    def _enforced(self, settings):
        settings.REQUIRE_ADMIN_2FA = True

    def test_admin_without_enrolment_is_sent_to_the_web(self, request_):
        make_admin()
        with pytest.raises(auth.LoginFailed) as refused:
            issue(request_, username="sysadmin1")
        assert refused.value.code == "otp_setup_required"

    def test_missing_code_is_asked_for(self, request_):
        enrol(make_admin())
        with pytest.raises(auth.LoginFailed) as refused:
            issue(request_, username="sysadmin1")
        assert (refused.value.code, refused.value.field) == ("otp_required", "otp")

    def test_wrong_code_counts_and_right_code_issues(self, request_):
        admin = make_admin()
        secret = enrol(admin)
        with pytest.raises(auth.LoginFailed) as refused:
            issue(request_, username="sysadmin1", otp=wrong_code(secret))
        assert refused.value.code == "otp_invalid"
        admin.refresh_from_db()
        assert admin.failed_logins == 1
        token, _raw = issue(request_, username="sysadmin1", otp=totp_code(secret))
        admin.refresh_from_db()
        assert token.account == admin and admin.failed_logins == 0

    def test_replayed_code_is_refused(self, request_):
        secret = enrol(make_admin())
        code = totp_code(secret)
        issue(request_, username="sysadmin1", otp=code)
        with pytest.raises(auth.LoginFailed) as refused:
            issue(request_, username="sysadmin1", otp=code)
        assert refused.value.code == "otp_invalid"
