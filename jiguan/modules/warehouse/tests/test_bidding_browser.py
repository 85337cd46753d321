"""Browser journey on a phone: an approved unit bidder opens 公物竞价 from the service portal, opens a lot, bids
and sees the bid as the highest."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.warehouse.models import Bid

from .disposal_world import bidding_lot, build_disposal_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_approved_bidder_bids_on_the_phone(phone_page, settings):
    settings.REQUIRE_ADMIN_2FA = False
    w = build_disposal_world()
    lot = bidding_lot(w, title="旧办公家具一批")
    page = phone_page
    browser_sign_in(page, "fin_admin")
    page.goto(f"{page.base_url}/service/applications/")
    page.get_by_role("link", name="公物竞价").first.click()
    expect(page).to_have_url(re.compile(r"/service/warehouse/bidding/$"))
    expect(page.get_by_test_id("registration")).to_contain_text("已通过")

    page.get_by_test_id("open-lots").get_by_role("link").first.click()
    expect(page.get_by_test_id("lot-title")).to_have_text("旧办公家具一批")
    expect(page.get_by_test_id("highest")).to_contain_text("暂无出价")
    expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))

    form = page.get_by_test_id("bid-form")
    form.locator("input[name=amount]").fill("1200")
    form.get_by_test_id("place-bid").click()
    expect(page.get_by_test_id("highest")).to_contain_text("1200")
    expect(page.get_by_test_id("my-lot-bids")).to_contain_text("您的出价最高")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    bid = Bid.objects.get()
    assert (bid.lot_id, bid.bidder, bid.amount) == (lot.pk, w.finance_bidder, Decimal("1200"))
