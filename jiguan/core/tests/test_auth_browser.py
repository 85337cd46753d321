"""Browser journey on a phone: staff sign in at /accounts/login/ from a 375 px wide screen."""

import pytest

from .test_auth_support import URLS, fresh_rate_limits, make_staff  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(URLS),
    pytest.mark.usefixtures("fresh_rate_limits"),
]


def test_staff_signs_in_on_a_phone_using_the_demo_hint(phone_page, settings):
    settings.DEMO = True
    make_staff("staff")
    page = phone_page
    page.goto(f"{page.base_url}/accounts/login/?next=/service/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("h1").inner_text() == "登录"

    page.get_by_role("button", name="staff", exact=True).click()  # the demo hint fills the username
    assert page.locator("#id_username").input_value() == "staff"
    page.fill("#id_password", "wrong-password")
    page.get_by_role("button", name="登录", exact=True).click()
    assert "用户名或密码错误" in page.locator(".alert-danger").inner_text()

    page.fill("#id_password", "Jiguan@2026")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{page.base_url}/service/")
    assert page.content().count("service:staff") == 1
