"""Space applications (用房申请) and their allocation in the order 调剂 → 置换 → 租用 → 建设, and staff
members' requests to adjust their own office (调整办公室申请)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Person, Rank, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import ScopeSpec

from . import AREA, AllocationDocument, Compound, Room, UnitOwned

__all__ = [
    "AdjustmentReason",
    "AdjustmentState",
    "AllocationMethod",
    "ApplicationState",
    "HeadcountLine",
    "OfficeAdjustment",
    "SpaceAllocation",
    "SpaceApplication",
]


# The Tabler colour of each state's badge on the screens.
STATE_COLORS = {
    "draft": "secondary", "submitted": "blue", "returned": "orange", "approved": "azure", "allocated": "green",
    "closed": "secondary", "rejected": "red", "withdrawn": "secondary",
    "accepted": "azure", "completed": "green", "declined": "red",
}


class ApplicationState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("space application state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("space application state", "Under approval")
    RETURNED = "returned", pgettext_lazy("space application state", "Returned for revision")
    APPROVED = "approved", pgettext_lazy("space application state", "Approved, awaiting allocation")
    ALLOCATED = "allocated", pgettext_lazy("space application state", "Allocated")
    CLOSED = "closed", pgettext_lazy("space application state", "Closed")
    REJECTED = "rejected", pgettext_lazy("space application state", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("space application state", "Withdrawn")


class AllocationMethod(models.TextChoices):
    """The official order: each later method only when the earlier ones cannot serve."""

    TRANSFER = "transfer", _("Reallocation of idle rooms (调剂)")
    EXCHANGE = "exchange", _("Exchange (置换)")
    RENT = "rent", _("Renting (租用)")
    CONSTRUCTION = "construction", _("Construction (建设)")


class SpaceApplication(UnitOwned):
    """单位用房申请: a unit asks the bureau for office space for a head-count; the requested usable area
    may not exceed the head-count's entitlement under the 2014 standard (kept here as computed on save)."""

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose and reason"))
    requested_area = models.DecimalField(_("requested usable area (㎡)"), **AREA)
    headcount = models.PositiveIntegerField(_("head-count"), default=0)
    entitlement = models.DecimalField(_("entitlement of the head-count (㎡)"), **AREA)
    preferred_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                         verbose_name=_("preferred region"))
    preferred_compound = models.ForeignKey(Compound, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+", verbose_name=_("preferred compound"))
    needed_by = models.DateField(_("needed by"))
    state = models.CharField(_("state"), max_length=10, choices=ApplicationState.choices,
                             default=ApplicationState.DRAFT)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("applicant"))
    approval = models.ForeignKey("core.ApprovalRequest", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("approval"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("space application")
        verbose_name_plural = _("space applications")
        indexes = [models.Index(fields=["org_path", "state"], name="officespace_application_state")]
        constraints = [
            models.CheckConstraint(condition=Q(requested_area__gt=0), name="officespace_application_area_positive"),
            models.CheckConstraint(condition=Q(requested_area__lte=models.F("entitlement")),
                                   name="officespace_application_within_entitlement"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state_color(self) -> str:
        return STATE_COLORS.get(self.state, "secondary")


class HeadcountLine(TrackedModel):
    """How many people of one rank the applied space is for."""

    application = models.ForeignKey(SpaceApplication, on_delete=models.CASCADE, related_name="lines")
    rank = models.ForeignKey(Rank, on_delete=models.PROTECT, related_name="+", verbose_name=_("rank"))
    count = models.PositiveIntegerField(_("people"), validators=[MinValueValidator(1)])
    limit = models.DecimalField(_("office area per person (㎡)"), **AREA)

    data_scope = ScopeSpec(paths=("application__org_path",), units=("application__unit",))

    class Meta:
        ordering = ["rank__order"]
        verbose_name = _("head-count line")
        verbose_name_plural = _("head-count lines")
        constraints = [models.UniqueConstraint(fields=["application", "rank"], name="officespace_headcount_rank_once")]

    def __str__(self) -> str:
        return f"{self.rank} × {self.count}"


class SpaceAllocation(UnitOwned):
    """How the bureau served an application, with the written reasons why each earlier method could not."""

    application = models.OneToOneField(SpaceApplication, on_delete=models.PROTECT, related_name="allocation")
    method = models.CharField(_("method"), max_length=12, choices=AllocationMethod.choices)
    why_not_transfer = models.TextField(_("why reallocation of idle rooms cannot serve"), blank=True)
    why_not_exchange = models.TextField(_("why an exchange cannot serve"), blank=True)
    why_not_rent = models.TextField(_("why renting cannot serve"), blank=True)
    rooms = models.ManyToManyField(Room, related_name="+", blank=True, verbose_name=_("rooms allocated"))
    returned_rooms = models.ManyToManyField(Room, related_name="+", blank=True,
                                            verbose_name=_("rooms given back in exchange"))
    document = models.ForeignKey(AllocationDocument, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("allocation document"))
    lessor = models.CharField(_("lessor"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.DecimalField(_("area (㎡)"), null=True, blank=True, **AREA)
    annual_rent = models.DecimalField(_("annual rent (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    lease_start = models.DateField(_("lease from"), null=True, blank=True)
    lease_end = models.DateField(_("lease to"), null=True, blank=True)
    cost = models.ForeignKey("core.CostEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    project_name = models.CharField(_("project name"), max_length=100, blank=True)
    approval_no = models.CharField(_("approval document number"), max_length=60, blank=True)
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("allocated by"))
    allocated_on = models.DateField(_("allocated on"))

    class Meta:
        verbose_name = _("space allocation")
        verbose_name_plural = _("space allocations")

    def __str__(self) -> str:
        return f"{self.application} · {self.get_method_display()}"


class AdjustmentReason(models.TextChoices):
    TOO_SMALL = "too_small", _("The office is too small")
    CROWDED = "crowded", _("Shared by too many people")
    NEARER = "nearer", _("Move nearer to my department")
    ACCESSIBILITY = "accessibility", _("Accessibility needs")
    OTHER = "other", _("Other")


class AdjustmentState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("adjustment state", "Waiting for the unit")
    ACCEPTED = "accepted", pgettext_lazy("adjustment state", "Accepted")
    COMPLETED = "completed", pgettext_lazy("adjustment state", "Done")
    DECLINED = "declined", pgettext_lazy("adjustment state", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("adjustment state", "Withdrawn")


class OfficeAdjustment(UnitOwned):
    """A staff member asks their unit to adjust their own office; the unit's administrators decide."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("requested by"))
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("current office"))
    reason = models.CharField(_("reason"), max_length=15, choices=AdjustmentReason.choices)
    details = models.TextField(_("details"))
    state = models.CharField(_("state"), max_length=10, choices=AdjustmentState.choices,
                             default=AdjustmentState.SUBMITTED)
    response = models.TextField(_("unit's response"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), persons=("person",), accounts=("requester",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("office adjustment request")
        verbose_name_plural = _("office adjustment requests")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_reason_display()}"

    @property
    def state_color(self) -> str:
        return STATE_COLORS.get(self.state, "secondary")
