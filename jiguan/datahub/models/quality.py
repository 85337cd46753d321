"""One source per fact (一数一源): data elements with exactly one authoritative carrier, master data with its
history, the discrepancies other carriers show and the quality issues that group them; and the quality
measures of every run."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import DictionaryItem, Event
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import PUBLIC, ScopeSpec

from .catalog import Dataset, FieldType
from .runs import Run

__all__ = [
    "DataElement", "Discrepancy", "DiscrepancyState", "ElementCarrier", "MasterValue", "QualityIssue",
    "QualityMeasure",
]


class DataElement(TrackedModel):
    """A fact (人员职级, 房间使用面积 …) about an entity identified by a key; its value comes from exactly one
    authoritative carrier, and every other carrier is checked against it."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(_("entity and its key"), max_length=100)  # e.g. 人员（身份证号）
    value_type = models.CharField(_("value type"), max_length=10, choices=FieldType.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    data_scope = PUBLIC  # a definition is metadata; master values and discrepancies are scoped

    class Meta:
        ordering = ["code"]
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")

    def __str__(self) -> str:
        return self.name

    @property
    def authority(self) -> ElementCarrier | None:
        return next((c for c in self.carriers.all() if c.authoritative), None)


class ElementCarrier(TrackedModel):
    """A dataset column carrying the element, with the column holding the entity key. Exactly one carrier of
    an element is authoritative (a partial unique constraint)."""

    element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="carriers",
                                verbose_name=_("data element"))
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="element_carriers",
                                verbose_name=_("dataset"))
    field = models.CharField(_("value column"), max_length=60)
    key_field = models.CharField(_("key column"), max_length=60)
    authoritative = models.BooleanField(_("authoritative source"), default=False)

    data_scope = PUBLIC

    class Meta:
        ordering = ["element", "-authoritative", "dataset__code"]
        constraints = [
            models.UniqueConstraint(fields=["element", "dataset"], name="datahub_carrier_once_per_dataset"),
            models.UniqueConstraint(fields=["element"], condition=Q(authoritative=True),
                                    name="datahub_element_one_authority"),
            models.CheckConstraint(condition=~Q(field=models.F("key_field")), name="datahub_carrier_key_not_value"),
        ]
        verbose_name = _("element carrier")
        verbose_name_plural = _("element carriers")

    def __str__(self) -> str:
        return f"{self.element.code} ← {self.dataset.code}.{self.field}"


class MasterValue(models.Model):
    """The authoritative value of an element for one key over a period: the current one has no ``valid_to``.
    Written in bulk by reconciliation (bulk writes are logged as such), never edited by hand."""

    element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="master_values",
                                verbose_name=_("data element"))
    key = models.CharField(_("key"), max_length=100)
    value = models.CharField(_("value"), max_length=500)
    org_path = models.CharField(max_length=255, db_index=True)  # the unit the authoritative row belongs to
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            verbose_name=_("set by run"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid until"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        ordering = ["element", "key", "-valid_from"]
        indexes = [models.Index(fields=["element", "key"], name="datahub_master_key")]
        constraints = [
            models.UniqueConstraint(fields=["element", "key"], condition=Q(valid_to__isnull=True),
                                    name="datahub_master_one_current"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="datahub_master_period"),
        ]
        verbose_name = _("master value")
        verbose_name_plural = _("master values")

    def __str__(self) -> str:
        return f"{self.element.code}[{self.key}] = {self.value}"


class QualityIssue(UnitOwned):
    """The discrepancies one run showed for one element, handled as one kernel event for the submitting unit
    (``unit``). The event carries the closed loop; the issue adds the cause chosen when it is resolved."""

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="quality_issues", verbose_name=_("run"))
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="issues",
                                verbose_name=_("data element"))
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="quality_issues",
                                verbose_name=_("dataset"))
    event = models.OneToOneField(Event, on_delete=models.PROTECT, null=True, blank=True, related_name="quality_issue",
                                 verbose_name=_("event"))
    reason = models.ForeignKey(DictionaryItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("cause"))
    found = models.PositiveIntegerField(_("discrepancies found"), default=0)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["run", "element"], name="datahub_issue_per_run_element")]
        verbose_name = _("quality issue")
        verbose_name_plural = _("quality issues")

    def __str__(self) -> str:
        return self.event.title if self.event_id else f"{self.element} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("manage:datahub:quality_issue", args=[self.pk])


class DiscrepancyState(models.TextChoices):
    OPEN = "open", _("Awaiting correction")
    FIXED = "fixed", _("Fixed by a corrected submission")
    CLOSED = "closed", _("Closed with its issue")


class Discrepancy(models.Model):
    """A value a non-authoritative carrier delivered that differs from the master value of the same key.
    At most one is open per element, dataset and key."""

    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="discrepancies",
                                verbose_name=_("data element"))
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="discrepancies",
                                verbose_name=_("dataset"))
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="discrepancies", verbose_name=_("run"))
    issue = models.ForeignKey(QualityIssue, on_delete=models.PROTECT, related_name="discrepancies",
                              verbose_name=_("quality issue"))
    key = models.CharField(_("key"), max_length=100)
    authoritative_value = models.CharField(_("authoritative value"), max_length=500)
    other_value = models.CharField(_("value delivered"), max_length=500)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    org_path = models.CharField(max_length=255, db_index=True)  # the unit the delivered row belongs to
    state = models.CharField(_("state"), max_length=10, choices=DiscrepancyState.choices,
                             default=DiscrepancyState.OPEN, db_index=True)
    settled_by = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("fixed by run"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("found at"), db_index=True)

    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["element", "dataset", "key"], condition=Q(state="open"),
                                    name="datahub_discrepancy_one_open"),
        ]
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")

    def __str__(self) -> str:
        return f"{self.element.code}[{self.key}]: {self.other_value} ≠ {self.authoritative_value}"


class QualityMeasure(models.Model):
    """The five quality scores (0–100) of one run; ``checked_values`` and ``agreeing_values`` are what
    reconciliation compared with master data."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="quality", verbose_name=_("run"))
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="quality_measures",
                                verbose_name=_("dataset"))
    org_path = models.CharField(max_length=255, db_index=True)  # the submitting unit's
    measured_at = models.DateTimeField(_("measured at"), db_index=True)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    rows_kept = models.PositiveIntegerField(_("rows kept after validation and cleaning"), default=0)
    completeness = models.DecimalField(_("completeness"), max_digits=5, decimal_places=2, null=True)
    validity = models.DecimalField(_("validity"), max_digits=5, decimal_places=2, null=True)
    uniqueness = models.DecimalField(_("uniqueness"), max_digits=5, decimal_places=2, null=True)
    consistency = models.DecimalField(_("consistency"), max_digits=5, decimal_places=2, null=True)
    timeliness = models.DecimalField(_("timeliness"), max_digits=5, decimal_places=2, null=True)
    checked_values = models.PositiveIntegerField(_("values checked against master data"), default=0)
    agreeing_values = models.PositiveIntegerField(_("values agreeing with master data"), default=0)

    data_scope = ScopeSpec(paths=("org_path", "dataset__org_path"))

    class Meta:
        ordering = ["dataset", "measured_at"]
        constraints = [
            models.CheckConstraint(condition=Q(agreeing_values__lte=models.F("checked_values")),
                                   name="datahub_measure_agreeing_le_checked"),
        ]
        verbose_name = _("quality measure")
        verbose_name_plural = _("quality measures")

    def __str__(self) -> str:
        return f"{self.dataset.code} #{self.run_id}"
