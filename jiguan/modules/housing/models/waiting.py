"""The waiting list's configuration: scoring weights and offer rules per region (the bureau of each region
sets its own; a region without a row uses the nearest one above it, else ``DEFAULTS``)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import PUBLIC

__all__ = ["DEFAULTS", "ScoringCriteria"]

POINTS = {"max_digits": 6, "decimal_places": 2,
          "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))]}

# The documented defaults (docs in ScoringCriteria's help texts): seniority counts, a family counts
# more than a rank step, every month on the list counts, and the bureau's hardship assessment weighs most.
DEFAULTS = {
    "points_per_rank_step": Decimal("2.00"),
    "points_per_family_member": Decimal("5.00"),
    "points_per_month_waited": Decimal("1.00"),
    "points_per_hardship_level": Decimal("10.00"),
    "category_window_months": 24,
    "offer_days": 7,
    "declines_before_end": 2,
}


class ScoringCriteria(TrackedModel):
    """How the waiting list of a region is scored and offered. Public: applicants are shown why they stand
    where they do, so the weights are no secret."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    points_per_rank_step = models.DecimalField(
        _("points per rank step"), default=DEFAULTS["points_per_rank_step"],
        help_text=_("For each step of the rank ladder above its lowest rank (default 2)."), **POINTS)
    points_per_family_member = models.DecimalField(
        _("points per family member"), default=DEFAULTS["points_per_family_member"],
        help_text=_("For each family member moving in with the applicant (default 5)."), **POINTS)
    points_per_month_waited = models.DecimalField(
        _("points per month waited"), default=DEFAULTS["points_per_month_waited"],
        help_text=_("For each full month since eligibility was confirmed (default 1)."), **POINTS)
    points_per_hardship_level = models.DecimalField(
        _("points per hardship level"), default=DEFAULTS["points_per_hardship_level"],
        help_text=_("For each level (0–3) of hardship the bureau assessed (default 10)."), **POINTS)
    category_window_months = models.PositiveSmallIntegerField(
        _("eligibility window (months)"), default=DEFAULTS["category_window_months"],
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long after the transfer, recruitment or exchange a person may apply (default 24)."))
    offer_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"), default=DEFAULTS["offer_days"],
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("An offer not answered in time expires and counts as declined (default 7)."))
    declines_before_end = models.PositiveSmallIntegerField(
        _("declines before moving to the end"), default=DEFAULTS["declines_before_end"],
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("After this many declined or expired offers the applicant goes to the end of the list "
                    "(default 2)."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    data_scope = PUBLIC

    class Meta:
        verbose_name = _("waiting-list criteria")
        verbose_name_plural = _("waiting-list criteria")

    def __str__(self) -> str:
        return str(self.region)
