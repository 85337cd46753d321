"""Portal pages: The annual statistics report (统计报告), rolled up and submitted level by level.

The list (with, for a bureau, the progress of the reports one level below), the report page (the four
tables, the 建设项目 rows, the timeline and the actions the viewer may take) and the workbook download.
Every action is a service call; the buttons shown follow ``reports.allowed_actions``."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter
from jiguan.portals.manage.views.common import perform, submit

from ..forms.reports import ProjectForm, ReturnForm, StartReportForm
from ..models import ConstructionProject, StatisticsReport, StatisticsReportState
from ..module import SUPERVISE
from ..services import reports as services

TIMELINE_ACTIONS = {
    "start": pgettext_lazy("statistics report", "Report started"),
    "compute": pgettext_lazy("statistics report", "Figures computed"),
    "reopen": pgettext_lazy("statistics report", "Reopened as a draft"),
    "submit": pgettext_lazy("statistics report", "Submitted to the level above"),
    "accept": pgettext_lazy("statistics report", "Accepted"),
    "return": pgettext_lazy("statistics report", "Returned"),
    "add_project": gettext_lazy("Construction project added"),
    "change_project": gettext_lazy("Construction project changed"),
    "remove_project": gettext_lazy("Construction project removed"),
}


def _years():
    return [(year, str(year)) for year in
            StatisticsReport.objects.order_by("-year").values_list("year", flat=True).distinct()]


REPORT_LIST = ListSpec(
    name="officespace.reports", title=gettext_lazy("Statistics reports"),
    columns=(
        Column("year", gettext_lazy("Report year"), order_by="year"),
        Column("region__name", gettext_lazy("Region"), order_by="org_path"),
        Column("region__level", gettext_lazy("Level")),
        Column("state", gettext_lazy("State"), order_by="state"),
        Column("computed_at", gettext_lazy("Computed at"), order_by="computed_at"),
        Column("submitted_at", gettext_lazy("Submitted at"), order_by="submitted_at"),
        Column("decided_at", gettext_lazy("Accepted or returned at"), order_by="decided_at"),
    ),
    filters=(
        ChoiceFilter("year", gettext_lazy("Report year"), "year", choices=_years),
        region_filter("region"),
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=StatisticsReportState.choices),
    ),
    search=("region__name",), search_label=gettext_lazy("Region"), default_sort="-year",
)


# --- The list and the progress of the level below ----------------------------------------------------


@require_GET
@manage_view(SUPERVISE)
def report_list(request):
    rows = scoped(StatisticsReport.objects.select_related("region"), request.user, SUPERVISE)
    listing = REPORT_LIST.bind(request, rows)
    if listing.export_requested:
        return listing.export()
    year = listing.values.get("year") or _latest_year(rows)
    return listing.response("officespace/reports/list.html", "officespace/reports/_table.html", {
        "progress": _progress(request.user, int(year)) if year else [],
        "progress_year": year,
        "start_form": StartReportForm(user=request.user),
    })


def _latest_year(rows) -> int | None:
    return rows.order_by("-year").values_list("year", flat=True).first()


def _progress(user, year: int) -> list[dict]:
    """For each region the user's bureau acts for: its own report and those one level below."""
    progress = []
    for region in services.bureau_regions(user):
        below = list(services.lower_regions(region))
        found = {r.region_id: r for r in StatisticsReport.objects.filter(region__in=[region, *below], year=year)}
        lower = [{"region": r, "report": found.get(r.code)} for r in below]
        progress.append({
            "region": region, "report": found.get(region.code), "lower": lower,
            "accepted": sum(1 for item in lower if item["report"] and item["report"].state == "accepted"),
        })
    return progress


@require_POST
@manage_view(SUPERVISE)
def report_start(request):
    form = StartReportForm(request.POST, user=request.user)
    done, report = submit(request, form, lambda: services.start_report(request.user, **form.service_values()),
                          _("The report has been started and its figures computed from the ledger."))
    if done:
        return redirect("manage:officespace:report", report.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Start a statistics report"), "cancel_url": reverse("manage:officespace:reports"),
        "submit_label": _("Start the report"),
    }, status=400)


# --- The report page -----------------------------------------------------------------------------------


def _report(request, pk: int) -> StatisticsReport:
    return get_in_scope(StatisticsReport, request.user, SUPERVISE, pk,
                        queryset=StatisticsReport.objects.select_related("region__parent", "submitted_by",
                                                                         "decided_by"))


@require_GET
@manage_view(SUPERVISE)
def report_detail(request, pk: int):
    return _page(request, _report(request, pk))


def _page(request, report: StatisticsReport, *, project_form=None, return_form=None, status: int = 200):
    actions = services.allowed_actions(request.user, report)
    entries = list(timeline(report))
    labels = dict(StatisticsReportState.choices)
    for entry in entries:
        entry.action_label = TIMELINE_ACTIONS.get(entry.action, entry.action)
        entry.from_label, entry.to_label = labels.get(entry.from_state, ""), labels.get(entry.to_state, "")
    lower = services.lower_regions(report.region)
    found = {r.region_id: r for r in StatisticsReport.objects.filter(region__in=lower, year=report.year)}
    return render(request, "officespace/reports/detail.html", {
        "report": report,
        "tables": services.shown_tables(report),
        "projects": report.projects.order_by("pk"),
        "lower": [{"region": r, "report": found.get(r.code)} for r in lower],
        "actions": actions,
        "timeline": entries,
        "draft": services.is_draft(report),
        "bureau": services.bureau_unit(report.region),
        "project_form": project_form or ProjectForm(),
        "return_form": return_form or ReturnForm(),
    }, status=status)


def _act(request, pk: int, action, success: str):
    report = _report(request, pk)
    perform(request, lambda: action(request.user, report.pk), success)
    return redirect("manage:officespace:report", report.pk)


@require_POST
@manage_view(SUPERVISE)
def report_compute(request, pk: int):
    return _act(request, pk, services.compute_report, _("The figures have been recomputed."))


@require_POST
@manage_view(SUPERVISE)
def report_submit(request, pk: int):
    return _act(request, pk, services.submit_report,
                _("The report has been submitted to the level above; its figures are now frozen."))


@require_POST
@manage_view(SUPERVISE)
def report_accept(request, pk: int):
    return _act(request, pk, services.accept_report, _("The report has been accepted."))


@require_POST
@manage_view(SUPERVISE)
def report_return(request, pk: int):
    report = _report(request, pk)
    form = ReturnForm(request.POST)
    done, _returned = submit(request, form, lambda: services.return_report(request.user, report.pk,
                                                                            form.cleaned_data["reason"]),
                             _("The report has been returned to its bureau."))
    if done:
        return redirect("manage:officespace:report", report.pk)
    return _page(request, report, return_form=form, status=400)


@require_GET
@manage_view(SUPERVISE)
def report_excel(request, pk: int):
    report = _report(request, pk)
    spool = services.workbook_for_download(report, request.get_full_path())
    return FileResponse(spool, as_attachment=True, filename=services.workbook_name(report),
                        content_type=XLSX_CONTENT_TYPE)


# --- 表4 rows ---------------------------------------------------------------------------------------------


@require_POST
@manage_view(SUPERVISE)
def project_add(request, pk: int):
    report = _report(request, pk)
    form = ProjectForm(request.POST)
    done, _project = submit(request, form,
                            lambda: services.add_project(request.user, report.pk, **form.service_values()),
                            _("The construction project has been added."))
    if done:
        return redirect("manage:officespace:report", report.pk)
    return _page(request, report, project_form=form, status=400)


@manage_view(SUPERVISE)
def project_edit(request, pk: int):
    project = get_in_scope(ConstructionProject, request.user, SUPERVISE, pk)
    initial = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
    form = ProjectForm(request.POST or None, initial=initial)
    back = reverse("manage:officespace:report", args=[project.report_id])
    if request.method == "POST":
        done, _project = submit(
            request, form, lambda: services.update_project(request.user, project.pk, **form.changed_service_values()),
            _("The changes have been saved."),
        )
        if done:
            return redirect(back)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Edit construction project “%(name)s”") % {"name": project.name}, "cancel_url": back,
    })


@require_POST
@manage_view(SUPERVISE)
def project_delete(request, pk: int):
    project = get_in_scope(ConstructionProject, request.user, SUPERVISE, pk)
    perform(request, lambda: services.delete_project(request.user, project.pk),
            _("The construction project has been removed."))
    return redirect("manage:officespace:report", project.report_id)


manage_urlpatterns = [
    path("", report_list, name="reports"),
    path("start/", report_start, name="report_start"),
    path("<int:pk>/", report_detail, name="report"),
    path("<int:pk>/compute/", report_compute, name="report_compute"),
    path("<int:pk>/submit/", report_submit, name="report_submit"),
    path("<int:pk>/accept/", report_accept, name="report_accept"),
    path("<int:pk>/return/", report_return, name="report_return"),
    path("<int:pk>/excel/", report_excel, name="report_excel"),
    path("<int:pk>/projects/", project_add, name="report_project_add"),
    path("projects/<int:pk>/edit/", project_edit, name="report_project_edit"),
    path("projects/<int:pk>/delete/", project_delete, name="report_project_delete"),
]
service_urlpatterns = []
