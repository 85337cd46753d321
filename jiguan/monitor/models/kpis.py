"""KPI snapshots: every KPI a module registers, computed on a schedule per region and per unit and kept
as a time series, so dashboards and the big screen read stored values and their history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import OrgUnit, Region
from jiguan.core.scoping import ScopeSpec

__all__ = ["KpiSnapshot"]


class KpiSnapshot(models.Model):
    """One KPI's value at one moment for one region (``unit`` empty: the region and below) or one unit.
    ``org_path`` places it in the org tree: the region's key path, or the unit's path. A KPI that returns
    a breakdown (e.g. area by category) keeps it in ``parts`` and its total in ``value``."""

    kpi = models.CharField(_("KPI"), max_length=80)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    org_path = models.CharField(max_length=255, db_index=True)
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    parts = models.JSONField(_("breakdown"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",))

    class Meta:
        ordering = ["kpi", "org_path", "-taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "org_path", "taken_at"], name="monitor_snapshot_once"),
        ]
        indexes = [models.Index(fields=["kpi", "org_path", "taken_at"], name="monitor_snapshot_series")]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")

    def __str__(self) -> str:
        return f"{self.kpi} {self.org_path} {self.taken_at:%Y-%m-%d %H:%M}"
