"""Importing rooms from Excel: the blank template, the upload page and the report of refused rows."""

from __future__ import annotations

from io import BytesIO

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.excel_import import RowError
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import PickerField
from jiguan.portals.manage.views.common import attempt_import
from jiguan.portals.manage.views.common import import_report as manage_import_report

from .. import imports
from ..module import MANAGE

REPORT_SESSION_KEY = "officespace.import_errors"


class RoomImportForm(PortalForm):
    # A searching picker: a province administrator reaches tens of thousands of units and departments.
    service_names = {"unit": "unit_id"}
    unit = PickerField("org", MANAGE, label=gettext_lazy("Using unit"))
    file = forms.FileField(label=gettext_lazy("Filled-in template (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


@manage_view(MANAGE)
def import_rooms(request):
    form = RoomImportForm(request.POST or None, request.FILES or None, user=request.user,
                          initial={"unit": request.user.unit_id})
    row_errors: list[RowError] = []
    if request.method == "POST" and form.is_valid():
        done, count, row_errors = attempt_import(request, form, lambda: imports.import_rooms(
            request.user, form.cleaned_data["file"], unit_id=form.cleaned_data["unit"].pk), REPORT_SESSION_KEY)
        if done:
            messages.success(request, ngettext("%(n)d room has been imported into the ledger.",
                                               "%(n)d rooms have been imported into the ledger.", count) % {"n": count})
            return redirect("manage:officespace:ledger")
    status = 400 if request.method == "POST" else 200
    return render(request, "officespace/import.html", {"form": form, "row_errors": row_errors}, status=status)


@require_GET
@manage_view(MANAGE)
def import_template(request):
    return FileResponse(BytesIO(imports.room_template()), as_attachment=True, content_type=XLSX_CONTENT_TYPE,
                        filename=_("room-import-template.xlsx"))


@require_GET
@manage_view(MANAGE)
def import_report(request):
    return manage_import_report(request, REPORT_SESSION_KEY, _("room-import-errors"),
                                reverse("manage:officespace:import"))
