"""Office-space figures for the operation monitor: KPIs ``(region_code, unit_id) -> number or dict`` over
the ledger of a region (and below) or of one agency, and rules returning the offending objects. All
computed by the database (see ``standards``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from jiguan.core.models import Person
from jiguan.core.models.org import PersonStatus, region_key

from . import standards
from .models import Recovery, RecoveryState, Room, RoomCategory

IDLE_ALERT_DAYS = 183  # "idle ≥ 6 months": the same threshold as the public-property pool


def _narrowed(queryset: QuerySet, region_code: str | None, unit_id: int | None) -> QuerySet:
    """Rows of a region and below and/or of one agency (its own and its departments')."""
    if region_code:
        queryset = queryset.filter(org_path__under=region_key(region_code))
    if unit_id:
        queryset = queryset.filter(Q(unit_id=unit_id) | Q(unit__unit_id=unit_id))
    return queryset


def _analysis(region_code, unit_id) -> dict:
    return standards.analysis(_narrowed(Room.objects.all(), region_code, unit_id))


def area_by_category(region_code: str | None = None, unit_id: int | None = None) -> dict:
    return {category: row["area"] for category, row in _analysis(region_code, unit_id)["by_category"].items()}


def office_area_per_capita(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    offices = _narrowed(Room.objects.filter(category=RoomCategory.OFFICE, retired=False), region_code, unit_id)
    office_area = offices.aggregate(area=Sum("usable_area"))["area"] or standards.ZERO
    people = _narrowed(Person.objects.filter(status=PersonStatus.ACTIVE), region_code, unit_id).count()
    return (office_area / people).quantize(standards.CENT) if people else standards.ZERO


def over_standard_count(region_code: str | None = None, unit_id: int | None = None) -> int:
    return _over(region_code, unit_id)["count"]


def over_standard_area(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    return _over(region_code, unit_id)["area"] or standards.ZERO


def _over(region_code, unit_id) -> dict:
    rooms = standards.over_standard_rooms(_narrowed(Room.objects.all(), region_code, unit_id))
    return rooms.aggregate(count=Count("pk"), area=Sum("excess"))


def idle_area(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    rooms = standards.idle_rooms(_narrowed(Room.objects.all(), region_code, unit_id))
    return rooms.aggregate(area=Sum("usable_area"))["area"] or standards.ZERO


def idle_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Idle usable area as a percentage of all usable area."""
    return (_analysis(region_code, unit_id)["idle_rate"] * 100).quantize(standards.CENT)


def overdue_recoveries(region_code: str | None = None, unit_id: int | None = None) -> int:
    return _narrowed(Recovery.objects.filter(state=RecoveryState.OVERDUE), region_code, unit_id).count()


# --- Rules: each returns the offending objects ------------------------------------------------------


def rooms_over_standard() -> QuerySet:
    return standards.over_standard_rooms(Room.objects.all())


def recoveries_overdue() -> QuerySet:
    """Open recoveries past their due date (flagged or not yet flagged by the job)."""
    today = timezone.localdate()
    return Recovery.objects.filter(
        Q(state=RecoveryState.OVERDUE) | Q(state=RecoveryState.OPEN, due_on__lt=today)
    ).order_by("due_on", "pk")


def rooms_idle_long() -> QuerySet:
    limit = timezone.localdate() - timedelta(days=IDLE_ALERT_DAYS)
    return standards.idle_rooms(Room.objects.all()).filter(idle_since__lte=limit)
