"""One source per fact (一数一源) and data quality: data elements and their carriers, reconciliation of each
run against master data (the authoritative carrier updates it, every other carrier is checked against it),
quality issues in the kernel's event closed loop, and the five quality measures of every run.

Reconciliation is set-based: the run's rows are joined with the current master values (loaded into DuckDB
through Arrow) and the writes go to the database in batches, so a run of a million rows takes seconds here.
User-defined names reach DuckDB only as validated identifiers; values only as data.

Quality issues map onto the kernel's event states: new → ``new``; acknowledged → ``dispatched`` (the bureau
confirmed it and sent it to the submitting unit); assigned → ``in_progress`` (a handler of that unit took it
on); resolved → ``resolved`` (with a cause from the ``datahub-issue-reason`` dictionary), or settled by the
system once a corrected submission leaves no discrepancy open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
from django.db import connection, transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import audit, notify
from jiguan.core.errors import StateError
from jiguan.core.models import Dictionary, DictionaryItem, Event
from jiguan.core.models.events import EventStatus
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services import events
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import permission_holders, use_case
from jiguan.core.services.inputs import Errors, code, find, text, unique

from ..models import (
    DataElement,
    Dataset,
    DatasetField,
    Discrepancy,
    DiscrepancyState,
    ElementCarrier,
    FieldType,
    Frequency,
    MasterValue,
    QualityIssue,
    QualityMeasure,
    Run,
    RunState,
    Storage,
)
from ..module import MANAGE, REVIEW, VIEW

ISSUE_EVENT = "datahub.quality_issue"
REASONS = "datahub-issue-reason"
DEFAULT_REASONS = (("source_entry", "源系统录入错误"), ("definition", "口径不一致"), ("late_update", "更新不及时"),
                   ("code_mapping", "编码映射错误"), ("other", "其他"))
HANDLE_EVENTS = "core.handle_events"
MEASURES = ("completeness", "validity", "uniqueness", "consistency", "timeliness")
BATCH = 5000
HUNDRED = Decimal(100)
NUMERIC = {FieldType.INTEGER, FieldType.DECIMAL}
COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")
TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Timeliness: a delivery within one period of the unit's previous delivery scores 100; later, the score falls
# in a straight line to 0 when a second period has passed. Ad-hoc datasets are always on time.
PERIODS = {
    Frequency.REALTIME: timedelta(hours=1), Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7),
    Frequency.MONTHLY: timedelta(days=31), Frequency.QUARTERLY: timedelta(days=92),
    Frequency.YEARLY: timedelta(days=366),
}
DELIVERED = (RunState.PUBLISHED, RunState.HELD)


# --- Data elements --------------------------------------------------------------------------------------


@use_case
def create_element(user, *, code: str, name: str, entity: str, dataset_id, field: str, key_field: str,
                   description: str = "") -> DataElement:
    """A data element with its authoritative carrier (``dataset_id``.``field``, keyed by ``key_field``)."""
    require(user, MANAGE)
    errors = Errors()
    element = DataElement(code=_element_code(errors, code))
    _describe(errors, element, name=name, entity=entity, description=description)
    dataset = _dataset(user, errors, dataset_id)
    value_field, key = _carrier_fields(errors, dataset, field, key_field)
    errors.raise_if_any()
    element.value_type = value_field.type
    with unique("code", _code_taken()):
        element.save()
    ElementCarrier.objects.create(element=element, dataset=dataset, field=value_field.name, key_field=key.name,
                                  authoritative=True)
    return element


@use_case
def update_element(user, element_id, *, name: str, entity: str, description: str = "") -> DataElement:
    """Rename or redescribe an element; only those whose scope reaches its authoritative dataset may."""
    element = _element_to_manage(user, element_id)
    errors = Errors()
    _describe(errors, element, name=name, entity=entity, description=description)
    errors.raise_if_any()
    element.save()
    return element


@use_case
def add_carrier(user, element_id, *, dataset_id, field: str, key_field: str) -> ElementCarrier:
    """Declare another dataset that carries the element: its values will be checked against master data."""
    require(user, MANAGE)
    element = _element(element_id, lock=True)
    errors = Errors()
    dataset = _dataset(user, errors, dataset_id)
    value_field, key = _carrier_fields(errors, dataset, field, key_field)
    if dataset is not None and element.carriers.filter(dataset=dataset).exists():
        errors.add("dataset_id", _carrier_taken())
    if "field" not in errors and value_field is not None and not _compatible(value_field.type, element.value_type):
        errors.add("field", _type_mismatch(value_field, element.get_value_type_display()))
    authority = element.carriers.get(authoritative=True)
    authority_key = DatasetField.objects.filter(dataset_id=authority.dataset_id, name=authority.key_field).first()
    if key is not None and authority_key is not None and not _compatible(key.type, authority_key.type):
        errors.add("key_field", _type_mismatch(key, authority_key.get_type_display()))
    errors.raise_if_any()
    with unique("dataset_id", _carrier_taken()):
        return ElementCarrier.objects.create(element=element, dataset=dataset, field=value_field.name,
                                             key_field=key.name)


@use_case
def remove_carrier(user, carrier_id) -> None:
    """Stop checking a dataset against the element; the authoritative carrier cannot be removed."""
    require(user, MANAGE)
    carrier = find(ElementCarrier.objects.select_for_update().select_related("dataset"), carrier_id)
    if carrier is None or not can_reach(user, MANAGE, carrier.dataset):
        raise Http404(_("Not found."))
    if carrier.authoritative:
        raise StateError(_("The authoritative source of a data element cannot be removed."))
    carrier.delete()


def _element(element_id, *, lock: bool = False) -> DataElement:
    queryset = DataElement.objects.select_for_update() if lock else DataElement.objects.all()
    element = find(queryset, element_id)
    if element is None:
        raise Http404(_("Not found."))
    return element


def _element_to_manage(user, element_id) -> DataElement:
    require(user, MANAGE)
    element = _element(element_id, lock=True)
    if not can_reach(user, MANAGE, element.carriers.get(authoritative=True).dataset):
        raise Http404(_("Not found."))
    return element


def _element_code(errors: Errors, value) -> str:
    element_code = code(errors, "code", value, label=_("element code"), max_length=60)
    if "code" not in errors and DataElement.objects.filter(code=element_code).exists():
        errors.add("code", _code_taken())
    return element_code


def _describe(errors: Errors, element: DataElement, *, name, entity, description) -> None:
    element.name = text(errors, "name", name, label=_("element name"), max_length=100)
    element.entity = text(errors, "entity", entity, label=_("entity and its key"), max_length=100)
    element.description = text(errors, "description", description, label=_("description"), max_length=300,
                               required=False)


def _dataset(user, errors: Errors, dataset_id) -> Dataset | None:
    dataset = find(scoped(Dataset.objects.all(), user, MANAGE), dataset_id)
    if dataset is None:
        errors.add("dataset_id", _("The selected dataset does not exist or is outside your data scope."))
    elif dataset.storage != Storage.STORE:
        errors.add("dataset_id", _("Only datasets kept in the analytical store are reconciled; “%(name)s” is a "
                                   "module's table.") % {"name": dataset.name})
        return None
    return dataset


def _carrier_fields(errors: Errors, dataset: Dataset | None, field, key_field):
    """The value and key columns of ``dataset``'s schema named by the input (None where wrong)."""
    if dataset is None:
        return None, None
    columns = {f.name: f for f in dataset.fields.all()}
    found = {}
    for name, value, label in (("field", field, _("value column")), ("key_field", key_field, _("key column"))):
        found[name] = columns.get(str(value or "").strip())
        if found[name] is None:
            errors.add(name, _("The dataset “%(dataset)s” has no column “%(column)s” (%(field)s).")
                       % {"dataset": dataset.name, "column": value or "", "field": label})
    if found["field"] is not None and found["field"] is found["key_field"]:
        errors.add("key_field", _("The key column must be another column than the value column."))
    return found["field"], found["key_field"]


def _compatible(one: str, other: str) -> bool:
    return one == other or {one, other} <= NUMERIC


def _type_mismatch(field: DatasetField, expected) -> str:
    return _("The column “%(column)s” holds %(type)s values; %(expected)s values are needed.") % {
        "column": field.label or field.name, "type": field.get_type_display(), "expected": expected}


def _code_taken() -> str:
    return _("A data element with this code already exists.")


def _carrier_taken() -> str:
    return _("This dataset is already declared as a carrier of the element.")


# --- Reconciliation -----------------------------------------------------------------------------------


@dataclass
class Tally:
    recorded: int = 0
    checked: int = 0
    agreeing: int = 0


def reconcile(con, run, table: str) -> int:
    """Cross-check the cleaned rows in DuckDB ``table`` against the authoritative values; returns how many
    discrepancies were recorded. The authoritative carrier's rows update master data instead."""
    columns = set(con.table(_table_name(table)).columns)
    tally = Tally()
    carriers = ElementCarrier.objects.filter(dataset_id=run.dataset_id).select_related("element")
    with transaction.atomic():
        for carrier in carriers:
            if {carrier.field, carrier.key_field} <= columns:
                _reconcile_carrier(con, run, table, carrier, columns, tally)
        QualityMeasure.objects.update_or_create(run=run, defaults={
            "dataset_id": run.dataset_id, "org_path": run.org_path, "measured_at": timezone.now(),
            "checked_values": tally.checked, "agreeing_values": tally.agreeing,
        })
    return tally.recorded


def _reconcile_carrier(con, run, table: str, carrier: ElementCarrier, columns: set, tally: Tally) -> None:
    # One element at a time: two runs touching the same element queue here instead of racing on master data.
    element = DataElement.objects.select_for_update().get(pk=carrier.element_id)
    _stage_carried(con, table, carrier, columns)
    _load_master(con, element)
    now = timezone.now()
    if carrier.authoritative:
        _update_master(con, run, element, now)
    else:
        _compare(con, run, carrier, element, now, tally)


def _stage_carried(con, table: str, carrier: ElementCarrier, columns: set) -> None:
    """``_carried(key, value, org_path, row)``: the carrier's non-empty values, the last row of a key winning."""
    types = dict(DatasetField.objects.filter(dataset_id=carrier.dataset_id).values_list("name", "type"))
    key = _canonical(carrier.key_field, types.get(carrier.key_field, FieldType.TEXT), 100)
    value = _canonical(carrier.field, types.get(carrier.field, FieldType.TEXT), 500)
    row = '"_row"' if "_row" in columns else "NULL"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _carried AS
        SELECT key, value, org_path, row FROM (
            SELECT {key} AS key, {value} AS value, "org_path" AS org_path, {row} AS row
            FROM {_table_name(table)})
        WHERE key IS NOT NULL AND value IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY key ORDER BY row DESC NULLS LAST) = 1
    """).fetchall()  # noqa: S608 (validated identifiers only)


def _canonical(column: str, field_type: str, length: int) -> str:
    """A column's values as comparable text: trimmed; numbers without trailing zeros; ISO dates."""
    if not COLUMN.match(column):
        raise ValueError(f"not a column name: {column!r}")
    raw = f"NULLIF(trim(CAST(\"{column}\" AS VARCHAR)), '')"
    if field_type in NUMERIC:
        raw = f"rtrim(rtrim(CAST(TRY_CAST({raw} AS DECIMAL(38, 4)) AS VARCHAR), '0'), '.')"
    elif field_type in (FieldType.DATE, FieldType.BOOLEAN):
        raw = f"CAST(TRY_CAST({raw} AS {'DATE' if field_type == FieldType.DATE else 'BOOLEAN'}) AS VARCHAR)"
    return f"left({raw}, {length})"


def _table_name(table: str) -> str:
    if not TABLE.match(table):
        raise ValueError(f"not a table name: {table!r}")
    return f'"{table}"'


def _load_master(con, element: DataElement) -> None:
    """``_master(id, key, value, org_path)``: the element's current master values, handed to DuckDB as Arrow."""
    rows = MasterValue.objects.filter(element=element, valid_to__isnull=True).values_list(
        "pk", "key", "value", "org_path")
    ids, keys, values, paths = (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [], [])
    con.register("_master", pa.table({
        "id": pa.array(ids, pa.int64()), "key": pa.array(keys, pa.string()),
        "value": pa.array(values, pa.string()), "org_path": pa.array(paths, pa.string()),
    }))


def _update_master(con, run, element: DataElement, now: datetime) -> None:
    """The authoritative run wins: each key whose value (or owning unit) changed gets its current value closed
    and the new one opened — the dynamic update, with history."""
    changes = con.execute("""
        SELECT c.key, c.value, c.org_path, m.id FROM _carried c LEFT JOIN _master m USING (key)
        WHERE m.id IS NULL OR m.value <> c.value OR m.org_path <> c.org_path
    """).fetchall()
    closed = [change[3] for change in changes if change[3] is not None]
    for start in range(0, len(closed), BATCH):
        MasterValue.objects.filter(pk__in=closed[start:start + BATCH]).update(valid_to=now)
    moment = connection.ops.adapt_datetimefield_value(now)
    _insert(MasterValue, ("element", "key", "value", "org_path", "run", "valid_from"),
            [(element.pk, key, value, path, run.pk, moment) for key, value, path, _old in changes])
    if changes:
        audit.log_bulk(MasterValue, _("Master data of “%(element)s” updated by run #%(run)d")
                       % {"element": element.name, "run": run.pk}, len(changes), org_path=run.org_path)


def _compare(con, run, carrier: ElementCarrier, element: DataElement, now: datetime, tally: Tally) -> None:
    [(checked, agreeing)] = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE c.value = m.value) FROM _carried c JOIN _master m USING (key)"
    ).fetchall()
    tally.checked += checked
    tally.agreeing += agreeing
    opened = Discrepancy.objects.filter(element=element, dataset_id=carrier.dataset_id, state=DiscrepancyState.OPEN)
    open_rows = list(opened.values_list("pk", "key", "issue_id"))
    con.register("_open", pa.table({
        "id": pa.array([r[0] for r in open_rows], pa.int64()), "key": pa.array([r[1] for r in open_rows], pa.string()),
        "issue_id": pa.array([r[2] for r in open_rows], pa.int64()),
    }))
    _settle_fixed(con, run, now)
    found = con.execute("""
        SELECT c.key, m.value, c.value, c.row, c.org_path FROM _carried c JOIN _master m USING (key)
        WHERE c.value <> m.value AND c.key NOT IN (SELECT key FROM _open) ORDER BY c.row, c.key
    """).fetchall()
    if found:
        _record_discrepancies(run, element, found, now)
        tally.recorded += len(found)


def _settle_fixed(con, run, now: datetime) -> None:
    """Open discrepancies whose key this run now delivers with the authoritative value are fixed; an issue
    left with none open is settled through the kernel (its timeline says why)."""
    fixed = con.execute("""
        SELECT o.id, o.issue_id FROM _open o JOIN _carried c USING (key) JOIN _master m USING (key)
        WHERE c.value = m.value
    """).fetchall()
    ids = [row[0] for row in fixed]
    for start in range(0, len(ids), BATCH):
        Discrepancy.objects.filter(pk__in=ids[start:start + BATCH]).update(
            state=DiscrepancyState.FIXED, settled_by=run, settled_at=now)
    if ids:
        audit.log_bulk(Discrepancy, _("Discrepancies fixed by run #%(run)d") % {"run": run.pk}, len(ids),
                       org_path=run.org_path)
    touched = {row[1] for row in fixed}
    still_open = set(Discrepancy.objects.filter(issue_id__in=touched, state=DiscrepancyState.OPEN)
                     .values_list("issue_id", flat=True))
    for issue in QualityIssue.objects.filter(pk__in=touched - still_open, event__isnull=False):
        events.settle_event(issue.event_id, _("A corrected submission (run #%(run)d) fixed every discrepancy.")
                            % {"run": run.pk})


def _record_discrepancies(run, element: DataElement, found: list[tuple], now: datetime) -> None:
    """One quality issue (one event) for this run and element, whatever the number of rows."""
    issue = QualityIssue.objects.create(run=run, element=element, dataset_id=run.dataset_id, unit_id=run.unit_id,
                                        found=len(found))
    moment = connection.ops.adapt_datetimefield_value(now)
    _insert(Discrepancy, ("element", "dataset", "run", "issue", "key", "authoritative_value", "other_value", "row",
                          "org_path", "state", "created_at"),
            [(element.pk, run.dataset_id, run.pk, issue.pk, key, master, other, row, path, DiscrepancyState.OPEN,
              moment) for key, master, other, row, path in found])
    audit.log_bulk(Discrepancy, _("Discrepancies found by run #%(run)d") % {"run": run.pk}, len(found),
                   org_path=run.org_path)
    _open_issue_event(issue, run, element, found)


def _open_issue_event(issue: QualityIssue, run, element: DataElement, found: list[tuple]) -> None:
    title = _("“%(element)s” differs from the authoritative source in %(count)d rows of %(dataset)s") % {
        "element": element.name, "count": len(found), "dataset": run.dataset.name}
    samples = "\n".join(_("Key %(key)s: delivered “%(other)s”, authoritative “%(master)s”")
                        % {"key": key, "other": other, "master": master} for key, master, other, _r, _p in found[:5])
    issue.event = events.open_event(type=ISSUE_EVENT, title=title[:200], unit=run.unit, subject=issue,
                                    description=samples)
    issue.save()
    recipients = [*permission_holders(run.org_path, REVIEW, nearest=True), run.submitted_by]
    notify.send(recipients, title, body=samples, category="datahub",
                link=notify.link_to("manage:datahub:quality_issue", issue.pk))


def _insert(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain rows in batches (no model instances: a run may bring a million); the caller logs the bulk."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 (model metadata)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])


# --- Quality issues --------------------------------------------------------------------------------------


def issue_reasons():
    """The active causes a resolved issue may name: the ``datahub-issue-reason`` dictionary, created with
    the usual causes the first time it is needed (administrators edit it under System › Dictionaries)."""
    dictionary, created = Dictionary.objects.get_or_create(
        code=REASONS, defaults={"name": "数据质量问题原因", "source": "数据治理中心"})
    if created:
        DictionaryItem.objects.bulk_create(DictionaryItem(dictionary=dictionary, code=item_code, label=label, sort=n)
                                           for n, (item_code, label) in enumerate(DEFAULT_REASONS))
    return dictionary.items.filter(active=True).order_by("sort", "code")


def issue_actions(user, issue: QualityIssue) -> list[str]:
    """What the user may do with the issue now: acknowledge, assign, resolve (for the portal's buttons)."""
    event = issue.event
    if event is None or not scoped(Event.objects.filter(pk=event.pk), user, HANDLE_EVENTS).exists():
        return []
    if event.status == EventStatus.NEW:
        return ["acknowledge"] if can_reach(user, REVIEW, issue) else []
    return {EventStatus.DISPATCHED: ["assign"], EventStatus.IN_PROGRESS: ["resolve"]}.get(event.status, [])


@use_case
def acknowledge_issue(user, issue_id, comment: str = "") -> QualityIssue:
    """The bureau confirms the issue and sends it to the submitting unit, whose data is wrong."""
    issue = get_in_scope(QualityIssue, user, REVIEW, issue_id, lock=True)
    events.dispatch(user, issue.event_id, assignee_unit_id=issue.unit_id, comment=comment)
    return issue


@use_case
def assign_issue(user, issue_id, *, assignee_id=None, comment: str = "") -> QualityIssue:
    """A handler of the unit takes the issue on, or hands it to a colleague who can handle the unit's events."""
    issue = get_in_scope(QualityIssue, user, VIEW, issue_id, lock=True)
    event = _event_for(user, issue, "start")
    errors = Errors()
    assignee = user
    if assignee_id not in (None, ""):
        handlers = permission_holders(event.assignee_path or event.org_path, HANDLE_EVENTS)
        assignee = next((a for a in handlers if str(a.pk) == str(assignee_id)), None)
        if assignee is None:
            errors.add("assignee_id", _("The selected handler cannot handle events of that unit."))
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=2000, required=False)
    errors.raise_if_any()
    events.EVENT_MACHINE.transition(event, "start", user, comment, assignee=assignee)
    if assignee.pk != user.pk:
        notify.send([assignee], _("Quality issue assigned to you: %(title)s") % {"title": event.title},
                    category="datahub", link=notify.link_to("manage:datahub:quality_issue", issue.pk))
    return issue


@use_case
def resolve_issue(user, issue_id, *, reason, comment) -> QualityIssue:
    """Resolved with a cause from the configured list (so causes can be counted) and what was done; the
    issue's open discrepancies are closed with it."""
    issue = get_in_scope(QualityIssue, user, VIEW, issue_id, lock=True)
    _event_for(user, issue, "resolve")
    errors = Errors()
    cause = issue_reasons().filter(code=str(reason or "")).first()
    if cause is None:
        errors.add("reason", _("Please choose the cause of the issue from the list."))
    comment = text(errors, "comment", comment, label=_("handling result"), max_length=2000)
    errors.raise_if_any()
    events.resolve(user, issue.event_id, f"{cause.label}：{comment}")
    issue.reason = cause
    issue.save()
    closed = issue.discrepancies.filter(state=DiscrepancyState.OPEN).update(
        state=DiscrepancyState.CLOSED, settled_at=timezone.now())
    if closed:
        audit.log_bulk(Discrepancy, _("Discrepancies closed with quality issue #%(issue)d") % {"issue": issue.pk},
                       closed, org_path=issue.org_path)
    return issue


def _event_for(user, issue: QualityIssue, action: str) -> Event:
    """The issue's event, locked, if the user handles it and it allows ``action`` now."""
    event = get_in_scope(Event, user, HANDLE_EVENTS, issue.event_id, lock=True)
    if action not in events.EVENT_MACHINE.allowed_actions(event):
        raise StateError(_("The quality issue is “%(state)s”; this is not possible now.")
                         % {"state": issue_state_label(event.status)})
    return event


def issue_state_label(status: str) -> str:
    """The issue's closed-loop stage for an event status (new, acknowledged, assigned, resolved)."""
    labels = {EventStatus.NEW: _("Newly found"), EventStatus.DISPATCHED: _("Acknowledged"),
              EventStatus.IN_PROGRESS: _("Assigned"), EventStatus.RESOLVED: _("Resolved"),
              EventStatus.CLOSED: _("Resolved"), EventStatus.REJECTED: _("Rejected")}
    return str(labels.get(status, status))


# --- Reads for the pages and the API ---------------------------------------------------------------------


def visible_issues(user):
    require(user, VIEW)
    return scoped(QualityIssue.objects.select_related("event", "element", "dataset", "unit", "reason", "run"),
                  user, VIEW)


def visible_discrepancies(user):
    require(user, VIEW)
    return scoped(Discrepancy.objects.select_related("element", "dataset", "run__unit", "issue"), user, VIEW)


def issues_by_reason(user) -> list[dict]:
    """Resolved issues counted by cause; those settled by a corrected submission form their own group."""
    done = visible_issues(user).filter(event__status__in=(EventStatus.RESOLVED, EventStatus.CLOSED))
    counted = done.values("reason__label").annotate(n=Count("pk")).order_by("-n", "reason__label")
    return [{"reason": row["reason__label"] or _("Settled by a corrected submission"), "count": row["n"]}
            for row in counted]


def issue_counts(user) -> dict[str, int]:
    """Issues by closed-loop stage, for the overview's badges."""
    counted = visible_issues(user).values("event__status").annotate(n=Count("pk"))
    return {row["event__status"]: row["n"] for row in counted}


def overview(user, *, history: int = 12) -> list[dict]:
    """Datasets with their latest scores and the overall score of their last ``history`` runs, worst first."""
    require(user, VIEW)
    measures = scoped(QualityMeasure.objects.filter(validity__isnull=False), user, VIEW)
    rows: dict[int, list] = {}
    for measure in measures.select_related("dataset").order_by("dataset_id", "-measured_at", "-pk"):
        if len(rows.setdefault(measure.dataset_id, [])) < history:
            rows[measure.dataset_id].append(measure)
    datasets = [{"dataset": found[0].dataset, "latest": found[0], "overall": overall(found[0]),
                 "history": [overall(m) for m in reversed(found)]} for found in rows.values()]
    return sorted(datasets, key=lambda item: (item["overall"], item["dataset"].code))


def overall(measure: QualityMeasure) -> float:
    """The plain mean of the five measures."""
    return round(sum(float(getattr(measure, name) or 0) for name in MEASURES) / len(MEASURES), 2)


def trend(dataset) -> list[dict]:
    """The dataset's quality measures over time, oldest first, for its page's chart."""
    measures = QualityMeasure.objects.filter(dataset=dataset, validity__isnull=False).order_by("measured_at", "pk")
    return [{"at": m.measured_at, **{name: float(getattr(m, name)) for name in MEASURES}} for m in measures]


# --- Quality measures ----------------------------------------------------------------------------------


def measure(con, run, *, staged: str, good: str, rejected_rows: int, cleaned: bool = False) -> None:
    """Record this run's quality measures (completeness, validity, uniqueness, consistency, timeliness).

    completeness: filled cells ÷ all cells of the schema's columns, over every row as read (``cleaned``: the
    cells of ``staged`` were cleaned, so an empty one is NULL and a cell the cleaning kept counts as filled,
    as the required check counts it; else a cell of blanks is empty too);
    validity: rows passing validation ÷ rows read; uniqueness: distinct keys (the unique columns together,
    else whole rows) ÷ rows read; consistency: values agreeing with master data ÷ values checked by
    ``reconcile`` (100 when none was); timeliness: see ``PERIODS``. Each is 100 for an empty run.
    """
    fields = list(DatasetField.objects.filter(dataset_id=run.dataset_id).order_by("position"))
    present = set(con.table(_table_name(staged)).columns)
    [(rows,)] = con.execute(f"SELECT count(*) FROM {_table_name(staged)}").fetchall()  # noqa: S608
    [(kept,)] = con.execute(f"SELECT count(*) FROM {_table_name(good)}").fetchall()  # noqa: S608
    scores = {
        "completeness": _completeness(con, staged, fields, present, rows, cleaned),
        "validity": _percent(rows - rejected_rows, rows),
        "uniqueness": _uniqueness(con, staged, fields, present, rows),
        "timeliness": timeliness(run),
    }
    with transaction.atomic():
        measured, _created = QualityMeasure.objects.select_for_update().get_or_create(run=run, defaults={
            "dataset_id": run.dataset_id, "org_path": run.org_path, "measured_at": timezone.now()})
        for name, value in scores.items():
            setattr(measured, name, value)
        measured.consistency = _percent(measured.agreeing_values, measured.checked_values)
        measured.rows, measured.rows_kept, measured.measured_at = rows, kept, timezone.now()
        measured.save()


def _completeness(con, staged: str, fields: list[DatasetField], present: set, rows: int, cleaned: bool) -> Decimal:
    names = [f.name for f in fields if f.name in present and COLUMN.match(f.name)]
    if not names:
        return _percent(0, rows * len(fields))
    # Trimming every cell costs more than the rest of the measures together; cleaned cells need none.
    cell = '"{}"' if cleaned else "NULLIF(trim(CAST(\"{}\" AS VARCHAR)), '')"
    filled = " + ".join(f"count({cell.format(n)})" for n in names)
    [(count,)] = con.execute(f"SELECT {filled} FROM {_table_name(staged)}").fetchall()  # noqa: S608
    return _percent(count, rows * len(fields))


def _uniqueness(con, staged: str, fields: list[DatasetField], present: set, rows: int) -> Decimal:
    usable = [f for f in fields if f.name in present and COLUMN.match(f.name)]
    keys = [f.name for f in usable if f.unique] or [f.name for f in usable]
    if not keys:
        return _percent(rows, rows)
    columns = ", ".join(f'"{name}"' for name in keys)
    [(distinct,)] = con.execute(f"SELECT count(DISTINCT row({columns})) FROM {_table_name(staged)}").fetchall()  # noqa: S608
    return _percent(distinct, rows)


def timeliness(run) -> Decimal:
    """100 when the run came within one period (of the dataset's frequency) of the unit's previous delivery,
    falling linearly to 0 at two periods; the first delivery and ad-hoc datasets are on time."""
    period = PERIODS.get(run.dataset.frequency)
    previous = (Run.objects.filter(dataset_id=run.dataset_id, unit_id=run.unit_id, state__in=DELIVERED,
                                   created_at__lt=run.created_at).exclude(pk=run.pk)
                .order_by("-created_at").values_list("created_at", flat=True).first())
    if period is None or previous is None:
        return HUNDRED
    late = (run.created_at - previous - period) / period
    return _quantize(max(Decimal(0), HUNDRED * (1 - Decimal(str(max(late, 0.0))))))


def _percent(part: int, whole: int) -> Decimal:
    return HUNDRED if not whole else _quantize(HUNDRED * Decimal(part) / Decimal(whole))


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def measures_of(user, run_id) -> QualityMeasure:
    """One run's measures, inside the user's scope (404 otherwise)."""
    require(user, VIEW)
    found = scoped(QualityMeasure.objects.select_related("dataset", "run"), user, VIEW).filter(run_id=run_id).first()
    if found is None:
        raise Http404(_("Not found."))
    return found
