"""Org units: 机关单位 (agencies, with a unified social credit code) and their internal departments."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.core.models import OrgUnit
from jiguan.core.models.org import UnitCategory, UnitKind, region_key
from jiguan.core.scoping import scoped
from jiguan.core.services import org

from ..pagination import CountedPageQuery, Page, paginate, sort_by
from ..queries import get_or_404
from ..schemas import Choice, Input, RegionRef, UnitRef, choice

router = Router()

VIEW_UNITS = "core.view_units"
UNIT_ORDER = {
    "org": ("org_path",),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
}


class UnitFilter(CountedPageQuery):
    region: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Region"), description="行政区划代码，含下级区划")
    parent: int | None = Field(None, title=N_("Parent unit"), description="上级单位 ID：只列其直属下级")
    kind: UnitKind | None = Field(None, title=N_("Unit kind"), description="unit 机关单位 / department 内设机构")
    category: UnitCategory | None = Field(None, title=N_("Unit category"))
    active: bool | None = Field(None, title=N_("Active"), description="true 在用 / false 已停用")
    q: str | None = Field(None, max_length=50, title=N_("Search"), description="按名称、简称或统一社会信用代码查找")
    sort: sort_by(UNIT_ORDER) = "org"


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: Choice
    category: Choice
    credit_code: str | None = Field(description="统一社会信用代码（内设机构为 null）")
    region: RegionRef
    parent: UnitRef | None = Field(description="上级单位")
    agency: UnitRef | None = Field(description="内设机构所属的机关单位；机关单位为 null")
    is_bureau: bool = Field(description="是否为机关事务管理局")
    active: bool
    sort: int

    @staticmethod
    def resolve_kind(unit) -> dict:
        return choice(unit, "kind")

    @staticmethod
    def resolve_category(unit) -> dict:
        return choice(unit, "category")

    @staticmethod
    def resolve_agency(unit):
        return unit.unit


class UnitCreateIn(Input):
    name: str = Field(max_length=100, title=N_("Unit name"))
    region_code: str = Field(pattern=r"^\d{6}$", title=N_("Region"), description="行政区划代码（6 位）")
    kind: UnitKind = Field(UnitKind.UNIT, title=N_("Unit kind"))
    credit_code: str | None = Field(
        None, max_length=18, title=N_("Unified social credit code"), description="机关单位必填；内设机构不填"
    )
    parent_id: int | None = Field(None, title=N_("Parent unit"), description="上级单位；内设机构填所属机关单位")
    category: UnitCategory = Field(UnitCategory.GOVERNMENT, title=N_("Unit category"))
    short_name: str = Field("", max_length=40, title=N_("Short name"))
    is_bureau: bool = Field(False, title=N_("Government offices administration bureau"))


class UnitPatchIn(Input):
    """Only the fields sent are changed."""

    name: str = Field(None, max_length=100, title=N_("Unit name"))
    short_name: str = Field(None, max_length=40, title=N_("Short name"))
    category: UnitCategory = Field(None, title=N_("Unit category"))
    credit_code: str | None = Field(None, max_length=18, title=N_("Unified social credit code"))
    parent_id: int | None = Field(None, title=N_("Parent unit"), description="改变上级即迁移，下级单位随之迁移")
    region_code: str = Field(None, pattern=r"^\d{6}$", title=N_("Region"))
    is_bureau: bool = Field(None, title=N_("Government offices administration bureau"))
    sort: int = Field(None, ge=0, title=N_("Sort order"))
    active: bool = Field(None, title=N_("Active"), description="false 停用 / true 启用")


def _units(user):
    return scoped(OrgUnit.objects.select_related("region", "parent", "unit"), user, VIEW_UNITS)


@router.get("", response=Page[UnitOut], summary="单位列表（筛选、搜索、排序）")
def list_units(request: HttpRequest, query: Query[UnitFilter]):
    units = _units(request.auth)
    if query.region:
        units = units.filter(org_path__under=region_key(query.region))
    if query.parent is not None:
        units = units.filter(parent_id=query.parent)
    if query.kind:
        units = units.filter(kind=query.kind)
    if query.category:
        units = units.filter(category=query.category)
    if query.active is not None:
        units = units.filter(active=query.active)
    if query.q:
        term = query.q.strip()
        units = units.filter(Q(name__icontains=term) | Q(short_name__icontains=term) | Q(credit_code=term.upper()))
    return paginate(units, query, UNIT_ORDER[query.sort])


@router.get("/{unit_id}", response=UnitOut, summary="单位详情")
def get_unit(request: HttpRequest, unit_id: int):
    return get_or_404(_units(request.auth), pk=unit_id)


@router.post("", response={201: UnitOut}, summary="新建单位或内设机构")
def create_unit(request: HttpRequest, payload: UnitCreateIn):
    return Status(201, org.create_unit(request.auth, **payload.model_dump()))


@router.patch("/{unit_id}", response=UnitOut, summary="修改单位（只改所传字段；active 停用或启用）")
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatchIn):
    changes = payload.model_dump(exclude_unset=True)
    active = changes.pop("active", None)
    with transaction.atomic():  # both changes or neither
        unit = org.update_unit(request.auth, unit_id, **changes)
        if active is not None:
            unit = org.set_unit_active(request.auth, unit_id, active)
    return unit
