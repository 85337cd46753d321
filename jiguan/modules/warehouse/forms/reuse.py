"""Forms of the catalogue, reuse and purchase checks. They collect input under the services' keyword names;
``services.reuse`` checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..models import AssetCategory, Condition, PurchaseDecision, StorageKind


def category_choices(max_level: int = 3) -> list[tuple[str, str]]:
    """The category tree to the given level, indented, for pickers and filters."""
    return [(c.code, f"{'　' * (c.level - 1)}{c.code} {c.name}")
            for c in AssetCategory.objects.filter(level__lte=max_level).only("code", "name", "level")]


class CatalogueSearchForm(ServiceForm):
    """The service portal's catalogue filters (GET); values the services do not know match nothing."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category_code = forms.ChoiceField(label=_("Category"), required=False)
    condition = forms.ChoiceField(label=pgettext_lazy("asset condition", "Condition"), required=False,
                                  choices=[("", _("All"))] + list(Condition.choices))
    storage_kind = forms.ChoiceField(label=_("Kept"), required=False,
                                     choices=[("", _("All"))] + list(StorageKind.choices))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_code"].choices = [("", _("All"))] + category_choices(2)

    def filters(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value} if self.is_valid() else {}


class ReuseRequestForm(ServiceForm):
    purpose = forms.CharField(label=_("What the item is for"), max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(PortalForm):
    comment = forms.CharField(label=_("Review remarks"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required when refusing."))


class HandOverForm(PortalForm):
    received_by_name = forms.CharField(label=_("Received by"), max_length=50)
    signature = forms.CharField(label=_("Receiver's signature"), required=False, widget=forms.HiddenInput)


class PurchasePlanForm(PortalForm):
    category_code = forms.ChoiceField(label=_("Category"))
    planned_item = forms.CharField(label=_("What the unit plans to buy"), max_length=200)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=9999, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_code"].choices = [("", "")] + category_choices(4)


class PurchaseCheckForm(PurchasePlanForm):
    decision = forms.ChoiceField(label=pgettext_lazy("purchase check", "Decision"), choices=PurchaseDecision.choices, widget=forms.RadioSelect)
    reason_not_fit = forms.CharField(label=_("Why the pool items do not fit"), required=False, max_length=1000,
                                     widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("Required when buying: at least 10 characters."))
