"""Feedback (意见反馈) from staff: an event of type ``core.feedback`` for the government offices
administration bureau of the reporter's region, or the nearest one above it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ..models import Event, OrgUnit
from ..models.org import UnitKind
from .base import require
from .common import region_chain, use_case
from .events import open_event
from .inputs import Errors, text

USE_SERVICE = "core.use_service"
SUMMARY_LENGTH = 40


class FeedbackCategory(models.TextChoices):
    SUGGESTION = "suggestion", pgettext_lazy("feedback category", "Suggestion")
    COMPLAINT = "complaint", pgettext_lazy("feedback category", "Complaint")
    INQUIRY = "inquiry", pgettext_lazy("feedback category", "Inquiry")
    OTHER = "other", pgettext_lazy("feedback category", "Other")


@use_case
def submit_feedback(user, *, category, content) -> Event:
    require(user, USE_SERVICE)
    errors = Errors()
    category = _category(errors, category)
    content = text(errors, "content", content, label=_("feedback content"), max_length=2000, min_length=5)
    if user.unit is None:
        errors.add("__all__", _("Your account belongs to no unit, so the feedback cannot be routed."))
    errors.raise_if_any()
    summary = content if len(content) <= SUMMARY_LENGTH else content[:SUMMARY_LENGTH] + "…"
    return open_event(
        type="core.feedback",
        title=_("[%(category)s] %(summary)s") % {"category": category.label, "summary": summary},
        description=content, unit=user.unit, assignee_unit=nearest_bureau(user.unit.region_id), actor=user,
    )


def nearest_bureau(region_code: str) -> OrgUnit | None:
    """The active bureau (is_bureau) of the region, else of the nearest region above it."""
    chain = region_chain(region_code)
    bureaus = OrgUnit.objects.filter(is_bureau=True, active=True, kind=UnitKind.UNIT, region_id__in=chain)
    return min(bureaus, key=lambda unit: (chain.index(unit.region_id), unit.sort, unit.pk), default=None)


def _category(errors: Errors, value) -> FeedbackCategory | None:
    """A category code, or its name as shown to the user (forms and the app may send either)."""
    for category in FeedbackCategory:
        if value in (category.value, str(category.label)):
            return category
    errors.add("category", _("Choose a category: %(allowed)s.")
               % {"allowed": "、".join(str(label) for label in FeedbackCategory.labels)})
    return None
