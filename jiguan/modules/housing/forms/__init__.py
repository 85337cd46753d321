"""Forms of the housing stock. They parse input and name fields as ``services`` takes them; the services
decide what is allowed (one file per workflow: applications, waiting, offers)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import RegionField

from ..models import MeterKind, RentBasis

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
MONEY = {"max_digits": 10, "decimal_places": 2, "required": False}


class EstateForm(PortalForm):
    service_names = {"region": "region_code"}
    name = forms.CharField(label=_("Name"), max_length=100)
    region = RegionField(label=_("Region"), help_text=_("The district or county where the estate stands."))
    address = forms.CharField(label=_("Address"), max_length=200)
    rent_basis = forms.ChoiceField(label=_("Rent basis"), choices=RentBasis.choices, widget=forms.RadioSelect,
                                   initial=RentBasis.PER_SQUARE_METRE)
    rent_per_sqm = forms.DecimalField(label=_("Monthly rent per ㎡ (yuan)"), **MONEY)
    rent_per_flat = forms.DecimalField(label=_("Monthly rent per flat (yuan)"), **MONEY)
    market_rent_per_sqm = forms.DecimalField(label=_("Monthly market rent per ㎡ (yuan)"), **MONEY,
                                             help_text=_("Charged for overstaying after a tenancy ends."))


class BuildingForm(PortalForm):
    name = forms.CharField(label=_("Building"), max_length=50)
    floors = forms.IntegerField(label=_("Floors"), min_value=1, max_value=100)


class FlatForm(PortalForm):
    """The furnishing inventory is typed one item per line, ``name count`` (e.g. ``床 2``)."""

    unit_no = forms.CharField(label=_("Flat number"), max_length=20)
    floor = forms.IntegerField(label=_("Floor"))
    layout = forms.CharField(label=_("Layout"), max_length=20, help_text=_("E.g. 两室一厅."))
    bedrooms = forms.IntegerField(label=_("Bedrooms"))
    floor_area = forms.DecimalField(label=_("Floor area (㎡)"), max_digits=8, decimal_places=2)
    furnishings = forms.CharField(label=_("Furnishing inventory"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("One item per line with its count, e.g. “床 2”."))

    def clean_furnishings(self) -> list[dict]:
        items = []
        for line in self.cleaned_data["furnishings"].splitlines():
            name, _space, count = line.strip().rpartition(" ")
            if not line.strip():
                continue
            if not name or not count.isdigit():
                raise forms.ValidationError(_("Write each line as the item and its count, e.g. “床 2”: “%(line)s”.")
                                            % {"line": line.strip()})
            items.append({"item": name.strip(), "count": int(count)})
        return items


def furnishing_text(items: list[dict]) -> str:
    return "\n".join(f"{entry['item']} {entry['count']}" for entry in items)


class FlatStateForm(PortalForm):
    action = forms.ChoiceField(choices=(("repair", "repair"), ("repaired", "repaired"), ("retire", "retire")),
                               widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Remarks"), max_length=500, required=False)


class MeterForm(PortalForm):
    kind = forms.ChoiceField(label=_("Meter"), choices=MeterKind.choices)
    number = forms.CharField(label=_("Meter number"), max_length=40)
    last_reading = forms.DecimalField(label=_("Last reading"), max_digits=12, decimal_places=2)
    read_on = forms.DateField(label=_("Read on"), required=False, help_text=_("Leave empty for today."), **DATE)
