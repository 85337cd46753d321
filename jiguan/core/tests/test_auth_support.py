"""Shared by the authentication tests: a URLconf with stand-in portal pages (so these tests depend on no
other part of the tree), a clock shift, TOTP codes, and sign-in helpers. Holds no tests itself."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pyotp
import pytest
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import include, path, reverse
from django.utils import timezone

from jiguan.core.services.auth import TOTP_INTERVAL
from jiguan.core.testing import PASSWORD, make_account, make_unit

URLS = "jiguan.core.tests.test_auth_support"


def _portal_page(name: str):
    @login_required
    def page(request):
        return HttpResponse(f"{name}:{request.user.username}")

    return page


def _api_whoami(request):
    return JsonResponse({"username": request.user.get_username()})


urlpatterns = [
    path("accounts/", include("jiguan.core.urls")),
    path("service/", include(([path("", _portal_page("service"), name="home")], "service"))),
    path("manage/", include(([path("", _portal_page("manage"), name="home")], "manage"))),
    path("api/v1/whoami", _api_whoami),
    path("i18n/", include("django.conf.urls.i18n")),
]


@pytest.fixture
def fresh_rate_limits():
    """The rate limit counts per IP in the cache, and every test client is 127.0.0.1."""
    cache.clear()
    yield
    cache.clear()


@contextmanager
def clock_shifted(delta: timedelta):
    """Every ``timezone.now()`` (the services', the models', the middleware's) runs ``delta`` ahead."""
    real_now = timezone.now
    with mock.patch("django.utils.timezone.now", lambda: real_now() + delta):
        yield


def totp_code(secret: str, steps_from_now: int = 0) -> str:
    step = int(timezone.now().timestamp()) // TOTP_INTERVAL + steps_from_now
    return pyotp.TOTP(secret).generate_otp(step)


def wrong_code(secret: str) -> str:
    """A well-formed code that no step within the drift window accepts."""
    valid = {totp_code(secret, offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def make_staff(username: str = "staff1", **fields):
    return make_account(username, roles=("staff",), unit=make_unit(), **fields)


def make_admin(username: str = "sysadmin1", role: str = "system_admin", **fields):
    return make_account(username, roles=(role,), unit=make_unit(), **fields)


def sign_in(client, username: str, password: str = PASSWORD, **data):
    return client.post(
        reverse("core:login"), {"username": username, "password": password, **data}, HTTP_USER_AGENT="pytest-browser"
    )


def enrol(account) -> str:
    """Give the account a confirmed TOTP secret, as the setup page would; returns the secret."""
    secret = pyotp.random_base32()
    account.totp_secret = secret
    account.totp_confirmed_at = timezone.now()
    account.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return secret
