"""Password sign-in (等保2.0 level 3): argon2, lockout, login log, the ``next`` parameter, idle timeout,
logout, password expiry and change, the rate limit."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from jiguan.core.middleware import SESSION_LAST_SEEN
from jiguan.core.models import Account, LoginLog
from jiguan.core.models.accounts import LoginOutcome
from jiguan.core.services import auth
from jiguan.core.testing import PASSWORD, run_at_once

from .test_auth_support import URLS, clock_shifted, fresh_rate_limits, make_admin, make_staff, sign_in  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS), pytest.mark.usefixtures("fresh_rate_limits")]

WRONG = "用户名或密码错误"
LOGIN_URL = "/accounts/login/"


def last_log() -> LoginLog:
    return LoginLog.objects.order_by("-seq").first()


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


# --- Hashing ---------------------------------------------------------------------------------------


def test_production_hasher_is_argon2(settings):
    from jiguan.config import settings as production  # the tests' fast hasher is set by conftest

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    account = Account(username="hash")
    account.set_password(PASSWORD)
    assert account.password.startswith("argon2$argon2id$")
    assert account.check_password(PASSWORD) and not account.check_password("Jiguan@2025")


# --- Sign-in, failures and the login log -----------------------------------------------------------


def test_login_page_speaks_chinese_and_fits_phones(client):
    page = client.get(LOGIN_URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert "登录" in html and 'name="viewport"' in html
    assert "vendor/tabler/css/tabler.min.css" in html and "//cdn" not in html


def test_demo_hint_only_in_demo(client, settings):
    settings.DEMO = False
    assert "Jiguan@2026" not in client.get(LOGIN_URL).content.decode()
    settings.DEMO = True
    html = client.get(LOGIN_URL).content.decode()
    assert 'id="demo-accounts"' in html and "Jiguan@2026" in html


def test_success_signs_in_lands_on_service_home_and_is_logged(client):
    staff = make_staff()
    response = sign_in(client, "staff1")
    assert response.status_code == 302 and response["Location"] == reverse("service:home")
    assert signed_in(client)
    log = last_log()
    assert (log.outcome, log.account, log.username) == (LoginOutcome.SUCCESS, staff, "staff1")
    assert (log.ip, log.user_agent, log.org_path) == ("127.0.0.1", "pytest-browser", staff.org_path)


def test_wrong_password_is_refused_counted_and_logged(client):
    staff = make_staff()
    response = sign_in(client, "staff1", "Wrong@2026")
    assert response.status_code == 200 and WRONG in response.content.decode()
    assert not signed_in(client)
    staff.refresh_from_db()
    assert staff.failed_logins == 1
    assert (last_log().outcome, last_log().account) == (LoginOutcome.FAILURE, staff)


def test_unknown_username_costs_a_hash_and_reads_like_a_wrong_password(client):
    make_staff()
    with mock.patch("jiguan.core.services.auth.make_password") as hashing:
        unknown = sign_in(client, "nobody", "Wrong@2026")
    hashing.assert_called_once_with("Wrong@2026")
    wrong = sign_in(client, "staff1", "Wrong@2026")
    assert WRONG in unknown.content.decode()
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    log = LoginLog.objects.get(username="nobody")
    assert (log.outcome, log.account) == (LoginOutcome.FAILURE, None)


def test_empty_fields_name_the_field_and_attempt_nothing(client):
    response = client.post(LOGIN_URL, {"username": "", "password": ""})
    errors = response.context["form"].errors
    assert errors["username"] == ["请输入用户名。"] and errors["password"] == ["请输入密码。"]
    assert not LoginLog.objects.exists()


def test_five_failures_lock_for_thirty_minutes_then_the_lock_runs_out(client, settings):
    staff = make_staff()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        assert WRONG in sign_in(client, "staff1", "Wrong@2026").content.decode()
    fifth = sign_in(client, "staff1", "Wrong@2026").content.decode()
    staff.refresh_from_db()
    assert staff.is_locked()
    expected = timezone.now() + settings.LOGIN_LOCKOUT
    assert abs((staff.locked_until - expected).total_seconds()) < 5
    until = timezone.localtime(staff.locked_until).strftime("%Y-%m-%d %H:%M")
    assert f"账号已锁定至 {until}" in fifth

    sixth = sign_in(client, "staff1", PASSWORD)  # the right password does not open a locked account
    assert not signed_in(client) and f"账号已锁定至 {until}" in sixth.content.decode()
    assert last_log().outcome == LoginOutcome.LOCKED

    with clock_shifted(settings.LOGIN_LOCKOUT - timedelta(minutes=1)):
        sign_in(client, "staff1", PASSWORD)
        assert not signed_in(client)
    with clock_shifted(settings.LOGIN_LOCKOUT + timedelta(minutes=1)):
        assert sign_in(client, "staff1", PASSWORD).status_code == 302
    assert signed_in(client)
    staff.refresh_from_db()
    assert (staff.failed_logins, staff.locked_until) == (0, None)


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_failures_at_the_same_moment_are_all_counted(settings):
    staff = make_staff()
    request = RequestFactory().post(LOGIN_URL)
    attempts = [lambda: auth.authenticate_password(request, "staff1", "Wrong@2026")] * settings.LOGIN_MAX_FAILURES
    results = run_at_once(*attempts)
    assert all(isinstance(result, auth.LoginFailed) for result in results)
    staff.refresh_from_db()
    assert staff.failed_logins == settings.LOGIN_MAX_FAILURES and staff.is_locked()
    assert LoginLog.objects.filter(outcome=LoginOutcome.FAILURE).count() == settings.LOGIN_MAX_FAILURES


def test_success_resets_the_failure_count(client):
    staff = make_staff()
    for _ in range(3):
        sign_in(client, "staff1", "Wrong@2026")
    sign_in(client, "staff1")
    staff.refresh_from_db()
    assert staff.failed_logins == 0


def test_disabled_account_is_refused_but_only_the_password_holder_learns_why(client):
    make_staff(is_active=False)
    right = sign_in(client, "staff1").content.decode()
    assert "账号已停用" in right and not signed_in(client)
    assert last_log().outcome == LoginOutcome.INACTIVE
    assert WRONG in sign_in(client, "staff1", "Wrong@2026").content.decode()


# --- Where the user lands ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/manage/", "/service/?tab=inbox"])
def test_safe_next_is_honoured(client, target):
    make_staff()
    response = client.post(f"{LOGIN_URL}?next={target}", {"username": "staff1", "password": PASSWORD})
    assert response["Location"] == target


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "http://testserver.evil.example/", "javascript:alert(1)"]
)
def test_next_pointing_elsewhere_is_ignored(client, target):
    make_staff()
    response = client.post(LOGIN_URL, {"username": "staff1", "password": PASSWORD, "next": target})
    assert response["Location"] == reverse("service:home")


def test_administrators_may_choose_the_management_portal(client, settings):
    settings.REQUIRE_ADMIN_2FA = False
    make_admin("unitadmin", role="unit_admin")
    make_staff()
    assert sign_in(client, "unitadmin", portal="manage")["Location"] == reverse("manage:home")
    assert sign_in(client, "staff1", portal="manage")["Location"] == reverse("service:home")


# --- Idle timeout and logout ---------------------------------------------------------------------


def set_last_seen(client, minutes_ago: int) -> None:
    session = client.session
    session[SESSION_LAST_SEEN] = (timezone.now() - timedelta(minutes=minutes_ago)).timestamp()
    session.save()


def test_idle_session_is_logged_out_with_a_message(client):
    staff = make_staff()
    sign_in(client, "staff1")
    set_last_seen(client, 31)
    response = client.get("/service/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fservice%2F&timeout=1"
    assert not signed_in(client)
    assert (last_log().outcome, last_log().account) == (LoginOutcome.TIMEOUT, staff)
    page = client.get(response["Location"]).content.decode()
    assert "30 分钟未操作" in page
    assert client.get("/service/").status_code == 302  # still signed out


def test_idle_htmx_fragment_request_reloads_the_whole_page_to_login(client):
    make_staff()
    sign_in(client, "staff1")
    set_last_seen(client, 31)
    response = client.get("/service/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN_URL}?next=%2Fservice%2F&timeout=1"


def test_active_session_is_kept(client):
    make_staff()
    sign_in(client, "staff1")
    set_last_seen(client, 10)
    response = client.get("/service/")
    assert response.status_code == 200 and response.content == b"service:staff1"
    assert not LoginLog.objects.filter(outcome=LoginOutcome.TIMEOUT).exists()


def test_logout_is_post_only_and_logged(client):
    staff = make_staff()
    sign_in(client, "staff1")
    assert client.get(reverse("core:logout")).status_code == 405
    assert signed_in(client)
    response = client.post(reverse("core:logout"))
    assert response["Location"] == LOGIN_URL and not signed_in(client)
    assert (last_log().outcome, last_log().account) == (LoginOutcome.LOGOUT, staff)


# --- Password expiry and change --------------------------------------------------------------------


def test_expired_password_allows_nothing_but_changing_it(client, settings):
    staff = make_staff()
    Account.objects.filter(pk=staff.pk).update(
        password_changed_at=timezone.now() - settings.PASSWORD_MAX_AGE - timedelta(days=1)
    )
    sign_in(client, "staff1")
    change_url = reverse("core:password_change")
    for path in ("/service/", "/manage/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(f"{change_url}?next=")
    api = client.get("/api/v1/whoami")
    assert api.status_code == 403
    assert api.json() == {"code": "password_expired", "message": "您的密码已过期，请先在网页端修改密码。",
                          "field": None, "errors": []}
    page = client.get(change_url)
    assert page.status_code == 200 and f"超过 {settings.PASSWORD_MAX_AGE.days} 天" in page.content.decode()

    response = client.post(
        f"{change_url}?next=/service/",
        {"old_password": PASSWORD, "new_password1": "Shuju#2027x", "new_password2": "Shuju#2027x"},
    )
    assert response["Location"] == "/service/"
    assert client.get("/service/").status_code == 200


def test_must_change_password_flag_forces_the_change(client):
    make_staff(must_change_password=True)
    sign_in(client, "staff1")
    assert client.get("/service/")["Location"].startswith(reverse("core:password_change"))
    client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": "Shuju#2027x", "new_password2": "Shuju#2027x"},
    )
    assert not Account.objects.get(username="staff1").must_change_password
    assert client.get("/service/").status_code == 200


def change(client, old=PASSWORD, new1="Shuju#2027x", new2=None):
    return client.post(
        reverse("core:password_change"), {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    )


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field", "message"),
    [
        ("Wrong@2026", "Shuju#2027x", None, "old_password", "当前密码不正确。"),
        (PASSWORD, "Shuju#2027x", "Shuju#2027y", "new_password2", "两次输入的新密码不一致。"),
        (PASSWORD, PASSWORD, None, "new_password1", "新密码不能与当前密码相同。"),
        (PASSWORD, "shujuguanli2027", None, "new_password1", "大写字母、小写字母、数字"),  # the kernel's wording
        (PASSWORD, "Ab1#x", None, "new_password1", "密码太短，至少需要 8 个字符。"),
    ],
)
def test_password_change_refusals_say_why_and_change_nothing(client, old, new1, new2, field, message):
    staff = make_staff()
    sign_in(client, "staff1")
    before = Account.objects.get(pk=staff.pk).password
    response = change(client, old, new1, new2)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert Account.objects.get(pk=staff.pk).password == before


def test_password_change_keeps_this_session_and_sets_the_date(client):
    staff = make_staff()
    sign_in(client, "staff1")
    response = change(client)
    assert response["Location"] == reverse("service:home") and signed_in(client)
    staff.refresh_from_db()
    assert staff.check_password("Shuju#2027x")
    assert timezone.now() - staff.password_changed_at < timedelta(minutes=1)


def test_password_change_needs_a_signed_in_user(client):
    response = client.get(reverse("core:password_change"))
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")


# --- Rate limit ------------------------------------------------------------------------------------


def test_login_rate_limit_per_ip(client, settings):
    settings.AUTH_RATE_LIMIT = (3, 60)
    make_staff()
    for _ in range(3):
        assert sign_in(client, "staff1", "Wrong@2026").status_code == 200
    refused = sign_in(client, "staff1", PASSWORD)
    assert refused.status_code == 429 and "尝试过于频繁" in refused.content.decode()
    assert not signed_in(client)
    sign_in(client, "staff1", PASSWORD)  # a flood is logged once per window
    assert LoginLog.objects.filter(outcome=LoginOutcome.RATE_LIMITED).count() == 1
    other_ip = client.post(LOGIN_URL, {"username": "staff1", "password": PASSWORD}, HTTP_X_REAL_IP="10.1.2.3")
    assert other_ip.status_code == 302


def test_rate_limit_error_carries_status_and_retry_after(settings):
    settings.AUTH_RATE_LIMIT = (1, 60)
    request = RequestFactory().post("/api/v1/auth/token", REMOTE_ADDR="10.9.9.9")
    auth.check_rate_limit(request, "auth")
    with pytest.raises(auth.RateLimited) as refused:
        auth.check_rate_limit(request, "auth")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert 0 < refused.value.retry_after <= 60
    auth.check_rate_limit(request, "otp")  # scopes are counted apart


def test_changing_the_password_ends_the_app_sign_ins():
    from datetime import timedelta

    from django.utils import timezone

    from jiguan.core.models import ApiToken
    from jiguan.core.services.auth import change_password
    from jiguan.core.testing import PASSWORD, make_account

    account = make_account("changer")
    token = ApiToken.objects.create(account=account, prefix="jg_x", digest="f" * 64,
                                    expires_at=timezone.now() + timedelta(days=1))
    change_password(account, old_password=PASSWORD, new_password="Another#Pass2026")
    token.refresh_from_db()
    assert token.revoked_at is not None
