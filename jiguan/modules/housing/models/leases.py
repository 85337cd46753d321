"""Leases (签约 → 在住 → 续租 | 退房): one lease is one tenancy of a flat, from signing to check-out. Renewals
extend it within the region's maximum stay; its charges and payments form the tenancy's ledger
(``models.billing``). Check-in and check-out are inspections against the flat's furnishing inventory.

Ending a tenancy, for any reason, gives the tenant the region's move-out period at contract rent
(``move_out_by``); a tenant still there after it overstays and is charged market rent."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import OrgUnit, Person, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import PUBLIC, ScopeSpec

from . import MONEY, Flat
from .applications import Application
from .offers import Offer

__all__ = [
    "LIVE_LEASE_STATES", "TENANCY_DEFAULTS", "EndReason", "Inspection", "InspectionKind", "Lease", "LeaseRenewal",
    "LeaseState", "TenancyRules",
]

PRICE = {"max_digits": 8, "decimal_places": 4, "validators": [MinValueValidator(Decimal("0"))]}

# DOMAIN.md → housing: lease 1 year, renewable, total stay ≤ 3 years (5 at most); the tenancy ends after
# 6 consecutive months empty or 6 months' rent owed in total (cf. 公共租赁住房管理办法, 住建部令第11号);
# 2 months to move out at contract rent. Utility prices: 南昌 residential tariffs of 2025 (first block).
TENANCY_DEFAULTS = {
    "lease_months": 12,
    "max_stay_months": 36,
    "deposit_months": 2,
    "payment_days": 15,
    "empty_months_to_end": 6,
    "arrears_months_to_end": 6,
    "move_out_months": 2,
    "notice_days": 7,
    "reminder_days": 60,
    "water_price": Decimal("2.5800"),
    "electricity_price": Decimal("0.6000"),
    "gas_price": Decimal("3.3000"),
}


class TenancyRules(TrackedModel):
    """The lease terms of a region (its bureau sets them; a region without a row uses the nearest one above
    it, else ``TENANCY_DEFAULTS``). Public: tenants are told the rules they live under."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    lease_months = models.PositiveSmallIntegerField(
        _("lease term (months)"), default=TENANCY_DEFAULTS["lease_months"],
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("The term of a new lease and of each renewal (default 12)."))
    max_stay_months = models.PositiveSmallIntegerField(
        _("maximum total stay (months)"), default=TENANCY_DEFAULTS["max_stay_months"],
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Renewals may not take a tenancy past this (default 36, at most 60)."))
    deposit_months = models.PositiveSmallIntegerField(
        _("deposit (months of rent)"), default=TENANCY_DEFAULTS["deposit_months"],
        validators=[MaxValueValidator(6)])
    payment_days = models.PositiveSmallIntegerField(
        _("days to pay a bill"), default=TENANCY_DEFAULTS["payment_days"],
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    empty_months_to_end = models.PositiveSmallIntegerField(
        _("months empty before termination"), default=TENANCY_DEFAULTS["empty_months_to_end"],
        validators=[MinValueValidator(1), MaxValueValidator(24)])
    arrears_months_to_end = models.PositiveSmallIntegerField(
        _("months of rent owed before termination"), default=TENANCY_DEFAULTS["arrears_months_to_end"],
        validators=[MinValueValidator(1), MaxValueValidator(24)])
    move_out_months = models.PositiveSmallIntegerField(
        _("months to move out after termination"), default=TENANCY_DEFAULTS["move_out_months"],
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Charged at contract rent; after it, overstay at market rent (default 2)."))
    notice_days = models.PositiveSmallIntegerField(
        _("days of notice a tenant gives"), default=TENANCY_DEFAULTS["notice_days"],
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("A tenant moving out before the term ends gives this much notice, so the bureau can book "
                    "the check-out inspection (default 7)."))
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a lease ends"), default=TENANCY_DEFAULTS["reminder_days"],
        validators=[MinValueValidator(1), MaxValueValidator(180)])
    water_price = models.DecimalField(_("water (yuan per m³)"), default=TENANCY_DEFAULTS["water_price"], **PRICE)
    electricity_price = models.DecimalField(_("electricity (yuan per kWh)"),
                                            default=TENANCY_DEFAULTS["electricity_price"], **PRICE)
    gas_price = models.DecimalField(_("gas (yuan per m³)"), default=TENANCY_DEFAULTS["gas_price"], **PRICE)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    data_scope = PUBLIC

    class Meta:
        verbose_name = _("tenancy rules")
        verbose_name_plural = _("tenancy rules")
        constraints = [models.CheckConstraint(condition=Q(max_stay_months__gte=models.F("lease_months")),
                                              name="housing_stay_covers_term")]

    def __str__(self) -> str:
        return str(self.region)


class LeaseState(models.TextChoices):
    SIGNED = "signed", pgettext_lazy("housing lease state", "Signed, awaiting check-in")
    ACTIVE = "active", pgettext_lazy("housing lease state", "In residence")
    ENDING = "ending", pgettext_lazy("housing lease state", "Ended, moving out")
    OVERSTAY = "overstay", pgettext_lazy("housing lease state", "Overstaying")
    ENDED = "ended", pgettext_lazy("housing lease state", "Checked out")


# A flat and a person have at most one lease in these states (partial unique indexes).
LIVE_LEASE_STATES = ("signed", "active", "ending", "overstay")
LEASE_COLORS = {"signed": "azure", "active": "green", "ending": "orange", "overstay": "red", "ended": "secondary"}


class EndReason(models.TextChoices):
    TERM_ENDED = "term_ended", _("The term ended without renewal")
    TENANT_REQUEST = "tenant_request", _("The tenant moves out")
    SUBLET = "sublet", _("Sub-let or lent the flat to others")
    EMPTY = "empty", _("Left the flat empty for the set number of months")
    ARREARS = "arrears", _("Owes rent for the set number of months")
    NOT_ELIGIBLE = "not_eligible", _("No longer eligible")


class Lease(TrackedModel):
    """One tenancy. ``unit`` is the tenant's agency and ``org_path`` copies the application's, so the agency
    and the bureaus above it see the lease; ``managing_unit`` is the bureau that keeps the flat (rent income
    and maintenance costs post to it). ``ends_on`` is the end of the current term; ``started_on`` stays the
    first day of the tenancy, which the maximum stay counts from."""

    number = models.CharField(_("lease number"), max_length=30, unique=True)
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="lease", verbose_name=_("offer"))
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="leases",
                                    verbose_name=_("application"))
    flat = models.ForeignKey(Flat, on_delete=models.PROTECT, related_name="leases", verbose_name=_("flat"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant"))
    tenant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("tenant's account"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant's unit"))
    managing_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("managing unit"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    started_on = models.DateField(_("tenancy starts on"))
    ends_on = models.DateField(_("current term ends on"))
    monthly_rent = models.DecimalField(_("monthly rent (yuan)"), **MONEY)
    market_rent = models.DecimalField(_("monthly market rent (yuan)"), **MONEY)
    deposit = models.DecimalField(_("deposit (yuan)"), **MONEY)
    deposit_paid_on = models.DateField(_("deposit paid on"), null=True, blank=True)
    house_rules = models.TextField(_("house rules"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=LeaseState.choices, default=LeaseState.SIGNED)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("signed for the bureau by"))
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    checked_in_on = models.DateField(_("checked in on"), null=True, blank=True)
    end_reason = models.CharField(_("why the tenancy ends"), max_length=16, choices=EndReason.choices, blank=True)
    end_details = models.TextField(_("findings behind the ending"), blank=True)
    ended_on = models.DateField(_("tenancy ended on"), null=True, blank=True)
    move_out_by = models.DateField(_("move out by"), null=True, blank=True)
    overstay_since = models.DateField(_("overstaying since"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deposit_refund = models.DecimalField(_("deposit refunded (yuan)"), null=True, blank=True, **MONEY)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), persons=("person",), accounts=("tenant",))

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        indexes = [models.Index(fields=["org_path", "state", "ends_on"], name="housing_lease_state")]
        constraints = [
            models.UniqueConstraint(fields=["flat"], condition=Q(state__in=LIVE_LEASE_STATES),
                                    name="housing_one_live_lease_per_flat"),
            models.UniqueConstraint(fields=["person"], condition=Q(state__in=LIVE_LEASE_STATES),
                                    name="housing_one_live_lease_per_person"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("started_on")), name="housing_lease_term"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.flat}"

    def save(self, *args, **kwargs):
        self.org_path = self.application.org_path
        super().save(*args, **kwargs)

    @property
    def state_color(self) -> str:
        return LEASE_COLORS.get(self.state, "secondary")

    def get_absolute_url(self) -> str:
        return reverse("manage:housing:lease", args=[self.pk])


class LeaseRenewal(TrackedModel):
    """A renewal (续租): the term from ``previous_end`` to ``new_end`` at ``monthly_rent``."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="renewals", verbose_name=_("lease"))
    previous_end = models.DateField(_("previous end"))
    new_end = models.DateField(_("new end"))
    monthly_rent = models.DecimalField(_("monthly rent (yuan)"), **MONEY)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)
    comment = models.TextField(_("remarks"), blank=True)

    data_scope = ScopeSpec(paths=("lease__org_path",), units=("lease__unit",), persons=("lease__person",),
                           accounts=("lease__tenant",))

    class Meta:
        ordering = ["lease", "new_end"]
        verbose_name = _("lease renewal")
        verbose_name_plural = _("lease renewals")
        constraints = [models.CheckConstraint(condition=Q(new_end__gt=models.F("previous_end")),
                                              name="housing_renewal_extends")]

    def __str__(self) -> str:
        return f"{self.lease.number} → {self.new_end}"


class InspectionKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in inspection")
    CHECK_OUT = "check_out", _("Check-out inspection")


class Inspection(TrackedModel):
    """验房 at check-in or check-out. ``items`` walks the flat's furnishing inventory:
    ``[{"item": "床", "expected": 2, "found": 2, "condition": "good", "note": ""}, …]``; ``meter_readings``
    maps meter kind to the reading (``{"water": "123.40"}``); ``damages`` lists the charges of a check-out:
    ``[{"item": "空调", "amount": "300.00", "note": "遥控器丢失"}]``."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("lease"))
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices)
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("inspector"))
    items = models.JSONField(_("furnishings checked"), default=list, blank=True)
    meter_readings = models.JSONField(_("meter readings"), default=dict, blank=True)
    damages = models.JSONField(_("damage charges"), default=list, blank=True)
    notes = models.TextField(_("remarks"), blank=True)

    data_scope = ScopeSpec(paths=("lease__org_path",), units=("lease__unit",), persons=("lease__person",),
                           accounts=("lease__tenant",))

    class Meta:
        ordering = ["lease", "inspected_on"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [models.UniqueConstraint(fields=["lease", "kind"], name="housing_inspection_once")]

    def __str__(self) -> str:
        return f"{self.lease.number} {self.get_kind_display()}"
