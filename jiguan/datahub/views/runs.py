"""Management-portal pages of ingestion runs: the list, the upload page, the run page with its stage
progress (polled by htmx until the run ends), counts, digests, error report, retry and review."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.access import is_htmx
from jiguan.core.errors import ServiceError
from jiguan.core.listing import ChoiceFilter, Column, ListSpec, TextFilter
from jiguan.core.scoping import has_permission
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import perform, submit

from ..forms.runs import DiscardForm, RunUploadForm
from ..models import ACTIVE_STATES, Channel, Dataset, RunState
from ..module import MANAGE, SUBMIT
from ..services import runs as services


def _may_see(request) -> str | None:
    return None if services.may_see_runs(request.user) else _("You do not have the permission for this page.")


def _may_submit(request) -> str | None:
    if any(has_permission(request.user, p) for p in (MANAGE, SUBMIT)):
        return None
    return _("You do not have the permission for this page.")


def _dataset_choices(user):
    """The datasets of the runs the user sees (not every dataset's name)."""
    datasets = Dataset.objects.filter(pk__in=services.visible_runs(user).values("dataset_id"))
    return datasets.order_by("code").values_list("pk", "name")


RUN_LIST = ListSpec(
    name="datahub.runs", title=gettext_lazy("Ingestion runs"),
    columns=(
        Column("pk", gettext_lazy("Run number"), order_by="pk"),
        Column("dataset__name", gettext_lazy("Dataset"), order_by="dataset__code"),
        Column("unit__name", gettext_lazy("Submitting unit"), order_by="unit__org_path"),
        Column("channel", gettext_lazy("Channel"), order_by="channel"),
        Column("input_name", gettext_lazy("File name")),
        Column("state", gettext_lazy("State"), order_by="state"),
        Column("rows_in", gettext_lazy("Rows read"), order_by="rows_in"),
        Column("rows_rejected", gettext_lazy("Rows rejected"), order_by="rows_rejected"),
        Column("rows_out", gettext_lazy("Rows published"), order_by="rows_out"),
        Column("submitted_by", gettext_lazy("Submitted by"), value=lambda run: str(run.submitted_by or _("System (automatic)"))),
        Column("created_at", gettext_lazy("Submitted at"), order_by="created_at"),
    ),
    filters=(
        ChoiceFilter("dataset", gettext_lazy("Dataset"), "dataset_id", choices_for=_dataset_choices),
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=RunState.choices),
        ChoiceFilter("channel", gettext_lazy("Channel"), "channel", choices=Channel.choices),
        TextFilter("unit", gettext_lazy("Submitting unit"), "unit__name__icontains"),
    ),
    search=("input_name", "dataset__name", "unit__name"), search_label=gettext_lazy("File, dataset or unit"),
    default_sort="-created_at",
)


@require_GET
@manage_view(check=_may_see)
def run_list(request):
    listing = RUN_LIST.bind(request, services.visible_runs(request.user))
    return listing.response("datahub/runs/list.html", "datahub/runs/_table.html",
                            {"can_submit": _may_submit(request) is None})


@manage_view(check=_may_submit)
def run_create(request):
    form = RunUploadForm(request.POST or None, request.FILES or None, user=request.user,
                         initial={"dataset": request.GET.get("dataset")})
    if request.method == "POST":
        done, run = submit(request, form, lambda: services.submit(request.user, **form.service_values()),
                           _("The file has been received; the run is shown below as it goes."))
        if done:
            return redirect("manage:datahub:run", run.pk)
    return render(request, "datahub/runs/upload.html", {"form": form, "cancel_url": reverse("manage:datahub:runs")})


@require_GET
@manage_view(check=_may_see)
def run_detail(request, pk: int):
    run = services.run_in_view(request.user, pk)
    if is_htmx(request) and request.GET.get("part") == "progress":
        context = _progress_context(run)
        response = render(request, "datahub/runs/_progress.html", context)
        if not context["active"]:  # it just ended: reload the page for its actions and timeline
            response["HX-Refresh"] = "true"
        return response
    labels = dict(RunState.choices)
    entries = [{"entry": e, "label": services.ACTION_LABELS.get(e.action, e.action),
                "to": labels.get(e.to_state, e.to_state)} for e in timeline(run).select_related("actor")]
    return render(request, "datahub/runs/detail.html", {
        **_progress_context(run),
        "timeline": entries,
        "can_retry": services.may_retry(request.user, run),
        "can_review": services.may_review(request.user, run),
        "discard_form": DiscardForm(),
        "retries": run.retries.order_by("pk"),
    })


def _progress_context(run) -> dict:
    """The stage bar: each stage done, current or to come; a run that ended early marks where it stopped."""
    order = list(services.STAGES)
    reached = order.index(run.state) if run.state in order else None
    if run.state == RunState.PUBLISHED:
        reached = len(order)
    elif run.state in (RunState.HELD, RunState.ABORTED, RunState.DISCARDED):
        reached = order.index(RunState.RECONCILING)
    stages = [{"label": labels, "status": _stage_status(i, reached, run)}
              for i, labels in enumerate(services.ACTION_LABELS[s] for s in order)]
    return {"run": run, "stages": stages, "active": run.state in (RunState.QUEUED, *ACTIVE_STATES)}


def _stage_status(index: int, reached: int | None, run) -> str:
    if reached is None:
        return "failed" if run.state == RunState.FAILED and index == 0 else "todo"
    if index < reached:
        return "done"
    if index == reached:
        return "current" if run.state in ACTIVE_STATES else "stopped"
    return "todo"


@require_GET
@manage_view(check=_may_see)
def run_errors(request, pk: int):
    run, report, suffix = services.open_error_report(request.user, pk, request.get_full_path())
    return FileResponse(report, as_attachment=True,
                        filename=_("%(dataset)s run %(run)s errors") % {"dataset": run.dataset.name, "run": run.pk}
                        + suffix)


@require_POST
@manage_view(check=_may_see)
def run_retry(request, pk: int):
    run = services.run_in_view(request.user, pk)
    try:
        new = services.retry(request.user, run.pk)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("manage:datahub:run", run.pk)
    messages.success(request, _("The run has been queued again."))
    return redirect("manage:datahub:run", new.pk)


@require_POST
@manage_view(check=_may_see)
def run_publish(request, pk: int):
    run = services.run_in_view(request.user, pk)
    perform(request, lambda: services.publish_held(request.user, run.pk),
            _("The held rows are published in the dataset's new version."))
    return redirect("manage:datahub:run", run.pk)


@require_POST
@manage_view(check=_may_see)
def run_discard(request, pk: int):
    run = services.run_in_view(request.user, pk)
    form = DiscardForm(request.POST)
    done, _result = submit(request, form, lambda: services.discard_held(request.user, run.pk,
                                                                        form.cleaned_data["reason"]),
                           _("The held rows have been discarded and the submitter told."))
    if not done:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("manage:datahub:run", run.pk)


manage_urlpatterns = [
    path("", run_list, name="runs"),
    path("new/", run_create, name="run_create"),
    path("<int:pk>/", run_detail, name="run"),
    path("<int:pk>/errors/", run_errors, name="run_errors"),
    path("<int:pk>/retry/", run_retry, name="run_retry"),
    path("<int:pk>/publish/", run_publish, name="run_publish"),
    path("<int:pk>/discard/", run_discard, name="run_discard"),
]
