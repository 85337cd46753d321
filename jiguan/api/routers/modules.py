"""The business modules enabled for the caller's region (加盟 per region)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from jiguan.core.services.modules import enabled_modules

router = Router()


class ModuleOut(Schema):
    code: str
    name: str
    description: str
    icon: str = Field(description="Tabler 图标名（ti ti-<icon>）")
    api_prefix: str | None = Field(description="模块接口前缀；模块未提供接口时为 null")

    # ModuleSpec texts are lazily translated: render them in the request's language.
    @staticmethod
    def resolve_name(spec) -> str:
        return str(spec.name)

    @staticmethod
    def resolve_description(spec) -> str:
        return str(spec.description)

    @staticmethod
    def resolve_api_prefix(spec) -> str | None:
        return f"/api/v1/{spec.code}/" if spec.api_router else None


@router.get("", response=list[ModuleOut], summary="我所在地区已开通的业务模块")
def list_modules(request: HttpRequest):
    return enabled_modules(request.auth)
