"""Browser journey on a phone: a unit administrator opens the pool from the service portal, finds an item by
searching, and requests it; the request then waits for the bureau's approval."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.warehouse.models import ReuseRequest

from .world import build_world, pooled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_administrator_finds_an_item_and_requests_it(phone_page, settings):
    settings.REQUIRE_ADMIN_2FA = False
    w = build_world()
    pooled(w, name="文件柜", category=w.chair, source_unit=w.education)
    item = pooled(w, name="实木会议桌", specification="3.2米 胡桃木", source_unit=w.education)
    page = phone_page
    browser_sign_in(page, "fin_admin")
    page.goto(f"{page.base_url}/service/applications/")
    page.get_by_role("link", name="公物仓").first.click()
    expect(page).to_have_url(re.compile(r"/service/warehouse/$"))

    page.get_by_test_id("catalogue-search").locator("input[name=q]").fill("会议桌")
    page.get_by_test_id("catalogue-search").locator("input[name=q]").press("Enter")
    results = page.get_by_test_id("catalogue-items")
    expect(results).to_contain_text("实木会议桌")
    expect(results).not_to_contain_text("文件柜")
    results.get_by_role("link").first.click()
    expect(page.get_by_test_id("item-name")).to_have_text("实木会议桌")
    expect(page.get_by_text("省直公物仓中心库 A区-01架")).to_be_visible()

    form = page.get_by_test_id("request-form")
    form.locator("textarea[name=purpose]").fill("新设科室办公使用")
    form.get_by_test_id("request-reuse").click()
    expect(page.get_by_test_id("reuse-state")).to_have_text("待审核")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    request = ReuseRequest.objects.get()
    assert (request.asset_id, request.unit, request.state) == (item.pk, w.finance, "requested")
