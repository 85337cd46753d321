"""The TOTP second factor: enforced for administrators when REQUIRE_ADMIN_2FA, relaxed in the demo, never
for staff unless they enrol; ±1 step; replay refused; wrong codes count towards the lockout."""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from jiguan.core.middleware import SESSION_OTP_VERIFIED
from jiguan.core.models import Account, LoginLog, Role
from jiguan.core.models.accounts import AdminKind, LoginOutcome
from jiguan.core.scoping import Scope
from jiguan.core.services import auth
from jiguan.core.testing import make_account, make_unit, run_at_once

from .test_auth_support import (  # noqa: F401
    URLS,
    enrol,
    fresh_rate_limits,
    make_admin,
    make_staff,
    sign_in,
    totp_code,
    wrong_code,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS), pytest.mark.usefixtures("fresh_rate_limits")]

SECOND_FACTOR = "/accounts/second-factor/"
SETUP = "/accounts/two-factor/setup/"


@pytest.fixture
def enforced(settings):
    settings.REQUIRE_ADMIN_2FA = True


@pytest.mark.usefixtures("enforced")
def test_enforced_admin_cannot_reach_manage_without_the_code(client):
    admin = make_admin()
    secret = enrol(admin)
    sign_in(client, "sysadmin1", portal="manage")
    response = client.get("/manage/")
    assert response["Location"] == f"{SECOND_FACTOR}?next=%2Fmanage%2F"
    assert client.get(reverse("core:password_change"))["Location"].startswith(SECOND_FACTOR)
    api = client.get("/api/v1/whoami")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    assert not LoginLog.objects.filter(outcome=LoginOutcome.SUCCESS).exists()  # not signed in until the code

    wrong = client.post(f"{SECOND_FACTOR}?next=/manage/", {"code": wrong_code(secret)})
    assert "验证码错误或已过期" in wrong.content.decode()
    assert LoginLog.objects.filter(outcome=LoginOutcome.SECOND_FACTOR_FAILED, account=admin).count() == 1

    session_before = client.session.session_key
    done = client.post(f"{SECOND_FACTOR}?next=/manage/", {"code": totp_code(secret)})
    assert done["Location"] == "/manage/"
    assert client.session.session_key != session_before  # a new session id once fully signed in
    assert client.get("/manage/").status_code == 200
    assert LoginLog.objects.filter(outcome=LoginOutcome.SUCCESS, account=admin).count() == 1
    admin.refresh_from_db()
    assert admin.failed_logins == 0


@pytest.mark.usefixtures("enforced")
def test_enforced_admin_without_a_secret_must_enrol_first(client):
    admin = make_admin()
    sign_in(client, "sysadmin1")
    to_code = client.get("/manage/")
    to_setup = client.get(to_code["Location"])
    assert to_setup["Location"] == f"{SETUP}?next=%2Fmanage%2F"
    page = client.get(to_setup["Location"])
    html = page.content.decode()
    admin.refresh_from_db()
    assert admin.totp_secret and admin.totp_confirmed_at is None
    assert "<svg" in html and admin.totp_secret[:4] in html and "管理员账号必须启用双因素认证" in html

    bad = client.post(f"{SETUP}?next=/manage/", {"code": "12345"})
    assert "6 位数字" in bad.content.decode()
    done = client.post(f"{SETUP}?next=/manage/", {"code": totp_code(admin.totp_secret)})
    assert done["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200
    admin.refresh_from_db()
    assert admin.totp_confirmed_at is not None


@pytest.mark.usefixtures("enforced")
def test_setup_page_keeps_the_pending_secret_and_refuses_re_enrolment(client):
    admin = make_admin()
    sign_in(client, "sysadmin1")
    client.get(SETUP)
    first = Account.objects.get(pk=admin.pk).totp_secret
    client.get(SETUP)
    assert Account.objects.get(pk=admin.pk).totp_secret == first
    client.post(SETUP, {"code": totp_code(first)})
    page = client.get(SETUP).content.decode()
    assert "双因素认证已启用" in page
    assert Account.objects.get(pk=admin.pk).totp_secret == first


def test_relaxed_setting_lets_the_password_suffice(client, settings):
    settings.REQUIRE_ADMIN_2FA = False
    make_admin()
    sign_in(client, "sysadmin1")
    assert client.get("/manage/").status_code == 200
    assert LoginLog.objects.filter(outcome=LoginOutcome.SUCCESS).count() == 1


@pytest.mark.usefixtures("enforced")
def test_staff_never_need_the_code(client):
    make_staff()
    sign_in(client, "staff1")
    assert client.get("/service/").status_code == 200
    assert client.get(SECOND_FACTOR)["Location"] == reverse("service:home")


def test_staff_may_enrol_and_then_sign_in_with_the_code(client, settings):
    settings.REQUIRE_ADMIN_2FA = False
    staff = make_staff()
    sign_in(client, "staff1")
    client.get(SETUP)
    staff.refresh_from_db()
    client.post(SETUP, {"code": totp_code(staff.totp_secret)})
    client.post(reverse("core:logout"))

    sign_in(client, "staff1")
    assert client.get("/service/")["Location"].startswith(SECOND_FACTOR)
    client.post(SECOND_FACTOR, {"code": totp_code(staff.totp_secret, steps_from_now=1)})
    assert client.get("/service/").status_code == 200


@pytest.mark.usefixtures("enforced")
def test_second_factor_failures_lock_the_account_and_end_the_session(client, settings):
    admin = make_admin()
    secret = enrol(admin)
    sign_in(client, "sysadmin1")
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        client.post(SECOND_FACTOR, {"code": wrong_code(secret)})
    response = client.post(SECOND_FACTOR, {"code": wrong_code(secret)})
    assert response["Location"] == reverse("core:login")
    assert SESSION_KEY not in client.session
    admin.refresh_from_db()
    assert admin.is_locked()


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_one_step_of_clock_drift_is_allowed(offset, accepted):
    staff = make_staff()
    secret = enrol(staff)
    assert auth.verify_totp(staff, totp_code(secret, offset)) is accepted


def test_a_code_is_accepted_once_even_by_two_requests_at_once():
    staff = make_staff()
    secret = enrol(staff)
    code = totp_code(secret)
    first, second = Account.objects.get(pk=staff.pk), Account.objects.get(pk=staff.pk)  # two requests
    assert auth.verify_totp(first, code) is True
    assert auth.verify_totp(second, code) is False
    assert auth.verify_totp(first, code) is False
    assert auth.verify_totp(first, totp_code(secret, -1)) is False  # an older step is no use either


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_two_requests_racing_with_one_code_let_exactly_one_in():
    staff = make_staff()
    code = totp_code(enrol(staff))
    results = run_at_once(
        lambda: auth.verify_totp(Account.objects.get(pk=staff.pk), code),
        lambda: auth.verify_totp(Account.objects.get(pk=staff.pk), code),
    )
    assert sorted(results) == [False, True]


@pytest.mark.parametrize("code", ["", "12345", "１２３４５６", "abcdef", None])
def test_malformed_codes_are_refused(code):
    staff = make_staff()
    enrol(staff)
    assert auth.verify_totp(staff, code) is False


def test_setup_page_secret_works_in_a_real_authenticator_uri():
    staff = make_staff()
    secret = auth.start_totp_enrolment(staff)
    uri = auth.totp_provisioning_uri(staff)
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.digits == 6 and parsed.interval == 30


def test_who_is_an_administrator(settings):
    settings.REQUIRE_ADMIN_2FA = True
    unit = make_unit()
    custom = Role.objects.create(code="archivist", name="档案", permissions=["core.view_units"],
                                 scope=Scope.UNIT, admin_kind=AdminKind.AUDIT)
    by_kind = make_account("kind", roles=(), unit=unit)
    by_kind.assignments.create(role=custom, unit=unit)
    by_permission = make_account("perm", roles=("unit_admin",), unit=unit)  # holds core.manage_accounts
    for account in (by_kind, by_permission, make_admin("sec", role="security_admin"), make_admin("aud", role="audit_admin")):
        assert auth.second_factor_required(account), account.username
    assert not auth.second_factor_required(make_staff())
    settings.REQUIRE_ADMIN_2FA = False
    assert not auth.second_factor_required(by_permission)


def test_session_flag_is_set_only_by_a_valid_code(client, settings):
    settings.REQUIRE_ADMIN_2FA = True
    secret = enrol(make_admin())
    sign_in(client, "sysadmin1")
    assert not client.session.get(SESSION_OTP_VERIFIED)
    client.post(SECOND_FACTOR, {"code": totp_code(secret)})
    assert client.session.get(SESSION_OTP_VERIFIED) is True
