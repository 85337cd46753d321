"""Demo office space: every region's 行政中心 managed by its bureau, own premises for subordinate units,
buildings, floors and rooms sized by the occupants' ranks, occupancies, idle and over-standard rooms,
a few recoveries and one room used against the rules.

Planned per region in memory, then written with ``bulk_create`` (rows get their org path from the unit
they belong to; bulk writes skip the change-log signals, so each table is recorded with ``log_bulk``).
The handful of recoveries and the violation go through the module's services, as in real use.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.org import ProgressFactory
from jiguan.core.models import Account, OrgUnit, Person, Region
from jiguan.core.models.org import PersonStatus, UnitKind
from jiguan.core.services.inputs import add_months

from .. import services
from ..models import (
    AreaStandard,
    Building,
    Compound,
    Floor,
    Occupancy,
    Recovery,
    Room,
    RoomCategory,
    RoomState,
    Structure,
)
from . import applications, campaigns, repairs, reports

BATCH = 1000
OVER_STANDARD_SHARE = 0.10  # of occupied offices
IDLE_SHARE = 0.12  # idle offices added per agency, against its own rooms (≈ 8 % of all rooms)
REPAIR_SHARE = 0.01  # of an agency's service rooms
UNSEATED_SHARE = 0.03  # people in post without an office recorded yet (newcomers): their desk stays free
FLOOR_ROOMS = (14, 28)  # an agency's rooms on one floor of an administrative centre building
FLOORS = (4, 22)
VIOLATION_REPORTER = "nc_admin"  # a demo account of the kernel's seed: 南昌市机关事务管理局

# Each city's district of its 行政中心 and roads there; the province's centre is in 南昌.
CITY_ADDRESSES = {
    "360100": ("红谷滩区", ("卫东大道", "红谷中大道", "赣江中大道", "丰和中大道")),
    "360200": ("珠山区", ("新厂西路", "瓷都大道", "昌江大道")),
    "360300": ("安源区", ("跃进北路", "公园路", "楚萍路")),
    "360400": ("濂溪区", ("长虹大道", "九龙街", "庐山南路")),
    "360500": ("渝水区", ("抱石大道", "北湖西路", "仙来西大道")),
    "360600": ("月湖区", ("胜利西路", "林荫西路", "梅园大道")),
    "360700": ("章贡区", ("长征大道", "赣江源大道", "红旗大道")),
    "360800": ("吉州区", ("吉州大道", "井冈山大道", "阳明西路")),
    "360900": ("袁州区", ("宜阳大道", "明月北路", "中山西路")),
    "361000": ("临川区", ("赣东大道", "迎宾大道", "玉茗大道")),
    "361100": ("信州区", ("三清山大道", "凤凰大道", "志敏大道")),
}
COUNTY_ROADS = ("人民路", "政府大道", "行政中心大道", "解放路", "新城大道", "建设路", "府前路")
PROVINCE_CENTRE = ("江西省行政中心", "南昌市红谷滩区卫东大道69号")

AGENCY_SERVICE_ROOMS = ("接待室", "档案室", "文印室", "值班室", "保密室", "党员活动室")
DEPARTMENT_ROOMS = ("资料室", "储藏室")
STAFF_PER_MEETING_ROOM = 12
FLOOR_ROOMS_FIXED = ((RoomCategory.SERVICE, "卫生间", 18), (RoomCategory.SERVICE, "卫生间", 18),
                     (RoomCategory.SERVICE, "茶水间", 8), (RoomCategory.SERVICE, "保洁间", 5),
                     (RoomCategory.EQUIPMENT, "强电间", 6), (RoomCategory.EQUIPMENT, "弱电间", 6))
BUILDING_EQUIPMENT = (("配电室", 60), ("水泵房", 40), ("空调机房", 80), ("电梯机房", 30), ("消防控制室", 30))


@dataclass
class PlannedRoom:
    unit: OrgUnit
    category: str
    subtype: str
    area: float
    desks: int = 1
    occupants: list[int] = field(default_factory=list)  # person ids
    state: str = RoomState.IN_USE
    idle_since: date | None = None


@dataclass
class PlannedBuilding:
    name: str
    unit: OrgUnit
    floors: list[list[PlannedRoom]] = field(default_factory=list)  # floors[0] is 1F
    basement: list[PlannedRoom] = field(default_factory=list)


@dataclass
class PlannedCompound:
    name: str
    unit: OrgUnit
    region: Region
    address: str
    buildings: list[PlannedBuilding] = field(default_factory=list)


@dataclass
class Totals:
    compounds: int = 0
    buildings: int = 0
    rooms: int = 0
    occupancies: int = 0


def seed_demo(scale: str, rng: random.Random, progress: ProgressFactory) -> str:
    """Office space for every demo agency (called by the kernel's seed, inside its transaction)."""
    planner = RoomPlanner(rng, _limits_by_rank())
    today = timezone.localdate()
    regions = sorted({a.region for a in _agencies()}, key=lambda r: r.code)
    bar = progress("办公用房 office space", Person.objects.filter(status=PersonStatus.ACTIVE).count())
    totals = Totals()
    for region in regions:
        compounds = planner.plan_region(region, _agencies().filter(region=region), _staff_of(region))
        _write(compounds, rng, today, totals)
        bar.advance(sum(len(r.occupants) for c in compounds for b in c.buildings for r in _rooms_of(b)))
    bar.finish()
    for model, what, count in ((Compound, "院落", totals.compounds), (Building, "楼栋", totals.buildings),
                               (Room, "房间", totals.rooms), (Occupancy, "使用人", totals.occupancies)):
        log_bulk(model, f"演示数据:办公用房{what} {count} 条", count)
    recoveries = _add_recoveries(rng, today)
    _add_violation()
    ledger = (f"办公用房 office space: {totals.compounds} 个院落 compounds, {totals.buildings} 栋楼 buildings, "
              f"{totals.rooms} 间房 rooms, {totals.occupancies} 人在用 occupants, {recoveries} 项腾退 recoveries")
    # The workflows run on the ledger just written: applications, repairs, the inventory, the report.
    workflows = [seed(scale, rng) for seed in (applications.seed_demo, repairs.seed_demo, campaigns.seed_demo,
                                               reports.seed_demo)]
    return "\n  ".join((ledger, *workflows))


def _limits_by_rank() -> dict[int, float]:
    return {rank_id: float(area) for rank_id, area in
            AreaStandard.objects.filter(region__isnull=True).values_list("rank_id", "area")}


def _agencies():
    return OrgUnit.objects.filter(kind=UnitKind.UNIT).select_related("region", "parent").order_by("org_path")


def _staff_of(region: Region) -> dict[int, list[dict]]:
    """People in post of the region's agencies, by agency, most senior first."""
    staff = defaultdict(list)
    people = (Person.objects.filter(unit__region=region, status=PersonStatus.ACTIVE)
              .values("id", "unit_id", "department_id", "rank_id", "rank__is_leader", "rank__order")
              .order_by("unit_id", "rank__order", "id"))
    for person in people:
        staff[person["unit_id"]].append(person)
    return staff


def _rooms_of(building: PlannedBuilding):
    for floor in [building.basement, *building.floors]:
        yield from floor


class RoomPlanner:
    """Turns a region's agencies and staff into compounds, buildings and rooms."""

    def __init__(self, rng: random.Random, limits: dict[int, float]):
        self.rng, self.limits = rng, limits

    def plan_region(self, region: Region, agencies, staff: dict[int, list[dict]]) -> list[PlannedCompound]:
        agencies = list(agencies)
        bureau = next((a for a in agencies if a.is_bureau), agencies[0])
        name, address = self._centre_name_and_address(region)
        centre = PlannedCompound(name, bureau, region, address)
        compounds = [centre]
        in_centre = []
        for agency in agencies:
            rooms = self.agency_rooms(agency, staff.get(agency.pk, []))
            if agency.parent_id is None:
                in_centre.append(rooms)
                continue
            own = PlannedCompound(f"{agency.name}办公区", agency, region, self._address(region))
            own.buildings = self._fill_buildings([rooms], agency, numbered=False)
            compounds.append(own)
        centre.buildings = self._fill_buildings(in_centre, bureau, numbered=True)
        return compounds

    # --- rooms of one agency ----------------------------------------------------------------------

    def agency_rooms(self, agency: OrgUnit, people: list[dict]) -> list[PlannedRoom]:
        rooms = self._offices(agency, people)
        meeting_rooms = 1 + len(people) // STAFF_PER_MEETING_ROOM + self.rng.randint(0, 1)
        rooms += [self._service(agency, "会议室", self.rng.uniform(30, 120)) for _ in range(meeting_rooms)]
        rooms += [self._service(agency, name, self.rng.uniform(12, 40)) for name in AGENCY_SERVICE_ROOMS]
        departments = {p["department_id"] for p in people if p["department_id"]}
        rooms += [self._service(agency, name, self.rng.uniform(8, 20)) for _ in departments for name in DEPARTMENT_ROOMS]
        rooms += [self._idle_office(agency) for _ in range(round(len(rooms) * IDLE_SHARE * self.rng.uniform(0.7, 1.3)))]
        self.rng.shuffle(rooms)  # offices, meeting rooms and idle rooms spread over the floors
        return rooms

    def _offices(self, agency: OrgUnit, people: list[dict]) -> list[PlannedRoom]:
        """Leaders and staff whose standard is above the minimum sit alone; junior staff share 2–4 to a
        room, colleagues of one department together."""
        junior_limit = min(self.limits.values(), default=9.0)
        offices, juniors = [], defaultdict(list)
        for person in people:
            if person["rank__is_leader"] or self._limit(person) > junior_limit:
                offices.append([person])
            else:
                juniors[person["department_id"]].append(person)
        for group in juniors.values():
            while group:
                size = self.rng.randint(2, 4)
                offices.append(group[:size])
                del group[:size]
        return [self._office(agency, sharing) for sharing in offices]

    def _office(self, agency: OrgUnit, people: list[dict]) -> PlannedRoom:
        entitlement = sum(self._limit(p) for p in people)
        over = self.rng.random() < OVER_STANDARD_SHARE
        factor = self.rng.uniform(1.12, 1.7) if over else self.rng.uniform(0.72, 0.99)
        return PlannedRoom(agency, RoomCategory.OFFICE, "", entitlement * factor, desks=len(people),
                           occupants=[p["id"] for p in people])

    def _limit(self, person: dict) -> float:
        return self.limits.get(person["rank_id"], 9.0)

    def _idle_office(self, agency: OrgUnit) -> PlannedRoom:
        since = timezone.localdate() - timedelta(days=self.rng.randint(20, 900))
        return PlannedRoom(agency, RoomCategory.OFFICE, "", self.rng.uniform(10, 28), desks=self.rng.randint(1, 2),
                           state=RoomState.IDLE, idle_since=since)

    def _service(self, unit: OrgUnit, subtype: str, area: float) -> PlannedRoom:
        state = RoomState.REPAIR if self.rng.random() < REPAIR_SHARE else RoomState.IN_USE
        return PlannedRoom(unit, RoomCategory.SERVICE, subtype, area, state=state)

    # --- buildings ----------------------------------------------------------------------------------

    def _fill_buildings(self, agencies_rooms: list[list[PlannedRoom]], ledger_unit: OrgUnit, *,
                        numbered: bool) -> list[PlannedBuilding]:
        """Lay the agencies' rooms out floor by floor, opening a new building when one is full; every
        floor gets its toilets and electrical rooms, every building its plant rooms and gatehouse."""
        queue = [room for rooms in agencies_rooms for room in rooms]
        buildings: list[PlannedBuilding] = []
        while queue or not buildings:
            number = len(buildings) + 1
            name = f"{number}号办公楼" if numbered or number > 1 else "办公楼"  # a unit's own premises: 办公楼, 2号办公楼…
            building = PlannedBuilding(name, ledger_unit)
            per_floor, height = self.rng.randint(*FLOOR_ROOMS), self.rng.randint(*FLOORS)
            while queue and len(building.floors) < height:
                building.floors.append(queue[:per_floor])
                del queue[:per_floor]
            while len(building.floors) < FLOORS[0]:
                building.floors.append([])
            for floor in building.floors:
                floor += [PlannedRoom(ledger_unit, category, subtype, self.rng.uniform(area * 0.7, area * 1.3))
                          for category, subtype, area in FLOOR_ROOMS_FIXED]
            self._plant_rooms(building, ledger_unit, canteen=number == 1)
            buildings.append(building)
        return buildings

    def _plant_rooms(self, building: PlannedBuilding, unit: OrgUnit, canteen: bool) -> None:
        equipment = [PlannedRoom(unit, RoomCategory.EQUIPMENT, subtype, self.rng.uniform(area * 0.8, area * 1.2))
                     for subtype, area in BUILDING_EQUIPMENT]
        ancillary = [PlannedRoom(unit, RoomCategory.ANCILLARY, "门卫室", self.rng.uniform(10, 20))]
        if canteen:
            ancillary.append(PlannedRoom(unit, RoomCategory.ANCILLARY, "食堂", self.rng.uniform(200, 600)))
        if self.rng.random() < 0.6:  # a basement: the plant rooms, the garage and the civil-defence shelter
            building.basement = equipment + [
                PlannedRoom(unit, RoomCategory.ANCILLARY, "地下车库", self.rng.uniform(800, 3000)),
                PlannedRoom(unit, RoomCategory.ANCILLARY, "人防工程", self.rng.uniform(300, 1200)),
            ]
            building.floors[0] += ancillary
        else:
            building.floors[0] += equipment + ancillary

    # --- names and addresses --------------------------------------------------------------------------

    def _centre_name_and_address(self, region: Region) -> tuple[str, str]:
        if region.level == "province":
            return PROVINCE_CENTRE
        return f"{region.name}行政中心", self._address(region)

    def _address(self, region: Region) -> str:
        number = self.rng.randint(1, 1999)
        if region.level == "county":
            city = region.parent.name if region.parent else ""
            return f"{city}{region.name}{self.rng.choice(COUNTY_ROADS)}{number}号"
        city_code = region.code if region.level == "city" else "360100"
        district, roads = CITY_ADDRESSES.get(city_code, ("", COUNTY_ROADS))
        city = region.name if region.level == "city" else "南昌市"
        return f"{city}{district}{self.rng.choice(roads)}{number}号"


# --- writing ----------------------------------------------------------------------------------------


def _write(compounds: list[PlannedCompound], rng: random.Random, today: date, totals: Totals) -> None:
    compound_rows = [Compound(unit=c.unit, org_path=c.unit.org_path, name=c.name, region=c.region, address=c.address,
                              land_area=Decimal(rng.randint(3000, 60000))) for c in compounds]
    Compound.objects.bulk_create(compound_rows, batch_size=BATCH)
    planned_buildings = [(b, row) for c, row in zip(compounds, compound_rows, strict=True) for b in c.buildings]
    building_rows = [_building_row(b, compound, rng) for b, compound in planned_buildings]
    Building.objects.bulk_create(building_rows, batch_size=BATCH)
    floor_rows, room_rows, planned_rooms = [], [], []
    for (planned, _compound), building in zip(planned_buildings, building_rows, strict=True):
        levels = ([(-1, planned.basement)] if planned.basement else []) + list(enumerate(planned.floors, start=1))
        for number, rooms in levels:
            floor = Floor(unit=building.unit, org_path=building.org_path, building=building, number=number)
            floor_rows.append(floor)
            for seq, room in enumerate(rooms, start=1):
                room_rows.append(_room_row(room, floor, number, seq))
                planned_rooms.append(room)
    Floor.objects.bulk_create(floor_rows, batch_size=BATCH)  # rooms pick up their floor's new pk
    Room.objects.bulk_create(room_rows, batch_size=BATCH)
    occupancies = [
        Occupancy(room=row, person_id=person, org_path=row.org_path, start=today - timedelta(days=rng.randint(30, 3000)))
        for planned, row in zip(planned_rooms, room_rows, strict=True) for person in planned.occupants
        if rng.random() >= UNSEATED_SHARE
    ]
    Occupancy.objects.bulk_create(occupancies, batch_size=BATCH)
    totals.compounds += len(compound_rows)
    totals.buildings += len(building_rows)
    totals.rooms += len(room_rows)
    totals.occupancies += len(occupancies)


def _building_row(planned: PlannedBuilding, compound: Compound, rng: random.Random) -> Building:
    year = rng.randint(1985, 2020)
    usable = sum(room.area for room in _rooms_of(planned))
    return Building(
        unit=planned.unit, org_path=planned.unit.org_path, compound=compound, name=planned.name,
        address=compound.address, year_built=year, floors_above=len(planned.floors),
        floors_below=1 if planned.basement else 0, gross_area=_area(usable / rng.uniform(0.6, 0.7)),
        structure=Structure.MASONRY if year < 1995 and len(planned.floors) <= 6 else Structure.FRAME,
    )


def _room_row(room: PlannedRoom, floor: Floor, number: int, seq: int) -> Room:
    label = f"B{-number}" if number < 0 else str(number)
    usable = _area(room.area)
    return Room(
        unit=room.unit, org_path=room.unit.org_path, floor=floor, building=floor.building,
        number=f"{label}{seq:02d}", category=room.category, subtype=room.subtype, usable_area=usable,
        gross_area=_area(room.area * 1.25), desks=room.desks, state=room.state, idle_since=room.idle_since,
    )


def _area(value: float) -> Decimal:
    return Decimal(str(round(max(value, 1.0), 1)))


# --- the few records that go through the services ------------------------------------------------


def _add_recoveries(rng: random.Random, today: date) -> int:
    """In the province and each city, someone transferred or retired whose office is still to be taken
    back (the Person hook opens the recovery); in about half of them it is already overdue, flagged by
    the periodic job's own function, which raises the event to the unit."""
    departed = []
    for region in Region.objects.filter(level__in=("province", "city")).order_by("code"):
        seats = list(Occupancy.objects.filter(end__isnull=True, room__unit__region=region, concurrent_post=False,
                                              person__rank__is_leader=False).order_by("pk")[:200])
        chosen = rng.sample(seats, min(2, len(seats)))
        departed += [(seat, index == 1 and rng.random() < 0.5) for index, seat in enumerate(chosen)]
    for seat, late in departed:
        person = seat.person
        person.status = rng.choice((PersonStatus.TRANSFERRED, PersonStatus.RETIRED))
        person.save(update_fields=["status"])
        if late:  # left two or three months ago
            opened = today - timedelta(days=rng.randint(40, 90))
            Recovery.objects.filter(occupancy=seat).update(opened_on=opened, due_on=add_months(opened, 1))
    late_count = sum(late for _seat, late in departed)
    log_bulk(Recovery, f"演示数据:{late_count} 项腾退的开始日期提前", late_count)
    services.flag_overdue_recoveries()
    return len(departed)


def _add_violation() -> None:
    """One idle office in 南昌 found rented out, recorded by the city bureau's demo administrator."""
    room = Room.objects.filter(state=RoomState.IDLE, unit__region_id="360100").order_by("pk").first()
    administrator = Account.objects.filter(username=VIOLATION_REPORTER).first()
    if room is None or administrator is None:
        return
    services.set_room_state(administrator, room.pk, RoomState.RENTED,
                            comment="清查盘点发现该房间出租给社会企业作经营场所。")
