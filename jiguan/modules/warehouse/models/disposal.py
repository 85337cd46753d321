"""Disposal (处置): items the pool cannot place are disposed of in lots, by public bidding (公开竞价) or by
scrapping (报废), once the pool's bureau approves the lot.

Bidding: a lot has a reserve price, a minimum increment, a start and an end; a bid in the last
``sniping_minutes`` pushes the end out by as many minutes (anti-sniping). Bids are open (everyone sees the
highest) or sealed (no one sees any amount until the end; one bid per bidder). Bidders register with the
pool's bureau — units of the region, or outside buyers (companies or individuals) it approves. At the end the
highest bid wins (equal amounts: the earlier bid, then the lower id); the winner pays within ``pay_days``,
else the next bidder is offered the lot. Proceeds go to the treasury (recorded on the lot and as income in
the keeping unit's ledger). Scrapping records the recycler."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.crypto import EncryptedTextField
from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import ScopeSpec

from .assets import MONEY, Asset

__all__ = ["Bid", "BidState", "BidderKind", "BidderRegistration", "DisposalItem", "DisposalLot",
           "DisposalMethod", "LIVE_LOT_STATES", "LotState", "RegistrationState"]


class DisposalMethod(models.TextChoices):
    BIDDING = "bidding", _("Public bidding (公开竞价)")
    SCRAP = "scrap", _("Scrapping (报废)")


class LotState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("warehouse lot state", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("warehouse lot state", "Approved")  # bidding: published
    AWARDED = "awarded", pgettext_lazy("warehouse lot state", "Awarded, awaiting payment")
    SOLD = "sold", pgettext_lazy("warehouse lot state", "Sold")
    UNSOLD = "unsold", pgettext_lazy("warehouse lot state", "Unsold (流拍)")
    SCRAPPED = "scrapped", pgettext_lazy("warehouse lot state", "Scrapped")
    REJECTED = "rejected", pgettext_lazy("warehouse lot state", "Refused")
    CANCELLED = "cancelled", pgettext_lazy("warehouse lot state", "Cancelled")


# A lot holds its items (state "disposing") while it is live.
LIVE_LOT_STATES = ("submitted", "approved", "awarded")
LOT_COLORS = {"submitted": "blue", "approved": "azure", "awarded": "orange", "sold": "green", "unsold": "red",
              "scrapped": "dark", "rejected": "red", "cancelled": "secondary"}


class DisposalLot(UnitOwned):
    """``unit`` is the keeping bureau, which prepares and runs the lot; ``pool_region`` the pool whose bureau
    approves it. ``number`` is ``CZ`` + pool region + year + sequence. ``winning_bid`` is the bid now
    offered the lot (it moves to the next bidder when a winner does not pay by ``pay_by``)."""

    number = models.CharField(_("lot number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=100)
    method = models.CharField(_("disposal method"), max_length=8, choices=DisposalMethod.choices)
    pool_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("pool"))
    reason = models.TextField(_("why the items are disposed of"))
    state = models.CharField(_("state"), max_length=10, choices=LotState.choices, default=LotState.SUBMITTED)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review remarks"), blank=True)
    # Bidding
    reserve_price = models.DecimalField(_("reserve price (yuan)"), null=True, blank=True, **MONEY)
    min_increment = models.DecimalField(_("minimum increment (yuan)"), null=True, blank=True, **MONEY)
    starts_at = models.DateTimeField(_("bidding starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("bidding ends at"), null=True, blank=True)
    original_ends_at = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    sniping_minutes = models.PositiveSmallIntegerField(
        _("extension against last-minute bids (minutes)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    sealed = models.BooleanField(_("sealed bids"), default=False)
    pay_days = models.PositiveSmallIntegerField(_("days the winner has to pay"), default=5,
                                                validators=[MinValueValidator(1), MaxValueValidator(30)])
    winning_bid = models.ForeignKey("warehouse.Bid", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("winning bid"))
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    pay_by = models.DateTimeField(_("to be paid by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(_("treasury payment reference"), max_length=40, blank=True)
    proceeds = models.DecimalField(_("proceeds to the treasury (yuan)"), null=True, blank=True, **MONEY)
    # Scrapping
    recycler_name = models.CharField(_("recycler"), max_length=100, blank=True)
    recycler_licence = models.CharField(_("recycler's licence number"), max_length=50, blank=True)
    scrapped_on = models.DateField(_("scrapped on"), null=True, blank=True)
    scrap_certificate = models.CharField(_("recycling certificate number"), max_length=50, blank=True)
    salvage_value = models.DecimalField(_("salvage income (yuan)"), null=True, blank=True, **MONEY)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        verbose_name = _("disposal lot")
        verbose_name_plural = _("disposal lots")
        indexes = [models.Index(fields=["state", "ends_at"], name="warehouse_lot_ending")]
        constraints = [
            models.CheckConstraint(
                condition=Q(method="scrap") | Q(reserve_price__isnull=False, min_increment__gt=0,
                                                starts_at__isnull=False, ends_at__gt=F("starts_at")),
                name="warehouse_bidding_lot_terms"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def state_color(self) -> str:
        return LOT_COLORS.get(self.state, "secondary")

    def get_absolute_url(self) -> str:
        return reverse("manage:warehouse:lot", args=[self.pk])


class DisposalItem(TrackedModel):
    """An item of a lot. An item is in one live lot at a time: it is "disposing" while the lot lives."""

    lot = models.ForeignKey(DisposalLot, on_delete=models.CASCADE, related_name="items", verbose_name=_("lot"))
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="disposal_items",
                              verbose_name=_("asset"))

    data_scope = ScopeSpec(paths=("lot__org_path",), units=("lot__unit",))

    class Meta:
        ordering = ["lot", "pk"]
        verbose_name = _("lot item")
        verbose_name_plural = _("lot items")
        constraints = [models.UniqueConstraint(fields=["lot", "asset"], name="warehouse_lot_item_once")]

    def __str__(self) -> str:
        return f"{self.lot.number}: {self.asset}"


class BidderKind(models.TextChoices):
    UNIT = "unit", _("A unit of the region")
    COMPANY = "company", _("An outside company")
    INDIVIDUAL = "individual", _("An outside individual")


class RegistrationState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("warehouse bidder state", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("warehouse bidder state", "Approved")
    REJECTED = "rejected", pgettext_lazy("warehouse bidder state", "Refused")
    REVOKED = "revoked", pgettext_lazy("warehouse bidder state", "Revoked")


REGISTRATION_COLORS = {"pending": "blue", "approved": "green", "rejected": "red", "revoked": "secondary"}


class BidderRegistration(UnitOwned):
    """A bidder of the pool of ``pool_region``: ``unit`` is the pool's bureau, which approves and sees the
    registration; ``account`` the login that bids. A unit bidder names its unit (``bidder_unit``); an outside
    buyer its 统一社会信用代码 (company) or ID number (individual), kept encrypted like every ID number."""

    pool_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("pool"))
    kind = models.CharField(_("bidder kind"), max_length=10, choices=BidderKind.choices)
    bidder_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("bidding unit"))
    name = models.CharField(_("bidder name"), max_length=100)
    credential = EncryptedTextField(_("credit code or ID number"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone = EncryptedTextField(_("contact phone"))
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("bidding account"))
    state = models.CharField(_("state"), max_length=10, choices=RegistrationState.choices,
                             default=RegistrationState.PENDING)
    requested_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review remarks"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("bidder registration")
        verbose_name_plural = _("bidder registrations")
        constraints = [
            models.UniqueConstraint(fields=["pool_region", "account"], condition=Q(state__in=("pending", "approved")),
                                    name="warehouse_one_live_registration"),
            models.CheckConstraint(condition=Q(kind="unit", bidder_unit__isnull=False)
                                   | (~Q(kind="unit") & Q(bidder_unit__isnull=True)),
                                   name="warehouse_unit_bidder_names_unit"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def state_color(self) -> str:
        return REGISTRATION_COLORS.get(self.state, "secondary")


class BidState(models.TextChoices):
    VALID = "valid", pgettext_lazy("warehouse bid state", "Valid")
    DEFAULTED = "defaulted", pgettext_lazy("warehouse bid state", "Won but not paid")


class Bid(TrackedModel):
    """A bid: ``placed_at`` is the server's clock when the bid was accepted. Ranking is by amount, then the
    earlier bid, then the lower id — deterministic even for bids placed in the same microsecond."""

    lot = models.ForeignKey(DisposalLot, on_delete=models.PROTECT, related_name="bids", verbose_name=_("lot"))
    bidder = models.ForeignKey(BidderRegistration, on_delete=models.PROTECT, related_name="bids",
                               verbose_name=_("bidder"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    placed_at = models.DateTimeField(_("placed at"))
    state = models.CharField(_("state"), max_length=10, choices=BidState.choices, default=BidState.VALID)

    data_scope = ScopeSpec(paths=("lot__org_path",), units=("lot__unit",))

    class Meta:
        ordering = ["lot", "-amount", "placed_at", "pk"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        indexes = [models.Index(fields=["lot", "-amount", "placed_at"], name="warehouse_bid_rank")]

    def __str__(self) -> str:
        return f"{self.lot.number} {self.bidder}: {self.amount}"
