"""Platform configuration: module enablement per region, approval flows, dictionaries, notices, jobs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core import jobs
from jiguan.core.access import is_htmx
from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec
from jiguan.core.models import ApprovalFlow, Dictionary, JobSchedule, ModuleEnablement, Notice, Region
from jiguan.core.models.org import Level
from jiguan.core.registry import registry
from jiguan.core.scoping import scoped
from jiguan.core.services import dictionaries, modules, notices
from jiguan.core.services.approvals import save_flow
from jiguan.core.services.base import get_in_scope
from jiguan.core.services.jobs import start_job

from ..access import manage_view
from ..forms import DictionaryItemForm, FlowForm, FlowStepFormSet, NoticeForm
from ..labels import approval_type_choices, approval_type_label
from .common import fragment_or_redirect, perform, submit

MANAGE_MODULES, MANAGE_FLOWS = "core.manage_modules", "core.manage_flows"
MANAGE_DICTIONARIES, MANAGE_NOTICES, MANAGE_JOBS = "core.manage_dictionaries", "core.manage_notices", "core.manage_jobs"


# --- Modules: regions × business modules --------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    module: str
    enabled: bool
    explicit: bool  # set for this region itself, not inherited from above


def _matrix(request, parent: Region | None) -> dict:
    """Rows: a region and its children (by default each province with its cities); one cell per module."""
    if parent is None:
        provinces = list(Region.objects.filter(level=Level.PROVINCE))
        regions = [r for p in provinces for r in (p, *p.children.all())]
    else:
        regions = [parent, *parent.children.all()]
    specs = registry.business_modules()
    explicit = set(
        scoped(ModuleEnablement.objects.filter(region__in=regions), request.user, MANAGE_MODULES)
        .values_list("region_id", "module")
    )
    rows = [
        (region, [Cell(s.code, modules.is_enabled(s.code, region), (region.code, s.code) in explicit) for s in specs])
        for region in regions
    ]
    return {"specs": specs, "rows": rows, "parent": parent}


@require_GET
@manage_view(MANAGE_MODULES)
def module_matrix(request):
    code = request.GET.get("region", "")
    parent = Region.objects.filter(code=code).exclude(level=Level.NATIONAL).first() if code else None
    return render(request, "manage/system/modules.html", _matrix(request, parent))


@require_POST
@manage_view(MANAGE_MODULES)
def module_toggle(request):
    region = get_object_or_404(Region, code=request.POST.get("region", ""))
    spec = registry.get(request.POST.get("module", ""))
    if spec is None or spec.core:
        raise Http404
    enabled = request.POST.get("enabled") == "1"
    message = (_("“%(module)s” is now enabled for %(region)s and below.") if enabled
               else _("“%(module)s” is now disabled for %(region)s and below.")) % {"module": spec.name, "region": region.name}
    perform(request, lambda: modules.set_module_enabled(
        request.user, region_code=region.code, module_code=spec.code, enabled=enabled), message)
    parent_code = request.POST.get("parent", "")
    parent = Region.objects.filter(code=parent_code).first() if parent_code else None
    fallback = reverse("manage:modules") + (f"?region={parent.code}" if parent else "")
    return fragment_or_redirect(request, "manage/system/_module_matrix.html", _matrix(request, parent), fallback)


# --- Approval flows -------------------------------------------------------------------------------


FLOW_LIST = ListSpec(
    name="flows",
    title=gettext_lazy("Approval flows"),
    columns=(
        Column("business_type", gettext_lazy("Business type"), order_by="business_type", value=lambda flow: approval_type_label(flow.business_type)),
        Column("region__name", gettext_lazy("Region"), order_by="region__code"),
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("steps", gettext_lazy("Steps"),
               value=lambda flow: " → ".join(f"{s.name}（{s.role.name}）" for s in flow.steps.all())),
        Column("active", gettext_lazy("Active")),
    ),
    filters=(ChoiceFilter("business_type", gettext_lazy("Business type"), "business_type", choices=approval_type_choices),),
    search=("name",),
    default_sort="business_type",
)


def _flows(user):
    # Platform defaults (no region) apply everywhere: every flow administrator sees them.
    in_scope = scoped(ApprovalFlow.objects.all(), user, MANAGE_FLOWS).values("pk")
    return ApprovalFlow.objects.filter(Q(region__isnull=True) | Q(pk__in=in_scope))


@require_GET
@manage_view(MANAGE_FLOWS)
def flow_list(request):
    flows = _flows(request.user).select_related("region").prefetch_related("steps__role")
    return FLOW_LIST.bind(request, flows).response("manage/system/flows.html", "manage/system/_flows_table.html",
                                                   {"has_types": bool(approval_type_choices())})


@manage_view(MANAGE_FLOWS)
def flow_create(request):
    return _flow_form(request, None)


@manage_view(MANAGE_FLOWS)
def flow_edit(request, pk: int):
    return _flow_form(request, get_object_or_404(_flows(request.user), pk=pk))


def _flow_form(request, flow: ApprovalFlow | None):
    initial, steps = {}, []
    if flow is not None:
        initial = {"business_type": flow.business_type, "region": flow.region_id, "name": flow.name}
        steps = [{"name": s.name, "role": s.role_id} for s in flow.steps.all()]
    form = FlowForm(request.POST or None, initial=initial, user=request.user)
    formset = FlowStepFormSet(request.POST or None, initial=steps, prefix="steps", form_kwargs={"user": request.user})
    if request.method == "POST":
        valid = formset.is_valid()  # both validated, so every error shows at once
        if valid:
            done, _flow = submit(
                request, form, lambda: save_flow(request.user, **form.service_values(), steps=formset.steps),
                _("The approval flow has been saved."),
            )
            if done:
                return redirect("manage:flows")
        else:
            form.is_valid()
    title = _("Edit approval flow") if flow else _("New approval flow")
    return render(request, "manage/system/flow_form.html", {"form": form, "formset": formset, "title": title})


# --- Dictionaries ---------------------------------------------------------------------------------

DICTIONARY_LIST = ListSpec(
    name="dictionaries",
    title=gettext_lazy("Dictionaries"),
    columns=(
        Column("code", gettext_lazy("Code"), order_by="code"),
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("source", gettext_lazy("Source")),
        Column("item_count", gettext_lazy("Items"), order_by="item_count"),
    ),
    search=("code", "name"),
    default_sort="code",
)


@require_GET
@manage_view(MANAGE_DICTIONARIES)
def dictionary_list(request):
    queryset = scoped(Dictionary.objects.annotate(item_count=Count("items")), request.user, MANAGE_DICTIONARIES)
    return DICTIONARY_LIST.bind(request, queryset).response("manage/system/dictionaries.html",
                                                            "manage/system/_dictionaries_table.html")


@require_GET
@manage_view(MANAGE_DICTIONARIES)
def dictionary_detail(request, code: str):
    dictionary = get_object_or_404(Dictionary, code=code)
    return _dictionary_page(request, dictionary, DictionaryItemForm())


def _dictionary_page(request, dictionary: Dictionary, form: DictionaryItemForm, status: int = 200, *,
                     editing=None, edit_form=None):
    return render(request, "manage/system/dictionary.html", {
        "dictionary": dictionary, "items": dictionary.items.all(), "form": form,
        "editing": editing, "edit_form": edit_form,
    }, status=status)


@require_POST
@manage_view(MANAGE_DICTIONARIES)
def dictionary_item_create(request, code: str):
    dictionary = get_object_or_404(Dictionary, code=code)
    form = DictionaryItemForm(request.POST, user=request.user)
    done, _item = submit(
        request, form,
        lambda: dictionaries.save_dictionary_item(request.user, dictionary_code=code, **form.service_values()),
        _("The item has been added."),
    )
    return redirect("manage:dictionary", code) if done else _dictionary_page(request, dictionary, form, status=400)


@manage_view(MANAGE_DICTIONARIES)
def dictionary_item_edit(request, code: str, pk: int):
    """An item's row turned into a form in place (htmx), and saved back into a row; without htmx the same
    form shows inside the dictionary's page."""
    dictionary = get_object_or_404(Dictionary, code=code)
    item = get_object_or_404(dictionary.items, pk=pk)
    initial = {"code": item.code, "label": item.label, "sort": item.sort, "active": item.active}
    form = DictionaryItemForm(request.POST or None, initial=initial, user=request.user, editing=True)
    if request.method == "POST":
        done, saved = submit(
            request, form,
            lambda: dictionaries.save_dictionary_item(request.user, dictionary_code=code, item_id=pk,
                                                      **form.service_values()),
            _("The item has been saved."),
        )
        if done:
            return fragment_or_redirect(request, "manage/system/_dictionary_row.html",
                                        {"item": saved, "dictionary_code": code}, "manage:dictionary", code)
    if is_htmx(request):
        return render(request, "manage/system/_dictionary_row_form.html",
                      {"form": form, "item": item, "dictionary_code": code})
    return _dictionary_page(request, dictionary, DictionaryItemForm(), editing=item, edit_form=form)


# --- Notices --------------------------------------------------------------------------------------


def _notice_state(notice: Notice) -> str:
    now = timezone.now()
    if notice.published_at > now:
        return str(_("Scheduled"))
    if notice.expires_at and notice.expires_at <= now:
        return str(_("Ended"))
    return str(_("Showing"))


NOTICE_LIST = ListSpec(
    name="notices",
    title=gettext_lazy("Notices"),
    columns=(
        Column("title", gettext_lazy("Title"), order_by="title"),
        Column("publisher__name", gettext_lazy("Publisher")),
        Column("audience__name", gettext_lazy("Audience region")),
        Column("pinned", gettext_lazy("Pinned"), order_by="pinned"),
        Column("published_at", gettext_lazy("Published at"), order_by="published_at"),
        Column("expires_at", gettext_lazy("Expires at"), order_by="expires_at"),
        Column("state", gettext_lazy("State"), value=_notice_state),
    ),
    filters=(BooleanFilter("pinned", gettext_lazy("Pinned"), "pinned"),),
    search=("title", "body"),
    default_sort="-published_at",
)


@require_GET
@manage_view(MANAGE_NOTICES)
def notice_list(request):
    queryset = scoped(Notice.objects.select_related("publisher", "audience"), request.user, MANAGE_NOTICES)
    return NOTICE_LIST.bind(request, queryset).response("manage/system/notices.html", "manage/system/_notices_table.html",
                                                        {"now": timezone.now()})


@manage_view(MANAGE_NOTICES)
def notice_create(request):
    form = NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, _notice = submit(request, form, lambda: notices.publish_notice(request.user, **form.service_values()),
                               _("The notice has been published."))
        if done:
            return redirect("manage:notices")
    return render(request, "manage/form.html", {
        "form": form, "title": _("Publish a notice"), "cancel_url": reverse("manage:notices"),
        "submit_label": _("Publish"),
    })


@require_POST
@manage_view(MANAGE_NOTICES)
def notice_withdraw(request, pk: int):
    perform(request, lambda: notices.withdraw_notice(request.user, pk), _("The notice has been withdrawn."))
    notice = get_in_scope(Notice, request.user, MANAGE_NOTICES, pk)
    return fragment_or_redirect(request, "manage/system/_notice_row.html", {"notice": notice, "now": timezone.now()},
                                "manage:notices")


# --- Scheduled jobs -------------------------------------------------------------------------------


@require_GET
@manage_view(MANAGE_JOBS)
def job_list(request):
    schedules = {s.name: s for s in scoped(JobSchedule.objects.all(), request.user, MANAGE_JOBS)}
    rows = [(job, schedules.get(name)) for name, job in sorted(jobs.registered_jobs().items())]
    return render(request, "manage/system/jobs.html", {"rows": rows})


@require_POST
@manage_view(MANAGE_JOBS)
def job_run(request, name: str):
    job = start_job(request.user, name)  # only registered jobs ever run: never a name typed by a user
    messages.success(request, _("Job “%(job)s” is queued; the worker runs it shortly.") % {"job": job.label})
    return redirect("manage:jobs")
