"""Browser journey in the management portal: a unit administrator offers two kinds of items to the pool on
the intake form; the bureau administrator opens the request, names the receiving warehouse and approves it."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.warehouse.models import IntakeRequest

from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_line(form, index: int, *, code: str, name: str, quantity: str, value: str) -> None:
    line = form.get_by_test_id("item-line").nth(index)
    prefix = f"items-{index}-"
    line.locator(f"input[name={prefix}category_code]").fill(code)
    line.locator(f"input[name={prefix}name]").fill(name)
    line.locator(f"input[name={prefix}quantity]").fill(quantity)
    line.locator(f"input[name={prefix}original_value]").fill(value)
    line.locator(f"input[name={prefix}purchase_date]").fill("2019-06-01")
    line.locator(f"select[name={prefix}source_reason]").select_option("reform")


def test_a_unit_offers_two_items_and_the_bureau_approves(page, settings):
    settings.REQUIRE_ADMIN_2FA = False
    w = build_world()
    browser_sign_in(page, "fin_admin")
    page.goto(f"{page.base_url}/manage/warehouse/intake/")
    page.get_by_role("link", name="申请物品入仓").first.click()
    expect(page).to_have_url(re.compile(r"/manage/warehouse/intake/new/$"))
    expect(page.get_by_test_id("item-line")).to_have_count(3)  # the third stays blank and is ignored

    form = page.locator("form.card")
    form.locator("textarea[name=reason]").fill("机构改革后处室合并，多余家具交公物仓")
    fill_line(form, 0, code="A05010201", name="钢木办公桌", quantity="3", value="1500.00")
    fill_line(form, 1, code="A05010301", name="转椅", quantity="6", value="400.00")
    form.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("intake-state")).to_have_text("待审核")
    items = page.get_by_test_id("intake-items")
    expect(items).to_contain_text("钢木办公桌")
    expect(items).to_contain_text("转椅")
    request = IntakeRequest.objects.get()
    assert (request.unit, request.items.count(), request.state) == (w.finance, 2, "submitted")

    page.context.clear_cookies()
    browser_sign_in(page, "wh_admin")
    page.goto(f"{page.base_url}/manage/warehouse/intake/")
    page.get_by_role("link", name=request.number).click()
    page.locator("select[name=warehouse]").select_option(str(w.central.pk))
    page.locator("textarea[name=comment]").fill("同意入中心库")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("intake-state")).to_have_text("已批准，待接收")
    expect(page.get_by_test_id("receive")).to_be_visible()  # the bureau keeps the warehouse: it receives next
    request.refresh_from_db()
    assert (request.state, request.warehouse) == ("approved", w.central)
