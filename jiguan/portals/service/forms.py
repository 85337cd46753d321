"""Forms of the service portal. They only collect and render input: the rules (lengths, allowed
values, states) live in the kernel services, whose refusals ``call_service`` puts back on the form.

Field names are the keyword names of the service each form feeds, so errors map one to one."""

from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.errors import ServiceError
from jiguan.core.forms import add_service_error
from jiguan.core.models.events import Priority
from jiguan.core.services.approvals import DECISIONS
from jiguan.core.services.feedback import FeedbackCategory


def call_service(form: forms.Form, service: Callable, *args, **kwargs):
    """Call ``service(*args, **form.cleaned_data, **kwargs)``. On refusal put its messages on the
    named fields (or on the form as a whole) and return None; else return the service's result."""
    try:
        return service(*args, **form.cleaned_data, **kwargs)
    except ServiceError as refusal:
        add_service_error(form, refusal)
    return None


class ServiceForm(forms.Form):
    """A form whose widgets carry Tabler's classes (rendered by ``service/includes/field.html``).
    ``service_required`` names the fields the service insists on: optional to the form, so the service's own
    message is shown, but marked as required for the person filling it in."""

    service_required: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.service_required:
            self.fields[name].service_required = True
            self.fields[name].widget.attrs["aria-required"] = "true"
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-selectgroup-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not widget.is_hidden:
                widget.attrs.setdefault("class", "form-control")


class FeedbackForm(ServiceForm):
    service_required = ("content",)
    category = forms.ChoiceField(label=_("Category"), choices=FeedbackCategory.choices)
    content = forms.CharField(
        label=_("Content"), required=False, strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Describe your suggestion, complaint or question")}),
    )


class EventReportForm(ServiceForm):
    service_required = ("title",)
    title = forms.CharField(label=_("Problem"), required=False, strip=True)
    description = forms.CharField(
        label=_("Details"), required=False, strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("Where, what happened, since when")}),
    )
    priority = forms.ChoiceField(
        label=_("Urgency"), initial=Priority.NORMAL,
        choices=[(p.value, p.label) for p in (Priority.NORMAL, Priority.HIGH, Priority.URGENT)],
    )


class DecisionForm(ServiceForm):
    decision = forms.ChoiceField(choices=DECISIONS.items())  # posted by the button pressed
    comment = forms.CharField(
        label=_("Opinion"), required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(ServiceForm):
    comment = forms.CharField(
        label=_("Remarks"), required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2}),
    )


class EventTextForm(ServiceForm):
    text = forms.CharField(
        label=_("Additional information"), required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseEventForm(ServiceForm):
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, empty_value=None, required=False, widget=forms.RadioSelect,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
    )
    feedback = forms.CharField(
        label=_("Your comments"), required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2}),
    )
