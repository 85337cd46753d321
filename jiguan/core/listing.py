"""Lists: whitelisted filters and sorting, search, pagination and Excel export for every list page.

A page declares its ``ListSpec`` once and binds it, per request, to a queryset that is already
``scoped()`` (the spec never widens what the caller passes in)::

    UNITS = ListSpec(
        name="units", title=_("Units"),
        columns=(Column("name", _("Name"), order_by="name"), Column("region__name", _("Region"))),
        filters=(BooleanFilter("active", _("Active"), "active"),),
        search=("name", "credit_code"),
    )

    def unit_list(request):
        queryset = scoped(OrgUnit.objects.select_related("region"), request.user, "core.view_units")
        return UNITS.bind(request, queryset).response("manage/units/list.html", "manage/units/_table.html")

Only declared parameters reach the ORM: an unknown filter or sort parameter is ignored and a malformed
value is dropped by the filter's form field. ``?export=xlsx`` streams all filtered rows (up to
``MAX_EXPORT_ROWS``) as Excel with the columns' Chinese headers and writes the access log; the caller's
permission check therefore covers the export too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from functools import cached_property, reduce
from operator import or_
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .access import is_htmx
from .crypto import EncryptedTextField
from .excel import xlsx_response
from .models.audit import AccessKind
from .services.common import attributed_to

Text = str | Promise
PAGE_SIZES = (20, 50, 100)
MAX_EXPORT_ROWS = 50_000
SEARCH_MAX_LENGTH = 100
EXPORT_CHUNK = 2000
RESERVED_PARAMS = frozenset({"q", "sort", "page", "per_page", "export"})


def read_attribute(obj: Any, path: str) -> Any:
    """``region__name`` → ``obj.region.name``; a field with choices gives its label."""
    *relations, last = path.split("__")
    for name in relations:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    display = getattr(obj, f"get_{last}_display", None)
    return display() if callable(display) else getattr(obj, last, None)


def _model_field(model: type[models.Model], path: str) -> models.Field | None:
    field_ = None
    for name in path.split("__"):
        if model is None:
            return None
        try:
            field_ = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None  # a property or method: the caller decides what it shows
        model = field_.related_model
    return field_


# --- Filters --------------------------------------------------------------------------------------


class Filter:
    """One whitelisted filter: its query parameter, the form field that parses it, and how it narrows rows.

    ``lookup`` is an ORM lookup applied as ``filter(**{lookup: value})``; ``method(queryset, value)``
    is for anything else (e.g. "overdue"). Empty values do not filter. ``attrs`` go on the widget.
    """

    def __init__(self, param: str, label: Text, lookup: str | None = None, *, method: Callable | None = None,
                 attrs: dict | None = None):
        if (lookup is None) == (method is None):
            raise ImproperlyConfigured(f"filter {param!r} needs exactly one of lookup and method")
        if param in RESERVED_PARAMS:
            raise ImproperlyConfigured(f"filter parameter {param!r} is reserved by the list")
        self.param, self.label, self.lookup, self.method = param, label, lookup, method
        self.attrs = attrs or {}

    def for_user(self, user) -> Filter:
        """This filter as ``user`` sees it (a filter whose choices depend on the user's scope narrows them)."""
        return self

    def form_field(self) -> forms.Field:
        field = self.build_field()
        field.widget.attrs.update(self.attrs)
        return field

    def build_field(self) -> forms.Field:
        raise NotImplementedError

    def apply(self, queryset: models.QuerySet, value) -> models.QuerySet:
        if self.method is not None:
            return self.method(queryset, value)
        return queryset.filter(**{self.lookup: value})


class ChoiceFilter(Filter):
    """A value from a fixed set. ``choices`` may be a callable, evaluated per request (registry, database);
    ``choices_for(user)`` instead gives the choices the list's user may see (a value outside them is ignored)."""

    def __init__(self, param, label, lookup=None, *, choices: Iterable | Callable[[], Iterable] = (),
                 choices_for: Callable[[Any], Iterable] | None = None, method=None, attrs=None):
        super().__init__(param, label, lookup, method=method, attrs=attrs)
        self.choices, self.choices_for = choices, choices_for

    def for_user(self, user) -> Filter:
        """A copy (of the same kind: a subclass keeps its field) whose choices are this user's."""
        if self.choices_for is None:
            return self
        bound = copy(self)
        bound.choices = lambda: self.choices_for(user)
        return bound

    def build_field(self) -> forms.Field:
        choices = self.choices() if callable(self.choices) else self.choices
        return forms.ChoiceField(
            label=self.label, required=False, choices=[("", _("All"))] + [(str(k), v) for k, v in choices],
            widget=forms.Select(attrs={"class": "form-select"}),
        )


class BooleanFilter(Filter):
    def build_field(self) -> forms.Field:
        return forms.TypedChoiceField(
            label=self.label, required=False, choices=[("", _("All")), ("1", _("Yes")), ("0", _("No"))],
            coerce=lambda value: value == "1", empty_value=None,
            widget=forms.Select(attrs={"class": "form-select"}),
        )


class DateFilter(Filter):
    """A date bound, e.g. ``DateFilter("from", _("From"), "at__date__gte")``."""

    def build_field(self) -> forms.Field:
        return forms.DateField(
            label=self.label, required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
        )


class IdFilter(Filter):
    """A record number carried in the URL (e.g. people of one unit, linked from the unit's page); hidden
    in the filter bar. It can only narrow: the queryset is already scoped."""

    def build_field(self) -> forms.Field:
        return forms.IntegerField(label=self.label, required=False, min_value=1, widget=forms.HiddenInput)


class TextFilter(Filter):
    def build_field(self) -> forms.Field:
        return forms.CharField(
            label=self.label, required=False, max_length=SEARCH_MAX_LENGTH,
            widget=forms.TextInput(attrs={"class": "form-control"}),
        )


# --- Columns and the spec -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the list and of its export.

    ``key`` names it in ``?sort=`` and is the attribute path read by default (``region__name``);
    ``order_by`` makes it sortable (ORM expressions, whitelisted by being declared here);
    ``value(obj)`` overrides how the cell is read. Personal data must be read through the masked
    properties (``id_number_masked``): a column reading an encrypted field directly is refused.
    """

    key: str
    label: Text
    order_by: str | tuple[str, ...] | None = None
    value: Callable[[Any], Any] | None = None
    display: bool = True
    export: bool = True

    def read(self, obj: Any) -> Any:
        return self.value(obj) if self.value is not None else read_attribute(obj, self.key)

    @property
    def ordering(self) -> tuple[str, ...]:
        return (self.order_by,) if isinstance(self.order_by, str) else tuple(self.order_by or ())


@dataclass(frozen=True)
class ListSpec:
    name: str  # short English name, used in the access log
    title: Text  # shown as the sheet title and file name of the export
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    search: tuple[str, ...] = ()  # fields searched with icontains (encrypted fields cannot be searched)
    default_sort: str = ""  # a column key, "-key" for descending; empty keeps the queryset's order
    search_label: Text = field(default=gettext_lazy("Search"))

    def __post_init__(self):
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ImproperlyConfigured(f"list {self.name!r} declares a column key twice")
        if self.default_sort and self.default_sort.lstrip("-") not in self.sortable:
            raise ImproperlyConfigured(f"list {self.name!r}: default sort {self.default_sort!r} is not sortable")

    @property
    def sortable(self) -> dict[str, tuple[str, ...]]:
        return {c.key: c.ordering for c in self.columns if c.order_by}

    def bind(self, request: HttpRequest, queryset: models.QuerySet) -> Listing:
        return Listing(self, request, queryset)


def _refuse_encrypted_columns(spec: ListSpec, model: type[models.Model]) -> None:
    for column in spec.columns:
        if column.value is None and isinstance(_model_field(model, column.key), EncryptedTextField):
            raise ImproperlyConfigured(
                f"list {spec.name!r}: column {column.key!r} reads encrypted personal data; use the masked property"
            )


# --- A spec bound to one request ------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    label: Text
    sortable: bool
    active: bool = False
    descending: bool = False
    url: str = ""


@dataclass(frozen=True)
class Record:
    obj: Any
    cells: list


class Listing:
    """The filtered, sorted, paginated rows for one request, and what the templates need to draw them."""

    def __init__(self, spec: ListSpec, request: HttpRequest, queryset: models.QuerySet):
        _refuse_encrypted_columns(spec, queryset.model)
        self.spec, self.request = spec, request
        self.filters = [filter_.for_user(request.user) for filter_ in spec.filters]
        self.form = self._build_form()
        self.form.is_valid()  # invalid values simply drop out of cleaned_data
        self.values = {k: v for k, v in self.form.cleaned_data.items() if v is not None and v != ""}
        self.sort_key, self.descending = self._parse_sort(request.GET.get("sort", ""))
        self.queryset = self._order(self._filter(queryset))
        self.per_page = self._parse_per_page(request.GET.get("per_page"))

    # parsing ---------------------------------------------------------------------------------------

    def _build_form(self) -> forms.Form:
        form = forms.Form(self.request.GET)
        if self.spec.search:
            form.fields["q"] = forms.CharField(
                label=self.spec.search_label, required=False, max_length=SEARCH_MAX_LENGTH, strip=True,
                widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
            )
        for filter_ in self.filters:
            form.fields[filter_.param] = filter_.form_field()
        return form

    def _parse_sort(self, raw: str) -> tuple[str, bool]:
        key = raw.lstrip("-")
        if key in self.spec.sortable:
            return key, raw.startswith("-")
        default = self.spec.default_sort
        return default.lstrip("-"), default.startswith("-")

    @staticmethod
    def _parse_per_page(raw: str | None) -> int:
        return int(raw) if raw in {str(size) for size in PAGE_SIZES} else PAGE_SIZES[0]

    def _filter(self, queryset: models.QuerySet) -> models.QuerySet:
        for filter_ in self.filters:
            if filter_.param in self.values:
                queryset = filter_.apply(queryset, self.values[filter_.param])
        term = self.values.get("q")
        if term:
            queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": term}) for f in self.spec.search)))
        return queryset

    def _order(self, queryset: models.QuerySet) -> models.QuerySet:
        if not self.sort_key:
            return queryset if queryset.ordered else queryset.order_by("pk")  # pages need a stable order
        ordering = [_flip(o) if self.descending else o for o in self.spec.sortable[self.sort_key]]
        return queryset.order_by(*ordering, "-pk" if self.descending else "pk")  # pk: stable pages

    # what templates use ---------------------------------------------------------------------------------

    @cached_property
    def page(self) -> Page:
        return Paginator(self.queryset, self.per_page).get_page(self.request.GET.get("page"))

    @property
    def records(self) -> list[Record]:
        columns = [c for c in self.spec.columns if c.display]
        return [Record(obj, [c.read(obj) for c in columns]) for obj in self.page.object_list]

    @property
    def headers(self) -> list[Header]:
        headers = []
        for column in self.spec.columns:
            if not column.display:
                continue
            if not column.order_by:
                headers.append(Header(column.label, sortable=False))
                continue
            active = column.key == self.sort_key
            next_sort = f"-{column.key}" if active and not self.descending else column.key
            headers.append(Header(column.label, True, active, active and self.descending,
                                  self.url(sort=next_sort, page=None)))
        return headers

    @property
    def page_sizes(self) -> list[tuple[int, str, bool]]:
        return [(size, self.url(per_page=size, page=None), size == self.per_page) for size in PAGE_SIZES]

    @property
    def is_filtered(self) -> bool:
        return bool(self.values)

    @property
    def export_url(self) -> str:
        return self.url(export="xlsx", page=None)

    @property
    def reset_url(self) -> str:
        return self.request.path

    def url(self, **changes) -> str:
        """This list's URL with some parameters changed (``None`` removes one)."""
        params = self.request.GET.copy()
        params.pop("export", None)
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        query = urlencode(sorted(params.lists()), doseq=True)
        return f"{self.request.path}?{query}" if query else self.request.path

    @property
    def pagination(self) -> list[tuple[int | None, str, bool]]:
        """``(number, url, current)`` for the page links; ``None`` marks an ellipsis."""
        page = self.page
        numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        return [
            (None, "", False) if n == page.paginator.ELLIPSIS else (n, self.url(page=n), n == page.number)
            for n in numbers
        ]

    # responses ----------------------------------------------------------------------------------------

    @property
    def export_requested(self) -> bool:
        return self.request.GET.get("export") == "xlsx"

    def export(self) -> HttpResponse:
        """All filtered rows as .xlsx, logged in the access log; refused above ``MAX_EXPORT_ROWS``."""
        count = self.queryset.count()
        if count > MAX_EXPORT_ROWS:
            messages.error(
                self.request,
                _("The export has %(count)s rows; at most %(max)s rows can be exported at once. "
                  "Narrow the filters and export again.") % {"count": count, "max": MAX_EXPORT_ROWS},
            )
            return HttpResponseRedirect(self.url())
        columns = [c for c in self.spec.columns if c.export]
        rows = ([c.read(obj) for c in columns] for obj in self.queryset.iterator(chunk_size=EXPORT_CHUNK))
        title = str(self.spec.title)
        response = xlsx_response(f"{title}-{timezone.localdate():%Y%m%d}", title, [str(c.label) for c in columns], rows)
        with attributed_to(self.request.user):  # also when no middleware named the actor (a job, a test)
            audit.log_access(AccessKind.EXPORT, self.request.get_full_path(), detail=f"{self.spec.name}: {count} rows",
                             method="GET", status=200)
        return response

    def response(self, template: str, partial_template: str | None = None, context: dict | None = None) -> HttpResponse:
        """The export, the list fragment for htmx, or the whole page."""
        if self.export_requested:
            return self.export()
        context = {"listing": self, **(context or {})}
        use_partial = partial_template is not None and is_htmx(self.request)
        response = render(self.request, partial_template if use_partial else template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


def _flip(ordering: str) -> str:
    return ordering[1:] if ordering.startswith("-") else f"-{ordering}"

