"""Demo disposal of the pool: registered bidders — outside companies with their logins, the demo unit
administrator's unit in the 南昌 pool, an individual awaiting approval — and lots in every state: open and
sealed bidding running now, a lot awarded and awaiting payment, one sold with its proceeds in the ledger, one
unsold, one awaiting approval and one scrapped with its recycler's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.accounts import DEMO_PASSWORD
from jiguan.core.identifiers import credit_code, id_number
from jiguan.core.models import Account, CostEntry, RoleAssignment

from ..models import (
    Asset,
    AssetState,
    Bid,
    BidderKind,
    BidderRegistration,
    DisposalItem,
    DisposalLot,
    DisposalMethod,
    LotState,
    RegistrationState,
    StorageKind,
)
from ..services.bidding import bidder_role
from ..services.disposal import INCOME_CATEGORY
from .base import Step, World, write_timelines

# (username, kind, name, 统一社会信用代码, contact, phone, pool): enterprise codes (登记管理部门 9, 类别 1) with
# the check character computed
OUTSIDE_BIDDERS = (
    ("bidder_hengxin", BidderKind.COMPANY, "江西恒信再生资源有限公司", credit_code("360111", 35214, "9", "1"),
     "刘国平", "13907091234", "360000"),
    ("bidder_lvyuan", BidderKind.COMPANY, "南昌绿源二手办公设备有限公司", credit_code("360103", 38762, "9", "1"),
     "胡晓燕", "13870612345", "360000"),
    ("bidder_zhongjin", BidderKind.COMPANY, "江西中锦拍卖有限公司", credit_code("360100", 70551, "9", "1"),
     "邓志明", "13607005678", "360100"),
)
PENDING_INDIVIDUAL = ("bidder_zhangwei", "张伟", id_number("360102", date(1985, 7, 15), 341, False), "13979112345")


@dataclass(frozen=True)
class Plan:
    title: str
    method: str
    state: str
    picture: str  # which cards: kind pictures of the demo
    count: int
    starts: int  # days from today (bidding)
    ends: int
    reserve: int
    increment: int
    bids: tuple[int, ...]  # amounts in the order placed
    sealed: bool = False
    region: str = "360000"


PLANS = (
    Plan("旧办公桌椅一批（钢木办公桌、办公椅）", DisposalMethod.BIDDING, LotState.APPROVED, "chair", 12, -1, 2, 2000, 100,
         (2000, 2100, 2300, 2500)),
    Plan("淘汰台式计算机一批（已做数据清除）", DisposalMethod.BIDDING, LotState.APPROVED, "computer", 8, -1, 4, 3200, 200,
         (3400, 3650), sealed=True),
    Plan("旧空调设备一批", DisposalMethod.BIDDING, LotState.APPROVED, "air_conditioner", 5, -2, 3, 1500, 100, (1500,),
         region="360100"),
    Plan("旧文件柜一批", DisposalMethod.BIDDING, LotState.AWARDED, "cabinet", 6, -8, -1, 1200, 100, (1200, 1300, 1450)),
    Plan("旧复印机、打印机一批", DisposalMethod.BIDDING, LotState.SOLD, "printer", 6, -50, -40, 1800, 100,
         (1800, 1900, 2200, 2400)),
    Plan("旧沙发一批", DisposalMethod.BIDDING, LotState.UNSOLD, "sofa", 4, -30, -20, 2600, 200, ()),
    # Sold over the year: the disposal income of the measures.
    Plan("淘汰笔记本电脑一批（已做数据清除）", DisposalMethod.BIDDING, LotState.SOLD, "laptop", 15, -310, -300, 6000, 200,
         (6000, 6400, 7200, 7800)),
    Plan("旧办公桌一批", DisposalMethod.BIDDING, LotState.SOLD, "desk", 20, -230, -220, 3500, 100, (3500, 3900, 4300)),
    Plan("淘汰台式计算机一批", DisposalMethod.BIDDING, LotState.SOLD, "computer", 25, -150, -140, 9000, 300,
         (9000, 9600, 10500, 11400, 12600)),
    Plan("旧复印机一批", DisposalMethod.BIDDING, LotState.SOLD, "copier", 4, -95, -85, 5000, 200, (5000, 5600)),
    Plan("旧会议桌一批", DisposalMethod.BIDDING, LotState.SUBMITTED, "table", 3, 3, 10, 900, 50, ()),
    # A scrap lot's "starts" dates the approval's eve, its "ends" the scrapping.
    Plan("报废电视机、投影仪一批", DisposalMethod.SCRAP, LotState.SCRAPPED, "television", 4, -20, -15, 0, 0, ()),
)
LIVE_ITEM_STATE = {LotState.APPROVED: AssetState.DISPOSING, LotState.AWARDED: AssetState.DISPOSING,
                   LotState.SUBMITTED: AssetState.DISPOSING, LotState.SOLD: AssetState.DISPOSED,
                   LotState.SCRAPPED: AssetState.DISPOSED, LotState.UNSOLD: AssetState.IN_POOL}


def seed_disposal(world: World, assets: list[Asset], pictures: dict[str, str]) -> tuple[int, int]:
    """``pictures`` maps a category code to its kind's picture. Returns (lots, bids)."""
    registrations = _bidders(world)
    free = [a for a in assets if a.state == AssetState.IN_POOL and not a.classified
            and a.storage_kind == StorageKind.PHYSICAL]
    lots, bids = [], 0
    for n, plan in enumerate(PLANS, start=1):
        cards = [a for a in free if pictures[a.category.code] == plan.picture and a.pool_region_id == plan.region]
        cards = cards[:plan.count]
        if not cards:
            continue
        free = [a for a in free if a not in cards]
        lot = _lot(world, plan, n)
        lots.append(lot)
        DisposalItem.objects.bulk_create([DisposalItem(lot=lot, asset=a) for a in cards])
        for asset in cards:
            asset.state = LIVE_ITEM_STATE[plan.state]
        Asset.objects.bulk_update(cards, ["state"])
        bids += _bids(world, lot, plan, [r for r in registrations if r.pool_region_id == plan.region])
    log_bulk(DisposalLot, f"演示数据:公物仓处置标的 {len(lots)} 个", len(lots))
    write_timelines([step for lot in lots for step in _lot_steps(lot)], "公物仓处置")
    _post_income(world, lots)
    return len(lots), bids


def _bidders(world: World) -> list[BidderRegistration]:
    """Approved bidders with their logins (password the demo's), the demo unit administrator's unit in the 南昌
    pool, and an individual awaiting approval."""
    role, rows = bidder_role(), []
    keepers = {"360000": world.province, "360100": world.city}
    now = timezone.now()
    for username, kind, name, credential, contact, phone, region in OUTSIDE_BIDDERS:
        account = _login(username, name, role)
        rows.append(BidderRegistration(
            unit=keepers[region], pool_region_id=region, kind=kind, name=name, credential=credential,
            contact_name=contact, phone=phone, account=account, state=RegistrationState.APPROVED,
            reviewed_by=world.recorders[region], reviewed_at=now))
    if world.unit_admin is not None:
        rows.append(BidderRegistration(
            unit=world.city, pool_region_id="360100", kind=BidderKind.UNIT, bidder_unit=world.unit_admin.unit,
            name=world.unit_admin.unit.name, contact_name="赵红梅", phone="13576012345", account=world.unit_admin,
            state=RegistrationState.APPROVED, reviewed_by=world.recorders["360100"], reviewed_at=now))
    username, name, credential, phone = PENDING_INDIVIDUAL
    rows.append(BidderRegistration(
        unit=world.province, pool_region_id="360000", kind=BidderKind.INDIVIDUAL, name=name, credential=credential,
        contact_name=name, phone=phone, account=_login(username, name, role), state=RegistrationState.PENDING))
    for row in rows:
        row.save()  # encrypts the credential and the phone
    return [r for r in rows if r.state == RegistrationState.APPROVED]


def _login(username: str, name: str, role) -> Account:
    account = Account.objects.create_user(username, DEMO_PASSWORD, display_name=name[:50], must_change_password=False)
    RoleAssignment.objects.create(account=account, role=role, unit=None)
    return account


def _at(world: World, days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(world.today + timedelta(days=days), time(hour)))


def _lot(world: World, plan: Plan, n: int) -> DisposalLot:
    keeper = world.province if plan.region == "360000" else world.city
    recorder = world.recorders[plan.region]
    bidding = plan.method == DisposalMethod.BIDDING
    decided = plan.state != LotState.SUBMITTED
    lot = DisposalLot(
        number=f"CZ{plan.region}{world.today.year}{n:06d}", title=plan.title, method=plan.method,
        pool_region_id=plan.region, reason="经鉴定已无调剂使用价值，按规定公开处置" if bidding else "已达报废年限且无维修价值",
        state=plan.state, unit=keeper, prepared_by=recorder, reviewed_by=recorder if decided else None,
        reviewed_at=_at(world, plan.starts - 2, 10) if decided else None, sealed=plan.sealed,
        reserve_price=Decimal(plan.reserve) if bidding else None,
        min_increment=Decimal(plan.increment) if bidding else None,
        starts_at=_at(world, plan.starts, 9) if bidding else None, ends_at=_at(world, plan.ends, 16) if bidding else None,
        original_ends_at=_at(world, plan.ends, 16) if bidding else None,
        closed_at=_at(world, plan.ends, 16) if plan.state == LotState.UNSOLD else None)
    prepared_at = _at(world, plan.starts - 3, 15)
    if plan.method == DisposalMethod.SCRAP:
        lot.recycler_name, lot.recycler_licence = "江西省再生资源回收利用有限公司", "赣商务再生备字〔2023〕0127号"
        lot.scrapped_on, lot.scrap_certificate = world.today + timedelta(days=plan.ends), f"HS{world.today.year}0318"
        lot.salvage_value = Decimal("380.00")
    lot.save()
    DisposalLot.objects.filter(pk=lot.pk).update(prepared_at=prepared_at)  # auto_now_add stamped the insert
    lot.prepared_at = prepared_at
    return lot


def _lot_steps(lot: DisposalLot) -> list[Step]:
    steps = [Step(lot, "prepare", "", LotState.SUBMITTED, lot.prepared_by, lot.prepared_at, lot.reason)]
    if lot.reviewed_at:
        steps.append(Step(lot, "approve", LotState.SUBMITTED, LotState.APPROVED, lot.reviewed_by, lot.reviewed_at))
    if lot.state == LotState.SCRAPPED:
        steps.append(Step(lot, "scrap", LotState.APPROVED, LotState.SCRAPPED, lot.reviewed_by,
                          _moment_of(lot.scrapped_on), f"{lot.recycler_name} 回收，证明编号 {lot.scrap_certificate}"))
    if lot.winning_bid_id:
        bid = lot.winning_bid
        steps.append(Step(lot, "award", LotState.APPROVED, LotState.AWARDED, None, lot.awarded_at,
                          f"{bid.amount} 元，{bid.bidder.name}"))
    if lot.state == LotState.SOLD:
        steps.append(Step(lot, "pay", LotState.AWARDED, LotState.SOLD, lot.reviewed_by, lot.paid_at,
                          f"国库缴款凭证 {lot.payment_reference}"))
    if lot.state == LotState.UNSOLD:
        steps.append(Step(lot, "unsold", LotState.APPROVED, LotState.UNSOLD, None, lot.closed_at, "无人出价"))
    return steps


def _moment_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def _bids(world: World, lot: DisposalLot, plan: Plan, bidders: list[BidderRegistration]) -> int:
    """The plan's bids, placed in turn by the pool's bidders over the bidding so far; a closed lot is awarded
    to the highest (and a sold one paid)."""
    if not plan.bids or not bidders:
        return 0
    placed = [Bid(lot=lot, bidder=bidders[i % len(bidders)], amount=Decimal(amount),
                  placed_at=lot.starts_at + timedelta(hours=3 * i + 1))
              for i, amount in enumerate(plan.bids)]
    Bid.objects.bulk_create(placed)
    if plan.state in (LotState.AWARDED, LotState.SOLD):
        top = max(placed, key=lambda b: (b.amount, -b.placed_at.timestamp()))
        lot.winning_bid, lot.awarded_at = top, lot.ends_at
        lot.pay_by = lot.ends_at + timedelta(days=lot.pay_days)
        if plan.state == LotState.SOLD:
            lot.paid_at, lot.proceeds = lot.ends_at + timedelta(days=3), top.amount
            lot.payment_reference, lot.closed_at = f"FS{world.today.year}{lot.pk:08d}", lot.paid_at
        lot.save()
    log_bulk(Bid, f"演示数据:{lot.number} 出价 {len(placed)} 笔", len(placed))
    return len(placed)


def _post_income(world: World, lots: list[DisposalLot]) -> None:
    """Proceeds and salvage paid to the treasury, as the services post them: income of the keeping unit."""
    subject_type = ContentType.objects.get_for_model(DisposalLot)
    entries = []
    for lot in lots:
        amount = lot.proceeds if lot.state == LotState.SOLD else lot.salvage_value
        if not amount:
            continue
        day = timezone.localdate(lot.paid_at) if lot.paid_at else lot.scrapped_on
        entries.append(CostEntry(unit=lot.unit, region_id=lot.unit.region_id, org_path=lot.unit.org_path,
                                 module="warehouse", category=INCOME_CATEGORY, amount=-amount, occurred_on=day,
                                 description=str(lot)[:200], subject_type=subject_type, subject_id=str(lot.pk),
                                 created_by=world.recorders[lot.pool_region_id]))
    CostEntry.objects.bulk_create(entries)
    log_bulk(CostEntry, f"演示数据:公物仓处置收入 {len(entries)} 笔", len(entries))
