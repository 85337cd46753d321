"""The cost ledger's filter bar: region, unit, category, module and period. It parses the query string;
``services.costs.cost_query`` then checks what the values mean (the unit in scope, the period's order)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import registry
from jiguan.portals.manage.pickers import PickerField, RegionField

from ..module import VIEW
from ..services import costs

SELECT = {"class": "form-select"}
DATE = {"type": "date", "class": "form-control"}


class CostFilterForm(forms.Form):
    region = RegionField(label=_("Region"), required=False, empty_label=_("All"))
    unit = PickerField("unit", VIEW, label=_("Unit"), required=False)  # a province holds thousands of agencies
    category = forms.ChoiceField(label=_("Cost category"), required=False, widget=forms.Select(attrs=SELECT))
    module = forms.ChoiceField(label=_("Module"), required=False, widget=forms.Select(attrs=SELECT))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs=DATE))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs=DATE))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.attrs["class"] = "form-select"
        self.fields["unit"].limit_to(user)
        self.fields["unit"].widget.attrs["class"] = "form-select"
        everything = [("", _("All"))]
        self.fields["category"].choices = everything + [(c, c) for c in costs.categories(user)]
        self.fields["module"].choices = everything + [(s.code, s.name) for s in registry]

    def service_values(self) -> dict:
        """The valid filters, as ``cost_query`` takes them (an invalid value drops out, as in every list)."""
        self.is_valid()  # fills cleaned_data with the fields that parsed
        data = self.cleaned_data
        return {
            "region": data["region"].code if data.get("region") else "",
            "unit": data["unit"].pk if data.get("unit") else None,
            "category": data.get("category") or "", "module": data.get("module") or "",
            "start": data.get("start"), "end": data.get("end"),
        }
