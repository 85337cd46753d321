"""Pagination and sorting for list endpoints: ``?page=&page_size=`` (at most 100) and a whitelisted
``sort``. Pages are cut with LIMIT/OFFSET plus one extra row for ``has_next``, so no COUNT over the
whole scope is run unless the endpoint says counting is cheap or the client asks for ``total``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Generic, Literal, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext_noop as N_
from ninja import Field, Schema
from pydantic import BaseModel

from jiguan.core.statements import Selection

MAX_PAGE_SIZE = 100
T = TypeVar("T")


# Query parameters arrive as a plain dict: a pydantic model validates them in pydantic-core, without the
# per-object attribute getter of ninja's ``Schema`` (the OpenAPI parameters are the same). A comment, not a
# docstring: a docstring would become the schema's description.
class PageQuery(BaseModel):
    page: int = Field(1, ge=1, title=N_("Page"), description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, title=N_("Page size"), description="每页条数，1–100")


class CountedPageQuery(PageQuery):
    """For lists that can be large: the total is counted only on request."""

    with_total: bool = Field(False, title=N_("With total"), description="为 true 时返回总条数 total（需统计，较慢）")


class Page(Schema, Generic[T]):
    items: list[T]
    page: int = Field(description="当前页码")
    page_size: int = Field(description="每页条数")
    has_next: bool = Field(description="是否还有下一页")
    total: int | None = Field(None, description="总条数；大列表仅在 with_total=true 时返回")


def sort_by(orderings: Mapping[str, tuple[str, ...]]):
    """The type of a ``sort`` query field accepting only the keys of ``orderings``; any other value is a
    400 naming the allowed keys. Each ordering should end in a unique column so pages are stable."""
    return Annotated[
        Literal[tuple(orderings)],
        Field(title=N_("Sort"), description="排序方式，可选：" + "、".join(orderings) + "（“-”表示倒序）"),
    ]


def paginate(source: QuerySet | Selection, query: PageQuery, ordering: tuple[str, ...], *, count: bool = False) -> dict:
    """One page of ``source`` in ``ordering``. ``count``: add ``total`` (one COUNT query). A ``Selection``
    is read through its shape's compiled statement (``jiguan.core.statements``)."""
    start = (query.page - 1) * query.page_size
    stop = start + query.page_size + 1
    if isinstance(source, Selection):
        rows = source.rows(ordering, start, stop)
    else:
        rows = list(source.order_by(*ordering)[start:stop])
    total = None
    if count or getattr(query, "with_total", False):
        total = (source.queryset() if isinstance(source, Selection) else source).count()
    return {
        "items": rows[: query.page_size],
        "page": query.page,
        "page_size": query.page_size,
        "has_next": len(rows) > query.page_size,
        "total": total,
    }
