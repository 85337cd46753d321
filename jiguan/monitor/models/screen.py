"""Display tokens: a kiosk (a wall screen in a lobby) shows the big screen of one region, read-only,
without anyone signed in on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import ScopeSpec

__all__ = ["DisplayToken"]


class DisplayToken(TrackedModel):
    """Opens the big screen of ``region`` until ``expires_at`` or until revoked. Like an API token, only a
    SHA-256 digest of the secret is stored; the secret is shown once, when the token is created."""

    label = models.CharField(_("label"), max_length=60)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("display token")
        verbose_name_plural = _("display tokens")

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    def save(self, *args, **kwargs):
        self.org_path = self.region.key
        super().save(*args, **kwargs)
