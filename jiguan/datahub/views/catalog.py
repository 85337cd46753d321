"""Management-portal pages of the catalog: the searchable catalog, the dataset page (overview, schema,
rules, versions, runs, lineage neighbours, quality trend), the schema editor, the data page (scoped,
masked rows with filters and Excel export), data sources and the lineage graph."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.errors import ServiceError
from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec, TextFilter
from jiguan.core.models import Dictionary
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter
from jiguan.portals.manage.forms import CommentForm
from jiguan.portals.manage.views.common import perform, submit

from ..forms.catalog import DatasetForm, FieldFormSet, LineageForm, RuleFormSet, SourceForm
from ..models import Channel, Dataset, Layer, Run, Sensitivity, Source, Storage
from ..module import MANAGE, VIEW
from ..services import catalog, quality

LAYER_BADGES = {Layer.RAW: "bg-secondary-lt", Layer.BASE: "bg-blue-lt", Layer.TOPIC: "bg-green-lt",
                Layer.SPECIAL: "bg-purple-lt"}
LAYER_COLOURS = {Layer.RAW: "#868e96", Layer.BASE: "#206bc4", Layer.TOPIC: "#2fb344", Layer.SPECIAL: "#ae3ec9"}
RECENT_RUNS = 10

# --- The catalog ---------------------------------------------------------------------------------------


def _catalog_list(user) -> ListSpec:
    """Built per request: the source filter offers the sources of the datasets this user sees."""
    def sources():
        return Source.objects.filter(datasets__in=catalog.visible_datasets(user)).distinct().values_list("pk", "name")

    return ListSpec(
        name="datahub.catalog", title=gettext_lazy("Data catalog"),
        columns=(
            Column("name", gettext_lazy("Dataset"), order_by="name"),
            Column("code", gettext_lazy("Code"), order_by="code"),
            Column("layer", gettext_lazy("Layer"), order_by="layer"),
            Column("sensitivity", gettext_lazy("Sensitivity"), order_by="sensitivity"),
            Column("unit__name", gettext_lazy("Owner unit"), order_by="unit__org_path"),
            Column("source__name", gettext_lazy("Data source")),
            Column("frequency", gettext_lazy("Update frequency")),
            Column("current_version__rows", gettext_lazy("Rows (current version)")),
            Column("updated_at", gettext_lazy("Updated at"), order_by="updated_at"),
        ),
        filters=(
            TextFilter("text", gettext_lazy("Search"), method=catalog.search, attrs={
                "type": "search", "placeholder": gettext_lazy("Name, code, description or column")}),
            ChoiceFilter("layer", gettext_lazy("Layer"), "layer", choices=Layer.choices),
            ChoiceFilter("sensitivity", gettext_lazy("Sensitivity"), "sensitivity", choices=Sensitivity.choices),
            ChoiceFilter("source", gettext_lazy("Data source"), "source_id", choices=sources),
            UnitFilter("owner", gettext_lazy("Owner unit"), "unit_id", user=user, permission=VIEW),
            BooleanFilter("module", gettext_lazy("Published by a module"), method=_from_module),
        ),
        default_sort="code",
    )


def _from_module(queryset, value: bool):
    return queryset.filter(storage=Storage.MODEL if value else Storage.STORE)


@require_GET
@manage_view(VIEW)
def catalog_list(request):
    datasets = catalog.visible_datasets(request.user).select_related("unit", "source", "current_version")
    listing = _catalog_list(request.user).bind(request, datasets)
    return listing.response("datahub/catalog/list.html", "datahub/catalog/_table.html", {
        "can_manage": has_permission(request.user, MANAGE), "layer_badges": LAYER_BADGES,
    })


# --- The dataset page ------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def dataset_detail(request, code: str):
    dataset = catalog.dataset_in_view(request.user, code)
    user = request.user
    may_manage = scoped(Dataset.objects.filter(pk=dataset.pk), user, MANAGE).exists()
    return render(request, "datahub/catalog/dataset.html", {
        "dataset": dataset,
        "fields": _with_dictionary_names(dataset.fields.all()),
        "rules": dataset.rules.all(),
        "versions": dataset.versions.select_related("run")[:20],
        "runs": scoped(Run.objects.filter(dataset=dataset), user, VIEW).select_related("unit")[:RECENT_RUNS],
        "neighbours": catalog.neighbours(user, dataset),
        "trend": _trend_chart(dataset),
        "can_manage": may_manage,
        "can_edit_schema": may_manage and dataset.storage == Storage.STORE,
        "has_versions": dataset.versions.exists(),
        "layer_badges": LAYER_BADGES,
        "timeline": _history(dataset),
    })


def _with_dictionary_names(fields) -> list:
    """The fields, each dictionary field with its dictionary's name (性别, not its code gender)."""
    fields = list(fields)
    names = dict(Dictionary.objects.filter(code__in={f.dictionary for f in fields if f.dictionary})
                 .values_list("code", "name"))
    for field in fields:
        field.dictionary_name = names.get(field.dictionary, field.dictionary)
    return fields


def _history(obj) -> list:
    labels = {"create": _("Created"), "schema": _("Schema saved"), "deactivate": _("Deactivated"),
              "lineage_add": _("Lineage edge recorded"), "lineage_remove": _("Lineage edge removed")}
    entries = list(timeline(obj))
    for entry in entries:
        entry.action_label = labels.get(entry.action, entry.action)
    return entries


def _trend_chart(dataset: Dataset) -> dict:
    """The quality helper's measures as chart series; empty when none are recorded yet."""
    points = quality.trend(dataset)
    measures = (("completeness", _("Completeness")), ("validity", _("Validity")), ("uniqueness", _("Uniqueness")),
                ("consistency", _("Consistency")), ("timeliness", _("Timeliness")))
    return {
        "at": [timezone.localtime(point["at"]).strftime("%Y-%m-%d %H:%M") for point in points],
        "series": [{"name": str(label), "data": [point.get(key) for point in points]} for key, label in measures],
    }


@manage_view(MANAGE)
def dataset_create(request):
    form = DatasetForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, dataset = submit(request, form, lambda: catalog.create_dataset(request.user, **form.service_values()),
                               _("The dataset has been created. Now define its columns."))
        if done:
            return redirect("manage:datahub:schema", dataset.code)
    return render(request, "manage/form.html", {"form": form, "title": _("New dataset"),
                                                "cancel_url": reverse("manage:datahub:catalog")})


@manage_view(MANAGE)
def dataset_edit(request, code: str):
    dataset = _managed(request, code)
    initial = {name: getattr(dataset, name) for name in ("name", "layer", "description", "sensitivity", "frequency",
                                                          "dirty_limit_rows", "dirty_limit_percent")}
    initial.update(unit=dataset.unit_id, source=dataset.source_id)
    form = DatasetForm(request.POST or None, initial=initial, user=request.user, editing=True)
    back = reverse("manage:datahub:dataset", args=[dataset.code])
    if request.method == "POST":
        done, _saved = submit(request, form, lambda: catalog.update_dataset(request.user, dataset.pk,
                                                                            **form.changed_service_values()),
                              _("The changes have been saved."))
        if done:
            return redirect(back)
    return render(request, "manage/form.html", {"form": form, "cancel_url": back,
                                                "title": _("Edit dataset “%(name)s”") % {"name": dataset.name}})


def _managed(request, code: str) -> Dataset:
    dataset = catalog.dataset_in_view(request.user, code)
    return get_in_scope(Dataset, request.user, MANAGE, dataset.pk)


@manage_view(MANAGE)
def schema_edit(request, code: str):
    dataset = _managed(request, code)
    fields = FieldFormSet(request.POST or None, prefix="fields", initial=catalog.field_values(dataset),
                          form_kwargs={"user": request.user})
    rules = RuleFormSet(request.POST or None, prefix="rules", initial=catalog.rule_values(dataset),
                        form_kwargs={"user": request.user})
    general: list[str] = []
    if request.method == "POST" and fields.is_valid() and rules.is_valid():
        general = _save_schema(request, dataset, fields.rows("is_column"), rules.rows("is_rule"))
        if general is None:
            return redirect("manage:datahub:dataset", dataset.code)
    return render(request, "datahub/catalog/schema.html", {
        "dataset": dataset, "fields": fields, "rules": rules, "has_versions": dataset.versions.exists(),
        "general_errors": general,
    }, status=400 if request.method == "POST" else 200)


def _save_schema(request, dataset: Dataset, columns: list, conditions: list) -> list[str] | None:
    """Call the service with the kept rows. Its errors keyed ``fields.<i>.<name>`` land on that row's input;
    the rest are returned to be shown above the table (None: saved)."""
    try:
        catalog.save_schema(request.user, dataset.pk, fields=[values for _f, values in columns],
                            rules=[values for _f, values in conditions])
    except ServiceError as error:
        messages.error(request, _("The schema was not saved; see the marked columns."))
        errors = getattr(error, "errors", {"": [error.message]})
        return [text for key, texts in errors.items() for text in texts
                if not _place_on_row(key, texts, {"fields": columns, "rules": conditions})]
    messages.success(request, _("The schema has been saved."))
    return None


def _place_on_row(key: str, texts: list[str], rows: dict) -> bool:
    kind, _dot, rest = key.partition(".")
    index, _dot, attribute = rest.partition(".")
    kept = rows.get(kind, [])
    if not (index.isdigit() and int(index) < len(kept)):
        return False
    form = kept[int(index)][0]
    for text in texts:
        form.add_error(attribute if attribute in form.fields else None, text)
    return True


# --- The data page ---------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def dataset_data(request, code: str):
    dataset = catalog.dataset_in_view(request.user, code)
    columns = catalog.columns_of(dataset)
    filters = {c.name: request.GET.get(c.name, "").strip() for c in columns if request.GET.get(c.name, "").strip()}
    sort = request.GET.get("sort", "")
    try:
        if request.GET.get("export") == "xlsx":
            spool, filename = catalog.export(request.user, dataset, filters, sort, request.get_full_path())
            return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
        page = catalog.query(request.user, dataset, filters, _int(request.GET.get("page"), 1),
                             _int(request.GET.get("per_page"), 20), sort)
    except ServiceError as error:
        messages.error(request, error.message)
        page = {"rows": [], "total": 0, "page": 1, "page_size": 20, "has_next": False, "columns": columns}
    return render(request, "datahub/catalog/data.html", {
        "dataset": dataset, "columns": columns, "sort": sort, "page": page,
        "inputs": [(c, filters.get(c.name, "")) for c in columns],
        "table": [[row[c.name] for c in columns] for row in page["rows"]],
        "query": _query(filters, sort), "filter_query": _query(filters, ""), "max_export": catalog.MAX_EXPORT_ROWS,
    })


def _query(filters: dict, sort: str) -> str:
    """The page's parameters for its links (page, sort and export are added by each link)."""
    return urlencode({**filters, **({"sort": sort} if sort else {})})


def _int(value, default: int) -> int:
    return int(value) if str(value or "").isdigit() else default


# --- Sources ---------------------------------------------------------------------------------------------

SOURCE_LIST = ListSpec(
    name="datahub.sources", title=gettext_lazy("Data sources"),
    columns=(
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("code", gettext_lazy("Code"), order_by="code"),
        Column("kind", gettext_lazy("Kind of source"), order_by="kind"),
        Column("channel", gettext_lazy("Channel"), order_by="channel"),
        Column("unit__name", gettext_lazy("Owner unit"), order_by="unit__org_path"),
        Column("contact_name", gettext_lazy("Contact")),
        Column("frequency", gettext_lazy("Update frequency")),
        Column("active", gettext_lazy("Active"), order_by="active"),
    ),
    filters=(
        ChoiceFilter("channel", gettext_lazy("Channel"), "channel", choices=Channel.choices),
        BooleanFilter("active", gettext_lazy("Active"), "active"),
    ),
    search=("name", "code", "unit__name"), default_sort="code",
)


@require_GET
@manage_view(MANAGE)
def source_list(request):
    sources = scoped(Source.objects.select_related("unit"), request.user, MANAGE)
    return SOURCE_LIST.bind(request, sources).response("datahub/catalog/sources.html",
                                                       "datahub/catalog/_sources_table.html")


@manage_view(MANAGE)
def source_create(request):
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, source = submit(request, form, lambda: catalog.create_source(request.user, **form.service_values()),
                              _("The data source has been registered."))
        if done:
            return redirect("manage:datahub:source", source.pk)
    return render(request, "manage/form.html", {"form": form, "title": _("New data source"),
                                                "cancel_url": reverse("manage:datahub:sources")})


@require_GET
@manage_view(MANAGE)
def source_detail(request, pk: int):
    source = get_in_scope(Source, request.user, MANAGE, pk, queryset=Source.objects.select_related("unit"))
    return render(request, "datahub/catalog/source.html", {
        "source": source, "masked_url": catalog.mask_url(source.pull_url),
        "datasets": catalog.visible_datasets(request.user).filter(source=source),
        "timeline": _history(source), "deactivate_form": CommentForm(),
    })


@manage_view(MANAGE)
def source_edit(request, pk: int):
    source = get_in_scope(Source, request.user, MANAGE, pk)
    initial = {name: getattr(source, name) for name in ("name", "kind", "channel", "frequency", "contact_name",
                                                         "contact_phone", "pull_query")}
    initial["unit"] = source.unit_id
    form = SourceForm(request.POST or None, initial=initial, user=request.user, editing=True)
    back = reverse("manage:datahub:source", args=[source.pk])
    if request.method == "POST":
        done, _saved = submit(request, form, lambda: catalog.update_source(request.user, source.pk,
                                                                           **form.changed_service_values()),
                              _("The changes have been saved."))
        if done:
            return redirect(back)
    return render(request, "manage/form.html", {"form": form, "cancel_url": back,
                                                "title": _("Edit data source “%(name)s”") % {"name": source.name}})


@require_POST
@manage_view(MANAGE)
def source_deactivate(request, pk: int):
    source = get_in_scope(Source, request.user, MANAGE, pk)
    perform(request, lambda: catalog.deactivate_source(request.user, source.pk, request.POST.get("comment", "")),
            _("The data source has been deactivated."))
    return redirect("manage:datahub:source", source.pk)


# --- Lineage ---------------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def lineage(request):
    return _lineage_page(request)


def _lineage_page(request, form=None, status: int = 200):
    graph = catalog.lineage_graph(request.user)
    names = {node["code"]: node["name"] for node in graph["nodes"]}
    can_manage = has_permission(request.user, MANAGE)
    managed = set(scoped(Dataset.objects.all(), request.user, MANAGE).values_list("code", flat=True))
    return render(request, "datahub/catalog/lineage.html", {
        "graph": {**graph, "colours": LAYER_COLOURS,
                  "url": reverse("manage:datahub:dataset", args=["__code__"])},
        "edges": [{**edge, "removable": edge["target"] in managed, "origin_name": names[edge["origin"]],
                   "target_name": names[edge["target"]]} for edge in graph["edges"]],
        "can_manage": can_manage,
        "form": form or (LineageForm(user=request.user) if can_manage else None),
    }, status=status)


@require_POST
@manage_view(MANAGE)
def lineage_add(request):
    form = LineageForm(request.POST, user=request.user)
    form.service_names = {"origin": "origin_code", "target": "target_code"}
    done, _edge = submit(request, form, lambda: catalog.add_lineage(request.user, **form.service_values()),
                         _("The lineage edge has been recorded."))
    if done:
        return redirect("manage:datahub:lineage")
    return _lineage_page(request, form=form, status=400)


@require_POST
@manage_view(MANAGE)
def lineage_remove(request, pk: int):
    perform(request, lambda: catalog.remove_lineage(request.user, pk), _("The lineage edge has been removed."))
    return redirect("manage:datahub:lineage")


manage_urlpatterns = [
    path("", catalog_list, name="catalog"),
    path("datasets/new/", dataset_create, name="dataset_create"),
    path("datasets/<str:code>/", dataset_detail, name="dataset"),
    path("datasets/<str:code>/edit/", dataset_edit, name="dataset_edit"),
    path("datasets/<str:code>/schema/", schema_edit, name="schema"),
    path("datasets/<str:code>/data/", dataset_data, name="dataset_data"),
    path("sources/", source_list, name="sources"),
    path("sources/new/", source_create, name="source_create"),
    path("sources/<int:pk>/", source_detail, name="source"),
    path("sources/<int:pk>/edit/", source_edit, name="source_edit"),
    path("sources/<int:pk>/deactivate/", source_deactivate, name="source_deactivate"),
    path("lineage/", lineage, name="lineage"),
    path("lineage/add/", lineage_add, name="lineage_add"),
    path("lineage/<int:pk>/remove/", lineage_remove, name="lineage_remove"),
]
