"""REST API: housing applications as the unit and the bureau handle them (confirm, return, review). The
applicant's own side is ``api/service.py``. Thin: reads through ``scoped()``, writes through the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from ..models import Application, ApplicationState, Category, Refusal
from ..module import VIEW
from ..services import applications as services
from ..services import waiting

router = Router()

APPLICATION_ORDER = {"-created": ("-created_at", "-id"), "created": ("created_at", "id"), "-score": ("-score", "id")}


class HousingFamilyIn(Schema):
    name: str = Field(max_length=50)
    relation: str = Field(description="spouse 配偶 / child 子女 / parent 父母 / other 其他亲属")
    id_number: str = Field(max_length=18, description="居民身份证号（加密保存，显示时脱敏）")


class HousingApplicationIn(Input):
    category: Category = Field(description="transferred 调入 / recruited 新录用 / exchanged 交流干部")
    category_date: date = Field(description="调入、录用或交流的日期")
    no_home_declared: bool = Field(description="声明本人及家庭在本市无住房（须为 true）")
    hardship_notes: str = Field("", max_length=1000, description="住房困难情况")
    family: list[HousingFamilyIn] = Field([], description="随迁家庭成员")


class HousingFamilyOut(Schema):
    name: str
    relation: Choice
    id_number: str = Field(description="脱敏后的身份证号")

    @staticmethod
    def resolve_relation(member) -> dict:
        return choice(member, "relation")

    @staticmethod
    def resolve_id_number(member) -> str:
        return member.id_number_masked


class HousingScoreItemOut(Schema):
    factor: str = Field(description="rank 职级 / family 家庭人口 / waited 轮候月数 / hardship 困难程度")
    label: str
    quantity: int
    weight: Decimal = Field(description="每项分值")
    points: Decimal


class HousingPositionOut(Schema):
    position: int = Field(description="当前排第几位")
    ahead: int = Field(description="排在前面的人数")
    total: int = Field(description="轮候总人数")


class HousingApplicationOut(Schema):
    id: int
    person: str = Field(description="申请人姓名")
    unit: UnitRef
    region: RegionRef = Field(description="轮候名单所属地区")
    category: Choice
    category_date: date
    state: Choice
    score: Decimal
    eligible_since: date | None
    created_at: datetime

    @staticmethod
    def resolve_person(application) -> str:
        return application.person.name

    @staticmethod
    def resolve_category(application) -> dict:
        return choice(application, "category")

    @staticmethod
    def resolve_state(application) -> dict:
        return choice(application, "state")


class HousingApplicationDetailOut(HousingApplicationOut):
    hardship_notes: str
    hardship_level: int
    refusal: Choice | None = Field(description="不符合条件的原因；未否决为 null")
    declines: int = Field(description="已拒绝或逾期未答复的配租次数（移至队尾后清零）")
    at_end_since: datetime | None = Field(description="因多次拒绝移至队尾的时间")
    family: list[HousingFamilyOut]
    score_breakdown: list[HousingScoreItemOut]
    position: HousingPositionOut | None = Field(description="轮候位次；不在轮候中为 null")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_refusal(application) -> dict | None:
        return choice(application, "refusal") if application.refusal else None

    @staticmethod
    def resolve_family(application):
        return list(application.family.all())

    @staticmethod
    def resolve_score_breakdown(application) -> list[dict]:
        return waiting.explained(application)

    @staticmethod
    def resolve_position(application) -> dict | None:
        return waiting.position(application)

    @staticmethod
    def resolve_timeline(application) -> list[dict]:
        return timeline_of(application, ApplicationState)


class HousingProblemOut(Schema):
    code: str
    reason: str


class HousingCommentIn(Input):
    comment: str = Field("", max_length=1000)


class HousingApproveIn(Input):
    hardship_level: int = Field(0, description="困难程度 0–3，由机关事务管理局评定")
    comment: str = Field("", max_length=1000)


class HousingRejectIn(Input):
    refusal: Refusal = Field(description="category 类别或时限不符 / owns_home 本市有房 / holds_flat 已承租或申请 / other 其他")
    comment: str = Field(max_length=1000, description="向申请人说明的理由")


class HousingApplicationFilter(PageQuery):
    state: ApplicationState | None = None
    unit: int | None = Field(None, description="申请人所在单位 ID")
    sort: sort_by(APPLICATION_ORDER) = "-created"


def applications_in_scope(user):
    require(user, VIEW)
    return scoped(Application.objects.select_related("person", "unit", "region"), user, VIEW)


def detail(user, application_id: int) -> Application:
    return get_or_404(applications_in_scope(user), pk=application_id)


@router.get("", response=Page[HousingApplicationOut], summary="住房申请列表（本单位或辖区）")
def housing_list_applications(request: HttpRequest, query: Query[HousingApplicationFilter]):
    applications = applications_in_scope(request.auth)
    if query.state:
        applications = applications.filter(state=query.state)
    if query.unit is not None:
        applications = applications.filter(unit_id=query.unit)
    return paginate(applications, query, APPLICATION_ORDER[query.sort])


@router.get("/{int:application_id}", response=HousingApplicationDetailOut, summary="住房申请详情（家庭成员脱敏、积分构成、位次、流程）")
def housing_get_application(request: HttpRequest, application_id: int):
    return detail(request.auth, application_id)


@router.get("/{int:application_id}/eligibility", response=list[HousingProblemOut], summary="资格核查：不符合的各项（空为符合）")
def housing_check_eligibility(request: HttpRequest, application_id: int):
    application = detail(request.auth, application_id)
    return [{"code": code, "reason": reason} for code, reason in services.eligibility_problems(application)]


@router.post("/{int:application_id}/confirm", response=HousingApplicationDetailOut, summary="单位确认")
def housing_confirm(request: HttpRequest, application_id: int, payload: HousingCommentIn):
    services.confirm(request.auth, application_id, payload.comment)
    return detail(request.auth, application_id)


@router.post("/{int:application_id}/return", response=HousingApplicationDetailOut, summary="退回修改（须写明理由）")
def housing_return_application(request: HttpRequest, application_id: int, payload: HousingCommentIn):
    services.return_application(request.auth, application_id, payload.comment)
    return detail(request.auth, application_id)


@router.post("/{int:application_id}/approve", response=HousingApplicationDetailOut, summary="资格审核通过，进入轮候")
def housing_approve(request: HttpRequest, application_id: int, payload: HousingApproveIn):
    services.approve(request.auth, application_id, **payload.model_dump())
    return detail(request.auth, application_id)


@router.post("/{int:application_id}/reject", response=HousingApplicationDetailOut, summary="资格审核不通过")
def housing_reject(request: HttpRequest, application_id: int, payload: HousingRejectIn):
    services.reject(request.auth, application_id, **payload.model_dump())
    return detail(request.auth, application_id)
