"""The pool's structure: the GB/T 14885-2022 category tree (shipped data) and the physical warehouses — a
central warehouse and branches kept by a bureau, each with its storage locations (zone and shelf). The
asset cards, intake and reuse live in the sibling modules; what a unit keeps but lists in the pool is
"virtual" (no warehouse)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import Region
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import PUBLIC


class AssetCategory(models.Model):
    """A node of the GB/T 14885-2022 tree (``data/gbt14885-2022.csv``): ``code`` is ``A`` + 8 digits,
    four levels of two."""

    code = models.CharField(_("category code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("parent category"))
    level = models.PositiveSmallIntegerField(_("level"))

    data_scope = PUBLIC

    class Meta:
        ordering = ["code"]
        verbose_name = _("asset category")
        verbose_name_plural = _("asset categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("Central warehouse")
    BRANCH = "branch", _("Branch warehouse")


class Warehouse(UnitOwned):
    """A physical warehouse; ``unit`` is the bureau that keeps it, ``region`` the pool it serves."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=WarehouseKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=200)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["org_path", "kind", "name"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="warehouse_name_per_unit"),
            models.UniqueConstraint(fields=["region"], condition=Q(kind="central", active=True),
                                    name="warehouse_one_central_per_region"),
        ]

    def __str__(self) -> str:
        return self.name


class StorageLocation(UnitOwned):
    """A place in a warehouse: zone (区) and shelf (架). Rows follow the warehouse's keeping unit."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations",
                                  verbose_name=_("warehouse"))
    zone = models.CharField(_("zone"), max_length=20)
    shelf = models.CharField(_("shelf"), max_length=20, blank=True)

    class Meta:
        ordering = ["warehouse", "zone", "shelf"]
        verbose_name = _("storage location")
        verbose_name_plural = _("storage locations")
        constraints = [models.UniqueConstraint(fields=["warehouse", "zone", "shelf"], name="warehouse_location_once")]

    def __str__(self) -> str:
        return f"{self.warehouse.name} {self.zone}{('-' + self.shelf) if self.shelf else ''}"


# Each workflow keeps its entities in a file of its own.
from .assets import *  # noqa: E402,F403
from .disposal import *  # noqa: E402,F403
from .idle import *  # noqa: E402,F403
from .intake import *  # noqa: E402,F403
from .loans import *  # noqa: E402,F403
from .reuse import *  # noqa: E402,F403
