"""People (staff members). Lists carry no personal data; a record shows its ID number and phone masked,
and the full values come only from ``POST /people/{id}/reveal``, which is access-logged."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.core.crypto import mask_id_number, mask_phone
from jiguan.core.models import Person
from jiguan.core.models.org import Gender, PersonStatus
from jiguan.core.scoping import has_permission, scope_q, scoped
from jiguan.core.services import org
from jiguan.core.statements import Selection

from ..pagination import CountedPageQuery, Page, paginate, sort_by
from ..queries import get_or_404
from ..responses import validated_once
from ..schemas import ChoiceRow, Input, Row, UnitRow, choice_labels

router = Router()

VIEW_PEOPLE = "core.view_people"
OWN_RECORD = "core.use_service"  # staff hold it with the "self" scope: they see their own record
# "org" follows the (org_path, id) index, so a page of a region's people is read straight off it.
PERSON_ORDER = {
    "org": ("org_path", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "-created_at": ("-created_at", "-id"),
}
# The list reads plain values (no model instances) and builds rows as dicts: it is the busiest endpoint.
LIST_VALUES = (
    "id", "name", "gender", "title", "status", "unit_id", "unit__name", "department_id", "department__name",
    "rank_id", "rank__name",
)


class PersonFilter(CountedPageQuery):
    unit: int | None = Field(None, title=N_("Unit"), description="所在机关单位 ID")
    department: int | None = Field(None, title=N_("Internal department"), description="内设机构 ID")
    status: PersonStatus | None = Field(None, title=N_("Status"))
    rank: int | None = Field(None, title=N_("Rank"), description="职级 ID")
    q: str | None = Field(None, max_length=50, title=N_("Search"), description="按姓名查找（前缀匹配）")
    sort: sort_by(PERSON_ORDER) = "org"


class RankRef(Row):
    id: int
    name: str


class PersonOut(Row):
    id: int
    name: str
    gender: str = Field(description="M 男 / F 女；未知为空")
    title: str = Field(description="职务")
    status: ChoiceRow
    unit: UnitRow
    department: UnitRow | None
    rank: RankRef | None


class PersonDetailOut(PersonOut):
    id_number_masked: str = Field(description="身份证号（脱敏）")
    phone_masked: str = Field(description="手机号（脱敏）")


class PersonalDataOut(Schema):
    id_number: str = Field(description="完整身份证号（本次查看已记入访问日志）")
    phone: str = Field(description="完整手机号")


class PersonCreateIn(Input):
    name: str = Field(max_length=50, title=N_("Full name"))
    unit_id: int = Field(title=N_("Unit"), description="所在机关单位 ID")
    department_id: int | None = Field(None, title=N_("Internal department"))
    rank_id: int | None = Field(None, title=N_("Rank"))
    id_number: str = Field("", max_length=18, title=N_("ID number"), description="18 位公民身份号码")
    phone: str = Field("", max_length=20, title=N_("Mobile phone"))
    gender: Gender | None = Field(None, title=N_("Gender"), description="不填时按身份证号推定")
    title: str = Field("", max_length=60, title=N_("Post"))
    status: PersonStatus = Field(PersonStatus.ACTIVE, title=N_("Status"))


class PersonPatchIn(Input):
    """Only the fields sent are changed; a new unit_id is a transfer."""

    name: str = Field(None, max_length=50, title=N_("Full name"))
    unit_id: int = Field(None, title=N_("Unit"))
    department_id: int | None = Field(None, title=N_("Internal department"))
    rank_id: int | None = Field(None, title=N_("Rank"))
    id_number: str = Field(None, max_length=18, title=N_("ID number"))
    phone: str = Field(None, max_length=20, title=N_("Mobile phone"))
    gender: Gender | None = Field(None, title=N_("Gender"))
    title: str = Field(None, max_length=60, title=N_("Post"))
    status: PersonStatus = Field(None, title=N_("Status"))


def visible_people(user):
    """People the user may look up: their ``core.view_people`` scope; for someone without it (staff),
    their own record through the service permission, whose scope is "self"."""
    return scoped(Person.objects.all(), user, _people_permission(user))


def _people_permission(user) -> str:
    return VIEW_PEOPLE if has_permission(user, VIEW_PEOPLE) else OWN_RECORD


@router.get("", response=Page[PersonOut], summary="人员列表（不含身份证号、手机号）")
@validated_once
def list_people(request: HttpRequest, query: Query[PersonFilter]):
    where = scope_q(Person, request.auth, _people_permission(request.auth))
    for lookup, value in (("unit_id", query.unit), ("department_id", query.department), ("rank_id", query.rank)):
        if value is not None:
            where &= Q(**{lookup: value})
    if query.status:
        where &= Q(status=query.status)
    if query.q:
        where &= Q(name__startswith=query.q.strip())
    page = paginate(Selection(Person, where, LIST_VALUES), query, PERSON_ORDER[query.sort])
    labels = choice_labels(PersonStatus)
    page["items"] = [_row(values, labels) for values in page["items"]]
    return page


@router.get("/{person_id}", response=PersonDetailOut, summary="人员详情（身份证号、手机号脱敏）")
def get_person(request: HttpRequest, person_id: int):
    return _detail(request.auth, person_id)


@router.post("", response={201: PersonDetailOut}, summary="新增人员")
def create_person(request: HttpRequest, payload: PersonCreateIn):
    values = payload.model_dump()
    values["gender"] = values["gender"] or ""
    person = org.create_person(request.auth, **values)
    return Status(201, _detail(request.auth, person.pk))


@router.patch("/{person_id}", response=PersonDetailOut, summary="修改人员（只改所传字段）")
def update_person(request: HttpRequest, person_id: int, payload: PersonPatchIn):
    changes = payload.model_dump(exclude_unset=True)
    if "gender" in changes:
        changes["gender"] = changes["gender"] or ""
    org.update_person(request.auth, person_id, **changes)
    return _detail(request.auth, person_id)


@router.post("/{person_id}/reveal", response=PersonalDataOut, summary="查看完整身份证号、手机号（记入访问日志）")
def reveal_person(request: HttpRequest, person_id: int):
    return org.reveal_personal_data(request.auth, person_id, request.path)


def _row(values: dict, status_labels: dict[str, str]) -> dict:
    return {
        "id": values["id"],
        "name": values["name"],
        "gender": values["gender"],
        "title": values["title"],
        "status": {"code": values["status"], "label": status_labels.get(values["status"], values["status"])},
        "unit": {"id": values["unit_id"], "name": values["unit__name"]},
        "department": _ref(values["department_id"], values["department__name"]),
        "rank": _ref(values["rank_id"], values["rank__name"]),
    }


def _ref(pk: int | None, name: str | None) -> dict | None:
    return {"id": pk, "name": name} if pk is not None else None


def _detail(user, person_id: int) -> dict:
    values = get_or_404(visible_people(user).values(*LIST_VALUES, "id_number", "phone"), pk=person_id)
    return {**_row(values, choice_labels(PersonStatus)), "id_number_masked": mask_id_number(values["id_number"]),
            "phone_masked": mask_phone(values["phone"])}
