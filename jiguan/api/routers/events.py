"""Events (事件): report, follow and handle work items through their closed loop
new → dispatched → in progress → resolved → closed (or rejected)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.core.errors import ValidationFailed
from jiguan.core.models import Event
from jiguan.core.models.events import EventStatus, Priority
from jiguan.core.registry import registry
from jiguan.core.scoping import scoped
from jiguan.core.services import events

from ..errors import reported_as
from ..pagination import CountedPageQuery, Page, paginate, sort_by
from ..queries import get_or_404, scoped_any
from ..schemas import AccountRef, Choice, Input, RegionRef, UnitRef, choice
from ..timeline import TimelineOut, timeline_of

router = Router()

VIEW_EVENTS = "core.view_events"
HANDLE_EVENTS = "core.handle_events"
USE_SERVICE = "core.use_service"  # a reporter or assignee follows their own events through it
EVENT_ORDER = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "due_at": ("due_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
}


class EventFilter(CountedPageQuery):
    box: Literal["mine", "assigned", "scope"] = Field(
        "mine",
        title=N_("List"),
        description="mine 我上报的 / assigned 派给我或我单位的 / scope 我数据范围内的全部（需事件查看权限）",
    )
    status: EventStatus | None = Field(None, title=N_("Status"))
    type: str | None = Field(None, max_length=60, title=N_("Event type"))
    priority: Priority | None = Field(None, title=N_("Priority"))
    overdue: bool | None = Field(None, title=N_("Overdue"), description="true 只看已超期未办结的")
    sort: sort_by(EVENT_ORDER) = "-created_at"


class EventOut(Schema):
    id: int
    type: Choice
    title: str
    status: Choice
    priority: Choice
    unit: UnitRef = Field(description="事件涉及的单位")
    assignee_unit: UnitRef | None = Field(description="承办单位")
    reporter: AccountRef | None
    assignee: AccountRef | None = Field(description="承办人")
    due_at: datetime | None = Field(description="办理时限")
    overdue: bool
    created_at: datetime

    @staticmethod
    def resolve_type(event) -> dict:
        event_type = registry.event_type(event.type)
        return {"code": event.type, "label": str(event_type.label) if event_type else event.type}

    @staticmethod
    def resolve_status(event) -> dict:
        return choice(event, "status")

    @staticmethod
    def resolve_priority(event) -> dict:
        return choice(event, "priority")

    @staticmethod
    def resolve_overdue(event) -> bool:
        return bool(event.due_at and event.status in events.OPEN_STATES and event.due_at < timezone.now())


class EventDetailOut(EventOut):
    description: str
    region: RegionRef
    resolved_at: datetime | None
    closed_at: datetime | None
    rating: int | None = Field(description="评价（1–5 星）")
    feedback: str = Field(description="评价意见")
    actions: list[str] = Field(description="我现在可以进行的操作（action 代码）")
    timeline: list[TimelineOut] = Field(description="处理过程")


class EventCreateIn(Input):
    type: str = Field("core.general", max_length=60, title=N_("Event type"), description="事件类型代码")
    title: str = Field(max_length=200, title=N_("Title"))
    description: str = Field("", max_length=5000, title=N_("Description"))
    unit_id: int | None = Field(None, title=N_("Unit"), description="涉及的单位；不填为本人单位")
    priority: Priority = Field(Priority.NORMAL, title=N_("Priority"))


class EventActionIn(Input):
    action: Literal["dispatch", "start", "resolve", "close", "reject", "reopen", "comment"] = Field(
        title=N_("Action"),
        description="dispatch 派单 / start 开始办理 / resolve 办结 / close 确认关闭并评价 / reject 驳回 / "
        "reopen 重新办理 / comment 备注",
    )
    comment: str = Field("", max_length=2000, title=N_("Comment"))
    assignee_unit_id: int | None = Field(None, title=N_("Handling unit"), description="派单时必填")
    assignee_id: int | None = Field(None, title=N_("Handler"), description="派单时可指定承办人（账号 ID）")
    rating: int | None = Field(None, ge=1, le=5, title=N_("Rating"), description="关闭时的评价，1–5")
    feedback: str = Field("", max_length=2000, title=N_("Rating remarks"))


def _events():
    return Event.objects.select_related("unit", "assignee_unit", "reporter", "assignee", "region")


def visible_events(user):
    """Events the user may open: their event-center scope, those they handle, and their own."""
    return scoped_any(_events(), user, (VIEW_EVENTS, HANDLE_EVENTS, USE_SERVICE))


def _box(user, box: str):
    match box:
        case "mine":
            return visible_events(user).filter(reporter=user)
        case "assigned":
            return visible_events(user).filter(Q(assignee=user) | Q(assignee_unit_id=user.unit_id, assignee=None))
    return scoped(_events(), user, VIEW_EVENTS)


@router.get("", response=Page[EventOut], summary="事件列表：我上报的、派给我的、范围内全部")
def list_events(request: HttpRequest, query: Query[EventFilter]):
    found = _box(request.auth, query.box)
    if query.status:
        found = found.filter(status=query.status)
    if query.type:
        found = found.filter(type=query.type)
    if query.priority:
        found = found.filter(priority=query.priority)
    if query.overdue is not None:
        late = Q(status__in=events.OPEN_STATES, due_at__lt=timezone.now())
        found = found.filter(late) if query.overdue else found.exclude(late)
    return paginate(found, query, EVENT_ORDER[query.sort])


@router.post("", response={201: EventDetailOut}, summary="上报事件")
def report_event(request: HttpRequest, payload: EventCreateIn):
    event = events.report_event(request.auth, **payload.model_dump())
    return Status(201, _detail(request.auth, event.pk))


@router.get("/{event_id}", response=EventDetailOut, summary="事件详情（含处理过程）")
def get_event(request: HttpRequest, event_id: int):
    return _detail(request.auth, event_id)


@router.post("/{event_id}/actions", response=EventDetailOut, summary="办理事件：派单、办理、办结、关闭评价、驳回、备注")
def act_on_event(request: HttpRequest, event_id: int, payload: EventActionIn):
    user, text = request.auth, payload.comment
    match payload.action:
        case "dispatch":
            if payload.assignee_unit_id is None:
                raise ValidationFailed({"assignee_unit_id": [_("Choose the handling unit to dispatch to.")]})
            events.dispatch(
                user, event_id, assignee_unit_id=payload.assignee_unit_id, assignee_id=payload.assignee_id, comment=text
            )
        case "start":
            events.start_work(user, event_id, comment=text)
        case "resolve":
            events.resolve(user, event_id, text)
        case "close":
            events.close(user, event_id, rating=payload.rating, feedback=payload.feedback)
        case "reject":
            events.reject(user, event_id, text)
        case "reopen":
            events.reopen(user, event_id, text)
        case "comment":
            with reported_as({"text": "comment"}):
                events.add_comment(user, event_id, text)
    return _detail(user, event_id)


def _detail(user, event_id: int) -> Event:
    event = get_or_404(visible_events(user), pk=event_id)
    event.actions = events.actions_for(user, event)
    event.timeline = timeline_of(event, EventStatus)
    return event
