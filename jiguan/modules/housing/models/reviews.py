"""Annual review (年审): the bureau opens a review of a year for the tenancies it keeps; each tenant
declares whether they still qualify, the bureau checks the declaration against what the platform holds
and passes or fails it. A failed review ends the tenancy as no longer eligible."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import ScopeSpec

from .leases import Lease

__all__ = ["ReviewCampaign", "ReviewState", "TenancyReview"]


class ReviewCampaign(UnitOwned):
    """One year's review run by a bureau (``unit``) over the live tenancies of ``region``."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"))
    declare_by = models.DateField(_("tenants declare by"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "region"]
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="housing_review_once_a_year")]

    def __str__(self) -> str:
        return f"{self.region.name} {self.year}"


class ReviewState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("housing review state", "Awaiting the tenant's declaration")
    DECLARED = "declared", pgettext_lazy("housing review state", "Declared, awaiting the bureau")
    PASSED = "passed", pgettext_lazy("housing review state", "Passed")
    FAILED = "failed", pgettext_lazy("housing review state", "Failed")


REVIEW_COLORS = {"pending": "secondary", "declared": "blue", "passed": "green", "failed": "red"}


class TenancyReview(TrackedModel):
    """One tenancy in a campaign: the tenant's declaration and the bureau's decision."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="reviews",
                                 verbose_name=_("annual review"))
    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("lease"))
    state = models.CharField(_("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    still_employed = models.BooleanField(_("still works at the unit"), null=True)
    owns_home = models.BooleanField(_("owns a home in the city"), null=True)
    household_changes = models.TextField(_("changes in the household"), blank=True)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    findings = models.TextField(_("the bureau's findings"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    data_scope = ScopeSpec(paths=("org_path",), units=("lease__unit",), persons=("lease__person",),
                           accounts=("lease__tenant",))

    class Meta:
        ordering = ["campaign", "state", "pk"]
        verbose_name = _("tenancy review")
        verbose_name_plural = _("tenancy reviews")
        constraints = [models.UniqueConstraint(fields=["campaign", "lease"], name="housing_review_lease_once")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.lease.number}"

    def save(self, *args, **kwargs):
        self.org_path = self.lease.org_path
        super().save(*args, **kwargs)

    @property
    def state_color(self) -> str:
        return REVIEW_COLORS.get(self.state, "secondary")
