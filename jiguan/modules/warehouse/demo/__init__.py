"""Demo 公物仓: the 江西省机关事务管理局 keeps the 省直 pool — a central warehouse in 南昌 青山湖区 and branches
in 红谷滩区 and 南昌县, zones A–D with shelves 01–12 — and the 南昌 city bureau a small pool of its own. A few
thousand asset cards (≈2500 at ``demo`` scale) of the shipped category tree, offered by the region's agencies,
with photos drawn locally (``demo/photos.py``); intake requests in every state; reuse requests in every
state, those handed over in the last 12 months with their savings in the cost ledger; purchase checks.

Everything is planned in memory and written with ``bulk_create`` (bulk writes skip the change-log signals, so
each table is recorded with ``log_bulk``). Requests are recorded by the bureau's demo administrator on the
units' behalf, except those of the demo ``unit_admin``'s own unit."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.accounts import NANCHANG_BUREAU, NANCHANG_FINANCE, PROVINCE_BUREAU
from jiguan.core.demo.org import ProgressFactory
from jiguan.core.models import Account, Attachment, CostEntry, OrgUnit
from jiguan.core.models.org import UnitKind

from ..models import (
    Asset,
    AssetCategory,
    AssetState,
    Condition,
    IntakeItem,
    IntakeRequest,
    IntakeState,
    PurchaseCheck,
    PurchaseDecision,
    ReuseRequest,
    ReuseState,
    SourceReason,
    StorageKind,
    StorageLocation,
    Warehouse,
    WarehouseKind,
)
from ..services.reuse import SAVING_CATEGORY
from . import photos
from .base import World, moment, pick, requester
from .disposal import seed_disposal
from .idle import seed_idle
from .loans import seed_loans

CARDS = {"demo": 2500, "province": 8000}
CITY_SHARE = 0.12  # of the cards, in the 南昌 city pool
VIRTUAL_SHARE = 0.15  # items that stay at their unit, listed in the pool
# (pool region, keeping bureau, name, kind, address, zones, shelves per zone)
WAREHOUSES = (
    ("360000", PROVINCE_BUREAU, "省直公物仓中心库", WarehouseKind.CENTRAL, "南昌市青山湖区昌东大道1号", "ABCD", 12),
    ("360000", PROVINCE_BUREAU, "省直公物仓红谷滩分库", WarehouseKind.BRANCH, "南昌市红谷滩区赣江中大道9号", "AB", 12),
    ("360000", PROVINCE_BUREAU, "省直公物仓南昌县分库", WarehouseKind.BRANCH, "南昌县莲塘镇澄碧湖路88号", "AB", 8),
    ("360100", NANCHANG_BUREAU, "南昌市公物仓", WarehouseKind.CENTRAL, "南昌市西湖区抚河北路291号", "AB", 6),
)


@dataclass(frozen=True)
class Kind:
    code: str
    picture: str
    names: tuple[str, ...]
    specs: tuple[str, ...]
    value: tuple[int, int]  # yuan, low and high
    weight: int
    colours: tuple[tuple[int, int, int], ...]


WOOD, WALNUT, GREY, BLACK, WHITE, BLUE = (176, 124, 74), (120, 72, 40), (148, 163, 184), (51, 51, 51), \
    (226, 232, 240), (59, 130, 246)
KINDS = (
    Kind("A05010201", "desk", ("办公桌", "职员办公桌", "主管办公桌"),
         ("1.4米 钢木 带抽屉", "1.6米 实木贴皮", "1.2米 板式 带副柜", "1.8米 实木 大班台"), (800, 4500), 18,
         (WOOD, WALNUT, GREY)),
    Kind("A05010202", "table", ("会议桌", "小型洽谈桌"), ("2.4米 板式 10人", "圆形 直径1.2米 4人", "3.6米 实木 16人"),
         (1200, 9000), 4, (WOOD, WALNUT)),
    Kind("A05010301", "chair", ("办公椅", "网布办公椅", "皮质办公椅"), ("升降 带扶手", "人体工学 网布", "高背 真皮"),
         (260, 2200), 20, (BLACK, GREY, BLUE)),
    Kind("A05010303", "chair", ("会议椅",), ("软包 固定脚", "钢架 可叠放"), (180, 900), 8, (WALNUT, BLACK)),
    Kind("A05010502", "cabinet", ("文件柜", "钢制文件柜"), ("钢制 四门 1.8米", "钢制 对开门 玻璃上柜", "木质 三门"),
         (650, 2400), 10, (GREY, WHITE, WOOD)),
    Kind("A05010501", "cabinet", ("书柜",), ("实木 两门 2米", "板式 四门"), (900, 3600), 4, (WOOD, WALNUT)),
    Kind("A05010401", "sofa", ("三人沙发", "接待沙发"), ("真皮 三人位", "布艺 三人位"), (1800, 7800), 4,
         (BLACK, (120, 53, 15))),
    Kind("A05010402", "sofa", ("单人沙发",), ("真皮 单人位", "布艺 单人位"), (700, 3000), 3, (BLACK, GREY)),
    Kind("A02010105", "computer", ("台式计算机", "办公台式机"),
         ("联想 启天M430 i5/16G/512G", "华为 擎云B730 i5/16G/512G", "长城 世恒TD120A 国产化", "联想 开天M630Z 国产化",
          "戴尔 OptiPlex 7000 i7/16G/1T"), (3800, 7600), 14, (GREY, BLACK)),
    Kind("A02010108", "laptop", ("便携式计算机", "笔记本电脑"),
         ("联想 ThinkPad E14 i5/16G/512G", "华为 MateBook D14", "联想 昭阳K4e", "戴尔 Latitude 5440"), (4200, 9800),
         7, (BLACK, GREY)),
    Kind("A02021003", "printer", ("A4黑白打印机", "激光打印机"),
         ("惠普 LaserJet Pro M405d", "奔图 P3301DN", "联想 LJ2605D", "兄弟 HL-5595DN"), (900, 2800), 6, (WHITE, GREY)),
    Kind("A02021004", "printer", ("A4彩色打印机",), ("惠普 Color LaserJet M255dw", "佳能 LBP623Cdw"), (1800, 4200), 2,
         (WHITE,)),
    Kind("A02021001", "printer", ("A3黑白打印机",), ("京瓷 P4140dn", "理光 SP 6430DN"), (4500, 9500), 2, (GREY,)),
    Kind("A02020100", "copier", ("复印机", "数码复合机"),
         ("理光 IM 2702", "佳能 iR-ADV DX 4825", "京瓷 TASKalfa 2554ci", "柯尼卡美能达 bizhub C250i"),
         (12000, 38000), 3, (WHITE, GREY)),
    Kind("A02020200", "projector", ("投影仪", "会议投影机"), ("爱普生 CB-2265U 5500流明", "明基 MW826STH", "索尼 VPL-EX570"),
         (3200, 14000), 3, (WHITE, GREY)),
    Kind("A02061804", "air_conditioner", ("空调机", "壁挂式空调"), ("格力 1.5匹 壁挂 一级能效", "美的 1匹 壁挂",
                                                                  "海尔 3匹 柜式", "格力 2匹 柜式"), (2400, 9000), 7,
         (WHITE,)),
    Kind("A02091001", "television", ("电视机", "液晶电视"), ("海信 65英寸 4K", "TCL 55英寸", "创维 75英寸 会议平板"),
         (2200, 12000), 3, (BLACK,)),
)
# Weights of the reasons items enter the pool (reform, idle, over-standard and events above all).
REASONS = ((SourceReason.REFORM, 30), (SourceReason.IDLE, 28), (SourceReason.OVER_STANDARD, 16),
           (SourceReason.EVENT, 12), (SourceReason.PAST_LIFE, 10), (SourceReason.CONFISCATED, 2),
           (SourceReason.DONATED, 2))
CONDITIONS = ((Condition.NEW, 12), (Condition.GOOD, 55), (Condition.FAIR, 27), (Condition.POOR, 6))
# Of the cards: their state now. Transferred ones were handed over in the last 12 months.
STATES = ((AssetState.IN_POOL, 68), (AssetState.TRANSFERRED, 22), (AssetState.RESERVED, 6),
          (AssetState.ON_LOAN, 2), (AssetState.IN_REPAIR, 2))
PURPOSES = ("新设科室办公使用", "替换损坏的旧设备", "新进人员配置", "会议室改造配置", "派驻机构办公使用")


def seed_demo(scale: str, rng: random.Random, progress: ProgressFactory) -> str:
    world = _world(rng)
    if world is None:
        return "公物仓 warehouse: 演示机关事务管理局或其账号不存在，未生成"
    locations = _warehouses(world)
    bar = progress("公物仓 warehouse", 6)
    assets = _assets(world, locations, CARDS.get(scale, CARDS["demo"]))
    bar.advance()
    pictures = _photos(world, assets)
    bar.advance()
    handed_over = _reuse(world, assets)
    bar.advance()
    intakes = _intake(world)
    checks = _purchase_checks(world)
    bar.advance()
    loans, repairs = seed_loans(world, assets)
    bar.advance()
    lots, bids = seed_disposal(world, assets, {k.code: k.picture for k in KINDS})
    idle = seed_idle(world)
    bar.advance()
    bar.finish()
    return (f"公物仓 warehouse: {len(WAREHOUSES)} 个仓库 warehouses, {len(assets)} 张资产卡片 asset cards, "
            f"{pictures} 张照片 photos, {handed_over} 件已调剂 reused, {intakes} 份入仓申请 intake requests, "
            f"{checks} 条购置前查询 purchase checks, {loans} 笔借用 loans, {repairs} 笔维修 repairs, "
            f"{lots} 个处置标的 disposal lots ({bids} 笔出价 bids), {idle} 项闲置资产 idle assets")


def _world(rng: random.Random) -> World | None:
    bureaus = {u.name: u for u in OrgUnit.objects.filter(name__in=(PROVINCE_BUREAU, NANCHANG_BUREAU), is_bureau=True)}
    recorders = {a.unit.name: a for a in Account.objects.filter(username__in=("jx_admin", "nc_admin"))
                 .select_related("unit")}
    if len(bureaus) < 2 or len(recorders) < 2:
        return None
    province, city = bureaus[PROVINCE_BUREAU], bureaus[NANCHANG_BUREAU]
    agencies = OrgUnit.objects.filter(kind=UnitKind.UNIT, is_bureau=False).order_by("pk")
    return World(
        rng=rng, today=timezone.localdate(), province=province, city=city,
        units={"360000": list(agencies.filter(region_id="360000")) or [province],
               "360100": list(agencies.filter(region_id="360100")) or [city]},
        recorders={"360000": recorders[PROVINCE_BUREAU], "360100": recorders[NANCHANG_BUREAU]},
        unit_admin=Account.objects.filter(username="unit_admin", unit__name=NANCHANG_FINANCE).first(),
        categories=AssetCategory.objects.in_bulk([k.code for k in KINDS], field_name="code"),
    )


def _warehouses(world: World) -> dict[str, list[StorageLocation]]:
    """The warehouses and their locations; returns the locations of each pool region."""
    keepers = {PROVINCE_BUREAU: world.province, NANCHANG_BUREAU: world.city}
    locations = {"360000": [], "360100": []}
    for region, bureau, name, kind, address, zones, shelves in WAREHOUSES:
        warehouse = Warehouse.objects.create(unit=keepers[bureau], name=name, kind=kind, region_id=region,
                                             address=address)
        rows = [StorageLocation(unit=warehouse.unit, org_path=warehouse.org_path, warehouse=warehouse,
                                zone=f"{zone}区", shelf=f"{shelf:02d}架")
                for zone in zones for shelf in range(1, shelves + 1)]
        locations[region] += StorageLocation.objects.bulk_create(rows)
    log_bulk(Warehouse, f"演示数据:公物仓仓库 {len(WAREHOUSES)} 个", len(WAREHOUSES))
    log_bulk(StorageLocation, "演示数据:公物仓库位", sum(len(v) for v in locations.values()))
    return locations


def _assets(world: World, locations: dict, count: int) -> list[Asset]:
    rng, cards, sequence = world.rng, [], {}
    for _n in range(count):
        region = "360100" if rng.random() < CITY_SHARE else "360000"
        kind = rng.choices(KINDS, weights=[k.weight for k in KINDS])[0]
        source = rng.choice(world.units[region])
        keeper = world.province if region == "360000" else world.city
        pooled_on = world.today - timedelta(days=rng.randint(0, 900))
        state = pick(rng, STATES)
        if state == AssetState.TRANSFERRED:  # handed over within the last 12 months, after entering the pool
            pooled_on = world.today - timedelta(days=rng.randint(20, 720))
        virtual = rng.random() < VIRTUAL_SHARE
        location = None if virtual else rng.choice(locations[region])
        year = pooled_on.year
        sequence[(region, year)] = sequence.get((region, year), 0) + 1
        low, high = kind.value
        purchased = pooled_on - timedelta(days=rng.randint(200, 3000))
        holder = source if virtual else keeper
        cards.append(Asset(
            number=f"GWC{region}{year}{sequence[(region, year)]:06d}", category=world.categories[kind.code],
            name=rng.choice(kind.names), specification=rng.choice(kind.specs),
            original_value=Decimal(rng.randint(low, high)).quantize(Decimal("1")) + Decimal("0.00"),
            purchase_date=purchased, condition=pick(rng, CONDITIONS), source_unit=source,
            source_reason=pick(rng, REASONS), classified=kind.picture in ("computer", "laptop") and rng.random() < 0.04,
            pool_region_id=region, storage_kind=StorageKind.VIRTUAL if virtual else StorageKind.PHYSICAL,
            warehouse=location.warehouse if location else None, location=location, state=state,
            pooled_on=pooled_on, unit=holder, org_path=holder.org_path,
        ))
    Asset.objects.bulk_create(cards, batch_size=500)
    log_bulk(Asset, f"演示数据:公物仓资产卡片 {len(cards)} 张", len(cards))
    return cards


def _photos(world: World, assets: list[Asset]) -> int:
    """One picture per category and colour (labelled with the category's usual name), one attachment row per
    card pointing at it."""
    stored = {}
    recorder = world.recorders["360000"]
    subject_type = ContentType.objects.get_for_model(Asset)
    by_code = {k.code: k for k in KINDS}
    rows = []
    for asset in assets:
        kind = by_code[asset.category.code]
        colour = kind.colours[asset.pk % len(kind.colours)]
        key = (kind.code, colour)
        if key not in stored:
            stored[key] = photos.store(kind.picture, colour, kind.names[0])
        rows.append(Attachment(**stored[key], uploaded_by=recorder, unit=asset.unit, org_path=asset.org_path,
                               subject_type=subject_type, subject_id=str(asset.pk)))
    Attachment.objects.bulk_create(rows, batch_size=1000)
    log_bulk(Attachment, f"演示数据:公物仓资产照片 {len(rows)} 张（{len(stored)} 个图片文件）", len(rows))
    return len(stored)


def _reuse(world: World, assets: list[Asset]) -> int:
    """Reuse requests: handed over for the transferred cards (the card moves to its new unit), awaiting approval
    or approved for the reserved ones, refused and withdrawn on some free ones. Returns the hand-overs."""
    rng, requests, moved, times = world.rng, [], [], []
    for asset in assets:
        region = asset.pool_region_id
        candidates = [u for u in world.units[region] if u.pk != asset.source_unit_id]
        if asset.state == AssetState.TRANSFERRED:
            unit = rng.choice(candidates or world.units[region])
            # Spread over the year (or the days since it entered the pool), not piled up on today.
            earliest = min(max(asset.pooled_on + timedelta(days=5), world.today - timedelta(days=364)), world.today)
            handed_on = earliest + timedelta(days=rng.randint(0, (world.today - earliest).days))
            requested_on = max(asset.pooled_on, handed_on - timedelta(days=rng.randint(2, 15)))
            state, reviewed = ReuseState.HANDED_OVER, min(requested_on + timedelta(days=1), handed_on)
            asset.unit, asset.org_path, asset.storage_kind = unit, unit.org_path, StorageKind.VIRTUAL
            asset.warehouse = asset.location = None
            moved.append(asset)
        elif asset.state == AssetState.RESERVED:
            unit = rng.choice(candidates or world.units[region])
            state = rng.choice((ReuseState.REQUESTED, ReuseState.APPROVED))
            requested_on = max(asset.pooled_on, world.today - timedelta(days=rng.randint(0, 10)))
            reviewed = requested_on if state == ReuseState.APPROVED else None
            handed_on = None
        elif asset.state == AssetState.IN_POOL and rng.random() < 0.03:
            unit = rng.choice(candidates or world.units[region])
            state = rng.choice((ReuseState.REJECTED, ReuseState.WITHDRAWN))
            requested_on = max(asset.pooled_on, world.today - timedelta(days=rng.randint(0, 200)))
            reviewed = requested_on if state == ReuseState.REJECTED else None
            handed_on = None
        else:
            continue
        recorder = world.recorders[region]
        requests.append(ReuseRequest(
            asset=asset, unit=unit, org_path=unit.org_path, purpose=rng.choice(PURPOSES), state=state,
            requested_by=requester(world, region, unit),
            reviewed_by=recorder if reviewed else None, reviewed_at=moment(reviewed, rng) if reviewed else None,
            review_comment="不符合调剂条件" if state == ReuseState.REJECTED else "",
            handed_over_at=moment(handed_on, rng) if handed_on else None,
            handed_over_by=recorder if handed_on else None, received_by_name="张明" if handed_on else "",
        ))
        times.append(moment(requested_on, rng))
    Asset.objects.bulk_update(moved, ["unit", "org_path", "storage_kind", "warehouse", "location"], batch_size=500)
    ReuseRequest.objects.bulk_create(requests, batch_size=500)
    for request, at in zip(requests, times, strict=True):
        request.requested_at = at  # auto_now_add stamped the insert
    ReuseRequest.objects.bulk_update(requests, ["requested_at"], batch_size=500)
    log_bulk(ReuseRequest, f"演示数据:公物仓调剂申请 {len(requests)} 份", len(requests))
    _post_savings(world, [r for r in requests if r.state == ReuseState.HANDED_OVER])
    return len(moved)


def _post_savings(world: World, handed_over: list[ReuseRequest]) -> None:
    """The purchases avoided, as the hand-over service posts them: income offsetting the new unit's costs."""
    subject_type = ContentType.objects.get_for_model(ReuseRequest)
    entries = [CostEntry(unit=r.unit, region_id=r.unit.region_id, org_path=r.unit.org_path, module="warehouse",
                         category=SAVING_CATEGORY, amount=-r.asset.original_value,
                         occurred_on=timezone.localdate(r.handed_over_at), description=str(r.asset)[:200],
                         subject_type=subject_type, subject_id=str(r.pk), created_by=r.handed_over_by)
               for r in handed_over]
    CostEntry.objects.bulk_create(entries, batch_size=500)
    log_bulk(CostEntry, f"演示数据:公物仓调剂节约 {len(entries)} 笔", len(entries))


def _intake(world: World) -> int:
    """Intake requests in every state, a few for each pool, with their item lines."""
    rng, requests, lines = world.rng, [], []
    states = [s for s in IntakeState for _n in range(3)]
    for region in ("360000", "360100"):
        warehouse = Warehouse.objects.filter(region_id=region, kind=WarehouseKind.CENTRAL).first()
        for n, state in enumerate(states, start=1):
            unit = rng.choice(world.units[region])
            decided = state in (IntakeState.APPROVED, IntakeState.RECEIVED, IntakeState.REJECTED)
            recorder = world.recorders[region]
            request = IntakeRequest(
                number=f"RC{region}{world.today.year}{n:06d}", unit=unit, org_path=unit.org_path, pool_region_id=region,
                reason=rng.choice(("机构改革后闲置", "办公用房调整腾退", "超标准配置按规定交回", "会议结束后闲置")),
                state=state, submitted_by=requester(world, region, unit),
                warehouse=warehouse if state in (IntakeState.APPROVED, IntakeState.RECEIVED) else None,
                reviewed_by=recorder if decided else None,
                reviewed_at=moment(world.today - timedelta(days=rng.randint(1, 30)), rng) if decided else None,
                review_comment="物品已在其他单位调剂使用" if state == IntakeState.REJECTED else "",
                received_by=recorder if state == IntakeState.RECEIVED else None,
                received_on=world.today - timedelta(days=rng.randint(0, 10)) if state == IntakeState.RECEIVED else None,
                receipt_number=f"RK{region}{world.today.year}{n:06d}" if state == IntakeState.RECEIVED else "",
            )
            requests.append(request)
    IntakeRequest.objects.bulk_create(requests)
    for request in requests:
        for kind in rng.sample(KINDS, rng.randint(1, 3)):
            lines.append(IntakeItem(
                request=request, category=world.categories[kind.code], name=rng.choice(kind.names),
                specification=rng.choice(kind.specs), quantity=rng.randint(1, 12),
                original_value=Decimal(rng.randint(*kind.value)), purchase_date=world.today - timedelta(days=900),
                condition=pick(rng, CONDITIONS), source_reason=pick(rng, REASONS)))
    IntakeItem.objects.bulk_create(lines)
    log_bulk(IntakeRequest, f"演示数据:公物仓入仓申请 {len(requests)} 份", len(requests))
    log_bulk(IntakeItem, f"演示数据:公物仓入仓物品 {len(lines)} 项", len(lines))
    return len(requests)


def _purchase_checks(world: World) -> int:
    """Searches before buying: some units took a pool item instead, others recorded why none fitted."""
    rng, checks = world.rng, []
    for region, units in world.units.items():
        for _n in range(10):
            unit, kind = rng.choice(units), rng.choice(KINDS)
            decision = rng.choice(tuple(PurchaseDecision))
            checks.append(PurchaseCheck(
                unit=unit, org_path=unit.org_path, category=world.categories[kind.code],
                planned_item=f"{rng.choice(kind.names)} {rng.choice(kind.specs)}", quantity=rng.randint(1, 10),
                matches=rng.randint(0, 30), decision=decision,
                reason_not_fit="" if decision == PurchaseDecision.REUSE else
                rng.choice(("仓内同类物品配置不满足信创要求", "数量不足", "成色较差，需长期使用")),
                checked_by=requester(world, region, unit)))
    PurchaseCheck.objects.bulk_create(checks)
    log_bulk(PurchaseCheck, f"演示数据:购置前查询 {len(checks)} 条", len(checks))
    return len(checks)
