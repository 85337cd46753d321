"""REST API: idle assets of units (闲置资产) — list, declare, back in use, offered to the pool. Thin: the rules
are ``services.idle``."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.schemas import Choice, Input, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of

from ..models import IdleState
from ..services import idle as services

router = Router()


class WarehouseIdleIn(Input):
    name: str = Field(max_length=100, description="资产名称")
    category_code: str = Field("", max_length=9, description="GB/T 14885 分类代码，可不填")
    quantity: int = Field(1, description="数量，1–500")
    idle_since: date = Field(description="闲置起始日期，不得晚于今天")
    note: str = Field("", max_length=200, description="备注")


class WarehouseIdleInUseIn(Input):
    comment: str = Field(max_length=500, description="现在的用途")


class WarehouseIdleOfferedIn(Input):
    intake_request_id: int = Field(description="本单位的入仓申请（未被退回或撤回）")


class WarehouseIdleOut(Schema):
    id: int
    unit: UnitRef = Field(description="闲置资产所在单位")
    name: str
    category_code: str | None
    quantity: int
    idle_since: date
    months_idle: int = Field(description="已闲置整月数")
    due: bool = Field(description="闲置满 6 个月仍未处理：应交公物仓")
    source: Choice
    state: Choice
    intake_request_id: int | None
    reminded_on: date | None
    note: str

    @staticmethod
    def resolve_category_code(idle) -> str | None:
        return idle.category.code if idle.category else None

    @staticmethod
    def resolve_months_idle(idle) -> int:
        return services.months_idle(idle.idle_since)

    @staticmethod
    def resolve_due(idle) -> bool:
        return services.is_due(idle)

    @staticmethod
    def resolve_source(idle) -> dict:
        return choice(idle, "source")

    @staticmethod
    def resolve_state(idle) -> dict:
        return choice(idle, "state")


class WarehouseIdleDetailOut(WarehouseIdleOut):
    allowed_actions: list[str] = Field(description="当前用户可执行的操作：offer、in_use")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_allowed_actions(idle, context) -> list[str]:
        return sorted(services.allowed_actions(idle, context["request"].auth))

    @staticmethod
    def resolve_timeline(idle) -> list[dict]:
        return timeline_of(idle, IdleState)


class WarehouseIdleFilter(PageQuery):
    state: IdleState | None = None
    due: bool | None = Field(None, description="true：只列应交公物仓的（闲置满 6 个月）；false：其余")


@router.get("/idle-assets", response=Page[WarehouseIdleOut], summary="闲置资产")
def warehouse_list_idle(request: HttpRequest, query: Query[WarehouseIdleFilter]):
    rows = services.filtered(request.auth, state=query.state or "", due=query.due)
    return paginate(rows, query, ("idle_since", "id"))


@router.post("/idle-assets", response={201: WarehouseIdleDetailOut}, summary="登记本单位的闲置资产")
def warehouse_declare_idle(request: HttpRequest, payload: WarehouseIdleIn):
    return Status(201, services.declare_idle(request.auth, **payload.model_dump()))


@router.get("/idle-assets/{int:idle_id}", response=WarehouseIdleDetailOut, summary="闲置资产详情")
def warehouse_get_idle(request: HttpRequest, idle_id: int):
    return services.get_idle(request.auth, idle_id)


@router.post("/idle-assets/{int:idle_id}/in-use", response=WarehouseIdleDetailOut, summary="闲置资产已恢复使用")
def warehouse_idle_in_use(request: HttpRequest, idle_id: int, payload: WarehouseIdleInUseIn):
    return services.mark_in_use(request.auth, idle_id, payload.comment)


@router.post("/idle-assets/{int:idle_id}/offered", response=WarehouseIdleDetailOut, summary="闲置资产已申请入仓")
def warehouse_idle_offered(request: HttpRequest, idle_id: int, payload: WarehouseIdleOfferedIn):
    return services.mark_offered(request.auth, idle_id, payload.intake_request_id)
