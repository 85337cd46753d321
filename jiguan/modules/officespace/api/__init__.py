"""全省办公用房管理 REST API, mounted at /api/v1/officespace/: the area standard, the ledger (compounds,
buildings, rooms and who sits where), the analysis (over-standard and idle space), recoveries and the
caller's own office. Thin: reads go through ``scoped()`` and the ``standards`` queries, writes through
``services``; every rule lives there."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from jiguan.api.pagination import Page, paginate
from jiguan.api.queries import get_or_404, reference_data
from jiguan.api.timeline import timeline_of
from jiguan.core.models.org import Level
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from .. import services, standards
from ..models import AreaStandard, Building, Compound, Occupancy, Recovery, Room, RoomCategory, RoomState
from ..module import VIEW
from ..schemas import (
    BUILDING_ORDER,
    COMPOUND_ORDER,
    IDLE_ORDER,
    OVER_STANDARD_ORDER,
    RECOVERY_ORDER,
    ROOM_ORDER,
    AnalysisOut,
    BuildingDetailOut,
    BuildingFilter,
    BuildingOut,
    CompoundDetailOut,
    CompoundFilter,
    CompoundOut,
    IdleFilter,
    MyOfficeOut,
    OccupancyIn,
    OccupancyOut,
    OverStandardFilter,
    OverStandardOut,
    RecoveryFilter,
    RecoveryOut,
    ReleaseIn,
    RoomCreateIn,
    RoomDetailOut,
    RoomFilter,
    RoomOut,
    RoomPatchIn,
    RoomStateIn,
    StandardOut,
)

router = Router()

CATEGORY_LABELS = dict(RoomCategory.choices)
STATE_LABELS = dict(RoomState.choices)
# The room lists read plain values (no model instances) and build rows as dicts: the ledger is large.
ROOM_VALUES = ("id", "number", "building_id", "building__name", "floor__number", "unit_id", "unit__name",
               "category", "subtype", "usable_area", "desks", "state", "idle_since")
LEVEL_ORDER = {level: position for position, level in enumerate(Level.values)}


def _visible(model, user):
    """Rows of ``model`` in the caller's office-space scope; 403 for someone without the permission
    (staff use /my-office), so an empty list never hides a missing role."""
    require(user, VIEW)
    return scoped(model.objects.all(), user, VIEW)


def _rooms(user):
    seated = (Occupancy.objects.filter(room=OuterRef("pk"), end__isnull=True).order_by()
              .values("room").annotate(n=Count("pk")).values("n"))
    return _visible(Room, user).annotate(occupants=Coalesce(Subquery(seated), 0))


def _room_row(values: dict) -> dict:
    return {
        "id": values["id"],
        "number": values["number"],
        "building": {"id": values["building_id"], "name": values["building__name"]},
        "floor": values["floor__number"],
        "unit": {"id": values["unit_id"], "name": values["unit__name"]},
        "category": {"code": values["category"], "label": str(CATEGORY_LABELS[values["category"]])},
        "subtype": values["subtype"],
        "usable_area": values["usable_area"],
        "desks": values["desks"],
        "occupants": values["occupants"],
        "state": {"code": values["state"], "label": str(STATE_LABELS[values["state"]])},
        "idle_since": values["idle_since"],
    }


def _room_page(rooms, query, ordering: tuple[str, ...], *extra: str) -> dict:
    page = paginate(rooms.values(*ROOM_VALUES, "occupants", *extra), query, ordering)
    page["items"] = [{**_room_row(values), **{name: values[name] for name in extra}} for values in page["items"]]
    return page


def _of_unit(queryset, unit_id: int | None):
    return queryset if unit_id is None else queryset.filter(unit_id=unit_id)


# --- the standard ---------------------------------------------------------------------------------


@router.get("/standards", response=list[StandardOut], summary="办公室使用面积标准（全国标准及本省自定标准）")
def list_standards(request: HttpRequest):
    rows = reference_data(AreaStandard).select_related("rank", "region")
    return sorted(rows, key=lambda s: (LEVEL_ORDER.get(s.rank.level, 99), s.rank.order, s.region_id or ""))


# --- compounds and buildings ------------------------------------------------------------------------


def _compounds(user):
    return _visible(Compound, user).select_related("unit", "region").annotate(building_count=Count("buildings"))


@router.get("/compounds", response=Page[CompoundOut], summary="院落列表")
def list_compounds(request: HttpRequest, query: Query[CompoundFilter]):
    compounds = _of_unit(_compounds(request.auth), query.unit)
    if query.region:
        compounds = compounds.filter(region_id=query.region)
    return paginate(compounds, query, COMPOUND_ORDER[query.sort])


@router.get("/compounds/{compound_id}", response=CompoundDetailOut, summary="院落详情（含楼栋）")
def get_compound(request: HttpRequest, compound_id: int):
    compound = get_or_404(_compounds(request.auth), pk=compound_id)
    compound.building_list = list(_buildings(request.auth).filter(compound=compound).order_by("name", "id"))
    return compound


def _buildings(user):
    return _visible(Building, user).select_related("unit", "compound")


@router.get("/buildings", response=Page[BuildingOut], summary="楼栋列表")
def list_buildings(request: HttpRequest, query: Query[BuildingFilter]):
    buildings = _of_unit(_buildings(request.auth), query.unit)
    if query.compound is not None:
        buildings = buildings.filter(compound_id=query.compound)
    if query.state:
        buildings = buildings.filter(state=query.state)
    return paginate(buildings, query, BUILDING_ORDER[query.sort])


@router.get("/buildings/{building_id}", response=BuildingDetailOut, summary="楼栋详情（含各层房间数）")
def get_building(request: HttpRequest, building_id: int):
    building = get_or_404(_buildings(request.auth), pk=building_id)
    floors = building.floor_set.annotate(room_count=Count("rooms", filter=Q(rooms__retired=False))).order_by("number")
    building.floors = [{"number": f.number, "label": str(f), "rooms": f.room_count} for f in floors]
    return building


# --- rooms ------------------------------------------------------------------------------------------


@router.get("/rooms", response=Page[RoomOut], summary="房间列表（按使用单位、楼栋、类别、状态筛选）")
def list_rooms(request: HttpRequest, query: Query[RoomFilter]):
    rooms = _of_unit(_rooms(request.auth).filter(retired=False), query.unit)  # a retired room shows in its detail
    if query.building is not None:
        rooms = rooms.filter(building_id=query.building)
    if query.category:
        rooms = rooms.filter(category=query.category)
    if query.state:
        rooms = rooms.filter(state=query.state)
    if query.number:
        rooms = rooms.filter(number__startswith=query.number.strip())
    return _room_page(rooms, query, ROOM_ORDER[query.sort])


@router.get("/rooms/{room_id}", response=RoomDetailOut, summary="房间详情（使用人、核定面积、超标面积、变更记录）")
def get_room(request: HttpRequest, room_id: int):
    return _room_detail(request.auth, room_id)


@router.post("/rooms", response={201: RoomDetailOut}, summary="登记房间")
def create_room(request: HttpRequest, payload: RoomCreateIn):
    room = services.create_room(request.auth, **payload.model_dump())
    return Status(201, _room_detail(request.auth, room.pk))


@router.patch("/rooms/{room_id}", response=RoomDetailOut, summary="修改房间（只改所传字段）")
def update_room(request: HttpRequest, room_id: int, payload: RoomPatchIn):
    services.update_room(request.auth, room_id, **payload.model_dump(exclude_unset=True))
    return _room_detail(request.auth, room_id)


@router.post("/rooms/{room_id}/state", response=RoomDetailOut,
             summary="变更房间使用状态（出租、出借、经营记为违规并生成事件）")
def set_room_state(request: HttpRequest, room_id: int, payload: RoomStateIn):
    services.set_room_state(request.auth, room_id, payload.state, payload.comment)
    return _room_detail(request.auth, room_id)


def _room_detail(user, room_id: int) -> dict:
    rooms = standards.with_entitlement(_rooms(user))
    values = get_or_404(rooms.values(*ROOM_VALUES, "occupants", "gross_area", "retired", "entitlement", "excess"),
                        pk=room_id)
    seated = (Occupancy.objects.filter(room_id=room_id, end__isnull=True).select_related("person__rank")
              .annotate(limit=standards.person_limit("person__")).order_by("start", "pk"))
    return {
        **_room_row(values),
        "gross_area": values["gross_area"],
        "retired": values["retired"],
        "entitlement": values["entitlement"],
        "excess": max(values["excess"], standards.ZERO),
        "timeline": timeline_of(Room(pk=room_id), RoomState),
        "occupant_list": [
            {"occupancy_id": o.pk, "person": o.person, "rank": o.person.rank.name if o.person.rank else None,
             "limit": o.limit, "start": o.start, "concurrent_post": o.concurrent_post}
            for o in seated
        ],
    }


# --- occupancies --------------------------------------------------------------------------------------


@router.post("/occupancies", response={201: OccupancyOut}, summary="安排人员使用办公室")
def assign_occupant(request: HttpRequest, payload: OccupancyIn):
    return Status(201, services.assign_occupant(request.auth, **payload.model_dump()))


@router.post("/occupancies/{occupancy_id}/release", response=OccupancyOut, summary="人员停用办公室")
def release_occupant(request: HttpRequest, occupancy_id: int, payload: ReleaseIn):
    return services.release_occupant(request.auth, occupancy_id, payload.end)


# --- analysis ---------------------------------------------------------------------------------------


@router.get("/analysis", response=AnalysisOut, summary="本人数据范围内的办公用房分析（分类面积、超标、闲置）")
def analysis(request: HttpRequest):
    figures = standards.analysis(_visible(Room, request.auth))
    by_category = [
        {"category": {"code": code, "label": str(CATEGORY_LABELS[code])}, **_rounded(totals)}
        for code, totals in figures.pop("by_category").items()
    ]
    return {**_rounded(figures), "by_category": by_category}


def _rounded(figures: dict) -> dict:
    """Sums of areas come back from SQLite as binary floats (9429.29999…): areas to 0.01 ㎡, the rate to
    0.0001; counts stay whole numbers."""
    return {name: value if isinstance(value, int) else round(float(value), 4 if name == "idle_rate" else 2)
            for name, value in figures.items()}


@router.get("/over-standard", response=Page[OverStandardOut], summary="超标办公室（超标面积从大到小）")
def over_standard(request: HttpRequest, query: Query[OverStandardFilter]):
    rooms = standards.over_standard_rooms(_of_unit(_rooms(request.auth), query.unit))
    return _room_page(rooms, query, OVER_STANDARD_ORDER[query.sort], "entitlement", "excess")


@router.get("/idle", response=Page[RoomOut], summary="闲置房间")
def idle(request: HttpRequest, query: Query[IdleFilter]):
    rooms = standards.idle_rooms(_of_unit(_rooms(request.auth), query.unit))
    return _room_page(rooms, query, IDLE_ORDER[query.sort])


# --- recoveries ---------------------------------------------------------------------------------------


def _recoveries(user):
    return _visible(Recovery, user).select_related("unit", "occupancy__person", "occupancy__room__building")


@router.get("/recoveries", response=Page[RecoveryOut], summary="腾退（调离、退休、兼职结束后的办公室收回）")
def list_recoveries(request: HttpRequest, query: Query[RecoveryFilter]):
    recoveries = _of_unit(_recoveries(request.auth), query.unit)
    if query.state:
        recoveries = recoveries.filter(state=query.state)
    return paginate(recoveries, query, RECOVERY_ORDER[query.sort])


@router.post("/recoveries/{recovery_id}/complete", response=RecoveryOut, summary="完成腾退（办公室收回）")
def complete_recovery(request: HttpRequest, recovery_id: int):
    services.complete_recovery(request.auth, recovery_id)
    return get_or_404(_recoveries(request.auth), pk=recovery_id)


# --- the caller's own office ------------------------------------------------------------------------


@router.get("/my-office", response=list[MyOfficeOut], summary="我的办公室（面积、同室人数、本人标准）")
def my_office(request: HttpRequest):
    office = services.my_office(request.auth)
    return [
        {
            "room": row["room"],
            "building": row["building"].name,
            "address": row["building"].address or row["building"].compound.address,
            "floor": str(row["room"].floor),
            "usable_area": row["usable_area"],
            "co_occupants": row["co_occupants"],
            "my_limit": office["limit"],
            "entitlement": row["entitlement"],
            "concurrent_post": row["occupancy"].concurrent_post,
            "start": row["occupancy"].start,
        }
        for row in office["offices"]
    ]


# Each workflow's endpoints live in a router of its own.
from . import applications, campaigns, repairs, reports  # noqa: E402

router.add_router("/applications", applications.router)
router.add_router("/repairs", repairs.router)
router.add_router("/campaigns", campaigns.router)
router.add_router("/reports", reports.router)
