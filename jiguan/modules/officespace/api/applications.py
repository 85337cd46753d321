"""REST API: Space applications (用房申请) and their allocation in the order 调剂 → 置换 → 租用 → 建设, and
staff members' office adjustment requests. Thin: reads go through ``scoped()``, writes through
``services.applications``; every rule lives there."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from ..models import (
    AdjustmentReason,
    AdjustmentState,
    AllocationMethod,
    ApplicationState,
    SpaceApplication,
)
from ..module import VIEW
from ..schemas import RoomRef
from ..services import applications as services

router = Router()

APPLICATION_ORDER = {
    "-created": ("-created_at", "-id"), "created": ("created_at", "id"),
    "needed_by": ("needed_by", "id"), "-area": ("-requested_area", "-id"),
}
ADJUSTMENT_ORDER = {"-created": ("-created_at", "-id")}


# --- schemas -----------------------------------------------------------------------------------------


class HeadcountIn(Input):
    rank_id: int = Field(title=N_("Rank"))
    count: int = Field(ge=1, le=10000, title=N_("People"))


class ApplicationIn(Input):
    unit_id: int | None = Field(None, title=N_("Unit"), description="申请单位；不填为本人所在单位")
    title: str = Field(max_length=200, title=N_("Title"))
    purpose: str = Field(max_length=2000, title=N_("Purpose and reason"), description="用途及理由")
    headcount: list[HeadcountIn] = Field(title=N_("Head-count"), description="按职级列出使用人数")
    requested_area: float = Field(gt=0, le=100000, title=N_("Requested usable area"),
                                  description="申请使用面积（㎡），不得超过按人数核定的面积")
    needed_by: date = Field(title=N_("Needed by"), description="需用日期")
    preferred_region_code: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Preferred region"))
    preferred_compound_id: int | None = Field(None, title=N_("Preferred compound"))
    submit: bool = Field(False, title=N_("Submit"), description="为 true 时保存后立即提交审批")


class CommentIn(Input):
    comment: str = Field("", max_length=2000, title=N_("Remarks"))


class AllocateIn(Input):
    method: AllocationMethod = Field(title=N_("Method"), description="调配方式：transfer 调剂 / exchange 置换 / "
                                     "rent 租用 / construction 建设，须按此顺序，后一种须写明前几种不能解决的理由")
    why_not_transfer: str = Field("", max_length=1000, title=N_("Why reallocation cannot serve"))
    why_not_exchange: str = Field("", max_length=1000, title=N_("Why an exchange cannot serve"))
    why_not_rent: str = Field("", max_length=1000, title=N_("Why renting cannot serve"))
    room_ids: list[int] = Field([], title=N_("Rooms"), description="调剂、置换：调配给申请单位的闲置办公室")
    returned_room_ids: list[int] = Field([], title=N_("Rooms given back"), description="置换：申请单位交回的房间")
    document_no: str = Field("", max_length=60, title=N_("Document number"), description="调剂、置换：使用凭证文号")
    issued_on: date | None = Field(None, title=N_("Issued on"), description="使用凭证印发日期；不填为今天")
    lessor: str = Field("", max_length=100, title=N_("Lessor"), description="租用：出租方")
    address: str = Field("", max_length=200, title=N_("Address"), description="租用：房屋地址")
    area: float | None = Field(None, gt=0, le=10000000, title=N_("Area"), description="租用面积或建设规划面积（㎡）")
    annual_rent: float | None = Field(None, gt=0, title=N_("Annual rent"), description="租用：年租金（元）")
    lease_start: date | None = Field(None, title=N_("Lease start"))
    lease_end: date | None = Field(None, title=N_("Lease end"))
    project_name: str = Field("", max_length=100, title=N_("Project name"), description="建设：项目名称")
    approval_no: str = Field("", max_length=60, title=N_("Approval document number"), description="建设：立项批复文号")


class ApplicationFilter(PageQuery):
    state: ApplicationState | None = Field(None, title=N_("State"))
    method: AllocationMethod | None = Field(None, title=N_("Method"))
    unit: int | None = Field(None, title=N_("Unit"), description="申请单位 ID")
    sort: sort_by(APPLICATION_ORDER) = "-created"


class HeadcountOut(Schema):
    rank: str
    count: int
    limit: float = Field(description="该职级人均标准（㎡）")

    @staticmethod
    def resolve_rank(line) -> str:
        return line.rank.name


class ApplicationOut(Schema):
    id: int
    title: str
    unit: UnitRef
    state: Choice
    headcount: int = Field(description="使用人数")
    entitlement: float = Field(description="按人数核定面积（㎡）")
    requested_area: float = Field(description="申请使用面积（㎡）")
    needed_by: date
    method: Choice | None = Field(description="调配方式；尚未调配为 null")
    created_at: datetime
    submitted_at: datetime | None

    @staticmethod
    def resolve_state(application) -> dict:
        return choice(application, "state")

    @staticmethod
    def resolve_method(application) -> dict | None:
        allocation = getattr(application, "allocation", None)
        return choice(allocation, "method") if allocation else None


class AllocationOut(Schema):
    method: Choice
    why_not_transfer: str
    why_not_exchange: str
    why_not_rent: str
    rooms: list[RoomRef] = Field(description="调配的房间")
    returned_rooms: list[RoomRef] = Field(description="置换交回的房间")
    document_no: str | None = Field(description="使用凭证文号")
    lessor: str
    address: str
    area: float | None
    annual_rent: float | None
    lease_start: date | None
    lease_end: date | None
    project_name: str
    approval_no: str
    allocated_on: date

    @staticmethod
    def resolve_method(allocation) -> dict:
        return choice(allocation, "method")

    @staticmethod
    def resolve_rooms(allocation):
        return list(allocation.rooms.all())

    @staticmethod
    def resolve_returned_rooms(allocation):
        return list(allocation.returned_rooms.all())

    @staticmethod
    def resolve_document_no(allocation) -> str | None:
        return allocation.document.document_no if allocation.document_id else None


class ApplicationDetailOut(ApplicationOut):
    purpose: str
    preferred_region: RegionRef | None
    preferred_compound: str | None
    lines: list[HeadcountOut] = Field(description="按职级的使用人数")
    approval_status: Choice | None = Field(description="审批状态")
    allocation: AllocationOut | None
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_preferred_compound(application) -> str | None:
        return application.preferred_compound.name if application.preferred_compound_id else None

    @staticmethod
    def resolve_lines(application):
        return list(application.lines.select_related("rank"))

    @staticmethod
    def resolve_approval_status(application) -> dict | None:
        return choice(application.approval, "status") if application.approval_id else None

    @staticmethod
    def resolve_allocation(application):
        return getattr(application, "allocation", None)

    @staticmethod
    def resolve_timeline(application) -> list[dict]:
        return timeline_of(application, ApplicationState)


class IdleRoomOut(Schema):
    id: int
    label: str = Field(description="楼栋与房间号")
    compound: str
    region: RegionRef
    unit: UnitRef = Field(description="现使用（登记）单位")
    usable_area: float
    idle_since: date | None

    @staticmethod
    def resolve_label(room) -> str:
        return str(room)

    @staticmethod
    def resolve_compound(room) -> str:
        return room.building.compound.name

    @staticmethod
    def resolve_region(room):
        return room.building.compound.region


class IdleRoomsOut(Schema):
    count: int
    area: float = Field(description="闲置面积合计（㎡）")
    rooms: list[IdleRoomOut] = Field(description="最匹配的在前：同院落、同地区、面积最接近申请")


class AdjustmentIn(Input):
    reason: AdjustmentReason = Field(title=N_("Reason"))
    details: str = Field(max_length=1000, title=N_("Details"))


class AdjustmentDecisionIn(Input):
    decision: str = Field(pattern="^(accept|decline|complete)$", title=N_("Decision"),
                          description="accept 同意 / decline 不同意（须写理由）/ complete 已调整完毕")
    comment: str = Field("", max_length=1000, title=N_("Remarks"))


class AdjustmentOut(Schema):
    id: int
    reason: Choice
    details: str
    state: Choice
    room: RoomRef | None = Field(description="申请时的办公室")
    response: str = Field(description="单位答复")
    created_at: datetime
    decided_at: datetime | None
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_reason(adjustment) -> dict:
        return choice(adjustment, "reason")

    @staticmethod
    def resolve_state(adjustment) -> dict:
        return choice(adjustment, "state")

    @staticmethod
    def resolve_timeline(adjustment) -> list[dict]:
        return timeline_of(adjustment, AdjustmentState)


# --- staff members' adjustment requests ------------------------------------------------------------------
# Declared first: their fixed paths must precede the applications' ``/{application_id}`` ones (in the
# OpenAPI document too).


@router.get("/adjustments", response=Page[AdjustmentOut], summary="我的办公室调整申请")
def my_adjustments(request: HttpRequest, query: Query[PageQuery]):
    return paginate(services.my_adjustments(request.auth), query, ADJUSTMENT_ORDER["-created"])


@router.post("/adjustments", response={201: AdjustmentOut}, summary="申请调整本人办公室")
def request_adjustment(request: HttpRequest, payload: AdjustmentIn):
    return Status(201, services.request_adjustment(request.auth, **payload.model_dump()))


@router.post("/adjustments/{int:adjustment_id}/decision", response=AdjustmentOut, summary="单位管理员处理调整申请")
def decide_adjustment(request: HttpRequest, adjustment_id: int, payload: AdjustmentDecisionIn):
    decide = {"accept": services.accept_adjustment, "decline": services.decline_adjustment,
              "complete": services.complete_adjustment}[payload.decision]
    return decide(request.auth, adjustment_id, payload.comment)


@router.post("/adjustments/{int:adjustment_id}/withdraw", response=AdjustmentOut, summary="撤回本人的调整申请")
def withdraw_adjustment(request: HttpRequest, adjustment_id: int):
    return services.withdraw_adjustment(request.auth, adjustment_id)


# --- space applications ------------------------------------------------------------------------------


def _applications(user) -> QuerySet:
    require(user, VIEW)
    queryset = SpaceApplication.objects.select_related("unit", "allocation", "preferred_region",
                                                       "preferred_compound", "approval", "allocation__document")
    return scoped(queryset, user, VIEW)


def _detail(user, application_id: int) -> SpaceApplication:
    return get_or_404(_applications(user), pk=application_id)


@router.get("", response=Page[ApplicationOut], summary="用房申请列表（按状态、调配方式、单位筛选）")
def list_applications(request: HttpRequest, query: Query[ApplicationFilter]):
    applications = _applications(request.auth)
    if query.state:
        applications = applications.filter(state=query.state)
    if query.method:
        applications = applications.filter(allocation__method=query.method)
    if query.unit is not None:
        applications = applications.filter(unit_id=query.unit)
    return paginate(applications, query, APPLICATION_ORDER[query.sort])


@router.post("", response={201: ApplicationDetailOut}, summary="新建用房申请（可同时提交审批）")
def create_application(request: HttpRequest, payload: ApplicationIn):
    values = payload.model_dump()
    submit = values.pop("submit")
    application = services.create_application(request.auth, **values)
    if submit:
        services.submit_application(request.auth, application.pk)
    return Status(201, _detail(request.auth, application.pk))


@router.get("/{int:application_id}", response=ApplicationDetailOut, summary="用房申请详情（人数、核定面积、审批、调配结果、流程记录）")
def get_application(request: HttpRequest, application_id: int):
    return _detail(request.auth, application_id)


@router.post("/{int:application_id}/submit", response=ApplicationDetailOut, summary="提交（或退回修改后重新提交）审批")
def submit_application(request: HttpRequest, application_id: int, payload: CommentIn):
    services.submit_application(request.auth, application_id, payload.comment)
    return _detail(request.auth, application_id)


@router.post("/{int:application_id}/withdraw", response=ApplicationDetailOut, summary="撤回用房申请")
def withdraw_application(request: HttpRequest, application_id: int):
    services.withdraw_application(request.auth, application_id)
    return _detail(request.auth, application_id)


@router.get("/{int:application_id}/idle-rooms", response=IdleRoomsOut, summary="可调剂的闲置办公室（最匹配的在前）")
def idle_rooms(request: HttpRequest, application_id: int):
    application = services.supervised_application(request.auth, application_id)
    rooms = services.matching_idle_rooms(request.auth, application)
    return {**services.idle_totals(rooms), "rooms": list(rooms[:100])}


@router.post("/{int:application_id}/allocate", response=ApplicationDetailOut,
             summary="调配用房：调剂 → 置换 → 租用 → 建设（租用、建设须无可调剂的闲置用房）")
def allocate(request: HttpRequest, application_id: int, payload: AllocateIn):
    services.allocate(request.auth, application_id, **payload.model_dump())
    return _detail(request.auth, application_id)
