"""Forms of the management portal. They parse input and name fields as the services' keyword arguments
(``region`` → ``region_code``, ``parent`` → ``parent_id``); the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from jiguan.core.errors import ServiceError
from jiguan.core.forms import add_service_error
from jiguan.core.models import Rank, Role
from jiguan.core.models.org import Gender, PersonStatus, UnitCategory
from jiguan.core.registry import registry
from jiguan.core.scoping import Scope
from jiguan.core.services import approvals
from jiguan.core.services.accounts import visible_roles

from .labels import approval_type_choices
from .pickers import MultiPickerField, PickerField, PickerMixin, RegionField

WIDGET_CLASSES = {
    forms.CheckboxInput: "form-check-input",
    forms.CheckboxSelectMultiple: "form-check-input",
    forms.RadioSelect: "form-check-input",
    forms.Select: "form-select",
    forms.SelectMultiple: "form-select",
}


class PortalForm(forms.Form):
    """Tabler classes on every widget, ``is-invalid`` on fields with errors, pickers scoped to ``user``."""

    service_names: dict[str, str] = {}  # form field → service keyword, where they differ

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = next((c for kind, c in WIDGET_CLASSES.items() if isinstance(widget, kind)), "form-control")
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])
            if isinstance(field, PickerMixin) and user is not None:
                field.limit_to(user)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def apply_service_error(self, error: ServiceError) -> None:
        """Show a service's refusal on the field it names (or above the form)."""
        add_service_error(self, error, self.field_for)

    def service_name(self, name: str) -> str:
        """The service keyword for a form field: declared in ``service_names``, else ``<name>_id`` for a
        model choice, else the field's own name."""
        if name in self.service_names:
            return self.service_names[name]
        field = self.fields[name]
        single_choice = isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField)
        return f"{name}_id" if single_choice else name

    def field_for(self, service_name: str | None) -> str | None:
        return next((n for n in self.fields if service_name in (n, self.service_name(n))), None)

    def service_values(self, names=None) -> dict:
        """Cleaned values keyed and typed as the services take them (objects become primary keys)."""
        names = self.fields if names is None else names
        return {self.service_name(n): _service_value(self.cleaned_data.get(n)) for n in names}

    def changed_service_values(self) -> dict:
        return self.service_values([n for n in self.changed_data if n in self.cleaned_data])


def _service_value(value):
    if isinstance(value, Model):
        return value.pk  # a Region's primary key is its code
    if isinstance(value, QuerySet | list) and all(isinstance(v, Model) for v in value):
        return [v.pk for v in value]
    return value


class RankField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Select(attrs={"data-searchable": "1"}))
        super().__init__(queryset=Rank.objects.all(), **kwargs)

    def label_from_instance(self, rank: Rank) -> str:
        return f"{rank.get_level_display()} · {rank.name}"


# --- Organisation ---------------------------------------------------------------------------------


class UnitForm(PortalForm):
    service_names = {"region": "region_code"}
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    region = RegionField(label=_("Region"))
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, help_text=_("18 characters (GB 32100), printed on the unit's certificate.")
    )
    category = forms.ChoiceField(label=_("Category"), choices=UnitCategory.choices, initial=UnitCategory.GOVERNMENT)
    parent = PickerField("unit", "core.manage_units", label=_("Parent unit"), required=False)
    is_bureau = forms.BooleanField(label=_("Government offices administration bureau"), required=False)

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class DepartmentForm(PortalForm):
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("Department name")})
    )
    short_name = forms.CharField(
        label=_("Short name"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Short name (optional)")}),
    )


class PersonForm(PortalForm):
    name = forms.CharField(label=_("Full name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    unit = PickerField("unit", "core.manage_people", label=_("Unit"))
    department = PickerField("department", "core.manage_people", label=_("Department"), required=False)
    rank = RankField(label=_("Rank"), required=False)
    title = forms.CharField(label=_("Post"), max_length=60, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=PersonStatus.choices, initial=PersonStatus.ACTIVE)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # stored values are never put back into the page; leaving them empty keeps them
            for name in ("id_number", "phone"):
                self.fields[name].help_text = _("Leave empty to keep the recorded value.")

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()


# --- Accounts and roles ---------------------------------------------------------------------------


class PasswordPairMixin(forms.Form):
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(render_value=False))
    password_again = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(render_value=False)
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ; type the same password twice."))
        return cleaned


class AccountForm(PasswordPairMixin, PortalForm):
    username = forms.CharField(
        label=_("Username"), max_length=40, help_text=_("3–40 letters, digits, dots, underscores or hyphens.")
    )
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    person = PickerField("person", "core.manage_accounts", label=_("Person"), required=False)
    unit = PickerField("unit", "core.manage_accounts", label=_("Unit"), required=False,
                       help_text=_("Taken from the person when one is chosen."))

    field_order = ["username", "display_name", "person", "unit", "password", "password_again"]


class PasswordResetForm(PasswordPairMixin, PortalForm):
    service_names = {"password": "new_password"}


class GrantForm(PortalForm):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none())
    unit = PickerField("unit", "core.manage_roles", label=_("Anchor unit"), required=False,
                       help_text=_("Where the role's data scope is anchored; empty means the account's unit."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["role"].queryset = visible_roles(user, "core.manage_roles")


def permission_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Permissions grouped by the module declaring them, for the role form's checkboxes."""
    return [(str(spec.name), [(p.code, str(p.label)) for p in spec.permissions]) for spec in registry if spec.permissions]


class RoleForm(PortalForm):
    service_names = {"custom_units": "custom_unit_ids"}
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Letters, digits, hyphens and underscores."))
    name = forms.CharField(label=_("Name"), max_length=50)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    scope = forms.ChoiceField(label=_("Data scope"), choices=Scope.choices)
    custom_units = MultiPickerField("unit", "core.manage_roles", label=_("Custom units"), required=False,
                                    help_text=_("Only for the data scope “Custom set of units”."))
    permissions = forms.MultipleChoiceField(label=_("Permissions"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [(code, label) for _g, perms in permission_groups() for code, label in perms]

    @property
    def permission_groups(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        chosen = set(self["permissions"].value() or ())
        return [(group, [(code, label, code in chosen) for code, label in perms]) for group, perms in permission_groups()]


# --- Platform configuration ----------------------------------------------------------------------


class FlowForm(PortalForm):
    service_names = {"region": "region_code"}
    business_type = forms.ChoiceField(label=_("Business type"))
    region = RegionField(label=_("Region"), required=False, empty_label=_("Platform default (all regions)"))
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_type"].choices = approval_type_choices()


class FlowStepForm(PortalForm):
    """One step; a row left wholly empty is dropped (so an existing step can be removed by clearing it)."""

    name = forms.CharField(label=_("Step name"), max_length=60, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("Step name, e.g. unit review")}))
    role = forms.ModelChoiceField(label=_("Approver role"), queryset=Role.objects.none(), required=False,
                                  empty_label=_("Choose the approver role"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["role"].queryset = visible_roles(user, "core.manage_flows")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("name")) != bool(cleaned.get("role")):
            raise forms.ValidationError(_("Give both the step's name and its approver role, or leave both empty."))
        return cleaned

    @property
    def is_step(self) -> bool:
        return bool(self.cleaned_data.get("name"))


class BaseStepFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(f.is_step for f in self.forms):
            raise forms.ValidationError(_("A flow needs at least one step."))

    @property
    def steps(self) -> list[tuple[str, int]]:
        return [(f.cleaned_data["name"], f.cleaned_data["role"].pk) for f in self.forms if f.is_step]


FlowStepFormSet = forms.formset_factory(FlowStepForm, formset=BaseStepFormSet, extra=3, max_num=20, validate_max=True)


class DictionaryItemForm(PortalForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    label = forms.CharField(label=_("Label"), max_length=100)
    sort = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].disabled = editing  # records refer to an item by its code: it never changes


class NoticeForm(PortalForm):
    service_names = {"audience": "audience_region_code"}
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 8}))
    audience = RegionField(label=_("Audience region"), help_text=_("Everyone in this region and below sees the notice."))
    pinned = forms.BooleanField(label=_("Pinned"), required=False)
    expires_at = forms.DateTimeField(
        label=_("Expires at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
    )


# --- Work ------------------------------------------------------------------------------------------


class DecisionForm(PortalForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=approvals.DECISIONS.items())
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(PortalForm):
    text = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(PortalForm):
    RATINGS = [("", "—"), *((str(n), "★" * n) for n in range(5, 0, -1))]
    rating = forms.TypedChoiceField(label=_("Rating"), choices=RATINGS, coerce=int, empty_value=None, required=False)
    feedback = forms.CharField(label=_("Feedback"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(CommentForm):
    assignee_unit = PickerField("org", "core.handle_events", label=_("Handling unit"))

    field_order = ["assignee_unit", "comment"]
