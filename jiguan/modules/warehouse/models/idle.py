"""Idle assets at units (闲置资产): an asset idle for 6 months or more must be offered to the pool. The
platform knows them from what units declare and from office-space rooms left idle (when that module is
installed); the daily job reminds each unit once a month until the asset is offered or back in use."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models.org import UnitOwned

from . import AssetCategory

__all__ = ["IDLE_MONTHS", "IdleAsset", "IdleSource", "IdleState"]

IDLE_MONTHS = 6


class IdleSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the unit")
    OFFICE_ROOM = "office_room", _("Office room idle (office space data)")


class IdleState(models.TextChoices):
    IDLE = "idle", pgettext_lazy("warehouse idle state", "Idle")
    OFFERED = "offered", pgettext_lazy("warehouse idle state", "Offered to the pool")
    IN_USE = "in_use", pgettext_lazy("warehouse idle state", "Back in use")


IDLE_COLORS = {"idle": "orange", "offered": "green", "in_use": "secondary"}


class IdleAsset(UnitOwned):
    """``unit`` holds the idle asset. ``source_key`` names the record it was read from (``officespace.room:12``)
    so each is taken once; ``intake_request`` is the pool offer that settled it."""

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("category"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1,
                                                validators=[MinValueValidator(1), MaxValueValidator(500)])
    idle_since = models.DateField(_("idle since"))
    source = models.CharField(_("source"), max_length=12, choices=IdleSource.choices, default=IdleSource.DECLARED)
    source_key = models.CharField(_("source record"), max_length=60, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=IdleState.choices, default=IdleState.IDLE)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("declared by"))
    intake_request = models.ForeignKey("warehouse.IntakeRequest", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("offered by intake request"))
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    note = models.CharField(_("remarks"), max_length=200, blank=True)

    class Meta:
        ordering = ["idle_since", "pk"]
        verbose_name = _("idle asset")
        verbose_name_plural = _("idle assets")
        indexes = [models.Index(fields=["state", "idle_since"], name="warehouse_idle_due")]
        constraints = [models.UniqueConstraint(fields=["source_key"], condition=~Q(source_key=""),
                                               name="warehouse_idle_source_once")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.name}"

    @property
    def state_color(self) -> str:
        return IDLE_COLORS.get(self.state, "secondary")

    def get_absolute_url(self) -> str:
        return reverse("manage:warehouse:idle_asset", args=[self.pk])
