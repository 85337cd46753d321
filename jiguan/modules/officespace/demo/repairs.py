"""Demo major repairs (大中修): requests on the demo buildings in every state — some completed years ago
(their costs posted, their buildings' history lowering later scores), works under way with their rooms
under repair, the bureau's queue — and a few staff fault reports. Everything goes through the services,
acted by the accounts that hold the rights in each place, as in real use."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.models import Account
from jiguan.core.scoping import has_permission
from jiguan.core.services.common import permission_holders

from ..models import Building, BuildingState, Occupancy, RepairRequest, RepairState, Room, RoomState
from ..module import MANAGE, SUPERVISE
from ..services import USE_SERVICE, repairs

REQUESTS = {"demo": 24, "province": 60}
REPORTS = 4


@dataclass(frozen=True)
class Works:
    name: str
    kind: str
    scope: str
    damage: str
    cost: tuple[int, int]  # yuan, low and high


WORKS = (
    Works("屋面防水改造", "medium", "铲除原屋面防水层，重做SBS改性沥青防水卷材两道，更换雨水口及落水管。",
          "屋面多处渗漏，顶层办公室吊顶水渍发霉，雨季需用水桶接水。", (300_000, 1_200_000)),
    Works("外墙保温及饰面修缮", "major", "拆除空鼓脱落的外墙面砖，重做岩棉板外保温系统及真石漆饰面。",
          "外墙面砖大面积空鼓，已有脱落，临街一侧存在坠落伤人隐患。", (1_500_000, 6_000_000)),
    Works("电梯更新", "major", "更换乘客电梯2台，含曳引机、控制柜、轿厢和层门，同步改造电梯机房通风。",
          "电梯已运行二十余年，停梯困人故障频发，年度检验多次提出整改。", (800_000, 2_000_000)),
    Works("给排水管网改造", "medium", "更换锈蚀的镀锌给水管为PPR管，改造卫生间排水立管及地漏。",
          "给水管锈蚀严重，近一年爆管三次，卫生间排水不畅、返味。", (400_000, 1_500_000)),
    Works("消防系统改造", "major", "更换火灾自动报警主机及探测器，改造自动喷淋管网，增设防火门和应急照明。",
          "报警系统误报频繁，部分喷淋头锈蚀，消防救援机构检查提出限期整改。", (600_000, 3_000_000)),
    Works("供配电系统改造", "major", "更换高低压配电柜及老化电缆，变压器增容，新增配电监控。",
          "配电设备已超使用年限，夏季用电高峰频繁跳闸。", (1_000_000, 4_000_000)),
    Works("中央空调系统更新", "medium", "更换冷水机组及冷却塔，更新末端风机盘管和控制系统。",
          "冷水机组能效等级低，制冷效果差，空调能耗明显偏高。", (1_000_000, 3_500_000)),
    Works("门窗节能改造", "medium", "将单层钢窗更换为断桥铝合金中空玻璃窗，更换入口门。",
          "钢窗锈蚀变形、关闭不严，冬季冷风渗透，能耗偏高。", (500_000, 2_000_000)),
)
# How the requests spread over the states (the rest stay drafts), and how long ago the old ones were done.
STATE_SHARES = (("completed_long_ago", 0.15), ("completed", 0.10), ("in_progress", 0.10), ("planned", 0.15),
                ("submitted", 0.30), ("returned", 0.08), ("rejected", 0.05))
RETURN_REASONS = ("请补充房屋安全鉴定报告及施工图预算。", "估算费用明细不全，请按定额补充工程量清单。")
REJECT_REASONS = ("该楼栋已纳入整体搬迁计划，不再安排大修资金。", "损坏程度轻微，可由单位日常维修经费解决。")
FAULTS = (("办公室窗户关不严，下雨时窗台渗水。", "urgent"), ("空调不制冷，室温降不下来。", "normal"),
          ("吊顶有水渍，雨天滴水。", "urgent"), ("门锁损坏，无法反锁。", "normal"))


DEMO_CITY = "3601"  # 南昌市: region codes of the city and its districts begin so


def seed_demo(scale: str, rng: random.Random) -> str:
    """Repair requests and staff reports for the demo ledger (run after the office-space seeder)."""
    today = timezone.localdate()
    buildings = list(Building.objects.filter(state=BuildingState.IN_USE).select_related("compound").order_by("pk"))
    if not buildings:
        return "大中修 major repairs: 无楼栋 no buildings"
    target = REQUESTS.get(scale, REQUESTS["demo"])
    # Half the projects in 南昌, so the demo city bureau (nc_admin) has a queue of its own to work through.
    local = [b for b in buildings if b.compound.region_id.startswith(DEMO_CITY)] or buildings
    chosen = rng.sample(local, min(target // 2, len(local)))
    chosen += rng.sample(buildings, min(target - len(chosen), len(buildings)))
    chosen += rng.choices(buildings, k=target - len(chosen))  # a small ledger: several projects per building
    plan = _plan_states(rng, len(chosen))
    plan.sort(key=lambda item: item != "completed_long_ago")  # old works first: they are the later history
    made = [_request(rng, building, state, today) for building, state in zip(chosen, plan, strict=True)]
    made = [request for request in made if request is not None]
    reports = _staff_reports(rng)
    queued = sum(r.state == RepairState.SUBMITTED for r in made)
    completed = [r for r in made if r.state == RepairState.COMPLETED]
    posted = sum((r.actual_cost for r in completed), Decimal(0))
    return (f"大中修 major repairs: {len(made)} 项申请 requests, {queued} 项排队 queued, {len(completed)} 项竣工 "
            f"completed (¥{posted / 10000:.1f} 万 posted), {reports} 件职工报修 staff reports")


def _plan_states(rng: random.Random, count: int) -> list[str]:
    states = [name for name, share in STATE_SHARES for _ in range(round(count * share))][:count]
    states += ["draft"] * (count - len(states))
    rng.shuffle(states)
    return states


def _request(rng: random.Random, building: Building, state: str, today: date) -> RepairRequest | None:
    bureau = _holder(building.org_path, SUPERVISE)
    manager = _holder(building.org_path, MANAGE, nearest=True) or bureau
    if bureau is None or manager is None:
        return None
    works = rng.choice(WORKS)
    estimate = Decimal(rng.randrange(*works.cost, 1000))
    rooms = list(Room.objects.filter(building=building, retired=False, state__in=(RoomState.IN_USE, RoomState.IDLE))
                 .order_by("pk").values_list("pk", flat=True)[:40])
    request = repairs.create_request(
        manager, building_id=building.pk, kind=works.kind, title=f"{building.name}{works.name}",
        scope_of_works=works.scope, damage_grade=rng.choices((1, 2, 3, 4), weights=(1, 4, 4, 2))[0],
        damage_description=works.damage, estimated_cost=estimate,
        annual_energy_kwh=int(building.gross_area * Decimal(rng.uniform(55, 180))),
        room_ids=rng.sample(rooms, min(len(rooms), rng.randint(0, 3))),
    )
    if state == "draft":
        return request
    repairs.submit_request(manager, request.pk)
    _decide(rng, bureau, request, state, estimate)
    if state in ("in_progress", "completed", "completed_long_ago"):
        _works(rng, bureau, request, state, estimate, today)
    request.refresh_from_db()
    return request


def _decide(rng: random.Random, bureau: Account, request: RepairRequest, state: str, estimate: Decimal) -> None:
    if state == "submitted":
        return
    if state == "returned":
        repairs.decide_request(bureau, request.pk, decision="return", comment=rng.choice(RETURN_REASONS))
    elif state == "rejected":
        repairs.decide_request(bureau, request.pk, decision="reject", comment=rng.choice(REJECT_REASONS))
    else:
        budget = (estimate * Decimal(rng.uniform(0.85, 1.0))).quantize(Decimal("100"))
        year = timezone.localdate().year + (state == "planned")
        repairs.decide_request(bureau, request.pk, decision="plan", planned_year=year, approved_budget=budget,
                               comment="列入年度办公用房维修计划。")


def _works(rng: random.Random, bureau: Account, request: RepairRequest, state: str, estimate: Decimal,
           today: date) -> None:
    finished = today - timedelta(days=rng.randint(400, 3000) if state == "completed_long_ago" else rng.randint(5, 90))
    started = finished - timedelta(days=rng.randint(45, 200))
    if state == "in_progress":
        started = today - timedelta(days=rng.randint(3, 60))
    repairs.start_works(bureau, request.pk, started_on=started, comment="施工单位已进场。")
    if state == "in_progress":
        return
    cost = (estimate * Decimal(rng.uniform(0.8, 1.05))).quantize(Decimal("0.01"))
    repairs.complete_works(bureau, request.pk, actual_cost=cost, completed_on=finished, comment="已竣工验收。")
    if state == "completed_long_ago":  # the plan was that year's, not this one's
        RepairRequest.objects.filter(pk=request.pk).update(planned_year=started.year)
        log_bulk(RepairRequest, "演示数据:往年大中修的计划年度", 1, org_path=request.org_path)


def _holder(path: str, permission: str, *, nearest: bool = False) -> Account | None:
    holders = sorted(permission_holders(path, permission, nearest=nearest), key=lambda account: account.pk)
    return holders[0] if holders else None


def _staff_reports(rng: random.Random) -> int:
    """A few staff members with an office report faults: one handled by the unit, one part of a request."""
    seated = Occupancy.objects.filter(end__isnull=True).values("person_id")
    accounts = Account.objects.filter(is_active=True, person_id__in=seated).order_by("pk")
    reporters = [account for account in accounts if has_permission(account, USE_SERVICE)][:REPORTS]
    for index, account in enumerate(reporters):
        description, urgency = FAULTS[index % len(FAULTS)]
        _handle(rng, repairs.report_fault(account, description=description, urgency=urgency), index)
    return len(reporters)


def _handle(rng: random.Random, report, index: int) -> None:
    admin = _holder(report.org_path, MANAGE, nearest=True)
    if admin is None or index % 3 == 2:
        return  # left waiting for the unit
    if index % 3 == 0:
        repairs.resolve_report(admin, report.pk, rng.choice(("物业维修人员已上门处理。", "已更换配件，恢复正常。")))
        return
    open_request = (RepairRequest.objects.filter(building_id=report.room.building_id, state__in=(
        RepairState.DRAFT, RepairState.SUBMITTED, RepairState.PLANNED)).order_by("pk").first())
    if open_request is not None and repairs.visible_requests(admin, MANAGE).filter(pk=open_request.pk).exists():
        repairs.link_report(admin, report.pk, open_request.pk)
