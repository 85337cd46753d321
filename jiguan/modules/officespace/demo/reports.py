"""Demo statistics reports: last year's reports of 南昌市 — each county's accepted by the city (one of them
returned once and resubmitted), the city's own submitted to the province — and this year's drafts of the
city and the province. Everything goes through ``services.reports`` acting as the demo bureaus' accounts;
each county bureau gets an account of its own (``bureau<code>``) to prepare its report.

A few rooms of the agencies whose work needs technical or business space (信访, 档案, 公安 …) get the
sub-type that marks them as such, so that 表3 has something to show.
"""

from __future__ import annotations

import random

from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.accounts import DEMO_PASSWORD
from jiguan.core.models import Account, OrgUnit, Person, Region, Role, RoleAssignment
from jiguan.core.models.org import PersonStatus, UnitKind

from ..models import Room, RoomCategory
from ..services import reports

CITY, PROVINCE = "360100", "360000"
# (words in the agency's name, the sub-type one of its service rooms is given)
TECHNICAL_ROOMS = (
    ("信访", "信访接待室"), ("档案", "档案库房"), ("公安", "指挥中心"), ("应急管理", "应急指挥中心"),
    ("市场监督", "检验检测室"), ("法院", "审判庭"), ("检察院", "办案区询问室"), ("大数据", "数据中心机房"),
)
PROJECTS = (
    ("{r}行政中心{n}号楼维修改造工程", "major_repair", (2000, 9000), (150, 900), "completed"),
    ("{r}机关办公楼屋面防水及外立面大修", "major_repair", (1500, 6000), (80, 400), "under_way"),
    ("{r}档案库房购置项目", "purchase", (800, 2500), (600, 2200), "completed"),
    ("{r}政务服务中心改扩建工程", "extension", (3000, 12000), (1200, 5800), "under_way"),
    ("{r}应急指挥中心新建工程", "new", (2500, 8000), (2000, 7500), "not_started"),
)
RETURN_REASON = "闲置房间数与年中清查盘点结果不一致，请核实闲置面积后重新上报。"


def seed_demo(scale: str, rng: random.Random) -> str:
    """Reports of 南昌市 and its counties for last year, and this year's drafts (after the ledger's seed)."""
    year = timezone.localdate().year
    retyped = _technical_rooms()
    city_admin = Account.objects.get(username="nc_admin")
    province_admin = Account.objects.get(username="jx_admin")
    counties = [(region, _county_account(region)) for region in reports.lower_regions(Region.objects.get(code=CITY))]
    counties = [(region, account) for region, account in counties if account is not None]
    for position, (region, account) in enumerate(counties):
        report = _prepared(account, region.code, year - 1, rng)
        reports.submit_report(account, report.pk)
        if position == 1:  # one county learns how a return works
            reports.return_report(city_admin, report.pk, RETURN_REASON)
            reports.compute_report(account, report.pk)
            reports.submit_report(account, report.pk)
        reports.accept_report(city_admin, report.pk)
    city = _prepared(city_admin, CITY, year - 1, rng)
    reports.submit_report(city_admin, city.pk)
    _prepared(city_admin, CITY, year, rng)
    reports.start_report(province_admin, region_code=PROVINCE, year=year)
    return (f"统计报告 statistics reports: {year - 1} 年度南昌市 {len(counties)} 个县区已接收、市本级已上报，"
            f"{year} 年度市、省草稿；{retyped} 间技术业务用房")


def _prepared(account: Account, region_code: str, year: int, rng: random.Random):
    report = reports.start_report(account, region_code=region_code, year=year)
    name = report.region.name
    for template, kind, areas, money, status in rng.sample(PROJECTS, rng.randint(0, 2)):
        reports.add_project(account, report.pk, name=template.format(r=name, n=rng.randint(1, 5)), kind=kind,
                            approved_area=rng.randrange(*areas, 100), investment=round(rng.uniform(*money), 2),
                            status=status)
    return report


def _county_account(region: Region) -> Account | None:
    """The county bureau's report clerk: a demo account anchored at its 机关事务服务中心."""
    bureau = reports.bureau_unit(region)
    person = (Person.objects.filter(unit=bureau, account__isnull=True, status=PersonStatus.ACTIVE,
                                    rank__is_leader=False).order_by("pk").first() if bureau else None)
    if person is None:
        return None
    account = Account.objects.create_user(f"bureau{region.code}", DEMO_PASSWORD, person=person, unit=bureau,
                                          display_name=person.name, must_change_password=False)
    RoleAssignment.objects.create(account=account, role=Role.objects.get(code="region_bureau_admin"), unit=bureau)
    return account


def _technical_rooms() -> int:
    """Give one service room of each agency whose work needs it the sub-type of a technical room."""
    chosen = []
    for words, subtype in TECHNICAL_ROOMS:
        agencies = OrgUnit.objects.filter(kind=UnitKind.UNIT, name__contains=words).values("pk")
        rooms = list(Room.objects.filter(unit__in=agencies, category=RoomCategory.SERVICE, retired=False)
                     .exclude(subtype="卫生间").order_by("unit_id", "pk").values_list("unit_id", "pk"))
        first_per_unit = dict(reversed(rooms))  # the unit's first room
        chosen += [(pk, subtype) for pk in first_per_unit.values()]
    rooms = Room.objects.in_bulk([pk for pk, _subtype in chosen])
    for pk, subtype in chosen:
        rooms[pk].subtype = subtype
    Room.objects.bulk_update(rooms.values(), ["subtype"], batch_size=1000)
    if rooms:
        log_bulk(Room, f"演示数据:技术业务用房 {len(rooms)} 间", len(rooms))
    return len(rooms)
