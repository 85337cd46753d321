"""Browser journeys: on a phone, a unit administrator borrows an item from its page; on the management
portal, the keeper lends it once the collector has signed on the canvas (the signature pad shared with the
reuse hand-over)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.warehouse.models import Loan
from jiguan.modules.warehouse.services import loans

from .world import build_world, pooled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_administrator_borrows_an_item_on_the_phone(phone_page, settings):
    settings.REQUIRE_ADMIN_2FA = False
    w = build_world()
    item = pooled(w, name="折叠会议桌", source_unit=w.education)
    page = phone_page
    browser_sign_in(page, "fin_admin")
    page.goto(f"{page.base_url}/service/warehouse/items/{item.pk}/")
    form = page.get_by_test_id("loan-form")
    form.locator("select[name=purpose_kind]").select_option("meeting")
    form.locator("textarea[name=purpose]").fill("全省机关事务工作会议会场布置")
    form.locator("input[name=starts_on]").fill(str(timezone.localdate()))
    form.locator("input[name=due_on]").fill(str(timezone.localdate() + timedelta(days=7)))
    form.get_by_test_id("request-loan").click()
    expect(page).to_have_url(re.compile(r"/service/warehouse/loans/\d+/$"))
    expect(page.get_by_test_id("loan-state")).to_have_text("待审批")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    loan = Loan.objects.get()
    assert (loan.asset_id, loan.unit, loan.purpose_kind) == (item.pk, w.finance, "meeting")


def test_the_keeper_lends_against_a_drawn_signature(page, settings):
    settings.REQUIRE_ADMIN_2FA = False
    w = build_world()
    item = pooled(w, name="折叠会议桌", source_unit=w.education)
    loan = loans.request_loan(w.finance_admin, item.pk, purpose_kind="event", purpose="运动会赛事保障",
                              starts_on=timezone.localdate(), due_on=timezone.localdate() + timedelta(days=3))
    loans.approve_loan(w.bureau_admin, loan.pk)
    browser_sign_in(page, "wh_admin")
    page.goto(f"{page.base_url}/manage/warehouse/loans/{loan.pk}/")
    form = page.get_by_test_id("lend-form")
    form.locator("input[name=received_by_name]").fill("李建华")
    box = form.locator("canvas[data-signature-pad]").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 90, steps=8)
    page.mouse.move(box["x"] + 200, box["y"] + 30, steps=8)
    page.mouse.up()
    form.get_by_role("button", name="确认出借").click()
    expect(page.get_by_test_id("loan-state")).to_have_text("借用中")
    expect(page.get_by_test_id("signature")).to_be_visible()
    loan.refresh_from_db()
    assert loan.signature.startswith("data:image/png;base64,") and loan.received_by_name == "李建华"
