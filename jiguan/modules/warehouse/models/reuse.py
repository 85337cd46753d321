"""Reuse (调剂): a unit requests an item of the pool, the bureau approves, the item is handed over against
the receiver's signature and its ownership moves to the requesting unit. One live request per item (a
partial unique index), so two units asking for the last item at once cannot both have it.

"Search before you buy" (先调剂后购置): before a purchase request of a category, a unit is shown the matching
pool items and records why they do not fit (``PurchaseCheck``); those records are reported."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models.org import UnitOwned

from . import AssetCategory
from .assets import Asset

__all__ = ["LIVE_REUSE_STATES", "PurchaseCheck", "PurchaseDecision", "ReuseRequest", "ReuseState"]


class ReuseState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("warehouse reuse state", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("warehouse reuse state", "Approved, to be handed over")
    HANDED_OVER = "handed_over", pgettext_lazy("warehouse reuse state", "Handed over")
    REJECTED = "rejected", pgettext_lazy("warehouse reuse state", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("warehouse reuse state", "Withdrawn")


LIVE_REUSE_STATES = ("requested", "approved")
REUSE_COLORS = {"requested": "blue", "approved": "azure", "handed_over": "green", "rejected": "red",
                "withdrawn": "secondary"}


class ReuseRequest(UnitOwned):
    """``unit`` is the requesting unit. ``signature`` is the receiver's handwritten signature as a PNG data
    URL, ``received_by_name`` their printed name."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="reuse_requests",
                              verbose_name=_("asset"))
    purpose = models.TextField(_("what the item is for"))
    state = models.CharField(_("state"), max_length=12, choices=ReuseState.choices, default=ReuseState.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review remarks"), blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("handed over by"))
    received_by_name = models.CharField(_("received by"), max_length=50, blank=True)
    signature = models.TextField(_("receiver's signature"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("reuse request")
        verbose_name_plural = _("reuse requests")
        constraints = [models.UniqueConstraint(fields=["asset"], condition=Q(state__in=LIVE_REUSE_STATES),
                                               name="warehouse_one_live_reuse_per_asset")]

    def __str__(self) -> str:
        return f"{self.unit} ← {self.asset}"

    @property
    def state_color(self) -> str:
        return REUSE_COLORS.get(self.state, "secondary")


class PurchaseDecision(models.TextChoices):
    REUSE = "reuse", _("A pool item fits: requested it instead")
    NOT_FIT = "not_fit", _("No pool item fits: buying")


class PurchaseCheck(UnitOwned):
    """A unit's search of the pool before buying ``quantity`` of ``category``: what it found then and what
    it decided, with the reason when nothing fitted."""

    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    planned_item = models.CharField(_("what the unit plans to buy"), max_length=200)
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    matches = models.PositiveIntegerField(_("pool items found"))
    decision = models.CharField(_("decision"), max_length=8, choices=PurchaseDecision.choices)
    reason_not_fit = models.TextField(_("why the pool items do not fit"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        verbose_name = _("purchase check")
        verbose_name_plural = _("purchase checks")
        constraints = [models.CheckConstraint(condition=Q(decision="reuse") | ~Q(reason_not_fit=""),
                                              name="warehouse_not_fit_has_reason")]

    def __str__(self) -> str:
        return f"{self.unit} {self.category}"
