"""REST API: leases — the bureau's list and page of a lease, the proposed terms of an accepted offer, signing,
check-in and renewal (``router``, mounted at /housing/leases); the tenant's own leases and problem reports
(``my_router``, at /housing/my/leases). Thin: the rules are ``services.leases``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import AccountRef, Choice, Input, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.services.base import require

from ..models import LeaseState, MeterKind
from ..module import VIEW
from ..services import leases as services
from ..services.leases import Condition

router = Router()
my_router = Router()

LEASE_ORDER = {"-started": ("-started_on", "-id"), "ends": ("ends_on", "id"), "number": ("number", "id")}


# --- schemas -----------------------------------------------------------------------------------------------


class HousingLeaseOut(Schema):
    id: int
    number: str = Field(description="合同编号")
    state: Choice
    flat_id: int
    flat: str = Field(description="小区、楼栋与房号")
    tenant: str = Field(description="承租人姓名")
    unit: UnitRef = Field(description="承租人所在单位")
    managing_unit: UnitRef = Field(description="出租方（管理住房的机关事务管理局）")
    started_on: date = Field(description="租期起始日（最长租住期限自此起算）")
    ends_on: date = Field(description="本期租期届满日")
    monthly_rent: Decimal = Field(description="月租金（元）")
    market_rent: Decimal = Field(description="月市场租金（元），逾期占用时计收")
    deposit: Decimal = Field(description="押金（元）")
    deposit_paid_on: date | None
    checked_in_on: date | None

    @staticmethod
    def resolve_state(lease) -> dict:
        return choice(lease, "state")

    @staticmethod
    def resolve_flat(lease) -> str:
        return str(lease.flat)

    @staticmethod
    def resolve_tenant(lease) -> str:
        return lease.person.name


class HousingRenewalOut(Schema):
    previous_end: date
    new_end: date
    monthly_rent: Decimal
    approved_by: AccountRef
    approved_at: datetime
    comment: str


class HousingInspectedItemIO(Schema):
    item: str = Field(max_length=30, description="物品名称（须与住房家具家电清单一致）")
    found: int = Field(description="实有数量 0–99")
    condition: Condition = Field(description="good 完好 / worn 有磨损 / damaged 损坏 / missing 缺失")
    note: str = Field("", max_length=200)


class HousingInspectedItemOut(HousingInspectedItemIO):
    expected: int = Field(description="清单数量")


class HousingInspectionOut(Schema):
    kind: Choice
    inspected_on: date
    inspector: AccountRef
    items: list[HousingInspectedItemOut]
    meter_readings: dict[str, Decimal] = Field(description="表类型 → 读数")
    notes: str

    @staticmethod
    def resolve_kind(inspection) -> dict:
        return choice(inspection, "kind")


class HousingLeaseDetailOut(HousingLeaseOut):
    house_rules: str
    latest_end: date = Field(description="按最长租住期限可续租至的最晚日期")
    actions: list[str] = Field(description="当前用户现在可做的操作：check_in 入住验房 / renew 续租 / report_problem 报修")
    renewals: list[HousingRenewalOut]
    inspections: list[HousingInspectionOut]
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_latest_end(lease) -> date:
        return services.latest_end(lease, services.rules_for(lease.flat.unit.region))

    @staticmethod
    def resolve_actions(lease, context) -> list[str]:
        return sorted(services.allowed_actions(lease, context["request"].auth))

    @staticmethod
    def resolve_renewals(lease) -> list:
        return list(lease.renewals.select_related("approved_by"))

    @staticmethod
    def resolve_inspections(lease) -> list:
        return list(lease.inspections.select_related("inspector"))

    @staticmethod
    def resolve_timeline(lease) -> list[dict]:
        return timeline_of(lease, LeaseState)


class HousingLeaseTermsOut(Schema):
    offer_id: int
    flat: str
    tenant: str
    started_on: date
    months: int = Field(description="建议租期（月），即本地区租期上限")
    ends_on: date
    monthly_rent: Decimal
    market_rent: Decimal
    deposit: Decimal
    house_rules: str = Field(description="默认住户守则")

    @staticmethod
    def resolve_offer_id(terms) -> int:
        return terms["offer"].pk

    @staticmethod
    def resolve_flat(terms) -> str:
        return str(terms["flat"])

    @staticmethod
    def resolve_tenant(terms) -> str:
        return terms["tenant"].name


class HousingSignIn(Input):
    offer_id: int = Field(description="已接受的配租")
    started_on: date = Field(description="租期起始日：今天前 30 天至今天后 90 天内")
    months: int = Field(description="租期（月），1 至本地区租期上限")
    deposit_paid_on: date | None = Field(None, description="押金缴纳日期；未缴留空")
    house_rules: str | None = Field(None, max_length=5000, description="住户守则；不填为本地区默认守则")


class HousingCheckInIn(Input):
    inspected_on: date = Field(description="验房日期：租期起始日至今天")
    items: list[HousingInspectedItemIO] = Field(description="逐项查验住房清单中的全部家具家电，每项一次")
    meter_readings: dict[MeterKind, Decimal] = Field({}, description="住房每块表一个读数，不低于上次读数")
    notes: str = Field("", max_length=2000)


class HousingRenewIn(Input):
    months: int = Field(description="续租期限（月），1 至本地区租期上限，且不超过最长租住期限")
    monthly_rent: Decimal | None = Field(None, description="续租后的月租金（元）；不填为现行租金")
    comment: str = Field("", max_length=1000)


class HousingLeaseFilter(PageQuery):
    state: LeaseState | None = None
    estate: int | None = Field(None, description="小区 ID")
    q: str | None = Field(None, max_length=50, description="按承租人姓名或合同编号搜索")
    sort: sort_by(LEASE_ORDER) = "-started"


class HousingProblemIn(Input):
    title: str = Field(max_length=200, description="问题简述")
    description: str = Field(max_length=5000, description="详细情况：位置、出现时间、联系方式")


class HousingProblemOut(Schema):
    id: int = Field(description="事件 ID，可在“我的事件”中跟踪")
    title: str
    status: Choice
    assignee_unit: UnitRef = Field(description="处理单位（管理住房的机关事务管理局）")

    @staticmethod
    def resolve_status(event) -> dict:
        return choice(event, "status")


# --- the bureau ----------------------------------------------------------------------------------------------


def _leases(user):
    require(user, VIEW)
    return services.leases_in_scope(user)


@router.get("", response=Page[HousingLeaseOut], summary="租赁合同列表（按状态、小区筛选，可搜索）")
def housing_list_leases(request: HttpRequest, query: Query[HousingLeaseFilter]):
    leases = _leases(request.auth)
    if query.state:
        leases = leases.filter(state=query.state)
    if query.estate is not None:
        leases = leases.filter(flat__building__estate_id=query.estate)
    if query.q:
        leases = leases.filter(Q(person__name__contains=query.q) | Q(number__contains=query.q))
    return paginate(leases, query, LEASE_ORDER[query.sort])


@router.get("/terms/{int:offer_id}", response=HousingLeaseTermsOut, summary="已接受配租的拟定合同条款")
def housing_lease_terms(request: HttpRequest, offer_id: int):
    return services.prepare_lease(request.auth, offer_id)


@router.post("", response={201: HousingLeaseDetailOut}, summary="签订租赁合同（住房保持预留至入住）")
def housing_sign_lease(request: HttpRequest, payload: HousingSignIn):
    values = payload.model_dump()
    lease = services.sign(request.auth, values.pop("offer_id"), **values)
    return Status(201, get_or_404(_leases(request.auth), pk=lease.pk))


@router.get("/{int:lease_id}", response=HousingLeaseDetailOut, summary="租赁合同详情（续租、验房、状态记录）")
def housing_get_lease(request: HttpRequest, lease_id: int):
    return get_or_404(_leases(request.auth), pk=lease_id)


@router.post("/{int:lease_id}/check-in", response=HousingLeaseDetailOut, summary="入住验房：清点家具家电、抄表，合同生效")
def housing_check_in(request: HttpRequest, lease_id: int, payload: HousingCheckInIn):
    values = payload.model_dump()
    services.check_in(request.auth, lease_id, **values)
    return get_or_404(_leases(request.auth), pk=lease_id)


@router.post("/{int:lease_id}/renew", response=HousingLeaseDetailOut, summary="续租（不超过最长租住期限）")
def housing_renew(request: HttpRequest, lease_id: int, payload: HousingRenewIn):
    services.renew(request.auth, lease_id, **payload.model_dump())
    return get_or_404(_leases(request.auth), pk=lease_id)


# --- the tenant ----------------------------------------------------------------------------------------------


@my_router.get("", response=Page[HousingLeaseOut], summary="我的租约")
def housing_my_leases(request: HttpRequest, query: Query[PageQuery]):
    return paginate(services.my_leases(request.auth), query, LEASE_ORDER["-started"])


@my_router.get("/{int:lease_id}", response=HousingLeaseDetailOut, summary="我的租约详情")
def housing_my_lease(request: HttpRequest, lease_id: int):
    return services.my_lease(request.auth, lease_id)


@my_router.post("/{int:lease_id}/problems", response={201: HousingProblemOut}, summary="住房问题报修（转管理单位处理）")
def housing_report_problem(request: HttpRequest, lease_id: int, payload: HousingProblemIn):
    return Status(201, services.report_problem(request.auth, lease_id, **payload.model_dump()))
