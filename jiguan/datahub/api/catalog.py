"""REST API of the catalog, mounted at /api/v1/datahub/catalog/: datasets (search, detail, definition and
schema), the data service (scoped, masked rows and their Excel export), data sources and lineage. Thin:
every rule lives in ``services.catalog``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, UnitRef, choice
from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require

from ..models import Dataset, Source
from ..module import MANAGE, VIEW
from ..services import catalog

router = Router()

DATASET_ORDER = {"code": ("code", "id"), "name": ("name", "id"), "-updated": ("-updated_at", "-id")}
SOURCE_ORDER = {"code": ("code", "id"), "name": ("name", "id")}
ROW_PARAMS = {"page", "page_size", "sort"}


# --- schemas -------------------------------------------------------------------------------------------


class CatalogDatasetFilter(PageQuery):
    q: str = Field("", max_length=100, title=N_("Search"), description="名称、代码、说明或字段中文名包含的文字")
    layer: Literal["", "raw", "base", "topic", "special"] = Field("", title=N_("Layer"), description="数据分层")
    sensitivity: Literal["", "public", "internal", "sensitive"] = Field("", title=N_("Sensitivity"))
    source: int | None = Field(None, title=N_("Data source"), description="数据来源编号")
    owner: int | None = Field(None, title=N_("Owner unit"), description="权属单位编号")
    sort: sort_by(DATASET_ORDER) = "code"


class CatalogVersionOut(Input):
    number: int
    rows: int
    published_at: datetime


class CatalogDatasetOut(Input):
    code: str
    name: str
    description: str
    layer: Choice = Field(description="分层：raw 原始库 / base 基础库 / topic 主题库 / special 专题库")
    sensitivity: Choice = Field(description="敏感级别：public 公开 / internal 内部 / sensitive 敏感")
    frequency: Choice = Field(description="更新频率")
    storage: Choice = Field(description="存储：model 业务模块数据表 / store 分析库")
    module: str = Field(description="发布该数据集的业务模块（store 数据集为空）")
    owner: UnitRef = Field(description="权属单位")
    source: dict[str, Any] | None = Field(description="数据来源 {id, code, name}")
    current_version: CatalogVersionOut | None = Field(description="当前发布版本（model 数据集为 null）")
    updated_at: datetime


class CatalogFieldSpec(Input):
    name: str = Field(title=N_("Column name"), description="列名：小写字母开头，仅含小写字母、数字和下划线")
    label: str = Field(title=N_("Label"), description="中文列名（模板表头）")
    type: str = Field("text", description="text / integer / decimal / date / boolean")
    required: bool = False
    unique: bool = False
    max_length: int | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    pattern: str = Field("", description="正则表达式（整值匹配）")
    dictionary: str = Field("", description="数据字典代码")
    check_digit: str = Field("", description="校验：id_number（GB 11643）/ credit_code（GB 32100）/ region_code")
    reference: str = Field("", description="主数据引用：unit_credit_code / region_code / rank")
    standard: str = ""
    sensitive: bool = Field(False, description="个人信息（查询和导出时脱敏）")
    description: str = ""


class CatalogRuleSpec(Input):
    left: str
    operator: str = Field(description="< <= = != >= >")
    right: str
    message: str


class CatalogDatasetDetailOut(CatalogDatasetOut):
    dirty_limit_rows: int | None
    dirty_limit_percent: float | None
    fields: list[CatalogFieldSpec]
    rules: list[CatalogRuleSpec]
    upstream: list[str] = Field(description="上游数据集代码")
    downstream: list[str] = Field(description="下游数据集代码")


class CatalogDatasetIn(Input):
    unit_id: int = Field(title=N_("Owner unit"))
    code: str
    name: str
    layer: str
    description: str = ""
    source_id: int | None = None
    sensitivity: str = "internal"
    frequency: str = "adhoc"
    dirty_limit_rows: int | None = None
    dirty_limit_percent: Decimal | None = None
    fields: list[CatalogFieldSpec] = []
    rules: list[CatalogRuleSpec] = []


class CatalogDatasetPatchIn(Input):
    unit_id: int | None = None
    name: str | None = None
    layer: str | None = None
    description: str | None = None
    source_id: int | None = None
    sensitivity: str | None = None
    frequency: str | None = None
    dirty_limit_rows: int | None = None
    dirty_limit_percent: Decimal | None = None


class CatalogSchemaIn(Input):
    fields: list[CatalogFieldSpec]
    rules: list[CatalogRuleSpec] = []


class CatalogRowsQuery(Input):
    page: int = Field(1, ge=1, title=N_("Page"))
    page_size: int = Field(20, ge=1, le=100, title=N_("Page size"))
    sort: str = Field("", max_length=61, title=N_("Sort"), description="列名，“-”开头为倒序；个人信息列不可排序")


class CatalogColumnOut(Input):
    name: str
    label: str
    type: str
    masked: bool = Field(description="个人信息列：值已脱敏")


class CatalogRowsOut(Input):
    columns: list[CatalogColumnOut]
    items: list[dict[str, Any]] = Field(description="行：列名 → 值（个人信息已脱敏）")
    page: int
    page_size: int
    has_next: bool
    total: int


class CatalogSourceOut(Input):
    id: int
    code: str
    name: str
    kind: Choice
    channel: Choice
    frequency: Choice
    owner: UnitRef
    contact_name: str
    contact_phone: str
    pull_url: str = Field(description="数据库地址（已隐去密码）")
    pull_query: str
    active: bool


class CatalogSourceFilter(PageQuery):
    active: bool | None = Field(None, title=N_("Active"))
    sort: sort_by(SOURCE_ORDER) = "code"


class CatalogSourceIn(Input):
    unit_id: int = Field(title=N_("Owner unit"))
    code: str
    name: str
    kind: str = Field(description="system 业务系统 / region 下级地区 / upload 文件上传")
    channel: str = Field("upload", description="upload 文件上传 / api 接口推送 / pull 定时抽取")
    contact_name: str = ""
    contact_phone: str = ""
    pull_url: str = Field("", description="定时抽取的数据库地址（加密保存，不再回显）")
    pull_query: str = ""
    frequency: str = "adhoc"


class CatalogSourcePatchIn(Input):
    unit_id: int | None = None
    name: str | None = None
    kind: str | None = None
    channel: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    pull_url: str | None = Field(None, description="为空时保留原地址")
    pull_query: str | None = None
    frequency: str | None = None


class CatalogDeactivateIn(Input):
    comment: str = ""


class CatalogLineageNode(Input):
    code: str
    name: str
    layer: str
    layer_label: str


class CatalogLineageEdge(Input):
    id: int
    origin: str
    target: str
    note: str


class CatalogLineageGraph(Input):
    nodes: list[CatalogLineageNode]
    edges: list[CatalogLineageEdge]
    layers: list[Choice]


class CatalogLineageIn(Input):
    origin_code: str = Field(title=N_("From dataset"))
    target_code: str = Field(title=N_("To dataset"))
    note: str = ""


# --- datasets ------------------------------------------------------------------------------------------


def _dataset_out(dataset: Dataset) -> dict:
    version = dataset.current_version
    source = dataset.source
    return {
        "code": dataset.code, "name": dataset.name, "description": dataset.description,
        "layer": choice(dataset, "layer"), "sensitivity": choice(dataset, "sensitivity"),
        "frequency": choice(dataset, "frequency"), "storage": choice(dataset, "storage"), "module": dataset.module,
        "owner": {"id": dataset.unit_id, "name": dataset.unit.name},
        "source": {"id": source.pk, "code": source.code, "name": source.name} if source else None,
        "current_version": {"number": version.number, "rows": version.rows, "published_at": version.created_at}
        if version else None,
        "updated_at": dataset.updated_at,
    }


@router.get("/datasets", response=Page[CatalogDatasetOut], summary="数据目录：检索数据集（名称、代码、说明、字段中文名）")
def list_datasets(request: HttpRequest, query: Query[CatalogDatasetFilter]):
    require(request.auth, VIEW)
    datasets = catalog.search(catalog.visible_datasets(request.auth), query.q)
    for name, lookup in (("layer", "layer"), ("sensitivity", "sensitivity"), ("source", "source_id"),
                         ("owner", "unit_id")):
        if getattr(query, name) not in (None, ""):
            datasets = datasets.filter(**{lookup: getattr(query, name)})
    page = paginate(datasets.select_related("unit", "source", "current_version"), query, DATASET_ORDER[query.sort],
                    count=True)
    page["items"] = [_dataset_out(d) for d in page["items"]]
    return page


def _detail(user, dataset: Dataset) -> dict:
    near = catalog.neighbours(user, dataset)
    return {
        **_dataset_out(dataset),
        "dirty_limit_rows": dataset.dirty_limit_rows,
        "dirty_limit_percent": float(dataset.dirty_limit_percent) if dataset.dirty_limit_percent is not None else None,
        "fields": catalog.field_values(dataset), "rules": catalog.rule_values(dataset),
        "upstream": [edge.origin.code for edge in near["upstream"]],
        "downstream": [edge.target.code for edge in near["downstream"]],
    }


@router.get("/datasets/{code}", response=CatalogDatasetDetailOut, summary="数据集详情：结构、规则、血缘")
def get_dataset(request: HttpRequest, code: str):
    return _detail(request.auth, catalog.dataset_in_view(request.auth, code))


@router.post("/datasets", response={201: CatalogDatasetDetailOut}, summary="新建分析库数据集（含结构和跨字段规则）")
def create_dataset(request: HttpRequest, payload: CatalogDatasetIn):
    values = payload.model_dump()
    dataset = catalog.create_dataset(request.auth, **values)
    return Status(201, _detail(request.auth, catalog.dataset_in_view(request.auth, dataset.code)))


@router.patch("/datasets/{code}", response=CatalogDatasetDetailOut, summary="修改数据集说明信息（只改所传字段）")
def update_dataset(request: HttpRequest, code: str, payload: CatalogDatasetPatchIn):
    dataset = catalog.dataset_in_view(request.auth, code)
    catalog.update_dataset(request.auth, dataset.pk, **payload.model_dump(exclude_unset=True))
    return _detail(request.auth, catalog.dataset_in_view(request.auth, code))


@router.put("/datasets/{code}/schema", response=CatalogDatasetDetailOut,
            summary="替换数据集结构（已发布的数据集只能增加可选字段、放宽规则）")
def save_schema(request: HttpRequest, code: str, payload: CatalogSchemaIn):
    dataset = catalog.dataset_in_view(request.auth, code)
    values = payload.model_dump()
    catalog.save_schema(request.auth, dataset.pk, fields=values["fields"], rules=values["rules"])
    return _detail(request.auth, catalog.dataset_in_view(request.auth, code))


# --- the data service ------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> dict:
    return {key: value for key, value in request.GET.items() if key not in ROW_PARAMS}


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


@router.get("/datasets/{code}/rows", response=CatalogRowsOut,
            summary="查询数据集已发布数据（限本人数据范围，个人信息脱敏）。按列过滤：?列名=值（文本列包含，其余等于）")
def dataset_rows(request: HttpRequest, code: str, query: Query[CatalogRowsQuery]):
    dataset = catalog.dataset_in_view(request.auth, code)
    result = catalog.query(request.auth, dataset, _filters(request), query.page, query.page_size, query.sort)
    return {
        "columns": [{"name": c.name, "label": c.label, "type": c.type, "masked": c.masked}
                    for c in result["columns"]],
        "items": [{k: _json_value(v) for k, v in row.items()} for row in result["rows"]],
        "page": result["page"], "page_size": result["page_size"], "has_next": result["has_next"],
        "total": result["total"],
    }


@router.get("/datasets/{code}/export", summary="导出数据集数据为 Excel（同查询条件，至多 50000 行，记录访问日志）",
            openapi_extra={"responses": {200: {"description": "Excel 工作簿", "content": {
                XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}})
def export_rows(request: HttpRequest, code: str, sort: str = ""):
    dataset = catalog.dataset_in_view(request.auth, code)
    spool, filename = catalog.export(request.auth, dataset, _filters(request), sort, request.get_full_path())
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --- sources -------------------------------------------------------------------------------------------


def _source_out(source: Source) -> dict:
    return {
        "id": source.pk, "code": source.code, "name": source.name, "kind": choice(source, "kind"),
        "channel": choice(source, "channel"), "frequency": choice(source, "frequency"),
        "owner": {"id": source.unit_id, "name": source.unit.name}, "contact_name": source.contact_name,
        "contact_phone": source.contact_phone, "pull_url": catalog.mask_url(source.pull_url),
        "pull_query": source.pull_query, "active": source.active,
    }


def _sources(user):
    require(user, MANAGE)
    return scoped(Source.objects.select_related("unit"), user, MANAGE)


@router.get("/sources", response=Page[CatalogSourceOut], summary="数据来源列表（本人管理范围内）")
def list_sources(request: HttpRequest, query: Query[CatalogSourceFilter]):
    sources = _sources(request.auth)
    if query.active is not None:
        sources = sources.filter(active=query.active)
    page = paginate(sources, query, SOURCE_ORDER[query.sort], count=True)
    page["items"] = [_source_out(s) for s in page["items"]]
    return page


@router.get("/sources/{source_id}", response=CatalogSourceOut, summary="数据来源详情（数据库地址已隐去密码）")
def get_source(request: HttpRequest, source_id: int):
    return _source_out(get_or_404(_sources(request.auth), pk=source_id))


@router.post("/sources", response={201: CatalogSourceOut}, summary="登记数据来源")
def create_source(request: HttpRequest, payload: CatalogSourceIn):
    source = catalog.create_source(request.auth, **payload.model_dump())
    return Status(201, _source_out(source))


@router.patch("/sources/{source_id}", response=CatalogSourceOut, summary="修改数据来源（只改所传字段）")
def update_source(request: HttpRequest, source_id: int, payload: CatalogSourcePatchIn):
    get_in_scope(Source, request.auth, MANAGE, source_id)
    return _source_out(catalog.update_source(request.auth, source_id, **payload.model_dump(exclude_unset=True)))


@router.post("/sources/{source_id}/deactivate", response=CatalogSourceOut, summary="停用数据来源")
def deactivate_source(request: HttpRequest, source_id: int, payload: CatalogDeactivateIn):
    return _source_out(catalog.deactivate_source(request.auth, source_id, payload.comment))


# --- lineage -------------------------------------------------------------------------------------------


@router.get("/lineage", response=CatalogLineageGraph, summary="血缘关系图（本人可见的数据集及其之间的血缘）")
def lineage_graph(request: HttpRequest):
    return catalog.lineage_graph(request.auth)


@router.post("/lineage", response={201: CatalogLineageEdge}, summary="登记血缘关系（需管理下游数据集）")
def add_lineage(request: HttpRequest, payload: CatalogLineageIn):
    edge = catalog.add_lineage(request.auth, **payload.model_dump())
    return Status(201, {"id": edge.pk, "origin": edge.origin.code, "target": edge.target.code, "note": edge.note})


@router.delete("/lineage/{lineage_id}", response={204: None}, summary="删除血缘关系")
def remove_lineage(request: HttpRequest, lineage_id: int):
    catalog.remove_lineage(request.auth, lineage_id)
    return Status(204, None)
