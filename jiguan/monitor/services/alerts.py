"""Rules and alerts carried to their resolution: evaluation (thresholds, anomalies, business rules), the
alert state machine, silences, routing to the responsible organisation and the kernel event each firing
alert opens. The only place alert, rule, silence and route state changes."""

from __future__ import annotations

import operator
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from statistics import mean, median

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from jiguan.core.errors import StateError
from jiguan.core.models import Event, OrgUnit, Region
from jiguan.core.models.events import Priority
from jiguan.core.models.org import Level, UnitKind
from jiguan.core.registry import Rule, registry
from jiguan.core.scoping import grants_for, path_in_scope, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import key_prefixes, region_chain, use_case
from jiguan.core.services.events import OPEN_STATES as EVENT_OPEN_STATES
from jiguan.core.services.events import announce_dispatched, open_event, settle_event
from jiguan.core.services.inputs import (
    Errors,
    bounded_int,
    choice,
    date_time_value,
    find,
    refuse_unknown_fields,
    text,
    unique,
)
from jiguan.core.statemachine import StateMachine, record

from ..models import KpiSnapshot
from ..models.alerts import (
    OPEN_ALERT_STATES,
    Alert,
    AlertRoute,
    AlertRule,
    AlertState,
    AnomalyMethod,
    Direction,
    Operator,
    RuleKind,
    Severity,
    Silence,
)
from ..module import MANAGE, VIEW

EVENT_TYPE = "monitor.alert"
MIN_HISTORY = 5  # fewer past values say nothing about what is unusual
MAX_PERIOD_MINUTES = 7 * 24 * 60
MAX_SILENCE = timedelta(days=90)
COMPARE = {Operator.GT: operator.gt, Operator.GTE: operator.ge, Operator.LT: operator.lt, Operator.LTE: operator.le}
EVENT_PRIORITY = {Severity.CRITICAL: Priority.URGENT, Severity.MAJOR: Priority.HIGH, Severity.MINOR: Priority.NORMAL,
                  Severity.INFO: Priority.LOW}
DEFAULT_THRESHOLDS = (  # (KPI, operator, threshold, severity): examples a province starts from
    ("officespace.idle_rate", Operator.GT, Decimal(10), Severity.MINOR),
)

A = AlertState
ALERT_MACHINE = StateMachine(
    "state",
    {
        "detect": {A.NORMAL: A.PENDING, A.RESOLVED: A.PENDING},  # from resolved: the problem recurs
        "fire": {A.PENDING: A.FIRING},
        "clear": {A.PENDING: A.RESOLVED},  # gone before the pending period ended
        "resolve": {A.FIRING: A.RESOLVED},  # gone for the whole keep-firing period
    },
)
TRANSITIONS = tuple(ALERT_MACHINE.transitions)


def action_labels() -> dict[str, str]:
    return {"detect": _("Condition detected"), "fire": _("Alert firing"),
            "clear": _("Cleared before firing"), "resolve": _("Alert resolved")}


# --- Reading ------------------------------------------------------------------------------------------------


def visible_alerts(user) -> QuerySet:
    """Alerts in the user's scope (sort by ``severity_rank``, 1 = critical, for "most severe first")."""
    return (scoped(Alert.objects.all(), user, VIEW)
            .select_related("rule", "region", "unit", "event__assignee_unit", "silence"))


def visible_rules(user) -> QuerySet:
    """The rules in the user's scope and those of the regions above it, which apply there too (read-only)."""
    prefixes = {p for g in grants_for(user, VIEW) for p in key_prefixes((g.region_key or g.unit_path).split("/")[0])}
    in_scope = scoped(AlertRule.objects.all(), user, VIEW).values("pk")
    return AlertRule.objects.filter(Q(pk__in=in_scope) | Q(org_path__in=prefixes)).select_related("region")


def may_edit_rule(user, rule: AlertRule) -> bool:
    return path_in_scope(user, MANAGE, rule.org_path)


def visible_silences(user) -> QuerySet:
    return scoped(Silence.objects.select_related("rule", "region", "unit", "created_by"), user, VIEW)


def visible_routes(user) -> QuerySet:
    return scoped(AlertRoute.objects.select_related("region", "unit", "assignee"), user, VIEW)


def get_alert(user, alert_id) -> Alert:
    return get_in_scope(Alert, user, VIEW, alert_id, queryset=visible_alerts(user))


def events_of(alert: Alert) -> QuerySet:
    """Every event the alert opened (one per firing episode), or the module's own event it joined, newest
    first."""
    opened = Q(subject_type=ContentType.objects.get_for_model(Alert), subject_id=str(alert.pk))
    return (Event.objects.filter(opened | Q(pk=alert.event_id)).select_related("assignee_unit")
            .order_by("-created_at", "-pk"))


def place_name(alert: Alert) -> str:
    return alert.unit.name if alert.unit_id else alert.region.name


def firing(user, limit: int = 20) -> list[dict]:
    """The firing alerts in the user's scope, most severe and newest first, for dashboards and the big screen."""
    alerts = visible_alerts(user).filter(state=A.FIRING).order_by("severity_rank", "-fired_at", "-pk")[:limit]
    return [{"title": a.title, "severity": a.rule.severity, "severity_label": a.rule.get_severity_display(),
             "place": place_name(a), "since": a.fired_at, "link": reverse("manage:monitor:alert", args=[a.pk])}
            for a in alerts]


def event_closed_while_firing(alert: Alert) -> bool:
    """People closed the alert's event but the condition persists: the alert stays firing and says so."""
    return alert.state == A.FIRING and alert.event is not None and alert.event.status not in EVENT_OPEN_STATES


def categories() -> list[tuple[str, str]]:
    """Alert categories: the modules (and kernel parts) of the registry."""
    return [(spec.code, str(spec.name)) for spec in registry]


def kpi_choices() -> list[tuple[str, str]]:
    return [(k.code, f"{spec.name} · {k.label}") for spec in registry for k in spec.kpis]


def business_rule_choices() -> list[tuple[str, str]]:
    return [(r.code, f"{spec.name} · {r.label}") for spec in registry for r in spec.rules]


# --- Evaluation ---------------------------------------------------------------------------------------------


@dataclass
class Hit:
    """The rule's condition holds at one place or on one object."""

    fingerprint: str
    region_id: str
    unit_id: int | None
    org_path: str
    title: Callable[[], str]  # built only when an alert is created or recurs (it may cost a query)
    value: Decimal | None = None
    explanation: str = ""
    subject: tuple[int, str] | None = None  # (content type id, object id) of a business object


@dataclass
class Run:
    """One evaluation: its clock, the silences and routes in force, business-rule results and the counts."""

    now: datetime
    silences: list[Silence]
    routes: list[AlertRoute]
    latest: dict[str, list[KpiSnapshot]]
    offending: dict[str, list] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    dispatched: list[Event] = field(default_factory=list)  # the events the rule being evaluated opened


def evaluate_all(now: datetime | None = None) -> dict:
    """Evaluate every enabled rule (and the rules that still have open alerts) at ``now``; returns the
    counts by transition plus events opened and settled. Thresholds read the latest snapshots of all their
    KPIs in one query; anomalies read a bounded window per rule; business rules run once per code."""
    now = now or timezone.now()
    rules = list(AlertRule.objects.filter(Q(enabled=True) | Q(alerts__state__in=OPEN_ALERT_STATES))
                 .distinct().select_related("region"))
    threshold_kpis = {r.kpi for r in rules if r.kind == RuleKind.THRESHOLD and r.enabled}
    run = Run(now=now, silences=list(Silence.objects.filter(starts_at__lte=now, ends_at__gt=now)),
              routes=list(AlertRoute.objects.select_related("assignee")),
              latest=_latest_snapshots(threshold_kpis, now))
    with translation.override(settings.LANGUAGE_CODE):  # explanations are stored in the platform's language
        for rule in rules:
            _evaluate_rule(rule.pk, run)
    counts = {name: run.counts[name] for name in (*TRANSITIONS, "events_opened", "events_settled")}
    return {**counts, "rules": len(rules)}


def _evaluate_rule(rule_id: int, run: Run) -> None:
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().select_related("region").get(pk=rule_id)  # one evaluator
        hits = {h.fingerprint: h for h in (HIT_FINDERS[rule.kind](rule, run) if rule.enabled else ())}
        alerts = {a.fingerprint: a for a in Alert.objects.filter(rule=rule).select_related("event").order_by("pk")}
        for fingerprint, hit in hits.items():
            _holds(rule, alerts.get(fingerprint), hit, run)
        for fingerprint, alert in alerts.items():
            if fingerprint not in hits and alert.state in OPEN_ALERT_STATES:
                _gone(rule, alert, run)
        _announce(rule, run)


def _announce(rule: AlertRule, run: Run) -> None:
    """Each handler hears once of the events this rule opened for them, not once per alert."""
    announce_dispatched(run.dispatched, lambda n: _("%(n)d new events to handle from the alert rule “%(rule)s”")
                        % {"n": n, "rule": rule.name})
    run.dispatched.clear()


def _holds(rule: AlertRule, alert: Alert | None, hit: Hit, run: Run) -> None:
    """The condition holds: detect (or recur), fire after the pending period, keep the value fresh."""
    if alert is None or alert.state == A.RESOLVED:
        alert = alert or Alert(rule=rule, fingerprint=hit.fingerprint)
        _place(alert, hit)
        _move(alert, "detect", run, started_at=run.now, fired_at=None, cleared_at=None, resolved_at=None,
              event=None, value=hit.value, explanation=hit.explanation, silence=_silence_for(rule, alert, run))
    elif (alert.value, alert.explanation, alert.cleared_at) != (hit.value, hit.explanation, None):
        alert.value, alert.explanation, alert.cleared_at = hit.value, hit.explanation, None
        alert.save()
    if alert.state == A.PENDING and run.now - alert.started_at >= timedelta(minutes=rule.pending_minutes):
        _move(alert, "fire", run, fired_at=run.now)
    if alert.state == A.FIRING:
        _dispatch(rule, alert, run)


def _gone(rule: AlertRule, alert: Alert, run: Run) -> None:
    """The condition no longer holds: a pending alert clears; a firing one resolves after keep-firing."""
    if alert.state == A.PENDING:
        _move(alert, "clear", run, resolved_at=run.now, silence=None)
        return
    if alert.cleared_at is None:
        alert.cleared_at = run.now
        alert.save()
    if run.now - alert.cleared_at >= timedelta(minutes=rule.keep_firing_minutes):
        _move(alert, "resolve", run, resolved_at=run.now, silence=None)
        _settle(alert, run)


def _move(alert: Alert, action: str, run: Run, **changes) -> None:
    comment = changes.get("explanation", alert.explanation) if action in ("detect", "fire") else ""
    ALERT_MACHINE.transition(alert, action, None, comment, **changes)
    run.counts[action] += 1


def _place(alert: Alert, hit: Hit) -> None:
    alert.title = hit.title()[:200]
    alert.region_id, alert.unit_id, alert.org_path = hit.region_id, hit.unit_id, hit.org_path
    alert.subject_type_id, alert.subject_id = hit.subject or (None, "")


def _silence_for(rule: AlertRule, alert: Alert, run: Run) -> Silence | None:
    return next((s for s in run.silences
                 if s.rule_id in (None, rule.pk) and s.category in ("", rule.category)
                 and alert.org_path.startswith(s.org_path)), None)


def _dispatch(rule: AlertRule, alert: Alert, run: Run) -> None:
    """A firing alert that no silence mutes opens one event for the routed organisation (once)."""
    silence = _silence_for(rule, alert, run)
    if silence != alert.silence:
        alert.silence = silence
        alert.save()
    if silence is not None or alert.event_id is not None:
        return
    work_items = _work_items(rule)
    if work_items:
        alert.event = _module_event(alert, work_items)
        if alert.event is not None:
            alert.save()
        return
    assignee = route_for(rule, alert, run.routes)
    if assignee is None:
        return
    alert.event = open_event(
        type=EVENT_TYPE, title=_("Alert: %(title)s") % {"title": alert.title}, unit=alert.unit or assignee,
        description=alert.explanation, priority=EVENT_PRIORITY[rule.severity], subject=alert,
        assignee_unit=assignee, tell_handlers=False,
    )
    alert.save()
    run.dispatched.append(alert.event)
    run.counts["events_opened"] += 1


def _work_items(rule: AlertRule) -> tuple[str, ...]:
    registered = _registered_rule(rule.business_rule) if rule.kind == RuleKind.BUSINESS else None
    return registered.work_items if registered is not None else ()


def _module_event(alert: Alert, types: tuple[str, ...]) -> Event | None:
    """The module's own open event about the alert's object (opened by its job, perhaps after the alert)."""
    return (Event.objects.filter(type__in=types, status__in=EVENT_OPEN_STATES, subject_type_id=alert.subject_type_id,
                                 subject_id=alert.subject_id).order_by("-pk").first())


def _settle(alert: Alert, run: Run) -> None:
    """The alert resolved: its event says so on its timeline, and is settled if people have not closed it. A
    module's own event is left to the module, which settles it when the problem is dealt with."""
    if alert.event_id is None or alert.event.type != EVENT_TYPE:
        return
    comment = _("The alert has resolved: its condition cleared at %(at)s.") % {
        "at": formats.date_format(timezone.localtime(alert.cleared_at or run.now), "Y-m-d H:i")}
    if settle_event(alert.event_id, comment) is not None:
        run.counts["events_settled"] += 1
        return
    event = alert.event
    record(event, "alert_resolved", event.status, event.status, comment=comment)


def route_for(rule: AlertRule, alert: Alert, routes: Iterable[AlertRoute]) -> OrgUnit | None:
    """The responsible organisation: the most specific route matching the place and category; else the
    unit the problem belongs to; else the bureau of the nearest region that has one."""
    matching = [r for r in routes if alert.org_path.startswith(r.org_path) and r.category in ("", rule.category)]
    if matching:
        return max(matching, key=lambda r: (len(r.org_path), bool(r.category))).assignee
    if alert.unit_id:
        return alert.unit
    chain = region_chain(alert.region_id)
    bureaus = OrgUnit.objects.filter(is_bureau=True, active=True, kind=UnitKind.UNIT, parent=None,
                                     region_id__in=chain)
    return min(bureaus, key=lambda b: (chain.index(b.region_id), b.org_path), default=None)


# --- Finding where each kind of rule's condition holds ---------------------------------------------------------


def _latest_snapshots(kpis: set[str], now: datetime) -> dict[str, list[KpiSnapshot]]:
    """The newest snapshot (at or before ``now``) of each place, for all ``kpis`` in one query."""
    if not kpis:
        return {}
    newest = (KpiSnapshot.objects.filter(kpi=OuterRef("kpi"), org_path=OuterRef("org_path"), taken_at__lte=now)
              .order_by("-taken_at").values("taken_at")[:1])
    rows = (KpiSnapshot.objects.filter(kpi__in=kpis, taken_at=Subquery(newest), value__isnull=False)
            .select_related("region", "unit"))
    latest: dict[str, list[KpiSnapshot]] = {}
    for row in rows:
        latest.setdefault(row.kpi, []).append(row)
    return latest


def _applies(rule: AlertRule, snapshot: KpiSnapshot) -> bool:
    return snapshot.org_path.startswith(rule.region.key) and rule.level in ("", snapshot.region.level)


def _snapshot_hit(rule: AlertRule, snapshot: KpiSnapshot, explanation: str) -> Hit:
    place = snapshot.unit.name if snapshot.unit_id else snapshot.region.name
    return Hit(fingerprint=f"{rule.pk}:{snapshot.org_path}", region_id=snapshot.region_id,
               unit_id=snapshot.unit_id, org_path=snapshot.org_path, title=lambda: f"{place}：{rule.name}",
               value=snapshot.value, explanation=explanation)


def _threshold_hits(rule: AlertRule, run: Run) -> list[Hit]:
    compare = COMPARE[rule.operator]
    return [
        _snapshot_hit(rule, s, _("Latest value %(value)s %(op)s threshold %(threshold)s (taken at %(at)s).") % {
            "value": number(s.value), "op": rule.get_operator_display(), "threshold": number(rule.threshold),
            "at": formats.date_format(timezone.localtime(s.taken_at), "Y-m-d H:i")})
        for s in run.latest.get(rule.kpi, ()) if _applies(rule, s) and compare(s.value, rule.threshold)
    ]


def _series(rule: AlertRule, run: Run, **lookups) -> dict[str, list[KpiSnapshot]]:
    """Each place's newest ``window + 1`` values (newest first): a window bounded in the database."""
    rows = (KpiSnapshot.objects
            .filter(kpi=rule.kpi, org_path__under=rule.region.key, taken_at__lte=run.now, value__isnull=False,
                    **lookups)
            .annotate(n=Window(RowNumber(), partition_by=[F("org_path")], order_by=[F("taken_at").desc()]))
            .filter(n__lte=rule.window + 1).select_related("region", "unit").order_by("org_path", "-taken_at"))
    series: dict[str, list[KpiSnapshot]] = {}
    for row in rows:
        series.setdefault(row.org_path, []).append(row)
    return series


def _anomaly_hits(rule: AlertRule, run: Run) -> list[Hit]:
    if rule.method == AnomalyMethod.SEASONAL:
        return _seasonal_hits(rule, run)
    hits = []
    for values in _series(rule, run).values():
        hit = _anomaly(rule, values[0], [s.value for s in values[1:]],
                       lambda a: _("Value %(value)s is %(side)s the median %(median)s of the last %(n)d "
                                   "snapshots; robust z-score %(z)s, limit %(limit)s.") % a)
        if hit is not None:
            hits.append(hit)
    return hits


def _seasonal_hits(rule: AlertRule, run: Run) -> list[Hit]:
    """Against the same hour of the same weekday in past weeks: one bounded query per time slot."""
    current = {s.org_path: s for s in _latest_snapshots({rule.kpi}, run.now).get(rule.kpi, ()) if _applies(rule, s)}
    slots: dict[tuple[int, int], list[str]] = {}
    for path, snapshot in current.items():
        local = timezone.localtime(snapshot.taken_at)
        slots.setdefault((local.isoweekday() % 7 + 1, local.hour), []).append(path)  # Django's week_day: 1 = Sunday
    hits = []
    for (week_day, hour), paths in slots.items():
        series = _series(rule, run, taken_at__week_day=week_day, taken_at__hour=hour, org_path__in=paths)
        for path, values in series.items():
            slot = formats.date_format(timezone.localtime(current[path].taken_at), "l H:00")
            hit = _anomaly(rule, values[0], [s.value for s in values[1:]],
                           lambda a, slot=slot: _("Value %(value)s is %(side)s the median %(median)s of the same "
                                                  "time (%(slot)s) in the last %(n)d weeks; robust z-score %(z)s, "
                                                  "limit %(limit)s.") % {**a, "slot": slot})
            if hit is not None:
                hits.append(hit)
    return hits


def robust_z(value: Decimal, history: list[Decimal]) -> tuple[float, float] | None:
    """(z, median): how many robust standard deviations ``value`` lies from the history's median. The MAD
    scaled to a standard deviation; the mean absolute deviation when over half the values are equal; None
    when the history does not vary at all (nothing can be called unusual)."""
    values = [float(v) for v in history]
    centre = median(values)
    deviations = [abs(v - centre) for v in values]
    spread = 1.4826 * median(deviations) or 1.2533 * mean(deviations)
    if not spread:
        return None
    return (float(value) - centre) / spread, centre


def _anomaly(rule: AlertRule, latest: KpiSnapshot, history: list[Decimal], explain: Callable) -> Hit | None:
    if len(history) < MIN_HISTORY or not _applies(rule, latest):
        return None
    scored = robust_z(latest.value, history)
    if scored is None:
        return None
    z, centre = scored
    limit = float(rule.z_limit)
    unusual = {Direction.UP: z > limit, Direction.DOWN: z < -limit}.get(rule.direction, abs(z) > limit)
    if not unusual:
        return None
    side = _("above") if z > 0 else _("below")
    return _snapshot_hit(rule, latest, explain({"value": number(latest.value), "side": side, "median": number(centre),
                                                "n": len(history), "z": f"{z:.1f}", "limit": number(rule.z_limit)}))


def _business_hits(rule: AlertRule, run: Run) -> list[Hit]:
    if rule.business_rule not in run.offending:
        run.offending[rule.business_rule] = _offending(rule.business_rule)
    hits = []
    for obj in run.offending[rule.business_rule]:
        unit = getattr(obj, "unit", None)
        path = getattr(obj, "org_path", "") or (unit.org_path if unit else "")
        if unit is None or not path.startswith(rule.region.key):
            continue  # an object that belongs to no unit cannot be routed
        content_type = ContentType.objects.get_for_model(obj)
        hits.append(Hit(
            fingerprint=f"{rule.pk}:{content_type.pk}:{obj.pk}", region_id=unit.region_id,
            unit_id=unit.unit_id if unit.kind == UnitKind.DEPARTMENT else unit.pk, org_path=path,
            title=lambda obj=obj: f"{rule.name}：{obj}", subject=(content_type.pk, str(obj.pk)),
            explanation=_("Found by the module's business rule “%(rule)s”.") % {"rule": rule.name},
        ))
    return hits


def _registered_rule(code: str) -> Rule | None:
    return next((r for spec in registry for r in spec.rules if r.code == code), None)


def _offending(code: str) -> list:
    found = _registered_rule(code)
    if found is None:
        return []  # the module was removed: its alerts clear
    objects = found.evaluate()
    if isinstance(objects, QuerySet) and _has_field(objects.model, "unit"):
        objects = objects.select_related("unit")
    return list(objects)


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


HIT_FINDERS = {RuleKind.THRESHOLD: _threshold_hits, RuleKind.ANOMALY: _anomaly_hits,
               RuleKind.BUSINESS: _business_hits}


def number(value) -> str:
    """A figure as people write it: at most two decimals, no trailing zeros."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


# --- Rules ----------------------------------------------------------------------------------------------------

RULE_FIELDS = {"name", "kind", "region_code", "kpi", "level", "operator", "threshold", "method", "direction",
               "window", "z_limit", "business_rule", "severity", "category", "pending_minutes",
               "keep_firing_minutes", "enabled"}
KIND_FIELDS = {RuleKind.THRESHOLD: ("kpi", "level", "operator", "threshold"),
               RuleKind.ANOMALY: ("kpi", "level", "method", "direction", "window", "z_limit"),
               RuleKind.BUSINESS: ("business_rule",)}
BLANK_KIND_FIELDS = {"kpi": "", "level": "", "operator": "", "threshold": None, "method": "",
                     "direction": Direction.BOTH, "window": 30, "z_limit": Decimal("3.5"), "business_rule": ""}


@use_case
def create_rule(user, **values) -> AlertRule:
    """A bureau's own rule for its region (or a region below it)."""
    require(user, MANAGE)
    refuse_unknown_fields(values, RULE_FIELDS)
    rule = AlertRule(code=f"custom.{uuid.uuid4().hex[:12]}")
    _apply_rule(user, rule, {"direction": Direction.BOTH, "window": 30, "z_limit": "3.5", "enabled": True,
                             "pending_minutes": 0, "keep_firing_minutes": 0, **values})
    return rule


@use_case
def update_rule(user, rule_id, **changes) -> AlertRule:
    """Change a rule in the user's scope (404 outside it); only the fields sent change."""
    rule = get_in_scope(AlertRule, user, MANAGE, rule_id, lock=True)
    refuse_unknown_fields(changes, RULE_FIELDS)
    current = {name: getattr(rule, name) for name in RULE_FIELDS - {"region_code"}}
    _apply_rule(user, rule, {**current, "region_code": rule.region_id, **changes})
    return rule


def _apply_rule(user, rule: AlertRule, values: dict) -> None:
    errors = Errors()
    fields = {
        "name": text(errors, "name", values.get("name"), label=_("rule name"), max_length=100, min_length=2),
        "kind": choice(errors, "kind", values.get("kind"), label=_("rule kind"), choices=RuleKind),
        "region": _region_in_scope(errors, user, values.get("region_code")),
        "severity": choice(errors, "severity", values.get("severity"), label=_("severity"), choices=Severity),
        "category": _one_of(errors, "category", values.get("category"), _("category"), categories()),
        "pending_minutes": bounded_int(errors, "pending_minutes", values.get("pending_minutes"),
                                       label=_("pending period (minutes)"), low=0, high=MAX_PERIOD_MINUTES),
        "keep_firing_minutes": bounded_int(errors, "keep_firing_minutes", values.get("keep_firing_minutes"),
                                           label=_("keep-firing period (minutes)"), low=0, high=MAX_PERIOD_MINUTES),
        "enabled": bool(values.get("enabled")),
        **BLANK_KIND_FIELDS,
    }
    if fields["kind"] in KIND_FIELDS:
        fields.update(_kind_fields(errors, fields["kind"], values))
    errors.raise_if_any()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()


def _kind_fields(errors: Errors, kind: str, values: dict) -> dict:
    if kind == RuleKind.BUSINESS:
        return {"business_rule": _one_of(errors, "business_rule", values.get("business_rule"), _("business rule"),
                                         business_rule_choices())}
    fields = {"kpi": _one_of(errors, "kpi", values.get("kpi"), _("KPI"), kpi_choices()),
              "level": values.get("level") or ""}
    if fields["level"]:
        choice(errors, "level", fields["level"], label=_("places at level"), choices=Level)
    if kind == RuleKind.THRESHOLD:
        fields["operator"] = choice(errors, "operator", values.get("operator"), label=_("operator"),
                                    choices=Operator)
        fields["threshold"] = _decimal(errors, "threshold", values.get("threshold"), _("threshold"),
                                       Decimal("-1e15"), Decimal("1e15"))
        return fields
    fields["method"] = choice(errors, "method", values.get("method"), label=_("anomaly method"),
                              choices=AnomalyMethod)
    fields["direction"] = choice(errors, "direction", values.get("direction") or Direction.BOTH,
                                 label=_("direction"), choices=Direction)
    fields["window"] = bounded_int(errors, "window", values.get("window"), label=_("history window (snapshots)"),
                                   low=MIN_HISTORY, high=500)
    fields["z_limit"] = _decimal(errors, "z_limit", values.get("z_limit"), _("robust z-score limit"),
                                 Decimal(1), Decimal(20))
    return fields


def _region_in_scope(errors: Errors, user, code) -> Region | None:
    region = find(Region.objects.exclude(level=Level.NATIONAL), code)
    if region is None or not path_in_scope(user, MANAGE, region.key):
        errors.add("region_code", _("The selected region does not exist or is outside your data scope."))
        return None
    return region


def _one_of(errors: Errors, field_name: str, value, label: str, options: list[tuple[str, str]]) -> str:
    if value not in dict(options):
        errors.add(field_name, _("“%(value)s” is not a valid %(field)s; choose one of: %(allowed)s.")
                   % {"value": value or "", "field": label, "allowed": "、".join(v for _c, v in options)})
    return value or ""


def _decimal(errors: Errors, field_name: str, value, label: str, low: Decimal, high: Decimal) -> Decimal | None:
    try:
        number_ = Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        number_ = None
    if number_ is None or not number_.is_finite() or not low <= number_ <= high:
        errors.add(field_name, _("%(field)s must be a number between %(low)s and %(high)s.")
                   % {"field": label, "low": number(low), "high": number(high)})
        return None
    return number_.quantize(Decimal("0.0001"))


def seed_default_rules() -> int:
    """The platform's default rules for every province: each module's business rule, and the example
    thresholds whose KPI is registered. Idempotent; returns how many were created."""
    kpis = {k.code: (spec, k) for spec in registry for k in spec.kpis}
    created = 0
    for province in Region.objects.filter(level=Level.PROVINCE):
        for spec in registry:
            for rule in spec.rules:
                created += _seed(province, f"default.{rule.code}", name=str(rule.label), kind=RuleKind.BUSINESS,
                                 business_rule=rule.code, category=spec.code, severity=Severity.MINOR)
        for kpi, op, threshold, severity in DEFAULT_THRESHOLDS:
            if kpi in kpis:
                spec, found = kpis[kpi]
                created += _seed(province, f"default.{kpi}.{op}", kind=RuleKind.THRESHOLD, kpi=kpi, operator=op,
                                 threshold=threshold, severity=severity, category=spec.code,
                                 name=f"{found.label} {Operator(op).label} {number(threshold)}{found.unit}",
                                 pending_minutes=60, keep_firing_minutes=60)
    return created


def _seed(region: Region, code: str, **defaults) -> int:
    return int(AlertRule.objects.get_or_create(region=region, code=code, defaults=defaults)[1])


# --- Silences -------------------------------------------------------------------------------------------------


@use_case
def create_silence(user, *, region_code, reason, ends_at, starts_at=None, unit_id=None, rule_id=None,
                   category="") -> Silence:
    """Mute matching alerts for a while, with a reason: they still change state but open no event."""
    require(user, MANAGE)
    errors = Errors()
    region = _region_in_scope(errors, user, region_code)
    unit = _unit_in(errors, user, region, unit_id, "unit_id")
    path = unit.org_path if unit else (region.key if region else "")
    rule = None
    if rule_id not in (None, ""):
        rule = find(visible_rules(user), rule_id)
        if rule is None or not (path.startswith(rule.org_path) or rule.org_path.startswith(path)):
            errors.add("rule_id", _("The selected rule does not exist or does not apply to this place."))
    if category:
        _one_of(errors, "category", category, _("category"), categories())
    now = timezone.now()
    starts = (date_time_value(errors, "starts_at", starts_at, label=_("start time"))
              if starts_at not in (None, "") else now)
    ends = date_time_value(errors, "ends_at", ends_at, label=_("end time"))
    if starts and ends and not (ends > max(starts, now) and ends - starts <= MAX_SILENCE):
        errors.add("ends_at", _("The end time must be in the future, after the start, and at most 90 days later."))
    reason = text(errors, "reason", reason, label=_("reason"), max_length=500, min_length=2)
    errors.raise_if_any()
    return Silence.objects.create(rule=rule, region=region, unit=unit, category=category or "", starts_at=starts,
                                  ends_at=ends, reason=reason, created_by=user)


@use_case
def expire_silence(user, silence_id) -> Silence:
    """End a silence now; its alerts open their events at the next evaluation if they still fire."""
    silence = get_in_scope(Silence, user, MANAGE, silence_id, lock=True)
    now = timezone.now()
    if silence.ends_at <= now:
        raise StateError(_("The silence has already ended."))
    silence.starts_at = min(silence.starts_at, now - timedelta(seconds=1))
    silence.ends_at = now
    silence.save()
    return silence


def _unit_in(errors: Errors, user, region: Region | None, unit_id, field_name: str) -> OrgUnit | None:
    if unit_id in (None, ""):
        return None
    unit = find(scoped(OrgUnit.objects.filter(active=True), user, MANAGE).select_related("region"), unit_id)
    if unit is None or (region is not None and not unit.region.key.startswith(region.key)):
        errors.add(field_name, _("The selected unit does not exist, is outside your data scope or is not in the region."))
        return None
    return unit


# --- Routes ---------------------------------------------------------------------------------------------------


@use_case
def save_route(user, route_id=None, *, region_code, assignee_id, unit_id=None, category="") -> AlertRoute:
    """Create or change a route (region or unit, optionally one category → the responsible organisation)."""
    require(user, MANAGE)
    route = get_in_scope(AlertRoute, user, MANAGE, route_id, lock=True) if route_id else AlertRoute()
    errors = Errors()
    region = _region_in_scope(errors, user, region_code)
    unit = _unit_in(errors, user, region, unit_id, "unit_id")
    assignee = find(scoped(OrgUnit.objects.filter(active=True), user, MANAGE), assignee_id)
    if assignee is None:
        errors.add("assignee_id", _("The responsible organisation does not exist or is outside your data scope."))
    if category:
        _one_of(errors, "category", category, _("category"), categories())
    errors.raise_if_any()
    route.region, route.unit, route.assignee, route.category = region, unit, assignee, category or ""
    with unique("category", _("A route for this place and category already exists; edit that one.")):
        route.save()
    return route


@use_case
def delete_route(user, route_id) -> None:
    route = get_in_scope(AlertRoute, user, MANAGE, route_id, lock=True)
    route.delete()
