"""省直周转住房管理 REST API, mounted at /api/v1/housing/: the stock (estates, buildings, flats, meters) here,
applications, the waiting list, offers and the applicant's own pages in the sibling routers. Thin: reads
go through ``scoped()``, writes through ``services``; every rule lives there."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from .. import services
from ..models import Estate, FlatState, MeterKind, RentBasis
from ..module import VIEW

router = Router()

FLAT_ORDER = {"estate": ("org_path", "building__estate__name", "building__name", "floor", "unit_no", "id"),
              "-area": ("-floor_area", "id"), "vacant_since": ("vacant_since", "id")}
ESTATE_ORDER = {"name": ("name", "id")}


# --- schemas -----------------------------------------------------------------------------------------------


class HousingEstateIn(Input):
    unit_id: int | None = Field(None, description="管理单位（机关事务管理局）；不填为本人所在单位")
    name: str = Field(max_length=100, description="小区名称")
    region_code: str = Field(pattern=r"^\d{6}$", description="所在区县 GB/T 2260 代码")
    address: str = Field(max_length=200)
    rent_basis: RentBasis = Field(description="租金计价：per_sqm 按建筑面积 / per_flat 按套")
    rent_per_sqm: Decimal | None = Field(None, description="每平方米月租金（元）")
    rent_per_flat: Decimal | None = Field(None, description="每套月租金（元）")
    market_rent_per_sqm: Decimal = Field(description="每平方米月市场租金（元），用于逾期占用")


class HousingEstateOut(Schema):
    id: int
    name: str
    unit: UnitRef = Field(description="管理单位")
    region: RegionRef
    address: str
    rent_basis: Choice
    rent_per_sqm: Decimal | None
    rent_per_flat: Decimal | None
    market_rent_per_sqm: Decimal

    @staticmethod
    def resolve_rent_basis(estate) -> dict:
        return choice(estate, "rent_basis")


class HousingBuildingIn(Input):
    estate_id: int
    name: str = Field(max_length=50)
    floors: int = Field(description="地上层数")


class HousingBuildingOut(Schema):
    id: int
    estate_id: int
    name: str
    floors: int


class HousingFurnishingIO(Schema):
    item: str = Field(max_length=30, description="物品名称")
    count: int = Field(description="数量")


class HousingFlatIn(Input):
    building_id: int | None = Field(None, description="楼栋（登记新住房时必填）")
    unit_no: str = Field(max_length=20, description="房号")
    floor: int
    layout: str = Field(max_length=20, description="户型，如 两室一厅")
    bedrooms: int
    floor_area: Decimal = Field(description="建筑面积（㎡）")
    furnishings: list[HousingFurnishingIO] = Field([], description="家具家电清单")


class HousingMeterOut(Schema):
    kind: Choice
    number: str
    last_reading: Decimal
    read_on: date

    @staticmethod
    def resolve_kind(meter) -> dict:
        return choice(meter, "kind")


class HousingFlatOut(Schema):
    id: int
    label: str = Field(description="小区、楼栋与房号")
    estate: str
    unit_no: str
    floor: int
    layout: str
    bedrooms: int
    floor_area: Decimal
    state: Choice
    vacant_since: date | None
    monthly_rent: Decimal = Field(description="按小区计价的月租金（元）")

    @staticmethod
    def resolve_label(flat) -> str:
        return str(flat)

    @staticmethod
    def resolve_estate(flat) -> str:
        return flat.building.estate.name

    @staticmethod
    def resolve_state(flat) -> dict:
        return choice(flat, "state")

    @staticmethod
    def resolve_monthly_rent(flat) -> Decimal:
        return flat.monthly_rent()


class HousingFlatDetailOut(HousingFlatOut):
    furnishings: list[HousingFurnishingIO]
    meters: list[HousingMeterOut]
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_meters(flat):
        return list(flat.meters.all())

    @staticmethod
    def resolve_timeline(flat) -> list[dict]:
        return timeline_of(flat, FlatState)


class HousingFlatStateIn(Input):
    action: str = Field(pattern="^(repair|repaired|retire)$", description="repair 维修 / repaired 维修完毕 / retire 退出使用（须写明原因）")
    comment: str = Field("", max_length=500)


class HousingMeterIn(Input):
    kind: MeterKind
    number: str = Field(max_length=40, description="表号")
    last_reading: Decimal = Field(description="最近读数")
    read_on: date | None = Field(None, description="抄表日期；不填为今天")


class HousingFlatFilter(PageQuery):
    state: FlatState | None = None
    estate: int | None = Field(None, description="小区 ID")
    q: str | None = Field(None, max_length=50, description="按小区、楼栋、房号、户型搜索")
    sort: sort_by(FLAT_ORDER) = "estate"


# --- estates and buildings ---------------------------------------------------------------------------------


def _estates(user):
    require(user, VIEW)
    return scoped(Estate.objects.select_related("unit", "region"), user, VIEW)


@router.get("/estates", response=Page[HousingEstateOut], summary="小区列表")
def housing_list_estates(request: HttpRequest, query: Query[PageQuery]):
    return paginate(_estates(request.auth), query, ESTATE_ORDER["name"], count=True)


@router.post("/estates", response={201: HousingEstateOut}, summary="登记小区")
def housing_create_estate(request: HttpRequest, payload: HousingEstateIn):
    estate = services.save_estate(request.auth, **payload.model_dump())
    return Status(201, get_or_404(_estates(request.auth), pk=estate.pk))


@router.put("/estates/{int:estate_id}", response=HousingEstateOut, summary="修改小区信息与租金")
def housing_update_estate(request: HttpRequest, estate_id: int, payload: HousingEstateIn):
    values = payload.model_dump()
    values.pop("unit_id")
    services.save_estate(request.auth, estate_id, **values)
    return get_or_404(_estates(request.auth), pk=estate_id)


@router.post("/buildings", response={201: HousingBuildingOut}, summary="登记楼栋")
def housing_create_building(request: HttpRequest, payload: HousingBuildingIn):
    return Status(201, services.save_building(request.auth, **payload.model_dump()))


# --- flats ---------------------------------------------------------------------------------------------------


def _flats(user):
    require(user, VIEW)
    return services.flats_in_scope(user, VIEW)


@router.get("/flats", response=Page[HousingFlatOut], summary="住房列表（按状态、小区筛选，可搜索）")
def housing_list_flats(request: HttpRequest, query: Query[HousingFlatFilter]):
    flats = _flats(request.auth)
    if query.state:
        flats = flats.filter(state=query.state)
    if query.estate is not None:
        flats = flats.filter(building__estate_id=query.estate)
    if query.q:
        flats = flats.filter(Q(building__estate__name__contains=query.q) | Q(building__name__contains=query.q)
                             | Q(unit_no__contains=query.q) | Q(layout__contains=query.q))
    return paginate(flats, query, FLAT_ORDER[query.sort])


@router.post("/flats", response={201: HousingFlatDetailOut}, summary="登记住房（空置）")
def housing_create_flat(request: HttpRequest, payload: HousingFlatIn):
    flat = services.save_flat(request.auth, **payload.model_dump())
    return Status(201, get_or_404(_flats(request.auth), pk=flat.pk))


@router.get("/flats/{int:flat_id}", response=HousingFlatDetailOut, summary="住房详情（家具清单、水电气表、状态记录）")
def housing_get_flat(request: HttpRequest, flat_id: int):
    return get_or_404(_flats(request.auth), pk=flat_id)


@router.put("/flats/{int:flat_id}", response=HousingFlatDetailOut, summary="修改住房信息")
def housing_update_flat(request: HttpRequest, flat_id: int, payload: HousingFlatIn):
    values = payload.model_dump()
    values.pop("building_id")
    services.save_flat(request.auth, flat_id, **values)
    return get_or_404(_flats(request.auth), pk=flat_id)


@router.post("/flats/{int:flat_id}/state", response=HousingFlatDetailOut, summary="维修、维修完毕或退出使用")
def housing_set_flat_state(request: HttpRequest, flat_id: int, payload: HousingFlatStateIn):
    services.set_flat_state(request.auth, flat_id, **payload.model_dump())
    return get_or_404(_flats(request.auth), pk=flat_id)


@router.put("/flats/{int:flat_id}/meters", response=HousingFlatDetailOut, summary="登记或更新水、电、气表")
def housing_save_meter(request: HttpRequest, flat_id: int, payload: HousingMeterIn):
    services.save_meter(request.auth, flat_id, **payload.model_dump())
    return get_or_404(_flats(request.auth), pk=flat_id)


from . import applications, billing, endings, leases, offers, reviews, service, waiting  # noqa: E402

router.add_router("/my", service.router)
router.add_router("/applications", applications.router)
router.add_router("/waiting", waiting.router)
router.add_router("/offers", offers.router)
router.add_router("", endings.router)  # /leases/{id}/end, /leases/{id}/check-out, /overstays, /my/leases/{id}/move-out
router.add_router("", billing.router)  # /leases/{id}/ledger, /leases/{id}/payments, /flats/{id}/readings, /arrears, /my/bills
router.add_router("/leases", leases.router)
router.add_router("/my/leases", leases.my_router)
router.add_router("/reviews", reviews.router)
router.add_router("/my/reviews", reviews.my_router)
