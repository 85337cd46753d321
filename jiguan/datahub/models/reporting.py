"""Reporting up the four levels: reporting tasks, the units' assignments and submissions, the regions'
roll-ups, and the signed packages exchanged between installations (with the peers trusted to sign them).

A task belongs to the bureau that defines it (``unit``) and tops out at that bureau's region. Each unit that
must report has one ``Assignment``; each upload (or API push) is a ``Submission`` pointing at the held
ingestion run that carries its rows. Every region between the units and the task's region has one
``RollUp``, submitted one level up only when everything below it has been accepted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Event, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import ScopeSpec

from .catalog import Dataset
from .runs import Run

__all__ = [
    "Assignment", "AssignmentState", "ImportOutcome", "PackageExport", "PackageImport", "ReportingTask",
    "RollUp", "RollUpState", "Submission", "SubmissionState", "TaskState", "TrustedPeer",
]

BADGES = {
    "draft": "bg-secondary-lt", "published": "bg-blue-lt", "finished": "bg-green-lt",
    "pending": "bg-secondary-lt", "open": "bg-secondary-lt", "submitted": "bg-blue-lt", "accepted": "bg-green-lt",
    "returned": "bg-red-lt", "late": "bg-orange-lt", "replaced": "bg-secondary-lt",
}
IMPORT_BADGES = {"imported": "bg-blue-lt", "published": "bg-green-lt", "refused": "bg-red-lt", "failed": "bg-red-lt"}


class TaskState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("reporting task", "Draft")
    PUBLISHED = "published", pgettext_lazy("reporting task", "Collecting")
    FINISHED = "finished", pgettext_lazy("reporting task", "Rolled up and finalised")


class ReportingTask(UnitOwned):
    """A collection the bureau of ``region`` runs over a dataset for one period (``unit``: that bureau)."""

    code = models.SlugField(_("task code"), max_length=60, unique=True)
    title = models.CharField(_("task title"), max_length=100)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="reporting_tasks",
                                verbose_name=_("dataset"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    period = models.CharField(_("reporting period"), max_length=40)  # 2026年度 · 2026年第3季度
    deadline = models.DateField(_("deadline"))
    instructions = models.TextField(_("instructions"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices, default=TaskState.DRAFT)
    target_regions = models.ManyToManyField(Region, blank=True, related_name="+", verbose_name=_("reporting regions"))
    target_units = models.ManyToManyField("core.OrgUnit", blank=True, related_name="+",
                                          verbose_name=_("reporting units"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reporting task")
        verbose_name_plural = _("reporting tasks")

    def __str__(self) -> str:
        return f"{self.title}（{self.period}）"

    @property
    def badge(self) -> str:
        return BADGES[self.state]


class AssignmentState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("reporting", "Not submitted")
    SUBMITTED = "submitted", pgettext_lazy("reporting", "Submitted, awaiting review")
    ACCEPTED = "accepted", pgettext_lazy("reporting", "Accepted")
    RETURNED = "returned", pgettext_lazy("reporting", "Returned for correction")


class Assignment(UnitOwned):
    """One unit that must report for a task (``unit``), and how far it has got. ``late_event`` is the one
    event opened when it missed the deadline."""

    task = models.ForeignKey(ReportingTask, on_delete=models.CASCADE, related_name="assignments",
                             verbose_name=_("reporting task"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    state = models.CharField(_("state"), max_length=10, choices=AssignmentState.choices,
                             default=AssignmentState.PENDING, db_index=True)
    late_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("late-submission event"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["task", "org_path"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="datahub_assignment_once")]
        verbose_name = _("reporting assignment")
        verbose_name_plural = _("reporting assignments")

    def __str__(self) -> str:
        return f"{self.task.title} · {self.unit.name}"

    def get_absolute_url(self) -> str:
        """The task's page, where the unit's assignment is listed."""
        return reverse("manage:datahub:reporting_task", args=[self.task_id])


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("reporting", "Awaiting review")
    ACCEPTED = "accepted", pgettext_lazy("reporting", "Accepted")
    RETURNED = "returned", pgettext_lazy("reporting", "Returned for correction")
    REPLACED = "replaced", pgettext_lazy("reporting", "Replaced by a later upload")


class Submission(UnitOwned):
    """One upload or push of a unit's rows for a task; its rows wait in ``run`` (held) until accepted."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions",
                                   verbose_name=_("reporting assignment"))
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+", verbose_name=_("ingestion run"))
    state = models.CharField(_("state"), max_length=10, choices=SubmissionState.choices,
                             default=SubmissionState.SUBMITTED, db_index=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("reviewed by"))
    decided_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    comment = models.CharField(_("review comments"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reporting submission")
        verbose_name_plural = _("reporting submissions")

    def __str__(self) -> str:
        return f"{self.assignment} #{self.pk}"

    @property
    def badge(self) -> str:
        return BADGES[self.state]


class RollUpState(models.TextChoices):
    OPEN = "open", pgettext_lazy("roll-up", "Collecting")
    SUBMITTED = "submitted", pgettext_lazy("roll-up", "Submitted to the level above")
    ACCEPTED = "accepted", pgettext_lazy("roll-up", "Accepted")
    RETURNED = "returned", pgettext_lazy("roll-up", "Returned")


ROLLUP_SCOPE = ScopeSpec(paths=("org_path",))


class RollUp(TrackedModel):
    """A region's figures for a task: its own units' accepted submissions plus the accepted roll-ups of the
    regions one level below, frozen in ``figures`` when submitted. ``org_path`` is the region's key and a
    slash, so the bureau of the region and those above reach it, unit administrators do not."""

    task = models.ForeignKey(ReportingTask, on_delete=models.CASCADE, related_name="rollups",
                             verbose_name=_("reporting task"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    state = models.CharField(_("state"), max_length=10, choices=RollUpState.choices, default=RollUpState.OPEN)
    figures = models.JSONField(_("rolled-up figures"), default=dict, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("reviewed by"))
    decided_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    comment = models.CharField(_("review comments"), max_length=500, blank=True)
    org_path = models.CharField(max_length=16, db_index=True, editable=False)

    data_scope = ROLLUP_SCOPE

    class Meta:
        ordering = ["task", "org_path"]
        constraints = [models.UniqueConstraint(fields=["task", "region"], name="datahub_rollup_once")]
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")

    def __str__(self) -> str:
        return f"{self.task.title} · {self.region.name}"

    @property
    def badge(self) -> str:
        return BADGES[self.state]

    def save(self, *args, **kwargs):
        self.org_path = f"{self.region.key}/"
        super().save(*args, **kwargs)


class TrustedPeer(UnitOwned):
    """Another installation whose packages this one accepts, with the Ed25519 public key they are signed
    with. ``unit``: the local unit that stands for it (its rows are published as that unit's)."""

    installation_id = models.CharField(_("installation ID"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    public_key = models.TextField(_("public key (PEM)"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("trusted installation")
        verbose_name_plural = _("trusted installations")

    def __str__(self) -> str:
        return self.name


class PackageExport(UnitOwned):
    """A signed package this installation produced from a finalised task (``unit``: the task's bureau).
    ``sequence`` numbers this installation's packages, so a receiver can refuse an old one replayed."""

    # Text, not UUIDField/FileField: the kernel's audit log serialises field values as plain JSON.
    package_id = models.CharField(_("package ID"), max_length=36, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("sequence number"), unique=True)
    task = models.ForeignKey(ReportingTask, on_delete=models.PROTECT, related_name="packages",
                             verbose_name=_("reporting task"))
    rows = models.PositiveIntegerField(_("rows"))
    path = models.CharField(_("package file"), max_length=255)  # in the default storage (MEDIA_ROOT)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("exported by"))
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("exported package")
        verbose_name_plural = _("exported packages")

    def __str__(self) -> str:
        return f"{self.task.title} #{self.sequence}"


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", _("Verified, rows being loaded")
    PUBLISHED = "published", _("Verified and published")
    REFUSED = "refused", pgettext_lazy("package import", "Refused")
    FAILED = "failed", _("Verified, but loading the rows failed")


class PackageImport(UnitOwned):
    """Every attempt to import a package, refused ones included (who, when, why). ``unit``: the importer's
    unit. A package is accepted once: its id is unique among accepted imports."""

    outcome = models.CharField(_("outcome"), max_length=20, choices=ImportOutcome.choices, db_index=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    package_id = models.CharField(_("package ID"), max_length=36, blank=True)
    origin = models.CharField(_("origin installation"), max_length=64, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    peer = models.ForeignKey(TrustedPeer, on_delete=models.PROTECT, null=True, blank=True, related_name="imports",
                             verbose_name=_("trusted installation"))
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("dataset"))
    task_title = models.CharField(_("task title"), max_length=100, blank=True)
    period = models.CharField(_("reporting period"), max_length=40, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    run = models.ForeignKey(Run, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("ingestion run"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("imported by"))
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["package_id"], condition=~Q(outcome="refused"),
                                    name="datahub_package_imported_once"),
        ]
        verbose_name = _("package import")
        verbose_name_plural = _("package imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def badge(self) -> str:
        return IMPORT_BADGES[self.outcome]
