"""Schemas shared by the kernel's routers: the error shape, references to related records, choices.

Input schemas derive from ``Input``: unknown fields are refused rather than silently ignored, so a
misspelt field name is reported instead of being lost.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Choices
from django.utils.translation import get_language
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str | None = Field(description="出错的字段名；与具体字段无关时为 null")
    message: str = Field(description="错误说明（中文）")


class Error(Schema):
    """Every error the API returns has this shape."""

    code: str = Field(
        description="错误代码：validation_error、invalid_json、invalid、unauthenticated、forbidden、not_found、"
        "method_not_allowed、conflict、invalid_state、rate_limited、server_error 等"
    )
    message: str = Field(description="给用户看的中文说明")
    field: str | None = Field(None, description="第一个出错的字段名")
    errors: list[FieldError] = Field(description="全部出错字段及说明")


class Count(Schema):
    count: int


class RegionRef(Schema):
    code: str = Field(description="GB/T 2260 行政区划代码")
    name: str


class UnitRef(Schema):
    id: int
    name: str


class AccountRef(Schema):
    id: int
    name: str = Field(description="显示名，未设置时为用户名")

    @staticmethod
    def resolve_name(account) -> str:
        return str(account)


class Choice(Schema):
    """A coded value with its label in the user's language."""

    code: str
    label: str


def choice(model_instance, field: str) -> dict:
    """``{"code", "label"}`` for a choices field of a model instance."""
    return {"code": getattr(model_instance, field), "label": str(getattr(model_instance, f"get_{field}_display")())}


def choice_labels(choices: type[Choices]) -> dict[str, str]:
    """``{code: label}`` of a choices class in the active language, for rows built as dicts: translated
    once per language and process (catalogues do not change while it runs), not once per row."""
    return _labels(choices, get_language())


@cache
def _labels(choices: type[Choices], language: str | None) -> dict[str, str]:
    return {code: str(label) for code, label in choices.choices}  # ``language`` is the active one


class Row(BaseModel):
    """An output built as a plain dict by the handler: pydantic-core validates it without calling Python
    per field (ninja's ``Schema`` wraps every object to resolve attributes). For the busiest lists."""


class UnitRow(Row):
    id: int
    name: str


class ChoiceRow(Row):
    code: str
    label: str
