"""Choosing a unit, department or person from thousands: a select that searches the server as one types.

A ``PickerField`` is a ``ModelChoiceField`` whose queryset is ``scoped()`` to the permission the form
acts under, so a value outside the user's scope is refused as an invalid choice; its widget renders
only the chosen option(s) and asks ``manage:picker`` for more (tom-select in ``manage.js``). The search
endpoint answers from the same scoped queryset, so it reveals nothing the user could not list anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jiguan.core.listing import SEARCH_MAX_LENGTH
from jiguan.core.models import Account, OrgUnit, Person, Region
from jiguan.core.models.org import Level, UnitKind
from jiguan.core.registry import registry
from jiguan.core.scoping import scoped

from .access import manage_view

RESULTS = 30


@dataclass(frozen=True)
class Picker:
    queryset: Callable[[], QuerySet]
    search: tuple[str, ...]
    label: Callable[[object], str]
    forward: tuple[str, ...] = ()  # other form fields narrowing the choice, as ORM lookups "<field>_id"
    forward_required: bool = False  # nothing to choose until those fields are filled (a building's rooms)
    reached_through: str = ""  # a relation whose scope decides instead of the row's own (a building's rooms)

    def reachable(self, user, permission: str) -> QuerySet:
        """The rows ``user`` reaches through ``permission``: by their own scope, or by ``reached_through``'s."""
        rows = self.queryset()
        if not self.reached_through:
            return scoped(rows, user, permission)
        related = rows.model._meta.get_field(self.reached_through).related_model
        return rows.filter(**{f"{self.reached_through}__in": scoped(related.objects.all(), user, permission)})


def _unit_label(unit: OrgUnit) -> str:
    return f"{unit.name}（{unit.region.name}）"


def _org_label(unit: OrgUnit) -> str:
    return f"{unit.name}（{unit.unit.name}）" if unit.kind == UnitKind.DEPARTMENT else _unit_label(unit)


PICKERS: dict[str, Picker] = {
    "unit": Picker(
        lambda: OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True).select_related("region"),
        ("name", "short_name", "credit_code"), _unit_label,
    ),
    "org": Picker(
        lambda: OrgUnit.objects.filter(active=True).select_related("region", "unit"),
        ("name", "short_name", "credit_code"), _org_label,
    ),
    "department": Picker(
        lambda: OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, active=True).select_related("unit"),
        ("name",), _org_label, forward=("unit",),
    ),
    "person": Picker(
        lambda: Person.objects.select_related("unit"), ("name",), lambda p: f"{p.name}（{p.unit.name}）",
        forward=("unit",),
    ),
    "account": Picker(
        lambda: Account.objects.filter(is_active=True).select_related("unit"), ("username", "display_name"),
        lambda a: f"{a}（{a.username}）",
    ),
}


def register_picker(kind: str, picker: Picker) -> None:
    """A module's own searchable kind (e.g. its rooms), named ``<module>.<thing>``; call at import time
    of the module's pickers, which its AppConfig.ready() imports so the search endpoint knows it."""
    if kind in PICKERS and PICKERS[kind] != picker:
        raise ValueError(f"picker kind {kind!r} is already registered")
    PICKERS[kind] = picker


class RemotePicker(forms.Select):
    """Renders only the chosen option; ``manage.js`` turns it into a searching select."""

    def __init__(self, kind: str, permission: str, attrs=None):
        super().__init__(attrs)
        self.attrs.setdefault("class", "form-select")  # in a form or a filter bar alike
        self.attrs.setdefault("placeholder", _("Type to search"))
        self.kind, self.permission = kind, permission

    def get_context(self, name, value, attrs):
        url = reverse("manage:picker", args=[self.kind]) + "?" + urlencode({"perm": self.permission})
        attrs = {**(attrs or {}), "data-picker": url, "data-forward": ",".join(PICKERS[self.kind].forward)}
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        iterator = self.choices
        chosen = [v for v in value if str(v).isdigit()]
        selected = [iterator.choice(obj) for obj in iterator.queryset.filter(pk__in=chosen)] if chosen else []
        self.choices = ([] if self.allow_multiple_selected else [("", "")]) + selected
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = iterator


class RemoteMultiPicker(RemotePicker, forms.SelectMultiple):
    pass


OUT_OF_SCOPE = _("Choose from the list: the value given does not exist or is outside your data scope.")


class PickerMixin:
    def __init__(self, kind: str, permission: str, **kwargs):
        self.picker, self.permission = PICKERS[kind], permission
        kwargs.setdefault("error_messages", {}).setdefault("invalid_choice", OUT_OF_SCOPE)
        widget = (RemoteMultiPicker if self.multiple else RemotePicker)(kind, permission)
        super().__init__(queryset=self.picker.queryset(), widget=widget, **kwargs)

    def limit_to(self, user) -> None:
        """Only what ``user`` reaches through the permission can be chosen (call from the form's __init__)."""
        self.queryset = self.picker.reachable(user, self.permission)

    def label_from_instance(self, obj) -> str:
        return self.picker.label(obj)


class PickerField(PickerMixin, forms.ModelChoiceField):
    multiple = False


class MultiPickerField(PickerMixin, forms.ModelMultipleChoiceField):
    multiple = True


class RegionField(forms.ModelChoiceField):
    """The regions below the nation, indented by level; few enough for a locally searched select."""

    INDENT = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.TOWNSHIP: 3}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Select(attrs={"data-searchable": "1"}))
        super().__init__(queryset=Region.objects.exclude(level=Level.NATIONAL), to_field_name="code", **kwargs)

    def label_from_instance(self, region: Region) -> str:
        return "\u3000" * self.INDENT.get(region.level, 0) + region.name


@require_GET
@manage_view()
def picker_search(request, kind: str):
    """``[{"value", "text"}]`` for the search ``q`` among the rows ``perm`` reaches (at most 30)."""
    picker = PICKERS.get(kind)
    permission = request.GET.get("perm", "")
    if picker is None or permission not in registry.permissions():
        raise Http404
    queryset = picker.reachable(request.user, permission)
    for name in picker.forward:
        value = request.GET.get(name, "")
        if value.isdigit():
            queryset = queryset.filter(**{f"{name}_id": value})
        elif picker.forward_required:
            queryset = queryset.none()
    term = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    if term:
        queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": term}) for f in picker.search)))
    results = [{"value": str(obj.pk), "text": picker.label(obj)} for obj in queryset[:RESULTS]]
    return JsonResponse({"results": results})
