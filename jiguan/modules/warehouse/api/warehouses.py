"""Warehouses, their storage locations and the asset cards kept in them. Cards are read through
``services.assets_in_scope``: a classified card does not exist for a user without clearance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice

from ..models import WarehouseKind
from ..services import assets_in_scope
from ..services import intake as intake_services
from ..services import warehouses as services

router = Router()


class WarehouseLocationOut(Schema):
    id: int
    zone: str
    shelf: str


class WarehouseOut(Schema):
    id: int
    name: str
    kind: Choice
    unit: UnitRef = Field(description="保管单位（机关事务管理局）")
    region: RegionRef = Field(description="所服务的公物仓（地区）")
    address: str
    active: bool

    @staticmethod
    def resolve_kind(warehouse) -> dict:
        return choice(warehouse, "kind")


class WarehouseDetailOut(WarehouseOut):
    locations: list[WarehouseLocationOut]

    @staticmethod
    def resolve_locations(warehouse):
        return list(warehouse.locations.all())


class WarehouseIn(Input):
    unit_id: int | None = Field(None, description="保管单位（机关事务管理局）；不填为本人所在单位；修改时不可变")
    name: str = Field(max_length=100)
    kind: WarehouseKind = Field(description="central 中心库 / branch 分库")
    region_code: str = Field(pattern=r"^\d{6}$", description="所服务的公物仓地区 GB/T 2260 代码")
    address: str = Field(max_length=200)


class WarehouseActiveIn(Input):
    active: bool = Field(description="false 停用 / true 恢复使用")


class WarehouseLocationIn(Input):
    zone: str = Field(max_length=20, description="区")
    shelf: str = Field("", max_length=20, description="架")


class WarehouseAssetFields(Schema):
    """What every view of an asset card shows: its identity, category, value and source."""

    id: int
    number: str = Field(description="资产卡片编号")
    name: str
    specification: str
    category_code: str = Field(description="GB/T 14885-2022 分类代码")
    category: str = Field(description="分类名称")
    original_value: Decimal = Field(description="原值（元）")
    purchase_date: date
    condition: Choice
    source_unit: UnitRef
    source_reason: Choice
    storage_kind: Choice
    pooled_on: date = Field(description="入仓日期")

    @staticmethod
    def resolve_category_code(asset) -> str:
        return asset.category.code

    @staticmethod
    def resolve_category(asset) -> str:
        return asset.category.name

    @staticmethod
    def resolve_condition(asset) -> dict:
        return choice(asset, "condition")

    @staticmethod
    def resolve_source_reason(asset) -> dict:
        return choice(asset, "source_reason")

    @staticmethod
    def resolve_storage_kind(asset) -> dict:
        return choice(asset, "storage_kind")


class WarehouseAssetOut(WarehouseAssetFields):
    classified: bool
    warehouse_id: int | None
    location: str | None
    holder: UnitRef = Field(description="现持有单位")
    state: Choice
    photos: list[int] = Field(description="照片附件 ID")

    @staticmethod
    def resolve_state(asset) -> dict:
        return choice(asset, "state")

    @staticmethod
    def resolve_location(asset) -> str | None:
        return str(asset.location) if asset.location_id else None

    @staticmethod
    def resolve_holder(asset):
        return asset.unit

    @staticmethod
    def resolve_photos(asset) -> list[int]:
        return list(intake_services.photos_of(asset).values_list("pk", flat=True))


def _warehouses(user):
    return services.warehouses_in_scope(user).prefetch_related("locations")


@router.get("/warehouses", response=Page[WarehouseOut], summary="仓库列表")
def warehouse_list_warehouses(request: HttpRequest, query: Query[PageQuery]):
    return paginate(_warehouses(request.auth), query, ("org_path", "kind", "name", "id"), count=True)


@router.post("/warehouses", response={201: WarehouseDetailOut}, summary="登记仓库")
def warehouse_create_warehouse(request: HttpRequest, payload: WarehouseIn):
    warehouse = services.save_warehouse(request.auth, **payload.model_dump())
    return Status(201, get_or_404(_warehouses(request.auth), pk=warehouse.pk))


@router.get("/warehouses/{int:warehouse_id}", response=WarehouseDetailOut, summary="仓库详情（含库位）")
def warehouse_get_warehouse(request: HttpRequest, warehouse_id: int):
    return get_or_404(_warehouses(request.auth), pk=warehouse_id)


@router.put("/warehouses/{int:warehouse_id}", response=WarehouseDetailOut, summary="修改仓库信息")
def warehouse_update_warehouse(request: HttpRequest, warehouse_id: int, payload: WarehouseIn):
    values = payload.model_dump()
    values.pop("unit_id")
    services.save_warehouse(request.auth, warehouse_id, **values)
    return get_or_404(_warehouses(request.auth), pk=warehouse_id)


@router.post("/warehouses/{int:warehouse_id}/active", response=WarehouseDetailOut, summary="停用或恢复使用仓库")
def warehouse_set_active(request: HttpRequest, warehouse_id: int, payload: WarehouseActiveIn):
    services.set_warehouse_active(request.auth, warehouse_id, active=payload.active)
    return get_or_404(_warehouses(request.auth), pk=warehouse_id)


@router.post("/warehouses/{int:warehouse_id}/locations", response={201: WarehouseLocationOut}, summary="新增库位")
def warehouse_create_location(request: HttpRequest, warehouse_id: int, payload: WarehouseLocationIn):
    return Status(201, services.save_location(request.auth, warehouse_id=warehouse_id, **payload.model_dump()))


@router.get("/assets/{int:asset_id}", response=WarehouseAssetOut, summary="资产卡片详情")
def warehouse_get_asset(request: HttpRequest, asset_id: int):
    return get_or_404(assets_in_scope(request.auth), pk=asset_id)
