"""Intake (入仓): a unit offers items to the pool (申请), the bureau approves or refuses (审核), the warehouse
receives them item by item (接收) — each received item becomes an asset card, and the request's receipt
lists them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import ScopeSpec

from . import AssetCategory, Warehouse
from .assets import MONEY, Condition, SourceReason, StorageKind

__all__ = ["MAX_QUANTITY", "IntakeItem", "IntakeRequest", "IntakeState"]

MAX_QUANTITY = 500


class IntakeState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("warehouse intake state", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("warehouse intake state", "Approved, to be received")
    RECEIVED = "received", pgettext_lazy("warehouse intake state", "Received")
    REJECTED = "rejected", pgettext_lazy("warehouse intake state", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("warehouse intake state", "Withdrawn")


INTAKE_COLORS = {"submitted": "blue", "approved": "azure", "received": "green", "rejected": "red",
                 "withdrawn": "secondary"}


class IntakeRequest(UnitOwned):
    """A unit's offer of items to the pool of ``pool_region`` (its own region's). ``warehouse`` is where
    the bureau sends the physical items (set on approval); ``receipt_number`` is issued on receiving."""

    number = models.CharField(_("request number"), max_length=30, unique=True)
    pool_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("pool"))
    reason = models.TextField(_("why the items are offered"))
    state = models.CharField(_("state"), max_length=10, choices=IntakeState.choices, default=IntakeState.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("receiving warehouse"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review remarks"), blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("received by"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=30, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("intake request")
        verbose_name_plural = _("intake requests")
        indexes = [models.Index(fields=["org_path", "state"], name="warehouse_intake_state")]
        constraints = [models.UniqueConstraint(fields=["receipt_number"], condition=~Q(receipt_number=""),
                                               name="warehouse_receipt_number_once")]

    def __str__(self) -> str:
        return self.number

    @property
    def state_color(self) -> str:
        return INTAKE_COLORS.get(self.state, "secondary")


class IntakeItem(TrackedModel):
    """A line of a request: ``quantity`` identical items, each becoming its own card when received."""

    request = models.ForeignKey(IntakeRequest, on_delete=models.CASCADE, related_name="items",
                                verbose_name=_("intake request"))
    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=100)
    specification = models.CharField(_("specification and model"), max_length=200, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"),
                                                validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])
    original_value = models.DecimalField(_("original value of each (yuan)"), **MONEY)
    purchase_date = models.DateField(_("purchase date"))
    condition = models.CharField(_("condition"), max_length=6, choices=Condition.choices)
    source_reason = models.CharField(_("why it is offered"), max_length=16, choices=SourceReason.choices)
    classified = models.BooleanField(_("classified (涉密)"), default=False)
    storage_kind = models.CharField(_("kept"), max_length=8, choices=StorageKind.choices,
                                    default=StorageKind.PHYSICAL)
    note = models.CharField(_("remarks"), max_length=200, blank=True)

    data_scope = ScopeSpec(paths=("request__org_path",), units=("request__unit",))

    class Meta:
        ordering = ["request", "pk"]
        verbose_name = _("intake item")
        verbose_name_plural = _("intake items")

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"
