"""Office-space figures for the operation monitor: KPIs ``(region_code, unit_id) -> number or dict`` over
the ledger of a region (and below) or of one agency, each with its ``per_agency`` form (every agency in one
grouped query), and rules returning the offending objects. All computed by the database (see ``standards``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from jiguan.core.models import Person
from jiguan.core.models.org import PersonStatus, region_key
from jiguan.core.services.common import of_agencies, totals_by_agency

from . import standards
from .models import Recovery, RecoveryState, Room, RoomCategory

IDLE_ALERT_DAYS = 183  # "idle ≥ 6 months": the same threshold as the public-property pool


def _narrowed(queryset: QuerySet, region_code: str | None, unit_id: int | None) -> QuerySet:
    """Rows of a region and below and/or of one agency (its own and its departments')."""
    if region_code:
        queryset = queryset.filter(org_path__under=region_key(region_code))
    if unit_id:
        queryset = of_agencies(queryset, [unit_id])
    return queryset


def _rooms_of(agency_ids: list[int]) -> QuerySet:
    return of_agencies(Room.objects.all(), agency_ids)


def _each(agency_ids: list[int], found: dict[int, object], value: Callable, empty) -> dict[int, object]:
    """``value`` of each agency's grouped row, or of ``empty`` for an agency that has none."""
    return {pk: value(found.get(pk, empty)) for pk in agency_ids}


def _area(totals: dict) -> Decimal:
    """The ``area`` total of a place or an agency (none is 0)."""
    return totals["area"] or standards.ZERO


def _room_areas(ledger: dict) -> dict:
    return {category: row["area"] for category, row in ledger["by_category"].items()}


def _idle_percent(ledger: dict) -> Decimal:
    return (ledger["idle_rate"] * 100).quantize(standards.CENT)


def _ledger(region_code, unit_id) -> dict:
    return standards.ledger(_narrowed(Room.objects.all(), region_code, unit_id))


def _ledgers(agency_ids: list[int], value: Callable) -> dict[int, object]:
    ledgers = standards.ledgers_by_agency(_rooms_of(agency_ids))
    return _each(agency_ids, ledgers, value, standards.ledger(Room.objects.none()))


def area_by_category(region_code: str | None = None, unit_id: int | None = None) -> dict:
    return _room_areas(_ledger(region_code, unit_id))


def area_by_category_per_agency(agency_ids: list[int]) -> dict[int, dict]:
    return _ledgers(agency_ids, _room_areas)


def _offices() -> QuerySet:
    return Room.objects.filter(category=RoomCategory.OFFICE, retired=False)


def _people() -> QuerySet:
    return Person.objects.filter(status=PersonStatus.ACTIVE)


def _per_capita(office_area: Decimal | None, people: int) -> Decimal:
    return ((office_area or standards.ZERO) / people).quantize(standards.CENT) if people else standards.ZERO


def office_area_per_capita(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    office_area = _narrowed(_offices(), region_code, unit_id).aggregate(area=Sum("usable_area"))["area"]
    return _per_capita(office_area, _narrowed(_people(), region_code, unit_id).count())


def office_area_per_capita_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    areas = totals_by_agency(of_agencies(_offices(), agency_ids), area=Sum("usable_area"))
    people = totals_by_agency(of_agencies(_people(), agency_ids), n=Count("pk"))
    return {pk: _per_capita(areas.get(pk, {}).get("area"), people.get(pk, {}).get("n", 0)) for pk in agency_ids}


OVER_TOTALS = {"count": Count("pk"), "area": Sum("excess")}


def over_standard_count(region_code: str | None = None, unit_id: int | None = None) -> int:
    return _over(region_code, unit_id)["count"]


def over_standard_count_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return _each(agency_ids, _over_by_agency(agency_ids), lambda row: row["count"], {"count": 0})


def over_standard_area(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    return _area(_over(region_code, unit_id))


def over_standard_area_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return _each(agency_ids, _over_by_agency(agency_ids), _area, {"area": None})


def _over(region_code, unit_id) -> dict:
    return standards.over_standard_rooms(_narrowed(Room.objects.all(), region_code, unit_id)).aggregate(**OVER_TOTALS)


def _over_by_agency(agency_ids: list[int]) -> dict[int, dict]:
    return totals_by_agency(standards.over_standard_rooms(_rooms_of(agency_ids)), **OVER_TOTALS)


def idle_area(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    rooms = standards.idle_rooms(_narrowed(Room.objects.all(), region_code, unit_id))
    return _area(rooms.aggregate(area=Sum("usable_area")))


def idle_area_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    found = totals_by_agency(standards.idle_rooms(_rooms_of(agency_ids)), area=Sum("usable_area"))
    return _each(agency_ids, found, _area, {"area": None})


def idle_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Idle usable area as a percentage of all usable area."""
    return _idle_percent(_ledger(region_code, unit_id))


def idle_rate_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return _ledgers(agency_ids, _idle_percent)


def _overdue() -> QuerySet:
    return Recovery.objects.filter(state=RecoveryState.OVERDUE)


def overdue_recoveries(region_code: str | None = None, unit_id: int | None = None) -> int:
    return _narrowed(_overdue(), region_code, unit_id).count()


def overdue_recoveries_per_agency(agency_ids: list[int]) -> dict[int, int]:
    found = totals_by_agency(of_agencies(_overdue(), agency_ids), n=Count("pk"))
    return _each(agency_ids, found, lambda row: row["n"], {"n": 0})


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
