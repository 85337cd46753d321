"""Browser journey in headless Chromium: an administrator renames a unit through the portal."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_renames_a_unit_and_sees_it_in_the_list(page, org, people):
    unit = org["finance"]
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", "sysadmin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{page.base_url}/manage/")
    page.get_by_role("button", name="系统管理").or_(page.get_by_role("link", name="系统管理")).first.click()
    page.get_by_role("link", name="单位管理").click()
    expect(page).to_have_url(re.compile(r"/manage/units/$"))
    expect(page.get_by_role("heading", name="单位管理")).to_be_visible()

    page.get_by_role("searchbox").fill("财政局")  # htmx narrows the table as one types
    row = page.locator("tbody tr", has_text="南昌市财政局")
    expect(row).to_have_count(1)
    expect(page.locator("tbody tr", has_text="南昌市机关事务管理局")).to_have_count(0)
    row.get_by_role("link", name="编辑").click()

    name = page.get_by_label("名称")
    expect(name).to_have_value("南昌市财政局")
    name.fill("南昌市财政局（国库）")
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/manage/units/\?"))  # back to the filtered list
    expect(page.locator("tbody tr", has_text="南昌市财政局（国库）")).to_have_count(1)
    expect(page.locator("#messages")).to_contain_text("已保存")
    unit.refresh_from_db()
    assert unit.name == "南昌市财政局（国库）"
