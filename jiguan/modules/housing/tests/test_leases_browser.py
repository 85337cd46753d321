"""Browser journey on a phone: a tenant whose lease the bureau has signed (through the services) finds
"我的租约" on the housing page, opens the lease with its terms, and the page fits the screen."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in

from .leasing import signed_lease
from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_the_tenant_sees_my_lease_on_a_phone(phone_page):
    w = build_world()
    lease = signed_lease(w)
    page = phone_page
    browser_sign_in(page, "staff")
    page.goto(f"{page.base_url}/service/housing/")
    page.get_by_test_id("my-lease").click()
    expect(page).to_have_url(re.compile(r"/service/housing/leases/$"))
    expect(page.get_by_role("heading", name="我的租约")).to_be_visible()
    page.get_by_test_id("my-leases").get_by_text(str(lease.flat)).click()
    expect(page.get_by_test_id("lease-status")).to_have_text("已签约，待入住")
    expect(page.get_by_test_id("lease-terms")).to_contain_text(lease.number)
    expect(page.get_by_test_id("lease-terms")).to_contain_text("856.25")
    expect(page.get_by_test_id("report-problem")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
