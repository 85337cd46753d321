"""REST API: The annual statistics report (统计报告), rolled up and submitted level by level.

Mounted at /api/v1/officespace/reports/. Reads go through ``scoped()`` (a bureau sees its region's reports
and those below); every action is the service the portal calls, so the same rules answer both."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.models.org import region_key
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from ..models import (
    ConstructionProjectKind,
    ConstructionProjectStatus,
    StatisticsReport,
    StatisticsReportState,
)
from ..module import SUPERVISE
from ..services import reports as services

router = Router()

REPORT_ORDER = {"-year": ("-year", "org_path", "id"), "region": ("org_path", "-year", "id")}
Value = int | float | str | None


# --- schemas -----------------------------------------------------------------------------------------------


class ReportFilter(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100, title=N_("Year"), description="报告年度")
    region: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Region"),
                               description="行政区划代码：该区划及其下级的报告")
    state: StatisticsReportState | None = Field(None, title=N_("State"),
                                                description="draft 草稿 / submitted 已上报 / accepted 已接收 / "
                                                            "returned 已退回")
    sort: sort_by(REPORT_ORDER) = "-year"


class ReportOut(Schema):
    id: int
    year: int
    region: RegionRef
    level: Choice = Field(description="区划层级：province 省 / city 市 / county 县")
    state: Choice
    computed_at: datetime | None = Field(description="数据计算时间")
    submitted_at: datetime | None = Field(description="上报时间")
    decided_at: datetime | None = Field(description="上级接收或退回时间")

    @staticmethod
    def resolve_level(report) -> dict:
        return choice(report.region, "level")

    @staticmethod
    def resolve_state(report) -> dict:
        return choice(report, "state")


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(description="count 计数 / area 面积（㎡）/ money 金额（万元）/ ratio 比值 / text 文本")
    group: str = Field(description="合并表头；无则为空")


class TableRowOut(Schema):
    region: str = Field(description="行政区划代码")
    label: str = Field(description="行名：区划（本级、小计）或项目名称")
    kind: str = Field(description="region 区划 / own 本级 / subtotal 小计 / project 项目")
    depth: int = Field(description="缩进层级")
    values: dict[str, Value]


class TableOut(Schema):
    code: str
    number: str = Field(description="表号")
    title: str = Field(description="表名")
    units: str = Field(description="计量单位")
    columns: list[ColumnOut]
    rows: list[TableRowOut]
    total: dict[str, Value] = Field(description="合计")


class ProjectOut(Schema):
    id: int
    name: str
    kind: Choice
    approved_area: float = Field(description="批复面积（㎡）")
    investment: float = Field(description="投资（万元）")
    status: Choice

    @staticmethod
    def resolve_kind(project) -> dict:
        return choice(project, "kind")

    @staticmethod
    def resolve_status(project) -> dict:
        return choice(project, "status")


class LowerOut(Schema):
    region: RegionRef
    report_id: int | None = Field(description="下级报告 ID；尚未编制为 null")
    state: str | None = Field(description="下级报告状态；尚未编制为 null")


class ReportDetailOut(ReportOut):
    return_reason: str = Field(description="退回理由")
    actions: list[str] = Field(description="当前用户可执行的操作：compute、edit_projects、submit、accept、return、download")
    lower: list[LowerOut] = Field(description="下一级区划的报告进度")
    tables: list[TableOut] = Field(description="表1 行政区划及机构人员、表2 办公用房、表3 技术业务用房、表4 建设项目")
    projects: list[ProjectOut] = Field(description="本级填报的建设项目")
    timeline: list[TimelineOut]

    # ``_detail`` prepares these; the model's own ``tables`` field is the raw snapshot.
    @staticmethod
    def resolve_tables(report) -> list:
        return report.tables_out

    @staticmethod
    def resolve_projects(report) -> list:
        return report.projects_out

    @staticmethod
    def resolve_timeline(report) -> list:
        return report.timeline_out


class ReportStartIn(Input):
    region_code: str = Field(pattern=r"^\d{6}$", title=N_("Region"), description="报告区划（本局所在区划）代码")
    year: int = Field(title=N_("Report year"))


class ReturnIn(Input):
    reason: str = Field(max_length=500, title=N_("Reason for return"))


class ProjectIn(Input):
    name: str = Field(max_length=100, title=N_("Project name"))
    kind: ConstructionProjectKind = Field(title=N_("Project type"),
                                          description="new 新建 / extension 改扩建 / purchase 购置 / major_repair 大中修")
    approved_area: float = Field(gt=0, title=N_("Approved area"), description="批复面积（㎡）")
    investment: float = Field(ge=0, title=N_("Investment"), description="投资（万元）")
    status: ConstructionProjectStatus = Field(title=N_("Project status"),
                                              description="not_started 已批复未开工 / under_way 在建 / completed 已竣工")


class ProjectPatchIn(Input):
    name: str = Field(None, max_length=100, title=N_("Project name"))
    kind: ConstructionProjectKind = Field(None, title=N_("Project type"))
    approved_area: float = Field(None, gt=0, title=N_("Approved area"))
    investment: float = Field(None, ge=0, title=N_("Investment"))
    status: ConstructionProjectStatus = Field(None, title=N_("Project status"))


# --- handlers ---------------------------------------------------------------------------------------------


def _reports(user):
    require(user, SUPERVISE)
    return scoped(StatisticsReport.objects.select_related("region"), user, SUPERVISE)


def _detail(user, report_id: int) -> StatisticsReport:
    report = get_or_404(_reports(user), pk=report_id)
    lower = list(services.lower_regions(report.region))
    found = {r.region_id: r for r in StatisticsReport.objects.filter(region__in=lower, year=report.year)}
    report.actions = sorted(services.allowed_actions(user, report))
    report.lower = [{"region": r, "report_id": found[r.code].pk if r.code in found else None,
                     "state": found[r.code].state if r.code in found else None} for r in lower]
    report.tables_out = _tables(report)
    report.projects_out = list(report.projects.order_by("pk"))
    report.timeline_out = timeline_of(report, StatisticsReportState)
    return report


def _tables(report: StatisticsReport) -> list[dict]:
    snapshot = report.tables.get("tables", {})
    return [
        {
            "code": table.code, "number": table.number, "title": str(table.title), "units": str(table.units),
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind, "group": str(c.group)}
                        for c in table.shown],
            "rows": [{"region": row["region"], "label": services.row_label(row), "kind": row["kind"],
                      "depth": row["depth"], "values": row["values"]} for row in snapshot[table.code]["rows"]],
            "total": snapshot[table.code]["total"],
        }
        for table in services.TABLES if table.code in snapshot
    ]


@router.get("", response=Page[ReportOut], summary="统计报告列表（按年度、区划、状态筛选）")
def list_reports(request: HttpRequest, query: Query[ReportFilter]):
    reports = _reports(request.auth)
    if query.year:
        reports = reports.filter(year=query.year)
    if query.region:
        reports = reports.filter(region__key__startswith=region_key(query.region))
    if query.state:
        reports = reports.filter(state=query.state)
    return paginate(reports, query, REPORT_ORDER[query.sort], count=True)


@router.post("", response={201: ReportDetailOut}, summary="开始编制统计报告（本局区划、年度），并按台账计算")
def start_report(request: HttpRequest, payload: ReportStartIn):
    report = services.start_report(request.auth, **payload.model_dump())
    return Status(201, _detail(request.auth, report.pk))


@router.get("/{report_id}", response=ReportDetailOut, summary="统计报告详情（四张表、建设项目、进度、流程记录）")
def get_report(request: HttpRequest, report_id: int):
    return _detail(request.auth, report_id)


@router.post("/{report_id}/compute", response=ReportDetailOut, summary="重新计算（草稿或已退回的报告）")
def compute_report(request: HttpRequest, report_id: int):
    services.compute_report(request.auth, report_id)
    return _detail(request.auth, report_id)


@router.post("/{report_id}/submit", response=ReportDetailOut, summary="上报上一级（数据冻结；下级报告须全部接收）")
def submit_report(request: HttpRequest, report_id: int):
    services.submit_report(request.auth, report_id)
    return _detail(request.auth, report_id)


@router.post("/{report_id}/accept", response=ReportDetailOut, summary="接收下一级报告（仅上一级机关事务管理局）")
def accept_report(request: HttpRequest, report_id: int):
    services.accept_report(request.auth, report_id)
    return _detail(request.auth, report_id)


@router.post("/{report_id}/return", response=ReportDetailOut, summary="退回下一级报告（须说明理由）")
def return_report(request: HttpRequest, report_id: int, payload: ReturnIn):
    services.return_report(request.auth, report_id, payload.reason)
    return _detail(request.auth, report_id)


@router.get("/{report_id}/excel", summary="下载统计报告 Excel（按国家报表样式，草稿在标题中注明）",
            openapi_extra={"responses": {200: {"description": "统计报告工作簿", "content": {
                XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}})
def download_report(request: HttpRequest, report_id: int):
    report = get_or_404(_reports(request.auth), pk=report_id)
    spool = services.workbook_for_download(report, request.get_full_path())
    return FileResponse(spool, as_attachment=True, filename=services.workbook_name(report),
                        content_type=XLSX_CONTENT_TYPE)


@router.post("/{report_id}/projects", response={201: ProjectOut}, summary="填报建设项目（表4）")
def add_project(request: HttpRequest, report_id: int, payload: ProjectIn):
    return Status(201, services.add_project(request.auth, report_id, **payload.model_dump()))


@router.patch("/projects/{project_id}", response=ProjectOut, summary="修改建设项目（只改所传字段）")
def update_project(request: HttpRequest, project_id: int, payload: ProjectPatchIn):
    return services.update_project(request.auth, project_id, **payload.model_dump(exclude_unset=True))


@router.delete("/projects/{project_id}", response={204: None}, summary="删除建设项目")
def delete_project(request: HttpRequest, project_id: int):
    services.delete_project(request.auth, project_id)
    return Status(204, None)
