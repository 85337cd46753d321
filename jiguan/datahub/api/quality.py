"""REST API: one source per fact and data quality, mounted at /api/v1/datahub/quality/. Data elements and
their carriers, discrepancies and quality issues (scoped by org path: a unit sees its own, a bureau its
region's), the issue's closed loop, and the quality measures. Thin: every change is the service the portal
calls, so the same rules answer both."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import AccountRef, Choice, Input, UnitRef, choice
from jiguan.core.models.events import EventStatus
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require

from ..models import DataElement, Dataset, DiscrepancyState
from ..module import VIEW
from ..services import quality

router = Router()

ELEMENT_ORDER = {"code": ("code", "id"), "name": ("name", "id")}
DISCREPANCY_ORDER = {"-found_at": ("-created_at", "-id"), "key": ("key", "id"), "row": ("row", "id")}
ISSUE_ORDER = {"-found_at": ("-created_at", "-id"), "found": ("-found", "-id"), "due": ("event__due_at", "id")}
STAGES = {"new": EventStatus.NEW, "acknowledged": EventStatus.DISPATCHED, "assigned": EventStatus.IN_PROGRESS,
          "resolved": EventStatus.RESOLVED}
STAGE_OF = {status: stage for stage, status in STAGES.items()} | {EventStatus.CLOSED: "resolved"}


# --- schemas ---------------------------------------------------------------------------------------------


class DatasetRef(Schema):
    id: int
    code: str
    name: str


class CarrierOut(Schema):
    id: int
    dataset: DatasetRef
    field: str = Field(description="值字段名")
    key_field: str = Field(description="主键字段名")
    authoritative: bool = Field(description="是否权威来源（每个数据元素恰有一个）")


class ElementOut(Schema):
    id: int
    code: str
    name: str
    entity: str = Field(description="所描述的实体及其主键，如 人员（身份证号）")
    value_type: Choice
    description: str
    carriers: list[CarrierOut]

    @staticmethod
    def resolve_value_type(element) -> dict:
        return choice(element, "value_type")

    @staticmethod
    def resolve_carriers(element) -> list:
        return list(element.carriers.all())


class ElementIn(Input):
    code: str = Field(max_length=60, title=N_("Element code"))
    name: str = Field(max_length=100, title=N_("Element name"))
    entity: str = Field(max_length=100, title=N_("Entity and its key"))
    description: str = Field("", max_length=300, title=N_("Description"))
    dataset_id: int = Field(title=N_("Dataset"), description="权威来源数据集 ID")
    field: str = Field(max_length=60, title=N_("Value column"))
    key_field: str = Field(max_length=60, title=N_("Key column"))


class ElementPatchIn(Input):
    name: str = Field(max_length=100, title=N_("Element name"))
    entity: str = Field(max_length=100, title=N_("Entity and its key"))
    description: str = Field("", max_length=300, title=N_("Description"))


class CarrierIn(Input):
    dataset_id: int = Field(title=N_("Dataset"))
    field: str = Field(max_length=60, title=N_("Value column"))
    key_field: str = Field(max_length=60, title=N_("Key column"))


class ElementFilter(PageQuery):
    sort: sort_by(ELEMENT_ORDER) = "code"


class DiscrepancyOut(Schema):
    id: int
    element: DatasetRef
    dataset: DatasetRef
    unit: UnitRef = Field(description="提交单位")
    run_id: int
    issue_id: int
    key: str
    authoritative_value: str = Field(description="权威值（主数据）")
    other_value: str = Field(description="本次提交的值")
    row: int | None = Field(description="文件中的行号")
    state: Choice = Field(description="open 待处理 / fixed 已由更正后的提交纠正 / closed 随问题办结")
    found_at: datetime

    @staticmethod
    def resolve_unit(item):
        return item.run.unit

    @staticmethod
    def resolve_state(item) -> dict:
        return choice(item, "state")

    @staticmethod
    def resolve_found_at(item) -> datetime:
        return item.created_at


class DiscrepancyFilter(PageQuery):
    element: int | None = Field(None, title=N_("Data element"))
    dataset: int | None = Field(None, title=N_("Dataset"))
    unit: int | None = Field(None, title=N_("Submitting unit"))
    state: DiscrepancyState | None = Field(None, title=N_("State"), description="open / fixed / closed")
    sort: sort_by(DISCREPANCY_ORDER) = "-found_at"


class IssueOut(Schema):
    id: int
    title: str
    element: DatasetRef
    dataset: DatasetRef
    unit: UnitRef = Field(description="提交单位（须更正数据的一方）")
    run_id: int
    event_id: int | None = Field(description="事件中心中的事件 ID")
    found: int = Field(description="发现的差异数")
    stage: str = Field(description="new 新发现 / acknowledged 已确认 / assigned 已指派 / resolved 已办结")
    stage_label: str
    reason: Choice | None = Field(description="原因（办结时选择）")
    assignee: AccountRef | None
    due_at: datetime | None = Field(description="办理时限")
    found_at: datetime

    @staticmethod
    def resolve_title(issue) -> str:
        return str(issue)

    @staticmethod
    def resolve_stage(issue) -> str:
        return STAGE_OF.get(issue.event.status, issue.event.status) if issue.event_id else "new"

    @staticmethod
    def resolve_stage_label(issue) -> str:
        return quality.issue_state_label(issue.event.status) if issue.event_id else ""

    @staticmethod
    def resolve_reason(issue) -> dict | None:
        return {"code": issue.reason.code, "label": issue.reason.label} if issue.reason_id else None

    @staticmethod
    def resolve_assignee(issue):
        return issue.event.assignee if issue.event_id else None

    @staticmethod
    def resolve_due_at(issue):
        return issue.event.due_at if issue.event_id else None

    @staticmethod
    def resolve_found_at(issue) -> datetime:
        return issue.created_at


class IssueDetailOut(IssueOut):
    actions: list[str] = Field(description="当前用户可执行的操作：acknowledge、assign、resolve")


class IssueFilter(PageQuery):
    stage: str | None = Field(None, pattern="^(new|acknowledged|assigned|resolved)$", title=N_("Stage"),
                              description="new / acknowledged / assigned / resolved")
    element: int | None = Field(None, title=N_("Data element"))
    dataset: int | None = Field(None, title=N_("Dataset"))
    reason: str | None = Field(None, max_length=40, title=N_("Cause"), description="原因代码")
    sort: sort_by(ISSUE_ORDER) = "-found_at"


class CommentIn(Input):
    comment: str = Field("", max_length=2000, title=N_("Remarks"))


class AssignIn(CommentIn):
    assignee_id: int | None = Field(None, title=N_("Handler"), description="不填则由本人办理")


class ResolveIn(Input):
    reason: str = Field(max_length=40, title=N_("Cause"), description="原因代码，见 /reasons")
    comment: str = Field(max_length=2000, title=N_("Handling result"))


class ReasonOut(Schema):
    code: str
    label: str


class ScoresOut(Schema):
    completeness: float | None = Field(description="完整性（%）")
    validity: float | None = Field(description="有效性（%）")
    uniqueness: float | None = Field(description="唯一性（%）")
    consistency: float | None = Field(description="一致性（%）")
    timeliness: float | None = Field(description="及时性（%）")


class MeasureOut(ScoresOut):
    run_id: int
    measured_at: datetime
    rows: int = Field(description="读入行数")
    rows_kept: int = Field(description="校验清洗后保留行数")
    checked_values: int = Field(description="与主数据比对的值数")
    agreeing_values: int = Field(description="与主数据一致的值数")


class TrendPointOut(ScoresOut):
    at: datetime


class OverviewOut(Schema):
    dataset: DatasetRef
    overall: float = Field(description="五项指标的平均值")
    latest: MeasureOut
    history: list[float] = Field(description="最近各次运行的综合得分，由早到晚")


class ReasonCountOut(Schema):
    reason: str
    count: int


# --- handlers ---------------------------------------------------------------------------------------------


def _element_of(element_id: int) -> DataElement:
    return get_or_404(DataElement.objects.prefetch_related("carriers__dataset"), pk=element_id)


@router.get("/elements", response=Page[ElementOut], summary="数据元素列表（一数一源）")
def list_elements(request: HttpRequest, query: Query[ElementFilter]):
    require(request.auth, VIEW)
    return paginate(DataElement.objects.prefetch_related("carriers__dataset"), query, ELEMENT_ORDER[query.sort],
                    count=True)


@router.get("/elements/{element_id}", response=ElementOut, summary="数据元素详情（权威来源与其他承载数据集）")
def get_element(request: HttpRequest, element_id: int):
    require(request.auth, VIEW)
    return _element_of(element_id)


@router.post("/elements", response={201: ElementOut}, summary="定义数据元素及其唯一权威来源")
def create_element(request: HttpRequest, payload: ElementIn):
    element = quality.create_element(request.auth, **payload.model_dump())
    return Status(201, _element_of(element.pk))


@router.patch("/elements/{element_id}", response=ElementOut, summary="修改数据元素的名称、实体与说明")
def update_element(request: HttpRequest, element_id: int, payload: ElementPatchIn):
    quality.update_element(request.auth, element_id, **payload.model_dump())
    return _element_of(element_id)


@router.post("/elements/{element_id}/carriers", response={201: ElementOut}, summary="登记承载该元素的其他数据集")
def add_carrier(request: HttpRequest, element_id: int, payload: CarrierIn):
    quality.add_carrier(request.auth, element_id, **payload.model_dump())
    return Status(201, _element_of(element_id))


@router.delete("/carriers/{carrier_id}", response={204: None}, summary="取消某数据集对该元素的比对（权威来源不可取消）")
def remove_carrier(request: HttpRequest, carrier_id: int):
    quality.remove_carrier(request.auth, carrier_id)
    return Status(204, None)


@router.get("/discrepancies", response=Page[DiscrepancyOut], summary="差异列表（按元素、数据集、单位、状态筛选）")
def list_discrepancies(request: HttpRequest, query: Query[DiscrepancyFilter]):
    rows = quality.visible_discrepancies(request.auth)
    for name, lookup in (("element", "element_id"), ("dataset", "dataset_id"), ("unit", "run__unit_id"),
                         ("state", "state")):
        if getattr(query, name) is not None:
            rows = rows.filter(**{lookup: getattr(query, name)})
    return paginate(rows, query, DISCREPANCY_ORDER[query.sort])


@router.get("/issues", response=Page[IssueOut], summary="数据质量问题列表（每次运行每个元素一个）")
def list_issues(request: HttpRequest, query: Query[IssueFilter]):
    issues = quality.visible_issues(request.auth).select_related("event__assignee")
    if query.stage:
        issues = issues.filter(event__status__in=[STAGES[query.stage]] + (
            [EventStatus.CLOSED] if query.stage == "resolved" else []))
    for name, lookup in (("element", "element_id"), ("dataset", "dataset_id"), ("reason", "reason__code")):
        if getattr(query, name) is not None:
            issues = issues.filter(**{lookup: getattr(query, name)})
    return paginate(issues, query, ISSUE_ORDER[query.sort])


def _issue_detail(user, issue_id: int):
    issue = get_or_404(quality.visible_issues(user).select_related("event__assignee"), pk=issue_id)
    issue.actions = quality.issue_actions(user, issue)
    return issue


@router.get("/issues/{issue_id}", response=IssueDetailOut, summary="数据质量问题详情")
def get_issue(request: HttpRequest, issue_id: int):
    return _issue_detail(request.auth, issue_id)


@router.post("/issues/{issue_id}/acknowledge", response=IssueDetailOut, summary="确认问题并交提交单位办理")
def acknowledge_issue(request: HttpRequest, issue_id: int, payload: CommentIn):
    quality.acknowledge_issue(request.auth, issue_id, payload.comment)
    return _issue_detail(request.auth, issue_id)


@router.post("/issues/{issue_id}/assign", response=IssueDetailOut, summary="指派办理人（不填则本人办理）")
def assign_issue(request: HttpRequest, issue_id: int, payload: AssignIn):
    quality.assign_issue(request.auth, issue_id, **payload.model_dump())
    return _issue_detail(request.auth, issue_id)


@router.post("/issues/{issue_id}/resolve", response=IssueDetailOut, summary="办结问题（须选择原因并说明办理结果）")
def resolve_issue(request: HttpRequest, issue_id: int, payload: ResolveIn):
    quality.resolve_issue(request.auth, issue_id, **payload.model_dump())
    return _issue_detail(request.auth, issue_id)


@router.get("/reasons", response=list[ReasonOut], summary="问题原因（可配置的字典 datahub-issue-reason）")
def list_reasons(request: HttpRequest):
    require(request.auth, VIEW)
    return list(quality.issue_reasons())


@router.get("/reasons/counts", response=list[ReasonCountOut], summary="已办结问题按原因统计")
def reason_counts(request: HttpRequest):
    return quality.issues_by_reason(request.auth)


@router.get("/overview", response=list[OverviewOut], summary="各数据集最新质量得分与趋势（最差在前）")
def overview(request: HttpRequest):
    return quality.overview(request.auth)


@router.get("/datasets/{dataset_id}/trend", response=list[TrendPointOut], summary="数据集质量趋势（由早到晚）")
def dataset_trend(request: HttpRequest, dataset_id: int):
    require(request.auth, VIEW)
    return quality.trend(get_or_404(scoped(Dataset.objects.all(), request.auth, VIEW), pk=dataset_id))


@router.get("/runs/{run_id}", response=MeasureOut, summary="一次运行的质量指标")
def run_measures(request: HttpRequest, run_id: int):
    return quality.measures_of(request.auth, run_id)
