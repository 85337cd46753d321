"""The offer form: a vacant flat, optionally an applicant below the top with the reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..models import Application, Flat


class OfferForm(PortalForm):
    flat = forms.ModelChoiceField(label=_("Vacant flat"), queryset=Flat.objects.none())
    application = forms.ModelChoiceField(label=_("Applicant"), queryset=Application.objects.none(), required=False,
                                         empty_label=_("The first on the list"))
    skip_reason = forms.CharField(label=_("Why applicants ranked higher are passed over"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Required when the offer does not go to the first on the list."))

    def __init__(self, *args, flats, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flat"].queryset = flats
        self.fields["flat"].label_from_instance = lambda flat: f"{flat}（{flat.layout}，{flat.floor_area} ㎡）"
        self.fields["application"].queryset = applications
        self.fields["application"].label_from_instance = lambda a: f"{a.person.name}（{a.unit.name}，{a.score}）"


class AnswerForm(ServiceForm):
    comment = forms.CharField(label=_("Remarks"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))
