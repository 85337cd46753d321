"""Demo space applications and office adjustment requests of 南昌市财政局, in every state, made through the
services as in real use: drafted and submitted by the unit's administrator, decided through the approval
flow, allocated by the city bureau (调剂 with its allocation document; one lease with its rent cost).
Runs after the ledger's seeder (``demo/__init__.py``) and the kernel's flows."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jiguan.core.demo.accounts import DEMO_PASSWORD, NANCHANG_FINANCE
from jiguan.core.models import Account, ApprovalRequest, OrgUnit, Person, Rank, Role, RoleAssignment
from jiguan.core.models.org import UnitKind
from jiguan.core.services import approvals
from jiguan.core.services.common import role_holders
from jiguan.core.services.costs import post_cost

from ..models import SpaceAllocation, SpaceApplication
from ..services import applications as services

APPLICANT, BUREAU, PROVINCE, SYSADMIN, STAFF = "unit_admin", "nc_admin", "jx_admin", "sysadmin", "staff"
REVIEWER = "unit_reviewer"  # a second administrator of the unit, to decide its own review step
# (title, purpose, head-count by city rank, share of the entitlement asked for, what happens)
APPLICATIONS = (
    ("2026年新增编制人员办公用房", "经市委编办批复新增行政编制4名，现有办公用房已满员，无法安排。",
     {"bureau_deputy": 1, "below_bureau": 3}, 0.95, "draft"),
    ("预算评审中心办公用房", "预算评审中心由临时机构转为常设机构，需集中办公场所。",
     {"bureau_director": 1, "below_bureau": 5}, 0.9, "submitted"),
    ("政府采购监管科办公用房调整", "政府采购监管科人员增加，原办公室合用人数超过工位数。",
     {"below_bureau": 4}, 1.0, "returned"),
    ("扩大档案用房申请", "拟将部分办公室改作档案室，申请补充办公用房。",
     {"bureau_deputy": 1, "below_bureau": 2}, 0.9, "rejected"),
    ("国库支付中心新增人员办公用房", "国库集中支付改革后新增业务人员，需增加办公用房。",
     {"below_bureau": 3}, 1.0, "approved"),
    ("金融工作科办公用房", "新组建金融工作科，现无独立办公场所。",
     {"bureau_deputy": 1, "below_bureau": 3}, 0.9, "transfer"),
    ("债务管理科集中办公用房", "债务管理科分散在两处办公，申请集中办公用房；辖区暂无相邻闲置用房。",
     {"bureau_director": 1, "below_bureau": 4}, 0.9, "rent"),
    ("会计监督检查组办公用房", "会计监督检查组常设化，需固定办公用房。",
     {"below_bureau": 2}, 1.0, "closed"),
)
ADJUSTMENTS = (
    (STAFF, "crowded", "办公室四人合用，接打电话互相干扰，希望调整到两人间。", ()),
    (APPLICANT, "nearer", "本人所在科室已搬至5楼，现办公室在2楼，往返不便。", ("accept", "complete")),
    (BUREAU, "too_small", "办公室使用面积不足，无法放置档案柜。", ("decline",)),
)


def seed_demo(scale: str, rng: random.Random) -> str:
    """A handful of applications and adjustment requests whatever the scale."""
    accounts = {a.username: a for a in Account.objects.filter(username__in=(APPLICANT, BUREAU, PROVINCE, SYSADMIN, STAFF))}
    unit = OrgUnit.objects.filter(kind=UnitKind.UNIT, name=NANCHANG_FINANCE).select_related("region").first()
    if unit is None or len(accounts) < 5:
        return "用房申请 space applications: 演示账号或单位不存在，未生成"
    _ensure_flow(accounts[SYSADMIN])
    today = timezone.localdate()
    made = [_application(accounts, unit, rng, today, row) for row in APPLICATIONS]
    adjustments = [_adjustment(accounts, row) for row in ADJUSTMENTS]
    allocated = sum(a.state in ("allocated", "closed") for a in made)
    return (f"用房申请 space applications: {len(made)} 项申请 applications ({allocated} 项已调配 allocated), "
            f"{len(adjustments)} 项办公室调整申请 adjustment requests")


def _ensure_flow(sysadmin: Account) -> None:
    """The kernel's demo configures a flow per approval type; without one, the bureau approves alone."""
    if approvals.resolve_flow(services.BUSINESS_TYPE, "360100") is None:
        approvals.save_flow(sysadmin, business_type=services.BUSINESS_TYPE, region_code=None, name="用房申请审批流程",
                            steps=[("机关事务管理局审批", Role.objects.get(code="region_bureau_admin").pk)])


def _application(accounts: dict, unit: OrgUnit, rng: random.Random, today, row) -> SpaceApplication:
    title, purpose, counts, share, outcome = row
    ranks = {r.code: r.pk for r in Rank.objects.filter(level=unit.region.level, code__in=counts)}
    headcount = [{"rank_id": ranks[code], "count": n} for code, n in counts.items()]
    limits = services.rank_limits(ranks.values(), unit.region_id)
    entitled = sum(limits[ranks[code]] * n for code, n in counts.items())
    applicant = accounts[APPLICANT]
    application = services.create_application(
        applicant, unit_id=unit.pk, title=title, purpose=purpose, headcount=headcount,
        requested_area=(entitled * Decimal(str(share))).quantize(Decimal("1")),
        needed_by=today + timedelta(days=rng.randint(30, 180)),
    )
    if outcome == "draft":
        return application
    application = services.submit_application(applicant, application.pk)
    if outcome == "submitted":
        return application
    final = {"returned": "return", "rejected": "reject"}.get(outcome, "approve")
    _decide_all(accounts, application, final)
    application.refresh_from_db()
    if outcome in ("transfer", "closed"):
        _transfer(accounts[BUREAU], application, today)
    elif outcome == "rent":
        _rent(accounts[BUREAU], application, today)
    if outcome == "closed":
        services.close_application(applicant, application.pk, "已完成搬迁入驻。")
    application.refresh_from_db()
    return application


OPINIONS = {"approve": "同意，请机关事务管理局按程序调配。", "return": "请补充编制批复文件和现有用房使用情况。",
            "reject": "现有办公用房经核算未超出编制需要，档案用房应在现有用房中统筹解决。"}


def _decide_all(accounts: dict, application: SpaceApplication, final: str) -> None:
    """Each step decided by a holder of its role; the last step gives ``final``."""
    request = ApprovalRequest.objects.get(pk=application.approval_id)
    while request.status == "pending":
        last = not request.flow.steps.filter(order__gt=request.current_step).exists()
        decision = final if last else "approve"
        approvals.decide(_decider(accounts, request), request.pk, decision, OPINIONS[decision])
        request.refresh_from_db()


def _decider(accounts: dict, request: ApprovalRequest) -> Account:
    holders = [a for a in role_holders(request.org_path, [request.current_role], nearest=True)
               if a.pk != request.applicant_id]
    if holders:
        return holders[0]
    return _reviewer(request.unit, request.current_role)


def _reviewer(unit: OrgUnit, role: Role) -> Account:
    """A second administrator of the unit (the applicant cannot review its own application)."""
    existing = Account.objects.filter(username=REVIEWER).first()
    if existing is not None:
        return existing
    person = Person.objects.filter(unit=unit, account__isnull=True, rank__is_leader=False).order_by("pk").first()
    account = Account.objects.create_user(REVIEWER, DEMO_PASSWORD, person=person, unit=unit,
                                          display_name=person.name if person else "单位审核人",
                                          must_change_password=False)
    RoleAssignment.objects.create(account=account, role=role, unit=unit)
    return account


def _transfer(bureau: Account, application: SpaceApplication, today) -> None:
    """调剂 of the best-matching idle rooms until the requested area is reached."""
    chosen, area = [], Decimal("0")
    for room in services.matching_idle_rooms(bureau, application)[:20]:
        if area + room.usable_area > application.requested_area and chosen:
            continue
        chosen.append(room.pk)
        area += room.usable_area
        if area >= application.requested_area * Decimal("0.8"):
            break
    number = SpaceAllocation.objects.filter(document__isnull=False).count() + 1
    services.allocate(bureau, application.pk, method="transfer", room_ids=chosen,
                      document_no=f"洪机管调〔{today.year}〕{number}号", issued_on=today)


def _rent(bureau: Account, application: SpaceApplication, today) -> None:
    """A lease signed before the idle rooms now in the ledger were freed: ``services.allocate`` would rightly
    refuse renting today, so the historical record is written as it stood, with its rent cost."""
    start = today - timedelta(days=90)
    allocation = SpaceAllocation.objects.create(
        application=application, unit=application.unit, method="rent", allocated_by=bureau, allocated_on=start,
        why_not_transfer="当时辖区内无面积相当的闲置办公室。", why_not_exchange="本单位无可置换的办公用房。",
        lessor="南昌市城市建设投资发展有限公司", address="南昌市红谷滩区丰和中大道1188号",
        area=application.requested_area, annual_rent=(application.requested_area * Decimal("720")).quantize(Decimal("1")),
        lease_start=start, lease_end=start + timedelta(days=3 * 365),
    )
    allocation.cost = post_cost(unit=application.unit, module="officespace", category=services.RENT_COST_CATEGORY,
                                amount=allocation.annual_rent, occurred_on=start, subject=allocation, actor=bureau,
                                description=f"租用{allocation.lessor}房屋（{allocation.address}）首年租金")
    allocation.save()
    services.APPLICATION_MACHINE.transition(
        application, "allocate", bureau, f"租用：{allocation.area} ㎡，年租金 {allocation.annual_rent} 元")


def _adjustment(accounts: dict, row):
    username, reason, details, steps = row
    adjustment = services.request_adjustment(accounts[username], reason=reason, details=details)
    replies = {"accept": "同意，下周安排调整至5楼507室。", "complete": "已调整至507室。",
               "decline": "经核，现办公室面积符合标准，暂不调整。"}
    for step in steps:
        decide = {"accept": services.accept_adjustment, "complete": services.complete_adjustment,
                  "decline": services.decline_adjustment}[step]
        adjustment = decide(_unit_admin_for(accounts, adjustment), adjustment.pk, replies[step])
    return adjustment


def _unit_admin_for(accounts: dict, adjustment) -> Account:
    """Someone else whose scope reaches the requester's unit: the unit's administrator for its staff, the
    city bureau for that administrator, the province bureau for the city bureau's own people."""
    answerer = {accounts[APPLICANT].pk: BUREAU, accounts[BUREAU].pk: PROVINCE}.get(adjustment.requester_id, APPLICANT)
    return accounts[answerer]
