"""Forms of housing applications: the staff member's application (service portal, with up to
``FAMILY_ROWS`` family members) and the unit's and bureau's decisions (management portal)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..models import Category, Refusal, Relation
from ..models.applications import HARDSHIP_LEVELS

FAMILY_ROWS = 4


def _family_input(label) -> forms.TextInput:
    """A family row's text box: its label is its placeholder (the rows are a compact grid on a phone)."""
    return forms.TextInput(attrs={"class": "form-control", "placeholder": label, "aria-label": label})


class ApplyForm(ServiceForm):
    category = forms.ChoiceField(label=_("Eligibility category"), choices=Category.choices)
    category_date = forms.DateField(label=_("Date of transfer, recruitment or exchange"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    hardship_notes = forms.CharField(label=_("Hardship"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3, "placeholder": _(
                                         "E.g. spouse without work here, a child at school, illness in the family")}))
    attachment = forms.FileField(label=_("Supporting document"), required=False,
                                 help_text=_("Optional: e.g. the transfer or recruitment notice (PDF or image)."))
    no_home_declared = forms.BooleanField(label=_("I declare that my family and I own no home in this city."),
                                          required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["no_home_declared"].widget.attrs["class"] = "form-check-input"
        for row in range(1, FAMILY_ROWS + 1):  # added after ServiceForm styled the declared fields: styled here
            self.fields[f"family_{row}_name"] = forms.CharField(label=_("Full name"), required=False, max_length=50,
                                                                widget=_family_input(_("Full name")))
            self.fields[f"family_{row}_relation"] = forms.ChoiceField(
                label=_("Relation"), required=False, choices=[("", _("Relation")), *Relation.choices],
                widget=forms.Select(attrs={"class": "form-select", "aria-label": _("Relation")}))
            self.fields[f"family_{row}_id_number"] = forms.CharField(label=_("ID number"), required=False,
                                                                     max_length=18, widget=_family_input(_("ID number")))

    def family_rows(self) -> list[list]:
        return [[self[f"family_{row}_{part}"] for part in ("name", "relation", "id_number")]
                for row in range(1, FAMILY_ROWS + 1)]

    def service_values(self) -> dict:
        data = self.cleaned_data
        family = [{part: data.get(f"family_{row}_{part}", "") for part in ("name", "relation", "id_number")}
                  for row in range(1, FAMILY_ROWS + 1)]
        return {
            "category": data.get("category"), "category_date": data.get("category_date"),
            "no_home_declared": data.get("no_home_declared"), "hardship_notes": data.get("hardship_notes"),
            "family": [member for member in family if any(member.values())],
        }

    @classmethod
    def initial_from(cls, application) -> dict:
        initial = {"category": application.category, "category_date": application.category_date,
                   "hardship_notes": application.hardship_notes, "no_home_declared": True}
        for row, member in enumerate(application.family.all(), start=1):
            initial.update({f"family_{row}_name": member.name, f"family_{row}_relation": member.relation,
                            f"family_{row}_id_number": member.id_number})
        return initial


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Remarks"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(PortalForm):
    hardship_level = forms.TypedChoiceField(label=_("Hardship level"), coerce=int, initial=0,
                                            choices=[(level, str(level)) for level in range(HARDSHIP_LEVELS + 1)],
                                            help_text=_("0 none · 1 some · 2 serious · 3 severe."))
    comment = forms.CharField(label=_("Remarks"), max_length=1000, required=False)


class RejectForm(PortalForm):
    refusal = forms.ChoiceField(label=_("Reason not eligible"), choices=Refusal.choices)
    comment = forms.CharField(label=_("Explanation to the applicant"), max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))
