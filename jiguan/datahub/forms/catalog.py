"""Forms of the catalog pages. They parse input and name fields as ``services.catalog`` takes them (a chosen
unit → ``unit_id``); the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import Dictionary
from jiguan.core.scoping import scoped
from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import PickerField

from ..models import (
    Channel,
    Dataset,
    FieldCheck,
    FieldType,
    Frequency,
    Layer,
    Reference,
    RuleOperator,
    Sensitivity,
    Source,
    SourceKind,
)
from ..module import MANAGE
from ..services import catalog


class SourceForm(PortalForm):
    unit = PickerField("unit", MANAGE, label=_("Owner unit"))
    code = forms.CharField(label=_("Code"), max_length=60,
                           help_text=_("Lowercase letters, digits, “_” and “-”, e.g. hr_system."))
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.UPLOAD)
    frequency = forms.ChoiceField(label=_("Update frequency"), choices=Frequency.choices, initial=Frequency.ADHOC)
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    pull_url = forms.CharField(
        label=_("Database URL"), max_length=500, required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Only for a scheduled pull: sqlite:///path or postgresql://user:password@host/database. "
                    "Stored encrypted and never shown again."))
    pull_query = forms.CharField(label=_("Query"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Only for a scheduled pull: one SELECT statement."))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the code names the source everywhere; the stored URL is kept unless replaced
            del self.fields["code"]
            self.fields["pull_url"].help_text = _("Leave empty to keep the recorded database URL.")


class DatasetForm(PortalForm):
    unit = PickerField("unit", MANAGE, label=_("Owner unit"))
    code = forms.CharField(label=_("Code"), max_length=60,
                           help_text=_("Lowercase letters, digits, “_” and “-”, e.g. persons."))
    name = forms.CharField(label=_("Name"), max_length=100)
    layer = forms.ChoiceField(label=_("Layer"), choices=Layer.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.ModelChoiceField(label=_("Data source"), queryset=Source.objects.none(), required=False)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=Sensitivity.choices, initial=Sensitivity.INTERNAL)
    frequency = forms.ChoiceField(label=_("Update frequency"), choices=Frequency.choices, initial=Frequency.ADHOC)
    dirty_limit_rows = forms.IntegerField(label=_("Dirty-data limit (rows)"), min_value=0, required=False,
                                          help_text=_("A run with more rejected rows is aborted; empty: no limit."))
    dirty_limit_percent = forms.DecimalField(label=_("Dirty-data limit (%)"), min_value=0, max_value=100,
                                             decimal_places=2, required=False)

    def __init__(self, *args, user=None, editing: bool = False, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["source"].queryset = scoped(Source.objects.filter(active=True), user, MANAGE)
        if editing:
            del self.fields["code"]


def _dictionary_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((d.code, f"{d.name}（{d.code}）") for d in Dictionary.objects.order_by("code"))]


class FieldForm(PortalForm):
    """One column of the schema; a row left without name and label is dropped."""

    name = forms.CharField(label=_("Column name"), max_length=60, required=False)
    label = forms.CharField(label=_("Label"), max_length=60, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    unique = forms.BooleanField(label=_("Unique"), required=False)
    sensitive = forms.BooleanField(label=_("Personal data"), required=False)
    max_length = forms.IntegerField(label=_("Max. length"), min_value=1, required=False)
    minimum = forms.DecimalField(label=_("Minimum"), required=False)
    maximum = forms.DecimalField(label=_("Maximum"), required=False)
    pattern = forms.CharField(label=_("Pattern"), max_length=200, required=False)
    dictionary = forms.ChoiceField(label=_("Dictionary"), required=False)
    check_digit = forms.ChoiceField(label=_("Check digit"), choices=FieldCheck.choices, required=False)
    reference = forms.ChoiceField(label=_("Reference"), choices=[("", "—"), *Reference.choices], required=False)
    standard = forms.CharField(label=_("Standard"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dictionary"].choices = _dictionary_choices()

    @property
    def is_column(self) -> bool:
        return bool(self.cleaned_data.get("name") or self.cleaned_data.get("label"))


class RuleForm(PortalForm):
    left = forms.CharField(label=_("Left column"), max_length=60, required=False)
    operator = forms.ChoiceField(label=_("Operator"), choices=[("", "—"), *RuleOperator.choices], required=False)
    right = forms.CharField(label=_("Right column"), max_length=60, required=False)
    message = forms.CharField(label=_("Message"), max_length=200, required=False)

    @property
    def is_rule(self) -> bool:
        return any(self.cleaned_data.get(n) for n in ("left", "operator", "right", "message"))


class BaseRowFormSet(forms.BaseFormSet):
    """Rows as the service takes them; the index of each kept row maps service errors back to its form."""

    def rows(self, keep: str) -> list[tuple[forms.Form, dict]]:
        return [(f, f.cleaned_data) for f in self.forms if getattr(f, keep)]


FieldFormSet = forms.formset_factory(FieldForm, formset=BaseRowFormSet, extra=3, max_num=catalog.MAX_FIELDS,
                                     validate_max=True)
RuleFormSet = forms.formset_factory(RuleForm, formset=BaseRowFormSet, extra=2, max_num=50, validate_max=True)


class LineageForm(PortalForm):
    origin = forms.ChoiceField(label=_("From dataset"))
    target = forms.ChoiceField(label=_("To dataset"))
    note = forms.CharField(label=_("How"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["origin"].choices = [(d.code, str(d)) for d in catalog.visible_datasets(user).order_by("code")]
        self.fields["target"].choices = [(d.code, str(d)) for d in scoped(Dataset.objects.order_by("code"),
                                                                          user, MANAGE)]
        self.fields["origin"].widget.attrs["data-searchable"] = "1"
        self.fields["target"].widget.attrs["data-searchable"] = "1"
