from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import ScopeSpec


class Notification(models.Model):
    """An in-app inbox message. SMS and e-mail copies go out through the channels in core.notify."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    data_scope = ScopeSpec(accounts=("recipient",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title
