"""Ingestion runs and the dataset versions they publish."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import ScopeSpec

from .catalog import Channel, Dataset, Source

__all__ = ["ACTIVE_STATES", "FINISHED_STATES", "DatasetVersion", "Run", "RunState"]


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    STAGING = "staging", _("Staging")
    VALIDATING = "validating", _("Validating")
    CLEANING = "cleaning", _("Cleaning")
    RECONCILING = "reconciling", _("Reconciling")
    HELD = "held", _("Validated, awaiting review")  # a reporting submission: published when accepted
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    ABORTED = "aborted", _("Aborted: over the dirty-data limit")
    FAILED = "failed", _("Failed")
    DUPLICATE = "duplicate", _("Refused: already submitted")
    DISCARDED = "discarded", _("Held rows discarded by the reviewer")


# A run in one of these states is being worked on: its heartbeat must stay fresh.
ACTIVE_STATES = (RunState.STAGING, RunState.CLEANING, RunState.VALIDATING, RunState.RECONCILING,
                 RunState.PUBLISHING)
FINISHED_STATES = (RunState.PUBLISHED, RunState.ABORTED, RunState.FAILED, RunState.DUPLICATE, RunState.DISCARDED)


class Run(UnitOwned):
    """One submission going through staging → cleaning → validation → reconciliation → publish. ``unit``
    is the submitting unit; the input file is kept with its digests so a re-submission is recognised."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="runs", verbose_name=_("dataset"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="runs",
                               verbose_name=_("source"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.UPLOAD)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    state = models.CharField(_("state"), max_length=12, choices=RunState.choices, default=RunState.QUEUED,
                             db_index=True)
    # Names in the default storage (not FileFields: the audit log snapshots every field as JSON).
    input_file = models.CharField(_("input"), max_length=255, blank=True)
    input_name = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    sm3 = models.CharField(max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage_note = models.CharField(_("current step"), max_length=200, blank=True)
    rows_in = models.PositiveIntegerField(_("rows read"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rows_out = models.PositiveIntegerField(_("rows published"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("exact duplicate rows dropped"), default=0)
    error_report = models.CharField(_("error report"), max_length=255, blank=True)
    failure = models.TextField(_("why it stopped"), blank=True)
    # ``hold``: stop after validation and cleaning, keeping the clean rows (``held_path``, under the store's
    # root) until a reviewer accepts; a held run then replaces only its own unit's rows when published.
    hold = models.BooleanField(_("held for review"), default=False)
    held_path = models.CharField(max_length=255, blank=True)
    # ``partial``: the run replaces only the rows under its unit's org path (a unit's own submission or a
    # held one); otherwise its clean rows become the whole next version.
    partial = models.BooleanField(_("replaces only its unit's rows"), default=False)
    retry_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries",
                                 verbose_name=_("retry of"))
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)  # a dead worker's run is found

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), accounts=("submitted_by",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["dataset", "sha256"], name="datahub_run_digest")]
        verbose_name = _("ingestion run")
        verbose_name_plural = _("ingestion runs")

    def __str__(self) -> str:
        return f"{self.dataset.code} #{self.pk}"


class DatasetVersion(models.Model):
    """An immutable published table of a store dataset: a Parquet file under ``DATAHUB_ROOT``. Publishing
    writes the file first and then, in one transaction, this row and the dataset's ``current_version``."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions",
                                verbose_name=_("dataset"))
    number = models.PositiveIntegerField(_("version"))
    path = models.CharField(_("file"), max_length=255)  # relative to settings.DATAHUB_ROOT
    rows = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(max_length=64)
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="versions",
                            verbose_name=_("run"))
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    data_scope = ScopeSpec(paths=("dataset__org_path",))

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="datahub_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="datahub_version_positive"),
        ]
        verbose_name = _("dataset version")
        verbose_name_plural = _("dataset versions")

    def __str__(self) -> str:
        return f"{self.dataset.code} v{self.number}"
