"""Browser journeys in headless Chromium: a city bureau administrator seats a person through the ledger and
opens a large ledger compound by compound; a staff member finds their office on a phone."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import browser_sign_in, make_person
from jiguan.modules.officespace.models import Occupancy

from . import test_views
from .test_views import make_room

# The screens' test data, shared with test_views.py.
ledger, people, _password_suffices = test_views.ledger, test_views.people, test_views._password_suffices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bureau_administrator_assigns_a_person_to_a_room_from_the_ledger(page, ledger, people):
    room = make_room(ledger["building"], "305", unit=ledger["finance"], area="12")
    newcomer = make_person(ledger["finance"], "赵六", rank="below_bureau")
    browser_sign_in(page, "nc_admin")

    page.goto(f"{page.base_url}/manage/")
    page.get_by_role("button", name="办公用房").or_(page.get_by_role("link", name="办公用房")).first.click()
    page.get_by_role("link", name="台账").click()
    expect(page).to_have_url(re.compile(r"/manage/officespace/ledger/"))
    expect(page.get_by_role("heading", name="办公用房台账")).to_be_visible()
    expect(page.locator("#chart-categories canvas")).to_have_count(1)  # ECharts, served locally
    expect(page.locator("#chart-per-capita canvas")).to_have_count(1)

    page.locator(".officespace-building > summary", has_text="南昌市行政中心1号楼").click()  # htmx loads its floors and rooms
    page.get_by_test_id("room-link").filter(has_text="305").click()
    expect(page.get_by_role("heading", name=re.compile("305"))).to_be_visible()

    form = page.get_by_test_id("assign-form")
    form.locator(".ts-control").click()
    form.locator(".ts-control input").fill("赵六")
    page.locator(".ts-dropdown .option", has_text="赵六").click()
    form.get_by_role("button", name="安排").click()

    expect(page.locator("#messages")).to_contain_text("已安排")
    expect(page.get_by_test_id("occupants")).to_contain_text("赵六")
    expect(page.get_by_test_id("entitlement")).to_have_text("9.00 ㎡")
    assert Occupancy.objects.filter(room=room, person=newcomer, end__isnull=True).exists()


def test_a_large_ledger_opens_compound_by_compound(page, ledger, people, monkeypatch):
    from jiguan.modules.officespace.views import ledger as ledger_views

    monkeypatch.setattr(ledger_views, "INLINE_BUILDINGS", 0)  # as for a province's thousand buildings
    browser_sign_in(page, "nc_admin")
    page.goto(f"{page.base_url}/manage/officespace/ledger/")
    expect(page.get_by_test_id("building-link")).to_have_count(0)
    page.locator(".officespace-compound > summary", has_text="南昌市行政中心1号楼院").click()  # htmx loads its buildings
    page.locator(".officespace-building > summary", has_text="南昌市行政中心1号楼").click()  # then its floors and rooms
    page.get_by_test_id("room-link").filter(has_text="302").click()
    expect(page.get_by_role("heading", name=re.compile("302"))).to_be_visible()


def test_staff_member_sees_their_office_on_a_phone(phone_page, ledger, people):
    page = phone_page
    browser_sign_in(page, "staff")
    page.goto(f"{page.base_url}/service/")
    page.get_by_role("link", name="我的办公室").first.click()
    expect(page).to_have_url(re.compile(r"/service/officespace/$"))
    expect(page.get_by_test_id("room-number")).to_have_text("301")
    expect(page.get_by_test_id("room-area")).to_have_text(f"{Decimal('30'):.2f} ㎡")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing wider than the phone
