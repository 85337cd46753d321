"""清查盘点 pages: the campaigns list, a campaign (progress per unit, differences, close, apply the
corrections), and a unit's checklist (rooms by building, confirmed or corrected row by row through htmx,
the buildings' asset-account figures, submit / accept / return). Thin: every rule is in
``services.campaigns``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core import audit
from jiguan.core.access import is_htmx
from jiguan.core.errors import ServiceError
from jiguan.core.excel import xlsx_response
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models.audit import AccessKind
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.core.services.common import attributed_to
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import perform, submit

from ..forms.campaigns import (
    AcceptForm,
    BuildingFiguresForm,
    CampaignForm,
    CloseForm,
    CorrectForm,
    ExtraRoomForm,
    MissingForm,
    ReturnForm,
)
from ..models import (
    CampaignBuilding,
    CampaignRoom,
    CampaignState,
    CampaignTask,
    CheckResult,
    DifferenceKind,
    TaskState,
)
from ..module import MANAGE, SUPERVISE, VIEW
from ..services import campaigns as services

ROOM_VIEWS = {"unchecked": {"result": CheckResult.PENDING}, "differing": {"result__in": services.DIFFERING}}
DIFFERENCES_PER_PAGE = 50
TIMELINE_ACTIONS = {
    "open": gettext_lazy("Campaign opened"),
    "close": gettext_lazy("Campaign closed"),
    "apply": gettext_lazy("Corrections applied to the ledger"),
    "confirm": gettext_lazy("Rooms confirmed"),
    "submit": gettext_lazy("Checklist submitted"),
    "accept": gettext_lazy("Checklist accepted"),
    "return": gettext_lazy("Checklist returned"),
}

CAMPAIGN_LIST = ListSpec(
    name="officespace.campaigns", title=gettext_lazy("Inventory campaigns"),
    columns=(
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("year", gettext_lazy("Year"), order_by="year"),
        Column("region__name", gettext_lazy("Scope"), order_by="region_id"),
        Column("bureau__name", gettext_lazy("Organised by")),
        Column("unit_count", pgettext_lazy("count", "Units")),
        Column("deadline", gettext_lazy("Deadline"), order_by="deadline"),
        Column("state", gettext_lazy("State"), order_by="state"),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=CampaignState.choices),),
    search=("name",), search_label=gettext_lazy("Campaign name"), default_sort="-year",
)


# --- Campaigns --------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def campaign_list(request):
    campaigns = services.visible_campaigns(request.user).annotate(unit_count=Count("tasks"))
    listing = CAMPAIGN_LIST.bind(request, campaigns)
    return listing.response("officespace/campaigns/list.html", "officespace/campaigns/_list_table.html", {
        "can_open": has_permission(request.user, SUPERVISE), "today": timezone.localdate(),
    })


@manage_view(SUPERVISE)
def campaign_open(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, campaign = submit(request, form, lambda: services.open_campaign(request.user, **form.service_values()),
                                _("The campaign has been opened and each unit has its checklist."))
        if done:
            return redirect("manage:officespace:campaign", campaign.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Open an inventory campaign"), "cancel_url": reverse("manage:officespace:campaigns"),
        "submit_label": _("Open the campaign"),
        "intro": _("Opening takes a snapshot of every room and building in the scope: later changes to the ledger do "
                   "not move it. Each unit with rooms gets its checklist and its administrators are notified."),
    })


@require_GET
@manage_view(VIEW)
def campaign_detail(request, pk: int):
    campaign = services.campaign_in_view(request.user, pk)
    rows = services.progress(services.visible_tasks(request.user, campaign))
    if request.GET.get("export") == "xlsx":
        return _export_progress(request, campaign, rows)
    may_supervise = has_permission(request.user, SUPERVISE) and services.may_supervise(request.user, campaign)
    totals = services.totals(rows)
    return render(request, "officespace/campaigns/detail.html", {
        "campaign": campaign, "rows": rows, "totals": totals, "may_supervise": may_supervise,
        "state_counts": [(label, totals["states"][state]) for state, label in TaskState.choices],
        "close_form": CloseForm(), "timeline": _timeline(campaign, CampaignState), "today": timezone.localdate(),
        "kinds": DifferenceKind.choices,
    })


def _export_progress(request, campaign, rows: list[dict]) -> HttpResponse:
    headers = [_("Unit"), _("State"), _("Rooms"), _("Checked"), _("Found, not in the ledger"), _("Buildings"),
               _("Buildings entered"), _("Progress (%)"), DifferenceKind.PHYSICAL.label, _("Area difference (㎡)"),
               DifferenceKind.CERTIFICATE.label, DifferenceKind.ACCOUNTS.label, _("Book area difference (㎡)")]
    data = [[row["task"].unit.name, row["task"].get_state_display(), row["rooms"], row["checked"], row["extra"],
             row["buildings"], row["entered"], row["percent"], row["physical"], row["physical_area"],
             row["certificate"], row["accounts"], row["accounts_area"]] for row in rows]
    return _xlsx(request, f"{campaign.name}-{_('progress')}", headers, data, "officespace.campaign_progress")


def _xlsx(request, title: str, headers: list, rows: list, name: str) -> HttpResponse:
    response = xlsx_response(f"{title}-{timezone.localdate():%Y%m%d}", title, [str(h) for h in headers], rows)
    with attributed_to(request.user):
        audit.log_access(AccessKind.EXPORT, request.get_full_path(), detail=f"{name}: {len(rows)} rows",
                         method="GET", status=200)
    return response


@require_GET
@manage_view(VIEW)
def campaign_differences(request, pk: int):
    campaign = services.campaign_in_view(request.user, pk)
    tasks = services.visible_tasks(request.user, campaign)
    units = [(task.pk, task.unit.name) for task in tasks.order_by("org_path")]
    kind = request.GET.get("kind") if request.GET.get("kind") in DifferenceKind.values else None
    task_id = request.GET.get("task", "")
    if task_id.isdigit():
        tasks = tasks.filter(pk=task_id)
    rows = services.differences(tasks, kind)
    if request.GET.get("export") == "xlsx":
        return _export_differences(request, campaign, rows)
    page = Paginator(rows, DIFFERENCES_PER_PAGE).get_page(request.GET.get("page"))
    template = "officespace/campaigns/_differences.html" if is_htmx(request) else "officespace/campaigns/differences.html"
    return render(request, template, {
        "campaign": campaign, "page": page, "by_unit": _by_unit(rows), "units": units, "kinds": DifferenceKind.choices,
        "kind": kind or "", "task_id": task_id, "query": request.GET.urlencode(),
    })


def _by_unit(rows: list) -> list[dict]:
    """Totals per unit and kind: how many values differ and the net area difference."""
    table: dict[str, dict] = {}
    for row in rows:
        unit = table.setdefault(row.unit, {"unit": row.unit, **{k: {"count": 0, "area": 0} for k in DifferenceKind.values}})
        unit[row.kind]["count"] += 1
        unit[row.kind]["area"] += row.difference or 0
    return list(table.values())


def _export_differences(request, campaign, rows: list) -> HttpResponse:
    headers = [_("Unit"), _("Check"), _("Room or building"), _("Checked item"), _("In the ledger"),
               _("Found or declared"), _("Difference (㎡)"), _("Note")]
    data = [[r.unit, r.kind_label, r.item, r.field, r.ledger, r.found, r.difference, r.note] for r in rows]
    return _xlsx(request, f"{campaign.name}-{_('differences')}", headers, data, "officespace.campaign_differences")


@require_POST
@manage_view(SUPERVISE)
def campaign_close(request, pk: int):
    form = CloseForm(request.POST)
    form.is_valid()
    perform(request, lambda: services.close_campaign(request.user, pk, force=form.cleaned_data.get("force", False),
                                                     reason=form.cleaned_data.get("reason", "")),
            _("The campaign has been closed."))
    return redirect("manage:officespace:campaign", pk)


@require_POST
@manage_view(SUPERVISE)
def campaign_apply(request, pk: int):
    try:
        outcome = services.apply_corrections(request.user, pk)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("manage:officespace:campaign", pk)
    message = _("%(applied)d corrections have been written into the ledger.") % outcome
    if outcome["refused"]:
        message += " " + _("%(refused)d were refused by the ledger's rules; the reasons are on the checklists.") % outcome
    messages.success(request, message)
    return redirect("manage:officespace:campaign", pk)


# --- A unit's checklist -----------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def task_detail(request, pk: int):
    task = services.task_in_view(request.user, pk)
    show = request.GET.get("show") if request.GET.get("show") in ROOM_VIEWS else ""
    rooms = scoped(CampaignRoom.objects.filter(task=task, **ROOM_VIEWS.get(show, {})), request.user, VIEW)
    context = {**_task_context(request, task), "rooms": rooms.order_by("building_name", "floor", "number", "pk"),
               "show": show}
    if is_htmx(request):
        return render(request, "officespace/campaigns/_checklist.html", context)
    return render(request, "officespace/campaigns/task.html", context)


def _task_context(request, task) -> dict:
    user = request.user
    [figures] = services.progress(services.visible_tasks(user, task.campaign).filter(pk=task.pk))
    open_campaign = task.campaign.state == CampaignState.OPEN
    may_edit = open_campaign and task.state in services.EDITABLE and _reaches(user, MANAGE, task)
    may_decide = open_campaign and task.state == TaskState.SUBMITTED and _reaches(user, SUPERVISE, task)
    return {
        "task": task, "campaign": task.campaign, "figures": figures, "may_edit": may_edit, "may_decide": may_decide,
        "buildings": CampaignBuilding.objects.filter(task=task).order_by("name", "pk"),
        "timeline": _timeline(task, TaskState), "return_form": ReturnForm(), "accept_form": AcceptForm(),
        "today": timezone.localdate(),
    }


def _reaches(user, permission: str, task: CampaignTask) -> bool:
    return has_permission(user, permission) and scoped(CampaignTask.objects.filter(pk=task.pk), user, permission).exists()


def _timeline(obj, states) -> list:
    labels = dict(states.choices)
    entries = list(timeline(obj))
    for entry in entries:
        entry.action_label = TIMELINE_ACTIONS.get(entry.action, entry.action)
        entry.to_label = labels.get(entry.to_state, "")
    return entries


@require_POST
@manage_view(MANAGE)
def task_confirm(request, pk: int):
    row_ids = None if request.POST.get("all") else request.POST.getlist("row_ids")
    perform(request, lambda: services.confirm_rooms(request.user, pk, row_ids), _("The rooms have been confirmed."))
    return redirect(_task_url(pk, request.POST.get("show", "")))


def _task_url(pk: int, show: str = "") -> str:
    url = reverse("manage:officespace:campaign_task", args=[pk])
    return f"{url}?show={show}" if show in ROOM_VIEWS else url


@manage_view(MANAGE)
def task_extra(request, pk: int):
    task = get_in_scope(CampaignTask, request.user, MANAGE, pk)
    form = ExtraRoomForm(request.POST or None, task=task, user=request.user)
    if request.method == "POST":
        done, _row = submit(request, form, lambda: services.add_extra_room(request.user, pk, **form.service_values()),
                            _("The room found on site has been added to the checklist."))
        if done:
            return redirect(_task_url(pk))
    return render(request, "manage/form.html", {
        "form": form, "title": _("Add a room found on site"), "cancel_url": _task_url(pk), "submit_label": _("Add"),
        "intro": _("A room that is there but not in the ledger. It is listed as a difference and, once the checklist "
                   "is accepted, the bureau can add it to the ledger."),
    })


@require_POST
@manage_view(MANAGE)
def task_submit(request, pk: int):
    perform(request, lambda: services.submit_task(request.user, pk), _("The checklist has been submitted to the bureau."))
    return redirect(_task_url(pk))


@require_POST
@manage_view(SUPERVISE)
def task_accept(request, pk: int):
    form = AcceptForm(request.POST)
    form.is_valid()
    perform(request, lambda: services.accept_task(request.user, pk, form.cleaned_data.get("comment", "")),
            _("The checklist has been accepted."))
    return redirect(_task_url(pk))


@require_POST
@manage_view(SUPERVISE)
def task_return(request, pk: int):
    perform(request, lambda: services.return_task(request.user, pk, request.POST.get("reason", "")),
            _("The checklist has been returned to the unit."))
    return redirect(_task_url(pk))


# --- One room of a checklist (htmx rows) ------------------------------------------------------------


def _row_response(request, row_pk: int, *, editing=None, missing=None, status: int = 200):
    """htmx gets the row (or its edit form) back; a plain post goes back to the checklist."""
    row = get_in_scope(CampaignRoom, request.user, VIEW, row_pk, queryset=CampaignRoom.objects.select_related("task"))
    if not is_htmx(request):
        return redirect(_task_url(row.task_id))
    return render(request, "officespace/campaigns/_room_row.html", {
        "row": row, "may_edit": row.task.state in services.EDITABLE, "editing": editing, "missing": missing,
    }, status=status)


@require_POST
@manage_view(MANAGE)
def room_confirm(request, pk: int):
    row = get_in_scope(CampaignRoom, request.user, MANAGE, pk)
    perform(request, lambda: services.confirm_rooms(request.user, row.task_id, [row.pk]),
            _("Room %(room)s confirmed.") % {"room": row})
    return _row_response(request, row.pk)


@manage_view(MANAGE)
def room_correct(request, pk: int):
    row = get_in_scope(CampaignRoom, request.user, MANAGE, pk)
    initial = {"category": row.found_category or row.ledger_category, "state": row.found_state or row.ledger_state,
               "usable_area": row.found_usable_area or row.ledger_usable_area, "note": row.note}
    form = CorrectForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        done, _row = submit(request, form, lambda: services.correct_room(request.user, row.pk, **form.service_values()),
                            _("Room %(room)s corrected.") % {"room": row})
        if done:
            return _row_response(request, row.pk)
    if is_htmx(request):
        return _row_response(request, row.pk, editing=form)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Correct room %(room)s") % {"room": row}, "cancel_url": _task_url(row.task_id),
        "intro": _("Enter what was found on site. Values equal to the ledger's confirm the room."),
    })


@manage_view(MANAGE)
def room_missing(request, pk: int):
    row = get_in_scope(CampaignRoom, request.user, MANAGE, pk)
    form = MissingForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, _row = submit(request, form, lambda: services.mark_missing(request.user, row.pk, **form.service_values()),
                            _("Room %(room)s marked as not found.") % {"room": row})
        if done:
            return _row_response(request, row.pk)
    if is_htmx(request):
        return _row_response(request, row.pk, missing=form)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Room %(room)s not found on site") % {"room": row}, "cancel_url": _task_url(row.task_id),
    })


@require_POST
@manage_view(MANAGE)
def room_remove(request, pk: int):
    row = get_in_scope(CampaignRoom, request.user, MANAGE, pk)
    if not perform(request, lambda: services.remove_extra_room(request.user, row.pk),
                   _("Room %(room)s removed from the checklist.") % {"room": row}):
        return _row_response(request, row.pk)
    return HttpResponse("") if is_htmx(request) else redirect(_task_url(row.task_id))


@manage_view(MANAGE)
def building_figures(request, pk: int):
    row = get_in_scope(CampaignBuilding, request.user, MANAGE, pk)
    initial = {name: getattr(row, name) for name in ("book_area", "book_value", "certificate_area", "note")}
    initial.update({name: {True: "1", False: "0"}.get(getattr(row, name), "")
                    for name in ("certificate_at_hand", "certificate_matches")})
    form = BuildingFiguresForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        done, _row = submit(request, form,
                            lambda: services.save_building_figures(request.user, row.pk, **form.service_values()),
                            _("The figures of %(building)s have been saved.") % {"building": row.name})
        if done:
            return redirect(_task_url(row.task_id))
    return render(request, "manage/form.html", {
        "form": form, "title": _("Asset accounts and certificate: %(building)s") % {"building": row.name},
        "cancel_url": _task_url(row.task_id),
        "intro": _("In the ledger: gross floor area %(area)s ㎡; certificate %(certificate)s.") % {
            "area": row.ledger_gross_area, "certificate": row.ledger_certificate or _("not registered")},
    })


manage_urlpatterns = [
    path("", campaign_list, name="campaigns"),
    path("new/", campaign_open, name="campaign_open"),
    path("<int:pk>/", campaign_detail, name="campaign"),
    path("<int:pk>/differences/", campaign_differences, name="campaign_differences"),
    path("<int:pk>/close/", campaign_close, name="campaign_close"),
    path("<int:pk>/apply/", campaign_apply, name="campaign_apply"),
    path("tasks/<int:pk>/", task_detail, name="campaign_task"),
    path("tasks/<int:pk>/confirm/", task_confirm, name="campaign_confirm"),
    path("tasks/<int:pk>/extra/", task_extra, name="campaign_extra"),
    path("tasks/<int:pk>/submit/", task_submit, name="campaign_submit"),
    path("tasks/<int:pk>/accept/", task_accept, name="campaign_accept"),
    path("tasks/<int:pk>/return/", task_return, name="campaign_return"),
    path("rooms/<int:pk>/confirm/", room_confirm, name="campaign_room_confirm"),
    path("rooms/<int:pk>/correct/", room_correct, name="campaign_room_correct"),
    path("rooms/<int:pk>/missing/", room_missing, name="campaign_room_missing"),
    path("rooms/<int:pk>/remove/", room_remove, name="campaign_room_remove"),
    path("buildings/<int:pk>/", building_figures, name="campaign_building"),
]
service_urlpatterns = []
