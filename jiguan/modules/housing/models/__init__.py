"""The housing stock: 小区 (estate) → 楼栋 (building) → 套 (flat), with the utility meters of each flat.
Every row is managed by a unit — the bureau's housing office — and scoped by that unit's org path."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Region
from jiguan.core.models.org import UnitOwned

AREA = {"max_digits": 8, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
MONEY = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class RentBasis(models.TextChoices):
    PER_SQUARE_METRE = "per_sqm", _("Per square metre of floor area")
    PER_FLAT = "per_flat", _("Per flat")


class Estate(UnitOwned):
    """小区. ``unit`` is the managing unit (the bureau's housing office); ``region`` where it stands.
    Rent is set per estate, either per ㎡ of floor area or per flat; overstay is charged at market rent."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=200)
    rent_basis = models.CharField(_("rent basis"), max_length=8, choices=RentBasis.choices,
                                  default=RentBasis.PER_SQUARE_METRE)
    rent_per_sqm = models.DecimalField(_("monthly rent per ㎡ (yuan)"), null=True, blank=True, **MONEY)
    rent_per_flat = models.DecimalField(_("monthly rent per flat (yuan)"), null=True, blank=True, **MONEY)
    market_rent_per_sqm = models.DecimalField(_("monthly market rent per ㎡ (yuan)"), **MONEY)

    class Meta:
        ordering = ["org_path", "name"]
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="housing_estate_name"),
            models.CheckConstraint(
                condition=Q(rent_basis="per_sqm", rent_per_sqm__isnull=False)
                | Q(rent_basis="per_flat", rent_per_flat__isnull=False),
                name="housing_estate_rent_set",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HousingBuilding(UnitOwned):
    """楼栋 of an estate; its rows follow the estate's managing unit."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("estate"))
    name = models.CharField(_("name"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("floors"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["estate", "name"]
        verbose_name = _("residential building")
        verbose_name_plural = _("residential buildings")
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="housing_building_name")]

    def __str__(self) -> str:
        return f"{self.estate.name} {self.name}"


class FlatState(models.TextChoices):
    VACANT = "vacant", pgettext_lazy("flat state", "Vacant")
    RESERVED = "reserved", pgettext_lazy("flat state", "Reserved")
    OCCUPIED = "occupied", pgettext_lazy("flat state", "Occupied")
    MAINTENANCE = "maintenance", pgettext_lazy("flat state", "Under maintenance")
    RETIRED = "retired", pgettext_lazy("flat state", "Retired")


FLAT_STATE_COLORS = {"vacant": "green", "reserved": "azure", "occupied": "blue", "maintenance": "orange",
                     "retired": "secondary"}


class Flat(UnitOwned):
    """套: one flat. ``furnishings`` is the inventory handed over with it: ``[{"item": "床", "count": 2}, …]``.
    ``vacant_since`` dates the current vacancy (the monitor's "vacant > 90 days while people wait")."""

    building = models.ForeignKey(HousingBuilding, on_delete=models.PROTECT, related_name="flats",
                                 verbose_name=_("building"))
    unit_no = models.CharField(_("flat number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    layout = models.CharField(_("layout"), max_length=20, help_text=_("E.g. 两室一厅."))
    bedrooms = models.PositiveSmallIntegerField(_("bedrooms"), default=1)
    floor_area = models.DecimalField(_("floor area (㎡)"), **AREA)
    furnishings = models.JSONField(_("furnishing inventory"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=FlatState.choices, default=FlatState.VACANT)
    vacant_since = models.DateField(_("vacant since"), null=True, blank=True)

    class Meta:
        ordering = ["building", "floor", "unit_no"]
        verbose_name = _("flat")
        verbose_name_plural = _("flats")
        indexes = [models.Index(fields=["org_path", "state"], name="housing_flat_state")]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit_no"], name="housing_flat_number"),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="housing_flat_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.unit_no}"

    @property
    def state_color(self) -> str:
        return FLAT_STATE_COLORS.get(self.state, "secondary")

    def monthly_rent(self) -> Decimal:
        """The contract rent of a month by the estate's basis (needs ``building__estate`` loaded)."""
        estate = self.building.estate
        if estate.rent_basis == RentBasis.PER_FLAT:
            return estate.rent_per_flat
        return (estate.rent_per_sqm * self.floor_area).quantize(Decimal("0.01"))

    def get_absolute_url(self) -> str:
        return reverse("manage:housing:flat", args=[self.pk])


class MeterKind(models.TextChoices):
    WATER = "water", _("Water")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")


class Meter(UnitOwned):
    """A utility meter of a flat (one per kind) with its last reading, the start of the next bill."""

    flat = models.ForeignKey(Flat, on_delete=models.CASCADE, related_name="meters", verbose_name=_("flat"))
    kind = models.CharField(_("kind"), max_length=12, choices=MeterKind.choices)
    number = models.CharField(_("meter number"), max_length=40)
    last_reading = models.DecimalField(_("last reading"), max_digits=12, decimal_places=2,
                                       validators=[MinValueValidator(Decimal("0"))])
    read_on = models.DateField(_("read on"))

    class Meta:
        ordering = ["flat", "kind"]
        verbose_name = _("utility meter")
        verbose_name_plural = _("utility meters")
        constraints = [models.UniqueConstraint(fields=["flat", "kind"], name="housing_meter_kind_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


# Each workflow keeps its entities in a file of its own.
from .applications import *  # noqa: E402,F403
from .billing import *  # noqa: E402,F403
from .leases import *  # noqa: E402,F403
from .offers import *  # noqa: E402,F403
from .reviews import *  # noqa: E402,F403
from .waiting import *  # noqa: E402,F403
