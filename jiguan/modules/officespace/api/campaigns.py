"""REST API of 清查盘点 campaigns, mounted at /api/v1/officespace/campaigns/: campaigns (list, detail with
progress per unit, open, close, apply corrections, differences) and a unit's task (detail, its rooms,
confirm / correct / not found / found extra, building figures, submit, accept, return). Thin: reads go
through the services' scoped queries, writes through the services."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.scoping import scoped

from ..models import (
    CampaignBuilding,
    CampaignRoom,
    CampaignState,
    CheckResult,
    DifferenceKind,
    RoomCategory,
    RoomState,
    TaskState,
)
from ..module import VIEW
from ..services import campaigns as services

router = Router()

CAMPAIGN_ORDER = {"-year": ("-year", "-opened_at", "-id"), "deadline": ("deadline", "id"), "name": ("name", "id")}
ROOM_ORDER = {"location": ("building_name", "floor", "number", "id"), "-area": ("-ledger_usable_area", "-id")}
ROOM_FILTERS = {"unchecked": {"result": CheckResult.PENDING}, "differing": {"result__in": services.DIFFERING}}


# --- Schemas ----------------------------------------------------------------------------------------


class CampaignFilter(PageQuery):
    state: CampaignState | None = Field(None, title=N_("State"))
    year: int | None = Field(None, ge=2000, le=2100, title=N_("Year"))
    sort: sort_by(CAMPAIGN_ORDER) = "-year"


class CampaignOut(Schema):
    id: int
    name: str
    year: int
    region: RegionRef = Field(description="清查范围（行政区划）")
    bureau: UnitRef = Field(description="组织清查的单位")
    deadline: date = Field(description="截止日期")
    state: Choice
    opened_at: datetime
    closed_on: date | None
    close_reason: str = Field(description="未全部通过即结束时的理由")
    corrections_applied_at: datetime | None = Field(description="更正最近一次写入台账的时间")

    @staticmethod
    def resolve_state(campaign) -> dict:
        return choice(campaign, "state")


class TaskFigures(Schema):
    id: int
    unit: UnitRef
    state: Choice
    rooms: int = Field(description="台账房间数（开始时）")
    checked: int = Field(description="已核对房间数")
    extra: int = Field(description="账外发现的房间数")
    buildings: int = Field(description="本单位登记的楼栋数")
    entered: int = Field(description="已填报账面数据的楼栋数")
    percent: int = Field(description="完成进度（%）")
    physical: int = Field(description="账实不符项数")
    physical_area: float = Field(description="账实面积差（㎡，实际 − 台账）")
    certificate: int = Field(description="账证不符项数")
    accounts: int = Field(description="账账不符项数")
    accounts_area: float = Field(description="账账面积差（㎡，账面 − 台账）")


class CampaignTotals(Schema):
    units: int
    percent: int = Field(description="平均完成进度（%）")
    rooms: int
    checked: int
    physical: int
    physical_area: float
    certificate: int
    accounts: int
    accounts_area: float


class CampaignDetailOut(CampaignOut):
    totals: CampaignTotals = Field(description="本人数据范围内各单位合计")
    units: list[TaskFigures] = Field(description="各单位进度（本人数据范围内）")
    timeline: list[TimelineOut]


class CampaignIn(Input):
    name: str = Field(max_length=100, title=N_("Name"), description="如“2026年度办公用房清查盘点”")
    year: int = Field(title=N_("Year"))
    deadline: date = Field(title=N_("Deadline"))
    region_code: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Region"),
                                    description="清查范围；不填为本单位所在行政区划，可选其下的市、县")


class CloseIn(Input):
    force: bool = Field(False, title=N_("Close anyway"), description="仍有单位未通过时为 true，须说明理由")
    reason: str = Field("", max_length=500, title=N_("Reason"))


class ApplyOut(Schema):
    applied: int = Field(description="已写入台账的更正数")
    refused: int = Field(description="台账规则不允许、未写入的更正数（原因见各房间）")


class DifferenceFilter(PageQuery):
    kind: DifferenceKind | None = Field(None, title=N_("Check"), description="physical 账实、certificate 账证、accounts 账账")
    unit: int | None = Field(None, title=N_("Unit"), description="单位 ID")


class DifferenceOut(Schema):
    task_id: int
    unit: str
    kind: Choice
    item: str = Field(description="房间或楼栋")
    field: str = Field(description="核对内容")
    ledger: str = Field(description="台账值")
    found: str = Field(description="实际 / 证载 / 账面值")
    difference: float | None = Field(description="面积差（㎡）")
    note: str

    @staticmethod
    def resolve_kind(difference) -> dict:
        return {"code": difference.kind, "label": difference.kind_label}


class TaskOut(Schema):
    id: int
    campaign: CampaignOut
    unit: UnitRef
    state: Choice
    submitted_at: datetime | None
    decided_at: datetime | None
    return_reason: str

    @staticmethod
    def resolve_state(task) -> dict:
        return choice(task, "state")


class BuildingCheckOut(Schema):
    id: int
    building_id: int
    name: str
    ledger_gross_area: float = Field(description="台账建筑面积（㎡）")
    ledger_usable_area: float | None = Field(description="台账房间使用面积合计（㎡）")
    ledger_certificate: str = Field(description="台账登记的权属证书号")
    ledger_certificates: int
    book_area: float | None = Field(description="账面面积（㎡），0 为未入账")
    book_value: float | None = Field(description="账面价值（元）")
    certificate_at_hand: bool | None
    certificate_matches: bool | None
    certificate_area: float | None = Field(description="证载面积（㎡）")
    note: str


class TaskDetailOut(TaskOut):
    figures: TaskFigures
    building_checks: list[BuildingCheckOut] = Field(description="本单位登记楼栋的账面数据与权属证书核对")
    timeline: list[TimelineOut]


class RoomFilter(PageQuery):
    show: str | None = Field(None, pattern="^(unchecked|differing)$", title=N_("Show"),
                             description="unchecked 未核对、differing 有差异")
    building: int | None = Field(None, title=N_("Building"))
    sort: sort_by(ROOM_ORDER) = "location"


class RoomCheckOut(Schema):
    id: int
    building_id: int
    building_name: str
    floor: int
    number: str
    subtype: str
    ledger_category: Choice | None
    ledger_usable_area: float | None
    ledger_state: Choice | None
    ledger_occupants: int | None
    needs_document: bool
    ledger_document: str
    result: Choice
    found_category: Choice | None
    found_usable_area: float | None
    found_state: Choice | None
    note: str
    applied: bool
    apply_note: str

    @staticmethod
    def resolve_result(row) -> dict:
        return choice(row, "result")

    @staticmethod
    def resolve_ledger_category(row) -> dict | None:
        return choice(row, "ledger_category") if row.ledger_category else None

    @staticmethod
    def resolve_ledger_state(row) -> dict | None:
        return choice(row, "ledger_state") if row.ledger_state else None

    @staticmethod
    def resolve_found_category(row) -> dict | None:
        return choice(row, "found_category") if row.found_category else None

    @staticmethod
    def resolve_found_state(row) -> dict | None:
        return choice(row, "found_state") if row.found_state else None


class ConfirmIn(Input):
    row_ids: list[int] | None = Field(None, title=N_("Rooms"), description="要确认的房间核对记录 ID；不传则确认全部未核对房间")


class ConfirmOut(Schema):
    confirmed: int


class CorrectIn(Input):
    category: RoomCategory = Field(title=N_("Category"))
    usable_area: float = Field(title=N_("Usable area"), description="实际使用面积（㎡）")
    state: RoomState = Field(title=N_("State"))
    note: str = Field("", max_length=200, title=N_("Note"))


class MissingIn(Input):
    note: str = Field(max_length=200, title=N_("Note"), description="实地情况，如“已拆除并入走廊”")


class ExtraIn(CorrectIn):
    building_id: int = Field(title=N_("Building"))
    floor_number: int = Field(title=N_("Floor"))
    number: str = Field(max_length=20, title=N_("Room number"))


class BuildingFiguresIn(Input):
    book_area: float = Field(ge=0, title=N_("Book area"), description="固定资产账面面积（㎡），未入账填 0")
    book_value: float = Field(ge=0, title=N_("Book value"), description="账面价值（元）")
    certificate_at_hand: bool = Field(title=N_("Certificate at hand"))
    certificate_matches: bool | None = Field(None, title=N_("Certificate matches the ledger"))
    certificate_area: float | None = Field(None, title=N_("Area on the certificate"))
    note: str = Field("", max_length=200, title=N_("Note"))


class DecisionIn(Input):
    comment: str = Field("", max_length=500, title=N_("Comment"))


class ReturnIn(Input):
    reason: str = Field(max_length=500, title=N_("Reason"))


# --- Campaigns --------------------------------------------------------------------------------------


@router.get("", response=Page[CampaignOut], summary="清查盘点列表")
def list_campaigns(request: HttpRequest, query: Query[CampaignFilter]):
    campaigns = services.visible_campaigns(request.auth)
    if query.state:
        campaigns = campaigns.filter(state=query.state)
    if query.year:
        campaigns = campaigns.filter(year=query.year)
    return paginate(campaigns, query, CAMPAIGN_ORDER[query.sort])


@router.post("", response={201: CampaignDetailOut}, summary="发起清查盘点（按行政区划生成各单位任务并留存台账快照）")
def open_campaign(request: HttpRequest, payload: CampaignIn):
    campaign = services.open_campaign(request.auth, **payload.model_dump())
    return Status(201, _campaign_detail(request.auth, campaign.pk))


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="单位清查任务（进度、楼栋账面数据、记录）")
def get_task(request: HttpRequest, task_id: int):
    return _task_detail(request.auth, task_id)


@router.get("/{campaign_id}", response=CampaignDetailOut, summary="清查盘点详情（各单位进度与差异合计）")
def get_campaign(request: HttpRequest, campaign_id: int):
    return _campaign_detail(request.auth, campaign_id)


@router.post("/{campaign_id}/close", response=CampaignOut, summary="结束清查盘点")
def close_campaign(request: HttpRequest, campaign_id: int, payload: CloseIn):
    return services.close_campaign(request.auth, campaign_id, **payload.model_dump())


@router.post("/{campaign_id}/apply", response=ApplyOut, summary="将已通过单位的更正写入台账")
def apply_corrections(request: HttpRequest, campaign_id: int):
    return services.apply_corrections(request.auth, campaign_id)


@router.get("/{campaign_id}/differences", response=Page[DifferenceOut],
            summary="差异清单（账实、账证、账账，按单位）")
def list_differences(request: HttpRequest, campaign_id: int, query: Query[DifferenceFilter]):
    campaign = services.campaign_in_view(request.auth, campaign_id)
    tasks = services.visible_tasks(request.auth, campaign)
    if query.unit is not None:
        tasks = tasks.filter(unit_id=query.unit)
    rows = services.differences(tasks, query.kind)
    start = (query.page - 1) * query.page_size
    return {"items": rows[start:start + query.page_size], "page": query.page, "page_size": query.page_size,
            "has_next": len(rows) > start + query.page_size, "total": len(rows)}


def _campaign_detail(user, campaign_id) -> object:
    campaign = services.campaign_in_view(user, campaign_id)
    rows = services.progress(services.visible_tasks(user, campaign))
    campaign.totals = services.totals(rows)
    campaign.units = [_figures(row) for row in rows]
    campaign.timeline = timeline_of(campaign, CampaignState)
    return campaign


def _figures(row: dict) -> dict:
    task = row["task"]
    return {**{name: row[name] for name in services.FIGURES}, "percent": row["percent"], "id": task.pk,
            "unit": task.unit, "state": choice(task, "state")}


# --- A unit's task ----------------------------------------------------------------------------------


def _task_detail(user, task_id) -> object:
    task = services.task_in_view(user, task_id)
    [row] = services.progress(services.visible_tasks(user, task.campaign).filter(pk=task.pk))
    task.figures = _figures(row)
    task.building_checks = list(CampaignBuilding.objects.filter(task=task).order_by("name", "pk"))
    task.timeline = timeline_of(task, TaskState)
    return task


@router.get("/tasks/{task_id}/rooms", response=Page[RoomCheckOut], summary="单位清查任务的房间核对清单")
def list_task_rooms(request: HttpRequest, task_id: int, query: Query[RoomFilter]):
    task = services.task_in_view(request.auth, task_id)
    rows = scoped(CampaignRoom.objects.filter(task=task), request.auth, VIEW)
    rows = rows.filter(**ROOM_FILTERS[query.show]) if query.show else rows
    if query.building is not None:
        rows = rows.filter(building_id=query.building)
    return paginate(rows, query, ROOM_ORDER[query.sort], count=True)


@router.post("/tasks/{task_id}/confirm", response=ConfirmOut, summary="确认房间与台账一致（全部未核对或所选）")
def confirm_rooms(request: HttpRequest, task_id: int, payload: ConfirmIn):
    return {"confirmed": services.confirm_rooms(request.auth, task_id, payload.row_ids)}


@router.post("/tasks/{task_id}/extra", response={201: RoomCheckOut}, summary="登记账外房间（实有而台账无）")
def add_extra_room(request: HttpRequest, task_id: int, payload: ExtraIn):
    return Status(201, services.add_extra_room(request.auth, task_id, **payload.model_dump()))


@router.post("/tasks/{task_id}/submit", response=TaskOut, summary="提交清查结果")
def submit_task(request: HttpRequest, task_id: int):
    services.submit_task(request.auth, task_id)
    return services.task_in_view(request.auth, task_id)


@router.post("/tasks/{task_id}/accept", response=TaskOut, summary="审核通过单位清查结果")
def accept_task(request: HttpRequest, task_id: int, payload: DecisionIn):
    services.accept_task(request.auth, task_id, payload.comment)
    return services.task_in_view(request.auth, task_id)


@router.post("/tasks/{task_id}/return", response=TaskOut, summary="退回单位清查结果（须说明理由）")
def return_task(request: HttpRequest, task_id: int, payload: ReturnIn):
    services.return_task(request.auth, task_id, payload.reason)
    return services.task_in_view(request.auth, task_id)


@router.post("/rooms/{row_id}/correct", response=RoomCheckOut, summary="按实地情况更正房间")
def correct_room(request: HttpRequest, row_id: int, payload: CorrectIn):
    return services.correct_room(request.auth, row_id, **payload.model_dump())


@router.post("/rooms/{row_id}/missing", response=RoomCheckOut, summary="标记房间实地未找到（账有实无）")
def mark_missing(request: HttpRequest, row_id: int, payload: MissingIn):
    return services.mark_missing(request.auth, row_id, note=payload.note)


@router.delete("/rooms/{row_id}", response={204: None}, summary="撤销误登记的账外房间")
def remove_extra_room(request: HttpRequest, row_id: int):
    services.remove_extra_room(request.auth, row_id)
    return Status(204, None)


@router.post("/buildings/{row_id}", response=BuildingCheckOut, summary="填报楼栋账面面积、账面价值与权属证书核对")
def save_building_figures(request: HttpRequest, row_id: int, payload: BuildingFiguresIn):
    return services.save_building_figures(request.auth, row_id, **payload.model_dump())

