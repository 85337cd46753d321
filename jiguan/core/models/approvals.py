"""Approval flows: sequential steps per business type and region, each resolved to a role in the
applicant's org chain; approve / reject / return for revision."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import ScopeSpec
from .accounts import Role
from .base import TrackedModel
from .org import OrgUnit, Region


class ApprovalFlow(TrackedModel):
    business_type = models.CharField(_("business type"), max_length=60)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region"),
        help_text=_("Applies to this region and below; empty for the platform default."),
    )
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    org_path = models.CharField(max_length=8, blank=True, db_index=True, editable=False)

    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business_type", "region"], name="flow_once_per_region"),
            models.UniqueConstraint(
                fields=["business_type"], condition=models.Q(region__isnull=True), name="flow_one_default"
            ),
        ]
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.region.key if self.region_id else ""
        super().save(*args, **kwargs)


class ApprovalStep(TrackedModel):
    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=60)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, verbose_name=_("approver role"))

    data_scope = ScopeSpec(paths=("flow__org_path",))

    class Meta:
        ordering = ["flow", "order"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="step_order_unique")]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")

    def __str__(self) -> str:
        return self.name


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalRequest(TrackedModel):
    flow = models.ForeignKey(ApprovalFlow, on_delete=models.PROTECT, related_name="requests")
    business_type = models.CharField(_("business type"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests",
        verbose_name=_("applicant"),
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, verbose_name=_("unit"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    current_step = models.PositiveSmallIntegerField(_("current step"), null=True, blank=True)
    current_role = models.ForeignKey(Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), accounts=("applicant",))

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "current_role"])]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path
        super().save(*args, **kwargs)


class ApprovalDecision(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned for revision")
    RESUBMIT = "resubmit", _("Resubmitted")
    WITHDRAW = "withdraw", _("Withdrawn")


class ApprovalAction(models.Model):
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    step_order = models.PositiveSmallIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    data_scope = ScopeSpec(paths=("request__org_path",), accounts=("actor",))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("approval action")
        verbose_name_plural = _("approval actions")

    def __str__(self) -> str:
        return f"{self.decision} #{self.request_id}"
