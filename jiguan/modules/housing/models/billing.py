"""The ledger of a tenancy: charges (rent, overstay at market rent, utilities from meter readings, damage)
and payments. Payments settle the oldest open charges first (``Charge.paid``); what is due and unpaid
is the tenancy's arrears."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import ScopeSpec

from . import MONEY, Meter
from .leases import Lease

__all__ = ["Charge", "ChargeKind", "MeterReading", "Payment", "PaymentMethod"]

LEASE_SCOPE = ScopeSpec(paths=("lease__org_path",), units=("lease__unit",), persons=("lease__person",),
                        accounts=("lease__tenant",))


class ChargeKind(models.TextChoices):
    RENT = "rent", _("Rent")
    OVERSTAY = "overstay", _("Overstay charge at market rent")
    WATER = "water", _("Water")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")
    DAMAGE = "damage", _("Damage")


# Charges billed once per lease and period: the monthly run may be repeated without billing twice.
PERIODIC_KINDS = ("rent", "overstay", "water", "electricity", "gas")


class Charge(TrackedModel):
    """One line of a monthly bill (or a damage charge at check-out). ``period_start``–``period_end`` is the
    stretch it bills (both inclusive; a partial month at either end of a tenancy is billed pro rata)."""

    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="charges", verbose_name=_("lease"))
    kind = models.CharField(_("kind"), max_length=12, choices=ChargeKind.choices)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid = models.DecimalField(_("paid (yuan)"), default=Decimal("0"), **MONEY)
    description = models.CharField(_("description"), max_length=200, blank=True)
    billed_on = models.DateField(_("billed on"))
    due_on = models.DateField(_("due on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("billed by"))

    data_scope = LEASE_SCOPE

    class Meta:
        ordering = ["lease", "due_on", "pk"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        indexes = [models.Index(fields=["lease", "due_on"], name="housing_charge_due")]
        constraints = [
            models.UniqueConstraint(fields=["lease", "kind", "period_start"], condition=Q(kind__in=PERIODIC_KINDS),
                                    name="housing_charge_once_per_period"),
            models.CheckConstraint(condition=Q(paid__lte=models.F("amount")), name="housing_charge_not_overpaid"),
        ]

    def __str__(self) -> str:
        return f"{self.lease.number} {self.get_kind_display()} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    PAYROLL = "payroll", _("Payroll deduction")
    CARD = "card", _("Card or mobile payment")
    DEPOSIT = "deposit", _("Set off against the deposit")


class Payment(TrackedModel):
    """Money received for a tenancy. ``reference`` is the receipt or bank reference (unique per lease, so
    the same transfer cannot be entered twice)."""

    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="payments", verbose_name=_("lease"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(_("receipt or bank reference"), max_length=60)
    note = models.CharField(_("remarks"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    data_scope = LEASE_SCOPE

    class Meta:
        ordering = ["lease", "paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.UniqueConstraint(fields=["lease", "reference"], name="housing_payment_reference_once")]

    def __str__(self) -> str:
        return f"{self.lease.number} {self.amount}"


class MeterReading(TrackedModel):
    """A reading of a flat's meter; the difference to the one before is the consumption billed to the lease
    it falls in (none while the flat is empty)."""

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings", verbose_name=_("meter"))
    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, null=True, blank=True, related_name="readings",
                              verbose_name=_("lease"))
    read_on = models.DateField(_("read on"))
    previous = models.DecimalField(_("previous reading"), max_digits=12, decimal_places=2)
    reading = models.DecimalField(_("reading"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    data_scope = ScopeSpec(paths=("meter__org_path",), units=("meter__unit",))

    class Meta:
        ordering = ["meter", "read_on"]
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        constraints = [
            models.UniqueConstraint(fields=["meter", "read_on"], name="housing_reading_once_a_day"),
            models.CheckConstraint(condition=Q(reading__gte=models.F("previous")), name="housing_reading_forward"),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.read_on} {self.reading}"

    @property
    def consumption(self) -> Decimal:
        return self.reading - self.previous
