"""Event (事件): the one work item for everything that needs handling (一切皆事件,发现即处理)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..scoping import ScopeSpec
from .base import TrackedModel
from .org import OrgUnit, Region


class EventStatus(models.TextChoices):
    NEW = "new", _("New")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


# Waiting for someone to act (a resolved event waits only for its reporter's confirmation).
OPEN_EVENT_STATES = (EventStatus.NEW, EventStatus.DISPATCHED, EventStatus.IN_PROGRESS)


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Event(TrackedModel):
    type = models.CharField(_("event type"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.NEW)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="events", verbose_name=_("unit concerned")
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="reported_events",
        verbose_name=_("reporter"),
    )
    assignee_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_events",
        verbose_name=_("handling unit"),
    )
    assignee_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_events",
        verbose_name=_("handler"),
    )
    due_at = models.DateTimeField(_("SLA deadline"), null=True, blank=True, db_index=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    data_scope = ScopeSpec(
        paths=("org_path", "assignee_path"), units=("unit", "assignee_unit"), accounts=("reporter", "assignee")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="event_rating_1_to_5"
            ),
        ]

    @property
    def past_deadline(self) -> bool:
        """Still open after its SLA deadline."""
        return bool(self.due_at and self.status in OPEN_EVENT_STATES and self.due_at < timezone.now())

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path
        self.assignee_path = self.assignee_unit.org_path if self.assignee_unit_id else ""
        super().save(*args, **kwargs)
