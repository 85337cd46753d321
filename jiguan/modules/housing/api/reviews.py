"""REST API: the annual review — campaigns, the bureau's decisions (``router``, at /housing/reviews) and the
tenant's declaration (``my_router``, at /housing/my/reviews). Thin: the rules are ``services.reviews``."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.services.base import require

from ..models import ReviewState
from ..module import VIEW
from ..services import reviews as services

router = Router()
my_router = Router()


class HousingCampaignIn(Input):
    region_code: str = Field(pattern=r"^\d{6}$", description="年审范围：本局所在地区 GB/T 2260 代码")
    year: int = Field(description="年度")
    declare_by: date = Field(description="承租人申报截止日期（今天之后）")


class HousingCampaignOut(Schema):
    id: int
    region: RegionRef
    year: int
    declare_by: date
    opened_at: datetime
    closed_at: datetime | None
    total: int = Field(description="参加年审的租户数")
    pending: int = Field(description="待申报")
    declared: int = Field(description="已申报待审核")
    passed: int
    failed: int

    @staticmethod
    def resolve_total(campaign) -> int:
        return campaign.n_total

    @staticmethod
    def resolve_pending(campaign) -> int:
        return campaign.n_pending

    @staticmethod
    def resolve_declared(campaign) -> int:
        return campaign.n_declared

    @staticmethod
    def resolve_passed(campaign) -> int:
        return campaign.n_passed

    @staticmethod
    def resolve_failed(campaign) -> int:
        return campaign.n_failed


class HousingReviewOut(Schema):
    id: int
    campaign_id: int
    year: int
    lease_id: int
    lease_number: str
    tenant: str
    flat: str
    state: Choice
    declare_by: date
    still_employed: bool | None = Field(description="申报：仍在原单位工作")
    owns_home: bool | None = Field(description="申报：本人或家庭在本市拥有住房")
    household_changes: str
    declared_at: datetime | None
    findings: str = Field(description="审核意见（不通过时必填）")
    decided_at: datetime | None

    @staticmethod
    def resolve_year(review) -> int:
        return review.campaign.year

    @staticmethod
    def resolve_lease_number(review) -> str:
        return review.lease.number

    @staticmethod
    def resolve_tenant(review) -> str:
        return review.lease.person.name

    @staticmethod
    def resolve_flat(review) -> str:
        return str(review.lease.flat)

    @staticmethod
    def resolve_state(review) -> dict:
        return choice(review, "state")

    @staticmethod
    def resolve_declare_by(review) -> date:
        return review.campaign.declare_by


class HousingReviewDetailOut(HousingReviewOut):
    actions: list[str] = Field(description="当前用户现在可做的操作：declare 申报 / pass 通过 / fail 不通过")
    held_records: list[str] = Field(description="平台掌握的、与承租人仍符合条件相悖的情况（仅审核人可见）")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_actions(review, context) -> list[str]:
        return sorted(services.review_actions(review, context["request"].auth))

    @staticmethod
    def resolve_held_records(review, context) -> list[str]:
        deciding = {"pass", "fail"} & services.review_actions(review, context["request"].auth)
        return services.held_records(review) if deciding else []

    @staticmethod
    def resolve_timeline(review) -> list[dict]:
        return timeline_of(review, ReviewState)


class HousingCampaignDetailOut(HousingCampaignOut):
    reviews: list[HousingReviewOut] = Field(description="本人数据范围内参加本次年审的租户")

    @staticmethod
    def resolve_reviews(campaign, context) -> list:
        return list(services.reviews_in_scope(context["request"].auth).filter(campaign=campaign)
                    .order_by("state", "pk"))


class HousingDecisionIn(Input):
    passed: bool = Field(description="true 通过 / false 不通过（将以不再符合条件为由终止租住）")
    findings: str = Field("", max_length=2000, description="审核意见；不通过时必填")


class HousingDeclarationIn(Input):
    still_employed: bool = Field(description="本人仍在原单位工作")
    owns_home: bool = Field(description="本人或家庭成员在本市拥有住房")
    household_changes: str = Field("", max_length=2000, description="家庭情况变化")


class HousingReviewFilter(PageQuery):
    state: ReviewState | None = None


def _campaigns(user):
    require(user, VIEW)
    return services.campaigns_in_scope(user)


def _campaign_detail(user, campaign_id: int):
    return get_or_404(_campaigns(user), pk=campaign_id)


# --- the bureau ----------------------------------------------------------------------------------------------


@router.get("/campaigns", response=Page[HousingCampaignOut], summary="年度审核列表")
def housing_list_campaigns(request: HttpRequest, query: Query[PageQuery]):
    return paginate(_campaigns(request.auth), query, ("-year", "region", "id"))


@router.post("/campaigns", response={201: HousingCampaignDetailOut}, summary="发起年度审核（本地区全部在住租户）")
def housing_open_campaign(request: HttpRequest, payload: HousingCampaignIn):
    campaign = services.open_campaign(request.auth, **payload.model_dump())
    return Status(201, _campaign_detail(request.auth, campaign.pk))


@router.get("/campaigns/{int:campaign_id}", response=HousingCampaignDetailOut, summary="年度审核详情")
def housing_get_campaign(request: HttpRequest, campaign_id: int):
    return _campaign_detail(request.auth, campaign_id)


@router.post("/campaigns/{int:campaign_id}/close", response=HousingCampaignDetailOut, summary="结束年度审核")
def housing_close_campaign(request: HttpRequest, campaign_id: int):
    services.close_campaign(request.auth, campaign_id)
    return _campaign_detail(request.auth, campaign_id)


@router.get("", response=Page[HousingReviewOut], summary="年审记录（按状态筛选）")
def housing_list_reviews(request: HttpRequest, query: Query[HousingReviewFilter]):
    require(request.auth, VIEW)
    reviews = services.reviews_in_scope(request.auth)
    if query.state:
        reviews = reviews.filter(state=query.state)
    return paginate(reviews, query, ("campaign_id", "state", "id"))


@router.get("/{int:review_id}", response=HousingReviewDetailOut, summary="年审详情（含平台掌握的情况）")
def housing_get_review(request: HttpRequest, review_id: int):
    require(request.auth, VIEW)
    return get_or_404(services.reviews_in_scope(request.auth), pk=review_id)


@router.post("/{int:review_id}/decide", response=HousingReviewDetailOut, summary="审核通过或不通过")
def housing_decide_review(request: HttpRequest, review_id: int, payload: HousingDecisionIn):
    services.decide(request.auth, review_id, **payload.model_dump())
    return get_or_404(services.reviews_in_scope(request.auth), pk=review_id)


# --- the tenant ----------------------------------------------------------------------------------------------


@my_router.get("", response=Page[HousingReviewOut], summary="我的年审")
def housing_my_reviews(request: HttpRequest, query: Query[PageQuery]):
    return paginate(services.my_reviews(request.auth), query, ("-campaign__year", "id"))


@my_router.post("/{int:review_id}/declare", response=HousingReviewDetailOut, summary="年审申报")
def housing_declare(request: HttpRequest, review_id: int, payload: HousingDeclarationIn):
    services.declare(request.auth, review_id, **payload.model_dump())
    return services.my_review(request.auth, review_id)
