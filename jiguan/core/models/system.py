"""Worker bookkeeping: schedules of the registered periodic jobs and worker heartbeats."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import ScopeSpec


class JobSchedule(models.Model):
    """State of a named periodic job. Only names in the job registry run — never free text."""

    name = models.CharField(_("job"), max_length=80, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=20, blank=True)
    last_error = models.TextField(blank=True)

    data_scope = ScopeSpec()

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=100)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    data_scope = ScopeSpec()

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
