"""Approvals: the approver's inbox, the applicant's own requests, and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema

from jiguan.core.models import ApprovalRequest
from jiguan.core.registry import registry
from jiguan.core.services import approvals

from ..pagination import Page, PageQuery, paginate, sort_by
from ..queries import get_or_404
from ..schemas import AccountRef, Choice, Input, UnitRef, choice

router = Router()

REQUEST_ORDER = {"-submitted_at": ("-submitted_at", "-id"), "submitted_at": ("submitted_at", "id")}
RELATED = ("unit", "applicant", "current_role")


class RequestFilter(PageQuery):
    business_type: str | None = Field(None, max_length=60, title=N_("Business type"))
    sort: sort_by(REQUEST_ORDER) = "-submitted_at"


class ApprovalOut(Schema):
    id: int
    business_type: Choice
    title: str
    status: Choice
    applicant: AccountRef
    unit: UnitRef
    current_step: int | None = Field(description="当前审批环节序号")
    current_role: str | None = Field(description="当前环节的审批角色")
    submitted_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_business_type(request) -> dict:
        approval_type = registry.approval_type(request.business_type)
        label = str(approval_type.label) if approval_type else request.business_type
        return {"code": request.business_type, "label": label}

    @staticmethod
    def resolve_status(request) -> dict:
        return choice(request, "status")

    @staticmethod
    def resolve_current_role(request) -> str | None:
        return request.current_role.name if request.current_role_id else None


class ApprovalActionOut(Schema):
    step_order: int | None = Field(description="审批环节序号；提交、撤回等为 null")
    actor: AccountRef
    decision: Choice
    comment: str
    at: datetime

    @staticmethod
    def resolve_decision(action) -> dict:
        return choice(action, "decision")


class ApprovalDetailOut(ApprovalOut):
    can_decide: bool = Field(description="我是否可以审批此申请")
    actions: list[ApprovalActionOut] = Field(description="审批记录")

    @staticmethod
    def resolve_actions(request) -> list:
        return list(request.actions.select_related("actor"))


class DecisionIn(Input):
    decision: Literal["approve", "reject", "return"] = Field(
        title=N_("Decision"), description="approve 同意 / reject 不同意 / return 退回修改"
    )
    comment: str = Field("", max_length=2000, title=N_("Comment"))


def _page(queryset, query: RequestFilter) -> dict:
    queryset = queryset.select_related(*RELATED)
    if query.business_type:
        queryset = queryset.filter(business_type=query.business_type)
    return paginate(queryset, query, REQUEST_ORDER[query.sort], count=True)


@router.get("/inbox", response=Page[ApprovalOut], summary="待我审批")
def approval_inbox(request: HttpRequest, query: Query[RequestFilter]):
    return _page(approvals.inbox(request.auth), query)


@router.get("/mine", response=Page[ApprovalOut], summary="我的申请")
def my_approvals(request: HttpRequest, query: Query[RequestFilter]):
    return _page(approvals.my_requests(request.auth), query)


@router.get("/{request_id}", response=ApprovalDetailOut, summary="申请详情（含审批记录）")
def get_approval(request: HttpRequest, request_id: int):
    return _detail(request.auth, request_id)


@router.post("/{request_id}/decision", response=ApprovalDetailOut, summary="审批：同意、不同意或退回修改")
def decide_approval(request: HttpRequest, request_id: int, payload: DecisionIn):
    approvals.decide(request.auth, request_id, payload.decision, payload.comment)
    return _detail(request.auth, request_id)


def _detail(user, request_id: int) -> ApprovalRequest:
    """The applicant, the current approvers and everyone who already acted on it may open a request."""
    pending_for_me = approvals.inbox(user).filter(pk=request_id)
    visible = ApprovalRequest.objects.filter(
        Q(pk__in=approvals.my_requests(user).values("pk"))
        | Q(pk__in=pending_for_me.values("pk"))
        | Q(actions__actor=user)
    ).distinct()
    found = get_or_404(visible.select_related(*RELATED), pk=request_id)
    found.can_decide = pending_for_me.exists()
    return found
