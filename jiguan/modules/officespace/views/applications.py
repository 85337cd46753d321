"""Portal pages: Space applications (用房申请) and their allocation in the order 调剂 → 置换 → 租用 → 建设
(management portal), and office adjustment requests — asked for in the service portal, answered by the
unit's administrators in the management portal. Thin: every change goes through ``services.applications``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.errors import ServiceError
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models import ApprovalAction, OrgUnit
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services import attachments
from jiguan.core.services.attachments import attachments_of
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter, region_filter
from jiguan.portals.manage.views.common import perform, submit
from jiguan.portals.service.forms import call_service
from jiguan.portals.service.views import Step, paginate

from ..forms.applications import (
    AdjustmentDecisionForm,
    AdjustmentForm,
    AllocateForm,
    ApplicationForm,
    CommentForm,
)
from ..models import (
    AdjustmentState,
    AllocationMethod,
    ApplicationState,
    OfficeAdjustment,
    RoomState,
    SpaceApplication,
)
from ..module import MANAGE, SUPERVISE, VIEW
from ..services import applications as services

# --- The list -----------------------------------------------------------------------------------------


def _visible(user) -> QuerySet:
    queryset = SpaceApplication.objects.select_related("unit", "allocation__document")
    return scoped(queryset, user, VIEW)


def _method_of(application) -> str:
    allocation = getattr(application, "allocation", None)
    return allocation.get_method_display() if allocation else ""


def application_list(user) -> ListSpec:
    return ListSpec(
        name="officespace.applications", title=gettext_lazy("Space applications"),
        columns=(
            Column("title", gettext_lazy("Title"), order_by="title"),
            Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
            Column("headcount", gettext_lazy("Head-count"), order_by="headcount"),
            Column("entitlement", gettext_lazy("Entitlement (㎡)"), order_by="entitlement"),
            Column("requested_area", gettext_lazy("Requested area (㎡)"), order_by="requested_area"),
            Column("needed_by", gettext_lazy("Needed by"), order_by="needed_by"),
            Column("state", gettext_lazy("State"), order_by="state"),
            Column("method", gettext_lazy("Allocation method"), value=_method_of),
            Column("created_at", gettext_lazy("Created at"), order_by="created_at",
                   value=lambda a: a.created_at.date()),
        ),
        filters=(
            region_filter("unit__region"),
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=ApplicationState.choices),
            ChoiceFilter("method", gettext_lazy("Allocation method"), "allocation__method",
                         choices=AllocationMethod.choices),
            UnitFilter("unit", gettext_lazy("Unit"), "unit_id", user=user, permission=VIEW),
        ),
        search=("title", "unit__name"), search_label=gettext_lazy("Title or unit"), default_sort="-created_at",
    )


@require_GET
@manage_view(VIEW)
def applications(request):
    listing = application_list(request.user).bind(request, _visible(request.user))
    return listing.response("officespace/applications/list.html", "officespace/applications/_table.html", {
        "can_apply": has_permission(request.user, MANAGE),
    })


# --- Applying -------------------------------------------------------------------------------------------


def _unit_for_new(request) -> OrgUnit:
    """The applying unit: ``?unit=`` among those the user manages, else the user's own."""
    units = scoped(OrgUnit.objects.filter(active=True, kind="unit").select_related("region"), request.user, MANAGE)
    wanted = request.GET.get("unit") or request.POST.get("unit") or request.user.unit_id
    unit = units.filter(pk=wanted).first() if str(wanted or "").isdigit() else None
    if unit is None:
        raise PermissionDenied(_("Your account belongs to no unit you may apply for; choose a unit in the list."))
    return unit


@manage_view(MANAGE)
def application_new(request):
    unit = _unit_for_new(request)
    form = ApplicationForm(request.POST or None, request.FILES or None, user=request.user, unit=unit)
    if request.method == "POST":
        done, application = submit(
            request, form, lambda: _create(request, form, unit), _("The application has been saved as a draft."),
        )
        if done:
            return redirect("manage:officespace:application", application.pk)
    return _form_page(request, form, unit, _("New space application"), reverse("manage:officespace:applications"))


def _create(request, form: ApplicationForm, unit: OrgUnit) -> SpaceApplication:
    application = services.create_application(request.user, unit_id=unit.pk, **form.application_values())
    _attach(request, form, application)
    return application


def _attach(request, form: ApplicationForm, application: SpaceApplication) -> None:
    upload = form.cleaned_data.get("attachment")
    if upload:
        attachments.save_attachment(request.user, upload, subject=application, unit=application.unit)


@manage_view(MANAGE)
def application_edit(request, pk: int):
    application = get_in_scope(SpaceApplication, request.user, MANAGE, pk,
                               queryset=SpaceApplication.objects.select_related("unit__region"))
    initial = {
        "title": application.title, "purpose": application.purpose, "requested_area": application.requested_area,
        "needed_by": application.needed_by, "preferred_region": application.preferred_region_id,
        "preferred_compound": application.preferred_compound_id,
        **{f"count_{line.rank_id}": line.count for line in application.lines.all()},
    }
    form = ApplicationForm(request.POST or None, request.FILES or None, user=request.user, unit=application.unit,
                           initial=initial)
    back = reverse("manage:officespace:application", args=[application.pk])
    if request.method == "POST":
        def save():
            services.update_application(request.user, application.pk, **form.application_values())
            _attach(request, form, application)

        done, _saved = submit(request, form, save, _("The changes have been saved."))
        if done:
            return redirect(back)
    return _form_page(request, form, application.unit, _("Revise the application"), back)


def _form_page(request, form: ApplicationForm, unit: OrgUnit, title: str, back: str):
    units = scoped(OrgUnit.objects.filter(active=True, kind="unit"), request.user, MANAGE).order_by("org_path")
    return render(request, "officespace/applications/form.html", {
        "form": form, "unit": unit, "title": title, "cancel_url": back,
        "units": units[:200] if units[:2].count() > 1 else None,
    })


# --- The application page ----------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def application_detail(request, pk: int):
    application = get_in_scope(SpaceApplication, request.user, VIEW, pk, queryset=_visible(request.user).select_related(
        "preferred_region", "preferred_compound", "approval__flow", "approval__current_role", "applicant"))
    user = request.user
    may_manage = scoped(SpaceApplication.objects.filter(pk=pk), user, MANAGE).exists()
    may_supervise = has_permission(user, SUPERVISE) and scoped(SpaceApplication.objects.filter(pk=pk), user,
                                                               SUPERVISE).exists()
    allowed = services.APPLICATION_MACHINE.allowed_actions(application)
    return render(request, "officespace/applications/detail.html", {
        "application": application,
                "lines": application.lines.select_related("rank"),
        "allocation": getattr(application, "allocation", None),
        "approval_steps": _approval_steps(application),
        "timeline": _labelled(timeline(application), services.APPLICATION_ACTIONS, ApplicationState),
        "attachments": attachments_of(application),
        "can_edit": may_manage and application.state in services.EDITABLE,
        "can_submit": may_manage and ("submit" in allowed or "resubmit" in allowed),
        "can_withdraw": may_manage and "withdraw" in allowed,
        "can_close": may_manage and "close" in allowed,
        "can_allocate": may_supervise and "allocate" in allowed,
        "comment_form": CommentForm(),
    })


def _approval_steps(application: SpaceApplication) -> list[dict]:
    """The flow's steps with how far the request has come, and each decision taken."""
    request = application.approval
    if request is None:
        return []
    actions = list(ApprovalAction.objects.filter(request=request).select_related("actor").order_by("at", "pk"))
    steps = []
    for step in request.flow.steps.select_related("role"):
        decided = [a for a in actions if a.step_order == step.order]
        current = request.status == "pending" and request.current_step == step.order
        steps.append({"step": step, "decisions": decided, "current": current})
    return steps


def _labelled(entries, actions: dict, states) -> list:
    labels = dict(states.choices)
    entries = list(entries.select_related("actor"))
    for entry in entries:
        entry.action_label = actions.get(entry.action, entry.action)
        entry.to_label = labels.get(entry.to_state, dict(RoomState.choices).get(entry.to_state, entry.to_state))
    return entries


@require_GET
@manage_view(VIEW)
def application_attachment(request, pk: int, attachment_pk: int):
    application = get_in_scope(SpaceApplication, request.user, VIEW, pk)
    attachment = get_object_or_404(attachments_of(application), pk=attachment_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


def _application_action(request, pk: int, action, success: str):
    perform(request, action, success)
    return redirect("manage:officespace:application", pk)


@require_POST
@manage_view(MANAGE)
def application_submit(request, pk: int):
    comment = request.POST.get("comment", "")
    return _application_action(request, pk, lambda: services.submit_application(request.user, pk, comment),
                               _("The application has been submitted for approval."))


@require_POST
@manage_view(MANAGE)
def application_withdraw(request, pk: int):
    return _application_action(request, pk, lambda: services.withdraw_application(request.user, pk),
                               _("The application has been withdrawn."))


@require_POST
@manage_view(MANAGE)
def application_close(request, pk: int):
    comment = request.POST.get("comment", "")
    return _application_action(request, pk, lambda: services.close_application(request.user, pk, comment),
                               _("The application is closed: the unit has taken over the space."))


# --- Allocation by the bureau ---------------------------------------------------------------------------

MATCHES_LISTED = 50  # the best-matching idle offices shown; a province bureau may have thousands



@manage_view(SUPERVISE)
def application_allocate(request, pk: int):
    application = services.supervised_application(request.user, pk)
    form = AllocateForm(request.POST or None, user=request.user, application=application)
    if request.method == "POST":
        done, _allocation = submit(request, form,
                                   lambda: services.allocate(request.user, pk, **form.service_values()),
                                   _("The space has been allocated and the unit informed."))
        if done:
            return redirect("manage:officespace:application", pk)
    elif application.state != ApplicationState.APPROVED:
        messages.warning(request, _("Only an approved application can be allocated; this one is “%(state)s”.")
                         % {"state": application.get_state_display()})
    rooms = services.matching_idle_rooms(request.user, application)
    chosen = {str(v) for v in (form["rooms"].value() or [])}
    return render(request, "officespace/applications/allocate.html", {
        "application": application, "form": form, "idle": services.idle_totals(rooms),
        "rooms": rooms[:MATCHES_LISTED], "chosen": chosen,
    })


# --- Adjustment requests: the unit's administrators ------------------------------------------------------

ADJUSTMENT_LIST = ListSpec(
    name="officespace.adjustments", title=gettext_lazy("Office adjustment requests"),
    columns=(
        Column("person__name", gettext_lazy("Person"), order_by="person__name"),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
        Column("room", gettext_lazy("Current office"), value=lambda a: str(a.room) if a.room_id else ""),
        Column("reason", gettext_lazy("Reason"), order_by="reason"),
        Column("details", gettext_lazy("Details")),
        Column("state", gettext_lazy("State"), order_by="state"),
        Column("created_at", gettext_lazy("Requested at"), order_by="created_at", value=lambda a: a.created_at.date()),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=AdjustmentState.choices),),
    search=("person__name", "details"), search_label=gettext_lazy("Person or details"), default_sort="-created_at",
)


def _adjustments(user) -> QuerySet:
    queryset = OfficeAdjustment.objects.select_related("person", "unit", "room__building")
    return scoped(queryset, user, MANAGE)


@require_GET
@manage_view(MANAGE)
def adjustments(request):
    listing = ADJUSTMENT_LIST.bind(request, _adjustments(request.user))
    return listing.response("officespace/applications/adjustments.html",
                            "officespace/applications/_adjustments_table.html")


@manage_view(MANAGE)
def adjustment_detail(request, pk: int):
    adjustment = get_in_scope(OfficeAdjustment, request.user, MANAGE, pk, queryset=_adjustments(request.user))
    form = AdjustmentDecisionForm(request.POST or None)
    if request.method == "POST":
        decide = {"accept": services.accept_adjustment, "decline": services.decline_adjustment,
                  "complete": services.complete_adjustment}.get(request.POST.get("decision"))
        if decide is None:
            raise Http404
        done, _adjustment = submit(request, form, lambda: decide(request.user, pk, form.cleaned_data["comment"]),
                                   _("The request has been answered and the staff member informed."))
        if done:
            return redirect("manage:officespace:adjustment", pk)
    return render(request, "officespace/applications/adjustment.html", {
        "adjustment": adjustment, "form": form,
        "actions": services.ADJUSTMENT_MACHINE.allowed_actions(adjustment),
        "timeline": _labelled(timeline(adjustment), services.ADJUSTMENT_ACTIONS, AdjustmentState),
    }, status=400 if form.errors else 200)


# --- Adjustment requests: the staff member (service portal) ----------------------------------------------


def my_adjustments(request):
    form = AdjustmentForm(request.POST or None)
    if form.is_valid():
        adjustment = call_service(form, services.request_adjustment, request.user)
        if adjustment is not None:
            messages.success(request, _("Your request has been sent to your unit's administrators."))
            return redirect("service:officespace:adjustment", adjustment.pk)
    page = paginate(request, services.my_adjustments(request.user))
    return render(request, "officespace/applications/my_adjustments.html", {
        "tab": "work", "form": form, "page": page,
    })


def my_adjustment(request, pk: int):
    adjustment = get_object_or_404(services.my_adjustments(request.user), pk=pk)
    actions = dict(services.ADJUSTMENT_ACTIONS)
    states = dict(AdjustmentState.choices)
    steps = [Step(e.at, e.actor, actions.get(e.action, e.action), e.comment, states.get(e.to_state, ""))
             for e in timeline(adjustment).select_related("actor__person")]
    return render(request, "officespace/applications/my_adjustment.html", {
        "tab": "work", "item": adjustment, "timeline": steps,
        "can_withdraw": "withdraw" in services.ADJUSTMENT_MACHINE.allowed_actions(adjustment),
    })


@require_POST
def my_adjustment_withdraw(request, pk: int):
    try:
        services.withdraw_adjustment(request.user, pk)
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("service:officespace:adjustment", pk)


manage_urlpatterns = [
    path("", applications, name="applications"),
    path("new/", application_new, name="application_new"),
    path("<int:pk>/", application_detail, name="application"),
    path("<int:pk>/edit/", application_edit, name="application_edit"),
    path("<int:pk>/submit/", application_submit, name="application_submit"),
    path("<int:pk>/withdraw/", application_withdraw, name="application_withdraw"),
    path("<int:pk>/close/", application_close, name="application_close"),
    path("<int:pk>/allocate/", application_allocate, name="application_allocate"),
    path("<int:pk>/attachments/<int:attachment_pk>/", application_attachment, name="application_attachment"),
    path("adjustments/", adjustments, name="adjustments"),
    path("adjustments/<int:pk>/", adjustment_detail, name="adjustment"),
]
service_urlpatterns = [
    path("", my_adjustments, name="adjustments"),
    path("<int:pk>/", my_adjustment, name="adjustment"),
    path("<int:pk>/withdraw/", my_adjustment_withdraw, name="adjustment_withdraw"),
]
