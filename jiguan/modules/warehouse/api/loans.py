"""REST API: loans (借用 → 归还) and repairs (修复). Thin: the rules are ``services.loans`` and
``services.repairs``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import AccountRef, Choice, Input, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of

from ..models import Condition, LoanPurpose, LoanState, RepairState
from ..services import loans as services
from ..services import repairs as repair_services
from .reuse import WarehouseCatalogueItemOut

router = Router()


class WarehouseLoanIn(Input):
    asset_id: int
    purpose_kind: LoanPurpose = Field(description="meeting 会议 / event 活动 / temporary_body 临时机构 / other 其他")
    purpose: str = Field(max_length=1000, description="用途，至少 4 个字")
    starts_on: date = Field(description="借用开始日期，不早于今天")
    due_on: date = Field(description="应归还日期，借期不超过 180 天")


class WarehouseLoanCommentIn(Input):
    comment: str = Field("", max_length=1000, description="审核意见；拒绝时必填")


class WarehouseLendIn(Input):
    received_by_name: str = Field(max_length=50, description="领用人姓名")
    signature: str = Field(description="领用人手写签名：PNG 图片的 data URL（data:image/png;base64,…），不超过 200 KB")
    condition_out: Condition = Field(description="出借时成色")


class WarehouseExtendIn(Input):
    due_on: date = Field(description="新的应归还日期：晚于原日期，且距借用开始不超过 180 天")
    comment: str = Field("", max_length=1000, description="说明")


class WarehouseReturnIn(Input):
    returned_by_name: str = Field(max_length=50, description="归还人姓名")
    condition_back: Condition = Field(description="归还时成色")
    damage_charge: Decimal = Field(Decimal("0"), description="损坏赔偿（元）；大于 0 时成色须比出借时差")
    return_note: str = Field("", max_length=1000, description="验收意见；成色变差时必填")
    send_to_repair: bool = Field(False, description="为 true 时直接送修")
    repairer: str = Field("", max_length=100, description="维修单位；送修时必填")
    fault: str = Field("", max_length=1000, description="故障情况；送修时必填")


class WarehouseLoanOut(Schema):
    id: int
    asset: WarehouseCatalogueItemOut
    unit: UnitRef = Field(description="借用单位")
    purpose_kind: Choice
    purpose: str
    starts_on: date
    due_on: date
    overdue: bool = Field(description="借出且已过应归还日期")
    state: Choice
    requested_by: AccountRef
    requested_at: datetime
    reviewed_at: datetime | None
    review_comment: str
    lent_at: datetime | None
    received_by_name: str
    condition_out: Choice | None
    returned_at: datetime | None
    returned_by_name: str
    condition_back: Choice | None
    damage_charge: Decimal = Field(description="损坏赔偿（元）")
    return_note: str

    @staticmethod
    def resolve_purpose_kind(loan) -> dict:
        return choice(loan, "purpose_kind")

    @staticmethod
    def resolve_state(loan) -> dict:
        return choice(loan, "state")

    @staticmethod
    def resolve_overdue(loan) -> bool:
        days = services.days_left(loan)
        return days is not None and days < 0

    @staticmethod
    def resolve_condition_out(loan) -> dict | None:
        return choice(loan, "condition_out") if loan.condition_out else None

    @staticmethod
    def resolve_condition_back(loan) -> dict | None:
        return choice(loan, "condition_back") if loan.condition_back else None


class WarehouseLoanDetailOut(WarehouseLoanOut):
    allowed_actions: list[str] = Field(
        description="当前用户可执行的操作：approve、reject、withdraw、lend、extend、return")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_allowed_actions(loan, context) -> list[str]:
        return sorted(services.allowed_actions(loan, context["request"].auth))

    @staticmethod
    def resolve_timeline(loan) -> list[dict]:
        return timeline_of(loan, LoanState)


class WarehouseLoanFilter(PageQuery):
    state: LoanState | None = None
    overdue: bool = Field(False, description="为 true 时只列逾期未还的借用")
    mine: bool = Field(False, description="为 true 时只列本单位的借用")


@router.get("/loans", response=Page[WarehouseLoanOut], summary="借用")
def warehouse_list_loans(request: HttpRequest, query: Query[WarehouseLoanFilter]):
    loans = (services.my_unit_loans if query.mine else services.loans_in_scope)(request.auth)
    if query.state:
        loans = loans.filter(state=query.state)
    if query.overdue:
        loans = services.overdue(loans)
    return paginate(loans, query, ("-requested_at", "-id"))


@router.post("/loans", response={201: WarehouseLoanDetailOut}, summary="申请借用公物仓物品")
def warehouse_request_loan(request: HttpRequest, payload: WarehouseLoanIn):
    values = payload.model_dump()
    return Status(201, services.request_loan(request.auth, values.pop("asset_id"), **values))


@router.get("/loans/{int:loan_id}", response=WarehouseLoanDetailOut, summary="借用详情")
def warehouse_get_loan(request: HttpRequest, loan_id: int):
    return get_or_404(services.loans_in_scope(request.auth), pk=loan_id)


@router.post("/loans/{int:loan_id}/approve", response=WarehouseLoanDetailOut, summary="批准借用")
def warehouse_approve_loan(request: HttpRequest, loan_id: int, payload: WarehouseLoanCommentIn):
    return services.approve_loan(request.auth, loan_id, payload.comment)


@router.post("/loans/{int:loan_id}/reject", response=WarehouseLoanDetailOut, summary="拒绝借用")
def warehouse_reject_loan(request: HttpRequest, loan_id: int, payload: WarehouseLoanCommentIn):
    return services.reject_loan(request.auth, loan_id, payload.comment)


@router.post("/loans/{int:loan_id}/withdraw", response=WarehouseLoanDetailOut, summary="撤回借用申请")
def warehouse_withdraw_loan(request: HttpRequest, loan_id: int, payload: WarehouseLoanCommentIn):
    return services.withdraw_loan(request.auth, loan_id, payload.comment)


@router.post("/loans/{int:loan_id}/lend", response=WarehouseLoanDetailOut, summary="出借：领用人签名")
def warehouse_lend(request: HttpRequest, loan_id: int, payload: WarehouseLendIn):
    return services.lend(request.auth, loan_id, **payload.model_dump())


@router.post("/loans/{int:loan_id}/extend", response=WarehouseLoanDetailOut, summary="延长借期")
def warehouse_extend_loan(request: HttpRequest, loan_id: int, payload: WarehouseExtendIn):
    return services.extend_loan(request.auth, loan_id, **payload.model_dump())


@router.post("/loans/{int:loan_id}/return", response=WarehouseLoanDetailOut, summary="归还验收")
def warehouse_return_loan(request: HttpRequest, loan_id: int, payload: WarehouseReturnIn):
    return services.return_loan(request.auth, loan_id, **payload.model_dump())


# --- Repairs ----------------------------------------------------------------------------------------------------


class WarehouseRepairIn(Input):
    asset_id: int
    fault: str = Field(max_length=1000, description="故障情况")
    repairer: str = Field(max_length=100, description="维修单位")
    sent_on: date | None = Field(None, description="送修日期；不填为今天")
    expected_back_on: date | None = Field(None, description="预计修回日期")


class WarehouseRepairFinishIn(Input):
    outcome: RepairState = Field(description="repaired 已修复 / beyond_repair 无法修复")
    finished_on: date | None = Field(None, description="修回日期；不填为今天")
    cost: Decimal | None = Field(None, description="维修费用（元）；已修复时必填，可为 0")
    invoice_number: str = Field("", max_length=40, description="发票号码；有费用时必填")
    condition_after: Condition | None = Field(None, description="修复后成色；已修复时必填")
    outcome_note: str = Field("", max_length=1000, description="结果说明；无法修复时必填")


class WarehouseRepairOut(Schema):
    id: int
    asset: WarehouseCatalogueItemOut
    unit: UnitRef = Field(description="保管单位（承担维修费用）")
    loan_id: int | None = Field(description="归还验收时发现损坏的借用")
    fault: str
    repairer: str
    sent_on: date
    expected_back_on: date | None
    sent_by: AccountRef
    state: Choice
    finished_on: date | None
    cost: Decimal | None
    invoice_number: str
    condition_after: Choice | None
    outcome_note: str

    @staticmethod
    def resolve_state(repair) -> dict:
        return choice(repair, "state")

    @staticmethod
    def resolve_condition_after(repair) -> dict | None:
        return choice(repair, "condition_after") if repair.condition_after else None


class WarehouseRepairDetailOut(WarehouseRepairOut):
    allowed_actions: list[str] = Field(description="当前用户可执行的操作：finish")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_allowed_actions(repair, context) -> list[str]:
        return sorted(repair_services.allowed_actions(repair, context["request"].auth))

    @staticmethod
    def resolve_timeline(repair) -> list[dict]:
        return timeline_of(repair, RepairState)


class WarehouseRepairFilter(PageQuery):
    state: RepairState | None = None


@router.get("/repairs", response=Page[WarehouseRepairOut], summary="维修记录")
def warehouse_list_repairs(request: HttpRequest, query: Query[WarehouseRepairFilter]):
    repairs = repair_services.repairs_in_scope(request.auth)
    if query.state:
        repairs = repairs.filter(state=query.state)
    return paginate(repairs, query, ("-sent_on", "-id"))


@router.post("/repairs", response={201: WarehouseRepairDetailOut}, summary="送修公物仓物品")
def warehouse_send_to_repair(request: HttpRequest, payload: WarehouseRepairIn):
    values = payload.model_dump()
    return Status(201, repair_services.send_to_repair(request.auth, values.pop("asset_id"), **values))


@router.get("/repairs/{int:repair_id}", response=WarehouseRepairDetailOut, summary="维修详情")
def warehouse_get_repair(request: HttpRequest, repair_id: int):
    return get_or_404(repair_services.repairs_in_scope(request.auth), pk=repair_id)


@router.post("/repairs/{int:repair_id}/finish", response=WarehouseRepairDetailOut, summary="修回入仓")
def warehouse_finish_repair(request: HttpRequest, repair_id: int, payload: WarehouseRepairFinishIn):
    values = payload.model_dump()
    values["condition_after"] = values["condition_after"] or ""
    return repair_services.finish_repair(request.auth, repair_id, **values)
