"""Forms of loans and repairs. They collect input under the services' keyword names; ``services.loans`` and
``services.repairs`` check it (the dates and amounts arrive as typed, the rules are theirs)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..models import Condition, LoanPurpose, RepairState

DATE = {"type": "date"}


class LoanRequestForm(ServiceForm):
    """The service portal's "borrow this item", on the item's page beside the reuse request (hence its own ids)."""

    purpose_kind = forms.ChoiceField(label=_("Borrowed for"), choices=LoanPurpose.choices)
    purpose = forms.CharField(label=_("What the item is borrowed for"), max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=_("Borrowed from"), widget=forms.DateInput(attrs=DATE))
    due_on = forms.DateField(label=_("Due back on"), widget=forms.DateInput(attrs=DATE),
                             help_text=_("At most 180 days after the first day."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "loan_%s")
        super().__init__(*args, **kwargs)


class LendForm(PortalForm):
    received_by_name = forms.CharField(label=_("Collected by"), max_length=50)
    condition_out = forms.ChoiceField(label=_("Condition when lent"), choices=Condition.choices)
    signature = forms.CharField(label=_("Collector's signature"), required=False, widget=forms.HiddenInput)


class ExtendForm(PortalForm):
    due_on = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs=DATE))
    comment = forms.CharField(label=_("Review remarks"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class RepairFields(forms.Form):
    fault = forms.CharField(label=_("Fault"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    repairer = forms.CharField(label=_("Repairer"), required=False, max_length=100)


class ReturnForm(RepairFields, PortalForm):
    returned_by_name = forms.CharField(label=_("Returned by"), max_length=50)
    condition_back = forms.ChoiceField(label=_("Condition when returned"), choices=Condition.choices)
    damage_charge = forms.DecimalField(label=_("Damage charge (yuan)"), required=False, min_value=0,
                                       max_digits=12, decimal_places=2,
                                       help_text=_("Only for an item returned in a worse condition."))
    return_note = forms.CharField(label=_("Inspection remarks"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Required when the condition is worse than when lent."))
    send_to_repair = forms.BooleanField(label=_("Send it straight to a repairer"), required=False)

    field_order = ["returned_by_name", "condition_back", "damage_charge", "return_note", "send_to_repair", "fault",
                   "repairer"]


class SendToRepairForm(PortalForm):
    fault = forms.CharField(label=_("Fault"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    repairer = forms.CharField(label=_("Repairer"), max_length=100)
    sent_on = forms.DateField(label=_("Sent for repair on"), widget=forms.DateInput(attrs=DATE))
    expected_back_on = forms.DateField(label=_("Expected back on"), required=False,
                                       widget=forms.DateInput(attrs=DATE))


class FinishRepairForm(PortalForm):
    outcome = forms.ChoiceField(label=pgettext_lazy("warehouse repair", "Outcome"), widget=forms.RadioSelect,
                                choices=[(RepairState.REPAIRED.value, RepairState.REPAIRED.label),
                                         (RepairState.BEYOND_REPAIR.value, RepairState.BEYOND_REPAIR.label)])
    finished_on = forms.DateField(label=_("Back on"), widget=forms.DateInput(attrs=DATE))
    cost = forms.DecimalField(label=_("Repair cost (yuan)"), required=False, min_value=0, max_digits=12,
                              decimal_places=2, help_text=_("Required when repaired; 0 for a free repair."))
    invoice_number = forms.CharField(label=_("Invoice number"), required=False, max_length=40,
                                     help_text=_("Required when there is a cost."))
    condition_after = forms.ChoiceField(label=_("Condition after repair"), required=False,
                                        choices=[("", "—")] + list(Condition.choices))
    outcome_note = forms.CharField(label=_("Outcome remarks"), required=False, max_length=1000,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("Required when the item is beyond repair."))
