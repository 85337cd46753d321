"""REST API of the cost ledger (机关运行成本动态台账): the same figures as the portal's pages, from the same
services, in the caller's ``monitor.view`` scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ..services import costs

router = Router()


class CostFilter(Schema):
    region: str = Field("", description="行政区划代码（GB/T 2260），含下级")
    unit: int | None = Field(None, description="单位编号（含其内设机构）")
    category: str = Field("", description="成本类别，如 水电费")
    module: str = Field("", description="上报成本的模块代码")
    start: date | None = Field(None, description="起始日期")
    end: date | None = Field(None, description="截止日期")


class UnitCost(Schema):
    unit_id: int
    name: str
    region: str
    total: Decimal = Field(description="成本合计（元）")
    count: int = Field(description="成本条目数")
    heads: int = Field(description="在职人数")
    area: Decimal | None = Field(description="使用面积（㎡）；无办公用房模块时为空")
    per_head: Decimal | None = Field(description="人均成本（元）")
    per_sqm: Decimal | None = Field(description="每平方米成本（元）")


class Summary(Schema):
    total: Decimal
    count: int
    units: int
    heads: int
    area: Decimal | None
    per_head: Decimal | None
    per_sqm: Decimal | None


class RegionCost(Schema):
    code: str
    name: str
    total: Decimal
    count: int
    drillable: bool = Field(description="可继续下钻到下级区划")


class CategoryCost(Schema):
    category: str
    total: Decimal
    count: int


class MonthCost(Schema):
    month: str = Field(description="YYYY-MM")
    total: Decimal
    count: int


class LedgerOut(Schema):
    summary: Summary
    units: list[UnitCost]
    regions: list[RegionCost]
    categories: list[CategoryCost]
    months: list[MonthCost]


class TrendMonth(Schema):
    month: int
    this_year: Decimal
    last_year: Decimal
    change: Decimal | None = Field(description="同比变化（%）；上年无数据时为空")


class TrendOut(Schema):
    year: int
    months: list[TrendMonth]
    ytd_until: date
    ytd_this_year: Decimal
    ytd_last_year: Decimal
    ytd_change: Decimal | None


@router.get("/ledger", response=LedgerOut, summary="机关运行成本台账：按单位（人均、每平方米）、区划、类别、月份汇总")
def ledger(request: HttpRequest, filters: Query[CostFilter]):
    query = costs.cost_query(request.auth, **filters.dict())
    units = costs.by_unit(request.auth, query)
    return {
        "summary": costs.summary(units),
        "units": [{**row, "unit_id": row["unit"].pk} for row in units],
        "regions": costs.by_region(request.auth, query),
        "categories": costs.by_category(request.auth, query),
        "months": costs.by_month(request.auth, query),
    }


@router.get("/trend", response=TrendOut, summary="节约型机关：本年与上年逐月及累计对比")
def trend(request: HttpRequest, filters: Query[CostFilter], year: int | None = None):
    query = costs.cost_query(request.auth, **filters.dict())
    return costs.trend(request.auth, query, year)
