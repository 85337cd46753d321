"""Forms of the idle-asset pages: declaring, back in use, offered to the pool. They collect input under the
services' keyword names; ``services.idle`` checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm

from .reuse import category_choices


class DeclareIdleForm(PortalForm):
    name = forms.CharField(label=_("Asset name"), max_length=100)
    category_code = forms.ChoiceField(label=_("Category"), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=500, initial=1)
    idle_since = forms.DateField(label=_("Idle since"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Remarks"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_code"].choices = [("", "—")] + category_choices(4)


class InUseForm(PortalForm):
    comment = forms.CharField(label=_("How the asset is used now"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))


class OfferedForm(PortalForm):
    intake_request = forms.ChoiceField(label=_("Intake request offering it"))
    service_names = {"intake_request": "intake_request_id"}

    def __init__(self, *args, requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["intake_request"].choices = [("", "—"), *((r.pk, f"{r.number}（{r.get_state_display()}）")
                                                             for r in requests)]
