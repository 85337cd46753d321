"""REST API: offers (配租) as the bureau makes and follows them. Thin: the rules are ``services.offers``."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, choice
from jiguan.api.timeline import TimelineOut, timeline_of

from ..models import OfferState
from ..services import offers as services

router = Router()


class HousingOfferIn(Input):
    flat_id: int
    application_id: int | None = Field(None, description="配租对象；不填为轮候名单第一位")
    skip_reason: str = Field("", max_length=1000, description="越过排名在前的申请人时必填：理由")


class HousingOfferOut(Schema):
    id: int
    flat_id: int
    flat: str = Field(description="小区、楼栋与房号")
    layout: str
    floor_area: float
    application_id: int
    state: Choice
    position: int = Field(description="配租时在轮候名单中的位次")
    skip_reason: str
    expires_on: date = Field(description="答复截止日期")
    offered_at: datetime
    answered_at: datetime | None

    @staticmethod
    def resolve_flat(offer) -> str:
        return str(offer.flat)

    @staticmethod
    def resolve_layout(offer) -> str:
        return offer.flat.layout

    @staticmethod
    def resolve_floor_area(offer) -> float:
        return float(offer.flat.floor_area)

    @staticmethod
    def resolve_state(offer) -> dict:
        return choice(offer, "state")



class HousingOfferDetailOut(HousingOfferOut):
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_timeline(offer) -> list[dict]:
        return timeline_of(offer, OfferState)


class HousingOfferFilter(PageQuery):
    state: OfferState | None = None


@router.get("", response=Page[HousingOfferOut], summary="配租记录")
def housing_list_offers(request: HttpRequest, query: Query[HousingOfferFilter]):
    offers = services.offers_in_scope(request.auth)
    if query.state:
        offers = offers.filter(state=query.state)
    return paginate(offers, query, ("-offered_at", "-id"))


@router.post("", response={201: HousingOfferDetailOut}, summary="配租：将空置住房配给轮候第一位（或写明理由配给其后者）")
def housing_make_offer(request: HttpRequest, payload: HousingOfferIn):
    values = payload.model_dump()
    return Status(201, services.make_offer(request.auth, values.pop("flat_id"), **values))


@router.get("/{int:offer_id}", response=HousingOfferDetailOut, summary="配租详情")
def housing_get_offer(request: HttpRequest, offer_id: int):
    return get_or_404(services.offers_in_scope(request.auth), pk=offer_id)
