"""Management-portal pages: quality — the overview (latest scores, trends, issues by cause), data elements
and their carriers, discrepancies, and quality issues with their closed loop. Every change is a service call;
the buttons shown follow ``quality.issue_actions``."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.models.events import EventStatus
from jiguan.core.scoping import has_permission
from jiguan.core.services import events
from jiguan.core.services.common import permission_holders
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter
from jiguan.portals.manage.views.common import perform, submit

from ..forms.quality import AssignForm, CarrierForm, CommentForm, ElementEditForm, ElementForm, ResolveForm
from ..models import DataElement, DiscrepancyState, ElementCarrier
from ..module import MANAGE, VIEW
from ..services import catalog, quality

STAGES = [(EventStatus.NEW, gettext_lazy("Newly found")), (EventStatus.DISPATCHED, gettext_lazy("Acknowledged")),
          (EventStatus.IN_PROGRESS, gettext_lazy("Assigned")), (EventStatus.RESOLVED, gettext_lazy("Resolved"))]
ACTION_LABELS = {"acknowledge": gettext_lazy("Acknowledge and send to the unit"),
                 "assign": gettext_lazy("Assign a handler"), "resolve": gettext_lazy("Resolve with a cause")}
TIMELINE = {"report": gettext_lazy("Issue found"), "dispatch": ACTION_LABELS["acknowledge"],
            "start": gettext_lazy("Handler assigned"), "resolve": gettext_lazy("Resolved with a cause"),
            "comment": gettext_lazy("Comment")}


def _element_choices():
    return list(DataElement.objects.values_list("pk", "name"))


def _dataset_choices(user):
    """The datasets in the user's catalog that carry a data element."""
    carriers = catalog.visible_datasets(user).filter(element_carriers__isnull=False).distinct()
    return list(carriers.order_by("code").values_list("pk", "name"))


# --- Overview ------------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def overview(request):
    rows = quality.overview(request.user)
    for row in rows:
        row["sparkline"] = _sparkline(row["history"])
    counts = quality.issue_counts(request.user)
    return render(request, "datahub/quality/overview.html", {
        "rows": rows, "measures": quality.MEASURES,
        "stages": [(label, counts.get(code, 0)) for code, label in STAGES],
        "reasons": quality.issues_by_reason(request.user),
    })


def _sparkline(values: list[float], width: int = 120, height: int = 28) -> str:
    """SVG polyline points of a 0–100 series (drawn inline: one chart object per row would be heavy)."""
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - value / 100 * height:.1f}" for i, value in enumerate(values))


# --- Data elements -------------------------------------------------------------------------------------


ELEMENT_LIST = ListSpec(
    name="datahub.elements", title=gettext_lazy("Data elements"),
    columns=(
        Column("code", gettext_lazy("Element code"), order_by="code"),
        Column("name", gettext_lazy("Element name"), order_by="name"),
        Column("entity", gettext_lazy("Entity and its key")),
        Column("value_type", gettext_lazy("Value type"), order_by="value_type"),
        Column("authority", gettext_lazy("Authoritative source"),
               value=lambda e: f"{e.authority.dataset.name}.{e.authority.field}" if e.authority else ""),
        Column("carrier_count", gettext_lazy("Other carriers"), value=lambda e: len(e.carriers.all()) - 1),
    ),
    search=("code", "name", "entity"), search_label=gettext_lazy("Code, name or entity"), default_sort="code",
)


@require_GET
@manage_view(VIEW)
def element_list(request):
    elements = DataElement.objects.prefetch_related("carriers__dataset")
    return ELEMENT_LIST.bind(request, elements).response(
        "datahub/quality/elements.html", "datahub/quality/_elements_table.html",
        {"can_manage": has_permission(request.user, MANAGE)})


@manage_view(MANAGE)
def element_create(request):
    form = ElementForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, element = submit(request, form, lambda: quality.create_element(request.user, **form.service_values()),
                               _("The data element has been defined."))
        if done:
            return redirect("manage:datahub:element", element.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("New data element"), "cancel_url": reverse("manage:datahub:elements"),
        "intro": _("A data element names one fact and exactly one authoritative source; other datasets that carry "
                   "it are checked against that source."),
    }, status=400 if form.errors else 200)


@manage_view(MANAGE)
def element_edit(request, pk: int):
    element = _element(pk)
    form = ElementEditForm(request.POST or None, user=request.user,
                           initial={"name": element.name, "entity": element.entity, "description": element.description})
    if request.method == "POST":
        done, _saved = submit(request, form, lambda: quality.update_element(request.user, element.pk,
                                                                            **form.service_values()),
                              _("The changes have been saved."))
        if done:
            return redirect("manage:datahub:element", element.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Edit data element “%(name)s”") % {"name": element.name},
        "cancel_url": reverse("manage:datahub:element", args=[element.pk]),
    }, status=400 if form.errors else 200)


@require_GET
@manage_view(VIEW)
def element_detail(request, pk: int):
    return _element_page(request, _element(pk))


def _element(pk: int) -> DataElement:
    element = DataElement.objects.filter(pk=pk).first()
    if element is None:
        raise Http404
    return element


def _element_page(request, element: DataElement, form: CarrierForm | None = None, status: int = 200):
    can_manage = has_permission(request.user, MANAGE)
    open_counts = {row["dataset_id"]: row["n"] for row in quality.visible_discrepancies(request.user).filter(
        element=element, state=DiscrepancyState.OPEN).order_by().values("dataset_id").annotate(n=Count("pk"))}
    carriers = [{"carrier": c, "open": open_counts.get(c.dataset_id, 0)}
                for c in element.carriers.select_related("dataset__unit")]
    return render(request, "datahub/quality/element.html", {
        "element": element, "carriers": carriers, "can_manage": can_manage,
        "master_count": element.master_values.filter(valid_to__isnull=True).count(),
        "form": form or (CarrierForm(user=request.user, prefix="carrier") if can_manage else None),
    }, status=status)


@require_POST
@manage_view(MANAGE)
def carrier_add(request, pk: int):
    element = _element(pk)
    form = CarrierForm(request.POST, user=request.user, prefix="carrier")
    done, _carrier = submit(request, form, lambda: quality.add_carrier(request.user, element.pk,
                                                                       **form.service_values()),
                            _("The dataset is now checked against the authoritative source."))
    if done:
        return redirect("manage:datahub:element", element.pk)
    return _element_page(request, element, form, status=400)


@require_POST
@manage_view(MANAGE)
def carrier_remove(request, pk: int):
    carrier = ElementCarrier.objects.filter(pk=pk).first()
    if carrier is None:
        raise Http404
    perform(request, lambda: quality.remove_carrier(request.user, carrier.pk),
            _("The dataset is no longer checked against this element."))
    return redirect("manage:datahub:element", carrier.element_id)


# --- Discrepancies -------------------------------------------------------------------------------------


def discrepancy_list_spec(user) -> ListSpec:
    return ListSpec(
        name="datahub.discrepancies", title=gettext_lazy("Discrepancies"),
        columns=(
            Column("element__name", gettext_lazy("Data element"), order_by="element__name"),
            Column("key", gettext_lazy("Key"), order_by="key"),
            Column("authoritative_value", gettext_lazy("Authoritative value")),
            Column("other_value", gettext_lazy("Value delivered")),
            Column("dataset__name", gettext_lazy("Dataset"), order_by="dataset__code"),
            Column("run__unit__name", gettext_lazy("Submitting unit"), order_by="run__unit__org_path"),
            Column("row", gettext_lazy("Row")),
            Column("state", gettext_lazy("State"), order_by="state"),
            Column("created_at", gettext_lazy("Found at"), order_by="created_at"),
        ),
        filters=(
            ChoiceFilter("element", gettext_lazy("Data element"), "element_id", choices=_element_choices),
            ChoiceFilter("dataset", gettext_lazy("Dataset"), "dataset_id", choices_for=_dataset_choices),
            UnitFilter("unit", gettext_lazy("Submitting unit"), "run__unit_id", user=user, permission=VIEW),
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=DiscrepancyState.choices),
        ),
        search=("key", "other_value"), search_label=gettext_lazy("Key or value"), default_sort="-created_at",
    )


@require_GET
@manage_view(VIEW)
def discrepancy_list(request):
    rows = quality.visible_discrepancies(request.user)
    return discrepancy_list_spec(request.user).bind(request, rows).response(
        "datahub/quality/discrepancies.html", "datahub/quality/_discrepancies_table.html")


# --- Quality issues ------------------------------------------------------------------------------------


def _reason_choices():
    return [(item.pk, item.label) for item in quality.issue_reasons()]


ISSUE_LIST = ListSpec(
    name="datahub.quality_issues", title=gettext_lazy("Quality issues"),
    columns=(
        Column("event__title", gettext_lazy("Title"), order_by="event__title"),
        Column("element__name", gettext_lazy("Data element"), order_by="element__name"),
        Column("dataset__name", gettext_lazy("Dataset"), order_by="dataset__code"),
        Column("unit__name", gettext_lazy("Submitting unit"), order_by="org_path"),
        Column("found", gettext_lazy("Discrepancies found"), order_by="found"),
        Column("stage", gettext_lazy("Stage"), order_by="event__status",
               value=lambda i: quality.issue_state_label(i.event.status) if i.event_id else ""),
        Column("reason__label", gettext_lazy("Cause")),
        Column("event__due_at", gettext_lazy("SLA deadline"), order_by="event__due_at"),
        Column("created_at", gettext_lazy("Found at"), order_by="created_at"),
    ),
    filters=(
        ChoiceFilter("stage", gettext_lazy("Stage"), "event__status", choices=STAGES),
        ChoiceFilter("element", gettext_lazy("Data element"), "element_id", choices=_element_choices),
        ChoiceFilter("dataset", gettext_lazy("Dataset"), "dataset_id", choices_for=_dataset_choices),
        ChoiceFilter("reason", gettext_lazy("Cause"), "reason_id", choices=_reason_choices),
    ),
    search=("event__title", "unit__name"), search_label=gettext_lazy("Title or unit"), default_sort="-created_at",
)


@require_GET
@manage_view(VIEW)
def issue_list(request):
    return ISSUE_LIST.bind(request, quality.visible_issues(request.user)).response(
        "datahub/quality/issues.html", "datahub/quality/_issues_table.html")


def _issue(request, pk: int):
    issue = quality.visible_issues(request.user).filter(pk=pk).first()
    if issue is None:
        raise Http404
    return issue


@require_GET
@manage_view(VIEW)
def issue_detail(request, pk: int):
    return _issue_page(request, _issue(request, pk))


def _action_form(name: str, issue, user, data=None):
    if name == "assign":
        event = issue.event
        handlers = permission_holders(event.assignee_path or event.org_path, quality.HANDLE_EVENTS)
        return AssignForm(data, user=user, prefix=name, handlers=handlers)
    return (ResolveForm if name == "resolve" else CommentForm)(data, user=user, prefix=name)


def _issue_page(request, issue, failed=None, status: int = 200):
    forms = {name: _action_form(name, issue, request.user) for name in quality.issue_actions(request.user, issue)}
    if failed:
        forms[failed[0]] = failed[1]
    entries = [{"entry": e, "label": TIMELINE.get(e.action, events.ACTION_LABELS.get(e.action, e.action)),
                "to": quality.issue_state_label(e.to_state)} for e in timeline(issue.event)] if issue.event_id else []
    return render(request, "datahub/quality/issue.html", {
        "issue": issue, "stage": quality.issue_state_label(issue.event.status) if issue.event_id else "",
        "discrepancies": issue.discrepancies.order_by("row", "key")[:100],
        "timeline": entries,
        "actions": [(name, ACTION_LABELS[name], form) for name, form in forms.items()],
    }, status=status)


@require_POST
@manage_view(VIEW)
def issue_action(request, pk: int, action: str):
    if action not in ACTION_LABELS:
        raise Http404
    issue = _issue(request, pk)
    form = _action_form(action, issue, request.user, request.POST)
    calls = {
        "acknowledge": lambda: quality.acknowledge_issue(request.user, issue.pk, form.cleaned_data["comment"]),
        "assign": lambda: quality.assign_issue(request.user, issue.pk, **form.service_values()),
        "resolve": lambda: quality.resolve_issue(request.user, issue.pk, **form.service_values()),
    }
    done, _result = submit(request, form, calls[action], _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    if done:
        return redirect("manage:datahub:quality_issue", issue.pk)
    return _issue_page(request, _issue(request, pk), failed=(action, form), status=400)


manage_urlpatterns = [
    path("", overview, name="quality_overview"),
    path("elements/", element_list, name="elements"),
    path("elements/new/", element_create, name="element_create"),
    path("elements/<int:pk>/", element_detail, name="element"),
    path("elements/<int:pk>/edit/", element_edit, name="element_edit"),
    path("elements/<int:pk>/carriers/", carrier_add, name="carrier_add"),
    path("carriers/<int:pk>/remove/", carrier_remove, name="carrier_remove"),
    path("discrepancies/", discrepancy_list, name="discrepancies"),
    path("issues/", issue_list, name="quality_issues"),
    path("issues/<int:pk>/", issue_detail, name="quality_issue"),
    path("issues/<int:pk>/<slug:action>/", issue_action, name="quality_issue_action"),
]
