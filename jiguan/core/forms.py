"""Forms of the sign-in pages. They check the shape of the input; the rules live in services/auth.py."""

from collections.abc import Callable

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from .errors import ServiceError, ValidationFailed

PASSWORD_MAX_LENGTH = 128


class TablerForm(forms.Form):
    """Inputs styled as Tabler controls, marked invalid when their field has an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            radio = isinstance(field.widget, forms.RadioSelect)
            field.widget.attrs.setdefault("class", "form-selectgroup-input" if radio else "form-control")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


def password_field(label, required_message, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={
            "required": required_message,
            "max_length": _("A password has at most %(limit_value)d characters."),
        },
    )


class LoginForm(TablerForm):
    SERVICE, MANAGE = "service", "manage"

    username = forms.CharField(
        label=_("Username"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
        error_messages={
            "required": _("Enter your username."),
            "max_length": _("A username has at most %(limit_value)d characters."),
        },
    )
    password = password_field(_("Password"), _("Enter your password."), "current-password")
    portal = forms.ChoiceField(
        label=_("Sign in to"),
        choices=[(SERVICE, _("Service portal")), (MANAGE, _("Management portal"))],
        initial=SERVICE,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose the service portal or the management portal.")},
    )


class VerificationCodeForm(TablerForm):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "class": "form-control auth-code-input",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "placeholder": "000000",
            }
        ),
        error_messages={
            "required": _("Enter the 6-digit verification code."),
            "max_length": _("The verification code is 6 digits."),
        },
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(
                _("The verification code is the 6 digits shown in your authenticator app."), code="format"
            )
        return code


class PasswordChangeForm(TablerForm):
    old_password = password_field(_("Current password"), _("Enter your current password."), "current-password")
    new_password1 = password_field(_("New password"), _("Enter a new password."), "new-password")
    new_password2 = password_field(_("New password again"), _("Enter the new password again."), "new-password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_rules = password_validators_help_texts()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two new passwords do not match."))
        return cleaned


def add_service_error(form: forms.Form, error: ServiceError, field_for: Callable[[str], str | None] | None = None):
    """Put a service's refusal on ``form``: each message on the field it names, else above the form.
    ``field_for`` maps a service's field name to the form's (default: the same name, if the form has it)."""
    field_for = field_for or (lambda name: name if name in form.fields else None)
    errors = error.errors if isinstance(error, ValidationFailed) else {error.field or "__all__": [error.message]}
    for name, messages in errors.items():
        for message in messages:
            form.add_error(field_for(name), message)
