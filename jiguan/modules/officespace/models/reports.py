"""The annual statistics report (统计报告), rolled up and submitted level by level.

One report per region and year. Its four tables are computed into ``tables`` (a snapshot): a county's from
the ledger of its own units, a city's or the province's from its own units plus the frozen tables of the
accepted reports one level below. From submission on the snapshot is frozen. The construction projects
(表4) are entered by the reporting bureau into the report itself, as there is no project ledger.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import ScopeSpec

__all__ = ["ConstructionProject", "ConstructionProjectKind", "ConstructionProjectStatus", "StatisticsReportState", "StatisticsReport"]

REPORT_SCOPE = ScopeSpec(paths=("org_path",))
BADGES = {"draft": "bg-secondary-lt", "submitted": "bg-blue-lt", "accepted": "bg-green-lt", "returned": "bg-red-lt"}


class StatisticsReportState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("statistics report", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("statistics report", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("statistics report", "Accepted")
    RETURNED = "returned", pgettext_lazy("statistics report", "Returned")


class StatisticsReport(TrackedModel):
    """A region's annual report. ``org_path`` is the region's key and a slash (``3601/``): the bureau of the
    region and every bureau above it reach it through their region scope; unit administrators do not."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=StatisticsReportState.choices, default=StatisticsReportState.DRAFT)
    tables = models.JSONField(_("tables"), default=dict, editable=False)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    return_reason = models.CharField(_("reason for return"), max_length=500, blank=True)
    org_path = models.CharField(max_length=16, db_index=True, editable=False)

    data_scope = REPORT_SCOPE

    class Meta:
        ordering = ["-year", "org_path"]
        verbose_name = _("statistics report")
        verbose_name_plural = _("statistics reports")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="officespace_report_once_a_year"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="officespace_report_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"

    @property
    def badge(self) -> str:
        """The CSS class of the state's badge."""
        return BADGES[self.state]

    def save(self, *args, **kwargs):
        self.org_path = f"{self.region.key}/"
        super().save(*args, **kwargs)


class ConstructionProjectKind(models.TextChoices):
    NEW = "new", pgettext_lazy("construction project", "New construction")
    EXTENSION = "extension", pgettext_lazy("construction project", "Renovation and extension")
    PURCHASE = "purchase", pgettext_lazy("construction project", "Purchase")
    MAJOR_REPAIR = "major_repair", pgettext_lazy("construction project", "Major repair")


class ConstructionProjectStatus(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("construction project", "Approved, not started")
    UNDER_WAY = "under_way", pgettext_lazy("construction project", "Under construction")
    COMPLETED = "completed", pgettext_lazy("construction project", "Completed")


class ConstructionProject(TrackedModel):
    """A row of 表4 建设项目, entered by the bureau of the report's region."""

    report = models.ForeignKey(StatisticsReport, on_delete=models.CASCADE, related_name="projects",
                               verbose_name=_("statistics report"))
    name = models.CharField(_("project name"), max_length=100)
    kind = models.CharField(_("project type"), max_length=12, choices=ConstructionProjectKind.choices)
    approved_area = models.DecimalField(_("approved area (㎡)"), max_digits=10, decimal_places=2,
                                        validators=[MinValueValidator(0)])
    investment = models.DecimalField(_("investment (10,000 yuan)"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(0)])
    status = models.CharField(_("project status"), max_length=12, choices=ConstructionProjectStatus.choices)
    org_path = models.CharField(max_length=16, db_index=True, editable=False)

    data_scope = REPORT_SCOPE

    class Meta:
        ordering = ["report", "pk"]
        verbose_name = _("construction project")
        verbose_name_plural = _("construction projects")
        constraints = [
            models.CheckConstraint(condition=Q(approved_area__gt=0), name="officespace_project_area_positive"),
            models.CheckConstraint(condition=Q(investment__gte=0), name="officespace_project_investment"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.report.org_path
        super().save(*args, **kwargs)
