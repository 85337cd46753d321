"""Approvals: the inbox of requests waiting for the user, those they decided, and one request's history."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.access import is_htmx
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models import ApprovalAction, ApprovalRequest
from jiguan.core.services import approvals
from jiguan.core.statemachine import timeline

from ..access import manage_view
from ..forms import DecisionForm
from ..labels import approval_type_choices, approval_type_label
from .common import submit

APPROVAL_LIST = ListSpec(
    name="approvals",
    title=gettext_lazy("Approvals"),
    columns=(
        Column("title", gettext_lazy("Title"), order_by="title"),
        Column("business_type", gettext_lazy("Business type"), order_by="business_type",
               value=lambda r: approval_type_label(r.business_type)),
        Column("applicant", gettext_lazy("Applicant"), value=lambda r: str(r.applicant)),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__name"),
        Column("current_role__name", gettext_lazy("Current step")),
        Column("status", gettext_lazy("Status"), order_by="status"),
        Column("submitted_at", gettext_lazy("Submitted at"), order_by="submitted_at"),
    ),
    filters=(ChoiceFilter("business_type", gettext_lazy("Business type"), "business_type", choices=approval_type_choices),),
    search=("title",),
    default_sort="-submitted_at",
)


def _decided_by(user):
    decided = ApprovalAction.objects.filter(actor=user, decision__in=approvals.DECISIONS).values("request_id")
    return ApprovalRequest.objects.filter(pk__in=decided).select_related("applicant", "unit", "current_role")


def _visible(user):
    """Requests the user may open: waiting for them, decided by them, or their own."""
    waiting = approvals.inbox(user).values("pk")
    acted = ApprovalAction.objects.filter(actor=user).values("request_id")
    return ApprovalRequest.objects.filter(Q(pk__in=waiting) | Q(pk__in=acted) | Q(applicant=user))


@require_GET
@manage_view()
def inbox(request):
    return APPROVAL_LIST.bind(request, approvals.inbox(request.user)).response(
        "manage/approvals/list.html", "manage/approvals/_table.html", {"tab": "inbox", "decide": True}
    )


@require_GET
@manage_view()
def decided(request):
    return APPROVAL_LIST.bind(request, _decided_by(request.user)).response(
        "manage/approvals/list.html", "manage/approvals/_table.html", {"tab": "decided", "decide": False}
    )


@require_GET
@manage_view()
def approval_detail(request, pk: int):
    return _detail_page(request, pk, DecisionForm(user=request.user))


def _detail_page(request, pk: int, form: DecisionForm, status: int = 200):
    queryset = _visible(request.user).select_related("applicant", "unit", "current_role", "flow")
    approval = get_object_or_404(queryset, pk=pk)
    waiting = approvals.inbox(request.user).filter(pk=pk).exists()
    return render(request, "manage/approvals/detail.html", {
        "approval": approval,
        "type_label": approval_type_label(approval.business_type),
        "steps": approval.flow.steps.select_related("role"),
        "actions": approval.actions.select_related("actor"),
        "timeline": timeline(approval),
        "form": form if waiting else None,
    }, status=status)


@require_POST
@manage_view()
def approval_decide(request, pk: int):
    form = DecisionForm(request.POST, user=request.user)
    label = approvals.DECISIONS.get(request.POST.get("decision"), "")
    done, _approval = submit(
        request, form, lambda: approvals.decide(request.user, pk, form.cleaned_data["decision"], form.cleaned_data["comment"]),
        _("Done: %(action)s.") % {"action": label},
    )
    if is_htmx(request):  # a row of the inbox: redrawn with its outcome; errors go out as toasts
        for error in (e for errors in form.errors.values() for e in errors):
            messages.error(request, error)
        approval = get_object_or_404(_visible(request.user).select_related("applicant", "unit", "current_role"), pk=pk)
        still_waiting = approvals.inbox(request.user).filter(pk=pk).exists()
        return render(request, "manage/approvals/_row.html", {"approval": approval, "decide": still_waiting})
    if done:
        return redirect("manage:approvals")
    return _detail_page(request, pk, form, status=400)
