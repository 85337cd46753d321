"""Forms of the ledger: a payment received, and a flat's monthly meter-reading round."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm

from ..services.billing import ManualPaymentMethod
from . import DATE


class PaymentForm(PortalForm):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(label=_("Paid on"), required=False, help_text=_("Leave empty for today."), **DATE)
    method = forms.ChoiceField(label=_("Payment method"), choices=ManualPaymentMethod.choices)
    reference = forms.CharField(label=_("Receipt or bank reference"), max_length=60,
                                help_text=_("Each receipt is recorded once per lease."))
    note = forms.CharField(label=_("Remarks"), max_length=200, required=False)


class MeterRoundForm(PortalForm):
    """One reading field per meter of the flat (``reading_<kind>``); a meter left empty is not read."""

    read_on = forms.DateField(label=_("Read on"), required=False, help_text=_("Leave empty for today."), **DATE)

    def __init__(self, *args, meters, **kwargs):
        super().__init__(*args, **kwargs)
        for meter in meters:
            self.fields[f"reading_{meter.kind}"] = forms.DecimalField(
                label=_("%(meter)s (meter %(number)s)") % {"meter": meter.get_kind_display(), "number": meter.number},
                max_digits=12, decimal_places=2, required=False, widget=forms.NumberInput(attrs={"class": "form-control"}),
                help_text=_("Last reading %(value)s on %(day)s.") % {"value": meter.last_reading, "day": meter.read_on})
            self.service_names = {**self.service_names, f"reading_{meter.kind}": meter.kind}

    def readings(self) -> dict:
        return {self.service_names[name]: value for name, value in self.cleaned_data.items() if name != "read_on"}
