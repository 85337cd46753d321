"""Forms of intake pages: the request with its item lines (a formset), the Excel upload, the review and the
receiving. They collect input; ``services.intake`` checks it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.errors import ServiceError
from jiguan.portals.manage.forms import PortalForm

from ..models import Condition, SourceReason, StorageKind

MAX_FORM_LINES = 20


class IntakeForm(PortalForm):
    reason = forms.CharField(label=_("Why the items are offered"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ItemForm(PortalForm):
    category_code = forms.CharField(label=_("Category code"), max_length=9,
                                    widget=forms.TextInput(attrs={"placeholder": "A05010201"}))
    name = forms.CharField(label=_("Item name"), max_length=100)
    specification = forms.CharField(label=_("Specification and model"), max_length=200, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), initial=1)
    original_value = forms.DecimalField(label=_("Original value of each (yuan)"), decimal_places=2)
    purchase_date = forms.DateField(label=_("Purchase date"), widget=forms.DateInput(attrs={"type": "date"}))
    condition = forms.ChoiceField(label=_("Condition"), choices=Condition.choices, initial=Condition.GOOD)
    source_reason = forms.ChoiceField(label=_("Why it is offered"), choices=SourceReason.choices,
                                      initial=SourceReason.IDLE)
    storage_kind = forms.ChoiceField(label=_("Kept"), choices=StorageKind.choices, initial=StorageKind.PHYSICAL)
    classified = forms.BooleanField(label=_("Classified (涉密)"), required=False)
    note = forms.CharField(label=_("Remarks"), max_length=200, required=False)


def item_formset(data=None, *, lines: int = 3) -> forms.BaseFormSet:
    """The item lines; ``lines`` blank ones when first shown (up to 20)."""
    formset = forms.formset_factory(ItemForm, extra=max(1, min(lines, MAX_FORM_LINES)), max_num=MAX_FORM_LINES,
                                    validate_max=True)
    return formset(data, prefix="items")


def filled_lines(formset) -> list:
    """The forms of the lines the user filled in, in order: the service numbers its lines by them."""
    return [form for form in formset if form.has_changed()]


def apply_line_errors(formset, forms_in_order: list, error: ServiceError) -> bool:
    """Put a refusal's ``items.<line>.<field>`` messages on the line's form; False when none were."""
    errors = getattr(error, "errors", {})
    placed = False
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit():
            form = forms_in_order[int(parts[1]) - 1]
            for message in messages:
                form.add_error(parts[2] if parts[2] in form.fields else None, message)
            placed = True
    return placed


class ImportForm(PortalForm):
    reason = forms.CharField(label=_("Why the items are offered"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Filled-in template (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class ReviewForm(PortalForm):
    warehouse = forms.ChoiceField(label=_("Receiving warehouse"), required=False)
    comment = forms.CharField(label=_("Remarks"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    service_names = {"warehouse": "warehouse_id"}

    def __init__(self, *args, warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", "—"), *((w.pk, w.name) for w in warehouses)]


class ReceiveForm(PortalForm):
    """A location picker per physical line (``line_<item id>``) and the date received."""

    received_on = forms.DateField(label=_("Date received"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, items=(), locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((loc.pk, f"{loc.zone}{('-' + loc.shelf) if loc.shelf else ''}") for loc in locations)]
        for number, item in enumerate(items, start=1):
            if item.storage_kind == StorageKind.PHYSICAL:
                self.fields[f"line_{item.pk}"] = forms.ChoiceField(
                    label=f"{number}. {item.name} × {item.quantity}", choices=choices,
                    widget=forms.Select(attrs={"class": "form-select"}))

    def field_for(self, service_name):
        if service_name and service_name.startswith("lines."):
            return f"line_{service_name.split('.', 1)[1]}"
        return super().field_for(service_name)

    def lines(self) -> dict:
        return {name.removeprefix("line_"): value for name, value in self.cleaned_data.items()
                if name.startswith("line_")}
