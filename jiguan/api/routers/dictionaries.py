"""Dictionaries (数据字典): code tables from national standards, public reference data."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Router, Schema

from jiguan.core.models import Dictionary, DictionaryItem

from ..queries import get_or_404, reference_data

router = Router()


class DictionaryItemOut(Schema):
    code: str
    label: str
    parent_code: str | None = Field(description="上级条目代码（分级代码表）")
    sort: int

    @staticmethod
    def resolve_parent_code(item) -> str | None:
        return item.parent.code if item.parent_id else None


class DictionaryOut(Schema):
    code: str
    name: str
    source: str = Field(description="所依据的标准或规定")
    items: list[DictionaryItemOut] = Field(description="在用的条目，按排序")

    @staticmethod
    def resolve_items(dictionary) -> list:
        return dictionary.active_items


@router.get("/{code}", response=DictionaryOut, summary="数据字典及其条目")
def get_dictionary(request: HttpRequest, code: str):
    active_items = reference_data(DictionaryItem).filter(active=True).select_related("parent")
    dictionaries = reference_data(Dictionary).prefetch_related(
        Prefetch("items", queryset=active_items.order_by("sort", "code"), to_attr="active_items")
    )
    return get_or_404(dictionaries, code=code)
