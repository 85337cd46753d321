"""Forms of the reporting screens. They only parse input; ``services.reporting`` and ``services.packages``
decide what is allowed."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import Region
from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import MultiPickerField, PickerField, RegionField

from ..models import Storage
from ..module import MANAGE
from ..services import catalog, reporting


class TaskForm(PortalForm):
    """A task of the bureau's region: the datasets and regions offered are those the user reaches."""

    service_names = {"dataset": "dataset_id", "region": "region_code", "regions": "region_codes", "units": "unit_ids"}
    region = forms.ChoiceField(label=_("Region of the bureau"))
    dataset = forms.ChoiceField(label=_("Dataset"), widget=forms.Select(attrs={"data-searchable": "1"}))
    code = forms.SlugField(label=_("Task code"), max_length=60, help_text=_("Letters, digits, “-” and “_”, e.g. "
                                                                             "office-2026."))
    title = forms.CharField(label=_("Task title"), max_length=100)
    period = forms.CharField(label=_("Reporting period"), max_length=40,
                             widget=forms.TextInput(attrs={"placeholder": "2026年度"}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    regions = forms.MultipleChoiceField(label=_("Reporting regions"), required=False,
                                        widget=forms.SelectMultiple(attrs={"data-searchable": "1"}),
                                        help_text=_("Every active agency of the region and below must report."))
    units = MultiPickerField("unit", MANAGE, label=_("Further reporting units"), required=False)
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        regions = reporting.bureau_regions(user)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        datasets = catalog.visible_datasets(user).filter(storage=Storage.STORE).order_by("code")
        self.fields["dataset"].choices = [(d.pk, f"{d.name}（{d.code}）") for d in datasets]
        below = Region.objects.none()
        for region in regions:
            below = below | Region.objects.filter(key__startswith=region.key)
        indent = RegionField.INDENT
        self.fields["regions"].choices = [(r.code, "\u3000" * indent.get(r.level, 0) + r.name)
                                          for r in below.order_by("code")]
        self.fields["deadline"].initial = timezone.localdate() + timedelta(days=30)


class SubmitForm(PortalForm):
    """The units offered are those the user may submit for in this task now."""

    service_names = {"unit": "unit_id"}
    unit = forms.ChoiceField(label=_("Reporting unit"))
    file = forms.FileField(label=_("Filled-in template (.xlsx) or data file (.csv, .json)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.json"}))

    def __init__(self, *args, user=None, task=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in reporting.units_to_submit(user, task)]


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Review comments"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PeerForm(PortalForm):
    service_names = {"unit": "unit_id"}
    installation_id = forms.CharField(label=_("Installation ID"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=100)
    public_key = forms.CharField(label=_("Public key (PEM)"), max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 4, "placeholder": "-----BEGIN PUBLIC KEY-----"}))
    unit = PickerField("unit", MANAGE, label=_("Local unit its data belongs to"))


class ImportForm(PortalForm):
    file = forms.FileField(label=_("Package (.zip)"), widget=forms.ClearableFileInput(attrs={"accept": ".zip"}))
