"""Portal pages of major repairs (大中修): the unit's requests, the bureau's queue with each rank explained,
the request page with its timeline and the actions the viewer may take, and the staff's fault reports —
handled by the unit administrators here, reported and followed by the staff in the service portal."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models import Attachment
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.attachments import attachments_of
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter
from jiguan.portals.manage.views.common import submit
from jiguan.portals.service.forms import call_service
from jiguan.portals.service.views import Step, paginate

from ..forms.repairs import (
    CommentForm,
    CompleteForm,
    DecisionForm,
    LinkForm,
    RepairEditForm,
    RepairRequestForm,
    ReportForm,
    ResolveForm,
    StartForm,
)
from ..models import Building, RepairKind, RepairReport, RepairRequest, RepairState, ReportState
from ..module import MANAGE, SUPERVISE, VIEW
from ..services import repairs as services

# --- Lists --------------------------------------------------------------------------------------------

REPAIR_COLUMNS = (
    Column("title", gettext_lazy("Project name"), order_by="title"),
    Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
    Column("building__name", gettext_lazy("Building"), order_by="building__name"),
    Column("kind", gettext_lazy("Kind of repair"), order_by="kind"),
    Column("damage_grade", gettext_lazy("Damage grade"), order_by="damage_grade"),
    Column("estimated_cost", gettext_lazy("Estimated cost (yuan)"), order_by="estimated_cost"),
    Column("score", gettext_lazy("Priority score"), order_by="score"),
    Column("state", gettext_lazy("State"), order_by="state"),
    Column("planned_year", gettext_lazy("Planned year"), order_by="planned_year"),
    Column("actual_cost", gettext_lazy("Actual cost (yuan)"), order_by="actual_cost"),
    Column("created_at", gettext_lazy("Created at"), order_by="created_at",
           value=lambda r: r.created_at.date()),
)
REPAIR_LIST = ListSpec(
    name="officespace.repairs", title=gettext_lazy("Major repairs"), columns=REPAIR_COLUMNS,
    filters=(
        region_filter("unit__region"),
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=RepairState.choices),
        ChoiceFilter("kind", gettext_lazy("Kind of repair"), "kind", choices=RepairKind.choices),
    ),
    search=("title", "building__name", "unit__name"), search_label=gettext_lazy("Project, building or unit"),
    default_sort="-created_at",
)
QUEUE_LIST = ListSpec(
    name="officespace.repair_queue", title=gettext_lazy("Major repair queue"),
    columns=(
        Column("region__name", gettext_lazy("Queue"), order_by=("region_id", "rank")),
        Column("rank", gettext_lazy("Queue rank"), order_by=("region_id", "rank")),
        Column("score", gettext_lazy("Priority score"), order_by="score"),
        *REPAIR_COLUMNS[:6],
        Column("submitted_at", gettext_lazy("Submitted at"), order_by="submitted_at",
               value=lambda r: r.submitted_at.date() if r.submitted_at else None),
    ),
    filters=(region_filter("region"), ChoiceFilter("kind", gettext_lazy("Kind of repair"), "kind",
                                                     choices=RepairKind.choices)),
    search=("title", "building__name", "unit__name"), search_label=gettext_lazy("Project, building or unit"),
    default_sort="rank",
)
REPORT_LIST = ListSpec(
    name="officespace.repair_reports", title=gettext_lazy("Staff repair reports"),
    columns=(
        Column("created_at", gettext_lazy("Reported at"), order_by="created_at"),
        Column("person__name", gettext_lazy("Reported by")),
        Column("room", gettext_lazy("Room"), order_by=("room__building__name", "room__number"),
               value=lambda r: str(r.room)),
        Column("description", gettext_lazy("Fault description")),
        Column("urgency", gettext_lazy("Urgency"), order_by="urgency"),
        Column("state", gettext_lazy("State"), order_by="state"),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=ReportState.choices),),
    search=("description", "room__number", "person__name"), search_label=gettext_lazy("Fault, room or person"),
    default_sort="-created_at",
)


@require_GET
@manage_view(VIEW)
def repair_list(request):
    listing = REPAIR_LIST.bind(request, services.visible_requests(request.user))
    return listing.response("officespace/repairs/list.html", "officespace/repairs/_table.html",
                            {"can_create": has_permission(request.user, MANAGE),
                             "can_supervise": has_permission(request.user, SUPERVISE)})


@require_GET
@manage_view(SUPERVISE)
def repair_queue(request):
    listing = QUEUE_LIST.bind(request, services.queue(request.user))
    if not listing.export_requested:
        for repair in listing.page:  # "why this rank", shown under each score
            repair.factors = services.explain(repair.score_breakdown)
    return listing.response("officespace/repairs/queue.html", "officespace/repairs/_queue_table.html")


# --- Creating and editing a request -----------------------------------------------------------------------


@manage_view(MANAGE)
def repair_create(request):
    report = _report_from_query(request)
    initial = {"building": request.GET.get("building")}
    if report is not None:
        initial.update(building=report.room.building_id, rooms=[report.room_id], damage_description=report.description)
    form = RepairRequestForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    if request.method == "POST":
        done, repair = submit(request, form, lambda: services.create_request(
            request.user, report_id=report.pk if report else None, **form.request_values()),
            _("The request has been saved as a draft; submit it when it is complete."))
        if done:
            return redirect("manage:officespace:repair", repair.pk)
    return _form_page(request, form, _("New major repair request"), reverse("manage:officespace:repairs"),
                      intro=_("From the staff report: %(report)s") % {"report": report} if report else "")


def _report_from_query(request) -> RepairReport | None:
    report_id = request.GET.get("report")
    if not report_id:
        return None
    return get_in_scope(RepairReport, request.user, MANAGE, report_id, queryset=services.unit_reports(request.user))


@manage_view(MANAGE)
def repair_edit(request, pk: int):
    repair = get_in_scope(RepairRequest, request.user, MANAGE, pk)
    initial = {name: getattr(repair, name) for name in services.CHANGEABLE - {"room_ids"}}
    initial["rooms"] = list(repair.rooms.values_list("pk", flat=True))
    form = RepairEditForm(request.POST or None, request.FILES or None, initial=initial, user=request.user,
                          building=repair.building)
    back = reverse("manage:officespace:repair", args=[repair.pk])
    if request.method == "POST":
        done, _saved = submit(request, form, lambda: services.update_request(
            request.user, repair.pk, **form.changed_request_values()), _("The changes have been saved."))
        if done:
            return redirect(back)
    return _form_page(request, form, _("Edit “%(title)s”") % {"title": repair.title}, back)


def _form_page(request, form, title: str, back: str, intro: str = ""):
    return render(request, "officespace/repairs/form.html",
                  {"form": form, "title": title, "cancel_url": back, "intro": intro})


# --- The request page and its actions ---------------------------------------------------------------------

# Each action's form, the service call it makes and what the page says afterwards.
ACTIONS = {
    "submit": (CommentForm, lambda user, pk, v: services.submit_request(user, pk, v["comment"]),
               gettext_lazy("The request has been submitted to the bureau's queue.")),
    "withdraw": (CommentForm, lambda user, pk, v: services.withdraw_request(user, pk, v["comment"]),
                 gettext_lazy("The request has been withdrawn.")),
    "decide": (DecisionForm, lambda user, pk, v: services.decide_request(user, pk, **v),
               gettext_lazy("The decision has been recorded and the unit told.")),
    "start": (StartForm, lambda user, pk, v: services.start_works(user, pk, **v),
              gettext_lazy("The works have started; the affected rooms are under repair.")),
    "complete": (CompleteForm, lambda user, pk, v: services.complete_works(user, pk, **v),
                 gettext_lazy("The works are completed and the actual cost is posted to the cost ledger.")),
}
ACTION_TITLES = {
    "submit": gettext_lazy("Submit to the bureau"), "withdraw": gettext_lazy("Withdraw"),
    "decide": gettext_lazy("Decide"), "start": gettext_lazy("Start the works"),
    "complete": gettext_lazy("Complete the works"),
}
ACTION_STYLES = {"submit": "primary", "withdraw": "outline-danger", "decide": "primary", "start": "primary",
                 "complete": "success"}


def _page_actions(user, repair: RepairRequest) -> list[str]:
    allowed = set(services.allowed_actions(user, repair))
    if allowed & set(services.DECISIONS):  # plan, return and reject share one form
        allowed.add("decide")
    return [a for a in ("submit", "decide", "start", "complete", "withdraw") if a in allowed]


@require_GET
@manage_view(VIEW)
def repair_detail(request, pk: int):
    return _detail_page(request, _visible(request.user, pk))


def _visible(user, pk: int) -> RepairRequest:
    return get_in_scope(RepairRequest, user, VIEW, pk, queryset=services.visible_requests(user))


def _detail_page(request, repair: RepairRequest, bound: tuple[str, object] | None = None):
    shown = _page_actions(request.user, repair)
    if bound and bound[0] not in shown:  # the state moved meanwhile: its form is not on the page
        for errors in bound[1].errors.values():
            for error in errors:
                messages.error(request, error)
    forms = [(name, ACTION_TITLES[name], ACTION_STYLES[name],
              bound[1] if bound and bound[0] == name else ACTIONS[name][0]()) for name in shown]
    return render(request, "officespace/repairs/detail.html", {
        "repair": repair,
        "rooms": repair.rooms.select_related("floor").order_by("number"),
        "explain": services.explain(repair.score_breakdown),
        "timeline": _timeline(repair, RepairState),
        "attachments": attachments_of(repair),
        "reports": repair.reports.select_related("person", "room"),
        "actions": forms,
        "can_edit": "edit" in services.allowed_actions(request.user, repair),
    })


def _timeline(obj, states) -> list[dict]:
    labels = dict(states.choices)
    return [{"entry": entry, "label": services.ACTION_LABELS.get(entry.action, entry.action),
             "to": labels.get(entry.to_state, entry.to_state)}
            for entry in timeline(obj).select_related("actor__person")]


@require_POST
@manage_view(VIEW)
def repair_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    repair = _visible(request.user, pk)
    form_class, call, success = ACTIONS[action]
    form = form_class(request.POST)
    done, _result = submit(request, form, lambda: call(request.user, repair.pk, form.cleaned_data), str(success))
    if done:
        return redirect("manage:officespace:repair", repair.pk)
    return _detail_page(request, _visible(request.user, pk), bound=(action, form))


@require_GET
@manage_view(VIEW)
def attachment_download(request, pk: int):
    """A file of a request or report the user can see (nothing else is served from here)."""
    attachment = Attachment.objects.filter(pk=pk).select_related("subject_type").first()
    if attachment is None or not _may_see_subject(request.user, attachment):
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


def _may_see_subject(user, attachment: Attachment) -> bool:
    subject = attachment.subject_type.model_class() if attachment.subject_type_id else None
    if subject is RepairRequest:
        return services.visible_requests(user).filter(pk=attachment.subject_id).exists()
    if subject is RepairReport and has_permission(user, MANAGE):
        return services.unit_reports(user).filter(pk=attachment.subject_id).exists()
    return False


# --- Staff reports in the management portal ---------------------------------------------------------------


@require_GET
@manage_view(MANAGE)
def report_list(request):
    listing = REPORT_LIST.bind(request, services.unit_reports(request.user))
    return listing.response("officespace/repairs/reports.html", "officespace/repairs/_reports_table.html")


@manage_view(MANAGE)
def report_detail(request, pk: int):
    report = get_in_scope(RepairReport, request.user, MANAGE, pk, queryset=services.unit_reports(request.user))
    resolve_form = ResolveForm(request.POST if request.POST.get("action") == "resolve" else None)
    link_form = LinkForm(request.POST if request.POST.get("action") == "link" else None, user=request.user,
                         building_id=report.room.building_id)
    if request.method == "POST":
        done = _report_action(request, report, resolve_form, link_form)
        if done:
            return redirect("manage:officespace:repair_report", report.pk)
    return render(request, "officespace/repairs/report.html", {
        "report": report,
        "timeline": _timeline(report, ReportState),
        "attachments": attachments_of(report),
        "resolve_form": resolve_form,
        "link_form": link_form,
        "can_create": scoped(Building.objects.filter(pk=report.room.building_id), request.user, MANAGE).exists(),
        "open": report.state == ReportState.REPORTED,
    })


def _report_action(request, report: RepairReport, resolve_form: ResolveForm, link_form: LinkForm) -> bool:
    if request.POST.get("action") == "resolve":
        done, _r = submit(request, resolve_form, lambda: services.resolve_report(
            request.user, report.pk, resolve_form.cleaned_data["note"]), _("The report is marked as handled."))
        return done
    if request.POST.get("action") == "link":
        done, _r = submit(request, link_form, lambda: services.link_report(
            request.user, report.pk, link_form.service_values()["repair_id"]),
            _("The report is now part of the major repair request."))
        return done
    raise Http404


# --- The service portal: report a repair, follow it ------------------------------------------------------


def my_reports(request):
    offices = services.my_offices(request.user)
    form = ReportForm(request.POST or None, request.FILES or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        report = call_service(form, services.report_fault, request.user)
        if report is not None:
            messages.success(request, _("Your report has been sent to your unit's administrators."))
            return redirect("service:officespace:repair_report", report.pk)
    return render(request, "officespace/repairs/service_reports.html", {
        "form": form, "offices": offices, "page": paginate(request, services.my_reports(request.user)), "tab": "work",
    })


@require_GET
def my_report(request, pk: int):
    report = services.my_report(request.user, pk)
    states = dict(ReportState.choices)
    steps = [Step(e.at, e.actor, services.ACTION_LABELS.get(e.action, e.action), e.comment,
                  states.get(e.to_state, "") if e.to_state != e.from_state else "")
             for e in timeline(report).select_related("actor__person")]
    return render(request, "officespace/repairs/service_report.html",
                  {"report": report, "timeline": steps, "tab": "work"})


manage_urlpatterns = [
    path("", repair_list, name="repairs"),
    path("queue/", repair_queue, name="repair_queue"),
    path("new/", repair_create, name="repair_create"),
    path("<int:pk>/", repair_detail, name="repair"),
    path("<int:pk>/edit/", repair_edit, name="repair_edit"),
    path("<int:pk>/<slug:action>/", repair_action, name="repair_action"),
    path("attachments/<int:pk>/", attachment_download, name="repair_attachment"),
    path("reports/", report_list, name="repair_reports"),
    path("reports/<int:pk>/", report_detail, name="repair_report"),
]
service_urlpatterns = [
    path("", my_reports, name="repair_reports"),
    path("<int:pk>/", my_report, name="repair_report"),
]
