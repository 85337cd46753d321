"""Management-portal pages of the ledger: 账务与欠费 (live tenancies with what they owe), a lease's ledger with
the payment form, a flat's meter-reading round and the housing dashboard. Thin: ``services.billing`` and
``services.dashboard`` decide."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import submit

from ..forms.billing import MeterRoundForm, PaymentForm
from ..models import Flat, LeaseState
from ..module import BILLING, VIEW
from ..services import billing as services
from ..services.dashboard import dashboard as dashboard_months
from . import estate_choices


def _months_owed(lease) -> object:
    return services.months_of(lease.rent_owed, lease.monthly_rent)


def _arrears_only(queryset, value):
    return queryset.filter(arrears_amount__gt=0) if value else queryset


def billing_list(user) -> ListSpec:
    return ListSpec(
        name="housing.billing", title=gettext_lazy("Billing and arrears"),
        columns=(
            Column("number", gettext_lazy("Lease number"), order_by="number"),
            Column("person__name", gettext_lazy("Tenant"), order_by="person__name"),
            Column("unit__name", gettext_lazy("Unit")),
            Column("flat", gettext_lazy("Flat"), value=lambda lease: str(lease.flat),
                   order_by=("flat__building__estate__name", "flat__building__name", "flat__unit_no")),
            Column("state", gettext_lazy("State"), order_by="state"),
            Column("monthly_rent", gettext_lazy("Monthly rent (yuan)"), order_by="monthly_rent"),
            Column("outstanding_amount", gettext_lazy("Outstanding (yuan)"), order_by="outstanding_amount"),
            Column("arrears_amount", gettext_lazy("In arrears (yuan)"), order_by="arrears_amount"),
            Column("months_owed", gettext_lazy("Months of rent owed"), value=_months_owed,
                   order_by="months_owed"),
        ),
        filters=(
            ChoiceFilter("estate", gettext_lazy("Estate"), "flat__building__estate_id", choices=estate_choices(user)),
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=[
                (s, label) for s, label in LeaseState.choices if s != LeaseState.ENDED]),
            BooleanFilter("arrears", gettext_lazy("Arrears only"), method=_arrears_only),
        ),
        search=("number", "person__name", "flat__building__estate__name", "flat__unit_no"),
        search_label=gettext_lazy("Lease, tenant or flat"), default_sort="-arrears_amount",
    )


@require_GET
@manage_view(VIEW)
def billing(request):
    listing = billing_list(request.user).bind(request, services.leases_with_balances(request.user))
    return listing.response("housing/billing/list.html", "housing/billing/_table.html")


@manage_view(VIEW)
def ledger(request, pk: int):
    lease = services.lease_for_ledger(request.user, pk)
    actions = services.ledger_actions(lease, request.user)
    if request.method == "POST" and "record_payment" not in actions:
        raise PermissionDenied(_("You do not have the permission for this action."))
    form = PaymentForm(request.POST or None) if actions else None
    if request.method == "POST":
        done, _payment = submit(request, form, lambda: services.record_payment(
            request.user, lease.pk, **form.service_values()), _("The payment has been recorded."))
        if done:
            return redirect("manage:housing:ledger", pk)
    return render(request, "housing/billing/ledger.html", {
        "lease": lease, "rows": services.ledger(lease), "form": form, "actions": actions,
        "outstanding": services.outstanding(lease), "arrears": services.arrears(lease),
        "months_owed": services.rent_owed_months(lease),
    }, status=400 if form is not None and form.errors else 200)


@manage_view(BILLING)
def meter_round(request, pk: int):
    flat = get_in_scope(Flat, request.user, BILLING, pk, queryset=Flat.objects.select_related("building__estate"))
    meters = list(flat.meters.all())
    form = MeterRoundForm(request.POST or None, meters=meters)
    if request.method == "POST":
        done, _readings = submit(request, form, lambda: services.read_meters(
            request.user, flat.pk, form.readings(), form.cleaned_data["read_on"]), _("The readings have been recorded."))
        if done:
            return redirect("manage:housing:flat", pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Meter readings of %(flat)s") % {"flat": flat},
        "cancel_url": reverse("manage:housing:flat", args=[pk]),
        "intro": _("The consumption since the last reading is billed to the tenant in residence with the next "
                   "monthly bill, at the region's prices.") if meters else
        _("The flat has no meters yet; record them on the flat's page first."),
        "submit_label": _("Record readings"),
    }, status=400 if form.errors else 200)


@require_GET
@manage_view(VIEW)
def dashboard(request):
    months = dashboard_months(request.user)
    return render(request, "housing/billing/dashboard.html", {
        "months": months, "latest": months[-1],
        "chart": {"months": [m.label for m in months],
                  "occupancy": [float(m.occupancy_rate) for m in months],
                  "wait": [float(m.average_wait) if m.average_wait is not None else None for m in months],
                  "arrears": [float(m.arrears) for m in months],
                  "labels": {"occupancy": _("Occupancy rate (%)"), "wait": _("Average wait of those housed (days)"),
                             "arrears": _("Arrears (yuan)")}},
    })


@require_GET
def my_bills(request):
    """Service portal: the caller's own charges, payments and balance."""
    return render(request, "housing/service/bills.html", {"tab": "work", "bills": services.my_bills(request.user)})


manage_urlpatterns = [
    path("billing/", billing, name="billing"),
    path("leases/<int:pk>/ledger/", ledger, name="ledger"),
    path("flats/<int:pk>/readings/", meter_round, name="meter_round"),
    path("dashboard/", dashboard, name="dashboard"),
]
