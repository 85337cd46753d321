"""REST API: the waiting list of a region in its order, and the region's scoring criteria."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404, reference_data
from jiguan.api.schemas import Input
from jiguan.core.models import Region
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require, require_path

from ..module import REVIEW
from ..services import waiting as services
from .applications import HousingApplicationOut

router = Router()


class HousingWaitingFilter(PageQuery):
    region: str = Field(pattern=r"^\d{6}$", description="轮候名单所属地区代码（机关事务管理局所在地区）")


class HousingCriteriaIO(Schema):
    points_per_rank_step: Decimal = Field(description="职级每高一级的分值")
    points_per_family_member: Decimal = Field(description="每名随迁家庭成员的分值")
    points_per_month_waited: Decimal = Field(description="资格确认后每满一个月的分值")
    points_per_hardship_level: Decimal = Field(description="困难程度每级的分值")
    category_window_months: int = Field(description="调入、录用或交流后可申请的月数")
    offer_days: int = Field(description="配租答复期限（天）")
    declines_before_end: int = Field(description="拒绝或逾期几次后移至队尾")


class HousingCriteriaIn(Input, HousingCriteriaIO):
    pass


def _region(user, code: str) -> Region:
    require(user, REVIEW)
    region = get_or_404(reference_data(Region), code=code)
    require_path(user, REVIEW, f"{region.key}/")
    return region


@router.get("", response=Page[HousingApplicationOut], summary="轮候名单（按排名）")
def housing_waiting_list(request: HttpRequest, query: Query[HousingWaitingFilter]):
    require(request.auth, REVIEW)
    listed = scoped(services.waiting_list(_region(request.auth, query.region)), request.auth, REVIEW)
    return paginate(listed, query, services.QUEUE_ORDER, count=True)


@router.get("/criteria/{region_code}", response=HousingCriteriaIO, summary="轮候积分与配租规则（本地区或上级设定，否则为默认值）")
def housing_get_criteria(request: HttpRequest, region_code: str):
    return services.criteria_for(_region(request.auth, region_code))


@router.put("/criteria/{region_code}", response=HousingCriteriaIO, summary="设定本地区轮候积分与配租规则（保存后重新计分）")
def housing_set_criteria(request: HttpRequest, region_code: str, payload: HousingCriteriaIn):
    return services.set_criteria(request.auth, region_code, **payload.model_dump())
