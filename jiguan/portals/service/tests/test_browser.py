"""Browser journey on a phone (375×812): a staff member signs in, lands on the service home, and opens
the messages tab — with no horizontal scrolling anywhere on the way."""

import pytest
from django.core.cache import cache

from jiguan.core.models import Notification
from jiguan.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_staff_member_signs_in_on_a_phone_and_reads_messages(phone_page, world):
    cache.clear()  # the login rate limit counts per IP, and every test client is 127.0.0.1
    Notification.objects.create(recipient=world.staff, title="您的报修已受理", body="维修人员将于今天下午上门。")
    page = phone_page
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()

    page.wait_for_url(f"{page.base_url}/service/")
    assert "您好，张三" in page.get_by_test_id("greeting").inner_text()
    tabbar = page.locator(".service-tabbar")
    assert tabbar.is_visible()
    box = tabbar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(812, abs=1)  # fixed to the bottom of the screen
    assert [t.strip() for t in tabbar.locator("a").all_inner_texts()] == ["首页", "办事", "待办", "消息", "我的"]
    assert page.locator("#unread-badge").inner_text() == "1"
    assert_fits_the_phone(page)

    tabbar.get_by_text("消息").click()
    page.wait_for_url(f"{page.base_url}/service/inbox/")
    assert "您的报修已受理" in page.get_by_test_id("notification").inner_text()
    assert_fits_the_phone(page)

    page.get_by_test_id("mark-read").click()  # htmx: the message and the badge update in place
    page.locator("#unread-badge.d-none").wait_for(state="attached")
    assert page.get_by_test_id("mark-read").count() == 0
    assert page.url == f"{page.base_url}/service/inbox/"
    assert_fits_the_phone(page)


def test_the_installed_app_shows_the_offline_page_without_a_network(phone_page, world):
    cache.clear()
    page = phone_page
    page.goto(f"{page.base_url}/accounts/login/?next=/service/")
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{page.base_url}/service/")
    scope = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")
    assert scope == f"{page.base_url}/service/"

    page.context.set_offline(True)
    page.goto(f"{page.base_url}/service/inbox/")
    assert "网络连接不可用" in page.locator(".empty-title").inner_text()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"  # styles cached
    page.context.set_offline(False)
