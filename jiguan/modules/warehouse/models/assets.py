"""Asset cards (资产卡片): one card per item in the pool, from its intake to its reuse, loan, repair or
disposal. ``unit`` is who holds the item now — the keeping bureau for an item in a warehouse, the source
unit for a "virtual" item that stays where it is, the receiving unit after a reuse — and scopes the card;
``pool_region`` is the pool that lists it, whose units browse it in the catalogue. 涉密 items are listed
apart: only holders of the classified permission see them at all."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.org import UnitOwned

from . import AssetCategory, StorageLocation, Warehouse

__all__ = ["MONEY", "Asset", "AssetState", "Condition", "SourceReason", "StorageKind"]

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class SourceReason(models.TextChoices):
    """Why an asset enters the pool (国管局 2020 pilot list; confiscated and donated goods locally)."""

    IDLE = "idle", _("Idle or used inefficiently")
    OVER_STANDARD = "over_standard", _("Over the allocation standard")
    REFORM = "reform", _("Freed by institutional reform or a move")
    PAST_LIFE = "past_life", _("Past its service life but still usable")
    EVENT = "event", _("Bought for a meeting, event or temporary body")
    CONFISCATED = "confiscated", _("Confiscated")
    DONATED = "donated", _("Donated")


class Condition(models.TextChoices):
    NEW = "new", pgettext_lazy("asset condition", "As new")
    GOOD = "good", pgettext_lazy("asset condition", "Good")
    FAIR = "fair", pgettext_lazy("asset condition", "Fair")
    POOR = "poor", pgettext_lazy("asset condition", "Needs repair")


class StorageKind(models.TextChoices):
    PHYSICAL = "physical", _("In a warehouse")
    VIRTUAL = "virtual", _("Stays at the unit (virtual pool)")


class AssetState(models.TextChoices):
    IN_POOL = "in_pool", pgettext_lazy("asset state", "In the pool")
    RESERVED = "reserved", pgettext_lazy("asset state", "Requested by a unit")
    TRANSFERRED = "transferred", pgettext_lazy("asset state", "Reused by another unit")
    ON_LOAN = "on_loan", pgettext_lazy("asset state", "On loan")
    IN_REPAIR = "in_repair", pgettext_lazy("asset state", "Under repair")
    DISPOSING = "disposing", pgettext_lazy("asset state", "In a disposal lot")
    DISPOSED = "disposed", pgettext_lazy("asset state", "Disposed of")


ASSET_COLORS = {"in_pool": "green", "reserved": "azure", "transferred": "secondary", "on_loan": "purple",
                "in_repair": "orange", "disposing": "pink",
                "disposed": "dark"}


class Asset(UnitOwned):
    """One item. ``number`` is the card number (``GWC`` + pool region + year + sequence); ``pooled_on`` the
    day it entered the pool (the monitor's "in the pool over 12 months")."""

    number = models.CharField(_("card number"), max_length=30, unique=True)
    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=100)
    specification = models.CharField(_("specification and model"), max_length=200, blank=True)
    original_value = models.DecimalField(_("original value (yuan)"), **MONEY)
    purchase_date = models.DateField(_("purchase date"))
    condition = models.CharField(_("condition"), max_length=6, choices=Condition.choices)
    source_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("source unit"))
    source_reason = models.CharField(_("why it entered the pool"), max_length=16, choices=SourceReason.choices)
    classified = models.BooleanField(_("classified (涉密)"), default=False)
    pool_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("pool"))
    storage_kind = models.CharField(_("kept"), max_length=8, choices=StorageKind.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="assets",
                                  verbose_name=_("warehouse"))
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="assets", verbose_name=_("storage location"))
    state = models.CharField(_("state"), max_length=12, choices=AssetState.choices, default=AssetState.IN_POOL)
    pooled_on = models.DateField(_("in the pool since"))
    intake_item = models.ForeignKey("warehouse.IntakeItem", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="assets", verbose_name=_("intake"))
    note = models.TextField(_("remarks"), blank=True)

    class Meta:
        ordering = ["-pooled_on", "-pk"]
        verbose_name = _("asset card")
        verbose_name_plural = _("asset cards")
        indexes = [
            models.Index(fields=["pool_region", "state", "category"], name="warehouse_catalogue"),
            models.Index(fields=["org_path", "state"], name="warehouse_asset_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(storage_kind="physical", warehouse__isnull=False)
                                   | Q(storage_kind="virtual", warehouse__isnull=True, location__isnull=True),
                                   name="warehouse_asset_kept_somewhere"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def state_color(self) -> str:
        return ASSET_COLORS.get(self.state, "secondary")

    def get_absolute_url(self) -> str:
        return reverse("manage:warehouse:asset", args=[self.pk])
