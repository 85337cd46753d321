"""Forms of the quality pages: data elements and their carriers, and the steps of a quality issue. They parse
input and name fields as the services' keyword arguments; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.scoping import scoped
from jiguan.portals.manage.forms import PortalForm

from ..models import Dataset, Storage
from ..module import MANAGE
from ..services import quality

COLUMN_HELP = _("The column name in the dataset's schema, e.g. rank.")


class CarrierForm(PortalForm):
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=Dataset.objects.none())
    field = forms.CharField(label=_("Value column"), max_length=60, help_text=COLUMN_HELP)
    key_field = forms.CharField(label=_("Key column"), max_length=60, help_text=_("The column identifying the "
                                                                                  "entity, e.g. id_number."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["dataset"].queryset = scoped(Dataset.objects.filter(storage=Storage.STORE), user, MANAGE)


class ElementEditForm(PortalForm):
    name = forms.CharField(label=_("Element name"), max_length=100)
    entity = forms.CharField(label=_("Entity and its key"), max_length=100,
                             help_text=_("What the value is about and how it is identified, e.g. 人员（身份证号）."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ElementForm(ElementEditForm, CarrierForm):
    """A new element and its authoritative source."""

    code = forms.CharField(label=_("Element code"), max_length=60)
    field_order = ["code", "name", "entity", "description", "dataset", "field", "key_field"]


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Remarks"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(CommentForm):
    assignee = forms.ChoiceField(label=_("Handler"), required=False,
                                 help_text=_("Leave empty to take the issue on yourself."))
    service_names = {"assignee": "assignee_id"}

    def __init__(self, *args, handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Myself"))] + [(a.pk, str(a)) for a in handlers]


class ResolveForm(PortalForm):
    reason = forms.ChoiceField(label=_("Cause"))
    comment = forms.CharField(label=_("Handling result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—")] + [(i.code, i.label) for i in quality.issue_reasons()]
