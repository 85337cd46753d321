"""Intake requests (入仓申请): list, detail, submit, approve, reject, withdraw and receive. Rules live in
``services.intake``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of

from ..models import Condition, IntakeState, SourceReason, StorageKind
from ..services import intake as services

router = Router()


class WarehouseIntakeItemIn(Input):
    category_code: str = Field(max_length=9, description="GB/T 14885-2022 三级或四级分类代码，如 A05010201")
    name: str = Field(max_length=100)
    specification: str = Field("", max_length=200, description="规格型号")
    quantity: int = Field(description="数量，1–500")
    original_value: Decimal = Field(description="单件原值（元）")
    purchase_date: date
    condition: Condition
    source_reason: SourceReason
    classified: bool = Field(False, description="涉密；仅持有涉密资产权限者可提交")
    storage_kind: StorageKind = StorageKind.PHYSICAL
    note: str = Field("", max_length=200)


class WarehouseIntakeIn(Input):
    reason: str = Field(max_length=1000, description="入仓理由")
    items: list[WarehouseIntakeItemIn] = Field(description="物品明细，1–200 行")


class WarehouseApproveIn(Input):
    warehouse_id: int | None = Field(None, description="接收仓库；有实物入库的物品时必填")
    comment: str = Field("", max_length=500)


class WarehouseCommentIn(Input):
    comment: str = Field("", max_length=500, description="意见；退回时必填")


class WarehouseReceiveIn(Input):
    received_on: date | None = Field(None, description="接收日期；不填为今天")
    lines: dict[str, int] = Field({}, description="明细行 ID → 库位 ID（每一实物入库行）")


class WarehouseIntakeItemOut(Schema):
    id: int
    category: str
    name: str
    specification: str
    quantity: int
    original_value: Decimal
    purchase_date: date
    condition: Choice
    source_reason: Choice
    classified: bool
    storage_kind: Choice
    note: str
    cards: list[str] = Field(description="接收后生成的资产卡片编号")

    @staticmethod
    def resolve_category(item) -> str:
        return str(item.category)

    @staticmethod
    def resolve_condition(item) -> dict:
        return choice(item, "condition")

    @staticmethod
    def resolve_source_reason(item) -> dict:
        return choice(item, "source_reason")

    @staticmethod
    def resolve_storage_kind(item) -> dict:
        return choice(item, "storage_kind")

    @staticmethod
    def resolve_cards(item) -> list[str]:
        return [asset.number for asset in item.assets.all()]


class WarehouseIntakeOut(Schema):
    id: int
    number: str
    unit: UnitRef = Field(description="提出入仓的单位")
    pool_region: RegionRef
    state: Choice
    submitted_at: datetime
    warehouse_id: int | None
    receipt_number: str

    @staticmethod
    def resolve_state(request) -> dict:
        return choice(request, "state")


class WarehouseIntakeDetailOut(WarehouseIntakeOut):
    reason: str
    review_comment: str
    received_on: date | None
    items: list[WarehouseIntakeItemOut]
    allowed_actions: list[str] = Field(description="当前用户可执行的操作：approve / reject / withdraw / receive")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_items(request):
        return list(request.items.select_related("category").prefetch_related("assets"))

    @staticmethod
    def resolve_timeline(request) -> list[dict]:
        return timeline_of(request, IntakeState)


class WarehouseIntakeFilter(PageQuery):
    state: IntakeState | None = None
    unit: int | None = Field(None, description="单位 ID")


def _detail(request: HttpRequest, request_id: int):
    intake = get_or_404(services.requests_in_scope(request.auth), pk=request_id)
    intake.allowed_actions = services.allowed_actions(intake, request.auth)
    return intake


@router.get("", response=Page[WarehouseIntakeOut], summary="入仓申请列表（按状态、单位筛选）")
def warehouse_list_intake(request: HttpRequest, query: Query[WarehouseIntakeFilter]):
    requests = services.requests_in_scope(request.auth)
    if query.state:
        requests = requests.filter(state=query.state)
    if query.unit is not None:
        requests = requests.filter(unit_id=query.unit)
    return paginate(requests, query, ("-submitted_at", "-id"), count=True)


@router.post("", response={201: WarehouseIntakeDetailOut}, summary="提交入仓申请（本单位物品）")
def warehouse_submit_intake(request: HttpRequest, payload: WarehouseIntakeIn):
    intake = services.submit(request.auth, reason=payload.reason,
                             items=[item.model_dump() for item in payload.items])
    return Status(201, _detail(request, intake.pk))


@router.get("/{int:request_id}", response=WarehouseIntakeDetailOut, summary="入仓申请详情（明细、卡片、流程记录）")
def warehouse_get_intake(request: HttpRequest, request_id: int):
    return _detail(request, request_id)


@router.post("/{int:request_id}/approve", response=WarehouseIntakeDetailOut, summary="审核通过并指定接收仓库")
def warehouse_approve_intake(request: HttpRequest, request_id: int, payload: WarehouseApproveIn):
    services.approve(request.auth, request_id, **payload.model_dump())
    return _detail(request, request_id)


@router.post("/{int:request_id}/reject", response=WarehouseIntakeDetailOut, summary="退回（须写明理由）")
def warehouse_reject_intake(request: HttpRequest, request_id: int, payload: WarehouseCommentIn):
    services.reject(request.auth, request_id, payload.comment)
    return _detail(request, request_id)


@router.post("/{int:request_id}/withdraw", response=WarehouseIntakeDetailOut, summary="撤回（审核前，本单位）")
def warehouse_withdraw_intake(request: HttpRequest, request_id: int, payload: WarehouseCommentIn):
    services.withdraw(request.auth, request_id, payload.comment)
    return _detail(request, request_id)


@router.post("/{int:request_id}/receive", response=WarehouseIntakeDetailOut, summary="接收入库，生成资产卡片与入库单")
def warehouse_receive_intake(request: HttpRequest, request_id: int, payload: WarehouseReceiveIn):
    services.receive(request.auth, request_id, **payload.model_dump())
    return _detail(request, request_id)
