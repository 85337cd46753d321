"""Forms of the alert pages. They parse input and name fields as ``services.alerts`` takes them
(``region`` → ``region_code``, a chosen unit → ``unit_id``); the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.models.org import Level
from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import PickerField, RegionField

from ..models.alerts import AnomalyMethod, Direction, Operator, RuleKind, Severity
from ..module import MANAGE
from ..services import alerts as services


def _optional(choices) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class RuleForm(PortalForm):
    service_names = {"region": "region_code"}
    name = forms.CharField(label=_("Rule name"), max_length=100)
    kind = forms.ChoiceField(label=_("Rule kind"), choices=RuleKind.choices)
    region = RegionField(label=_("Region"), help_text=_("The rule applies to the places inside this region."))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MINOR)
    category = forms.ChoiceField(label=_("Category"))
    kpi = forms.ChoiceField(label=_("KPI"), required=False, help_text=_("For thresholds and anomalies."))
    level = forms.ChoiceField(label=_("Places at level"), required=False, choices=_optional(Level.choices))
    operator = forms.ChoiceField(label=_("Operator"), required=False, choices=_optional(Operator.choices))
    threshold = forms.DecimalField(label=_("Threshold"), required=False, max_digits=20, decimal_places=4)
    method = forms.ChoiceField(label=_("Anomaly method"), required=False, choices=_optional(AnomalyMethod.choices))
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=Direction.choices)
    window = forms.IntegerField(label=_("History window (snapshots)"), required=False, initial=30)
    z_limit = forms.DecimalField(label=_("Robust z-score limit"), required=False, initial=3.5, decimal_places=2)
    business_rule = forms.ChoiceField(label=_("Business rule"), required=False)
    pending_minutes = forms.IntegerField(label=_("Pending period (minutes)"), initial=0,
                                         help_text=_("How long the condition must hold before the alert fires."))
    keep_firing_minutes = forms.IntegerField(label=_("Keep-firing period (minutes)"), initial=0,
                                             help_text=_("How long the alert keeps firing after the condition clears."))
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = services.categories()
        self.fields["kpi"].choices = _optional(services.kpi_choices())
        self.fields["business_rule"].choices = _optional(services.business_rule_choices())


class SilenceForm(PortalForm):
    service_names = {"region": "region_code", "rule": "rule_id"}
    region = RegionField(label=_("Region"))
    unit = PickerField("unit", MANAGE, label=_("Unit"), required=False,
                       help_text=_("Empty: every place in the region."))
    rule = forms.ChoiceField(label=_("Alert rule"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    help_text=_("Empty: now."))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = _optional([(str(r.pk), f"{r.name}（{r.region.name}）") for r in rules])
        self.fields["category"].choices = _optional(services.categories())


class RouteForm(PortalForm):
    service_names = {"region": "region_code"}
    region = RegionField(label=_("Region"))
    unit = PickerField("unit", MANAGE, label=_("Unit"), required=False,
                       help_text=_("Empty: every place in the region."))
    category = forms.ChoiceField(label=_("Category"), required=False)
    assignee = PickerField("org", MANAGE, label=_("Responsible organisation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _optional(services.categories())
