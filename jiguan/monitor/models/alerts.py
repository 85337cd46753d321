"""Alert rules, the alerts they raise (one per fingerprint: rule + place or object), silences and routes.

An alert is carried to its resolution: when it fires (and is not silenced) it opens one kernel Event
assigned to the organisation its route names; when the condition clears it resolves and settles the event.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Event, OrgUnit, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import Level
from jiguan.core.scoping import ScopeSpec

__all__ = [
    "Alert", "AlertRoute", "AlertRule", "AlertState", "AnomalyMethod", "Direction", "Operator", "RuleKind",
    "Severity", "Silence",
]


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold on a KPI")
    ANOMALY = "anomaly", _("Anomaly in a KPI's history")
    BUSINESS = "business", _("Business rule of a module")


class Severity(models.TextChoices):
    CRITICAL = "critical", pgettext_lazy("alert severity", "Critical")
    MAJOR = "major", pgettext_lazy("alert severity", "Major")
    MINOR = "minor", pgettext_lazy("alert severity", "Minor")
    INFO = "info", pgettext_lazy("alert severity", "Notice")


SEVERITY_RANK = {Severity.CRITICAL: 1, Severity.MAJOR: 2, Severity.MINOR: 3, Severity.INFO: 4}


class Operator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"


class AnomalyMethod(models.TextChoices):
    ROBUST_Z = "robust_z", _("Robust z-score (median and MAD of recent snapshots)")
    SEASONAL = "seasonal", _("Seasonal baseline (same hour of day and day of week)")


class Direction(models.TextChoices):
    BOTH = "both", _("Either way")
    UP = "up", _("Unusually high")
    DOWN = "down", _("Unusually low")


class AlertRule(TrackedModel):
    """A rule of one region's bureau, applying to the places inside that region. Rows anchored at a region
    carry its key as ``org_path``: the prefix every place below it shares (3601 covers 360102/…)."""

    code = models.CharField(_("code"), max_length=80)
    name = models.CharField(_("rule name"), max_length=100)
    kind = models.CharField(_("rule kind"), max_length=10, choices=RuleKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kpi = models.CharField(_("KPI"), max_length=80, blank=True)
    level = models.CharField(_("places at level"), max_length=10, choices=Level.choices, blank=True,
                             help_text=_("Empty: the region's own figures, its lower regions and its units."))
    operator = models.CharField(_("operator"), max_length=3, choices=Operator.choices, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=20, decimal_places=4, null=True, blank=True)
    method = models.CharField(_("anomaly method"), max_length=10, choices=AnomalyMethod.choices, blank=True)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices, default=Direction.BOTH)
    window = models.PositiveSmallIntegerField(_("history window (snapshots)"), default=30)
    z_limit = models.DecimalField(_("robust z-score limit"), max_digits=5, decimal_places=2, default=3.5)
    business_rule = models.CharField(_("business rule"), max_length=80, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MINOR)
    category = models.CharField(_("category"), max_length=40)
    pending_minutes = models.PositiveIntegerField(_("pending period (minutes)"), default=0)
    keep_firing_minutes = models.PositiveIntegerField(_("keep-firing period (minutes)"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        ordering = ["org_path", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="monitor_rule_code_once")]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.region.key
        super().save(*args, **kwargs)
        rank = SEVERITY_RANK[self.severity]
        self.alerts.exclude(severity_rank=rank).update(severity_rank=rank)  # a changed severity re-sorts them


class AlertState(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("alert state", "Normal")  # before the first detection (timeline only)
    PENDING = "pending", pgettext_lazy("alert state", "Pending")
    FIRING = "firing", pgettext_lazy("alert state", "Firing")
    RESOLVED = "resolved", pgettext_lazy("alert state", "Resolved")


OPEN_ALERT_STATES = (AlertState.PENDING, AlertState.FIRING)


class Silence(TrackedModel):
    """Mutes the alerts it matches from ``starts_at`` to ``ends_at``: they still change state, but open
    no event and notify nobody. Matches on the rule, the place (region or unit and below) and the category."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, null=True, blank=True, related_name="silences",
                             verbose_name=_("alert rule"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    category = models.CharField(_("category"), max_length=40, blank=True)
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",))

    class Meta:
        ordering = ["-ends_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="monitor_silence_ends_after_start")]
        verbose_name = _("silence")
        verbose_name_plural = _("silences")

    def __str__(self) -> str:
        return self.reason

    def is_active(self, now) -> bool:
        return self.starts_at <= now < self.ends_at

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path if self.unit_id else self.region.key
        super().save(*args, **kwargs)


class AlertRoute(TrackedModel):
    """Who handles the alerts of a place (region, or unit and below) and optionally one category."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    category = models.CharField(_("category"), max_length=40, blank=True)
    assignee = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("responsible organisation"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",))

    class Meta:
        ordering = ["org_path", "category", "pk"]
        constraints = [models.UniqueConstraint(fields=["org_path", "category"], name="monitor_route_once")]
        verbose_name = _("alert route")
        verbose_name_plural = _("alert routes")

    def __str__(self) -> str:
        return f"{self.org_path} {self.category} → {self.assignee}"

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path if self.unit_id else self.region.key
        super().save(*args, **kwargs)


class Alert(TrackedModel):
    """One problem: a rule's condition at one place (a region's or unit's KPI) or on one business object."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts",
                             verbose_name=_("alert rule"))
    fingerprint = models.CharField(max_length=120, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices, default=AlertState.NORMAL)
    title = models.CharField(_("title"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    org_path = models.CharField(max_length=255, db_index=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")  # the business object of a per-object rule
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    started_at = models.DateTimeField(_("pending since"), null=True, blank=True)
    fired_at = models.DateTimeField(_("firing since"), null=True, blank=True, db_index=True)
    cleared_at = models.DateTimeField(_("condition cleared at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    silence = models.ForeignKey(Silence, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts",
                                verbose_name=_("silenced by"))
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("event"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The rule's severity as a sort key (1 = critical), kept here so that "most severe first" is an
    # index scan rather than a sort of every firing alert; the rule keeps it in step (``AlertRule.save``).
    severity_rank = models.PositiveSmallIntegerField(editable=False)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",))

    class Meta:
        ordering = ["-fired_at", "-pk"]
        constraints = [
            # One problem is one alert: at most one open alert per fingerprint.
            models.UniqueConstraint(fields=["fingerprint"], condition=Q(state__in=("pending", "firing")),
                                    name="monitor_alert_one_open"),
        ]
        indexes = [
            models.Index(fields=["rule", "state"], name="monitor_alert_rule_state"),
            # The firing alerts, most severe and newest first (dashboards, the big screen): read in index order.
            models.Index(fields=["state", "severity_rank", "-fired_at", "-id"], name="monitor_alert_by_severity"),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.severity_rank is None:
            self.severity_rank = SEVERITY_RANK[self.rule.severity]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("manage:monitor:alert", args=[self.pk])
