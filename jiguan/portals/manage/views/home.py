"""The portal's home: counts in the user's scope, their to-dos and the latest notices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiguan.core.models import Event, OrgUnit, Person
from jiguan.core.models.events import OPEN_EVENT_STATES, EventStatus
from jiguan.core.models.org import PersonStatus, UnitKind
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services import approvals, notices

from ..access import manage_view

TODO_ROWS = 6


@dataclass(frozen=True)
class Stat:
    label: str
    value: int
    icon: str
    url: str
    colour: str


@require_GET
@manage_view()
def home(request):
    user = request.user
    inbox = approvals.inbox(user)
    return render(request, "manage/home.html", {
        "stats": _stats(user, inbox),
        "pending_approvals": inbox[:TODO_ROWS],
        "event_todos": _event_todos(user),
        "notices": notices.visible_notices(user)[:TODO_ROWS],
    })


def _stats(user, inbox) -> list[Stat]:
    stats = []
    if has_permission(user, "core.view_units"):
        units = OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True)
        stats.append(Stat(_("Agencies in use"), scoped(units, user, "core.view_units").count(), "building",
                          reverse("manage:units") + "?kind=unit&active=1", "blue"))
    if has_permission(user, "core.view_people"):
        people = Person.objects.filter(status=PersonStatus.ACTIVE)
        stats.append(Stat(_("People in post"), scoped(people, user, "core.view_people").count(), "users",
                          reverse("manage:people") + "?status=active", "green"))
    if has_permission(user, "core.view_events"):
        events = Event.objects.filter(status__in=OPEN_EVENT_STATES)
        stats.append(Stat(_("Open events"), scoped(events, user, "core.view_events").count(), "bell-ringing",
                          reverse("manage:events") + "?open=1", "orange"))
    stats.append(Stat(_("Approvals waiting for me"), inbox.count(), "checklist", reverse("manage:approvals"), "purple"))
    return stats


def _event_todos(user):
    """Events waiting for dispatch in the user's scope, and those assigned to them or to their unit."""
    if not has_permission(user, "core.handle_events"):
        return []
    mine = Q(assignee=user) | Q(assignee__isnull=True, assignee_unit_id=user.unit_id)
    waiting = Q(status=EventStatus.NEW) | (Q(status__in=OPEN_EVENT_STATES) & mine)
    events = scoped(Event.objects.filter(waiting).select_related("unit"), user, "core.handle_events")
    return events.order_by(F("due_at").asc(nulls_last=True), "-pk")[:TODO_ROWS]
