"""Demo applications, waiting lists and offers, made through the services as in real use: staff of the
province's agencies apply, their unit's administrator confirms, the province bureau reviews; about forty
wait on the 省直 list, the others are in every other state; some flats are offered (open, accepted,
expired, declined twice → end of the list). The 南昌 demo staff member waits on the city's list, so the
demo account sees its position. Runs after the stock (``demo/__init__.py``) and the kernel's accounts."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.accounts import PROVINCE_BUREAU
from jiguan.core.identifiers import id_number
from jiguan.core.models import Account, OrgUnit, Person, Region, Role, RoleAssignment
from jiguan.core.models.org import PersonStatus, UnitKind

from ..models import Application, Flat, FlatState, Offer
from ..services import applications as services
from ..services import offers, waiting

REVIEWERS = {"360000": "jx_admin", "360100": "nc_admin"}
CITY_STAFF = "staff"  # the kernel's demo staff member of 南昌市财政局
# How many province applications end in each state (the rest of the plan follows from the offers).
PLAN = (("waiting", 48), ("submitted", 4), ("returned", 3), ("confirmed", 3), ("rejected", 3), ("withdrawn", 2))
CITY_WAITING = 5
HARDSHIP = ("", "配偶随调，暂无工作，租房居住。", "子女在本市就读，通勤距离远。", "父母随住，需照料，现租住房屋狭小。",
            "家属患病需定期就医，现无固定住所。")
RETURN_REASONS = ("请补充调入文件。", "家庭成员身份证号与户籍信息不一致，请核对。", "请补充无房声明所需的不动产查询证明。")
REJECTIONS = (("owns_home", "经核查，配偶名下在本市有住房。"), ("category", "调入已超过两年，不在申请时限内。"),
              ("other", "已享受其他住房保障。"))


def seed_demo(scale: str, rng: random.Random) -> str:
    reviewers = {code: Account.objects.filter(username=name).first() for code, name in REVIEWERS.items()}
    if None in reviewers.values():
        return "住房申请 housing applications: 演示账号不存在，未生成"
    today = timezone.localdate()
    family_serial = iter(range(1, 100_000))
    states = [state for state, count in PLAN for _n in range(count)]
    people = list(applicants(Region.objects.get(code="360000"), len(states)))
    made = [_application(person, state, reviewers["360000"], rng, today, family_serial)
            for person, state in zip(people, states, strict=False)]
    city = [account_of(person) for person in applicants(Region.objects.get(code="360100"), CITY_WAITING - 1)]
    city_staff = Account.objects.filter(username=CITY_STAFF, person__isnull=False).first()
    for account in ([city_staff] if city_staff else []) + city:
        made.append(_application(account.person, "waiting", reviewers["360100"], rng, today, family_serial,
                                 account=account))
    _spread_waiting(made, rng, today)
    offered = _offers(reviewers["360000"], rng, today)
    waiting_now = Application.objects.filter(state="waiting").count()
    return (f"住房申请 housing applications: {len(made)} 项申请 applications, {waiting_now} 人轮候 waiting, "
            f"{offered} 次配租 offers")


def agency_staff(region: Region):
    """Staff in post of the region's agencies and their departments (not the bureaus')."""
    in_agency = Q(unit__kind=UnitKind.UNIT, unit__is_bureau=False) | Q(unit__kind=UnitKind.DEPARTMENT,
                                                                         unit__unit__is_bureau=False)
    return (Person.objects.filter(in_agency, unit__region=region, status=PersonStatus.ACTIVE)
            .select_related("unit__unit").order_by("unit_id", "pk"))


def applicants(region: Region, count: int):
    """Agency staff below the leading ranks without an account yet, spread over units."""
    people = agency_staff(region).filter(account__isnull=True, rank__is_leader=False)
    by_unit: dict[int, list[Person]] = {}
    for person in people[: count * 10]:
        by_unit.setdefault(person.unit_id, []).append(person)
    rounds = max((len(group) for group in by_unit.values()), default=0)
    picked = [group[i] for i in range(rounds) for group in by_unit.values() if i < len(group)]
    return picked[:count]


def account_of(person: Person) -> Account:
    """A service-portal account for a demo applicant (no password: demo sign-in uses the named accounts)."""
    account = Account.objects.create_user(f"hs{person.pk}", None, person=person, unit=person.unit,
                                          display_name=person.name, must_change_password=False)
    RoleAssignment.objects.create(account=account, role=Role.objects.get(code="staff"), unit=person.unit)
    return account


def _unit_admin(unit: OrgUnit) -> Account:
    account = Account.objects.filter(username=f"hs_admin_{unit.pk}").first()
    if account is None:
        account = Account.objects.create_user(f"hs_admin_{unit.pk}", None, unit=unit, must_change_password=False,
                                              display_name=f"{unit.short_name or unit.name}住房管理员")
        RoleAssignment.objects.create(account=account, role=Role.objects.get(code="unit_admin"), unit=unit)
    return account


def _family(person: Person, rng: random.Random, serial) -> list[dict]:
    members = []
    if rng.random() < 0.6:
        members.append({"name": person.name[0] + "某某", "relation": "spouse",
                        "id_number": id_number(person.unit.region_id, date(1988, 1 + next(serial) % 12, 9),
                                               next(serial) % 900 + 1, female=person.gender != "F")})
    for _child in range(rng.choice((0, 0, 1, 1, 2))):
        members.append({"name": person.name[0] + "小" + rng.choice("明华丽军芳"), "relation": "child",
                        "id_number": id_number(person.unit.region_id, date(2014 + next(serial) % 8, 3, 15),
                                               next(serial) % 900 + 1, female=rng.random() < 0.5)})
    return members


def _application(person: Person, state: str, reviewer: Account, rng: random.Random, today: date, serial,
                 account: Account | None = None) -> Application:
    account = account or account_of(person)
    values = {"category": rng.choice(("transferred", "recruited", "exchanged")),
              "category_date": today - timedelta(days=rng.randint(20, 600)), "no_home_declared": True,
              "hardship_notes": rng.choice(HARDSHIP), "family": _family(person, rng, serial)}
    application = services.apply(account, **values)
    unit_admin = _unit_admin(application.unit)
    if state == "withdrawn":
        return services.withdraw(account, application.pk, "已自行解决住房。")
    if state == "returned":
        return services.return_application(unit_admin, application.pk, rng.choice(RETURN_REASONS))
    if state == "submitted":
        return application
    services.confirm(unit_admin, application.pk, "经核实，情况属实。")
    if state == "rejected":
        refusal, comment = rng.choice(REJECTIONS)
        return services.reject(reviewer, application.pk, refusal=refusal, comment=comment)
    if state == "confirmed":
        return application
    return services.approve(reviewer, application.pk, hardship_level=rng.choice((0, 0, 1, 1, 2, 3)))


def _spread_waiting(made: list[Application], rng: random.Random, today: date) -> None:
    """Eligibility dates spread over the past (people have waited for months), then the lists rescored."""
    waiting_rows = [a for a in made if a.state == "waiting"]
    for application in waiting_rows:
        application.eligible_since = min(today, application.category_date + timedelta(days=rng.randint(15, 45)))
    Application.objects.bulk_update(waiting_rows, ["eligible_since"])
    log_bulk(Application, "演示数据:轮候资格确认日期", len(waiting_rows))
    waiting.rescore_all(today)


def _offers(reviewer: Account, rng: random.Random, today: date) -> int:
    """From the top of the 省直 list: two accepted, three open, two expired, and one applicant who declines
    twice and goes to the end of the list."""
    province_flats = iter(Flat.objects.filter(state=FlatState.VACANT, unit__name=PROVINCE_BUREAU)
                          .order_by("vacant_since", "pk").values_list("pk", flat=True))
    made = 0

    def offer():
        nonlocal made
        made += 1
        return offers.make_offer(reviewer, next(province_flats))

    for _accepted in range(2):
        first = offer()
        offers.accept(first.application.applicant, first.pk, "同意配租，尽快签约。")
    for _declined in range(2):
        declined = offer()
        offers.decline(declined.application.applicant, declined.pk, "离工作单位较远。")
    for _expired in range(2):
        stale = offer()
        Offer.objects.filter(pk=stale.pk).update(expires_on=today - timedelta(days=rng.randint(1, 5)))
    offers.expire_offers(today)
    for _open in range(3):
        offer()
    return made

