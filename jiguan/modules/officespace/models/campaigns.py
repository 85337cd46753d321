"""清查盘点 campaigns: the bureau opens one over a region; each unit (its task) confirms or corrects every
room of a snapshot of its ledger taken at opening, and per building enters its asset-account figures and
whether the certificate is at hand. The differences 账实 / 账证 / 账账 are read from the snapshot and
the findings, so later ledger edits never move the baseline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import ScopeSpec

from . import AREA, Building, Room, RoomCategory, RoomState

__all__ = [
    "Campaign", "CampaignBuilding", "CampaignRoom", "CampaignState", "CampaignTask", "CheckResult", "DifferenceKind",
    "TaskState",
]

NULL_AREA = {**AREA, "null": True, "blank": True}


class CampaignState(models.TextChoices):
    OPEN = "open", pgettext_lazy("campaign state", "In progress")
    CLOSED = "closed", pgettext_lazy("campaign state", "Closed")


class Campaign(TrackedModel):
    """清查盘点 opened by a bureau over its region (or a city or county below it). ``org_path`` is the
    region's key followed by "/", so the bureaus whose region covers it reach it."""

    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    bureau = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=10, choices=CampaignState.choices, default=CampaignState.OPEN)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing early"), max_length=500, blank=True)
    corrections_applied_at = models.DateTimeField(_("corrections applied at"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("bureau",))

    class Meta:
        ordering = ["-year", "-opened_at", "-pk"]
        verbose_name = _("inventory campaign")
        verbose_name_plural = _("inventory campaigns")
        constraints = [
            models.UniqueConstraint(fields=["region"], condition=Q(state="open"),
                                    name="officespace_campaign_one_open_per_region"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("campaign task", "Pending")
    SUBMITTED = "submitted", pgettext_lazy("campaign task", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("campaign task", "Accepted")
    RETURNED = "returned", pgettext_lazy("campaign task", "Returned")


class CampaignTask(TrackedModel):
    """One unit's part of a campaign: its rooms and the buildings it keeps."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks",
                                 verbose_name=_("campaign"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices, default=TaskState.PENDING)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",))

    class Meta:
        ordering = ["campaign", "org_path"]
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="officespace_campaign_task_once")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("manage:officespace:campaign_task", args=[self.pk])


class CheckResult(models.TextChoices):
    PENDING = "pending", pgettext_lazy("room check", "Unchecked")
    CONFIRMED = "confirmed", pgettext_lazy("room check", "Confirmed")
    CORRECTED = "corrected", pgettext_lazy("room check", "Corrected")
    MISSING = "missing", pgettext_lazy("room check", "Not found")
    EXTRA = "extra", pgettext_lazy("room check", "Not in the ledger")


class DifferenceKind(models.TextChoices):
    """The three checks of a 清查盘点 (not stored: differences are read from the snapshot and findings)."""

    PHYSICAL = "physical", _("Ledger vs site (账实)")
    CERTIFICATE = "certificate", _("Ledger vs certificates (账证)")
    ACCOUNTS = "accounts", _("Ledger vs asset accounts (账账)")


class CampaignRoom(TrackedModel):
    """A room as the ledger had it when the campaign opened (``ledger_*``, never changed) and what the
    unit found on site (``found_*``). An ``extra`` row is a room found but not in the ledger."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(CampaignTask, on_delete=models.CASCADE, related_name="rooms")
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    building_name = models.CharField(_("building"), max_length=100)
    floor = models.SmallIntegerField(_("floor"))
    number = models.CharField(_("room number"), max_length=20)
    subtype = models.CharField(_("sub-type"), max_length=40, blank=True)
    ledger_category = models.CharField(_("category in the ledger"), max_length=10, choices=RoomCategory.choices,
                                       blank=True)
    ledger_usable_area = models.DecimalField(_("usable area in the ledger (㎡)"), **NULL_AREA)
    ledger_gross_area = models.DecimalField(_("gross area in the ledger (㎡)"), **NULL_AREA)
    ledger_state = models.CharField(_("state in the ledger"), max_length=10, choices=RoomState.choices, blank=True)
    ledger_occupants = models.PositiveSmallIntegerField(_("occupants in the ledger"), null=True, blank=True)
    # 使用凭证: a room used by another unit than the one keeping the building needs one issued to its user.
    needs_document = models.BooleanField(_("needs an allocation document"), default=False)
    ledger_document = models.CharField(_("allocation document"), max_length=60, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING)
    found_category = models.CharField(_("category found"), max_length=10, choices=RoomCategory.choices, blank=True)
    found_usable_area = models.DecimalField(_("usable area found (㎡)"), **NULL_AREA)
    found_state = models.CharField(_("state found"), max_length=10, choices=RoomState.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    applied = models.BooleanField(_("applied to the ledger"), default=False)
    apply_note = models.CharField(_("why it was not applied"), max_length=300, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("task__unit",))

    class Meta:
        ordering = ["task", "building_name", "floor", "number", "pk"]
        verbose_name = _("room check")
        verbose_name_plural = _("room checks")
        indexes = [
            models.Index(fields=["task", "result"], name="officespace_croom_task"),
            models.Index(fields=["campaign", "result"], name="officespace_croom_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.building_name} {self.number}"


class CampaignBuilding(TrackedModel):
    """A building kept by the task's unit: its ledger and registration data at opening, and the figures
    the unit declares from its fixed-asset accounts (账面面积, 账面价值) and the certificate check."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(CampaignTask, on_delete=models.CASCADE, related_name="buildings")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField(_("building"), max_length=100)
    ledger_gross_area = models.DecimalField(_("gross floor area in the ledger (㎡)"), **AREA)
    ledger_usable_area = models.DecimalField(_("usable area of its rooms in the ledger (㎡)"), **NULL_AREA)
    ledger_certificate = models.CharField(_("certificate number in the ledger"), max_length=60, blank=True)
    ledger_certificates = models.PositiveSmallIntegerField(_("ownership registrations"), default=0)
    book_area = models.DecimalField(_("book area (㎡)"), **NULL_AREA)
    book_value = models.DecimalField(_("book value (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    certificate_at_hand = models.BooleanField(_("certificate at hand"), null=True, blank=True)
    certificate_matches = models.BooleanField(_("certificate matches the ledger"), null=True, blank=True)
    certificate_area = models.DecimalField(_("area on the certificate (㎡)"), **NULL_AREA)
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("task__unit",))

    class Meta:
        ordering = ["task", "name", "pk"]
        verbose_name = _("building check")
        verbose_name_plural = _("building checks")
        constraints = [models.UniqueConstraint(fields=["campaign", "building"], name="officespace_cbuilding_once")]

    def __str__(self) -> str:
        return self.name
