"""Loans (借用 → 归还) and repairs (修复).

A unit borrows a free item of its region's pool for a meeting, an event or a temporary body, until a due
date: request → approval by the pool's bureau → lent against the borrower's signature → returned and
inspected (the condition it came back in, a damage charge to the borrowing unit). One live loan per item.

An item needing repair goes out to a repairer and comes back into the pool, its cost posted to the keeping
unit's ledger; an item that cannot be repaired comes back marked so, for disposal."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models.org import UnitOwned

from .assets import MONEY, Asset, Condition

__all__ = ["LIVE_LOAN_STATES", "Loan", "LoanPurpose", "LoanState", "Repair", "RepairState"]


class LoanPurpose(models.TextChoices):
    MEETING = "meeting", _("A meeting")
    EVENT = "event", _("An event")
    TEMPORARY_BODY = "temporary_body", _("A temporary body")
    OTHER = "other", _("Other temporary need")


class LoanState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("warehouse loan state", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("warehouse loan state", "Approved, to be collected")
    LENT = "lent", pgettext_lazy("warehouse loan state", "On loan")
    RETURNED = "returned", pgettext_lazy("warehouse loan state", "Returned")
    REJECTED = "rejected", pgettext_lazy("warehouse loan state", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("warehouse loan state", "Withdrawn")


LIVE_LOAN_STATES = ("requested", "approved", "lent")
LOAN_COLORS = {"requested": "blue", "approved": "azure", "lent": "purple", "returned": "green", "rejected": "red",
               "withdrawn": "secondary"}


class Loan(UnitOwned):
    """``unit`` is the borrowing unit. ``signature`` is the borrower's handwritten signature (PNG data URL) at
    lending; ``condition_out``/``condition_back`` the item's condition when lent and when returned;
    ``reminded_on`` the day the last due-date reminder went out (each is sent once)."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="loans", verbose_name=_("asset"))
    purpose_kind = models.CharField(_("borrowed for"), max_length=16, choices=LoanPurpose.choices)
    purpose = models.TextField(_("what the item is borrowed for"))
    starts_on = models.DateField(_("borrowed from"))
    due_on = models.DateField(_("due back on"))
    state = models.CharField(_("state"), max_length=10, choices=LoanState.choices, default=LoanState.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review remarks"), blank=True)
    lent_at = models.DateTimeField(_("lent at"), null=True, blank=True)
    lent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("lent by"))
    received_by_name = models.CharField(_("collected by"), max_length=50, blank=True)
    signature = models.TextField(_("borrower's signature"), blank=True)
    condition_out = models.CharField(_("condition when lent"), max_length=6, choices=Condition.choices, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by_name = models.CharField(_("returned by"), max_length=50, blank=True)
    return_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="+", verbose_name=_("return inspected by"))
    condition_back = models.CharField(_("condition when returned"), max_length=6, choices=Condition.choices,
                                      blank=True)
    damage_charge = models.DecimalField(_("damage charge (yuan)"), default=0, **MONEY)
    return_note = models.TextField(_("return inspection remarks"), blank=True)
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [models.Index(fields=["state", "due_on"], name="warehouse_loan_due")]
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=Q(state__in=LIVE_LOAN_STATES),
                                    name="warehouse_one_live_loan_per_asset"),
            models.CheckConstraint(condition=Q(due_on__gte=F("starts_on")), name="warehouse_loan_due_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ← {self.asset}"

    @property
    def state_color(self) -> str:
        return LOAN_COLORS.get(self.state, "secondary")

    @property
    def overdue(self) -> bool:
        """Out on loan past its due date (``services.loans.overdue`` is the same test as a query)."""
        return self.state == LoanState.LENT and self.due_on < timezone.localdate()

    def get_absolute_url(self) -> str:
        return reverse("manage:warehouse:loan", args=[self.pk])


class RepairState(models.TextChoices):
    IN_REPAIR = "in_repair", pgettext_lazy("warehouse repair state", "Under repair")
    REPAIRED = "repaired", pgettext_lazy("warehouse repair state", "Repaired, back in the pool")
    BEYOND_REPAIR = "beyond_repair", pgettext_lazy("warehouse repair state", "Beyond repair")


REPAIR_COLORS = {"in_repair": "orange", "repaired": "green", "beyond_repair": "dark"}


class Repair(UnitOwned):
    """``unit`` is the keeping unit (the card's holder), which pays the repair. ``loan`` is the loan whose
    return inspection found the damage, if any."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("asset"))
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="repairs",
                             verbose_name=_("loan"))
    fault = models.TextField(_("fault"))
    repairer = models.CharField(_("repairer"), max_length=100)
    sent_on = models.DateField(_("sent for repair on"))
    expected_back_on = models.DateField(_("expected back on"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sent by"))
    state = models.CharField(_("state"), max_length=14, choices=RepairState.choices, default=RepairState.IN_REPAIR)
    finished_on = models.DateField(_("back on"), null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("taken back by"))
    cost = models.DecimalField(_("repair cost (yuan)"), null=True, blank=True, **MONEY)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    condition_after = models.CharField(_("condition after repair"), max_length=6, choices=Condition.choices,
                                       blank=True)
    outcome_note = models.TextField(_("outcome remarks"), blank=True)

    class Meta:
        ordering = ["-sent_on", "-pk"]
        verbose_name = _("repair")
        verbose_name_plural = _("repairs")
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=Q(state="in_repair"),
                                    name="warehouse_one_live_repair_per_asset"),
            models.CheckConstraint(condition=Q(expected_back_on__isnull=True) | Q(expected_back_on__gte=F("sent_on")),
                                   name="warehouse_repair_back_after_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} ({self.repairer})"

    @property
    def state_color(self) -> str:
        return REPAIR_COLORS.get(self.state, "secondary")
