"""The statistics-report demo seeder on a small world: 南昌市 with a bureau in each of its counties, the
province above; last year's reports accepted and submitted level by level, this year's drafts."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.core.models import Account, Region
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.modules.officespace.demo.reports import seed_demo
from jiguan.modules.officespace.models import Building, Compound, Floor, Room, StatisticsReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    make_account("jx_admin", roles=("region_bureau_admin",), unit=make_unit("360000", "江西省机关事务管理局",
                                                                             is_bureau=True))
    make_account("nc_admin", roles=("region_bureau_admin",), unit=make_unit("360100", "南昌市机关事务管理局",
                                                                             is_bureau=True))
    for county in Region.objects.filter(parent_id="360100"):
        bureau = make_unit(county.code, f"{county.name}机关事务服务中心", is_bureau=True)
        make_person(bureau, f"{county.name}科员", rank="below_section")
    petition = make_unit("360100", "南昌市信访局")
    compound = Compound.objects.create(unit=petition, name="信访局大院", region_id="360100", address="南昌市1号")
    building = Building.objects.create(compound=compound, unit=petition, name="信访局办公楼", year_built=2008,
                                       floors_above=2, gross_area=Decimal("1200"))
    floor = Floor.objects.create(building=building, unit=petition, number=1)
    Room.objects.create(floor=floor, unit=petition, number="101", category="service", subtype="接待室",
                        usable_area=Decimal("36"), idle_since=date(2025, 1, 1))


def test_the_seeder_leaves_reports_at_each_stage(world):
    summary = seed_demo("demo", random.Random(7))
    year = timezone.localdate().year
    last = StatisticsReport.objects.filter(year=year - 1)
    counties = last.filter(region__parent_id="360100")
    assert counties.count() == 9 and set(counties.values_list("state", flat=True)) == {"accepted"}
    assert last.get(region_id="360100").state == "submitted"
    returned_once = [r for r in counties if any(e.action == "return" for e in timeline(r))]
    assert len(returned_once) == 1
    city = last.get(region_id="360100")
    assert [row["name"] for row in city.tables["tables"]["t1"]["rows"]][1:] == list(
        Region.objects.filter(parent_id="360100").order_by("code").values_list("name", flat=True))
    assert set(StatisticsReport.objects.filter(year=year).values_list("region_id", "state")) == {
        ("360100", "draft"), ("360000", "draft")}
    assert Account.objects.filter(username="bureau360102").exists()
    assert Room.objects.get(number="101").subtype == "信访接待室"
    assert city.tables["tables"]["t3"]["total"]["petition_count"] == 1
    assert "统计报告" in summary
