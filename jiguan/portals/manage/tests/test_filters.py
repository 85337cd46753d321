"""The region filter of the lists offers the regions of the units the user reaches, and no other."""

import re

import pytest
from django.urls import reverse

from jiguan.core.testing import make_unit

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture
def districts(org):
    return {"donghu": make_unit("360102", "南昌市东湖区财政局"), "xunyang": make_unit("360403", "九江市浔阳区财政局")}


def region_options(html: str) -> set[str]:
    select = re.search(r'<select name="region".*?</select>', html, re.S)
    return set(re.findall(r'<option value="(\d+)"', select.group(0))) if select else set()


def test_a_city_bureau_is_offered_its_city_and_districts_only(login, districts):
    html = login("nc_admin").get(reverse("manage:units"), headers=ZH).content.decode()
    assert region_options(html) == {"3601", "360102"}


def test_a_region_outside_the_scope_is_not_accepted_as_a_filter(login, districts):
    response = login("nc_admin").get(reverse("manage:units"), {"region": "3604"}, headers=ZH)
    names = [unit.name for unit in response.context["listing"].page.object_list]
    assert "南昌市东湖区财政局" in names and "南昌市财政局" in names  # the bad value narrowed nothing
    assert not any(name.startswith("九江") for name in names)


def test_a_unit_administrator_has_no_region_to_choose(login, districts):
    html = login("unit_admin").get(reverse("manage:units"), headers=ZH).content.decode()
    assert '<select name="region"' not in html
    assert 'type="hidden" name="region"' in html  # a link carrying ?region= still works


def test_an_administrator_of_everything_is_offered_every_region(login, districts):
    html = login("sysadmin").get(reverse("manage:units"), headers=ZH).content.decode()
    assert {"36", "3601", "360102", "3604", "360403"} <= region_options(html)
