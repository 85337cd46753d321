"""REST API of the alerts, mounted at /api/v1/monitor/alerts/: alerts (list, firing, detail with history and
events), rules, silences and routes. Thin: reads go through the scoped service queries, writes through
``services.alerts``; the contract (schemas) is kept here."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate, sort_by
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of
from jiguan.core.models.org import region_key
from jiguan.core.services.base import require

from ..models.alerts import AlertState, RuleKind, Severity
from ..module import VIEW
from ..services import alerts as services

router = Router()

ALERT_ORDER = {"severity": ("severity_rank", "-fired_at", "-id"), "-fired": ("-fired_at", "-id"),
               "-started": ("-started_at", "-id"), "place": ("org_path", "id")}
RULE_ORDER = {"region": ("org_path", "code", "id"), "name": ("name", "id"), "-updated": ("-updated_at", "-id")}
SILENCE_ORDER = {"-ends": ("-ends_at", "-id"), "starts": ("starts_at", "id")}
ROUTE_ORDER = {"place": ("org_path", "category", "id")}


# --- schemas ---------------------------------------------------------------------------------------------


class RuleRef(Schema):
    id: int
    name: str


class EventRef(Schema):
    id: int
    title: str
    status: Choice = Field(description="事件状态：new 新建 / dispatched 已派发 / in_progress 处理中 / resolved 已解决 / closed 已办结 / rejected 不予受理")
    assignee_unit: UnitRef | None = Field(description="承办单位（路由确定的责任单位）")

    @staticmethod
    def resolve_status(event) -> dict:
        return choice(event, "status")


class AlertOut(Schema):
    id: int
    title: str
    state: Choice = Field(description="pending 待定 / firing 告警中 / resolved 已解除")
    severity: Choice = Field(description="critical 紧急 / major 严重 / minor 一般 / info 提示")
    rule: RuleRef
    region: RegionRef
    unit: UnitRef | None = Field(description="所涉单位；地区汇总指标为 null")
    value: float | None = Field(description="触发时的指标值；业务规则为 null")
    explanation: str = Field(description="触发原因说明")
    started_at: datetime | None = Field(description="进入待定的时间")
    fired_at: datetime | None = Field(description="开始告警的时间")
    cleared_at: datetime | None = Field(description="条件消失的时间（保持告警期内）")
    resolved_at: datetime | None
    silenced: bool = Field(description="是否被静默（静默期间不生成事件、不通知）")
    event: EventRef | None = Field(description="本次告警生成的事件")

    @staticmethod
    def resolve_state(alert) -> dict:
        return choice(alert, "state")

    @staticmethod
    def resolve_severity(alert) -> dict:
        return choice(alert.rule, "severity")

    @staticmethod
    def resolve_silenced(alert) -> bool:
        return alert.silence_id is not None and alert.state != AlertState.RESOLVED


class AlertDetailOut(AlertOut):
    event_closed_while_firing: bool = Field(description="事件已被办结但条件仍在：告警继续，直至条件消失")
    events: list[EventRef] = Field(description="该告警历次生成的事件，新的在前")
    timeline: list[TimelineOut]


class AlertFilter(PageQuery):
    state: AlertState | None = Field(None, title=N_("State"))
    severity: Severity | None = Field(None, title=N_("Severity"))
    rule: int | None = Field(None, title=N_("Alert rule"), description="规则 ID")
    region: str | None = Field(None, title=N_("Region"), max_length=6, description="行政区划代码（含下级）")
    sort: sort_by(ALERT_ORDER) = "severity"


class FiringOut(Schema):
    title: str
    severity: str
    severity_label: str
    place: str
    since: datetime | None
    link: str = Field(description="管理端详情页地址")


class RuleOut(Schema):
    id: int
    code: str
    name: str
    kind: Choice = Field(description="threshold 阈值 / anomaly 异常检测 / business 业务规则")
    region: RegionRef
    kpi: str
    level: str = Field(description="仅适用于该层级的地区（空：全部）")
    operator: str = Field(description="gt、gte、lt、lte")
    threshold: float | None
    method: str = Field(description="robust_z 稳健 z 分数 / seasonal 同期基线")
    direction: str = Field(description="both / up / down")
    window: int = Field(description="历史窗口（快照个数或周数）")
    z_limit: float
    business_rule: str
    severity: Choice
    category: str
    pending_minutes: int
    keep_firing_minutes: int
    enabled: bool
    editable: bool = Field(description="当前用户能否修改（上级规则只读）")

    @staticmethod
    def resolve_kind(rule) -> dict:
        return choice(rule, "kind")

    @staticmethod
    def resolve_severity(rule) -> dict:
        return choice(rule, "severity")


class RuleIn(Input):
    name: str = Field(max_length=100, title=N_("Rule name"))
    kind: RuleKind = Field(title=N_("Rule kind"))
    region_code: str = Field(max_length=6, title=N_("Region"))
    severity: Severity = Field(Severity.MINOR, title=N_("Severity"))
    category: str = Field(max_length=40, title=N_("Category"), description="模块代码，如 officespace")
    kpi: str = Field("", max_length=80, title=N_("KPI"))
    level: str = Field("", max_length=10, title=N_("Places at level"))
    operator: str = Field("", max_length=3, title=N_("Operator"))
    threshold: float | None = Field(None, title=N_("Threshold"))
    method: str = Field("", max_length=10, title=N_("Anomaly method"))
    direction: str = Field("both", max_length=4, title=N_("Direction"))
    window: int = Field(30, title=N_("History window (snapshots)"))
    z_limit: float = Field(3.5, title=N_("Robust z-score limit"))
    business_rule: str = Field("", max_length=80, title=N_("Business rule"))
    pending_minutes: int = Field(0, title=N_("Pending period (minutes)"))
    keep_firing_minutes: int = Field(0, title=N_("Keep-firing period (minutes)"))
    enabled: bool = Field(True, title=N_("Enabled"))


class RulePatch(Input):
    """Only the fields sent are changed."""

    name: str | None = Field(None, max_length=100, title=N_("Rule name"))
    region_code: str | None = Field(None, max_length=6, title=N_("Region"))
    severity: Severity | None = Field(None, title=N_("Severity"))
    threshold: float | None = Field(None, title=N_("Threshold"))
    operator: str | None = Field(None, max_length=3, title=N_("Operator"))
    window: int | None = Field(None, title=N_("History window (snapshots)"))
    z_limit: float | None = Field(None, title=N_("Robust z-score limit"))
    pending_minutes: int | None = Field(None, title=N_("Pending period (minutes)"))
    keep_firing_minutes: int | None = Field(None, title=N_("Keep-firing period (minutes)"))
    enabled: bool | None = Field(None, title=N_("Enabled"))


class SilenceOut(Schema):
    id: int
    rule: RuleRef | None
    region: RegionRef
    unit: UnitRef | None
    category: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime


class SilenceIn(Input):
    region_code: str = Field(max_length=6, title=N_("Region"))
    unit_id: int | None = Field(None, title=N_("Unit"), description="单位（含下级）；空则为整个地区")
    rule_id: int | None = Field(None, title=N_("Alert rule"))
    category: str = Field("", max_length=40, title=N_("Category"))
    starts_at: datetime | None = Field(None, title=N_("Starts at"), description="空为现在")
    ends_at: datetime = Field(title=N_("Ends at"), description="结束时间，至多 90 天后")
    reason: str = Field(max_length=500, title=N_("Reason"))


class RouteOut(Schema):
    id: int
    region: RegionRef
    unit: UnitRef | None
    category: str = Field(description="类别（模块代码）；空为全部类别")
    assignee: UnitRef = Field(description="责任单位")


class RouteIn(Input):
    region_code: str = Field(max_length=6, title=N_("Region"))
    unit_id: int | None = Field(None, title=N_("Unit"))
    category: str = Field("", max_length=40, title=N_("Category"))
    assignee_id: int = Field(title=N_("Responsible organisation"))


# --- alerts ------------------------------------------------------------------------------------------------


@router.get("", response=Page[AlertOut], summary="预警列表（本人数据范围内）")
def list_alerts(request: HttpRequest, query: Query[AlertFilter]):
    require(request.auth, VIEW)
    alerts = services.visible_alerts(request.auth)
    for name, lookup in (("state", "state"), ("severity", "rule__severity"), ("rule", "rule_id")):
        value = getattr(query, name)
        if value:
            alerts = alerts.filter(**{lookup: value})
    if query.region:
        alerts = alerts.filter(region__key__startswith=region_key(query.region))
    return paginate(alerts, query, ALERT_ORDER[query.sort], count=True)


@router.get("/firing", response=list[FiringOut], summary="正在告警的预警（大屏与首页使用）")
def firing_alerts(request: HttpRequest, limit: int = Query(20, ge=1, le=100)):
    require(request.auth, VIEW)
    return services.firing(request.auth, limit)


# --- rules -------------------------------------------------------------------------------------------------


def _rule(user, rule_id: int):
    rule = get_or_404(services.visible_rules(user), pk=rule_id)
    rule.editable = services.may_edit_rule(user, rule)
    return rule


@router.get("/rules", response=Page[RuleOut], summary="预警规则（本级及下级，并含适用于本地的上级规则）")
def list_rules(request: HttpRequest, query: Query[PageQuery], sort: sort_by(RULE_ORDER) = "region"):
    require(request.auth, VIEW)
    page = paginate(services.visible_rules(request.auth), query, RULE_ORDER[sort], count=True)
    for rule in page["items"]:
        rule.editable = services.may_edit_rule(request.auth, rule)
    return page


@router.post("/rules", response={201: RuleOut}, summary="新建预警规则")
def create_rule(request: HttpRequest, payload: RuleIn):
    rule = services.create_rule(request.auth, **payload.model_dump())
    return Status(201, _rule(request.auth, rule.pk))


@router.get("/rules/{rule_id}", response=RuleOut, summary="预警规则详情")
def get_rule(request: HttpRequest, rule_id: int):
    require(request.auth, VIEW)
    return _rule(request.auth, rule_id)


@router.patch("/rules/{rule_id}", response=RuleOut, summary="修改预警规则（阈值、周期、启停等）")
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch):
    services.update_rule(request.auth, rule_id, **payload.model_dump(exclude_unset=True))
    return _rule(request.auth, rule_id)


# --- silences ----------------------------------------------------------------------------------------------


@router.get("/silences", response=Page[SilenceOut], summary="静默规则")
def list_silences(request: HttpRequest, query: Query[PageQuery], sort: sort_by(SILENCE_ORDER) = "-ends"):
    require(request.auth, VIEW)
    return paginate(services.visible_silences(request.auth), query, SILENCE_ORDER[sort], count=True)


@router.post("/silences", response={201: SilenceOut}, summary="新建静默（有结束时间和原因）")
def create_silence(request: HttpRequest, payload: SilenceIn):
    return Status(201, services.create_silence(request.auth, **payload.model_dump()))


@router.post("/silences/{silence_id}/expire", response=SilenceOut, summary="立即结束静默")
def expire_silence(request: HttpRequest, silence_id: int):
    return services.expire_silence(request.auth, silence_id)


# --- routes ------------------------------------------------------------------------------------------------


@router.get("/routes", response=Page[RouteOut], summary="预警路由（地区、单位、类别 → 责任单位）")
def list_routes(request: HttpRequest, query: Query[PageQuery]):
    require(request.auth, VIEW)
    return paginate(services.visible_routes(request.auth), query, ROUTE_ORDER["place"], count=True)


@router.post("/routes", response={201: RouteOut}, summary="新建预警路由")
def create_route(request: HttpRequest, payload: RouteIn):
    return Status(201, services.save_route(request.auth, **payload.model_dump()))


@router.put("/routes/{route_id}", response=RouteOut, summary="修改预警路由")
def update_route(request: HttpRequest, route_id: int, payload: RouteIn):
    return services.save_route(request.auth, route_id, **payload.model_dump())


@router.delete("/routes/{route_id}", response={204: None}, summary="删除预警路由")
def delete_route(request: HttpRequest, route_id: int):
    services.delete_route(request.auth, route_id)
    return Status(204, None)


# --- one alert (declared last: its path takes any number) -----------------------------------------------------


@router.get("/{alert_id}", response=AlertDetailOut, summary="预警详情：原因说明、历史与事件")
def get_alert(request: HttpRequest, alert_id: int):
    alert = services.get_alert(request.auth, alert_id)
    alert.event_closed_while_firing = services.event_closed_while_firing(alert)
    alert.events = list(services.events_of(alert))
    alert.timeline = timeline_of(alert, AlertState)
    return alert
