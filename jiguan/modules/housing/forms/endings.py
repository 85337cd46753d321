"""Forms of the end of a tenancy: the bureau's termination, the check-out inspection (one row per furnishing,
one field per meter, a few damage rows) and the tenant's notice. They parse input; ``services.endings``
decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..models import EndReason
from ..services.endings import BUREAU_REASONS
from .leases import DATE_INPUT, InspectionForm

DAMAGE_ROWS = 5


class EndTenancyForm(PortalForm):
    reason = forms.ChoiceField(label=_("Why the tenancy ends"),
                               choices=[(r, EndReason(r).label) for r in BUREAU_REASONS])
    details = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Required for sub-letting, an empty flat and lost eligibility: what was "
                                          "found, when and by whom."))
    ended_on = forms.DateField(label=_("Tenancy ends on"), required=False, widget=forms.DateInput(attrs=DATE_INPUT),
                               help_text=_("Empty: today (for an expired term, its last day)."))


class CheckOutForm(InspectionForm):
    """The check-out inspection plus ``DAMAGE_ROWS`` damage rows; ``service_values()`` adds ``damages``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for row in range(DAMAGE_ROWS):
            self.fields[f"damage_{row}_item"] = forms.CharField(label=_("Damaged item"), required=False)
            self.fields[f"damage_{row}_amount"] = forms.CharField(label=_("Charge (yuan)"), required=False)
            self.fields[f"damage_{row}_note"] = forms.CharField(label=_("Note"), required=False)

    def damage_rows(self) -> list[tuple]:
        return [(self[f"damage_{row}_item"], self[f"damage_{row}_amount"], self[f"damage_{row}_note"])
                for row in range(DAMAGE_ROWS)]

    def service_values(self) -> dict:
        data = self.cleaned_data
        damages = [{"item": data[f"damage_{row}_item"], "amount": data[f"damage_{row}_amount"],
                    "note": data[f"damage_{row}_note"]}
                   for row in range(DAMAGE_ROWS) if data[f"damage_{row}_item"] or data[f"damage_{row}_amount"]]
        return {**super().service_values(), "damages": damages}


class MoveOutForm(ServiceForm):
    move_out_on = forms.DateField(label=_("I move out on"), widget=forms.DateInput(attrs=DATE_INPUT))
    reason = forms.CharField(label=_("Remarks"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
