"""The audit chains' verifications: nothing in the kernel keeps the outcome of ``verify_chains()`` (the
kernel's job only marks that it ran), so the security watch records each run here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiguan.core.scoping import ScopeSpec

__all__ = ["AuditVerification"]


class AuditVerification(models.Model):
    """One run of the audit-chain check: when, who started it (empty: the scheduled job), what it found."""

    at = models.DateTimeField(_("verified at"), db_index=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("started by"))
    intact = models.BooleanField(_("chains intact"))
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)  # the first few, as text
    records = models.JSONField(_("records checked"), default=dict, blank=True)  # chain label -> row count

    data_scope = ScopeSpec()  # platform-wide: only an "all data" grant reaches it

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit chain verification")
        verbose_name_plural = _("audit chain verifications")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.intact else self.problem_count}"
