"""REST API of major repairs (大中修), mounted at /api/v1/officespace/repairs/: the unit's requests, the
bureau's queue and decisions, the works, and the staff's fault reports. Thin: reads go through
``scoped()``, writes through ``services.repairs``; the contract (schemas) is kept here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.services.attachments import attachments_of

from ..models import DamageGrade, RepairKind, RepairReport, RepairState, ReportState, Urgency
from ..services import repairs as services

router = Router()

REPAIR_ORDER = {"-created": ("-created_at", "-id"), "-score": ("-score", "id"), "score": ("score", "id"),
                "-estimated_cost": ("-estimated_cost", "-id"), "title": ("title", "id")}
QUEUE_ORDER = {"rank": ("region_id", "rank", "id"), "-score": ("-score", "submitted_at", "id")}
REPORT_ORDER = {"-created": ("-created_at", "-id"), "created": ("created_at", "id")}


# --- schemas ---------------------------------------------------------------------------------------------


class RepairBuildingRef(Schema):
    id: int
    name: str


class RepairRoomRef(Schema):
    id: int
    label: str = Field(description="楼栋与房间号")

    @staticmethod
    def resolve_label(room) -> str:
        return str(room)


class RepairScoreFactorOut(Schema):
    factor: str = Field(description="因素：damage 损坏程度 / age 房龄 / history 维修历史 / energy 单位面积能耗")
    label: str
    points: float = Field(description="该因素得分")
    max: int = Field(description="该因素满分（权重）")
    detail: str = Field(description="得分依据说明")


class RepairOut(Schema):
    id: int
    title: str = Field(description="项目名称")
    kind: Choice = Field(description="major 大修 / medium 中修")
    state: Choice
    unit: UnitRef
    building: RepairBuildingRef
    queue: RegionRef = Field(description="所在排队队列（申请单位所在行政区划，由该级机关事务管理局审定）")
    damage_grade: Choice = Field(description="损坏等级 1 轻微 / 2 一般 / 3 严重 / 4 危险")
    estimated_cost: float = Field(description="估算费用（元）")
    score: float = Field(description="优先级得分（0–100）")
    rank: int | None = Field(description="在队列中的名次；不在队列中为 null")
    submitted_at: datetime | None
    planned_year: int | None = Field(description="列入计划的年度")
    approved_budget: float | None = Field(description="批准预算（元）")
    actual_cost: float | None = Field(description="实际费用（元），竣工后填写并计入运行成本")

    @staticmethod
    def resolve_kind(request) -> dict:
        return choice(request, "kind")

    @staticmethod
    def resolve_state(request) -> dict:
        return choice(request, "state")

    @staticmethod
    def resolve_queue(request):
        return request.region

    @staticmethod
    def resolve_damage_grade(request) -> dict:
        return {"code": str(request.damage_grade), "label": request.get_damage_grade_display()}


class RepairAttachmentOut(Schema):
    id: int
    name: str
    size: int

    @staticmethod
    def resolve_name(attachment) -> str:
        return attachment.original_name


class RepairDetailOut(RepairOut):
    scope_of_works: str
    damage_description: str
    annual_energy_kwh: int = Field(description="楼栋年能耗（kWh）")
    rooms: list[RepairRoomRef] = Field(description="涉及房间")
    score_breakdown: list[RepairScoreFactorOut] = Field(description="得分构成（排名依据）")
    scored_at: datetime | None
    decision_comment: str = Field(description="管理局意见")
    started_on: date | None
    completed_on: date | None
    actions: list[str] = Field(description="当前用户现在可执行的操作")
    attachments: list[RepairAttachmentOut]
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_rooms(request) -> list:
        return list(request.rooms.select_related("building").order_by("number"))

    @staticmethod
    def resolve_score_breakdown(request) -> list[dict]:
        return services.explain(request.score_breakdown)

    @staticmethod
    def resolve_attachments(request) -> list:
        return list(attachments_of(request))

    @staticmethod
    def resolve_timeline(request) -> list[dict]:
        return timeline_of(request, RepairState)


class RepairFilter(PageQuery):
    state: RepairState | None = Field(None, title=N_("State"))
    kind: RepairKind | None = Field(None, title=N_("Kind of repair"))
    unit: int | None = Field(None, title=N_("Unit"), description="申请单位 ID")
    building: int | None = Field(None, title=N_("Building"), description="楼栋 ID")
    sort: sort_by(REPAIR_ORDER) = "-created"


class RepairQueueFilter(PageQuery):
    region: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Region"), description="队列（行政区划代码）")
    sort: sort_by(QUEUE_ORDER) = "rank"


class RepairIn(Input):
    building_id: int = Field(title=N_("Building"))
    kind: RepairKind = Field(title=N_("Kind of repair"))
    title: str = Field(max_length=100, title=N_("Project name"))
    scope_of_works: str = Field(max_length=2000, title=N_("Scope of works"))
    damage_grade: DamageGrade = Field(title=N_("Damage grade"), description="1 轻微 / 2 一般 / 3 严重 / 4 危险")
    damage_description: str = Field(max_length=2000, title=N_("Damage assessment"))
    estimated_cost: float = Field(gt=0, title=N_("Estimated cost"), description="估算费用（元）")
    annual_energy_kwh: int = Field(ge=1, title=N_("Annual energy use"), description="楼栋年能耗（kWh）")
    room_ids: list[int] = Field([], title=N_("Affected rooms"))
    report_id: int | None = Field(None, title=N_("Repair report"), description="由职工报修转为大中修申请时填写")


class RepairPatchIn(Input):
    """Only the fields sent are changed (a draft or returned request)."""

    kind: RepairKind = Field(None, title=N_("Kind of repair"))
    title: str = Field(None, max_length=100, title=N_("Project name"))
    scope_of_works: str = Field(None, max_length=2000, title=N_("Scope of works"))
    damage_grade: DamageGrade = Field(None, title=N_("Damage grade"))
    damage_description: str = Field(None, max_length=2000, title=N_("Damage assessment"))
    estimated_cost: float = Field(None, gt=0, title=N_("Estimated cost"))
    annual_energy_kwh: int = Field(None, ge=1, title=N_("Annual energy use"))
    room_ids: list[int] = Field(None, title=N_("Affected rooms"))


class RepairCommentIn(Input):
    comment: str = Field("", max_length=500, title=N_("Comment"))


class RepairDecisionIn(Input):
    decision: Literal["plan", "return", "reject"] = Field(
        title=N_("Decision"), description="plan 列入计划 / return 退回补充 / reject 不予安排")
    comment: str = Field("", max_length=500, title=N_("Reason"), description="退回或不予安排时必填")
    planned_year: int | None = Field(None, title=N_("Planned year"), description="列入计划时必填")
    approved_budget: float | None = Field(None, gt=0, title=N_("Approved budget"), description="批准预算（元）")


class RepairStartIn(Input):
    started_on: date | None = Field(None, title=N_("Works start date"), description="开工日期；不填为今天")
    comment: str = Field("", max_length=500, title=N_("Comment"))


class RepairCompleteIn(Input):
    actual_cost: float = Field(gt=0, title=N_("Actual cost"), description="实际费用（元），计入机关运行成本")
    completed_on: date | None = Field(None, title=N_("Completion date"), description="竣工日期；不填为今天")
    comment: str = Field("", max_length=500, title=N_("Comment"))


class RepairReportOut(Schema):
    id: int
    room: RepairRoomRef
    description: str
    urgency: Choice
    state: Choice
    resolution_note: str = Field(description="单位自行处理的说明")
    repair_id: int | None = Field(description="转为的大中修申请 ID")
    created_at: datetime

    @staticmethod
    def resolve_urgency(report) -> dict:
        return choice(report, "urgency")

    @staticmethod
    def resolve_state(report) -> dict:
        return choice(report, "state")


class RepairReportDetailOut(RepairReportOut):
    timeline: list[TimelineOut]


class RepairReportFilter(PageQuery):
    state: ReportState | None = Field(None, title=N_("State"))
    sort: sort_by(REPORT_ORDER) = "-created"


class RepairReportIn(Input):
    room_id: int | None = Field(None, title=N_("Room"), description="本人办公室；只有一间时可不填")
    description: str = Field(max_length=1000, title=N_("Fault description"))
    urgency: Urgency = Field(Urgency.NORMAL, title=N_("Urgency"))


class RepairResolveIn(Input):
    note: str = Field(max_length=500, title=N_("How it was handled"))


class RepairLinkIn(Input):
    repair_id: int = Field(title=N_("Major repair request"))


# --- the unit's requests and the bureau's queue ----------------------------------------------------------


def _detail(user, repair_id: int):
    request = get_or_404(services.visible_requests(user), pk=repair_id)
    request.actions = services.allowed_actions(user, request)
    return request


@router.get("", response=Page[RepairOut], summary="大中修申请列表（本人数据范围内）")
def list_repairs(request: HttpRequest, query: Query[RepairFilter]):
    repairs = services.visible_requests(request.auth)
    for name, lookup in (("state", "state"), ("kind", "kind"), ("unit", "unit_id"), ("building", "building_id")):
        value = getattr(query, name)
        if value is not None:
            repairs = repairs.filter(**{lookup: value})
    return paginate(repairs, query, REPAIR_ORDER[query.sort], count=True)


@router.get("/queue", response=Page[RepairOut], summary="管理局的大中修排队（按队列与名次）")
def repair_queue(request: HttpRequest, query: Query[RepairQueueFilter]):
    waiting = services.queue(request.auth)
    if query.region:
        waiting = waiting.filter(region_id=query.region)
    return paginate(waiting, query, QUEUE_ORDER[query.sort], count=True)


@router.post("", response={201: RepairDetailOut}, summary="起草大中修申请")
def create_repair(request: HttpRequest, payload: RepairIn):
    repair = services.create_request(request.auth, **payload.model_dump())
    return Status(201, _detail(request.auth, repair.pk))


@router.post("/{repair_id}/submit", response=RepairDetailOut, summary="报送管理局排队")
def submit_repair(request: HttpRequest, repair_id: int, payload: RepairCommentIn):
    services.submit_request(request.auth, repair_id, payload.comment)
    return _detail(request.auth, repair_id)


@router.post("/{repair_id}/withdraw", response=RepairDetailOut, summary="撤回申请")
def withdraw_repair(request: HttpRequest, repair_id: int, payload: RepairCommentIn):
    services.withdraw_request(request.auth, repair_id, payload.comment)
    return _detail(request.auth, repair_id)


@router.post("/{repair_id}/decide", response=RepairDetailOut, summary="管理局审定：列入计划、退回补充或不予安排")
def decide_repair(request: HttpRequest, repair_id: int, payload: RepairDecisionIn):
    services.decide_request(request.auth, repair_id, **payload.model_dump())
    return _detail(request.auth, repair_id)


@router.post("/{repair_id}/start", response=RepairDetailOut, summary="开工（涉及房间转为维修中）")
def start_repair(request: HttpRequest, repair_id: int, payload: RepairStartIn):
    services.start_works(request.auth, repair_id, **payload.model_dump())
    return _detail(request.auth, repair_id)


@router.post("/{repair_id}/complete", response=RepairDetailOut, summary="竣工（实际费用计入机关运行成本）")
def complete_repair(request: HttpRequest, repair_id: int, payload: RepairCompleteIn):
    services.complete_works(request.auth, repair_id, **payload.model_dump())
    return _detail(request.auth, repair_id)


# --- staff reports ----------------------------------------------------------------------------------------


def _report_detail(report: RepairReport) -> RepairReport:
    report.timeline = timeline_of(report, ReportState)
    return report


@router.get("/reports/mine", response=Page[RepairReportOut], summary="我的报修")
def my_reports(request: HttpRequest, query: Query[RepairReportFilter]):
    reports = services.my_reports(request.auth)
    if query.state:
        reports = reports.filter(state=query.state)
    return paginate(reports, query, REPORT_ORDER[query.sort])


@router.post("/reports/mine", response={201: RepairReportDetailOut}, summary="报修本人办公室的故障")
def report_fault(request: HttpRequest, payload: RepairReportIn):
    report = services.report_fault(request.auth, **payload.model_dump())
    return Status(201, _report_detail(services.my_report(request.auth, report.pk)))


@router.get("/reports/mine/{report_id}", response=RepairReportDetailOut, summary="我的报修详情（含处理进度）")
def my_report(request: HttpRequest, report_id: int):
    return _report_detail(services.my_report(request.auth, report_id))


@router.get("/reports", response=Page[RepairReportOut], summary="本单位职工报修（单位管理员处理）")
def unit_reports(request: HttpRequest, query: Query[RepairReportFilter]):
    reports = services.unit_reports(request.auth)
    if query.state:
        reports = reports.filter(state=query.state)
    return paginate(reports, query, REPORT_ORDER[query.sort], count=True)


@router.post("/reports/{report_id}/resolve", response=RepairReportDetailOut, summary="单位自行处理完毕")
def resolve_report(request: HttpRequest, report_id: int, payload: RepairResolveIn):
    services.resolve_report(request.auth, report_id, payload.note)
    return _report_detail(get_or_404(services.unit_reports(request.auth), pk=report_id))


@router.post("/reports/{report_id}/link", response=RepairReportDetailOut, summary="并入已有的大中修申请")
def link_report(request: HttpRequest, report_id: int, payload: RepairLinkIn):
    services.link_report(request.auth, report_id, payload.repair_id)
    return _report_detail(get_or_404(services.unit_reports(request.auth), pk=report_id))


# --- one request (after the fixed paths above, which its id would otherwise shadow) ---------------------


@router.get("/{repair_id}", response=RepairDetailOut, summary="大中修申请详情（含得分构成与流程记录）")
def get_repair(request: HttpRequest, repair_id: int):
    return _detail(request.auth, repair_id)


@router.patch("/{repair_id}", response=RepairDetailOut, summary="修改草稿或退回的申请（只改所传字段）")
def update_repair(request: HttpRequest, repair_id: int, payload: RepairPatchIn):
    services.update_request(request.auth, repair_id, **payload.model_dump(exclude_unset=True))
    return _detail(request.auth, repair_id)
