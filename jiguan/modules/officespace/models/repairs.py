"""Major repairs (大中修): requests, the priority score and the bureau's queue; and the staff's fault
reports (报修) that the unit handles itself or turns into a request."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.models import Person, Region
from jiguan.core.scoping import ScopeSpec

from . import Building, Room, UnitOwned

__all__ = ["DamageGrade", "RepairKind", "RepairReport", "RepairRequest", "RepairState", "ReportState", "Urgency"]

YUAN = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class RepairKind(models.TextChoices):
    MAJOR = "major", _("Major repair")
    MEDIUM = "medium", _("Medium repair")


class DamageGrade(models.IntegerChoices):
    """How bad the damage is, as the unit assessed it (1 slight … 4 dangerous)."""

    SLIGHT = 1, _("Grade 1 · slight")
    MODERATE = 2, _("Grade 2 · moderate")
    SEVERE = 3, _("Grade 3 · severe")
    DANGEROUS = 4, _("Grade 4 · dangerous")


class RepairState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("repair state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("repair state", "Submitted")
    PLANNED = "planned", pgettext_lazy("repair state", "In the plan")
    IN_PROGRESS = "in_progress", pgettext_lazy("repair state", "Works in progress")
    COMPLETED = "completed", pgettext_lazy("repair state", "Completed")
    RETURNED = "returned", pgettext_lazy("repair state", "Returned for more information")
    REJECTED = "rejected", pgettext_lazy("repair state", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("repair state", "Withdrawn")


class RepairRequest(UnitOwned):
    """A 大中修 request on a building of the unit's ledger. ``region`` (the unit's) names the queue the
    request waits in: the bureau of that level decides it. The score and its breakdown are stored so
    the rank can be explained ("why this rank") exactly as it was computed."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="repair_requests",
                                 verbose_name=_("building"))
    rooms = models.ManyToManyField(Room, blank=True, related_name="repair_requests", verbose_name=_("affected rooms"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, editable=False, related_name="+")
    kind = models.CharField(_("kind of repair"), max_length=10, choices=RepairKind.choices)
    title = models.CharField(_("project name"), max_length=100)
    scope_of_works = models.TextField(_("scope of works"))
    damage_grade = models.PositiveSmallIntegerField(_("damage grade"), choices=DamageGrade.choices)
    damage_description = models.TextField(_("damage assessment"))
    estimated_cost = models.DecimalField(_("estimated cost (yuan)"), **YUAN)
    annual_energy_kwh = models.PositiveBigIntegerField(_("annual energy use of the building (kWh)"))
    state = models.CharField(_("state"), max_length=12, choices=RepairState.choices, default=RepairState.DRAFT)
    score = models.DecimalField(_("priority score"), max_digits=5, decimal_places=2, default=Decimal("0"))
    score_breakdown = models.JSONField(_("score breakdown"), default=dict, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank in the queue"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    planned_year = models.PositiveSmallIntegerField(_("planned year"), null=True, blank=True)
    approved_budget = models.DecimalField(_("approved budget (yuan)"), null=True, blank=True, **YUAN)
    decision_comment = models.CharField(_("bureau's comment"), max_length=500, blank=True)
    started_on = models.DateField(_("works started on"), null=True, blank=True)
    completed_on = models.DateField(_("works completed on"), null=True, blank=True)
    actual_cost = models.DecimalField(_("actual cost (yuan)"), null=True, blank=True, **YUAN)
    cost_entry = models.ForeignKey("core.CostEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # While works run: {room id: the state to give back afterwards}.
    room_states = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("major repair request")
        verbose_name_plural = _("major repair requests")
        indexes = [models.Index(fields=["region", "state", "rank"], name="officespace_repair_queue")]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="officespace_repair_score_range"),
            models.CheckConstraint(condition=Q(damage_grade__gte=1, damage_grade__lte=4),
                                   name="officespace_repair_damage_grade"),
            models.CheckConstraint(condition=~Q(state="completed") | Q(actual_cost__gt=0, completed_on__isnull=False),
                                   name="officespace_repair_completed_cost"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.region_id = self.unit.region_id
        super().save(*args, **kwargs)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class ReportState(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("repair report state", "Reported")
    RESOLVED = "resolved", pgettext_lazy("repair report state", "Resolved by the unit")
    ESCALATED = "escalated", pgettext_lazy("repair report state", "Turned into a major repair")


class RepairReport(UnitOwned):
    """A staff member's fault report on their own office. ``unit`` is the room's using unit, whose
    administrators handle it."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="repair_reports", verbose_name=_("room"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reported by"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("fault description"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.REPORTED)
    resolution_note = models.CharField(_("how it was handled"), max_length=500, blank=True)
    repair = models.ForeignKey(RepairRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
                               verbose_name=_("major repair request"))
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), persons=("person",), accounts=("reporter",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("repair report")
        verbose_name_plural = _("repair reports")

    def __str__(self) -> str:
        return f"{self.room} · {self.description[:20]}"
