"""REST API: the applicant's own side — apply, revise, withdraw, see the position and why, answer offers.
Every row is the caller's own (``services.applications.my_applications``, ``services.offers.my_offers``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate

from ..services import applications as services
from ..services import offers
from .applications import (
    HousingApplicationDetailOut,
    HousingApplicationIn,
    HousingApplicationOut,
    HousingCommentIn,
)
from .offers import HousingOfferDetailOut, HousingOfferOut

router = Router()


@router.get("/applications", response=Page[HousingApplicationOut], summary="我的住房申请")
def housing_my_applications(request: HttpRequest, query: Query[PageQuery]):
    return paginate(services.my_applications(request.auth), query, ("-created_at", "-id"))


@router.post("/applications", response={201: HousingApplicationDetailOut}, summary="申请周转住房")
def housing_apply(request: HttpRequest, payload: HousingApplicationIn):
    application = services.apply(request.auth, **payload.model_dump())
    return Status(201, services.my_application(request.auth, application.pk))


@router.get("/applications/{int:application_id}", response=HousingApplicationDetailOut, summary="我的申请：状态、轮候位次及积分构成")
def housing_my_application(request: HttpRequest, application_id: int):
    return services.my_application(request.auth, application_id)


@router.put("/applications/{int:application_id}", response=HousingApplicationDetailOut, summary="修改退回的申请并重新提交")
def housing_resubmit(request: HttpRequest, application_id: int, payload: HousingApplicationIn):
    services.resubmit(request.auth, application_id, **payload.model_dump())
    return services.my_application(request.auth, application_id)


@router.post("/applications/{int:application_id}/withdraw", response=HousingApplicationDetailOut, summary="撤回申请")
def housing_withdraw(request: HttpRequest, application_id: int, payload: HousingCommentIn):
    services.withdraw(request.auth, application_id, payload.comment)
    return services.my_application(request.auth, application_id)


@router.get("/offers", response=Page[HousingOfferOut], summary="给我的配租")
def housing_my_offers(request: HttpRequest, query: Query[PageQuery]):
    return paginate(offers.my_offers(request.auth), query, ("-offered_at", "-id"))


@router.post("/offers/{int:offer_id}/accept", response=HousingOfferDetailOut, summary="接受配租")
def housing_accept(request: HttpRequest, offer_id: int, payload: HousingCommentIn):
    return offers.accept(request.auth, offer_id, payload.comment)


@router.post("/offers/{int:offer_id}/decline", response=HousingOfferDetailOut, summary="拒绝配租")
def housing_decline(request: HttpRequest, offer_id: int, payload: HousingCommentIn):
    return offers.decline(request.auth, offer_id, payload.comment)
