"""Filters several lists of the portal share."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.listing import ChoiceFilter, DateFilter, Filter
from jiguan.core.models import Region
from jiguan.core.models.org import Level
from jiguan.core.scoping import regions_reached

from .pickers import PickerField, RegionField


def region_key_choices(regions=None) -> list[tuple[str, str]]:
    """Regions by key (all of them, or ``regions``): a GB/T 2260 key is the prefix of the keys of every
    region below it."""
    indent = RegionField.INDENT
    regions = Region.objects.all() if regions is None else regions
    return [(r.key, "\u3000" * indent.get(r.level, 0) + r.name) for r in regions.exclude(level=Level.NATIONAL)]


class RegionFilter(ChoiceFilter):
    """Rows whose region (``lookup``: a path to a Region's key) is the chosen one or below it, offering the
    regions of the units the user reaches: a county's officer is not shown all of the province. With one
    region or none there is nothing to choose, and the filter is hidden."""

    def __init__(self, param, label, lookup):
        super().__init__(param, label, lookup, attrs={"data-searchable": "1"},
                         choices_for=lambda user: region_key_choices(regions_reached(user)))

    def build_field(self) -> forms.Field:
        field = super().build_field()
        if len(field.choices) <= 2:  # "All" and at most one region
            field.widget = forms.HiddenInput()
        return field


def region_filter(region_field: str = "region") -> RegionFilter:
    """Rows whose region (``region_field``, a path to a Region) is the chosen one or below it."""
    return RegionFilter("region", _("Region"), f"{region_field}__key__startswith")


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
