"""REST API: reporting up the levels and packages between installations, mounted at
/api/v1/datahub/reporting/. Thin: reads go through the services' scoped queries, every action is the service
the portal calls, so the same rules answer both."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import AccountRef, Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core import audit
from jiguan.core.excel import XLSX_CONTENT_TYPE
from jiguan.core.models.audit import AccessKind
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from ..models import (
    AssignmentState,
    ImportOutcome,
    PackageExport,
    PackageImport,
    RollUp,
    RollUpState,
    SubmissionState,
    TaskState,
    TrustedPeer,
)
from ..module import MANAGE, REVIEW
from ..services import packages
from ..services import reporting as services

router = Router()

TASK_ORDER = {"-created": ("-created_at", "-id"), "deadline": ("deadline", "id"), "title": ("title", "id")}
XLSX = {200: {"description": "Excel 文件", "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}}
ZIP = {200: {"description": "上报数据包（.zip）", "content": {"application/zip": {"schema": {"type": "string",
                                                                                           "format": "binary"}}}}}


# --- schemas -------------------------------------------------------------------------------------------------------


class ReportingDatasetRef(Schema):
    id: int
    code: str
    name: str


class ReportingTaskFilter(PageQuery):
    state: TaskState | None = Field(None, title=N_("State"), description="draft 草稿 / published 收集中 / finished 已汇总定稿")
    q: str | None = Field(None, max_length=100, title=N_("Search"), description="按任务名称或编码搜索")
    sort: sort_by(TASK_ORDER) = "-created"


class ReportingTaskOut(Schema):
    id: int
    code: str
    title: str
    period: str = Field(description="报告期，如 2026年度")
    deadline: date
    state: Choice
    dataset: ReportingDatasetRef
    region: RegionRef = Field(description="任务所属（汇总到的）区划")
    units: int = Field(description="须报送的单位数")
    accepted: int = Field(description="已接收的单位数")

    @staticmethod
    def resolve_state(task) -> dict:
        return choice(task, "state")


class ReportingProgressUnitOut(Schema):
    unit: UnitRef
    state: str = Field(description="pending 未报送 / submitted 已报送待审核 / accepted 已接收 / returned 已退回 / late 逾期")
    label: str
    submission_id: int | None = Field(description="最近一次报送 ID")


class ReportingRollUpOut(Schema):
    id: int
    region: RegionRef
    state: Choice
    figures: dict = Field(description="汇总数：rows 行数、totals 各数值列合计、own 本级单位、lower 下一级区划")
    submitted_at: datetime | None
    decided_at: datetime | None
    comment: str = Field(description="上级审核意见")
    actions: list[str] = Field(description="当前用户可执行的操作：submit、finalize、accept、return")
    timeline: list[TimelineOut]


class ReportingProgressNodeOut(Schema):
    region: RegionRef
    depth: int = Field(description="在进度树中的层级，任务区划为 0")
    rollup: ReportingRollUpOut | None = Field(description="该区划的汇总；当前用户无权查看时为 null")
    units: list[ReportingProgressUnitOut]


class ReportingTaskDetailOut(ReportingTaskOut):
    instructions: str
    actions: list[str] = Field(description="当前用户可执行的操作：template、publish、submit、export")
    summary: dict[str, int] = Field(description="各进度状态的单位数")
    progress: list[ReportingProgressNodeOut]
    timeline: list[TimelineOut]


class ReportingTaskIn(Input):
    dataset_id: int = Field(title=N_("Dataset"))
    code: str = Field(max_length=60, title=N_("Task code"))
    title: str = Field(max_length=100, title=N_("Task title"))
    period: str = Field(max_length=40, title=N_("Reporting period"), description="报告期，如 2026年度、2026年第3季度")
    deadline: date = Field(title=N_("Deadline"))
    region_code: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Region"),
                                    description="任务所属区划（本局区划）；只代表一个区划时可省略")
    region_codes: list[str] = Field([], title=N_("Reporting regions"), description="报送区划：该区划及其下级的全部单位")
    unit_ids: list[int] = Field([], title=N_("Reporting units"))
    instructions: str = Field("", max_length=5000, title=N_("Instructions"))


class ReportingRunResultOut(Schema):
    id: int
    state: Choice
    rows_in: int = Field(description="读入行数")
    rows_rejected: int = Field(description="未通过校验的行数")
    rows_out: int = Field(description="通过校验的行数")
    failure: str
    error_report: bool = Field(description="是否有错误报告可下载")

    @staticmethod
    def resolve_state(run) -> dict:
        return choice(run, "state")

    @staticmethod
    def resolve_error_report(run) -> bool:
        return bool(run.error_report)


class ReportingSubmissionOut(Schema):
    id: int
    task_id: int
    unit: UnitRef
    state: Choice
    file_name: str
    submitted_by: AccountRef
    created_at: datetime
    decided_at: datetime | None
    comment: str = Field(description="审核意见（退回理由）")
    run: ReportingRunResultOut = Field(description="校验结果（入库运行）")
    actions: list[str] = Field(description="当前用户可执行的操作：accept、return")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_task_id(submission) -> int:
        return submission.assignment.task_id

    @staticmethod
    def resolve_state(submission) -> dict:
        return choice(submission, "state")


class ReportingRowsIn(Input):
    unit_id: int | None = Field(None, title=N_("Unit"), description="报送单位；省略为本人单位")
    rows: list[dict] = Field(title=N_("Rows"), description="数据行：列名 → 值")


class ReportingCommentIn(Input):
    comment: str = Field(max_length=500, title=N_("Review comments"))


class ReportingInstallationOut(Schema):
    installation_id: str = Field(description="本系统的安装标识")
    public_key: str = Field(description="本系统签名公钥（PEM）；未配置时为空")


class ReportingPeerOut(Schema):
    id: int
    installation_id: str
    name: str
    public_key: str
    unit: UnitRef = Field(description="对方数据在本系统中归属的单位")
    active: bool
    created_at: datetime


class ReportingPeerIn(Input):
    installation_id: str = Field(max_length=64, title=N_("Installation ID"))
    name: str = Field(max_length=100, title=N_("Name"))
    public_key: str = Field(max_length=2000, title=N_("Public key (PEM)"))
    unit_id: int = Field(title=N_("Unit"))


class ReportingActiveIn(Input):
    active: bool = Field(title=N_("Active"))


class ReportingExportOut(Schema):
    id: int
    package_id: str
    sequence: int
    task_id: int
    rows: int
    sha256: str
    created_at: datetime


class ReportingImportOut(Schema):
    id: int
    outcome: Choice
    reason: str
    file_name: str
    sha256: str
    package_id: str
    origin: str
    sequence: int | None
    task_title: str
    period: str
    rows: int
    run_id: int | None
    imported_by: AccountRef
    created_at: datetime

    @staticmethod
    def resolve_outcome(record) -> dict:
        return choice(record, "outcome")


class ReportingImportFilter(PageQuery):
    outcome: ImportOutcome | None = Field(None, title=N_("Outcome"))


# --- tasks ----------------------------------------------------------------------------------------------------------


def _tasks(user):
    services.require_reporting(user)
    return services.visible_tasks(user).select_related("dataset", "region").annotate(
        units=Count("assignments", distinct=True),
        accepted=Count("assignments", filter=Q(assignments__state=AssignmentState.ACCEPTED), distinct=True))


def _rollup_out(user, rollup: RollUp) -> dict:
    return {"id": rollup.pk, "region": rollup.region, "state": choice(rollup, "state"), "figures": rollup.figures,
            "submitted_at": rollup.submitted_at, "decided_at": rollup.decided_at, "comment": rollup.comment,
            "actions": sorted(services.rollup_actions(user, rollup)), "timeline": timeline_of(rollup, RollUpState)}


def _task_detail(user, task_id: int):
    task = get_or_404(_tasks(user), pk=task_id)
    task.actions = sorted(services.task_actions(user, task))
    task.summary = {str(k): v for k, v in services.summary(task).items()}
    task.progress = [
        {"region": node.region, "depth": node.depth,
         "rollup": _rollup_out(user, node.rollup) if node.rollup else None,
         "units": [{"unit": item["assignment"].unit, "state": item["state"], "label": str(item["label"]),
                    "submission_id": item["submission"].pk if item["submission"] else None} for item in node.units]}
        for node in services.progress(user, task)
    ]
    task.timeline = timeline_of(task, TaskState)
    return task


@router.get("/tasks", response=Page[ReportingTaskOut], summary="上报任务列表（本人制定、报送或审核的任务）")
def list_tasks(request: HttpRequest, query: Query[ReportingTaskFilter]):
    tasks = _tasks(request.auth)
    if query.state:
        tasks = tasks.filter(state=query.state)
    if query.q:
        tasks = tasks.filter(Q(title__icontains=query.q) | Q(code__icontains=query.q))
    return paginate(tasks, query, TASK_ORDER[query.sort], count=True)


@router.post("/tasks", response={201: ReportingTaskDetailOut}, summary="制定上报任务（草稿），展开为须报送的单位")
def create_task(request: HttpRequest, payload: ReportingTaskIn):
    task = services.create_task(request.auth, **payload.model_dump())
    return Status(201, _task_detail(request.auth, task.pk))


@router.get("/tasks/{task_id}", response=ReportingTaskDetailOut, summary="上报任务详情（进度树、汇总、可执行操作）")
def get_task(request: HttpRequest, task_id: int):
    return _task_detail(request.auth, task_id)


@router.post("/tasks/{task_id}/publish", response=ReportingTaskDetailOut, summary="发布任务并通知各报送单位")
def publish_task(request: HttpRequest, task_id: int):
    services.publish_task(request.auth, task_id)
    return _task_detail(request.auth, task_id)


@router.get("/tasks/{task_id}/template", summary="下载填报模板（Excel，含下拉选项和填报说明）",
            openapi_extra={"responses": XLSX})
def download_template(request: HttpRequest, task_id: int):
    task = services.get_task(request.auth, task_id)
    return FileResponse(BytesIO(services.template_workbook(task)), as_attachment=True,
                        filename=services.template_name(task), content_type=XLSX_CONTENT_TYPE)


@router.post("/tasks/{task_id}/submissions", response={201: ReportingSubmissionOut},
             summary="上传填好的模板报送本单位数据（multipart：file、unit_id）")
def submit_file(request: HttpRequest, task_id: int, file: File[UploadedFile], unit_id: Form[int | None] = None):
    submission = services.submit_file(request.auth, task_id, upload=file, unit_id=unit_id)
    return Status(201, _submission_detail(request.auth, submission.pk))


@router.post("/tasks/{task_id}/rows", response={201: ReportingSubmissionOut}, summary="以 JSON 推送本单位数据行")
def submit_rows(request: HttpRequest, task_id: int, payload: ReportingRowsIn):
    submission = services.submit_rows(request.auth, task_id, rows=payload.rows, unit_id=payload.unit_id)
    return Status(201, _submission_detail(request.auth, submission.pk))


@router.post("/tasks/{task_id}/packages", response={201: ReportingExportOut},
             summary="导出已汇总定稿任务的上报数据包（签名）")
def export_package(request: HttpRequest, task_id: int):
    return Status(201, packages.export_package(request.auth, task_id))


# --- submissions and roll-ups ------------------------------------------------------------------------------------------


def _submission_detail(user, submission_id: int):
    submission = services.get_submission(user, submission_id)
    submission.actions = sorted(services.submission_actions(user, submission))
    submission.timeline = timeline_of(submission, SubmissionState)
    return submission


@router.get("/submissions/{submission_id}", response=ReportingSubmissionOut, summary="报送详情（校验结果、审核记录）")
def get_submission(request: HttpRequest, submission_id: int):
    return _submission_detail(request.auth, submission_id)


@router.post("/submissions/{submission_id}/accept", response=ReportingSubmissionOut,
             summary="接收报送（仅上一级机关事务管理局），数据入库")
def accept_submission(request: HttpRequest, submission_id: int):
    services.accept_submission(request.auth, submission_id)
    return _submission_detail(request.auth, submission_id)


@router.post("/submissions/{submission_id}/return", response=ReportingSubmissionOut, summary="退回报送（须填写审核意见）")
def return_submission(request: HttpRequest, submission_id: int, payload: ReportingCommentIn):
    services.return_submission(request.auth, submission_id, payload.comment)
    return _submission_detail(request.auth, submission_id)


def _rollup(user, rollup_id: int) -> dict:
    require(user, REVIEW)
    rollup = get_or_404(scoped(RollUp.objects.select_related("task__region", "region__parent"), user, REVIEW),
                        pk=rollup_id)
    return _rollup_out(user, rollup)


@router.get("/rollups/{rollup_id}", response=ReportingRollUpOut, summary="区划汇总详情")
def get_rollup(request: HttpRequest, rollup_id: int):
    return _rollup(request.auth, rollup_id)


@router.post("/rollups/{rollup_id}/submit", response=ReportingRollUpOut,
             summary="上报本区划汇总（下一级须全部接收；任务区划则汇总定稿）")
def submit_rollup(request: HttpRequest, rollup_id: int):
    services.submit_rollup(request.auth, rollup_id)
    return _rollup(request.auth, rollup_id)


@router.post("/rollups/{rollup_id}/accept", response=ReportingRollUpOut, summary="接收下一级区划汇总（仅上一级）")
def accept_rollup(request: HttpRequest, rollup_id: int):
    services.accept_rollup(request.auth, rollup_id)
    return _rollup(request.auth, rollup_id)


@router.post("/rollups/{rollup_id}/return", response=ReportingRollUpOut, summary="退回下一级区划汇总（须填写审核意见）")
def return_rollup(request: HttpRequest, rollup_id: int, payload: ReportingCommentIn):
    services.return_rollup(request.auth, rollup_id, payload.comment)
    return _rollup(request.auth, rollup_id)


# --- packages between installations ------------------------------------------------------------------------------------


@router.get("/installation", response=ReportingInstallationOut, summary="本系统安装标识与签名公钥（供对方登记）")
def installation(request: HttpRequest):
    require(request.auth, MANAGE)
    return {"installation_id": packages.installation_id(), "public_key": packages.public_key_pem()}


@router.get("/peers", response=list[ReportingPeerOut], summary="受信任的对方系统")
def list_peers(request: HttpRequest):
    require(request.auth, MANAGE)
    return list(scoped(TrustedPeer.objects.select_related("unit"), request.auth, MANAGE))


@router.post("/peers", response={201: ReportingPeerOut}, summary="登记受信任的对方系统及其公钥")
def register_peer(request: HttpRequest, payload: ReportingPeerIn):
    return Status(201, packages.register_peer(request.auth, **payload.model_dump()))


@router.post("/peers/{peer_id}/active", response=ReportingPeerOut, summary="启用或停用对方系统")
def set_peer_active(request: HttpRequest, peer_id: int, payload: ReportingActiveIn):
    return packages.set_peer_active(request.auth, peer_id, payload.active)


def _exports(user):
    require(user, MANAGE)
    return scoped(PackageExport.objects.all(), user, MANAGE)


@router.get("/packages", response=Page[ReportingExportOut], summary="已导出的数据包")
def list_exports(request: HttpRequest, query: Query[PageQuery]):
    return paginate(_exports(request.auth), query, ("-sequence",), count=True)


@router.get("/packages/{package_id}/file", summary="下载数据包", openapi_extra={"responses": ZIP})
def download_package(request: HttpRequest, package_id: int):
    package = get_or_404(_exports(request.auth), pk=package_id)
    audit.log_access(AccessKind.EXPORT, request.get_full_path(), detail=f"datahub.package {package.package_id}",
                     method="GET", status=200)
    return FileResponse(default_storage.open(package.path, "rb"), as_attachment=True,
                        filename=package.path.rsplit("/", 1)[-1], content_type="application/zip")


@router.post("/imports", response={201: ReportingImportOut}, summary="导入数据包（先验签、校验摘要、结构与防重放，再入库）")
def import_package(request: HttpRequest, file: File[UploadedFile]):
    return Status(201, packages.import_package(request.auth, upload=file))


@router.get("/imports", response=Page[ReportingImportOut], summary="数据包导入记录（含被拒绝的）")
def list_imports(request: HttpRequest, query: Query[ReportingImportFilter]):
    require(request.auth, MANAGE)
    imports = scoped(PackageImport.objects.select_related("imported_by"), request.auth, MANAGE)
    if query.outcome:
        imports = imports.filter(outcome=query.outcome)
    return paginate(imports, query, ("-created_at", "-id"), count=True)
