"""REST API: the end of a tenancy — the bureau ends a lease and checks it out, the tenant gives notice, the
overdue-occupancy list. Thin: the rules are ``services.endings``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, choice

from ..models import EndReason, LeaseState
from ..module import VIEW
from ..services import endings as services
from ..services.leases import leases_in_scope, my_leases
from .leases import HousingInspectedItemIO

router = Router()
CENT = Decimal("0.01")


class HousingEndTenancyIn(Input):
    reason: EndReason = Field(description="终止原因：sublet 转租转借 / empty 连续空置 / arrears 欠租 / not_eligible 不再符合条件 / "
                                          "term_ended 租期届满（tenant_request 由承租人在服务端申请）")
    details: str = Field("", max_length=2000, description="核查情况；转租转借（至少10字）、空置、不再符合条件时必填")
    ended_on: date | None = Field(None, description="终止日期；不填为今天（租期届满为租期最后一天）")


class HousingMoveOutIn(Input):
    move_out_on: date = Field(description="腾退日期：按本地区规定天数提前申请（默认7天），且不晚于租期届满日")
    reason: str = Field("", max_length=500, description="说明")


class HousingDamageIn(Schema):
    item: str = Field(max_length=30, description="损坏物品")
    amount: Decimal = Field(description="赔偿金额（元），大于0且不超过100000")
    note: str = Field("", max_length=200)


class HousingCheckOutIn(Input):
    inspected_on: date = Field(description="验房日期：不早于租赁终止日，不晚于今天")
    items: list[HousingInspectedItemIO] = Field(description="逐项清点入住时交付的家具家电")
    meter_readings: dict[str, Decimal] = Field(description="各表最终读数，如 {\"water\": 130.5}")
    damages: list[HousingDamageIn] = Field([], description="损坏赔偿")
    notes: str = Field("", max_length=2000)


class HousingSettlementOut(Schema):
    deposit: Decimal = Field(description="押金（元）")
    set_off: Decimal = Field(description="押金抵扣（元）")
    refund: Decimal = Field(description="退还押金（元）")
    owed: Decimal = Field(description="抵扣后仍欠（元）")


class HousingEndingLeaseBase(Schema):
    id: int
    number: str
    flat: str = Field(description="小区、楼栋与房号")
    tenant: str
    state: Choice
    end_reason: Choice | None
    move_out_by: date | None = Field(description="腾退期限")

    @staticmethod
    def resolve_flat(lease) -> str:
        return str(lease.flat)

    @staticmethod
    def resolve_tenant(lease) -> str:
        return lease.person.name

    @staticmethod
    def resolve_state(lease) -> dict:
        return choice(lease, "state")

    @staticmethod
    def resolve_end_reason(lease) -> dict | None:
        return choice(lease, "end_reason") if lease.end_reason else None


class HousingLeaseEndingOut(HousingEndingLeaseBase):
    end_details: str
    ends_on: date = Field(description="租期届满日")
    ended_on: date | None = Field(description="租赁终止日")
    overstay_since: date | None = Field(description="逾期占用起算日（按市场租金计收）")
    moved_out_on: date | None
    settled_at: datetime | None
    settlement: HousingSettlementOut

    @staticmethod
    def resolve_settlement(lease) -> dict:
        return services.settlement(lease)


class HousingOverstayOut(HousingEndingLeaseBase):
    days_over: int = Field(description="超过腾退期限的天数")
    overstay_charged: Decimal = Field(description="已按市场租金计收的逾期占用费（元）")

    @staticmethod
    def resolve_days_over(lease) -> int:
        return services.days_over(lease)

    @staticmethod
    def resolve_overstay_charged(lease) -> Decimal:
        return Decimal(lease.overstay_charged).quantize(CENT)  # SQLite sums lose the scale


class HousingCheckOutOut(Schema):
    id: int
    inspected_on: date
    items: list[dict]
    meter_readings: dict[str, str]
    damages: list[dict]
    notes: str
    lease: HousingLeaseEndingOut


class HousingOverstayFilter(PageQuery):
    state: LeaseState | None = Field(None, description="ending 腾退期内 / overstay 逾期占用")


@router.get("/overstays", response=Page[HousingOverstayOut], summary="逾期占用：已终止未退房的租赁（腾退期内与逾期占用）")
def housing_list_overstays(request: HttpRequest, query: Query[HousingOverstayFilter]):
    leases = services.overstays_in_scope(request.auth)
    if query.state:
        leases = leases.filter(state=query.state)
    return paginate(leases, query, ("move_out_by", "id"))


@router.post("/leases/{int:lease_id}/end", response=HousingLeaseEndingOut, summary="终止租赁（转租转借、连续空置、欠租、不再符合条件、租期届满）")
def housing_end_tenancy(request: HttpRequest, lease_id: int, payload: HousingEndTenancyIn):
    services.end_tenancy(request.auth, lease_id, **payload.model_dump())
    return get_or_404(leases_in_scope(request.auth, VIEW), pk=lease_id)


@router.post("/leases/{int:lease_id}/check-out", response={201: HousingCheckOutOut}, summary="退房验收与结算（最终抄表、损坏赔偿、押金抵扣）")
def housing_check_out(request: HttpRequest, lease_id: int, payload: HousingCheckOutIn):
    inspection = services.check_out(request.auth, lease_id, **payload.model_dump())
    inspection.lease = get_or_404(leases_in_scope(request.auth, VIEW), pk=lease_id)
    return Status(201, inspection)


@router.post("/my/leases/{int:lease_id}/move-out", response=HousingLeaseEndingOut, summary="承租人申请退租腾退")
def housing_request_move_out(request: HttpRequest, lease_id: int, payload: HousingMoveOutIn):
    services.request_move_out(request.auth, lease_id, **payload.model_dump())
    return get_or_404(my_leases(request.auth), pk=lease_id)
