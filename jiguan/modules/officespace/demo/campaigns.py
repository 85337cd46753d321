"""Demo 清查盘点: last year's campaign of 南昌市, finished and closed with its differences, and this
year's, open, with units at every stage (accepted, submitted, returned, half checked, not started).

Everything goes through the campaign services, as the units and the bureau would do it; only the dates
of last year's campaign are moved back afterwards (recorded with ``log_bulk``)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.models import Account, TimelineEntry
from jiguan.core.services.common import permission_holders

from ..models import (
    Campaign,
    CampaignBuilding,
    CampaignRoom,
    CampaignTask,
    CheckResult,
    RoomCategory,
    RoomState,
)
from ..module import MANAGE
from ..services import campaigns as services

BUREAU_ADMIN = "nc_admin"  # a demo account of the kernel's seed: 南昌市机关事务管理局
REGION = "360100"
CORRECTED_SHARE = 0.03  # rooms whose area or use differs from the ledger
MISSING_SHARE = 0.005
EXTRA_SHARE = 0.15  # units finding one room the ledger lacks
BOOK_AREA_OFF_SHARE = 0.2  # buildings whose asset accounts disagree with the ledger
NO_CERTIFICATE_SHARE = 0.1
NOTES = ("实测面积与台账不一致", "隔墙改造后面积变化", "现场为空置状态", "已改作档案室使用", "维修中暂停使用")
MISSING_NOTES = ("已拆除并入走廊", "与相邻房间打通合并", "现场无此房间号")
EXTRA_NOTES = ("楼梯间改建的储藏室", "地下室隔出的资料室", "原设备间改作值班室")
RETURN_REASONS = ("302等房间面积更正缺少测绘依据，请补充后重新提交。", "楼栋账面价值与财务固定资产账不一致，请核实。")
STAGES = ("accepted", "submitted", "returned", "partial", "untouched")
STAGE_WEIGHTS = (30, 15, 10, 25, 20)


def seed_demo(scale: str, rng: random.Random) -> str:
    """Two campaigns of the 南昌 bureau (after the office-space ledger has been seeded)."""
    bureau = Account.objects.filter(username=BUREAU_ADMIN).first()
    if bureau is None:
        return "清查盘点 campaigns: 无演示账号 nc_admin, 未生成"
    today = timezone.localdate()
    last = _last_year(bureau, rng, today.year - 1)
    current = services.open_campaign(bureau, name=f"{today.year}年度办公用房清查盘点", year=today.year,
                                     deadline=today + timedelta(days=30), region_code=REGION)
    stages = _progress(bureau, current, rng)
    differences = len(services.differences(last.tasks.all()))
    return (f"清查盘点 campaigns: {last.year}年度已结束 ({last.tasks.count()} 个单位, {differences} 项差异), "
            f"{current.year}年度进行中 ({', '.join(f'{k} {v}' for k, v in stages.items())})")


def _last_year(bureau: Account, rng: random.Random, year: int) -> Campaign:
    campaign = services.open_campaign(bureau, name=f"{year}年度办公用房清查盘点", year=year,
                                      deadline=timezone.localdate() + timedelta(days=1), region_code=REGION)
    for task in campaign.tasks.select_related("unit"):
        actor = _unit_admin(task, bureau)
        _check(actor, task, rng)
        services.submit_task(actor, task.pk)
        services.accept_task(bureau, task.pk, "经核查，同意。")
    services.close_campaign(bureau, campaign.pk)
    _backdate(campaign, year)
    return campaign


def _progress(bureau: Account, campaign: Campaign, rng: random.Random) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    for task in campaign.tasks.select_related("unit"):
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        counts[stage] += 1
        actor = _unit_admin(task, bureau)
        if stage == "untouched":
            continue
        if stage == "partial":
            rows = list(task.rooms.values_list("pk", flat=True))
            chosen = rng.sample(rows, len(rows) // 2) if len(rows) > 1 else []
            if chosen:
                services.confirm_rooms(actor, task.pk, chosen)
            continue
        _check(actor, task, rng)
        services.submit_task(actor, task.pk)
        if stage == "accepted":
            services.accept_task(bureau, task.pk)
        elif stage == "returned":
            services.return_task(bureau, task.pk, rng.choice(RETURN_REASONS))
    return counts


def _unit_admin(task: CampaignTask, bureau: Account) -> Account:
    """The unit's own administrator if it has one, else the bureau's (who may keep any unit's ledger)."""
    admins = permission_holders(task.org_path, MANAGE, nearest=True)
    return admins[0] if admins else bureau


def _check(actor: Account, task: CampaignTask, rng: random.Random) -> None:
    """A unit's work: a few rooms differ, now and then one is missing or one more is found; the rest are
    confirmed; every building gets its asset-account figures."""
    for row in task.rooms.filter(result=CheckResult.PENDING).order_by("pk"):
        draw = rng.random()
        if draw < MISSING_SHARE and row.ledger_occupants == 0:
            services.mark_missing(actor, row.pk, note=rng.choice(MISSING_NOTES))
        elif draw < CORRECTED_SHARE:
            _correct(actor, row, rng)
    if rng.random() < EXTRA_SHARE:
        _add_extra(actor, task, rng)
    services.confirm_rooms(actor, task.pk)
    for building in task.buildings.all():
        _declare(actor, building, rng)


def _correct(actor: Account, row: CampaignRoom, rng: random.Random) -> None:
    area = row.ledger_usable_area * Decimal(rng.choice(("0.9", "0.95", "1.05", "1.12")))
    state = row.ledger_state
    if row.ledger_occupants == 0 and row.ledger_state == RoomState.IN_USE and rng.random() < 0.4:
        state = RoomState.IDLE
    services.correct_room(actor, row.pk, category=row.ledger_category, usable_area=f"{area:.2f}", state=state,
                          note=rng.choice(NOTES))


def _add_extra(actor: Account, task: CampaignTask, rng: random.Random) -> None:
    row = task.rooms.order_by("pk").first()
    if row is None:
        return
    floor = row.floor or 1
    services.add_extra_room(actor, task.pk, building_id=row.building_id, floor_number=floor,
                            number=f"{'B' if floor < 0 else ''}{abs(floor)}99", category=RoomCategory.SERVICE,
                            usable_area=f"{rng.uniform(8, 30):.2f}", state=RoomState.IN_USE,
                            note=rng.choice(EXTRA_NOTES))


def _declare(actor: Account, building: CampaignBuilding, rng: random.Random) -> None:
    book_area = building.ledger_gross_area
    if rng.random() < BOOK_AREA_OFF_SHARE:
        book_area = (book_area * Decimal(rng.choice(("0.92", "0.97", "1.04")))).quantize(Decimal("0.01"))
    at_hand = building.ledger_certificates > 0 and rng.random() >= NO_CERTIFICATE_SHARE
    services.save_building_figures(actor, building.pk, book_area=book_area,
                                   book_value=f"{float(building.ledger_gross_area) * rng.uniform(2800, 5200):.2f}",
                                   certificate_at_hand=at_hand, certificate_matches=at_hand or None)


def _backdate(campaign: Campaign, year: int) -> None:
    """Last year's campaign ran from October to December of that year."""
    opened = timezone.make_aware(datetime.combine(date(year, 10, 9), time(9, 30)))
    closed = date(year, 12, 26)
    Campaign.objects.filter(pk=campaign.pk).update(opened_at=opened, deadline=date(year, 11, 30), closed_on=closed)
    tasks = CampaignTask.objects.filter(campaign=campaign)
    tasks.update(submitted_at=opened + timedelta(days=30), decided_at=opened + timedelta(days=45))
    task_ids = [str(pk) for pk in tasks.values_list("pk", flat=True)]
    of_tasks = Q(content_type=ContentType.objects.get_for_model(CampaignTask), object_id__in=task_ids)
    of_campaign = Q(content_type=ContentType.objects.get_for_model(Campaign), object_id=str(campaign.pk))
    moved = TimelineEntry.objects.filter(of_tasks | of_campaign).update(at=opened)
    log_bulk(Campaign, f"演示数据:{year}年度清查盘点日期移至{year}年", moved + 1)
