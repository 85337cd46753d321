"""Audit records chained by SM3: each record's hash covers its content and the previous record's hash,
and the chain head (last seq and hash) is kept apart, so an edited, inserted or deleted record shows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import ScopeSpec


class ChainedRecord(models.Model):
    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(_("time"), db_index=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    chain_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    BULK = "bulk", _("Bulk operation")
    TRANSITION = "transition", _("State change")
    SECURITY = "security", _("Security setting")
    RUN_JOB = "run_job", _("Job started by hand")


class AuditLog(ChainedRecord):
    """Change log: before/after of every tracked model save and delete, and every bulk operation."""

    request_id = models.CharField(_("request ID"), max_length=36, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    model = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    data_scope = ScopeSpec(paths=("org_path",))
    chain_fields = (
        "at", "request_id", "actor_id", "actor_name", "action", "model", "object_id", "object_repr",
        "before", "after", "ip", "org_path",
    )

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("change log")
        verbose_name_plural = _("change log")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.model}:{self.object_id}"


class AccessKind(models.TextChoices):
    API = "api", _("API call")
    PERSONAL_DATA = "pii", _("Personal data viewed")
    EXPORT = "export", _("Export")


class AccessLog(ChainedRecord):
    """API calls, every view of unmasked personal data and every export."""

    request_id = models.CharField(max_length=36, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=AccessKind.choices)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(_("path"), max_length=255)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    data_scope = ScopeSpec(paths=("org_path",))
    chain_fields = (
        "at", "request_id", "actor_id", "actor_name", "kind", "method", "path", "status", "detail", "ip",
        "org_path",
    )

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("access log")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.path}"


class AuditChainHead(models.Model):
    """Where each chain ends (and, after retention purges, where it now starts)."""

    chain = models.CharField(max_length=40, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    base_seq = models.BigIntegerField(default=0)
    base_hash = models.CharField(max_length=64, default="0" * 64)

    data_scope = ScopeSpec()  # platform-wide: only an "all data" grant reaches it

    def __str__(self) -> str:
        return f"{self.chain} @ {self.last_seq}"
