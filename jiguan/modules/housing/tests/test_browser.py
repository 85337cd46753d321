"""Browser journey on a phone: a staff member applies for a flat; after the unit and the bureau (set up
through the services) put the application on the waiting list, the staff member sees the position."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in
from jiguan.modules.housing.models import Application
from jiguan.modules.housing.services import applications as apps

from .world import build_world, spouse, waiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_staff_member_applies_on_a_phone_and_sees_the_position(phone_page):
    w = build_world()
    waiting(w, w.staff2, hardship_level=2)  # someone ahead on the list
    page = phone_page
    browser_sign_in(page, "staff")
    page.goto(f"{page.base_url}/service/applications/")
    page.get_by_role("link", name="申请周转住房").first.click()
    expect(page).to_have_url(re.compile(r"/service/housing/$"))
    page.get_by_test_id("apply").click()

    form = page.get_by_test_id("apply-form")
    form.locator("select[name=category]").select_option("transferred")
    form.locator("input[name=category_date]").fill(str(timezone.localdate() - timedelta(days=90)))
    form.locator("input[name=family_1_name]").fill("李某某")
    form.locator("select[name=family_1_relation]").select_option("spouse")
    form.locator("input[name=family_1_id_number]").fill(spouse()["id_number"])
    form.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("只有在本市无住房的人员可以申请")).to_be_visible()  # the declaration is required
    form.locator("input[name=no_home_declared]").check()
    form.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("status")).to_have_text("待单位确认")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    application = Application.objects.get(person=w.clerk)
    apps.confirm(w.fin_admin, application.pk)
    apps.approve(w.nc_admin, application.pk)

    page.reload()
    expect(page.get_by_test_id("position")).to_have_text("您当前排第 2 位")
    expect(page.get_by_test_id("ahead")).to_contain_text("您前面有 1 人")
    expect(page.get_by_test_id("why")).to_contain_text("随迁家庭成员")
    page.get_by_role("link", name="周转住房").first.click()
    expect(page.get_by_test_id("position")).to_have_text("您当前排第 2 位")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
