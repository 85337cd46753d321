"""Forms of leases and the annual review: signing (terms proposed by ``services.leases.prepare_lease``), the
check-in inspection (one row per furnishing, one field per meter), renewal, the tenant's problem report
and review declaration, the bureau's campaign and decision. They parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..services.leases import Condition

DATE_INPUT = {"type": "date"}
YES_NO = [("true", _("Yes")), ("false", _("No"))]


def yes_no_field(label, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda value: value == "true",
                                  widget=forms.RadioSelect, **kwargs)


class SignForm(PortalForm):
    started_on = forms.DateField(label=_("Tenancy starts on"), widget=forms.DateInput(attrs=DATE_INPUT))
    months = forms.IntegerField(label=_("Term (months)"))
    deposit_paid_on = forms.DateField(label=_("Deposit paid on"), required=False,
                                      widget=forms.DateInput(attrs=DATE_INPUT),
                                      help_text=_("Leave empty if the deposit is not paid yet."))
    house_rules = forms.CharField(label=_("House rules"), widget=forms.Textarea(attrs={"rows": 6}))


class InspectionForm(PortalForm):
    """The inspection (check-in, and check-out's base) of ``inventory`` (``[{"item", "count"}]``) and ``meters``;
    ``service_values()`` gives the service's ``inspected_on``, ``items``, ``meter_readings`` and ``notes``."""

    inspected_on = forms.DateField(label=_("Inspected on"), widget=forms.DateInput(attrs=DATE_INPUT))

    def __init__(self, *args, inventory: list[dict], meters, **kwargs):
        self.inventory, self.meters = inventory, list(meters)
        super().__init__(*args, **kwargs)
        for index, entry in enumerate(self.inventory):
            self.fields[f"item_{index}_found"] = forms.IntegerField(label=entry["item"], initial=entry["count"])
            self.fields[f"item_{index}_condition"] = forms.ChoiceField(
                label=_("Condition found"), choices=Condition.choices, initial=Condition.GOOD)
            self.fields[f"item_{index}_note"] = forms.CharField(label=_("Note"), required=False)
        for meter in self.meters:
            self.fields[f"reading_{meter.kind}"] = forms.CharField(
                label=meter.get_kind_display(), help_text=_("Last reading %(reading)s on %(day)s")
                % {"reading": meter.last_reading, "day": meter.read_on})
        self.fields["notes"] = forms.CharField(label=_("Remarks"), required=False,
                                               widget=forms.Textarea(attrs={"rows": 2}))

    def item_rows(self) -> list[tuple]:
        return [(entry, self[f"item_{i}_found"], self[f"item_{i}_condition"], self[f"item_{i}_note"])
                for i, entry in enumerate(self.inventory)]

    def meter_fields(self) -> list:
        return [(meter, self[f"reading_{meter.kind}"]) for meter in self.meters]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "inspected_on": data["inspected_on"], "notes": data["notes"],
            "items": [{"item": entry["item"], "found": data[f"item_{i}_found"],
                       "condition": data[f"item_{i}_condition"], "note": data[f"item_{i}_note"]}
                      for i, entry in enumerate(self.inventory)],
            "meter_readings": {meter.kind: data[f"reading_{meter.kind}"] for meter in self.meters},
        }


class RenewForm(PortalForm):
    months = forms.IntegerField(label=_("Renew for (months)"))
    monthly_rent = forms.DecimalField(label=_("Monthly rent (yuan)"), required=False, decimal_places=2,
                                      help_text=_("Empty: the current rent."))
    comment = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CampaignForm(PortalForm):
    region_code = forms.ChoiceField(label=_("Region"))
    year = forms.IntegerField(label=_("Year"))
    declare_by = forms.DateField(label=_("Tenants declare by"), widget=forms.DateInput(attrs=DATE_INPUT))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [(region.code, region.name) for region in regions]


class DecisionForm(PortalForm):
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Required when the review fails: the tenancy ends as no longer "
                                           "eligible."))


class ProblemForm(ServiceForm):
    title = forms.CharField(label=_("What is wrong with the flat"), max_length=200)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("Where in the flat, since when, and how to reach you."))


class DeclarationForm(ServiceForm):
    still_employed = yes_no_field(_("I still work at my unit"))
    owns_home = yes_no_field(_("I or my family own a home in the city"))
    household_changes = forms.CharField(label=_("Changes in the household"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}),
                                        help_text=_("Marriage, birth, family members moving in or out."))
