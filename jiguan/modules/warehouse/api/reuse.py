"""REST API: the catalogue, reuse requests (调剂) and purchase checks (先调剂后购置). Thin: the rules are
``services.reuse``."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import AccountRef, Choice, Input, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of

from ..models import Condition, PurchaseDecision, ReuseState, StorageKind
from ..services import reuse as services
from ..services.intake import photos_of
from .warehouses import WarehouseAssetFields

router = Router()


class WarehouseCatalogueItemOut(WarehouseAssetFields):
    location: str = Field(description="存放仓库及库位；虚拟仓为“留存于原单位”")

    @staticmethod
    def resolve_location(asset) -> str:
        return services.whereabouts(asset)


class WarehousePhotoOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(attachment) -> str:
        return attachment.original_name


class WarehouseCatalogueItemDetailOut(WarehouseCatalogueItemOut):
    photos: list[WarehousePhotoOut] = Field(description="照片附件")

    @staticmethod
    def resolve_photos(asset) -> list:
        return list(photos_of(asset))


class WarehouseCatalogueFilter(PageQuery):
    q: str = Field("", max_length=100, description="名称、规格或卡片编号")
    category_code: str = Field("", max_length=9, description="分类代码，含其下级分类")
    condition: Condition | None = None
    warehouse_id: int | None = None
    storage_kind: StorageKind | None = None


@router.get("/catalogue", response=Page[WarehouseCatalogueItemOut], summary="公物仓目录：可申请调剂的物品")
def warehouse_search_catalogue(request: HttpRequest, query: Query[WarehouseCatalogueFilter]):
    items = services.search(request.auth, q=query.q, category_code=query.category_code,
                            condition=query.condition or "", warehouse_id=query.warehouse_id or "",
                            storage_kind=query.storage_kind or "")
    return paginate(items, query, ("-pooled_on", "-id"))


@router.get("/catalogue/{int:asset_id}", response=WarehouseCatalogueItemDetailOut, summary="公物仓目录物品详情")
def warehouse_catalogue_item(request: HttpRequest, asset_id: int):
    return services.catalogue_item(request.auth, asset_id)


class WarehouseReuseIn(Input):
    asset_id: int
    purpose: str = Field(max_length=1000, description="用途，至少 4 个字")


class WarehouseReuseCommentIn(Input):
    comment: str = Field("", max_length=1000, description="审核意见；拒绝时必填")


class WarehouseHandOverIn(Input):
    received_by_name: str = Field(max_length=50, description="接收人姓名")
    signature: str = Field(description="接收人手写签名：PNG 图片的 data URL（data:image/png;base64,…），不超过 200 KB")


class WarehouseReuseOut(Schema):
    id: int
    asset: WarehouseCatalogueItemOut
    unit: UnitRef = Field(description="申请单位")
    purpose: str
    state: Choice
    requested_by: AccountRef
    requested_at: datetime
    reviewed_at: datetime | None
    review_comment: str
    handed_over_at: datetime | None
    received_by_name: str

    @staticmethod
    def resolve_state(reuse) -> dict:
        return choice(reuse, "state")


class WarehouseReuseDetailOut(WarehouseReuseOut):
    allowed_actions: list[str] = Field(description="当前用户可执行的操作：approve、reject、withdraw、hand_over")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_allowed_actions(reuse, context) -> list[str]:
        return sorted(services.allowed_actions(reuse, context["request"].auth))

    @staticmethod
    def resolve_timeline(reuse) -> list[dict]:
        return timeline_of(reuse, ReuseState)


class WarehouseReuseFilter(PageQuery):
    state: ReuseState | None = None
    mine: bool = Field(False, description="为 true 时只列本单位的申请")


@router.get("/reuse-requests", response=Page[WarehouseReuseOut], summary="调剂申请")
def warehouse_list_reuse(request: HttpRequest, query: Query[WarehouseReuseFilter]):
    requests = (services.my_unit_requests if query.mine else services.reuse_in_scope)(request.auth)
    if query.state:
        requests = requests.filter(state=query.state)
    return paginate(requests, query, ("-requested_at", "-id"))


@router.post("/reuse-requests", response={201: WarehouseReuseDetailOut}, summary="申请调剂公物仓物品")
def warehouse_request_reuse(request: HttpRequest, payload: WarehouseReuseIn):
    return Status(201, services.request_reuse(request.auth, payload.asset_id, purpose=payload.purpose))


@router.get("/reuse-requests/{int:request_id}", response=WarehouseReuseDetailOut, summary="调剂申请详情")
def warehouse_get_reuse(request: HttpRequest, request_id: int):
    return get_or_404(services.reuse_in_scope(request.auth), pk=request_id)


@router.post("/reuse-requests/{int:request_id}/approve", response=WarehouseReuseDetailOut, summary="批准调剂")
def warehouse_approve_reuse(request: HttpRequest, request_id: int, payload: WarehouseReuseCommentIn):
    return services.approve_reuse(request.auth, request_id, payload.comment)


@router.post("/reuse-requests/{int:request_id}/reject", response=WarehouseReuseDetailOut, summary="拒绝调剂")
def warehouse_reject_reuse(request: HttpRequest, request_id: int, payload: WarehouseReuseCommentIn):
    return services.reject_reuse(request.auth, request_id, payload.comment)


@router.post("/reuse-requests/{int:request_id}/withdraw", response=WarehouseReuseDetailOut, summary="撤回调剂申请")
def warehouse_withdraw_reuse(request: HttpRequest, request_id: int, payload: WarehouseReuseCommentIn):
    return services.withdraw_reuse(request.auth, request_id, payload.comment)


@router.post("/reuse-requests/{int:request_id}/hand-over", response=WarehouseReuseDetailOut,
             summary="交接：接收人签名，物品归申请单位")
def warehouse_hand_over(request: HttpRequest, request_id: int, payload: WarehouseHandOverIn):
    return services.hand_over(request.auth, request_id, **payload.model_dump())


class WarehousePurchasePlanIn(Input):
    category_code: str = Field(max_length=9, description="拟购置资产的 GB/T 14885 分类代码")
    planned_item: str = Field(max_length=200, description="拟购置的物品")
    quantity: int = Field(description="数量")


class WarehousePurchaseCheckIn(WarehousePurchasePlanIn):
    decision: PurchaseDecision = Field(description="reuse：改为申请调剂；not_fit：无合适物品，购置")
    reason_not_fit: str = Field("", max_length=1000, description="decision 为 not_fit 时必填，至少 10 个字")


class WarehousePurchaseCheckOut(Schema):
    id: int
    unit: UnitRef
    category_code: str
    category: str
    planned_item: str
    quantity: int
    matches: int = Field(description="查询时公物仓中的匹配物品数")
    decision: Choice
    reason_not_fit: str
    checked_by: AccountRef
    checked_at: datetime

    @staticmethod
    def resolve_category_code(check) -> str:
        return check.category.code

    @staticmethod
    def resolve_category(check) -> str:
        return check.category.name

    @staticmethod
    def resolve_decision(check) -> dict:
        return choice(check, "decision")


class WarehousePurchaseCheckFilter(PageQuery):
    unit_id: int | None = None
    category_code: str = Field("", max_length=9, description="分类代码，含其下级分类")
    decision: PurchaseDecision | None = None


@router.post("/purchase-checks/matches", response=list[WarehouseCatalogueItemOut],
             summary="购置前查询：公物仓中同类物品（至多 100 件）")
def warehouse_check_before_purchase(request: HttpRequest, payload: WarehousePurchasePlanIn):
    return services.check_before_purchase(request.auth, **payload.model_dump())[:100]


@router.post("/purchase-checks", response={201: WarehousePurchaseCheckOut}, summary="记录购置前查询的结论")
def warehouse_record_purchase_check(request: HttpRequest, payload: WarehousePurchaseCheckIn):
    return Status(201, services.record_purchase_check(request.auth, **payload.model_dump()))


@router.get("/purchase-checks", response=Page[WarehousePurchaseCheckOut], summary="购置前查询记录")
def warehouse_list_purchase_checks(request: HttpRequest, query: Query[WarehousePurchaseCheckFilter]):
    checks = services.filtered_purchase_checks(request.auth, unit_id=query.unit_id or "",
                                               category_code=query.category_code, decision=query.decision or "")
    return paginate(checks, query, ("-checked_at", "-id"))
