"""Management-portal pages of intake (入仓): the list, a new request with item lines or from Excel, a
request's page with approve / refuse / withdraw, receiving, and the printable receipt (入库单). Thin:
``services.intake`` decides."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.errors import ServiceError
from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.excel_import import RowError
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.scoping import scoped
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter
from jiguan.portals.manage.views.common import attempt_import, perform, submit
from jiguan.portals.manage.views.common import import_report as manage_import_report

from ..forms.intake import (
    ImportForm,
    IntakeForm,
    ReceiveForm,
    ReviewForm,
    apply_line_errors,
    filled_lines,
    item_formset,
)
from ..models import IntakeState, StorageLocation, Warehouse
from ..module import APPROVE, KEEP, OFFER, VIEW
from ..services import intake as services

REPORT_SESSION_KEY = "warehouse.intake_import_errors"

def intake_list(user) -> ListSpec:
    """Unit administrators see their unit's requests, the bureau those of its region (the scope decides)."""
    return ListSpec(
        name="warehouse.intake", title=gettext_lazy("Intake requests"),
        columns=(
            Column("number", gettext_lazy("Request number"), order_by="number"),
            Column("unit__name", gettext_lazy("Unit"), order_by="org_path"),
            Column("state", gettext_lazy("State"), order_by="state", value=lambda r: r.get_state_display()),
            Column("submitted_at", gettext_lazy("Submitted at"), order_by="submitted_at",
                   value=lambda r: timezone.localtime(r.submitted_at).date()),
            Column("warehouse__name", gettext_lazy("Receiving warehouse")),
            Column("receipt_number", gettext_lazy("Receipt number")),
        ),
        filters=(
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=IntakeState.choices),
            UnitFilter("unit", gettext_lazy("Unit"), "unit_id", user=user, permission=VIEW),
        ),
        search=("number", "unit__name"), search_label=gettext_lazy("Request number or unit"),
        default_sort="-submitted_at",
    )


@require_GET
@manage_view(VIEW)
def requests(request):
    listing = intake_list(request.user).bind(request, services.requests_in_scope(request.user))
    return listing.response("warehouse/intake/list.html", "warehouse/intake/_table.html")


@manage_view(OFFER)
def request_new(request):
    form = IntakeForm(request.POST or None, user=request.user)
    lines = item_formset(request.POST or None, lines=_int(request.GET.get("lines"), 3))
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        filled = filled_lines(lines)
        try:
            made = services.submit(request.user, reason=form.cleaned_data["reason"],
                                   items=[line.cleaned_data for line in filled])
        except ServiceError as error:
            if not apply_line_errors(lines, filled, error):
                form.apply_service_error(error)
        else:
            messages.success(request, _("The intake request %(number)s has been submitted to the bureau.")
                             % {"number": made.number})
            return redirect("manage:warehouse:intake_request", made.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "warehouse/intake/new.html", {"form": form, "lines": lines}, status=status)


@manage_view(OFFER)
def request_import(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    row_errors: list[RowError] = []
    if request.method == "POST" and form.is_valid():
        done, made, row_errors = attempt_import(request, form, lambda: services.import_items(
            request.user, reason=form.cleaned_data["reason"], upload=form.cleaned_data["file"]), REPORT_SESSION_KEY)
        if done:
            messages.success(request, _("The intake request %(number)s has been submitted to the bureau.")
                             % {"number": made.number})
            return redirect("manage:warehouse:intake_request", made.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "warehouse/intake/import.html", {"form": form, "row_errors": row_errors}, status=status)


@require_GET
@manage_view(OFFER)
def import_template(request):
    return FileResponse(BytesIO(services.item_template()), as_attachment=True, content_type=XLSX_CONTENT_TYPE,
                        filename=_("intake-template.xlsx"))


@require_GET
@manage_view(OFFER)
def import_report(request):
    return manage_import_report(request, REPORT_SESSION_KEY, _("intake-import-errors"),
                                reverse("manage:warehouse:intake_import"))


@require_GET
@manage_view(VIEW)
def request_detail(request, pk: int):
    intake = services.get_request(request.user, pk)
    actions = services.allowed_actions(intake, request.user)
    review = ReviewForm(user=request.user, warehouses=_receiving_warehouses(request.user, intake)) \
        if "approve" in actions else None
    return render(request, "warehouse/intake/detail.html", {
        "intake": intake, "items": intake.items.select_related("category").prefetch_related("assets"),
        "actions": actions, "review": review, "timeline": _timeline(intake),
    })


@require_POST
@manage_view(APPROVE)
def request_approve(request, pk: int):
    intake = services.get_request(request.user, pk, APPROVE)
    form = ReviewForm(request.POST, user=request.user, warehouses=_receiving_warehouses(request.user, intake))
    done, _result = submit(request, form, lambda: services.approve(request.user, pk, **form.service_values()),
                           _("The request is approved; the unit is informed."))
    if not done:
        for message in (m for errors in form.errors.values() for m in errors):
            messages.error(request, message)
    return redirect("manage:warehouse:intake_request", pk)


@require_POST
@manage_view(APPROVE)
def request_reject(request, pk: int):
    perform(request, lambda: services.reject(request.user, pk, request.POST.get("comment", "")),
            _("The request is refused; the unit is informed."))
    return redirect("manage:warehouse:intake_request", pk)


@require_POST
@manage_view(OFFER)
def request_withdraw(request, pk: int):
    perform(request, lambda: services.withdraw(request.user, pk, request.POST.get("comment", "")),
            _("The request has been withdrawn."))
    return redirect("manage:warehouse:intake_request", pk)


@manage_view(KEEP)
def request_receive(request, pk: int):
    intake = services.get_request(request.user, pk, KEEP)
    if "receive" not in services.allowed_actions(intake, request.user):
        raise Http404
    items = list(intake.items.all())
    form = ReceiveForm(request.POST or None, user=request.user, items=items,
                       locations=StorageLocation.objects.filter(warehouse_id=intake.warehouse_id),
                       initial={"received_on": timezone.localdate()})
    if request.method == "POST":
        def receive():
            return services.receive(request.user, pk, received_on=form.cleaned_data["received_on"],
                                    lines=form.lines())

        done, _result = submit(request, form, receive, _("The items are received and their asset cards issued."))
        if done:
            return redirect("manage:warehouse:intake_receipt", pk)
    return render(request, "warehouse/intake/receive.html", {"intake": intake, "form": form},
                  status=400 if form.errors else 200)


@require_GET
@manage_view(VIEW)
def request_receipt(request, pk: int):
    """The printable receipt (入库单) of a received request."""
    intake = services.get_request(request.user, pk)
    if intake.state != IntakeState.RECEIVED:
        raise Http404
    return render(request, "warehouse/intake/receipt.html", {
        "intake": intake, "items": intake.items.select_related("category"), "cards": services.cards_of(intake)})


def _receiving_warehouses(user, intake):
    return scoped(Warehouse.objects.filter(active=True, region=intake.pool_region), user, APPROVE)


def _timeline(intake) -> list[dict]:
    labels = dict(IntakeState.choices)
    return [{"entry": entry, "label": services.INTAKE_ACTIONS.get(entry.action, entry.action),
             "to": labels.get(entry.to_state, entry.to_state)} for entry in timeline(intake)]


def _int(value, default: int) -> int:
    return int(value) if str(value or "").isdigit() else default


manage_urlpatterns = [
    path("", requests, name="intake_requests"),
    path("new/", request_new, name="intake_new"),
    path("import/", request_import, name="intake_import"),
    path("import/template/", import_template, name="intake_import_template"),
    path("import/report/", import_report, name="intake_import_report"),
    path("<int:pk>/", request_detail, name="intake_request"),
    path("<int:pk>/approve/", request_approve, name="intake_approve"),
    path("<int:pk>/reject/", request_reject, name="intake_reject"),
    path("<int:pk>/withdraw/", request_withdraw, name="intake_withdraw"),
    path("<int:pk>/receive/", request_receive, name="intake_receive"),
    path("<int:pk>/receipt/", request_receipt, name="intake_receipt"),
]
