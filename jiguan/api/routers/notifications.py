"""The user's in-app inbox (站内消息)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema

from jiguan.core.models import Notification
from jiguan.core.services.notifications import mark_read, unread_count

from ..pagination import Page, PageQuery, paginate
from ..schemas import Count, Input

router = Router()


class NotificationFilter(PageQuery):
    unread: bool | None = Field(None, title=N_("Unread"), description="true 只看未读")


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    link: str = Field(description="相关页面地址")
    category: str
    created_at: datetime
    read_at: datetime | None


class MarkedOut(Schema):
    marked: int = Field(description="本次标为已读的条数")
    unread: int = Field(description="剩余未读条数")


class MarkReadIn(Input):
    ids: list[int] | None = Field(
        None, max_length=500, title=N_("Messages"), description="要标为已读的消息 ID；不填则全部标为已读"
    )


@router.get("", response=Page[NotificationOut], summary="我的消息")
def list_notifications(request: HttpRequest, query: Query[NotificationFilter]):
    # The inbox is personal: ownership, not data scope, decides (no administrator reads others' inboxes).
    inbox = Notification.objects.filter(recipient=request.auth)
    if query.unread is not None:
        inbox = inbox.filter(read_at__isnull=query.unread)
    return paginate(inbox, query, ("-created_at", "-id"), count=True)


@router.get("/unread-count", response=Count, summary="未读消息数")
def count_unread(request: HttpRequest):
    return {"count": unread_count(request.auth)}


@router.post("/read", response=MarkedOut, summary="标为已读")
def read_notifications(request: HttpRequest, payload: MarkReadIn):
    marked = mark_read(request.auth, payload.ids)
    return {"marked": marked, "unread": unread_count(request.auth)}
