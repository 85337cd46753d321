"""Management-portal pages of housing applications: the list of the unit's or the region's applications and
an application's page, where the unit confirms or returns and the bureau reviews eligibility. Thin: every
change goes through ``services.applications``."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.attachments import attachments_of
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter, region_filter
from jiguan.portals.manage.views.common import labelled_timeline, submit

from ..forms.applications import ApproveForm, CommentForm, RejectForm
from ..models import Application, ApplicationState, Category
from ..module import CONFIRM, REVIEW, VIEW
from ..services import applications as services
from ..services import waiting


def _visible(user) -> QuerySet:
    return scoped(Application.objects.select_related("person", "unit", "region"), user, VIEW)


def application_list(user) -> ListSpec:
    return ListSpec(
        name="housing.applications", title=gettext_lazy("Housing applications"),
        columns=(
            Column("person__name", gettext_lazy("Applicant"), order_by="person__name"),
            Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
            Column("category", gettext_lazy("Category"), order_by="category",
                   value=lambda a: a.get_category_display()),
            Column("category_date", gettext_lazy("Date"), order_by="category_date"),
            Column("state", gettext_lazy("State"), order_by="state", value=lambda a: a.get_state_display()),
            Column("score", gettext_lazy("Score"), order_by="score"),
            Column("created_at", gettext_lazy("Applied at"), order_by="created_at", value=lambda a: a.created_at.date()),
        ),
        filters=(
            region_filter("unit__region"),
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=ApplicationState.choices),
            ChoiceFilter("category", gettext_lazy("Category"), "category", choices=Category.choices),
            UnitFilter("unit", gettext_lazy("Unit"), "unit_id", user=user, permission=VIEW),
        ),
        search=("person__name", "unit__name"), search_label=gettext_lazy("Applicant or unit"),
        default_sort="-created_at",
    )


@require_GET
@manage_view(VIEW)
def applications(request):
    listing = application_list(request.user).bind(request, _visible(request.user))
    return listing.response("housing/applications/list.html", "housing/applications/_table.html")


DECISIONS = {
    "confirm": (CommentForm, lambda user, pk, data: services.confirm(user, pk, data["comment"]),
                gettext_lazy("The application is confirmed and passed to the bureau.")),
    "return": (CommentForm, lambda user, pk, data: services.return_application(user, pk, data["comment"]),
               gettext_lazy("The application has been returned to the applicant.")),
    "approve": (ApproveForm, lambda user, pk, data: services.approve(user, pk, **data),
                gettext_lazy("The applicant is on the waiting list.")),
    "reject": (RejectForm, lambda user, pk, data: services.reject(user, pk, **data),
               gettext_lazy("The application has been found not eligible.")),
}


@manage_view(VIEW)
def application_detail(request, pk: int):
    application = get_in_scope(Application, request.user, VIEW, pk, queryset=_visible(request.user).select_related(
        "person__rank", "applicant"))
    decision = request.POST.get("decision") if request.method == "POST" else None
    if decision is not None and decision not in DECISIONS:
        raise Http404
    forms = {name: form_class(request.POST if name == decision else None, user=request.user,
                              prefix=name) for name, (form_class, _do, _message) in DECISIONS.items()}
    if decision:
        _form_class, do, message = DECISIONS[decision]
        done, _result = submit(request, forms[decision], lambda: do(request.user, pk, forms[decision].cleaned_data),
                               str(message))
        if done:
            return redirect("manage:housing:application", pk)
    allowed = services.APPLICATION_MACHINE.allowed_actions(application)
    may_confirm = "confirm" in allowed and can_reach(request.user, CONFIRM, application)
    may_review = "approve" in allowed and can_reach(request.user, REVIEW, application)
    return render(request, "housing/applications/detail.html", {
        "application": application, "family": application.family.all(), "forms": forms,
        "may_confirm": may_confirm, "may_review": may_review,
        "problems": services.eligibility_problems(application) if may_review else (),
        "breakdown": waiting.explained(application), "position": waiting.position(application),
        "offers": application.offers.select_related("flat__building__estate"),
        "attachments": attachments_of(application),
        "timeline": labelled_timeline(application, services.APPLICATION_ACTIONS, ApplicationState),
    }, status=400 if decision else 200)


@require_GET
@manage_view(VIEW)
def application_attachment(request, pk: int, attachment_pk: int):
    application = get_in_scope(Application, request.user, VIEW, pk)
    attachment = get_object_or_404(attachments_of(application), pk=attachment_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


manage_urlpatterns = [
    path("", applications, name="applications"),
    path("<int:pk>/", application_detail, name="application"),
    path("<int:pk>/attachments/<int:attachment_pk>/", application_attachment, name="application_attachment"),
]
