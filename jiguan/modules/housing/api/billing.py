"""REST API: the ledger of a tenancy (charges, payments, running balance), recording payments and meter
readings, the arrears list and the tenant's own bills. Thin: the rules are ``services.billing``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.schemas import Choice, Input, choice

from ..services import billing as services
from ..services.billing import ManualPaymentMethod

router = Router()

ARREARS_ORDER = {"-arrears": ("-arrears_amount", "-id"), "-months": ("-months_owed", "-id"), "number": ("number", "id")}


class HousingLedgerRowOut(Schema):
    on: date = Field(description="记账日期：费用为出账日，缴费为缴费日")
    kind: str = Field(description="费用类别或缴费方式")
    description: str = Field(description="费用说明或收据号")
    charged: Decimal | None = Field(description="应收（元）")
    paid: Decimal | None = Field(description="实收（元）")
    balance: Decimal = Field(description="此后结欠（元）")


class HousingLedgerOut(Schema):
    lease_id: int
    number: str = Field(description="合同编号")
    flat: str
    tenant: str
    outstanding: Decimal = Field(description="未缴合计（元）")
    arrears: Decimal = Field(description="逾期未缴（元）")
    rent_owed_months: Decimal = Field(description="逾期未缴租金折合月数")
    rows: list[HousingLedgerRowOut]


class HousingPaymentIn(Input):
    amount: Decimal = Field(description="金额（元），不超过未缴合计")
    paid_on: date | None = Field(None, description="缴费日期；不填为今天")
    method: ManualPaymentMethod = Field(description="transfer 转账 / payroll 工资代扣 / card 刷卡或移动支付")
    reference: str = Field(max_length=60, description="收据号或银行流水号（同一合同不得重复）")
    note: str = Field("", max_length=200)


class HousingPaymentOut(Schema):
    id: int
    lease_id: int
    amount: Decimal
    paid_on: date
    method: Choice
    reference: str
    outstanding: Decimal = Field(description="缴费后未缴合计（元）")

    @staticmethod
    def resolve_method(payment) -> dict:
        return choice(payment, "method")

    @staticmethod
    def resolve_outstanding(payment) -> Decimal:
        return services.outstanding(payment.lease)


class HousingReadingsIn(Input):
    readings: dict[str, Decimal] = Field(description="表类 → 读数，如 {\"water\": 123.4, \"electricity\": 2345}")
    read_on: date | None = Field(None, description="抄表日期；不填为今天")


class HousingReadingOut(Schema):
    meter_kind: str
    read_on: date
    previous: Decimal
    reading: Decimal
    lease_id: int | None = Field(description="计入的租赁合同；空置时为空")

    @staticmethod
    def resolve_meter_kind(reading) -> str:
        return reading.meter.kind


class HousingArrearsOut(Schema):
    lease_id: int = Field(alias="pk")
    number: str
    tenant: str
    flat: str
    state: Choice
    monthly_rent: Decimal
    outstanding: Decimal
    arrears: Decimal
    rent_owed_months: Decimal

    @staticmethod
    def resolve_outstanding(lease) -> Decimal:
        return lease.outstanding_amount.quantize(services.CENT)  # SQLite sums drop trailing zeros

    @staticmethod
    def resolve_arrears(lease) -> Decimal:
        return lease.arrears_amount.quantize(services.CENT)

    @staticmethod
    def resolve_tenant(lease) -> str:
        return lease.person.name

    @staticmethod
    def resolve_flat(lease) -> str:
        return str(lease.flat)

    @staticmethod
    def resolve_state(lease) -> dict:
        return choice(lease, "state")

    @staticmethod
    def resolve_rent_owed_months(lease) -> Decimal:
        return services.months_of(lease.rent_owed, lease.monthly_rent)


class HousingArrearsFilter(PageQuery):
    estate: int | None = Field(None, description="小区 ID")
    arrears_only: bool = Field(False, description="只列有逾期欠费的合同")
    sort: sort_by(ARREARS_ORDER) = "-arrears"


class HousingBillOut(Schema):
    lease_id: int
    number: str
    flat: str
    state: Choice
    outstanding: Decimal
    arrears: Decimal
    rows: list[HousingLedgerRowOut]


def _ledger(lease, rows=None) -> dict:
    return {"lease_id": lease.pk, "number": lease.number, "flat": str(lease.flat), "state": choice(lease, "state"),
            "rows": rows if rows is not None else services.ledger(lease)}


@router.get("/leases/{int:lease_id}/ledger", response=HousingLedgerOut, summary="租赁合同账目：费用、缴费及结欠")
def housing_lease_ledger(request: HttpRequest, lease_id: int):
    lease = services.lease_for_ledger(request.auth, lease_id)
    return {**_ledger(lease), "tenant": lease.person.name, "outstanding": services.outstanding(lease),
            "arrears": services.arrears(lease), "rent_owed_months": services.rent_owed_months(lease)}


@router.post("/leases/{int:lease_id}/payments", response={201: HousingPaymentOut}, summary="登记缴费（先冲抵最早的费用）")
def housing_record_payment(request: HttpRequest, lease_id: int, payload: HousingPaymentIn):
    return Status(201, services.record_payment(request.auth, lease_id, **payload.model_dump()))


@router.post("/flats/{int:flat_id}/readings", response={201: list[HousingReadingOut]}, summary="抄表：登记一套住房的水、电、气读数")
def housing_read_meters(request: HttpRequest, flat_id: int, payload: HousingReadingsIn):
    return Status(201, services.read_meters(request.auth, flat_id, payload.readings, payload.read_on))


@router.get("/arrears", response=Page[HousingArrearsOut], summary="在租合同的未缴与逾期欠费")
def housing_list_arrears(request: HttpRequest, query: Query[HousingArrearsFilter]):
    leases = services.leases_with_balances(request.auth)
    if query.estate is not None:
        leases = leases.filter(flat__building__estate_id=query.estate)
    if query.arrears_only:
        leases = leases.filter(arrears_amount__gt=0)
    return paginate(leases, query, ARREARS_ORDER[query.sort])


@router.get("/my/bills", response=list[HousingBillOut], summary="我的账单：费用、缴费及结欠")
def housing_my_bills(request: HttpRequest):
    return [{**_ledger(bill.lease, bill.rows), "outstanding": bill.outstanding, "arrears": bill.arrears}
            for bill in services.my_bills(request.auth)]
