"""Management-portal pages of reporting up the levels, mounted at /manage/datahub/reporting/: the tasks list and
the new-task form, the task page (progress tree, roll-ups, template, the viewer's upload form), the submission
page (check result, review history) and the packages page (this installation's key, trusted peers, exports,
the import form and its log). Every action is a service call; buttons follow the services' ``*_actions``."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core import audit, notify
from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models.audit import AccessKind
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import perform, submit

from ..forms.reporting import CommentForm, ImportForm, PeerForm, SubmitForm, TaskForm
from ..models import (
    AssignmentState,
    ImportOutcome,
    PackageExport,
    PackageImport,
    RollUp,
    TaskState,
    TrustedPeer,
)
from ..models.reporting import BADGES
from ..module import MANAGE, REVIEW
from ..services import packages
from ..services import reporting as services

TASK_LIST = ListSpec(
    name="datahub.reporting_tasks", title=gettext_lazy("Reporting tasks"),
    columns=(
        Column("title", gettext_lazy("Task title"), order_by="title"),
        Column("period", gettext_lazy("Reporting period"), order_by="period"),
        Column("dataset__name", gettext_lazy("Dataset")),
        Column("region__name", gettext_lazy("Region")),
        Column("deadline", gettext_lazy("Deadline"), order_by="deadline"),
        Column("state", gettext_lazy("State"), order_by="state"),
        Column("units", gettext_lazy("Reporting units")),
        Column("accepted", gettext_lazy("Accepted units")),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=TaskState.choices),),
    search=("title", "code"), search_label=gettext_lazy("Task title or code"), default_sort="-deadline",
)
IMPORT_LIST = ListSpec(
    name="datahub.package_imports", title=gettext_lazy("Package import log"),
    columns=(
        Column("created_at", gettext_lazy("Imported at"), order_by="created_at"),
        Column("imported_by", gettext_lazy("Imported by")),
        Column("file_name", gettext_lazy("File name")),
        Column("origin", gettext_lazy("Origin installation"), order_by="origin"),
        Column("sequence", gettext_lazy("Sequence number")),
        Column("task_title", gettext_lazy("Task title")),
        Column("rows", gettext_lazy("Rows")),
        Column("outcome", gettext_lazy("Outcome"), order_by="outcome"),
        Column("reason", gettext_lazy("Reason")),
    ),
    filters=(ChoiceFilter("outcome", gettext_lazy("Outcome"), "outcome", choices=ImportOutcome.choices),),
    search=("file_name", "origin", "task_title"), default_sort="-created_at",
)


def _labelled(entries, states) -> list[dict]:
    labels = dict(states.choices)
    return [{"entry": e, "label": services.TIMELINE_ACTIONS.get(e.action, e.action),
             "to": labels.get(e.to_state, e.to_state)} for e in entries]


# --- Tasks --------------------------------------------------------------------------------------------------------


@require_GET
@manage_view()
def task_list(request):
    services.require_reporting(request.user)
    rows = services.visible_tasks(request.user).select_related("dataset", "region").annotate(
        units=Count("assignments", distinct=True),
        accepted=Count("assignments", filter=Q(assignments__state=AssignmentState.ACCEPTED), distinct=True))
    return TASK_LIST.bind(request, rows).response("datahub/reporting/list.html", "datahub/reporting/_table.html", {
        "can_create": bool(services.bureau_regions(request.user)),
    })


@manage_view(MANAGE)
def task_create(request):
    form = TaskForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, task = submit(request, form, lambda: services.create_task(request.user, **form.service_values()),
                            _("The task has been created as a draft; check its units and publish it."))
        if done:
            return redirect("manage:datahub:reporting_task", task.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("New reporting task"), "cancel_url": reverse("manage:datahub:reporting_tasks"),
        "intro": _("The task expands into every unit that must report; each unit's data goes to the bureau one level "
                   "up and is rolled up level by level to this bureau."),
        "submit_label": _("Create the task"),
    }, status=400 if request.method == "POST" else 200)


@require_GET
@manage_view()
def task_detail(request, pk: int):
    return _task_page(request, services.get_task(request.user, pk))


def _task_page(request, task, *, submit_form=None, status: int = 200):
    nodes = services.progress(request.user, task)
    for node in nodes:
        if node.rollup is not None:
            node.rollup.actions = services.rollup_actions(request.user, node.rollup)
    actions = services.task_actions(request.user, task)
    return render(request, "datahub/reporting/detail.html", {
        "task": task, "nodes": nodes, "actions": actions, "figure_labels": services.figure_labels(task.dataset),
        "summary": [(services.PROGRESS_LABELS[state], BADGES[state], count)
                    for state, count in services.summary(task).items() if count],
        "submit_form": submit_form or (SubmitForm(user=request.user, task=task) if "submit" in actions else None),
        "comment_form": CommentForm(), "timeline": _labelled(timeline(task), TaskState),
        "exports": PackageExport.objects.filter(task=task) if "export" in actions else [],
    }, status=status)


@require_POST
@manage_view(MANAGE)
def task_publish(request, pk: int):
    perform(request, lambda: services.publish_task(request.user, pk),
            _("The task has been published; the reporting units have been notified."))
    return redirect("manage:datahub:reporting_task", pk)


@require_GET
@manage_view()
def task_template(request, pk: int):
    task = services.get_task(request.user, pk)
    return FileResponse(BytesIO(services.template_workbook(task)), as_attachment=True,
                        filename=services.template_name(task), content_type=XLSX_CONTENT_TYPE)


@require_POST
@manage_view()
def task_submit(request, pk: int):
    task = services.get_task(request.user, pk)
    form = SubmitForm(request.POST, request.FILES, user=request.user, task=task)
    done, submission = submit(request, form, lambda: services.submit_file(
        request.user, task.pk, upload=form.cleaned_data["file"], unit_id=form.cleaned_data["unit"]),
        _("The data has been submitted; it is being checked and then goes to the reviewing bureau."))
    if done:
        return redirect("manage:datahub:reporting_submission", submission.pk)
    return _task_page(request, task, submit_form=form, status=400)


@require_POST
@manage_view(MANAGE)
def task_export(request, pk: int):
    perform(request, lambda: packages.export_package(request.user, pk),
            _("The package has been exported and signed; download it from the list of packages below."))
    return redirect("manage:datahub:reporting_task", pk)


# --- Submissions and roll-ups ---------------------------------------------------------------------------------------


@require_GET
@manage_view()
def submission_detail(request, pk: int):
    return _submission_page(request, services.get_submission(request.user, pk))


def _submission_page(request, submission, *, comment_form=None, status: int = 200):
    return render(request, "datahub/reporting/submission.html", {
        "submission": submission, "task": submission.assignment.task, "run": submission.run,
        "run_url": notify.link_to("manage:datahub:run", submission.run_id),
        "actions": services.submission_actions(request.user, submission),
        "comment_form": comment_form or CommentForm(),
        "history": submission.assignment.submissions.select_related("submitted_by", "decided_by", "run"),
        "timeline": _labelled(timeline(submission.assignment), AssignmentState),
    }, status=status)


@require_POST
@manage_view(REVIEW)
def submission_accept(request, pk: int):
    submission = services.get_submission(request.user, pk)
    perform(request, lambda: services.accept_submission(request.user, submission.pk),
            _("The submission has been accepted and its data published."))
    return redirect("manage:datahub:reporting_submission", submission.pk)


@require_POST
@manage_view(REVIEW)
def submission_return(request, pk: int):
    submission = services.get_submission(request.user, pk)
    form = CommentForm(request.POST)
    done, _returned = submit(request, form, lambda: services.return_submission(
        request.user, submission.pk, form.cleaned_data["comment"]), _("The submission has been returned to the unit."))
    if done:
        return redirect("manage:datahub:reporting_submission", submission.pk)
    return _submission_page(request, submission, comment_form=form, status=400)


def _rollup_action(request, pk: int, action, success: str, *, comment: bool = False):
    rollup = get_in_scope(RollUp, request.user, REVIEW, pk)
    if comment:
        form = CommentForm(request.POST)
        done, _rollup = submit(request, form, lambda: action(request.user, rollup.pk, form.cleaned_data["comment"]),
                               success)
        if not done:  # the page has no place for this small form's errors
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        perform(request, lambda: action(request.user, rollup.pk), success)
    return redirect("manage:datahub:reporting_task", rollup.task_id)


@require_POST
@manage_view(REVIEW)
def rollup_submit(request, pk: int):
    return _rollup_action(request, pk, services.submit_rollup, _("The roll-up has been submitted."))


@require_POST
@manage_view(REVIEW)
def rollup_accept(request, pk: int):
    return _rollup_action(request, pk, services.accept_rollup, _("The roll-up has been accepted."))


@require_POST
@manage_view(REVIEW)
def rollup_return(request, pk: int):
    return _rollup_action(request, pk, services.return_rollup, _("The roll-up has been returned."), comment=True)


# --- Packages -----------------------------------------------------------------------------------------------------


@require_GET
@manage_view(MANAGE)
def package_page(request):
    return _package_page(request)


def _package_page(request, *, peer_form=None, import_form=None, status: int = 200):
    listing = IMPORT_LIST.bind(request, scoped(PackageImport.objects.select_related("imported_by"), request.user,
                                               MANAGE))
    context = {
        "installation_id": packages.installation_id(), "public_key": packages.public_key_pem(),
        "peers": scoped(TrustedPeer.objects.select_related("unit"), request.user, MANAGE),
        "exports": scoped(PackageExport.objects.select_related("task", "created_by"), request.user, MANAGE)[:20],
        "peer_form": peer_form or PeerForm(user=request.user), "import_form": import_form or ImportForm(),
    }
    if status != 200:
        return render(request, "datahub/reporting/packages.html", {"listing": listing, **context}, status=status)
    return listing.response("datahub/reporting/packages.html", "datahub/reporting/_imports.html", context)


@require_POST
@manage_view(MANAGE)
def peer_register(request):
    form = PeerForm(request.POST, user=request.user)
    done, _peer = submit(request, form, lambda: packages.register_peer(request.user, **form.service_values()),
                         _("The installation has been registered as trusted."))
    if done:
        return redirect("manage:datahub:reporting_packages")
    return _package_page(request, peer_form=form, status=400)


@require_POST
@manage_view(MANAGE)
def peer_active(request, pk: int):
    active = request.POST.get("active") == "1"
    perform(request, lambda: packages.set_peer_active(request.user, pk, active),
            _("The installation is trusted again.") if active else _("The installation is no longer trusted."))
    return redirect("manage:datahub:reporting_packages")


@require_POST
@manage_view(MANAGE)
def package_import(request):
    form = ImportForm(request.POST, request.FILES)
    done, _record = submit(request, form, lambda: packages.import_package(request.user,
                                                                          upload=form.cleaned_data["file"]),
                           _("The package has been verified and its rows are being loaded."))
    if done:
        return redirect("manage:datahub:reporting_packages")
    return _package_page(request, import_form=form, status=400)


@require_GET
@manage_view(MANAGE)
def package_file(request, pk: int):
    package = get_in_scope(PackageExport, request.user, MANAGE, pk)
    audit.log_access(AccessKind.EXPORT, request.get_full_path(), detail=f"datahub.package {package.package_id}",
                     method="GET", status=200)
    return FileResponse(default_storage.open(package.path, "rb"), as_attachment=True,
                        filename=package.path.rsplit("/", 1)[-1], content_type="application/zip")


manage_urlpatterns = [
    path("", task_list, name="reporting_tasks"),
    path("new/", task_create, name="reporting_task_create"),
    path("<int:pk>/", task_detail, name="reporting_task"),
    path("<int:pk>/publish/", task_publish, name="reporting_task_publish"),
    path("<int:pk>/template/", task_template, name="reporting_task_template"),
    path("<int:pk>/submit/", task_submit, name="reporting_task_submit"),
    path("<int:pk>/export/", task_export, name="reporting_task_export"),
    path("submissions/<int:pk>/", submission_detail, name="reporting_submission"),
    path("submissions/<int:pk>/accept/", submission_accept, name="reporting_submission_accept"),
    path("submissions/<int:pk>/return/", submission_return, name="reporting_submission_return"),
    path("rollups/<int:pk>/submit/", rollup_submit, name="reporting_rollup_submit"),
    path("rollups/<int:pk>/accept/", rollup_accept, name="reporting_rollup_accept"),
    path("rollups/<int:pk>/return/", rollup_return, name="reporting_rollup_return"),
    path("packages/", package_page, name="reporting_packages"),
    path("packages/peers/", peer_register, name="reporting_peer_register"),
    path("packages/peers/<int:pk>/active/", peer_active, name="reporting_peer_active"),
    path("packages/import/", package_import, name="reporting_package_import"),
    path("packages/<int:pk>/file/", package_file, name="reporting_package_file"),
]
