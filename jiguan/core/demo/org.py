"""The organisation of the demo: agencies of every Jiangxi region, their departments and their staff,
planned in memory first, then written with ``bulk_create`` level by level.

An org path names the row's own pk (``36/12/d45/``), so rows go in under a placeholder path and get
their real path in one ``bulk_update`` per level, parents before children. Bulk writes skip the
change-log signals: each table and level is recorded with one ``audit.log_bulk`` row instead.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..audit import log_bulk
from ..crypto import blind_index
from ..identifiers import credit_code
from ..models import OrgUnit, Person, Rank, Region
from ..models.org import Gender, UnitCategory, UnitKind
from .catalogue import BODIES_BY_LEVEL, DIVISION_WORD, Body, departments_of
from .people import StaffMaker
from .progress import ProgressBar

BATCH = 1000
ProgressFactory = Callable[[str, int], ProgressBar]

# GB 32100 "机构类别" under the 机构编制 registration authority: 1 机关, 2 事业单位, 3 群众团体.
CREDIT_CODE_KIND = {UnitCategory.INSTITUTION: "2", UnitCategory.MASS_ORGANISATION: "3"}
# The bureau runs the platform's services for every agency of its region, so it is larger than most
# (and the demo's administrator accounts need staff members there).
BUREAU_SIZE = 2


@dataclass(frozen=True)
class Scale:
    bodies_per_region: dict[str, int | None]  # first N bodies of each level's catalogue; None: all
    departments: tuple[int, int]  # internal departments per agency, min and max
    headcount: dict[str, int]  # mean staff of an agency at each level


SCALES = {
    "demo": Scale({"province": 15, "city": 15, "county": 6}, (3, 4), {"province": 8, "city": 8, "county": 8}),
    "province": Scale({"province": None, "city": None, "county": None}, (4, 7), {"province": 120, "city": 70, "county": 46}),
}


@dataclass(eq=False)
class PlannedAgency:
    body: Body
    region: Region
    name: str
    headcount: int
    departments: list[str]
    parent: PlannedAgency | None = None
    serial: int = 0  # unique per region: the region code × 100 + position, for the credit code
    row: OrgUnit | None = None
    department_rows: list[OrgUnit] = field(default_factory=list)

    @property
    def credit_code(self) -> str:
        kind = CREDIT_CODE_KIND.get(self.body.category, "1")
        return credit_code(self.region.code, self.serial, kind=kind)


def demo_regions() -> list[Region]:
    """Province, then cities, then counties: the order agencies are planned and inserted in."""
    order = {"province": 0, "city": 1, "county": 2}
    regions = Region.objects.filter(level__in=order).select_related("parent")
    return sorted(regions, key=lambda r: (order[r.level], r.code))


def plan_agencies(scale: Scale, regions: list[Region], rng: random.Random) -> list[PlannedAgency]:
    plan: list[PlannedAgency] = []
    for region in regions:
        here: list[PlannedAgency] = []
        for body in BODIES_BY_LEVEL[region.level][: scale.bodies_per_region[region.level]]:
            top = _plan_one(scale, region, body, None, rng)
            here += [top] + [_plan_one(scale, region, sub, top, rng) for sub in body.subordinates]
        if len(here) > 99:  # the serial below must stay unique per region
            raise ValueError(f"{len(here)} agencies planned in region {region.code}; at most 99 fit")
        for position, agency in enumerate(here, start=1):
            agency.serial = int(region.code) * 100 + position
        plan += here
    return plan


def _plan_one(scale: Scale, region: Region, body: Body, parent: PlannedAgency | None,
              rng: random.Random) -> PlannedAgency:
    low, high = scale.departments
    names = [d.format(d=DIVISION_WORD[region.level]) for d in departments_of(body)]
    mean = scale.headcount[region.level] * (BUREAU_SIZE if body.bureau else 1)
    return PlannedAgency(
        body=body,
        region=region,
        name=body.name.format(r=region.name),
        headcount=max(3, round(mean * rng.uniform(0.6, 1.4))),
        departments=names[: rng.randint(low, high)],
        parent=parent,
    )


# --- Writing ------------------------------------------------------------------------------------------


def _placeholder_path() -> str:
    return f"new:{uuid.uuid4()}"


def _insert_with_paths(rows: list[OrgUnit]) -> None:
    """Insert ``rows`` (their parents already have paths), then give each its real path."""
    OrgUnit.objects.bulk_create(rows, batch_size=BATCH)
    for row in rows:
        row.org_path = row.compute_path()
    OrgUnit.objects.bulk_update(rows, ["org_path"], batch_size=BATCH)


def _depth(agency: PlannedAgency) -> int:
    return 0 if agency.parent is None else 1 + _depth(agency.parent)


def insert_agencies(plan: list[PlannedAgency], progress: ProgressFactory) -> None:
    bar = progress("单位 agencies", len(plan))
    for depth in sorted({_depth(a) for a in plan}):
        level = [a for a in plan if _depth(a) == depth]
        for agency in level:
            agency.row = OrgUnit(
                name=agency.name,
                kind=UnitKind.UNIT,
                category=agency.body.category,
                credit_code=agency.credit_code,
                region=agency.region,
                parent=agency.parent.row if agency.parent else None,
                is_bureau=agency.body.bureau,
                sort=agency.serial % 100,
                org_path=_placeholder_path(),
            )
        _insert_with_paths([a.row for a in level])
        bar.advance(len(level))
        what = "机关单位" if depth == 0 else "下属单位"
        log_bulk(OrgUnit, f"演示数据:{what} {len(level)} 个", len(level))
    bar.finish()


def insert_departments(plan: list[PlannedAgency], progress: ProgressFactory) -> int:
    rows = []
    for agency in plan:
        agency.department_rows = [
            OrgUnit(
                name=name, kind=UnitKind.DEPARTMENT, category=agency.body.category, region=agency.region,
                parent=agency.row, unit=agency.row, sort=position, org_path=_placeholder_path(),
            )
            for position, name in enumerate(agency.departments)
        ]
        rows += agency.department_rows
    bar = progress("内设机构 departments", len(rows))
    for start in range(0, len(rows), BATCH * 5):
        chunk = rows[start : start + BATCH * 5]
        _insert_with_paths(chunk)
        bar.advance(len(chunk))
    log_bulk(OrgUnit, f"演示数据:内设机构 {len(rows)} 个", len(rows))
    bar.finish()
    return len(rows)


def insert_people(plan: list[PlannedAgency], rng: random.Random, progress: ProgressFactory) -> int:
    ranks = {(level, code): pk for pk, level, code in Rank.objects.values_list("pk", "level", "code")}
    birthplaces = _birthplaces(plan)
    maker = StaffMaker(rng)
    bar = progress("人员 people", sum(a.headcount for a in plan))
    buffer: list[Person] = []
    total = 0
    for agency in plan:
        buffer += _people_of(agency, maker, ranks, birthplaces[agency.region.code])
        if len(buffer) >= BATCH * 2:
            total += _flush(buffer, bar)
    total += _flush(buffer, bar)
    log_bulk(Person, f"演示数据:人员 {total} 名", total)
    bar.finish()
    return total


def _people_of(agency: PlannedAgency, maker: StaffMaker, ranks: dict, birthplaces: list[str]) -> Iterator[Person]:
    level = agency.region.level
    staff = maker.staff(level, agency.body.head, agency.body.senior_head, agency.departments, agency.headcount,
                        birthplaces)
    for new in staff:
        department = agency.department_rows[new.department] if new.department is not None else None
        yield Person(
            name=new.name,
            gender=Gender.FEMALE if new.female else Gender.MALE,
            id_number=new.id_number,
            id_digest=blind_index(new.id_number),
            phone=new.phone,
            phone_digest=blind_index(new.phone),
            unit=agency.row,
            department=department,
            rank_id=ranks[level, new.rank],
            title=new.title,
            org_path=(department or agency.row).org_path,
        )


def _flush(buffer: list[Person], bar: ProgressBar) -> int:
    count = len(buffer)
    Person.objects.bulk_create(buffer, batch_size=BATCH)
    buffer.clear()
    bar.advance(count)
    return count


def _birthplaces(plan: list[PlannedAgency]) -> dict[str, list[str]]:
    """ID numbers start with a county code: staff of a province or city agency were born in one of
    its counties, staff of a county agency in that county."""
    counties = [a.region for a in plan if a.region.level == "county"]
    places: dict[str, list[str]] = {}
    for region in {a.region for a in plan}:
        if region.level == "county":
            places[region.code] = [region.code]
        else:
            inside = sorted({c.code for c in counties if c.code.startswith(region.key)})
            places[region.code] = inside or [region.code]
    return places
