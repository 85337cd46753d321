"""Pages of the end of a tenancy. Management portal: the overdue-occupancy list (逾期占用), the termination
form and the check-out form with its settlement. Service portal: the tenant's notice. Thin:
``services.endings`` decides."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core import notify
from jiguan.core.errors import ServiceError
from jiguan.core.forms import add_service_error
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import submit

from ..forms.endings import CheckOutForm, EndTenancyForm, MoveOutForm
from ..models import InspectionKind, Lease, LeaseState
from ..module import LEASES, VIEW
from ..services import endings
from ..services.leases import leases_in_scope, my_lease
from . import shown_inspection

OVERSTAY_LIST = ListSpec(
    name="housing.overstays", title=gettext_lazy("Overdue occupancy"),
    columns=(
        Column("number", gettext_lazy("Lease number"), order_by="number"),
        Column("person__name", gettext_lazy("Tenant"), order_by="person__name"),
        Column("flat", gettext_lazy("Flat"), value=lambda lease: str(lease.flat)),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda lease: lease.get_state_display()),
        Column("end_reason", gettext_lazy("Why the tenancy ends")),
        Column("move_out_by", gettext_lazy("Move out by"), order_by="move_out_by"),
        Column("days_over", gettext_lazy("Days over"), value=endings.days_over),
        Column("overstay_charged", gettext_lazy("Market rent charged (yuan)"), order_by="overstay_charged"),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state",
                          choices=[(s, LeaseState(s).label) for s in (LeaseState.ENDING, LeaseState.OVERSTAY)]),),
    search=("person__name", "number", "flat__building__estate__name", "flat__unit_no"),
    search_label=gettext_lazy("Tenant, lease number or flat"), default_sort="move_out_by",
)


def lease_page(pk: int) -> str:
    """The lease's own page (kept by the leases pages), else the overdue-occupancy list."""
    return notify.link_to("manage:housing:lease", pk) or reverse("manage:housing:overstays")


@require_GET
@manage_view(VIEW)
def overstays(request):
    listing = OVERSTAY_LIST.bind(request, endings.overstays_in_scope(request.user))
    return listing.response("housing/endings/overstays.html", "housing/endings/_overstays_table.html")


@manage_view(LEASES)
def lease_end(request, pk: int):
    lease = get_in_scope(Lease, request.user, LEASES, pk, queryset=leases_in_scope(request.user, LEASES))
    form = EndTenancyForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, _result = submit(request, form, lambda: endings.end_tenancy(request.user, pk, **form.service_values()),
                               _("The tenancy has ended; the tenant is told the day to move out by."))
        if done:
            return redirect(lease_page(pk))
    return render(request, "manage/form.html", {
        "form": form, "title": _("End the tenancy of %(lease)s") % {"lease": lease}, "cancel_url": lease_page(pk),
        "intro": _("%(name)s, %(flat)s, term to %(day)s. The tenant keeps the region's move-out period at "
                   "contract rent; after it, market rent is charged as overstay.")
        % {"name": lease.person.name, "flat": lease.flat, "day": lease.ends_on},
        "submit_label": _("End the tenancy"),
    }, status=400 if form.errors else 200)


@manage_view(LEASES)
def lease_check_out(request, pk: int):
    """The check-out form of an ended tenancy, or its settlement once checked out."""
    lease = get_in_scope(Lease, request.user, LEASES, pk, queryset=leases_in_scope(request.user, LEASES))
    inspection = lease.inspections.filter(kind=InspectionKind.CHECK_OUT).first()
    form = None
    if lease.state != LeaseState.ENDED:
        form = CheckOutForm(request.POST or None, user=request.user, inventory=endings.expected_inventory(lease),
                            meters=lease.flat.meters.all(), initial={"inspected_on": timezone.localdate()})
    if form is not None and request.method == "POST":
        done, _result = submit(request, form, lambda: endings.check_out(request.user, pk, **form.service_values()),
                               _("Checked out: the tenancy is settled and the flat is vacant again."))
        if done:
            return redirect("manage:housing:lease_check_out", pk)
    return render(request, "housing/endings/check_out.html", {
        "lease": lease, "form": form, "settlement": endings.settlement(lease), "lease_url": lease_page(pk),
        "inspection": inspection, "shown": shown_inspection(inspection) if inspection else None,
        "allowed": endings.allowed_end_actions(lease, request.user),
    }, status=400 if form is not None and form.errors else 200)


manage_urlpatterns = [
    path("overstays/", overstays, name="overstays"),
    path("leases/<int:pk>/end/", lease_end, name="lease_end"),
    path("leases/<int:pk>/check-out/", lease_check_out, name="lease_check_out"),
]


# --- Service portal ---------------------------------------------------------------------------------------------


def move_out(request, pk: int):
    """The tenant gives notice of the day they move out."""
    lease = my_lease(request.user, pk)
    form = MoveOutForm(request.POST or None)
    can_request = "request_move_out" in endings.allowed_end_actions(lease, request.user)
    if request.method == "POST" and can_request and form.is_valid():
        try:
            endings.request_move_out(request.user, pk, **form.cleaned_data)
        except ServiceError as refusal:
            add_service_error(form, refusal)
        else:
            messages.success(request, _("Your notice has been sent to the housing bureau."))
            return redirect(notify.link_to("service:housing:lease", pk) or reverse("service:housing:move_out", args=[pk]))
    return render(request, "housing/endings/move_out.html", {
        "tab": "work", "lease": lease, "form": form, "can_request": can_request, "notice_days": endings.notice_days(lease),
    }, status=400 if form.errors else 200)
