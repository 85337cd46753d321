"""The office-space ledger and its rules' data: 院落 → 楼栋 → 楼层 → 房间, who sits where, the area
standard, ownership, allocation documents and recoveries. Rows are scoped by the using unit's org path."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Person, Rank, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import PUBLIC, ScopeSpec

AREA = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class AreaStandard(TrackedModel):
    """Office 使用面积 per person for a rank (2014 standard). ``region`` empty: the national row; a
    province's own row (乡级, local rules) overrides it for that province and below."""

    rank = models.ForeignKey(Rank, on_delete=models.PROTECT, related_name="area_standards", verbose_name=_("rank"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region"))
    area = models.DecimalField(_("office area per person (㎡)"), **AREA)
    source = models.CharField(_("source"), max_length=200, blank=True)

    data_scope = PUBLIC

    class Meta:
        verbose_name = _("area standard")
        verbose_name_plural = _("area standards")
        constraints = [
            models.UniqueConstraint(fields=["rank", "region"], name="officespace_standard_once"),
            models.UniqueConstraint(fields=["rank"], condition=Q(region__isnull=True), name="officespace_standard_national"),
        ]

    def __str__(self) -> str:
        return f"{self.rank} {self.area}㎡"


class Compound(UnitOwned):
    """院落: a site with one or more buildings, managed by a unit (often the bureau)."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=200)
    land_area = models.DecimalField(_("land area (㎡)"), null=True, blank=True, **AREA)

    class Meta:
        ordering = ["org_path", "name"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")

    def __str__(self) -> str:
        return self.name


class Structure(models.TextChoices):
    FRAME = "frame", _("Reinforced concrete")
    MASONRY = "masonry", _("Brick and concrete")
    STEEL = "steel", _("Steel")
    OTHER = "other", _("Other")


class BuildingState(models.TextChoices):
    IN_USE = "in_use", _("In use")
    RETIRED = "retired", pgettext_lazy("building state", "Retired")


class Building(UnitOwned):
    """楼栋. ``unit`` is the unit keeping it in its ledger; rooms may be used by other units."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings",
                                 verbose_name=_("compound"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    year_built = models.PositiveSmallIntegerField(_("year built"))
    floors_above = models.PositiveSmallIntegerField(_("floors above ground"))
    floors_below = models.PositiveSmallIntegerField(_("floors below ground"), default=0)
    gross_area = models.DecimalField(_("gross floor area (㎡)"), **AREA)
    structure = models.CharField(_("structure"), max_length=10, choices=Structure.choices, default=Structure.FRAME)
    state = models.CharField(_("state"), max_length=10, choices=BuildingState.choices, default=BuildingState.IN_USE)

    class Meta:
        ordering = ["compound", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="officespace_building_name")]

    def __str__(self) -> str:
        return self.name


class Floor(UnitOwned):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="floor_set",
                                 verbose_name=_("building"))
    number = models.SmallIntegerField(_("floor"), help_text=_("Negative for basements: -1 is B1."))

    class Meta:
        ordering = ["building", "number"]
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="officespace_floor_once")]

    def __str__(self) -> str:
        return f"B{-self.number}" if self.number < 0 else f"{self.number}F"


class RoomCategory(models.TextChoices):
    """管理办法 (2017) Art. 2."""

    OFFICE = "office", _("Office")
    SERVICE = "service", _("Service room")
    EQUIPMENT = "equipment", _("Equipment room")
    ANCILLARY = "ancillary", _("Ancillary room")


class RoomState(models.TextChoices):
    IN_USE = "in_use", _("In use")
    IDLE = "idle", _("Idle")
    REPAIR = "repair", _("Under repair")
    # Forbidden uses (管理办法: no 出租/出借/经营): recording one opens a violation event.
    RENTED = "rented", _("Rented out (forbidden)")
    LENT = "lent", _("Lent out (forbidden)")
    BUSINESS = "business", _("Business use (forbidden)")


FORBIDDEN_STATES = (RoomState.RENTED, RoomState.LENT, RoomState.BUSINESS)


class Room(UnitOwned):
    """房间. ``unit`` is the unit using it (its 分台账)."""

    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("floor"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="rooms", editable=False)
    number = models.CharField(_("room number"), max_length=20)
    category = models.CharField(_("category"), max_length=10, choices=RoomCategory.choices)
    subtype = models.CharField(_("sub-type"), max_length=40, blank=True,
                               help_text=_("E.g. meeting room, archive, print room, canteen, garage."))
    usable_area = models.DecimalField(_("usable area (㎡)"), **AREA)
    gross_area = models.DecimalField(_("gross area (㎡)"), null=True, blank=True, **AREA)
    desks = models.PositiveSmallIntegerField(_("desks"), default=1, help_text=_("Work places in an office."))
    state = models.CharField(_("state"), max_length=10, choices=RoomState.choices, default=RoomState.IN_USE)
    idle_since = models.DateField(_("idle since"), null=True, blank=True)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["building", "floor__number", "number"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="officespace_room_number"),
            models.CheckConstraint(condition=Q(usable_area__gt=0), name="officespace_room_area_positive"),
            models.CheckConstraint(
                condition=Q(gross_area__isnull=True) | Q(gross_area__gte=models.F("usable_area")),
                name="officespace_room_gross_not_below_usable",
            ),
        ]
        indexes = [models.Index(fields=["org_path", "category", "state"], name="officespace_room_analysis")]

    def __str__(self) -> str:
        return f"{self.building} {self.number}"

    def save(self, *args, **kwargs):
        self.building_id = self.floor.building_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The room's page in the management portal (an event or alert about it links there)."""
        return reverse("manage:officespace:room", args=[self.pk])


class Occupancy(TrackedModel):
    """A person sitting in a room from ``start`` until ``end``. Only one open office at a time, unless
    the second is recorded as the office of a concurrent post (兼职)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("room"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    concurrent_post = models.BooleanField(_("office of a concurrent post"), default=False)
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    data_scope = ScopeSpec(paths=("org_path",), units=("room__unit",), persons=("person",))

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(end__isnull=True, concurrent_post=False),
                name="officespace_one_main_office",
            ),
            models.UniqueConstraint(
                fields=["person", "room"], condition=Q(end__isnull=True), name="officespace_no_double_seat",
            ),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="officespace_occupancy_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.room}"

    def save(self, *args, **kwargs):
        self.org_path = self.room.org_path
        super().save(*args, **kwargs)


class Ownership(UnitOwned):
    """权属登记 of a building: certificate and registered holder (by default the bureau of that level;
    an official exception is recorded with its reason)."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="ownerships",
                                 verbose_name=_("building"))
    certificate_no = models.CharField(_("certificate number"), max_length=60)
    holder = models.CharField(_("registered holder"), max_length=100)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    exception_reason = models.CharField(_("reason for another holder than the bureau"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ownership registration")
        verbose_name_plural = _("ownership registrations")
        constraints = [models.UniqueConstraint(fields=["certificate_no"], name="officespace_certificate_once")]

    def __str__(self) -> str:
        return self.certificate_no


class AllocationDocument(UnitOwned):
    """使用凭证: the document by which the bureau allocated space to the unit."""

    document_no = models.CharField(_("document number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    rooms = models.ManyToManyField(Room, related_name="allocation_documents", verbose_name=_("rooms"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = _("allocation document")
        verbose_name_plural = _("allocation documents")
        constraints = [models.UniqueConstraint(fields=["document_no"], name="officespace_document_once")]

    def __str__(self) -> str:
        return self.document_no


class RecoveryReason(models.TextChoices):
    TRANSFERRED = "transferred", _("Transferred out")
    RETIRED = "retired", _("Retired")
    CONCURRENT_ENDED = "concurrent_ended", _("Concurrent post ended")


class RecoveryState(models.TextChoices):
    OPEN = "open", pgettext_lazy("recovery state", "Open")
    RECOVERED = "recovered", pgettext_lazy("recovery state", "Recovered")
    OVERDUE = "overdue", pgettext_lazy("recovery state", "Overdue")


RECOVERY_COLORS = {RecoveryState.OPEN: "yellow", RecoveryState.OVERDUE: "red", RecoveryState.RECOVERED: "green"}


class Recovery(UnitOwned):
    """腾退: space to take back after a transfer or retirement — 1 month, 2 for a concurrent-post
    office (管理办法 Art. 18–19). Overdue recoveries become events for the unit."""

    occupancy = models.OneToOneField(Occupancy, on_delete=models.PROTECT, related_name="recovery")
    reason = models.CharField(_("reason"), max_length=20, choices=RecoveryReason.choices)
    state = models.CharField(_("state"), max_length=10, choices=RecoveryState.choices, default=RecoveryState.OPEN)
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due on"))
    recovered_on = models.DateField(_("recovered on"), null=True, blank=True)
    event = models.ForeignKey("core.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")

    def __str__(self) -> str:
        return f"{self.occupancy} → {self.due_on}"

    @property
    def state_color(self) -> str:
        return RECOVERY_COLORS[self.state]

    def get_absolute_url(self) -> str:
        """The room to take back, whose page shows its occupancy and the recovery."""
        return reverse("manage:officespace:room", args=[self.occupancy.room_id])


# Each workflow keeps its entities in a file of its own.
from .applications import *  # noqa: E402,F403
from .campaigns import *  # noqa: E402,F403
from .repairs import *  # noqa: E402,F403
from .reports import *  # noqa: E402,F403
