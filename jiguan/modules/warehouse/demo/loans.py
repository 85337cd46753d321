"""Demo loans and repairs of the pool: every card on loan has its loan (some past due), free cards carry
loans returned over the year (a few with a damage charge) and a few loan requests waiting; every card under
repair has its repair, and repairs finished over the year posted their cost to the keeper's ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.models import CostEntry

from ..models import Asset, AssetState, Condition, Loan, LoanPurpose, LoanState, Repair, RepairState
from ..services.loans import DAMAGE_CATEGORY
from ..services.repairs import REPAIR_CATEGORY
from .base import Step, World, moment, requester, write_timelines

LOAN_PURPOSES = (
    (LoanPurpose.MEETING, "全省机关事务工作会议会场布置"),
    (LoanPurpose.MEETING, "年度工作总结会议使用"),
    (LoanPurpose.EVENT, "全民健身运动会赛事保障"),
    (LoanPurpose.EVENT, "招商引资推介活动布展"),
    (LoanPurpose.TEMPORARY_BODY, "省第二轮巡视组驻点办公"),
    (LoanPurpose.TEMPORARY_BODY, "第五次全国经济普查领导小组办公室临时办公"),
)
REPAIRERS = ("南昌市恒信办公设备维修服务部", "江西联创电子科技维修中心", "南昌青山湖区鑫达家具维修厂", "江西格力空调特约维修站")
FAULTS = {"A0201": "无法开机，疑似电源故障", "A0202": "卡纸频繁，定影组件老化", "A0206": "制冷效果差，需加氟",
          "A0209": "屏幕显示异常", "A0501": "抽屉滑轨损坏，桌面有划痕"}
COLLECTORS = ("李建华", "王丽", "陈志强", "刘芳", "黄海涛", "周敏")
RETURNED_SHARE = 0.05  # of the free cards: a loan returned over the last year
WAITING_SHARE = 0.01  # of the free cards: a loan request waiting (the card reserved)
REPAIRED_SHARE = 0.02  # of the free cards: a repair finished over the last year


def seed_loans(world: World, assets: list[Asset]) -> tuple[int, int]:
    """Returns (loans, repairs)."""
    rng, loans, reserved = world.rng, [], []
    for asset in assets:
        if asset.state == AssetState.ON_LOAN:
            loans.append(_loan(world, asset, LoanState.LENT))
        elif asset.state == AssetState.IN_POOL and rng.random() < RETURNED_SHARE:
            loans.append(_loan(world, asset, LoanState.RETURNED))
        elif asset.state == AssetState.IN_POOL and rng.random() < WAITING_SHARE:
            loans.append(_loan(world, asset, rng.choice((LoanState.REQUESTED, LoanState.APPROVED))))
            asset.state = AssetState.RESERVED
            reserved.append(asset)
    Asset.objects.bulk_update(reserved, ["state"], batch_size=500)
    Loan.objects.bulk_create(loans, batch_size=500)
    for loan in loans:  # auto_now_add stamped the insert
        loan.requested_at = (loan.reviewed_at or moment(world.today, rng)) - timedelta(days=1)
    Loan.objects.bulk_update(loans, ["requested_at"], batch_size=500)
    log_bulk(Loan, f"演示数据:公物仓借用 {len(loans)} 笔", len(loans))
    write_timelines([step for loan in loans for step in _loan_steps(loan)], "公物仓借用")
    charged = [loan for loan in loans if loan.damage_charge]
    charge, day = (lambda loan: loan.damage_charge), (lambda loan: timezone.localdate(loan.returned_at))
    _post(world, charged, DAMAGE_CATEGORY, charge, day, payer=lambda loan: loan.unit)  # the borrower pays
    _post(world, charged, DAMAGE_CATEGORY, charge, day, payer=lambda loan: loan.asset.unit, sign=-1)  # the keeper
    repairs = _repairs(world, assets)
    return len(loans), len(repairs)


def _loan(world: World, asset: Asset, state: str) -> Loan:
    rng, region = world.rng, asset.pool_region_id
    borrower = rng.choice([u for u in world.units[region] if u.pk != asset.source_unit_id] or world.units[region])
    kind, purpose = rng.choice(LOAN_PURPOSES)
    if state == LoanState.RETURNED:
        starts_on = world.today - timedelta(days=rng.randint(30, 360))
    elif state == LoanState.LENT:  # about one in five past due
        starts_on = world.today - timedelta(days=rng.randint(5, 70))
    else:
        starts_on = world.today + timedelta(days=rng.randint(1, 14))
    due_on = starts_on + timedelta(days=rng.choice((7, 14, 30, 60)))
    recorder = world.recorders[region]
    lent = state in (LoanState.LENT, LoanState.RETURNED)
    returned_on = min(due_on - timedelta(days=rng.randint(0, 3)), world.today) if state == LoanState.RETURNED else None
    damaged = returned_on is not None and rng.random() < 0.1
    return Loan(
        asset=asset, unit=borrower, org_path=borrower.org_path, purpose_kind=kind, purpose=purpose,
        starts_on=starts_on, due_on=due_on, state=state, requested_by=requester(world, region, borrower),
        reviewed_by=recorder if state != LoanState.REQUESTED else None,
        reviewed_at=moment(starts_on - timedelta(days=2), rng) if state != LoanState.REQUESTED else None,
        lent_at=moment(starts_on, rng) if lent else None, lent_by=recorder if lent else None,
        received_by_name=rng.choice(COLLECTORS) if lent else "", condition_out=asset.condition if lent else "",
        returned_at=moment(returned_on, rng) if returned_on else None,
        returned_by_name=rng.choice(COLLECTORS) if returned_on else "",
        return_checked_by=recorder if returned_on else None,
        condition_back=(Condition.FAIR if damaged else asset.condition) if returned_on else "",
        damage_charge=Decimal(rng.choice((150, 280, 460))) if damaged else Decimal("0"),
        return_note="归还时桌面有明显划痕，按损坏程度收取赔偿" if damaged else "",
        reminded_on=due_on - timedelta(days=3) if lent and due_on - timedelta(days=3) <= world.today else None,
    )


def _loan_steps(loan: Loan) -> list[Step]:
    steps = [Step(loan, "request", "", LoanState.REQUESTED, loan.requested_by, loan.requested_at, loan.purpose)]
    if loan.reviewed_at:
        steps.append(Step(loan, "approve", LoanState.REQUESTED, LoanState.APPROVED, loan.reviewed_by, loan.reviewed_at))
    if loan.lent_at:
        steps.append(Step(loan, "lend", LoanState.APPROVED, LoanState.LENT, loan.lent_by, loan.lent_at,
                          f"领用人 {loan.received_by_name}"))
    if loan.returned_at:
        steps.append(Step(loan, "return", LoanState.LENT, LoanState.RETURNED, loan.return_checked_by, loan.returned_at,
                          loan.return_note or f"归还人 {loan.returned_by_name}，验收无异常"))
    return steps


def _repairs(world: World, assets: list[Asset]) -> list[Repair]:
    rng, repairs = world.rng, []
    for asset in assets:
        finished = asset.state == AssetState.IN_POOL and rng.random() < REPAIRED_SHARE
        if asset.state != AssetState.IN_REPAIR and not finished:
            continue
        sent_on = world.today - timedelta(days=rng.randint(20, 330) if finished else rng.randint(2, 25))
        cost = Decimal(rng.randint(80, 900)) if finished else None
        repairs.append(Repair(
            asset=asset, unit=asset.unit, org_path=asset.org_path, fault=FAULTS.get(asset.category.code[:5], "部件损坏"),
            repairer=rng.choice(REPAIRERS), sent_on=sent_on, expected_back_on=sent_on + timedelta(days=14),
            sent_by=world.recorders[asset.pool_region_id],
            state=RepairState.REPAIRED if finished else RepairState.IN_REPAIR,
            finished_on=sent_on + timedelta(days=rng.randint(3, 14)) if finished else None,
            finished_by=world.recorders[asset.pool_region_id] if finished else None, cost=cost,
            invoice_number=f"{rng.randint(10**7, 10**8 - 1)}" if finished else "",
            condition_after=asset.condition if finished else ""))
    Repair.objects.bulk_create(repairs, batch_size=500)
    log_bulk(Repair, f"演示数据:公物仓维修 {len(repairs)} 笔", len(repairs))
    done = [r for r in repairs if r.state == RepairState.REPAIRED]
    _post(world, done, REPAIR_CATEGORY, lambda r: r.cost, lambda r: r.finished_on, payer=lambda r: r.unit)
    return repairs


def _post(world: World, rows: list, category: str, amount, day, *, payer, sign: int = 1) -> None:
    """Ledger entries as the services post them: ``sign`` 1 a cost of ``payer(row)``, -1 its income."""
    subject_type = ContentType.objects.get_for_model(type(rows[0])) if rows else None
    entries = [CostEntry(unit=payer(r), region_id=payer(r).region_id, org_path=payer(r).org_path, module="warehouse",
                         category=category, amount=sign * amount(r), occurred_on=day(r), description=str(r.asset)[:200],
                         subject_type=subject_type, subject_id=str(r.pk), created_by=world.recorders["360000"])
               for r in rows]
    CostEntry.objects.bulk_create(entries, batch_size=500)
    log_bulk(CostEntry, f"演示数据:{category} {len(entries)} 笔", len(entries))
