"""Browser journey on a phone: a staff member asks for an office adjustment and finds it in their list."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.officespace.models import OfficeAdjustment

from .test_applications import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


def test_staff_member_asks_for_an_adjustment_on_a_phone(phone_page):
    build_world()
    page = phone_page
    browser_sign_in(page, "staff")
    page.goto(f"{page.base_url}/service/applications/")
    page.get_by_role("link", name="申请调整办公室").first.click()
    expect(page).to_have_url(re.compile(r"/service/officespace/applications/$"))

    form = page.get_by_test_id("adjustment-form")
    form.locator("select[name=reason]").select_option("crowded")
    form.locator("textarea[name=details]").fill("四人合用一间办公室，接打电话相互干扰。")
    form.get_by_role("button", name="提交申请").click()

    expect(page.get_by_test_id("status")).to_have_text("待单位处理")
    page.get_by_role("link", name="我的调整申请").click()
    expect(page.get_by_test_id("my-adjustments")).to_contain_text("合用人数过多")
    assert OfficeAdjustment.objects.filter(requester__username="staff", state="submitted").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
