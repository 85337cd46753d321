"""The bare connectivity check and "who am I"."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from jiguan.core.models import RoleAssignment
from jiguan.core.registry import registry
from jiguan.core.services.modules import enabled_modules

from ..schemas import Choice, RegionRef, UnitRef, choice
from .modules import ModuleOut

router = Router()


class Pong(Schema):
    pong: bool


@router.get("/ping", auth=None, response=Pong, url_name="ping", summary="连通性检查（无需认证）")
def ping(request: HttpRequest):
    return {"pong": True}


class AccountOut(Schema):
    id: int
    username: str
    display_name: str
    must_change_password: bool
    second_factor_enabled: bool = Field(description="是否已启用动态口令（TOTP）")


class MyPersonOut(Schema):
    id: int
    name: str
    gender: str
    title: str
    rank: str | None = Field(description="职级名称")
    id_number_masked: str = Field(description="身份证号（脱敏）")
    phone_masked: str = Field(description="手机号（脱敏）")


class MyUnitOut(UnitRef):
    region: RegionRef


class RoleGrantOut(Schema):
    code: str
    name: str
    scope: Choice = Field(description="数据范围")
    unit: UnitRef | None = Field(description="数据范围的锚定单位")


class MeOut(Schema):
    account: AccountOut
    person: MyPersonOut | None
    unit: MyUnitOut | None
    roles: list[RoleGrantOut]
    permissions: list[str] = Field(description="我持有的全部权限代码")
    modules: list[ModuleOut] = Field(description="我所在地区已开通的业务模块")


@router.get("/me", response=MeOut, summary="当前用户：账号、人员（脱敏）、单位、角色、权限、已开通模块")
def me(request: HttpRequest):
    account = request.auth
    person = account.person
    assignments = list(RoleAssignment.objects.filter(account=account).select_related("role", "unit"))
    return {
        "account": {
            "id": account.pk,
            "username": account.username,
            "display_name": str(account),
            "must_change_password": account.must_change_password,
            "second_factor_enabled": account.totp_confirmed_at is not None,
        },
        "person": _person(person) if person else None,
        "unit": account.unit,
        "roles": [
            {"code": a.role.code, "name": a.role.name, "scope": choice(a.role, "scope"), "unit": a.unit}
            for a in assignments
        ],
        "permissions": _permissions(account, assignments),
        "modules": enabled_modules(account),
    }


def _person(person) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "gender": person.gender,
        "title": person.title,
        "rank": person.rank.name if person.rank_id else None,
        "id_number_masked": person.id_number_masked,
        "phone_masked": person.phone_masked,
    }


def _permissions(account, assignments) -> list[str]:
    if account.is_superuser:
        return sorted(registry.permissions())
    return sorted({p for a in assignments for p in a.role.permissions})
