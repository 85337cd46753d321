"""The area standard applied: a person's office limit, a room's entitlement and excess, and the province-wide
analysis (over-standard and idle space, per-capita area).

The rule lives in one place, ``person_limit()``, a database expression: the AreaStandard row of the person's
rank for the nearest region up the chain of the person's unit, else the national row. Everything else —
one person, one room, or every room of a province — is computed from it by the database, never by a
Python loop over rooms.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Substr

from jiguan.core.models import OrgUnit, Person
from jiguan.core.models.org import PersonStatus
from jiguan.core.services.common import agency_of_unit, of_agencies, totals_by_agency

from .models import AreaStandard, Occupancy, Room, RoomCategory, RoomState

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
AREA_FIELD = DecimalField(max_digits=14, decimal_places=2)


def _area(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=AREA_FIELD)


def regional_rows_exist() -> bool:
    """Has any province set rows of its own? Until one has, the national row is every person's limit."""
    return AreaStandard.objects.filter(region__isnull=False).exists()


def person_limit(prefix: str = "") -> Coalesce:
    """The per-person office limit of the person at ``prefix`` (``""`` on Person, ``"person__"`` on
    Occupancy): a regional row of the rank for the unit's county, city or province (nearest first —
    within one chain the more specific GB/T 2260 code sorts higher) wins over the national row."""
    region = OuterRef(f"{prefix}unit__region_id")
    rank = OuterRef(f"{prefix}rank_id")
    chain = (
        Q(region_id=region)
        | Q(region_id=Concat(Substr(region, 1, 4), Value("00")))
        | Q(region_id=Concat(Substr(region, 1, 2), Value("0000")))
    )
    national = AreaStandard.objects.filter(rank_id=rank, region__isnull=True).values("area")[:1]
    if not regional_rows_exist():
        return Subquery(national, output_field=AREA_FIELD)
    regional = AreaStandard.objects.filter(chain, rank_id=rank).order_by("-region_id").values("area")[:1]
    return Coalesce(Subquery(regional), Subquery(national), output_field=AREA_FIELD)


def _open_occupancies():
    return Occupancy.objects.filter(room=OuterRef("pk"), end__isnull=True)


def entitlement() -> Coalesce:
    """On Room: the sum of the limits of its open occupants (0 when empty or nobody has a rank)."""
    return _sum_or_zero(
        _open_occupancies().annotate(limit=person_limit("person__")).order_by().values("room").annotate(total=Sum("limit"))
    )


def with_entitlement(rooms: QuerySet) -> QuerySet:
    """Rooms annotated with ``entitlement`` and ``excess``. Only occupied offices can exceed the
    standard: a vacant office is idle space, not over-standard space."""
    return rooms.annotate(entitlement=entitlement()).annotate(
        excess=Case(
            When(Q(category=RoomCategory.OFFICE) & Exists(_open_occupancies()),
                 then=_area(F("usable_area") - F("entitlement"))),
            default=Value(ZERO), output_field=AREA_FIELD,
        )
    )


def limit_for(person: Person) -> Decimal | None:
    """The person's office limit (㎡), or None when their rank is not recorded."""
    if person.rank_id is None:
        return None
    return Person.objects.filter(pk=person.pk).annotate(limit=person_limit()).values_list("limit", flat=True).first()


def room_entitlement(room: Room) -> Decimal:
    return Room.objects.filter(pk=room.pk).annotate(value=entitlement()).values_list("value", flat=True).get()


def room_excess(room: Room) -> Decimal:
    excess = with_entitlement(Room.objects.filter(pk=room.pk)).values_list("excess", flat=True).get()
    return max(excess, ZERO)


def _live(rooms: QuerySet) -> QuerySet:
    return rooms.filter(retired=False)


def over_standard_rooms(rooms: QuerySet) -> QuerySet:
    """The occupied offices above their entitlement, largest excess first. The rooms over are found by one
    grouped pass over the open occupancies; only they are annotated (a province has 138,000 offices)."""
    offices = _live(rooms).filter(category=RoomCategory.OFFICE)
    over = _entitlements_per_room(offices).filter(area__gt=F("entitlement")).values("room")
    return with_entitlement(offices.filter(pk__in=over)).order_by("-excess", "pk")


def idle_rooms(rooms: QuerySet) -> QuerySet:
    return _live(rooms).filter(state=RoomState.IDLE).order_by("idle_since", "pk")


def analysis(rooms: QuerySet) -> dict:
    """The figures of a ledger (any scoped room queryset) in two aggregate queries: one pass over the
    rooms (area by category, idle space) and one grouped pass over the offices' open occupancies."""
    offices = _office_figures(_live(rooms).filter(category=RoomCategory.OFFICE))
    figures = ledger(rooms)
    return {
        **figures,
        "office_area": figures["by_category"][RoomCategory.OFFICE]["area"],
        "office_entitlement": offices["entitlement_total"] or ZERO,
        "over_standard_count": offices["over_count"],
        "over_standard_area": offices["over_area"] or ZERO,
    }


def ledger(rooms: QuerySet) -> dict:
    """Area and rooms by category and the idle space of a ledger, in one aggregate query (``analysis``
    without the offices' occupancies)."""
    return _ledger_of(_category_rows(rooms))


def ledgers_by_agency(rooms: QuerySet) -> dict[int, dict]:
    """``ledger`` of each agency's rooms (its own and its departments'), all in one grouped query."""
    rows: dict[int, list[dict]] = {}
    for row in _category_rows(rooms.annotate(agency=agency_of_unit()), "agency"):
        rows.setdefault(row.pop("agency"), []).append(row)
    return {agency: _ledger_of(agency_rows) for agency, agency_rows in rows.items()}


def _category_rows(rooms: QuerySet, *by: str) -> QuerySet:
    idle = Q(state=RoomState.IDLE)
    return _live(rooms).order_by().values(*by, "category").annotate(
        count=Count("pk"), area=Sum("usable_area"),
        idle_count=Count("pk", filter=idle), idle_area=Sum("usable_area", filter=idle),
    )


def _ledger_of(rows) -> dict:
    by_category = {c: {"count": 0, "area": ZERO} for c in RoomCategory.values}
    idle_count, idle_area = 0, ZERO
    for row in rows:
        by_category[row["category"]] = {"count": row["count"], "area": row["area"] or ZERO}
        idle_count, idle_area = idle_count + row["idle_count"], idle_area + (row["idle_area"] or ZERO)
    total_area = sum((row["area"] for row in by_category.values()), ZERO)
    return {"by_category": by_category, "total_area": total_area, "idle_count": idle_count, "idle_area": idle_area,
            "idle_rate": _ratio(idle_area, total_area)}


def _office_figures(offices: QuerySet) -> dict:
    """Entitlement and over-standard figures of occupied offices."""
    over = Q(area__gt=F("entitlement"))
    return _entitlements_per_room(offices).aggregate(
        entitlement_total=Sum("entitlement"),
        over_count=Count("room", filter=over),
        over_area=Sum(_area(F("area") - F("entitlement")), filter=over),
    )


def _entitlements_per_room(offices: QuerySet) -> QuerySet:
    """Per occupied office: its ``entitlement`` and usable ``area``, grouped over its open occupancies — the
    same rule as ``with_entitlement`` (a seat without a rank counts 0), read as one join to the national
    rows while no province has rows of its own, else through ``person_limit``."""
    seats = Occupancy.objects.filter(end__isnull=True, room__in=offices.values("pk"))
    if regional_rows_exist():
        seats = seats.annotate(limit=person_limit("person__"))
    else:
        national = Q(person__rank__area_standards__region__isnull=True)
        seats = seats.annotate(national=FilteredRelation("person__rank__area_standards", condition=national),
                               limit=F("national__area"))
    return seats.values("room").annotate(
        entitlement=Coalesce(Sum("limit"), Value(ZERO), output_field=AREA_FIELD), area=Max("room__usable_area"),
    )


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else Decimal("0.0000")


def unit_per_capita(units: QuerySet, top: int | None = None) -> list[dict]:
    """Per agency: people in post and office area used (its own and its departments'), area per head and
    the standard per head (the mean limit of its people whose rank is recorded). Two grouped queries
    however many agencies: a subquery per agency kept a province's ledger page loading for three minutes.
    With ``top``, only the ``top`` agencies with people and the largest area per head, largest first."""
    chosen = units.values("pk")
    in_post = of_agencies(Person.objects.filter(status=PersonStatus.ACTIVE), chosen)
    people = totals_by_agency(in_post.annotate(limit=person_limit()), n=Count("pk"), mean=Avg("limit"))
    offices = of_agencies(Room.objects.filter(category=RoomCategory.OFFICE, retired=False), chosen)
    areas = totals_by_agency(offices, area=Sum("usable_area"))

    def row(unit) -> dict:
        figures = people.get(unit.pk, {})
        return _per_capita_row(unit, figures.get("n", 0), areas.get(unit.pk, {}).get("area") or ZERO,
                               figures.get("mean"))

    if top is None:
        return [row(unit) for unit in units]
    # Ranked on ids first, so only the chosen few agencies are read.
    staffed = [row(OrgUnit(pk=pk)) for pk, figures in people.items() if figures["n"]]
    ranked = sorted(staffed, key=lambda r: (-r["per_capita"], r["unit"].pk))[:top]
    named = OrgUnit.objects.in_bulk([r["unit"].pk for r in ranked])
    return [{**r, "unit": named[r["unit"].pk]} for r in ranked]


def _sum_or_zero(grouped: QuerySet) -> Coalesce:
    return Coalesce(Subquery(grouped.values("total"), output_field=AREA_FIELD), Value(ZERO), output_field=AREA_FIELD)


def _per_capita_row(unit: OrgUnit, people: int, office_area: Decimal, standard) -> dict:
    return {
        "unit": unit,
        "people": people,
        "office_area": office_area,
        "per_capita": (office_area / people).quantize(CENT) if people else None,
        "standard_per_capita": Decimal(standard).quantize(CENT) if standard is not None else None,
    }
