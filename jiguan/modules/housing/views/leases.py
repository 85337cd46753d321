"""Pages of leases. Management portal: the list, a lease's page (terms, renewals, inspections, timeline),
signing from an accepted offer, the check-in inspection, renewal and the printable lease. Service portal
(mobile first): the tenant's own leases, the printable lease and the problem report. Thin:
``services.leases`` decides what is allowed and does it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.errors import ServiceError
from jiguan.core.forms import add_service_error
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, submit
from jiguan.portals.service.views import timeline_steps

from ..forms.leases import InspectionForm, ProblemForm, RenewForm, SignForm
from ..models import Estate, Lease, LeaseState
from ..module import LEASES, VIEW
from ..services import leases as services
from ..services.tenancy import LEASE_ACTIONS, rules_for
from . import shown_inspection


def _estate_choices(user):
    def choices():
        estates = Estate.objects.filter(pk__in=services.leases_in_scope(user).values("flat__building__estate"))
        return [(estate.pk, estate.name) for estate in estates.order_by("name")]

    return choices


def lease_list(user) -> ListSpec:
    return ListSpec(
        name="housing.leases", title=gettext_lazy("Leases"),
        columns=(
            Column("number", gettext_lazy("Lease number"), order_by="number"),
            Column("person__name", gettext_lazy("Tenant"), order_by="person__name"),
            Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
            Column("flat", gettext_lazy("Flat"), value=lambda lease: str(lease.flat)),
            Column("state", gettext_lazy("State"), order_by="state", value=lambda lease: lease.get_state_display()),
            Column("started_on", gettext_lazy("Tenancy starts on"), order_by="started_on"),
            Column("ends_on", gettext_lazy("Current term ends on"), order_by="ends_on"),
            Column("monthly_rent", gettext_lazy("Monthly rent (yuan)"), order_by="monthly_rent"),
        ),
        filters=(
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=LeaseState.choices),
            ChoiceFilter("estate", gettext_lazy("Estate"), "flat__building__estate_id", choices=_estate_choices(user)),
        ),
        search=("person__name", "number"), search_label=gettext_lazy("Tenant or lease number"),
        default_sort="-started_on",
    )


@require_GET
@manage_view(VIEW)
def leases(request):
    listing = lease_list(request.user).bind(request, services.leases_in_scope(request.user))
    return listing.response("housing/leases/list.html", "housing/leases/_table.html")


def _lease(request, pk: int, permission: str = VIEW) -> Lease:
    return get_in_scope(Lease, request.user, permission, pk,
                        queryset=services.leases_in_scope(request.user, permission))


@require_GET
@manage_view(VIEW)
def lease_detail(request, pk: int):
    lease = _lease(request, pk)
    rules = rules_for(lease.flat.unit.region)
    return render(request, "housing/leases/detail.html", {
        "lease": lease, "rules": rules, "actions": services.allowed_actions(lease, request.user),
        "latest_end": services.latest_end(lease, rules), "renewals": lease.renewals.select_related("approved_by"),
        "inspections": [shown_inspection(inspection) for inspection in lease.inspections.select_related("inspector")],
        "timeline": labelled_timeline(lease, LEASE_ACTIONS, LeaseState),
    })


@manage_view(LEASES)
def lease_sign(request, offer_pk: int):
    try:
        terms = services.prepare_lease(request.user, offer_pk)
    except ServiceError as refusal:  # signed meanwhile, or not accepted: back to the offer, saying why
        messages.error(request, refusal.message)
        return redirect("manage:housing:offer", offer_pk)
    form = SignForm(request.POST or None, user=request.user, initial={
        "started_on": terms["started_on"], "months": terms["months"], "house_rules": terms["house_rules"]})
    if request.method == "POST":
        done, lease = submit(request, form, lambda: services.sign(request.user, offer_pk, **form.cleaned_data),
                             _("The lease is signed; the tenant is informed. Check the tenant in at the handover."))
        if done:
            return redirect("manage:housing:lease", lease.pk)
    return render(request, "housing/leases/sign.html", {"form": form, "terms": terms},
                  status=400 if form.errors else 200)


@manage_view(LEASES)
def lease_check_in(request, pk: int):
    lease = _lease(request, pk, LEASES)
    form = InspectionForm(request.POST or None, user=request.user, inventory=lease.flat.furnishings,
                          meters=lease.flat.meters.all(), initial={"inspected_on": timezone.localdate()})
    if request.method == "POST":
        done, _inspection = submit(request, form, lambda: services.check_in(request.user, pk, **form.service_values()),
                                   _("Checked in: the lease is in force and the flat occupied."))
        if done:
            return redirect("manage:housing:lease", pk)
    return render(request, "housing/leases/check_in.html", {
        "lease": lease, "form": form, "allowed": "check_in" in services.allowed_actions(lease, request.user),
    }, status=400 if form.errors else 200)


@manage_view(LEASES)
def lease_renew(request, pk: int):
    lease = _lease(request, pk, LEASES)
    rules = rules_for(lease.flat.unit.region)
    form = RenewForm(request.POST or None, user=request.user, initial={"months": rules.lease_months})
    if request.method == "POST":
        done, _renewal = submit(request, form, lambda: services.renew(request.user, pk, **form.cleaned_data),
                                _("The lease is renewed; the tenant is informed."))
        if done:
            return redirect("manage:housing:lease", pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Renew lease %(number)s") % {"number": lease.number},
        "cancel_url": reverse("manage:housing:lease", args=[pk]), "submit_label": _("Renew"),
        "intro": services.renewal_refusal(lease, rules) or _(
            "The current term ends on %(end)s. The maximum stay allows renewal to %(latest)s at the latest.")
        % {"end": lease.ends_on, "latest": services.latest_end(lease, rules)},
    }, status=400 if form.errors else 200)


def _printable(request, lease: Lease):
    return render(request, "housing/leases/print.html", {"lease": lease, "rules": rules_for(lease.flat.unit.region)})


@require_GET
@manage_view(VIEW)
def lease_print(request, pk: int):
    return _printable(request, _lease(request, pk))


manage_urlpatterns = [
    path("leases/", leases, name="leases"),
    path("leases/<int:pk>/", lease_detail, name="lease"),
    path("leases/<int:pk>/check-in/", lease_check_in, name="lease_check_in"),
    path("leases/<int:pk>/renew/", lease_renew, name="lease_renew"),
    path("leases/<int:pk>/print/", lease_print, name="lease_print"),
    path("offers/<int:offer_pk>/sign/", lease_sign, name="lease_sign"),
]


# --- Service portal ---------------------------------------------------------------------------------------------


@require_GET
def my_leases(request):
    return render(request, "housing/service/leases.html", {"tab": "work", "leases": services.my_leases(request.user)})


@require_GET
def my_lease(request, pk: int):
    lease = services.my_lease(request.user, pk)
    return render(request, "housing/service/lease.html", {
        "tab": "work", "lease": lease, "actions": services.allowed_actions(lease, request.user),
        "rules": rules_for(lease.flat.unit.region), "reviews": lease.reviews.select_related("campaign"),
        "timeline": timeline_steps(lease, LEASE_ACTIONS, LeaseState),
    })


@require_GET
def my_lease_print(request, pk: int):
    return _printable(request, services.my_lease(request.user, pk))


def report_problem(request, pk: int):
    lease = services.my_lease(request.user, pk)
    form = ProblemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.report_problem(request.user, pk, **form.cleaned_data)
        except ServiceError as refusal:
            add_service_error(form, refusal)
        else:
            messages.success(request, _("Your report has been sent to the housing bureau."))
            return redirect("service:event", pk=event.pk)
    return render(request, "housing/service/report_problem.html", {
        "tab": "work", "lease": lease, "form": form,
        "allowed": "report_problem" in services.allowed_actions(lease, request.user),
    }, status=400 if form.errors else 200)


service_urlpatterns = [
    path("leases/", my_leases, name="leases"),
    path("leases/<int:pk>/", my_lease, name="lease"),
    path("leases/<int:pk>/print/", my_lease_print, name="lease_print"),
    path("leases/<int:pk>/report/", report_problem, name="report_problem"),
]
