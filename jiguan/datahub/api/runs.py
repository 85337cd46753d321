"""REST API of ingestion runs, mounted at /api/v1/datahub/runs: upload a file (multipart) or push rows
(JSON), follow a run's state and progress, download its error report, retry it, and publish or return a
held run. Thin: every write goes through ``services.runs``; reads through its scoped ``visible_runs``."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.schemas import Choice, Input, UnitRef, choice
from jiguan.core.errors import NotAllowed
from jiguan.core.excel import XLSX_CONTENT_TYPE

from ..models import Channel, RunState
from ..services import runs as services

router = Router()

RUN_ORDER = {"-created": ("-created_at", "-id"), "created": ("created_at", "id"), "-rejected": ("-rows_rejected", "-id")}
PushValue = str | int | float | bool | None


class RunDatasetRef(Schema):
    id: int
    code: str
    name: str


class RunOut(Schema):
    id: int
    dataset: RunDatasetRef
    unit: UnitRef = Field(description="提交单位")
    channel: Choice = Field(description="upload 文件上传 / api 接口推送 / pull 定时抽取")
    state: Choice = Field(description="queued 排队 / staging 暂存 / cleaning 清洗 / validating 校验 / reconciling 核对 / "
                                      "publishing 发布中 / published 已发布 / held 待审核 / aborted 超出脏数据上限 / "
                                      "failed 失败 / duplicate 重复提交 / discarded 已退回")
    progress: int = Field(description="进度（%）")
    stage_note: str = Field(description="当前步骤")
    input_name: str = Field(description="提交的文件名")
    sha256: str = Field(description="输入文件的 SHA-256 摘要")
    sm3: str = Field(description="输入文件的 SM3 摘要")
    rows_in: int = Field(description="读入行数")
    rows_duplicate: int = Field(description="剔除的完全重复行数")
    rows_rejected: int = Field(description="校验未通过的行数")
    rows_out: int = Field(description="发布（或待审核）的行数")
    failure: str = Field(description="终止、失败或重复提交的原因")
    hold: bool = Field(description="校验后暂存待审核")
    partial: bool = Field(description="仅替换本单位的数据")
    retry_of: int | None = Field(description="重试的原运行编号")
    has_error_report: bool = Field(description="是否有错误报告可下载")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_channel(run) -> dict:
        return choice(run, "channel")

    @staticmethod
    def resolve_state(run) -> dict:
        return choice(run, "state")

    @staticmethod
    def resolve_retry_of(run) -> int | None:
        return run.retry_of_id

    @staticmethod
    def resolve_has_error_report(run) -> bool:
        return bool(run.error_report)


class RunFilters(PageQuery):
    dataset: int | None = Field(None, title=N_("Dataset"), description="数据集编号")
    state: RunState | None = Field(None, title=N_("State"), description="状态")
    channel: Channel | None = Field(None, title=N_("Channel"), description="渠道")
    unit: int | None = Field(None, title=N_("Unit"), description="提交单位编号")
    sort: sort_by(RUN_ORDER) = "-created"


class PushIn(Input):
    dataset_id: int = Field(title=N_("Dataset"), description="数据集编号")
    unit_id: int | None = Field(None, title=N_("Unit"), description="数据所属单位；缺省为本人所在单位")
    hold: bool = Field(False, title=N_("Hold for review"), description="校验后暂存，待审核通过再发布")
    rows: list[dict[str, PushValue]] = Field(title=N_("Rows to push"), min_length=1, max_length=services.PUSH_MAX_ROWS,
                                             description="数据行：键为字段名或中文列名，值为文本、数字、布尔或 null")


class DiscardIn(Input):
    reason: str = Field(title=N_("Reason"), min_length=1, max_length=500, description="退回理由（告知提交人）")


@router.get("", response=Page[RunOut], summary="入库运行列表（本人数据范围内）")
def list_runs(request: HttpRequest, filters: Query[RunFilters]):
    if not services.may_see_runs(request.auth):
        raise NotAllowed(_("You do not have the permission for this action."))
    runs = services.visible_runs(request.auth)
    for name, lookup in (("dataset", "dataset_id"), ("state", "state"), ("channel", "channel"), ("unit", "unit_id")):
        value = getattr(filters, name)
        if value is not None:
            runs = runs.filter(**{lookup: value})
    return paginate(runs, filters, RUN_ORDER[filters.sort])


@router.post("/upload", response={201: RunOut}, summary="上传数据文件（CSV、XLSX、JSON），后台入库")
def upload(request: HttpRequest, file: File[UploadedFile], dataset_id: Form[int], unit_id: Form[int | None] = None,
           hold: Form[bool] = False, force: Form[bool] = False):
    run = services.submit(request.auth, dataset_id=dataset_id, upload=file, unit_id=unit_id, hold=hold, force=force)
    return Status(201, run)


@router.post("/push", response={201: RunOut}, summary="接口推送数据行（JSON），后台入库")
def push(request: HttpRequest, payload: PushIn):
    run = services.push(request.auth, dataset_id=payload.dataset_id, rows=payload.rows, unit_id=payload.unit_id,
                        hold=payload.hold)
    return Status(201, run)


@router.get("/{run_id}", response=RunOut, summary="运行状态与进度")
def get_run(request: HttpRequest, run_id: int):
    return services.run_in_view(request.auth, run_id)


@router.get("/{run_id}/errors", summary="下载错误报告（行号、列、值、规则、说明；个人信息已脱敏）",
            openapi_extra={"responses": {200: {"description": "错误报告（xlsx；错误极多时为 csv）", "content": {
                XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string", "format": "binary"}}}}}})
def download_errors(request: HttpRequest, run_id: int):
    run, report, suffix = services.open_error_report(request.auth, run_id, request.get_full_path())
    return FileResponse(report, as_attachment=True, filename=f"run{run.pk}-errors{suffix}",
                        content_type=XLSX_CONTENT_TYPE if suffix == ".xlsx" else "text/csv")


@router.post("/{run_id}/retry", response={201: RunOut}, summary="重试失败或终止的运行（生成新运行）")
def retry(request: HttpRequest, run_id: int):
    return Status(201, services.retry(request.auth, run_id))


@router.post("/{run_id}/publish", response=RunOut, summary="审核通过：发布待审核运行（仅替换该单位数据）")
def publish_held(request: HttpRequest, run_id: int):
    return services.publish_held(request.auth, run_id)


@router.post("/{run_id}/discard", response=RunOut, summary="退回待审核运行（不发布）")
def discard_held(request: HttpRequest, run_id: int, payload: DiscardIn):
    return services.discard_held(request.auth, run_id, payload.reason)
