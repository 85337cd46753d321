"""REST API: KPI snapshots, mounted at /api/v1/monitor/kpis/. The newest values for a place, one KPI's
trend, the drill-down one level below a region, and a recompute (MANAGE). Thin: everything goes through
``services.kpis``, which checks the permission and answers 404 outside the scope."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ..services import kpis

router = Router()


class PlaceQuery(Schema):
    region: str | None = Field(None, description="行政区划代码；与 unit 都不填时为本人数据范围的最上一级")
    unit: int | None = Field(None, description="单位 ID（优先于 region）")


class SeriesQuery(PlaceQuery):
    kpi: str = Field(description="指标代码，如 officespace.idle_area")
    days: int = Field(30, ge=1, le=400, description="回溯天数")


class ChildrenQuery(Schema):
    kpi: str = Field(description="指标代码")
    region: str | None = Field(None, description="行政区划代码；不填时为本人数据范围的最上一级")


class PlaceOut(Schema):
    region: str = Field(description="行政区划代码")
    region_name: str
    unit: int | None = Field(description="单位 ID；为空表示整个区划")
    unit_name: str | None


class SnapshotOut(PlaceOut):
    kpi: str
    label: str
    measure: str = Field(description="计量单位，如 ㎡")
    taken_at: datetime
    value: float | None
    parts: dict[str, float] | None = Field(description="分项（指标返回分类明细时）")


class PointOut(Schema):
    taken_at: datetime
    value: float | None


class SeriesOut(PlaceOut):
    kpi: str
    points: list[PointOut]


class RecomputeOut(Schema):
    job: str = Field(description="已排队的定时任务名")


def _snapshot_out(row) -> dict:
    kpi = kpis.all_kpis()[row.kpi]
    return {
        "region": row.region_id, "region_name": row.region.name, "unit": row.unit_id,
        "unit_name": row.unit.name if row.unit_id else None, "kpi": row.kpi, "label": str(kpi.label),
        "measure": str(kpi.unit), "taken_at": row.taken_at, "value": _number(row.value), "parts": row.parts,
    }


def _number(value) -> float | None:
    return None if value is None else float(value)


def _place_out(place: kpis.Place) -> dict:
    return {"region": place.region.code, "region_name": place.region.name,
            "unit": place.unit.pk if place.unit else None, "unit_name": place.unit.name if place.unit else None}


@router.get("/latest", response=list[SnapshotOut], summary="某区划或单位各指标的最新值")
def latest(request: HttpRequest, query: Query[PlaceQuery]):
    rows = kpis.latest(request.auth, query.region, query.unit)
    return [_snapshot_out(row) for row in rows]


@router.get("/series", response=SeriesOut, summary="某指标在某区划或单位的历史走势")
def series(request: HttpRequest, query: Query[SeriesQuery]):
    place = kpis.place_of(request.auth, query.region, query.unit)
    points = kpis.series(request.auth, query.kpi, place, query.days)
    return {**_place_out(place), "kpi": query.kpi,
            "points": [{"taken_at": taken_at, "value": _number(value)} for taken_at, value in points]}


@router.get("/children", response=list[SnapshotOut], summary="下钻：下级区划与本级各单位的最新值")
def children(request: HttpRequest, query: Query[ChildrenQuery]):
    place = kpis.place_of(request.auth, query.region)
    return [_snapshot_out(row) for row in kpis.children(request.auth, query.kpi, place.region)]


@router.post("/recompute", response={202: RecomputeOut}, summary="立即重新计算全部指标（后台任务）")
def recompute(request: HttpRequest):
    return Status(202, {"job": kpis.recompute(request.auth)})
