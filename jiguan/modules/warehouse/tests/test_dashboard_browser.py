"""Browser journey in the management portal: the bureau administrator opens the pool dashboard (公物仓节约成效) from the menu and sees
the savings and disposal figures and the charts drawn by ECharts (served locally, never from a CDN)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in

from .test_monitoring import handed_over
from .test_rules import lot
from .world import build_world, pooled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bureau_sees_the_figures_and_the_charts(page, settings):
    settings.REQUIRE_ADMIN_2FA = False
    w = build_world()
    desk = pooled(w, state="transferred", pooled_on=timezone.localdate() - timedelta(days=30),
                  original_value=Decimal("1800.00"))
    handed_over(w, desk, w.education)
    lot(w, state="sold", proceeds=Decimal("2500.00"), paid_at=timezone.now())
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(page.base_url) and not request.url.startswith("data:") else None)

    browser_sign_in(page, "wh_admin")
    page.goto(f"{page.base_url}/manage/")
    page.get_by_role("button", name="公物仓").first.click()  # the module's group in the sidebar
    page.get_by_role("link", name="公物仓节约成效").first.click()
    expect(page).to_have_url(re.compile(r"/manage/warehouse/dashboard/$"))
    expect(page.get_by_test_id("reused")).to_have_text("1")
    expect(page.get_by_test_id("savings")).to_have_text("1,800.00")
    expect(page.get_by_test_id("disposal-income")).to_have_text("2,500.00")
    expect(page.get_by_test_id("units")).to_contain_text("江西省教育厅")
    for chart in ("items", "savings", "turnover"):
        expect(page.locator(f"#chart-warehouse-{chart} canvas")).to_have_count(1)
    assert page.evaluate("typeof window.echarts") == "object"
    series = page.evaluate("echarts.getInstanceByDom(document.getElementById('chart-warehouse-savings'))"
                           ".getOption().series.map(s => s.data[s.data.length - 1])")
    assert series == [1800, 2500]  # this month's savings beside this month's disposal income
    assert outside == []
