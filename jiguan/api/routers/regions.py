"""Administrative regions (GB/T 2260), public reference data."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema

from jiguan.core.models import Region
from jiguan.core.models.org import Level

from ..pagination import Page, PageQuery, paginate, sort_by
from ..queries import get_or_404, reference_data
from ..schemas import Choice, RegionRef, choice

router = Router()

REGION_ORDER = {"code": ("code",), "name": ("name", "code")}


class RegionFilter(PageQuery):
    parent: str | None = Field(
        None, pattern=r"^\d{6}$", title=N_("Parent region"), description="上级区划代码；不填时列出最上级"
    )
    level: Level | None = Field(None, title=N_("Level"), description="层级")
    sort: sort_by(REGION_ORDER) = "code"


class RegionOut(Schema):
    code: str = Field(description="GB/T 2260 行政区划代码")
    name: str
    level: Choice
    parent: RegionRef | None

    @staticmethod
    def resolve_level(region) -> dict:
        return choice(region, "level")


@router.get("", response=Page[RegionOut], summary="行政区划列表（按上级区划）")
def list_regions(request: HttpRequest, query: Query[RegionFilter]):
    regions = reference_data(Region).select_related("parent")
    regions = regions.filter(parent_id=query.parent) if query.parent else regions.filter(parent__isnull=True)
    if query.level:
        regions = regions.filter(level=query.level)
    return paginate(regions, query, REGION_ORDER[query.sort], count=True)


@router.get("/{code}", response=RegionOut, summary="行政区划详情")
def get_region(request: HttpRequest, code: str):
    return get_or_404(reference_data(Region).select_related("parent"), code=code)
