"""Demo staff housing in 南昌: the province bureau's 省直 estates in 红谷滩区, 东湖区 and 青山湖区 and one
estate of the 南昌 city bureau, with buildings, about a hundred flats at demo scale (furnished, metered, in
every state), then applications, the waiting lists and offers made through the services (``demo/applications.py``).

The stock is planned in memory and written with ``bulk_create`` (bulk writes skip the change-log signals,
so each table is recorded with ``log_bulk``). The flats seeded occupied then get their tenancies, bills and
payments (``demo/leases.py``).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.accounts import NANCHANG_BUREAU, PROVINCE_BUREAU
from jiguan.core.demo.org import ProgressFactory
from jiguan.core.models import OrgUnit

from ..models import Estate, Flat, FlatState, HousingBuilding, Meter, MeterKind, RentBasis
from . import applications, leases

# (name, managing bureau, GB/T 2260 county code, address, rent basis, rent, market rent per ㎡)
ESTATES = (
    ("省直机关红谷滩周转公寓", PROVINCE_BUREAU, "360113", "南昌市红谷滩区丰和中大道1288号", RentBasis.PER_SQUARE_METRE, "11.50", "38"),
    ("省直机关豫章路周转小区", PROVINCE_BUREAU, "360102", "南昌市东湖区豫章路166号", RentBasis.PER_SQUARE_METRE, "10.00", "34"),
    ("省直机关湖滨东路周转公寓", PROVINCE_BUREAU, "360111", "南昌市青山湖区湖滨东路88号", RentBasis.PER_FLAT, "900", "30"),
    ("南昌市直机关青山湖周转公寓", NANCHANG_BUREAU, "360111", "南昌市青山湖区北京东路398号", RentBasis.PER_SQUARE_METRE, "9.50", "30"),
)
BUILDINGS = {"demo": (1, 1), "province": (3, 4)}  # buildings per estate (the demo organisation is small)
FLOORS = (6, 11)
FLATS_PER_FLOOR = (2, 4)
LAYOUTS = (("一室一厅", 1, (42, 55)), ("两室一厅", 2, (60, 78)), ("两室两厅", 2, (75, 90)), ("三室一厅", 3, (88, 110)))
FURNISHINGS = (("床", 1), ("衣柜", 1), ("书桌", 1), ("椅子", 2), ("空调", 1), ("热水器", 1), ("冰箱", 1),
               ("洗衣机", 1), ("餐桌", 1), ("沙发", 1))
# The share of flats in each state besides those the offers reserve.
STATES = ((FlatState.OCCUPIED, 0.72), (FlatState.VACANT, 0.2), (FlatState.MAINTENANCE, 0.05), (FlatState.RETIRED, 0.03))
METER_PREFIX = {MeterKind.WATER: "SB", MeterKind.ELECTRICITY: "DB", MeterKind.GAS: "RQ"}


def seed_demo(scale: str, rng: random.Random, progress: ProgressFactory) -> str:
    """The housing stock, then the applications, lists and offers (called by the kernel's seed)."""
    bureaus = {unit.name: unit for unit in OrgUnit.objects.filter(name__in=(PROVINCE_BUREAU, NANCHANG_BUREAU))
               .select_related("region")}
    if len(bureaus) < 2:
        return "周转住房 staff housing: 演示机关事务管理局不存在，未生成"
    bar = progress("周转住房 staff housing", len(ESTATES))
    flats = []
    for row in ESTATES:
        flats += _estate(row, bureaus, scale, rng)
        bar.advance()
    bar.finish()
    Flat.objects.bulk_create(flats, batch_size=500)
    meters = Meter.objects.bulk_create(_meters(flats, rng), batch_size=1000)
    log_bulk(Flat, f"演示数据:周转住房 {len(flats)} 套", len(flats))
    log_bulk(Meter, f"演示数据:水电气表 {len(meters)} 块", len(meters))
    stock = f"周转住房 staff housing: {len(ESTATES)} 个小区 estates, {len(flats)} 套住房 flats, {len(meters)} 块表 meters"
    return "\n  ".join((stock, applications.seed_demo(scale, rng), leases.seed_demo(scale, rng)))


def _estate(row, bureaus: dict, scale: str, rng: random.Random) -> list[Flat]:
    name, bureau, region, address, basis, rent, market = row
    rent_field = "rent_per_sqm" if basis == RentBasis.PER_SQUARE_METRE else "rent_per_flat"
    estate = Estate.objects.create(unit=bureaus[bureau], name=name, region_id=region, address=address,
                                   rent_basis=basis, market_rent_per_sqm=Decimal(market), **{rent_field: Decimal(rent)})
    flats = []
    for number in range(1, rng.randint(*BUILDINGS.get(scale, BUILDINGS["demo"])) + 1):
        building = HousingBuilding.objects.create(estate=estate, unit=estate.unit, name=f"{number}栋",
                                                  floors=rng.randint(*FLOORS))
        per_floor = rng.randint(*FLATS_PER_FLOOR)
        flats += [_flat(building, floor, door, rng) for floor in range(1, building.floors + 1)
                  for door in range(1, per_floor + 1)]
    return flats


def _flat(building: HousingBuilding, floor: int, door: int, rng: random.Random) -> Flat:
    layout, bedrooms, (low, high) = rng.choice(LAYOUTS)
    state = rng.choices([s for s, _w in STATES], weights=[w for _s, w in STATES])[0]
    vacant_since = timezone.localdate() - timedelta(days=rng.randint(3, 240)) if state == FlatState.VACANT else None
    items = rng.sample(FURNISHINGS, rng.randint(5, len(FURNISHINGS)))
    return Flat(building=building, unit=building.unit, org_path=building.org_path, unit_no=f"{floor}{door:02d}",
                floor=floor, layout=layout, bedrooms=bedrooms,
                floor_area=Decimal(rng.randint(low * 10, high * 10)) / 10, state=state, vacant_since=vacant_since,
                furnishings=[{"item": item, "count": count + (item == "空调" and bedrooms > 1)} for item, count in items])


def _meters(flats: list[Flat], rng: random.Random) -> list[Meter]:
    today = timezone.localdate()
    return [Meter(flat=flat, unit=flat.unit, org_path=flat.org_path, kind=kind, read_on=today - timedelta(days=rng.randint(1, 30)),
                  number=f"{METER_PREFIX[kind]}{flat.building.estate_id:02d}{flat.pk:06d}",
                  last_reading=Decimal(rng.randint(100, 90000)) / 10)
            for flat in flats for kind in MeterKind if kind != MeterKind.GAS or flat.bedrooms > 1 or rng.random() < 0.5]
