"""Notices (通知公告) visible to the user: published for their region or a region above it."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from jiguan.core.services.notices import visible_notices

from ..pagination import Page, PageQuery, paginate
from ..queries import get_or_404
from ..schemas import RegionRef, UnitRef

router = Router()


class NoticeOut(Schema):
    id: int
    title: str
    publisher: UnitRef = Field(description="发布单位")
    audience: RegionRef = Field(description="面向的区划（含下级）")
    pinned: bool
    published_at: datetime
    expires_at: datetime | None


class NoticeDetailOut(NoticeOut):
    body: str


def _notices(user):
    return visible_notices(user).select_related("publisher", "audience")


@router.get("", response=Page[NoticeOut], summary="通知公告")
def list_notices(request: HttpRequest, query: Query[PageQuery]):
    return paginate(_notices(request.auth), query, ("-pinned", "-published_at", "-id"), count=True)


@router.get("/{notice_id}", response=NoticeDetailOut, summary="通知公告详情")
def get_notice(request: HttpRequest, notice_id: int):
    return get_or_404(_notices(request.auth), pk=notice_id)
