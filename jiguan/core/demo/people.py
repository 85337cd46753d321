"""Staff of a demo agency: leaders, department heads and staff with a plausible rank pyramid, posts
(职务/职级 names), ages that fit the rank, valid and unique ID numbers, and mobile numbers."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from ..identifiers import id_number
from .names import person_name

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "193", "198", "199",
)
IDS_PER_DAY = 500  # GB 11643 sequence numbers per region, birth date and sex


@dataclass(frozen=True)
class Tier:
    rank: str  # Rank.code at this level
    share: int  # percent of the staff below the leaders
    posts: tuple[str, ...]  # 职级 names held at this rank


@dataclass(frozen=True)
class Staffing:
    """Who works in an agency at one government level (职务与职级并行, 2019)."""

    head: str
    senior_head: str  # rank of a head who sits on the party standing committee, a court president …
    deputy: str
    department_head: str
    staff: tuple[Tier, ...]


CLERKS = ("一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员", "二级科员")
STAFFING = {
    "province": Staffing(
        head="department_director", senior_head="vice_provincial", deputy="department_deputy",
        department_head="division_director",
        staff=(
            Tier("division_director", 6, ("一级调研员", "二级调研员")),
            Tier("division_deputy", 14, ("三级调研员", "四级调研员")),
            Tier("below_division", 80, CLERKS),
        ),
    ),
    "city": Staffing(
        head="bureau_director", senior_head="vice_municipal", deputy="bureau_deputy",
        department_head="below_bureau",
        staff=(
            Tier("bureau_director", 2, ("一级调研员", "二级调研员")),
            Tier("bureau_deputy", 7, ("三级调研员", "四级调研员")),
            Tier("below_bureau", 91, CLERKS),
        ),
    ),
    "county": Staffing(
        head="section_director", senior_head="vice_county", deputy="section_deputy",
        department_head="below_section",
        staff=(
            Tier("section_director", 6, ("一级主任科员", "二级主任科员")),
            Tier("section_deputy", 12, ("三级主任科员", "四级主任科员")),
            Tier("below_section", 82, ("一级科员", "二级科员")),
        ),
    ),
}

# Birth years by seniority, all within 1962–2001 (serving civil servants aged about 25 to 64).
LEADER_BIRTH_YEARS = (1963, 1976)
DEPUTY_BIRTH_YEARS = (1966, 1982)
DEPARTMENT_HEAD_BIRTH_YEARS = (1968, 1988)
SENIOR_STAFF_BIRTH_YEARS = (1962, 1986)
JUNIOR_STAFF_BIRTH_YEARS = (1975, 2001)


@dataclass
class NewPerson:
    """One member of staff, before it becomes a ``Person`` row."""

    name: str
    female: bool
    birth: date
    rank: str
    title: str
    department: int | None  # index into the agency's departments; None for the agency's leaders
    id_number: str = ""
    phone: str = ""


def department_head_post(department: str) -> str:
    """财务处 → 财务处处长, 办公室 → 办公室主任, 立案庭 → 立案庭庭长, 机关党委 → 机关党委专职副书记."""
    for suffix, post in (("处", "处长"), ("科", "科长"), ("股", "股长"), ("庭", "庭长"), ("局", "局长")):
        if department.endswith(suffix):
            return department + post
    if department.endswith("委"):
        return department + "专职副书记"
    return department + "主任"


class StaffMaker:
    """Makes the staff of agencies, keeping every ID number unique across the whole seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._sequences: dict[tuple[str, date, bool], int] = defaultdict(int)

    def staff(self, level: str, head_post: str, senior_head: bool, departments: list[str], headcount: int,
              birth_regions: list[str]) -> list[NewPerson]:
        plan = STAFFING[level]
        head_rank = plan.senior_head if senior_head else plan.head
        people = [self._person(head_rank, head_post, None, LEADER_BIRTH_YEARS, leader=True)]
        deputies = min(4, max(1, round(headcount * 0.05))) if headcount > 2 else 0
        people += [
            self._person(plan.deputy, "副" + head_post, None, DEPUTY_BIRTH_YEARS, leader=True) for _ in range(deputies)
        ]
        for index, department in enumerate(departments[: max(0, headcount - len(people))]):
            people.append(self._person(plan.department_head, department_head_post(department), index,
                                       DEPARTMENT_HEAD_BIRTH_YEARS))
        tiers = plan.staff
        for _ in range(headcount - len(people)):
            tier = self.rng.choices(tiers, weights=[t.share for t in tiers])[0]
            years = JUNIOR_STAFF_BIRTH_YEARS if tier is tiers[-1] else SENIOR_STAFF_BIRTH_YEARS
            department = self.rng.randrange(len(departments)) if departments else None
            people.append(self._person(tier.rank, self.rng.choice(tier.posts), department, years))
        for person in people:
            person.id_number = self._id_number(self.rng.choice(birth_regions), person)
            person.phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        return people

    def _person(self, rank: str, title: str, department: int | None, years: tuple[int, int],
                leader: bool = False) -> NewPerson:
        female = self.rng.random() < (0.2 if leader else 0.48)
        birth = date(self.rng.randint(*years), 1, 1) + timedelta(days=self.rng.randrange(365))
        return NewPerson(person_name(self.rng, female), female, birth, rank, title, department)

    def _id_number(self, region_code: str, person: NewPerson) -> str:
        birth = person.birth
        while self._sequences[region_code, birth, person.female] >= IDS_PER_DAY:
            birth += timedelta(days=1)  # that day's numbers are used up: the next day is as plausible
        key = (region_code, birth, person.female)
        self._sequences[key] += 1
        return id_number(region_code, birth, self._sequences[key], female=person.female)
