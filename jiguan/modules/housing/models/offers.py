"""Offers (配租): a vacant flat offered to an applicant on the waiting list. At most one open offer per flat
and per application, enforced by the database as well as by the row locks of ``services.offers``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import ScopeSpec

from . import Flat
from .applications import Application

__all__ = ["Offer", "OfferState"]


class OfferState(models.TextChoices):
    OPEN = "open", pgettext_lazy("housing offer state", "Awaiting the answer")
    ACCEPTED = "accepted", pgettext_lazy("housing offer state", "Accepted")
    DECLINED = "declined", pgettext_lazy("housing offer state", "Declined")
    EXPIRED = "expired", pgettext_lazy("housing offer state", "Expired")
    WITHDRAWN = "withdrawn", pgettext_lazy("housing offer state", "Withdrawn")


OFFER_COLORS = {"open": "cyan", "accepted": "green", "declined": "orange", "expired": "red", "withdrawn": "secondary"}


class Offer(TrackedModel):
    """``skip_reason``: why the offer went past applicants ranked above (empty when it went to the top).
    ``org_path`` copies the application's, so the applicant's unit and the bureau above it see the offer."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="offers",
                                    verbose_name=_("application"))
    flat = models.ForeignKey(Flat, on_delete=models.PROTECT, related_name="offers", verbose_name=_("flat"))
    state = models.CharField(_("state"), max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("offered by"))
    offered_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    expires_on = models.DateField(_("answer by"))
    position = models.PositiveIntegerField(_("position on the list when offered"))
    skip_reason = models.TextField(_("why applicants ranked higher were passed over"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_comment = models.TextField(_("applicant's remarks"), blank=True)
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    data_scope = ScopeSpec(paths=("org_path",), units=("application__unit",), persons=("application__person",),
                           accounts=("application__applicant",))

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(fields=["flat"], condition=Q(state="open"), name="housing_one_open_offer_per_flat"),
            models.UniqueConstraint(fields=["application"], condition=Q(state="open"),
                                    name="housing_one_open_offer_per_application"),
        ]

    def __str__(self) -> str:
        return f"{self.flat} → {self.application.person.name}"

    def save(self, *args, **kwargs):
        self.org_path = self.application.org_path
        super().save(*args, **kwargs)

    @property
    def state_color(self) -> str:
        return OFFER_COLORS.get(self.state, "secondary")
