"""Filters several lists of the portal share."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.listing import ChoiceFilter, DateFilter, Filter
from jiguan.core.models import Region
from jiguan.core.models.org import Level

from .pickers import PickerField, RegionField


def region_key_choices() -> list[tuple[str, str]]:
    """Regions by key: a GB/T 2260 key is the prefix of the keys of every region below it."""
    indent = RegionField.INDENT
    return [(r.key, "\u3000" * indent.get(r.level, 0) + r.name) for r in Region.objects.exclude(level=Level.NATIONAL)]


def region_filter(region_field: str = "region") -> ChoiceFilter:
    """Rows whose region (``region_field``, a path to a Region) is the chosen one or below it."""
    return ChoiceFilter("region", _("Region"), f"{region_field}__key__startswith", choices=region_key_choices,
                        attrs={"data-searchable": "1"})


def date_range(field: str = "at") -> tuple[DateFilter, DateFilter]:
    return (
        DateFilter("from", _("From"), f"{field}__date__gte"),
        DateFilter("to", _("To"), f"{field}__date__lte"),
    )


class UnitFilter(Filter):
    """A unit chosen with the searching picker, among those ``permission`` reaches for ``user``: a province
    holds thousands of agencies (a select of them all was 180 KB on every page of a list)."""

    def __init__(self, param, label, lookup, *, user, permission: str, kind: str = "unit"):
        super().__init__(param, label, lookup)
        self.user, self.permission, self.kind = user, permission, kind

    def build_field(self) -> forms.Field:
        field = PickerField(self.kind, self.permission, label=self.label, required=False)
        field.widget.attrs["placeholder"] = _("All")  # as the filter bar's other selects say
        field.limit_to(self.user)
        return field

    def apply(self, queryset, unit):
        return queryset.filter(**{self.lookup: unit.pk})
