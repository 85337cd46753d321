"""Forms of the ingestion pages: a submission (dataset, unit, file) and a reviewer's reason to return."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import PickerField

from ..models import Dataset
from ..module import SUBMIT
from ..services.runs import submittable_datasets


class RunUploadForm(PortalForm):
    service_names = {"dataset": "dataset_id", "unit": "unit_id", "file": "upload"}
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=Dataset.objects.none())
    unit = PickerField("unit", SUBMIT, label=_("Submitting unit"), required=False,
                       help_text=_("The unit the rows belong to; empty means your own unit."))
    file = forms.FileField(label=_("Data file"),
                           help_text=_("A .csv (UTF-8 or GBK), .xlsx or .json file whose first row holds the "
                                       "column names or their Chinese labels."))
    hold = forms.BooleanField(label=_("Hold the validated rows for review before publishing"), required=False)
    force = forms.BooleanField(label=_("Process it even if the identical file was submitted before"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["dataset"].queryset = submittable_datasets(user).order_by("code")


class DiscardForm(PortalForm):
    reason = forms.CharField(label=_("Reason for returning"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
