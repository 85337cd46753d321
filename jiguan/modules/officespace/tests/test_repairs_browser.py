"""Browser journey in headless Chromium: a unit administrator raises a major-repair request, choosing the
building and then its affected rooms with the searching pickers."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.officespace.models import RepairRequest

from .test_repairs_services import repair_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


def pick(page, field: str, search: str, option: str) -> None:
    """Type into the searching select of ``field`` and choose the option the server offers."""
    page.locator(f"#id_{field}").locator("xpath=..").locator(".ts-control input").fill(search)
    page.locator(".ts-dropdown .option", has_text=option).click()


def test_unit_administrator_raises_a_repair_on_rooms_of_the_chosen_building(page):
    w = repair_world()
    browser_sign_in(page, "fin_admin")
    page.goto(f"{page.base_url}/manage/officespace/repairs/new/")
    form = page.get_by_test_id("repair-form")
    pick(page, "building", "主楼", "财政大院 · 主楼")
    pick(page, "rooms", "30", "3F · 302")
    page.keyboard.press("Escape")
    form.get_by_label("项目名称").fill("主楼屋面防水改造")
    form.get_by_label("工程内容").fill("屋面防水层全部铲除翻新，更换雨水管和落水口。")
    form.get_by_label("损坏情况评估").fill("屋面多处渗漏，三楼办公室墙面发霉，雨季无法正常办公。")
    form.get_by_label("估算费用（元）").fill("380000")
    form.get_by_label("楼栋年能耗（kWh）").fill("300000")
    form.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/manage/officespace/repairs/\d+/$"))
    request = RepairRequest.objects.get()
    assert request.building == w.building and list(request.rooms.all()) == [w.shared]
