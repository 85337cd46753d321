"""The big screen in headless Chromium at 1920×1080: a city administrator's screen renders real figures with
ECharts, updates itself at the next poll (screenshot saved to var/screenshots/screen.png); a kiosk opens
it with a display token and shows the expiry message once the token has expired."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from jiguan.core.testing import PASSWORD, browser_sign_in
from jiguan.monitor.models import DisplayToken
from jiguan.monitor.services import kpis
from jiguan.monitor.services import screen as screen_services
from jiguan.monitor.views import screen as screen_views

from .alerts_world import KPI
from .test_screen import region_snap, w  # noqa: F401 (the world with figures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = Path(django_settings.BASE_DIR) / "var" / "screenshots" / "screen.png"


@pytest.fixture
def wall(browser, live_server, settings, monkeypatch):
    """A 1920×1080 page polling every second, with the payload cache off so each poll sees fresh figures."""
    settings.REQUIRE_ADMIN_2FA = False  # second factors have their own tests
    monkeypatch.setattr(screen_views, "POLL_SECONDS", 1)
    monkeypatch.setattr(screen_services, "CACHE_SECONDS", 0)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def polls(page) -> int:
    return int(page.get_by_test_id("screen").get_attribute("data-polls"))


def test_city_screen_renders_real_figures_and_updates_itself(wall, w):  # noqa: F811
    page = wall
    page.goto(f"{page.base_url}/accounts/login/?next=/screen/%3Fkpi%3D{KPI}")
    page.fill("input[name=username]", "nc_admin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/screen/**")

    expect(page.get_by_test_id("place")).to_have_text("南昌市")
    card = page.locator('.kpi[data-kpi="officespace.idle_rate"]')
    expect(card.locator(".kpi-value")).to_contain_text("15")
    expect(card.locator(".kpi-change")).to_contain_text("+3")
    expect(page.get_by_test_id("alert-ticker")).to_contain_text("南昌市财政局")
    expect(page.get_by_test_id("alert-ticker")).not_to_contain_text("九江")
    expect(page.locator('.event-state[data-state="closed"] b')).to_have_text("1")
    for chart in ("chart-compare", "chart-events", "chart-costs"):
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    # The ranked comparison is drawn on a canvas: its region names are read back from the chart.
    names = page.evaluate("echarts.getInstanceByDom(document.getElementById('chart-compare'))"
                          ".getOption().yAxis[0].data")
    assert names == ["东湖区", "西湖区"]  # drawn bottom-up: 西湖区 (20) on top

    region_snap("360100", 18, timezone.now() + timedelta(seconds=1))
    seen = polls(page)
    page.wait_for_function(f"Number(document.getElementById('screen').dataset.polls) > {seen + 1}")
    expect(card.locator(".kpi-value")).to_contain_text("18")
    expect(page.get_by_test_id("updated")).not_to_have_text("—")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000


def test_more_kpis_than_fit_are_shown_a_page_at_a_time(wall, w, monkeypatch):  # noqa: F811
    monkeypatch.setattr(screen_views, "KPI_PAGE_SECONDS", 1)
    now = timezone.now()
    for code in sorted(kpis.all_kpis())[:11]:  # with the world's own: more than the 8 a page holds
        region_snap("360100", 7, now, kpi=code)
    page = wall
    browser_sign_in(page, "nc_admin")
    page.goto(f"{page.base_url}/screen/")
    shown = page.locator("#kpi-cards .kpi:not([hidden])")
    cards = page.locator("#kpi-cards .kpi")
    expect(page.get_by_test_id("kpi-pager")).to_have_text("1 / 2")
    expect(shown).to_have_count(8)
    first_page = shown.evaluate_all("cards => cards.map(card => card.dataset.kpi)")
    expect(page.get_by_test_id("kpi-pager")).to_have_text("2 / 2")
    expect(shown).to_have_count(cards.count() - 8)
    assert not set(first_page) & set(shown.evaluate_all("cards => cards.map(card => card.dataset.kpi)"))
    box = shown.first.bounding_box()
    assert box["width"] > 1920 / 10  # each tile wide enough for its label and figure


def test_kiosk_shows_its_region_then_the_expiry_message(wall, w):  # noqa: F811
    page = wall
    token, secret = screen_services.create_token(w.nc_admin, region_code="360102", label="区局大厅",
                                                 expires_at=timezone.now() + timedelta(days=1))
    page.goto(f"{page.base_url}/screen/kiosk/?kpi={KPI}#{secret}")
    expect(page.get_by_test_id("place")).to_have_text("东湖区")
    expect(page.locator('.kpi[data-kpi="officespace.idle_rate"] .kpi-value')).to_contain_text("8")
    expect(page.get_by_test_id("screen-message")).to_be_hidden()

    DisplayToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expect(page.get_by_test_id("screen-message")).to_contain_text("显示令牌已过期，请联系管理员重新生成")
    stopped = polls(page)
    page.wait_for_timeout(2500)  # two poll intervals: polling has stopped
    assert polls(page) == stopped


def test_kiosk_link_without_its_token(wall, w):  # noqa: F811
    page = wall
    page.goto(f"{page.base_url}/screen/kiosk/")
    expect(page.get_by_test_id("screen-message")).to_contain_text("显示链接缺少令牌")
