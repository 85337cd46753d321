"""REST API: the big screen's payload, mounted at /api/v1/monitor/screen — the same figures the /screen/
page polls, for the signed-in user's place or ``region`` within their scope (404 outside). Display
tokens are not accepted here: a kiosk reads only the screen's own data endpoint."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ..services import kpis, screen

router = Router()


class ScreenQuery(Schema):
    region: str | None = Field(None, description="行政区划代码；不填时为本人数据范围的最上一级")
    kpi: str | None = Field(None, description="区划对比所排名的指标代码；不填时为第一个登记的指标")


class ScreenPlaceOut(Schema):
    region: str = Field(description="行政区划代码")
    region_name: str
    level: str = Field(description="区划级别：province/city/county")
    unit: int | None = Field(description="单位 ID；为空表示整个区划")
    name: str = Field(description="大屏标题中的地名或单位名")


class KpiCardOut(Schema):
    kpi: str
    label: str
    measure: str = Field(description="计量单位")
    value: float | None
    previous: float | None = Field(description="上一次快照的值")
    change: float | None = Field(description="较上一次快照的变化")
    taken_at: datetime


class RankedOut(Schema):
    name: str
    region: str
    value: float | None


class ComparisonOut(Schema):
    kpi: str | None
    label: str
    measure: str
    rows: list[RankedOut] = Field(description="下级区划（区县为本级各单位）按指标值从大到小")


class TickerAlertOut(Schema):
    title: str
    severity: str
    severity_label: str
    place: str
    since: datetime | None


class StateCountOut(Schema):
    state: str
    label: str
    count: int


class EventFlowOut(Schema):
    days: list[str] = Field(description="近 14 天的日期（YYYY-MM-DD）")
    opened: list[int] = Field(description="每天新建的事件数")
    closed: list[int] = Field(description="每天关闭的事件数")
    states: list[StateCountOut]
    open: int = Field(description="处理中的事件数（新建、已派发、处理中）")
    overdue: int = Field(description="超过时限仍未办结的事件数")


class CostTrendOut(Schema):
    year: int
    months: list[int]
    this_year: list[float | None] = Field(description="今年各月成本（元）；未到的月份为空")
    last_year: list[float]
    ytd_this_year: float
    ytd_last_year: float
    ytd_change: float | None = Field(description="今年累计较去年同期的变化（%）")


class ScreenOut(Schema):
    place: ScreenPlaceOut
    generated_at: datetime = Field(description="数据生成时间（缓存数秒）")
    kpis: list[KpiCardOut]
    comparison: ComparisonOut
    alerts: list[TickerAlertOut]
    events: EventFlowOut
    costs: CostTrendOut


@router.get("", response=ScreenOut, summary="运行监测大屏的全部数据")
def screen_data(request: HttpRequest, query: Query[ScreenQuery]):
    place = kpis.place_of(request.auth, query.region)
    return screen.screen_data(place, query.kpi)
