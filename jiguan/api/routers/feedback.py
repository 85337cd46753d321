"""Feedback (意见反馈): becomes an event for the government offices administration bureau."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Router, Schema
from ninja.responses import Status

from jiguan.core.services.feedback import FeedbackCategory, submit_feedback

from ..schemas import Input

router = Router()


class FeedbackIn(Input):
    category: FeedbackCategory = Field(
        title=N_("Category"), description="suggestion 建议 / complaint 投诉 / inquiry 咨询 / other 其他"
    )
    content: str = Field(min_length=5, max_length=2000, title=N_("Content"), description="反馈内容，5–2000 字")


class FeedbackOut(Schema):
    event_id: int = Field(description="生成的事件 ID，可在事件接口中跟踪办理情况")
    title: str


@router.post("", response={201: FeedbackOut}, summary="提交意见反馈")
def create_feedback(request: HttpRequest, payload: FeedbackIn):
    event = submit_feedback(request.auth, category=payload.category, content=payload.content)
    return Status(201, {"event_id": event.pk, "title": event.title})
