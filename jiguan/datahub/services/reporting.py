"""Reporting up the four levels (数据上报): tasks, templates, submissions, review and roll-up.

The bureau of a region (MANAGE anchored exactly at that region) defines a task over one of its store
datasets and names the regions and units that report; the task expands into one assignment per unit and
one roll-up per region between those units and the task's region. A unit uploads the filled template (or
pushes rows): its rows wait in a held ingestion run until the bureau one level up — the city for a county's
units, the province for a city's (never above the task's own region) — accepts them (the run publishes the
unit's rows) or returns them with comments. A region's roll-up is its own units' accepted submissions plus
the accepted roll-ups of the regions one level below; it goes to the bureau one level up only when every
one of those is accepted, so nothing ever skips a level. The roll-up of the task's own region finalises it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jiguan.api.queries import scoped_any
from jiguan.core import audit, notify
from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.excel import HEADER_FILL, HEADER_FONT
from jiguan.core.excel_import import check_upload
from jiguan.core.models import DictionaryItem, OrgUnit, Region
from jiguan.core.models.org import UnitKind
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import (
    acts_for_region,
    permission_holders,
    region_bureau_accounts,
    regions_acted_for,
    use_case,
)
from jiguan.core.services.events import open_event, settle_event
from jiguan.core.services.inputs import Errors, code, date_value, find, ids, text, unique
from jiguan.core.statemachine import StateMachine, record

from .. import store
from ..models import (
    Assignment,
    AssignmentState,
    Dataset,
    DatasetField,
    DatasetVersion,
    FieldType,
    ReportingTask,
    RollUp,
    RollUpState,
    Run,
    RunState,
    Storage,
    Submission,
    SubmissionState,
    TaskState,
)
from ..models.reporting import BADGES
from ..models.runs import ACTIVE_STATES
from ..module import MANAGE, REVIEW, SUBMIT, VIEW
from . import catalog, runs

A, S, R, T = AssignmentState, SubmissionState, RollUpState, TaskState
LATE_EVENT = "datahub.report_late"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
TEMPLATE_ROWS = 2000  # rows of the template carrying the drop-down lists and checks
META_SHEET = "_jiguan"  # hidden sheet: which dataset and task the template is for, and the lists
RUN_BUSY = (RunState.QUEUED, *ACTIVE_STATES, RunState.PUBLISHING)
RUN_FAILED = (RunState.FAILED, RunState.ABORTED, RunState.DISCARDED)

TASK_MACHINE = StateMachine("state", {"publish": {T.DRAFT: T.PUBLISHED}, "finish": {T.PUBLISHED: T.FINISHED}})
ASSIGNMENT_MACHINE = StateMachine("state", {
    "submit": {A.PENDING: A.SUBMITTED, A.RETURNED: A.SUBMITTED},
    "replace": {A.SUBMITTED: A.SUBMITTED},
    "accept": {A.SUBMITTED: A.ACCEPTED},
    "return": {A.SUBMITTED: A.RETURNED},
})
SUBMISSION_MACHINE = StateMachine("state", {
    "accept": {S.SUBMITTED: S.ACCEPTED},
    "return": {S.SUBMITTED: S.RETURNED},
    "replace": {S.SUBMITTED: S.REPLACED},
})
ROLLUP_MACHINE = StateMachine("state", {
    "submit": {R.OPEN: R.SUBMITTED, R.RETURNED: R.SUBMITTED},
    "finalize": {R.OPEN: R.ACCEPTED},
    "accept": {R.SUBMITTED: R.ACCEPTED},
    "return": {R.SUBMITTED: R.RETURNED},
})
TIMELINE_ACTIONS = {
    "create": pgettext_lazy("reporting", "Task created"),
    "publish": pgettext_lazy("reporting", "Task published to the reporting units"),
    "finish": pgettext_lazy("reporting", "Task rolled up and finalised"),
    "submit": pgettext_lazy("reporting", "Submitted"),
    "replace": pgettext_lazy("reporting", "Replaced by a new upload"),
    "accept": pgettext_lazy("reporting", "Accepted"),
    "return": pgettext_lazy("reporting", "Returned for correction"),
    "finalize": pgettext_lazy("reporting", "Finalised"),
    "late": pgettext_lazy("reporting", "Deadline missed"),
}
LATE = "late"
PROGRESS_LABELS = {
    A.PENDING: pgettext_lazy("reporting", "Not started"),
    A.SUBMITTED: pgettext_lazy("reporting", "Submitted"),
    A.ACCEPTED: pgettext_lazy("reporting", "Accepted"),
    A.RETURNED: pgettext_lazy("reporting", "Returned"),
    LATE: pgettext_lazy("reporting", "Late"),
}
TYPE_NOTES = {
    FieldType.TEXT: pgettext_lazy("reporting template", "text"),
    FieldType.INTEGER: pgettext_lazy("reporting template", "whole number"),
    FieldType.DECIMAL: pgettext_lazy("reporting template", "number"),
    FieldType.DATE: pgettext_lazy("reporting template", "date, e.g. 2026-03-01"),
    FieldType.BOOLEAN: pgettext_lazy("reporting template", "是 or 否"),
}


# --- Who acts ----------------------------------------------------------------------------------------------


def acts_for(user, region: Region | None, permission: str = REVIEW) -> bool:
    """Does ``user`` act for the bureau of ``region`` (``permission`` anchored at exactly that region)."""
    return acts_for_region(user, region, permission)


def bureau_regions(user, permission: str = MANAGE) -> list[Region]:
    """The regions whose bureau ``user`` acts for through ``permission``."""
    return list(regions_acted_for(user, permission))


def review_region(task: ReportingTask, region: Region) -> Region:
    """Whose bureau reviews what comes from ``region``: the one a level up, never above the task's region."""
    return task.region if region.pk == task.region_id else region.parent


def bureau_accounts(region: Region | None) -> list:
    """Accounts acting for the bureau of ``region``: who is told about what waits for its review."""
    return region_bureau_accounts(region, REVIEW)


def unit_reporters(units: Iterable[OrgUnit]) -> list:
    """The administrators of each unit who submit its data (the nearest SUBMIT holders)."""
    accounts = {}
    for unit in units:
        accounts.update({a.pk: a for a in permission_holders(unit.org_path, SUBMIT, nearest=True)})
    return list(accounts.values())


# --- What a viewer reaches ----------------------------------------------------------------------------------


def visible_tasks(user) -> QuerySet[ReportingTask]:
    """Tasks the user defines or oversees (VIEW over the bureau) and tasks they report or review for."""
    reach = (Q(pk__in=scoped(ReportingTask.objects.all(), user, VIEW).values("pk"))
             | Q(pk__in=scoped_any(Assignment.objects.all(), user, (SUBMIT, REVIEW)).values("task_id"))
             | Q(pk__in=scoped(RollUp.objects.all(), user, REVIEW).values("task_id")))
    return ReportingTask.objects.filter(reach)


def visible_assignments(user) -> QuerySet[Assignment]:
    return scoped_any(Assignment.objects.all(), user, (VIEW, SUBMIT, REVIEW))


def visible_submissions(user) -> QuerySet[Submission]:
    return scoped_any(Submission.objects.all(), user, (VIEW, SUBMIT, REVIEW))


def require_reporting(user) -> None:
    """Anyone taking part in reporting holds one of the data center's permissions."""
    if not any(has_permission(user, p) for p in (VIEW, SUBMIT, REVIEW)):
        require(user, VIEW)


def get_task(user, task_id) -> ReportingTask:
    require_reporting(user)
    return get_in_scope_of(visible_tasks(user).select_related("dataset", "region", "unit"), task_id)


def get_submission(user, submission_id) -> Submission:
    require_reporting(user)
    queryset = visible_submissions(user).select_related("assignment__task__region", "assignment__region", "run",
                                                          "unit", "submitted_by", "decided_by")
    return get_in_scope_of(queryset, submission_id)


def get_in_scope_of(queryset: QuerySet, pk):
    """The row of an already scoped queryset, or 404 — as ``get_in_scope`` answers."""
    found = find(queryset, pk)
    if found is None:
        raise Http404(_("Not found."))
    return found


# --- Tasks ---------------------------------------------------------------------------------------------------


@use_case
def create_task(user, *, dataset_id, code: str, title: str, period: str, deadline, region_code=None,
                region_codes: Iterable = (), unit_ids: Iterable = (), instructions: str = "") -> ReportingTask:
    """A draft task of the bureau of ``region_code`` (default: the one region the user's bureau acts for),
    expanded at once into the units that must report — every active agency in ``region_codes`` (and below)
    plus ``unit_ids`` — so the bureau sees who is included before publishing."""
    require(user, MANAGE)
    errors = Errors()
    region = _task_region(user, errors, region_code)
    task = ReportingTask(region=region, created_by=user)
    task.dataset = _dataset_choice(user, errors, dataset_id)
    task.code = _task_code(errors, code)
    task.title = text(errors, "title", title, label=_("task title"), max_length=100)
    task.period = text(errors, "period", period, label=_("reporting period"), max_length=40)
    task.deadline = _deadline(errors, deadline)
    task.instructions = text(errors, "instructions", instructions, label=_("instructions"), max_length=5000,
                             required=False)
    regions, units = _targets(user, errors, region, region_codes, unit_ids)
    if region is not None and (user.unit_id is None or not user.unit.org_path.startswith(region.key)):
        errors.add("region_code", _("Your account belongs to no unit of %(region)s, so it cannot define its tasks.")
                   % {"region": region.name})
    errors.raise_if_any()
    task.unit = user.unit
    with unique("code", _task_code_taken(task.code)):
        task.save()
    task.target_regions.set(regions)
    task.target_units.set(units)
    _expand(task, regions, units)
    record(task, "create", "", T.DRAFT, actor=user)
    return task


def _task_region(user, errors: Errors, region_code) -> Region | None:
    regions = bureau_regions(user, MANAGE)
    if region_code in (None, "") and len(regions) == 1:
        return regions[0]
    region = next((r for r in regions if r.code == str(region_code)), None)
    if region is None:
        errors.add("region_code", _("Choose the region whose bureau you act for; only a bureau defines reporting "
                                    "tasks for its region."))
    return region


def _dataset_choice(user, errors: Errors, dataset_id) -> Dataset | None:
    dataset = find(catalog.visible_datasets(user).filter(storage=Storage.STORE), dataset_id)
    if dataset is None:
        errors.add("dataset_id", _("The selected dataset does not exist, is not kept in the analytical store or "
                                   "is outside your data scope."))
    elif not dataset.fields.exists():
        errors.add("dataset_id", _("The dataset “%(name)s” has no fields yet; define its schema before collecting "
                                   "data for it.") % {"name": dataset.name})
    return dataset


def _task_code(errors: Errors, value) -> str:
    value = code(errors, "code", value, label=_("task code"), max_length=60)
    if value and "code" not in errors and ReportingTask.objects.filter(code=value).exists():
        errors.add("code", _task_code_taken(value))
    return value


def _task_code_taken(value: str) -> str:
    return _("A reporting task with the code “%(code)s” already exists.") % {"code": value}


def _deadline(errors: Errors, value) -> date | None:
    if value in (None, ""):
        errors.add("deadline", _("Please fill in %(field)s.") % {"field": _("deadline")})
        return None
    day = date_value(errors, "deadline", value, label=_("deadline"))
    if day is not None and day < timezone.localdate():
        errors.add("deadline", _("The deadline cannot be in the past."))
    return day


def _targets(user, errors: Errors, region: Region | None, region_codes, unit_ids) -> tuple[list, list]:
    """The chosen regions (under the task's region) and units (in the user's scope and under it)."""
    if region is None:
        return [], []
    codes = {str(c) for c in region_codes or () if str(c)}
    regions = list(Region.objects.filter(code__in=codes, key__startswith=region.key))
    if len(regions) != len(codes):
        errors.add("region_codes", _("Some of the chosen regions do not exist or are not within %(region)s.")
                   % {"region": region.name})
    wanted = set(ids(errors, "unit_ids", unit_ids or (), label=_("reporting units")))
    units = list(scoped(OrgUnit.objects.filter(pk__in=wanted, kind=UnitKind.UNIT, active=True,
                                               org_path__under=region.key), user, MANAGE))
    if len(units) != len(wanted):
        errors.add("unit_ids", _("Some of the chosen units do not exist, are deactivated or are outside your data "
                                 "scope."))
    if not regions and not units and "region_codes" not in errors and "unit_ids" not in errors:
        errors.add("region_codes", _("Choose at least one region or unit that must report."))
    return regions, units


def _expand(task: ReportingTask, regions: list[Region], units: list[OrgUnit]) -> None:
    """One assignment per reporting unit (active agencies of the chosen regions and below, and the chosen
    units), one roll-up per region from those units up to the task's region — a few set-based queries."""
    reach = Q(pk__in=[u.pk for u in units])
    for region in regions:
        reach |= Q(org_path__under=region.key)
    reporting = list(OrgUnit.objects.filter(reach, kind=UnitKind.UNIT, active=True, org_path__under=task.region.key)
                     .only("pk", "org_path", "region_id"))
    if not reporting:
        raise ValidationFailed({"region_codes": [_("No active unit reports in the chosen regions.")]})
    Assignment.objects.bulk_create(Assignment(task=task, unit_id=u.pk, org_path=u.org_path, region_id=u.region_id)
                                   for u in reporting)
    tree = {r.code: r for r in Region.objects.filter(key__startswith=task.region.key)}
    chain = set()
    for code_ in {u.region_id for u in reporting}:
        while code_ and code_ not in chain:
            chain.add(code_)
            code_ = None if code_ == task.region_id else tree[code_].parent_id
    RollUp.objects.bulk_create(RollUp(task=task, region=tree[c], org_path=f"{tree[c].key}/") for c in sorted(chain))
    audit.log_bulk(Assignment, _("%(n)d units assigned to reporting task %(task)s")
                   % {"n": len(reporting), "task": task.code}, len(reporting), org_path=task.org_path)


@use_case
def publish_task(user, task_id) -> ReportingTask:
    """Open the task for submissions and tell each reporting unit's administrators."""
    task = _own_task(user, task_id)
    TASK_MACHINE.transition(task, "publish", actor=user, published_at=timezone.now())
    units = OrgUnit.objects.filter(pk__in=task.assignments.values("unit_id"))
    notify.send(unit_reporters(units),
                _("New reporting task: %(task)s, due %(deadline)s") % {"task": task, "deadline": task.deadline},
                body=task.instructions, link=notify.link_to("manage:datahub:reporting_task", task.pk),
                category="datahub.reporting")
    return task


def _own_task(user, task_id) -> ReportingTask:
    task = get_in_scope(ReportingTask, user, MANAGE, task_id, lock=True,
                        queryset=ReportingTask.objects.select_related("region"))
    if not acts_for(user, task.region, MANAGE):
        raise NotAllowed(_("Only the bureau of %(region)s manages this reporting task.") % {"region": task.region})
    return task


# --- The template ----------------------------------------------------------------------------------------------


def template_name(task: ReportingTask) -> str:
    return _("%(title)s template.xlsx") % {"title": f"{task.title}（{task.period}）"}


def template_workbook(task: ReportingTask) -> bytes:
    """The template of the task's dataset: a header row of Chinese labels over a hidden row of column names,
    drop-down lists for dictionary fields and yes/no, number, date and length checks where Excel has them, and
    a notes sheet with each field's rules. A hidden sheet names the dataset, so uploads can be recognised."""
    fields = list(task.dataset.fields.order_by("position"))
    book = Workbook()
    sheet = book.active
    sheet.title = pgettext("reporting template", "Data")
    meta = book.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    meta.append(["dataset", task.dataset.code])
    meta.append(["task", task.code])
    lists = _dictionary_lists(fields)
    for index, spec in enumerate(fields, start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index, spec.label).font = HEADER_FONT
        sheet.cell(1, index).fill = HEADER_FILL
        sheet.cell(2, index, spec.name)
        sheet.column_dimensions[letter].width = max(14, 2 * len(spec.label) + 4)
        check = _validation(spec, lists, meta, index)
        if check is not None:
            check.add(f"{letter}3:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(check)
    sheet.row_dimensions[2].hidden = True
    sheet.freeze_panes = "A3"
    _write_notes(book.create_sheet(pgettext("reporting template", "Notes")), task, fields, lists)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _dictionary_lists(fields: list[DatasetField]) -> dict[str, list[str]]:
    codes = {f.dictionary for f in fields if f.dictionary}
    lists: dict[str, list[str]] = {c: [] for c in codes}
    items = DictionaryItem.objects.filter(dictionary__code__in=codes, active=True).select_related("dictionary")
    for item in items.order_by("dictionary", "sort", "code"):
        lists[item.dictionary.code].append(item.label)
    return lists


def _validation(spec: DatasetField, lists: dict, meta, index: int) -> DataValidation | None:
    """Excel's own check for the column, with the error message shown when a value breaks it."""
    message = _("“%(label)s”: %(rule)s") % {"label": spec.label, "rule": _field_rule(spec, lists)}
    blank = not spec.required
    if spec.dictionary and lists.get(spec.dictionary):
        values = lists[spec.dictionary]
        column = get_column_letter(index + 2)  # columns A–B of the meta sheet hold the markers
        for row, label in enumerate(values, start=1):
            meta.cell(row, index + 2, label)
        check = DataValidation(type="list", formula1=f"'{META_SHEET}'!${column}$1:${column}${len(values)}",
                               allow_blank=blank)
    elif spec.type == FieldType.BOOLEAN:
        check = DataValidation(type="list", formula1='"是,否"', allow_blank=blank)
    elif spec.type in (FieldType.INTEGER, FieldType.DECIMAL):
        low = spec.minimum if spec.minimum is not None else -10 ** 12
        high = spec.maximum if spec.maximum is not None else 10 ** 12
        check = DataValidation(type="whole" if spec.type == FieldType.INTEGER else "decimal", operator="between",
                               formula1=str(low), formula2=str(high), allow_blank=blank)
    elif spec.type == FieldType.DATE:
        check = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)",
                               formula2="DATE(2100,12,31)", allow_blank=blank)
    elif spec.max_length:
        check = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(spec.max_length),
                               allow_blank=blank)
    else:
        return None
    check.error, check.errorTitle, check.showErrorMessage = message[:255], _("Value not allowed")[:32], True
    return check


def _field_rule(spec: DatasetField, lists: dict) -> str:
    """The field's rules in words, for the notes sheet and Excel's error messages."""
    parts = [str(TYPE_NOTES[spec.type])]
    if spec.required:
        parts.append(_("required"))
    if spec.unique:
        parts.append(_("no two rows may repeat it"))
    if spec.max_length:
        parts.append(_("at most %(n)d characters") % {"n": spec.max_length})
    if spec.minimum is not None:
        parts.append(_("at least %(n)s") % {"n": f"{spec.minimum.normalize():f}"})
    if spec.maximum is not None:
        parts.append(_("at most %(n)s") % {"n": f"{spec.maximum.normalize():f}"})
    if spec.dictionary:
        parts.append(_("one of: %(values)s") % {"values": "、".join(lists.get(spec.dictionary) or [spec.dictionary])})
    if spec.check_digit:
        parts.append(str(spec.get_check_digit_display()))
    if spec.pattern:
        parts.append(_("format: %(pattern)s") % {"pattern": spec.pattern})
    if spec.standard:
        parts.append(spec.standard)
    return "；".join(parts)


def _write_notes(notes, task: ReportingTask, fields: list[DatasetField], lists: dict) -> None:
    notes.append([str(task), task.instructions])
    notes.append([_("Deadline"), task.deadline.isoformat()])
    notes.append([])
    notes.append([_("Column"), _("Column name"), _("Required"), _("Rules"), _("Description")])
    for cell in notes[4]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for spec in fields:
        notes.append([spec.label, spec.name, _("Yes") if spec.required else _("No"), _field_rule(spec, lists),
                      spec.description])
    for letter, width in zip("ABCDE", (20, 18, 8, 70, 40), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=5, min_col=4, max_col=4):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


# --- Submissions ------------------------------------------------------------------------------------------------


@use_case
def submit_file(user, task_id, *, upload, unit_id=None) -> Submission:
    """The unit's filled template (or a CSV/XLSX/JSON file with the dataset's columns) as a held run."""
    task, assignment = _assignment_to_submit(user, task_id, unit_id)
    prepared = _prepared_upload(task, upload)
    run = runs.submit(user, dataset_id=task.dataset_id, upload=prepared, unit_id=assignment.unit_id, hold=True)
    return _record_submission(user, assignment, run, PurePath(upload.name or "").name)


@use_case
def submit_rows(user, task_id, *, rows: list[dict], unit_id=None) -> Submission:
    """The unit's rows pushed through the API, as a held run."""
    task, assignment = _assignment_to_submit(user, task_id, unit_id)
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        raise ValidationFailed({"rows": [_("Send at least one row, each an object of column names and values.")]})
    run = runs.push(user, dataset_id=task.dataset_id, rows=rows, unit_id=assignment.unit_id, hold=True)
    return _record_submission(user, assignment, run, "")


def _assignment_to_submit(user, task_id, unit_id) -> tuple[ReportingTask, Assignment]:
    require(user, SUBMIT)
    task = get_task(user, task_id)
    try:
        unit_pk = int(unit_id if unit_id not in (None, "") else user.unit_id)
    except (TypeError, ValueError):
        unit_pk = None
    mine = scoped(Assignment.objects.filter(task=task, unit_id=unit_pk), user, SUBMIT)
    assignment = mine.select_for_update(of=("self",)).select_related("unit", "region").first() if unit_pk else None
    if assignment is None:
        raise ValidationFailed({"unit_id": [_("This unit is not asked to report for this task, or it is outside "
                                              "your data scope.")]})
    if task.state != T.PUBLISHED:
        raise StateError(_("The task “%(task)s” is not collecting submissions (%(state)s).")
                         % {"task": task, "state": task.get_state_display()})
    _require_may_submit(assignment, task)
    assignment.task = task
    return task, assignment


def _require_may_submit(assignment: Assignment, task: ReportingTask) -> None:
    """A unit submits when it has nothing pending, after a return, or — before the deadline — to replace a
    submission whose run refused rows."""
    if assignment.state == A.ACCEPTED:
        raise StateError(_("The submission of %(unit)s has been accepted; nothing more is needed.")
                         % {"unit": assignment.unit.name})
    if assignment.state != A.SUBMITTED:
        return
    current = assignment.submissions.filter(state=S.SUBMITTED).select_related("run").first()
    flawed = current is None or current.run.rows_rejected > 0 or current.run.state in RUN_FAILED
    if not flawed:
        raise StateError(_("The submission of %(unit)s is awaiting review; it can be replaced only when its check "
                           "refused rows.") % {"unit": assignment.unit.name})
    if timezone.localdate() > task.deadline:
        raise StateError(_("The deadline (%(day)s) has passed; a submission can no longer be replaced. Ask the "
                           "reviewing bureau to return it.") % {"day": task.deadline})


def _record_submission(user, assignment: Assignment, run: Run, file_name: str) -> Submission:
    previous = assignment.submissions.select_for_update().filter(state=S.SUBMITTED).first()
    if previous is not None:
        SUBMISSION_MACHINE.transition(previous, "replace", actor=user)
    ASSIGNMENT_MACHINE.transition(assignment, "replace" if previous else "submit", actor=user)
    submission = Submission.objects.create(assignment=assignment, run=run, unit_id=assignment.unit_id,
                                           file_name=file_name[:200], submitted_by=user)
    record(submission, "submit", "", S.SUBMITTED, actor=user)
    if assignment.late_event_id:
        settle_event(assignment.late_event_id, _("The unit has submitted its data."), actor=user)
    task = assignment.task
    notify.send(bureau_accounts(review_region(task, assignment.region)),
                _("%(unit)s has submitted data for %(task)s") % {"unit": assignment.unit.name, "task": task},
                link=notify.link_to("manage:datahub:reporting_submission", submission.pk), category="datahub.reporting")
    return submission


def _prepared_upload(task: ReportingTask, upload):
    """The upload as the pipeline reads it. Our own template (known by its hidden sheet) becomes a CSV of its
    data rows under the column names, after checking it is the template of this dataset; any other file
    goes to the pipeline as it is."""
    if upload is None:
        raise ValidationFailed({"file": [_("Please choose the file to upload.")]})
    if PurePath((upload.name or "").lower()).suffix != ".xlsx":
        return upload
    check_upload(upload, max_bytes=UPLOAD_MAX_BYTES)
    upload.seek(0)
    book = load_workbook(upload, read_only=True, data_only=True)
    try:
        if META_SHEET not in book.sheetnames:
            return upload
        marked = {row[0]: row[1] for row in book[META_SHEET].iter_rows(max_row=2, max_col=2, values_only=True)}
        if marked.get("dataset") != task.dataset.code:
            raise ValidationFailed({"file": [_("This is the template of another dataset; download the template of "
                                               "this task and fill it in.")]})
        content = _template_csv(task, book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    upload.seek(0)
    return SimpleUploadedFile(f"{PurePath(upload.name).stem}.csv", content, content_type="text/csv")


def _template_csv(task: ReportingTask, lines) -> bytes:
    next(lines, None)  # the Chinese labels
    names = [str(v).strip() if v is not None else "" for v in next(lines, ())]
    known = set(task.dataset.fields.values_list("name", flat=True))
    if not names or any(n and n not in known for n in names):
        raise ValidationFailed({"file": [_("The columns of this template no longer match the dataset; download the "
                                           "template again and copy your rows into it.")]})
    keep = [i for i, n in enumerate(names) if n]
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([names[i] for i in keep])
    for values in lines:
        row = [_csv_value(values[i] if i < len(values) else None) for i in keep]
        if any(row):
            writer.writerow(row)
    return output.getvalue().encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Review ------------------------------------------------------------------------------------------------------


@use_case
def accept_submission(user, submission_id) -> Submission:
    """The bureau one level up accepts: the unit's rows are published into the dataset."""
    submission, assignment = _submission_to_review(user, submission_id)
    run = submission.run
    if run.state in RUN_BUSY:
        raise StateError(_("The submitted data is still being checked; review it when the check has finished."))
    if run.state != RunState.HELD:
        raise StateError(_("The check of this submission did not finish (%(state)s); return it so that the unit "
                           "uploads again.") % {"state": run.get_state_display()})
    runs.publish_held(user, run.pk)
    now = timezone.now()
    SUBMISSION_MACHINE.transition(submission, "accept", actor=user, decided_by=user, decided_at=now)
    ASSIGNMENT_MACHINE.transition(assignment, "accept", actor=user)
    _tell_unit(assignment, submission, _("Your data for %(task)s has been accepted.") % {"task": assignment.task})
    return submission


@use_case
def return_submission(user, submission_id, comment: str) -> Submission:
    """Send the submission back with comments; its held rows are discarded and the unit submits again."""
    submission, assignment = _submission_to_review(user, submission_id)
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("review comments"), max_length=500)
    errors.raise_if_any()
    if submission.run.state == RunState.HELD:
        runs.discard_held(user, submission.run_id, comment)
    submission.comment = comment  # the model's field; ``comment=`` below is the timeline's
    SUBMISSION_MACHINE.transition(submission, "return", actor=user, comment=comment, decided_by=user,
                                  decided_at=timezone.now())
    ASSIGNMENT_MACHINE.transition(assignment, "return", actor=user, comment=comment)
    _tell_unit(assignment, submission, _("Your data for %(task)s has been returned: %(comment)s")
               % {"task": assignment.task, "comment": comment})
    return submission


def _submission_to_review(user, submission_id) -> tuple[Submission, Assignment]:
    submission = get_in_scope(Submission, user, REVIEW, submission_id, lock=True,
                              queryset=Submission.objects.select_related("run"))
    assignment = (Assignment.objects.select_for_update(of=("self",))
                  .select_related("task__region", "region__parent", "unit").get(pk=submission.assignment_id))
    reviewer = review_region(assignment.task, assignment.region)
    if not acts_for(user, reviewer):
        raise NotAllowed(_("Only the bureau of %(region)s reviews the submissions of %(unit)s; data goes up one "
                           "level at a time.") % {"region": reviewer.name, "unit": assignment.unit.name})
    if assignment.task.state != T.PUBLISHED:
        raise StateError(_("The task is no longer collecting submissions."))
    if submission.state != S.SUBMITTED:
        raise StateError(_("Only a submission awaiting review can be accepted or returned; this one is %(state)s.")
                         % {"state": submission.get_state_display()})
    return submission, assignment


def _tell_unit(assignment: Assignment, submission: Submission, title: str) -> None:
    notify.send(unit_reporters([assignment.unit]), title,
                link=notify.link_to("manage:datahub:reporting_submission", submission.pk), category="datahub.reporting")


# --- Roll-ups ------------------------------------------------------------------------------------------------------


@use_case
def submit_rollup(user, rollup_id) -> RollUp:
    """The region's bureau sends its roll-up one level up once every unit of its own and every region one level
    below has been accepted; the task's own region finalises the task instead."""
    rollup = _rollup(user, rollup_id)
    if not acts_for(user, rollup.region):
        raise NotAllowed(_("Only the bureau of %(region)s submits its roll-up.") % {"region": rollup.region.name})
    _require_collecting(rollup)
    missing = _missing_below(rollup)
    if missing:
        raise StateError(_("The roll-up can be submitted only when everything one level below has been accepted. "
                           "Not accepted yet: %(missing)s.") % {"missing": "、".join(missing)})
    now = timezone.now()
    figures = compose(rollup)
    if rollup.region_id == rollup.task.region_id:
        ROLLUP_MACHINE.transition(rollup, "finalize", actor=user, figures=figures, submitted_by=user,
                                  submitted_at=now, decided_by=user, decided_at=now)
        task = ReportingTask.objects.select_for_update().get(pk=rollup.task_id)
        TASK_MACHINE.transition(task, "finish", actor=user)
        return rollup
    ROLLUP_MACHINE.transition(rollup, "submit", actor=user, figures=figures, submitted_by=user, submitted_at=now,
                              decided_by=None, decided_at=None)
    _tell_rollup(bureau_accounts(rollup.region.parent), rollup,
                 _("%(region)s has submitted its roll-up of %(task)s for your review.")
                 % {"region": rollup.region.name, "task": rollup.task})
    return rollup


@use_case
def accept_rollup(user, rollup_id) -> RollUp:
    rollup = _rollup_to_review(user, rollup_id)
    ROLLUP_MACHINE.transition(rollup, "accept", actor=user, decided_by=user, decided_at=timezone.now())
    _tell_rollup(bureau_accounts(rollup.region), rollup,
                 _("Your roll-up of %(task)s has been accepted.") % {"task": rollup.task})
    return rollup


@use_case
def return_rollup(user, rollup_id, comment: str) -> RollUp:
    rollup = _rollup_to_review(user, rollup_id)
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("review comments"), max_length=500)
    errors.raise_if_any()
    rollup.comment = comment  # the model's field; ``comment=`` below is the timeline's
    ROLLUP_MACHINE.transition(rollup, "return", actor=user, comment=comment, decided_by=user,
                              decided_at=timezone.now())
    _tell_rollup(bureau_accounts(rollup.region), rollup, _("Your roll-up of %(task)s has been returned: %(comment)s")
                 % {"task": rollup.task, "comment": comment})
    return rollup


def _rollup(user, rollup_id) -> RollUp:
    return get_in_scope(RollUp, user, REVIEW, rollup_id, lock=True,
                        queryset=RollUp.objects.select_related("task__region", "task__dataset", "region__parent"))


def _rollup_to_review(user, rollup_id) -> RollUp:
    rollup = _rollup(user, rollup_id)
    parent = rollup.region.parent
    if rollup.region_id == rollup.task.region_id or not acts_for(user, parent):
        raise NotAllowed(_("Only the bureau one level up (%(region)s) can accept or return this roll-up.")
                         % {"region": parent.name if parent else "—"})
    _require_collecting(rollup)
    if rollup.state != R.SUBMITTED:
        raise StateError(_("Only a submitted roll-up can be accepted or returned; this one is %(state)s.")
                         % {"state": rollup.get_state_display()})
    return rollup


def _require_collecting(rollup: RollUp) -> None:
    if rollup.task.state != T.PUBLISHED:
        raise StateError(_("The task “%(task)s” is not collecting (%(state)s).")
                         % {"task": rollup.task, "state": rollup.task.get_state_display()})


def _missing_below(rollup: RollUp) -> list[str]:
    """What one level below is not accepted yet: the region's own units, then the regions below it."""
    units = (rollup.task.assignments.filter(region=rollup.region).exclude(state=A.ACCEPTED)
             .select_related("unit").order_by("org_path"))
    lower = (rollup.task.rollups.filter(region__parent=rollup.region).exclude(state=R.ACCEPTED)
             .select_related("region").order_by("org_path"))
    return ([f"{a.unit.name}（{a.get_state_display()}）" for a in units]
            + [f"{r.region.name}（{r.get_state_display()}）" for r in lower])


def _tell_rollup(accounts: list, rollup: RollUp, title: str) -> None:
    notify.send(accounts, title, link=notify.link_to("manage:datahub:reporting_task", rollup.task_id),
                category="datahub.reporting")


# --- Figures -------------------------------------------------------------------------------------------------------


def numeric_fields(dataset: Dataset) -> list[DatasetField]:
    return [f for f in dataset.fields.order_by("position") if f.type in (FieldType.INTEGER, FieldType.DECIMAL)]


def column_names(dataset: Dataset) -> list[str]:
    """The dataset's column names, each checked to be an identifier before it reaches SQL."""
    names = list(dataset.fields.order_by("position").values_list("name", flat=True))
    if not all(IDENTIFIER.match(name) for name in names):
        raise StateError(_("The dataset “%(name)s” has a column name that is not an identifier.")
                         % {"name": dataset.name})
    return names


def accepted_rows(submissions: Iterable[Submission], columns: list[str]) -> tuple[str, list]:
    """SQL (with parameters) for the rows of accepted submissions: each unit's own rows in the version its run
    published, so later publications of the dataset do not change what was accepted."""
    submissions = list(submissions)
    versions = {}
    for version in DatasetVersion.objects.filter(run_id__in=[s.run_id for s in submissions]).order_by("-number"):
        versions[version.run_id] = version
    select = ", ".join(f'"{name}"' for name in columns)
    parts, params = [], []
    for submission in submissions:
        version = versions.get(submission.run_id)
        if version is None:
            continue
        path = store.quote(str(store.file_of(version)))
        parts.append(f"SELECT {select}, org_path FROM read_parquet({path}) "  # noqa: S608 (validated names)
                     "WHERE org_path = ? OR starts_with(org_path, ?)")
        params += [submission.unit.org_path, f"{submission.unit.org_path}d"]
    if not parts:  # nothing accepted yet: the same columns, no rows
        return "SELECT " + ", ".join(f'NULL AS "{name}"' for name in [*columns, "org_path"]) + " WHERE FALSE", []
    return " UNION ALL ".join(parts), params


def compose(rollup: RollUp) -> dict:
    """The roll-up's figures: row count and totals of each numeric column for the region's own units' accepted
    submissions, plus the frozen figures of the accepted roll-ups one level below."""
    dataset = rollup.task.dataset
    numbers = [f.name for f in numeric_fields(dataset)]
    own = (Submission.objects.filter(assignment__task=rollup.task, assignment__region=rollup.region,
                                     state=S.ACCEPTED).select_related("unit"))
    own_figures = _measure(dataset, own, numbers)
    lower = [{"region": r.region_id, "name": r.region.name, "rows": r.figures.get("rows", 0),
              "totals": r.figures.get("totals", {})}
             for r in rollup.task.rollups.filter(region__parent=rollup.region, state=R.ACCEPTED)
             .select_related("region").order_by("org_path")]
    total = {"rows": own_figures["rows"] + sum(r["rows"] for r in lower),
             "totals": {n: own_figures["totals"][n] + sum(r["totals"].get(n, 0) for r in lower)
                        for n in numbers}}
    return {**total, "own": own_figures, "lower": lower}


def _measure(dataset: Dataset, submissions: QuerySet, numbers: list[str]) -> dict:
    query, params = accepted_rows(submissions, column_names(dataset))
    sums = "".join(f', coalesce(sum(TRY_CAST("{n}" AS DOUBLE)), 0)' for n in numbers)
    con = store.connect()
    try:
        [(rows, *values)] = con.execute(f"SELECT count(*){sums} FROM ({query})", params).fetchall()  # noqa: S608
    finally:
        con.close()
    return {"rows": rows, "totals": {n: round(v, 4) for n, v in zip(numbers, values, strict=True)}}


def figure_labels(dataset: Dataset) -> list[tuple[str, str]]:
    return [(f.name, f.label) for f in numeric_fields(dataset)]


# --- Late submissions ---------------------------------------------------------------------------------------------


def flag_late_assignments() -> int:
    """Each unit that has not submitted (or not resubmitted after a return) by the deadline of a collecting task
    gets one event and its administrators a message. Each is claimed under its row lock, so a second run — or
    two workers at once — never opens a second event for it."""
    today = timezone.localdate()
    due = Assignment.objects.filter(task__state=T.PUBLISHED, task__deadline__lt=today, late_event__isnull=True,
                                    state__in=(A.PENDING, A.RETURNED))
    return sum(_flag_late(pk, today) for pk in due.values_list("pk", flat=True))


def _flag_late(pk: int, today: date) -> int:
    with transaction.atomic():
        assignment = (Assignment.objects.select_for_update(of=("self",)).select_related("task", "unit")
                      .filter(pk=pk, late_event__isnull=True, state__in=(A.PENDING, A.RETURNED),
                              task__deadline__lt=today).first())
        if assignment is None:
            return 0
        task = assignment.task
        title = _("%(unit)s has not submitted %(task)s (due %(day)s)") % {
            "unit": assignment.unit.name, "task": task, "day": task.deadline}
        assignment.late_event = open_event(type=LATE_EVENT, title=title[:200], unit=assignment.unit,
                                           subject=assignment, priority="high")
        assignment.save(update_fields=["late_event", "updated_at"])
        record(assignment, "late", assignment.state, assignment.state)
        notify.send(unit_reporters([assignment.unit]), title,
                    link=notify.link_to("manage:datahub:reporting_task", task.pk), category="datahub.reporting")
        return 1


# --- Reading: progress, actions ---------------------------------------------------------------------------------


def progress_state(assignment: Assignment, task: ReportingTask, today: date | None = None) -> str:
    """not started / submitted / accepted / returned — or late, when nothing acceptable came by the deadline."""
    today = today or timezone.localdate()
    if assignment.state in (A.PENDING, A.RETURNED) and task.state == T.PUBLISHED and today > task.deadline:
        return LATE
    return assignment.state


@dataclass
class Node:
    """A region of the progress tree, with the viewer's units of it and its roll-up."""

    region: Region
    depth: int
    rollup: RollUp | None
    units: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def progress(user, task: ReportingTask) -> list[Node]:
    """The progress tree, depth first from the task's region: each region's roll-up and the state of each of its
    reporting units the viewer may see."""
    assignments = (visible_assignments(user).filter(task=task).select_related("unit")
                   .prefetch_related(_current_submission()).order_by("org_path"))
    rollups = {r.region_id: r for r in scoped(task.rollups.select_related("region"), user, REVIEW)}
    all_rollups = {r.region_id: r for r in task.rollups.select_related("region")}
    by_region: dict[str, list[dict]] = {}
    today = timezone.localdate()
    for assignment in assignments:
        state = progress_state(assignment, task, today)
        current = assignment.current[0] if assignment.current else None
        by_region.setdefault(assignment.region_id, []).append(
            {"assignment": assignment, "state": state, "label": PROGRESS_LABELS[state], "badge": BADGES[state],
             "submission": current})
    children: dict[str | None, list[Region]] = {}
    for region in sorted((r.region for r in all_rollups.values()), key=lambda r: r.code):
        parent = None if region.pk == task.region_id else region.parent_id
        children.setdefault(parent, []).append(region)
    nodes: list[Node] = []

    def walk(region: Region, depth: int) -> None:
        units = by_region.get(region.pk, [])
        counts: dict[str, int] = {}
        for item in units:
            counts[item["state"]] = counts.get(item["state"], 0) + 1
        nodes.append(Node(region, depth, rollups.get(region.pk), units, counts))
        for child in children.get(region.pk, []):
            walk(child, depth + 1)

    for top in children.get(None, []):
        walk(top, 0)
    return [n for n in nodes if n.units or n.rollup]


def _current_submission() -> Prefetch:
    return Prefetch("submissions", queryset=Submission.objects.exclude(state=S.REPLACED).order_by("-created_at"),
                    to_attr="current")


def summary(task: ReportingTask) -> dict[str, int]:
    """How many units are in each progress state (for the list and the page's header)."""
    today = timezone.localdate()
    counts = {state: 0 for state in PROGRESS_LABELS}
    for assignment in task.assignments.only("state"):
        counts[progress_state(assignment, task, today)] += 1
    return counts


def task_actions(user, task: ReportingTask) -> set[str]:
    """What the viewer may do with the task now (the buttons shown; the services check again)."""
    actions = {"template"}
    if acts_for(user, task.region, MANAGE):
        actions |= {"publish"} if task.state == T.DRAFT else set()
        actions |= {"export"} if task.state == T.FINISHED else set()
    if task.state == T.PUBLISHED and scoped(task.assignments.exclude(state=A.ACCEPTED), user, SUBMIT).exists():
        actions.add("submit")
    return actions


def units_to_submit(user, task: ReportingTask) -> QuerySet[OrgUnit]:
    """The units the viewer may submit for in this task now (not yet accepted)."""
    pending = scoped(task.assignments.exclude(state=A.ACCEPTED), user, SUBMIT).values("unit_id")
    return OrgUnit.objects.filter(pk__in=pending).order_by("org_path")


def submission_actions(user, submission: Submission) -> set[str]:
    assignment = submission.assignment
    if submission.state != S.SUBMITTED or assignment.task.state != T.PUBLISHED:
        return set()
    if acts_for(user, review_region(assignment.task, assignment.region)):
        return {"return"} | ({"accept"} if submission.run.state == RunState.HELD else set())
    return set()


def rollup_actions(user, rollup: RollUp) -> set[str]:
    if rollup.task.state != T.PUBLISHED:
        return set()
    actions = set()
    if acts_for(user, rollup.region) and rollup.state in (R.OPEN, R.RETURNED):
        actions.add("finalize" if rollup.region_id == rollup.task.region_id else "submit")
    if rollup.state == R.SUBMITTED and rollup.region_id != rollup.task.region_id and acts_for(
            user, rollup.region.parent):
        actions |= {"accept", "return"}
    return actions
