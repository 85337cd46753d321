"""Ingestion runs: submitting a file or pushed rows, the pipeline that stages, cleans, validates, reconciles
and publishes them in the background, held runs a reviewer publishes or discards, retries, scheduled pulls
from source databases, and the housekeeping that finds runs whose worker died.

Stages, in this order (cleaning first, so a full-width digit or a Chinese date is accepted rather than
rejected): staging (``staging.py``: CSV, XLSX or JSON into DuckDB, every value as text, row numbers kept)
and matching headers by column name or Chinese label → cleaning (``cleaning.py``) → validation
(``rules.py``; cleaning and validation are one SQL pass) → the dirty-data limit → reconciliation (``quality.reconcile``) → publishing
(``store.publish``, atomic). Progress and a heartbeat are written to the run as it goes, each in its own
short transaction, so the run page can show them and a dead worker is noticed.

Rows of a store dataset carry ``org_path``: the submitting unit's — or, when the schema has a field that
references ``unit_credit_code``, the path of the unit each row names, which must lie inside the scope the
submitter used (rows outside it are rejected).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import duckdb
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core import audit, notify
from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.excel import write_xlsx
from jiguan.core.models import OrgUnit
from jiguan.core.models.audit import AccessKind
from jiguan.core.models.org import UnitKind
from jiguan.core.scoping import has_permission, path_in_scope, scope_condition, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.core.services.common import attributed_to, use_case
from jiguan.core.services.inputs import Errors, find, text
from jiguan.core.statemachine import StateMachine, record

from .. import store
from ..models import ACTIVE_STATES, Channel, Dataset, Frequency, Run, RunState, Source, Storage
from ..module import MANAGE, REVIEW, SUBMIT, VIEW
from . import cleaning, quality, rules, staging
from .cleaning import Column, Lookup

logger = logging.getLogger(__name__)

RS = RunState
UPLOAD_TYPES = (".csv", ".xlsx", ".json")
PUSH_MAX_ROWS = 50_000
XLSX_REPORT_MAX = 100_000  # more errors than this go to a CSV report: writing Excel cells would take minutes
REPORT_BATCH = 10_000
DIGEST_BLOCK = 4 << 20
STAGES = (RS.STAGING, RS.CLEANING, RS.VALIDATING, RS.RECONCILING, RS.PUBLISHING)
PROGRESS = {RS.STAGING: 5, RS.CLEANING: 25, RS.VALIDATING: 45, RS.RECONCILING: 75, RS.PUBLISHING: 85}
ACTION_LABELS = {
    "submit": gettext_lazy("Submitted for ingestion"), "staging": gettext_lazy("Staging"), "cleaning": gettext_lazy("Cleaning"),
    "validating": gettext_lazy("Validating"), "reconciling": gettext_lazy("Reconciling"),
    "publishing": gettext_lazy("Publishing"), "published": gettext_lazy("Published"),
    "held": gettext_lazy("Held for review"), "aborted": gettext_lazy("Aborted"), "failed": gettext_lazy("Failed"),
    "stale": gettext_lazy("Worker stopped"), "retry": gettext_lazy("Retried"),
    "publish_held": gettext_lazy("Accepted and published"), "discard": gettext_lazy("Discarded"),
}
REVIEW_MACHINE = StateMachine("state", {
    "publish_held": {RS.HELD: RS.PUBLISHING},
    "discard": {RS.HELD: RS.DISCARDED},
})
RETRYABLE = (RS.FAILED, RS.ABORTED)
ORG_PATH = re.compile(r"[0-9a-z/]+")


def stale_after() -> timedelta:
    """A working run whose heartbeat is older than this has lost its worker."""
    return timedelta(minutes=getattr(settings, "DATAHUB_STALE_MINUTES", 10))


def max_upload_bytes() -> int:
    return getattr(settings, "DATAHUB_MAX_UPLOAD_MB", 300) * 1024 * 1024


class DuplicateSubmission(Conflict):
    """The same file was already submitted for the dataset; ``run`` is the refused attempt (kept, visible)."""

    def __init__(self, message: str, run: Run):
        super().__init__(message, field="file", code="duplicate")
        self.run = run


class RunFailed(Exception):
    """The run cannot go on; the message (Chinese) is shown on the run page."""


class Stopped(Exception):
    """The run was finished by someone else meanwhile (the stale-run job): stop without touching it."""


# --- Who sees and does what -------------------------------------------------------------------------------


def visible_runs(user) -> QuerySet:
    """Runs whose submitting unit lies in the user's scope for any data-center permission."""
    base = Run.objects.select_related("dataset", "unit", "submitted_by")
    visible = base.none()
    for permission in (VIEW, MANAGE, SUBMIT, REVIEW):
        visible = visible | scoped(base, user, permission)
    return visible


def may_see_runs(user) -> bool:
    return any(has_permission(user, p) for p in (VIEW, MANAGE, SUBMIT, REVIEW))


def open_error_report(user, pk, address: str):
    """The run's error report opened for download (values of personal fields are already masked), with
    the run and the file's suffix; the download is access-logged. 404 when the run has none."""
    run = run_in_view(user, pk)
    if not run.error_report or not default_storage.exists(run.error_report):
        raise Http404(_("Not found."))
    audit.log_access(AccessKind.EXPORT, address, detail=f"datahub.run {run.pk} error report", method="GET",
                     status=200)
    return run, default_storage.open(run.error_report, "rb"), PurePath(run.error_report).suffix


def run_in_view(user, pk) -> Run:
    """One visible run; 404 outside the scope (the same answer as for a missing run)."""
    if not may_see_runs(user):
        raise NotAllowed(_("You do not have the permission for this action."))
    run = find(visible_runs(user), pk)
    if run is None:
        raise Http404(_("Not found."))
    return run


def may_retry(user, run: Run) -> bool:
    return run.state in RETRYABLE and _may_submit_for(user, run.dataset, run.unit)


def may_review(user, run: Run) -> bool:
    return run.state == RS.HELD and path_in_scope(user, REVIEW, run.org_path)


def managed_datasets(user) -> QuerySet:
    return scoped(Dataset.objects.filter(storage=Storage.STORE), user, MANAGE)


def submittable_datasets(user) -> QuerySet:
    """Store datasets the user may submit to: those they manage, or any store dataset for SUBMIT holders
    (a unit reports into the bureau's datasets; its scope is the unit, not the dataset)."""
    if has_permission(user, SUBMIT):
        return Dataset.objects.filter(storage=Storage.STORE)
    return managed_datasets(user)


def submittable_units(user) -> QuerySet:
    """Agencies the user may submit data for (through MANAGE or SUBMIT)."""
    agencies = OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True)
    return scoped(agencies, user, MANAGE) | scoped(agencies, user, SUBMIT)


def _may_manage(user, dataset: Dataset) -> bool:
    return managed_datasets(user).filter(pk=dataset.pk).exists()


def _may_submit_for(user, dataset: Dataset, unit: OrgUnit) -> bool:
    if _may_manage(user, dataset) and path_in_scope(user, MANAGE, unit.org_path):
        return True
    return path_in_scope(user, SUBMIT, unit.org_path)


# --- Submitting ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    dataset: Dataset
    unit: OrgUnit
    source: Source | None
    partial: bool


def submit(user, *, dataset_id, upload, unit_id=None, source_id=None, hold=False, force=False) -> Run:
    """Submit a .csv, .xlsx or .json file to a store dataset; the pipeline runs in the background.

    MANAGE over the dataset publishes the whole next version; SUBMIT for ``unit_id`` (default: the user's
    unit) replaces only that unit's rows. ``hold`` stops after validation until a reviewer accepts. An
    identical file already submitted is refused (``DuplicateSubmission``) unless ``force``; the refused
    attempt is kept as a DUPLICATE run."""
    with transaction.atomic(), attributed_to(user):
        target = _target(user, dataset_id, unit_id, source_id, hold)
        name = _checked_upload(upload)
        run = _create(user, target, upload, name, Channel.UPLOAD, hold=hold, force=force)
    return _refuse_if_duplicate(run)


def push(user, *, dataset_id, rows: list[dict], unit_id=None, hold=False) -> Run:
    """Submit rows pushed through the API (keys: column names or Chinese labels) — the same pipeline."""
    with transaction.atomic(), attributed_to(user):
        target = _target(user, dataset_id, unit_id, None, hold)
        content = ContentFile(_pushed_json(rows), name="push.json")
        run = _create(user, target, content, "push.json", Channel.API, hold=hold, force=False)
    return _refuse_if_duplicate(run)


def _refuse_if_duplicate(run: Run) -> Run:
    if run.state == RS.DUPLICATE:  # committed above, so the refused attempt stays visible
        raise DuplicateSubmission(run.failure, run)
    return run


def _target(user, dataset_id, unit_id, source_id, hold) -> Target:
    if not (has_permission(user, MANAGE) or has_permission(user, SUBMIT)):
        raise NotAllowed(_("You do not have the permission for this action."))
    errors = Errors()
    dataset = find(submittable_datasets(user), dataset_id)
    if dataset is None:
        errors.add("dataset_id", _("The dataset does not exist, is not kept in the analytical store or is outside "
                                   "your data scope."))
    if unit_id in (None, "") and getattr(user, "unit", None) is not None:
        unit_id = user.unit.agency.pk
    unit = find(OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True), unit_id)
    if unit is None:
        errors.add("unit_id", _("Choose the unit the data belongs to."))
    errors.raise_if_any()
    managing = _may_manage(user, dataset)
    allowed = (managing and path_in_scope(user, MANAGE, unit.org_path)) or path_in_scope(user, SUBMIT, unit.org_path)
    if not allowed:
        raise NotAllowed(_("That unit is outside your data scope."))
    source = None
    if source_id not in (None, ""):
        source = find(Source.objects.filter(Q(datasets=dataset) | Q(org_path__startswith=unit.org_path)), source_id)
        if source is None:
            raise ValidationFailed({"source_id": [_("The source does not deliver this dataset.")]})
    partial = bool(hold) or not (managing and path_in_scope(user, MANAGE, unit.org_path))
    return Target(dataset, unit, source, partial)


def _checked_upload(upload) -> str:
    """The uploaded file's name once its type, size and content are acceptable."""
    if upload is None:
        raise ValidationFailed({"file": [_("Please choose the file to submit (.csv, .xlsx or .json).")]})
    name = PurePath((upload.name or "").replace("\\", "/")).name.strip()[:200]
    extension = PurePath(name).suffix.lower()
    if extension not in UPLOAD_TYPES:
        message = _("“%(name)s” cannot be submitted; choose a .csv, .xlsx or .json file.") % {"name": name}
    elif not upload.size:
        message = _("The file “%(name)s” is empty.") % {"name": name}
    elif upload.size > max_upload_bytes():
        message = _("The file “%(name)s” is %(size)s; a submission may be at most %(limit)s.") % {
            "name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_upload_bytes())}
    elif not staging.content_matches(upload, extension):
        message = _("The content of “%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": extension}
    else:
        return name
    raise ValidationFailed({"file": [message]})


def _pushed_json(rows) -> bytes:
    import json

    if not isinstance(rows, list) or not rows:
        raise ValidationFailed({"rows": [_("Send at least one row.")]})
    if len(rows) > PUSH_MAX_ROWS:
        raise ValidationFailed({"rows": [_("At most %(max)d rows can be pushed at once; %(n)d were sent. Upload a "
                                           "file instead.") % {"max": PUSH_MAX_ROWS, "n": len(rows)}]})
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or any(isinstance(v, dict | list) for v in row.values()):
            raise ValidationFailed({"rows": [_("Row %(n)d is not an object of plain values.") % {"n": number}]})
    return json.dumps(rows, ensure_ascii=False, default=str).encode()


class Sm3:
    """SM3 (GB/T 32905, through ``cryptography`` as ``core.crypto`` uses it) with hashlib's interface, so a
    large input is hashed in blocks."""

    def __init__(self):
        self._hash = hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.finalize().hex()


def _digest(upload, algorithm) -> str:
    """The upload's digest, read in blocks (hash functions release the GIL on large buffers)."""
    upload.seek(0)
    digest = algorithm()
    for block in iter(lambda: upload.read(DIGEST_BLOCK), b""):
        digest.update(block)
    upload.seek(0)
    return digest.hexdigest()


def _create(user, target: Target, upload, name: str, channel: str, *, hold: bool, force: bool) -> Run:
    # SHA-256 finds a resubmitted file now; SM3 is computed while staging loads the stored input (see _stage).
    sha256 = _digest(upload, hashlib.sha256)
    run = Run(dataset=target.dataset, unit=target.unit, source=target.source, channel=channel, submitted_by=user,
              input_name=name, sha256=sha256, hold=bool(hold), partial=target.partial)
    earlier = None if force else _earlier(target.dataset, sha256, target.unit if target.partial else None)
    if earlier is not None:
        run.sm3 = _digest(upload, Sm3)
        run.state = RS.DUPLICATE
        run.failure = _duplicate_message(earlier)
        run.finished_at = timezone.now()
        run.save()
        record(run, "submit", "", RS.DUPLICATE, actor=user, comment=run.failure)
        return run
    upload.seek(0)
    run.input_file = default_storage.save(
        f"datahub/inputs/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", upload)
    run.save()
    record(run, "submit", "", RS.QUEUED, actor=user)
    _enqueue(run)
    return run


def _earlier(dataset: Dataset, sha256: str, unit: OrgUnit | None) -> Run | None:
    """The run that already brought this very file: published, held or still being worked on."""
    runs = Run.objects.filter(dataset=dataset, sha256=sha256,
                              state__in=(RS.PUBLISHED, RS.HELD, RS.QUEUED, *ACTIVE_STATES))
    if unit is not None:
        runs = runs.filter(unit=unit)
    return runs.order_by("-created_at").first()


def _duplicate_message(earlier: Run) -> str:
    values = {"run": earlier.pk, "date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")}
    if earlier.state == RS.PUBLISHED:
        return _("This file is identical to the one published by run #%(run)s submitted on %(date)s; it was not "
                 "processed again. Submit it with “force” if it must be published anew.") % values
    return _("This file is identical to the one of run #%(run)s submitted on %(date)s, which is still being "
             "processed or awaits review.") % values


def _enqueue(run: Run) -> None:
    from ..tasks import run_ingestion

    transaction.on_commit(lambda: run_ingestion.enqueue(run.pk))


# --- Reviewing held runs, retrying -----------------------------------------------------------------------------


@use_case
def publish_held(user, run_id) -> Run:
    """Accept a held run: its clean rows replace its unit's rows in the dataset's next version."""
    run = get_in_scope(Run, user, REVIEW, run_id, lock=True)
    REVIEW_MACHINE.transition(run, "publish_held", actor=user, progress=PROGRESS[RS.PUBLISHING])
    con = store.connect()
    try:
        plan = _plan(run)
        held = store.quote(str(store.root() / run.held_path))
        con.execute(f"CREATE TABLE good AS SELECT * FROM read_parquet({held})").fetchall()  # noqa: S608
        quality.reconcile(con, run, "good")
        _publish(con, run, plan, run.rows_out)
    finally:
        con.close()
    held_file = store.root() / run.held_path
    transaction.on_commit(lambda: held_file.unlink(missing_ok=True))
    run.refresh_from_db()
    return run


@use_case
def discard_held(user, run_id, reason) -> Run:
    """Return a held run: its rows are dropped, nothing is published; ``reason`` is told to the submitter."""
    run = get_in_scope(Run, user, REVIEW, run_id, lock=True)
    errors = Errors()
    reason = text(errors, "reason", reason, label=_("reason"), max_length=500)
    errors.raise_if_any()
    held_file = store.root() / run.held_path if run.held_path else None
    REVIEW_MACHINE.transition(run, "discard", actor=user, comment=reason, failure=reason,
                              finished_at=timezone.now(), held_path="")
    if held_file is not None:
        transaction.on_commit(lambda: held_file.unlink(missing_ok=True))
    _tell_submitter(run)
    return run


@use_case
def retry(user, run_id) -> Run:
    """Run a failed or aborted run's input again, as a new run (the old one keeps its history)."""
    old = run_in_view(user, run_id)
    old = Run.objects.select_for_update(of=("self",)).select_related("dataset", "unit").get(pk=old.pk)
    if not _may_submit_for(user, old.dataset, old.unit):
        raise NotAllowed(_("You do not have the permission for this action."))
    if old.state not in RETRYABLE:
        raise StateError(_("Only a failed or aborted run can be retried; this one is “%(state)s”.")
                         % {"state": old.get_state_display()})
    if old.retries.filter(state__in=(RS.QUEUED, *ACTIVE_STATES)).exists():
        raise Conflict(_("This run is already being retried."))
    run = Run.objects.create(
        dataset=old.dataset, unit=old.unit, source=old.source, channel=old.channel, submitted_by=user,
        input_file=old.input_file, input_name=old.input_name, sha256=old.sha256, sm3=old.sm3, hold=old.hold,
        partial=old.partial, retry_of=old,
    )
    record(old, "retry", old.state, old.state, actor=user, comment=_("Retried as run #%(run)s.") % {"run": run.pk})
    record(run, "submit", "", RS.QUEUED, actor=user, comment=_("Retry of run #%(run)s.") % {"run": old.pk})
    _enqueue(run)
    return run


# --- The pipeline ------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a run needs to know about its dataset's schema, compiled once."""

    run: Run
    columns: list[Column]
    checks: list[rules.Check] = field(default_factory=list)
    raw: dict[str, list[str]] = field(default_factory=dict)  # field name → its staged columns

    @property
    def unit_column(self) -> Column | None:
        return next((c for c in self.columns if c.lookup is not None and c.lookup.paths is not None), None)


def execute(run_id: int) -> str:
    """The background task's body: take a queued run through every stage. Failures end the run as FAILED
    with a message; nothing is published unless the last stage completes."""
    if not _claim(run_id):
        return "not queued"
    run = Run.objects.select_related("dataset", "unit", "submitted_by").get(pk=run_id)
    spill = store.root() / "tmp"
    spill.mkdir(exist_ok=True)
    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryDirectory(dir=spill) as work:
        con = store.connect()
        try:
            _pipeline(con, run, Path(work))
        except Stopped:
            return "stopped"
        except RunFailed as failure:
            _finish(run, RS.FAILED, "failed", failure=str(failure))
        except Exception as exc:  # whatever broke, the run must end (as FAILED) rather than wait for the stale job
            logger.exception("ingestion run %s failed", run_id)
            _finish(run, RS.FAILED, "failed", failure=_("The run stopped on an error: %(error)s")
                    % {"error": str(exc).splitlines()[0][:300]})
        finally:
            con.close()
    run.refresh_from_db()
    return run.state


def _pipeline(con: duckdb.DuckDBPyConnection, run: Run, work: Path) -> None:
    plan = _plan(run)
    _stage(con, plan, work)
    _advance(run, RS.CLEANING)
    rows_in, duplicates = _clean(con, plan)
    _advance(run, RS.VALIDATING)
    rejected = _validate(con, plan)
    good = rows_in - duplicates - rejected
    if rejected:
        _report(con, plan, work)
    refusal = _over_limit(run.dataset, rows_in, rejected, good)
    if refusal or run.hold:  # a held run is reconciled when a reviewer accepts it
        quality.measure(con, run, staged="clean", good="good", rejected_rows=rejected, cleaned=True)
        if refusal:
            _finish(run, RS.ABORTED, "aborted", failure=refusal)
        else:
            _hold(con, run, good)
        return
    _advance(run, RS.RECONCILING)
    quality.reconcile(con, run, "good")
    # After reconciling: the measures read its agreement.
    quality.measure(con, run, staged="clean", good="good", rejected_rows=rejected, cleaned=True)
    _advance(run, RS.PUBLISHING)
    _publish(con, run, plan, good)


def _claim(run_id: int) -> bool:
    """Move a queued run to staging (once: a task delivered twice finds it claimed)."""
    now = timezone.now()
    claimed = Run.objects.filter(pk=run_id, state=RS.QUEUED).update(
        state=RS.STAGING, started_at=now, heartbeat_at=now, progress=PROGRESS[RS.STAGING],
        stage_note=str(ACTION_LABELS["staging"]))
    if claimed:
        record(Run.objects.get(pk=run_id), "staging", RS.QUEUED, RS.STAGING)
    return bool(claimed)


def _advance(run: Run, state: str) -> None:
    """Enter the next stage (its own short transaction, so the page sees it at once)."""
    now = timezone.now()
    moved = Run.objects.filter(pk=run.pk, state__in=ACTIVE_STATES).update(
        state=state, progress=PROGRESS[state], stage_note=str(ACTION_LABELS[state]), heartbeat_at=now)
    if not moved:
        raise Stopped
    record(run, state, run.state, state)
    run.state = state


def _beat(run: Run, **counts) -> None:
    """A sign of life (and any new counts); stop if the run was finished meanwhile."""
    if not Run.objects.filter(pk=run.pk, state__in=ACTIVE_STATES).update(heartbeat_at=timezone.now(), **counts):
        raise Stopped
    for name, value in counts.items():
        setattr(run, name, value)


def _finish(run: Run, state: str, action: str, **changes) -> None:
    """End a working run in ``state`` (audited, timeline, the submitter told)."""
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=run.pk)
        if locked.state not in ACTIVE_STATES:
            raise Stopped
        from_state = locked.state
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.state, locked.finished_at, locked.heartbeat_at = state, timezone.now(), timezone.now()
        locked.progress = 100
        locked.stage_note = str(ACTION_LABELS[action])
        locked.save()
        record(locked, action, from_state, state, comment=changes.get("failure", ""))
        _tell_submitter(locked)
    run.state = state


def _plan(run: Run) -> Plan:
    dataset = run.dataset
    fields = list(dataset.fields.order_by("position"))
    if not fields:
        raise RunFailed(_("The dataset “%(name)s” has no fields yet; define its schema first.") % {"name": dataset.name})
    for f in fields:
        if not cleaning.IDENTIFIER.fullmatch(f.name) or f.name in cleaning.RESERVED_COLUMNS:
            raise RunFailed(_("The field name “%(name)s” is not a valid column name.") % {"name": f.name})
        problem = rules.pattern_error(f.pattern) if f.pattern else None
        if problem:
            raise RunFailed(f"{f.label}: {problem}")
    columns = [Column(f, _lookup(f, index)) for index, f in enumerate(fields)]
    units = [c for c in columns if c.lookup is not None and c.lookup.paths is not None]
    for later in units[1:]:  # the first unit reference places the row; others are only checked
        later.lookup.paths = None
    names = {c.name for c in columns}
    field_rules = [r for r in dataset.rules.all() if r.left in names and r.right in names]
    plan = Plan(run, columns)
    plan.checks = rules.compile_checks(columns, field_rules, _row_scope(run) if plan.unit_column else None)
    return plan


def _lookup(f, index: int) -> Lookup | None:
    """The accepted texts of a dictionary or reference field (codes first, then unambiguous names)."""
    from jiguan.core.models import DictionaryItem

    if f.dictionary:
        entries = [(code, label, None) for code, label in DictionaryItem.objects.filter(
            dictionary__code=f.dictionary, active=True).values_list("code", "label")]
    elif f.reference in rules.REFERENCES:
        entries = rules.REFERENCES[f.reference].entries()
    else:
        return None
    pairs = {code: code for code, _label, _path in entries}
    names: dict[str, list[str]] = {}
    for code, label, _path in entries:
        names.setdefault(label, []).append(code)
    pairs |= {label: codes[0] for label, codes in names.items() if len(codes) == 1 and label not in pairs}
    paths = {code: path for code, _label, path in entries} if f.reference == rules.UNIT_REFERENCE else None
    return Lookup(f"jg_lookup_{index}", pairs, paths)


def _row_scope(run: Run) -> tuple[str, list]:
    """Where the units a row names must lie: under the run's unit for a unit's own submission, in the
    region of the source's unit for a pull, else in the submitter's MANAGE scope."""
    if run.partial:
        return "starts_with(_unit_path, ?)", [run.org_path]
    if run.submitted_by is None:  # a scheduled pull: the region of the source's unit
        return "starts_with(_unit_path, ?)", [run.unit.region.key]
    return scope_condition(run.submitted_by, MANAGE, "_unit_path")


def _stage(con: duckdb.DuckDBPyConnection, plan: Plan, work: Path) -> None:
    """Make the input readable as ``raw`` and match its headers. The input's SM3 digest is computed in a
    thread meanwhile (DuckDB and the hash both run without the GIL) and recorded even if staging fails."""
    run = plan.run
    extension = PurePath(run.input_name).suffix.lower()
    path = Path(default_storage.path(run.input_file))
    with ThreadPoolExecutor(max_workers=1) as pool:
        sm3 = pool.submit(_file_digest, path, Sm3) if not run.sm3 else None
        try:
            headers = staging.read_input(con, path, extension, work)
        except staging.Unreadable as exc:
            raise RunFailed(str(exc)) from None
        finally:
            if sm3 is not None:
                _beat(run, sm3=sm3.result())
    plan.raw = _match_headers(headers, plan.columns, merge=extension == ".json")
    _beat(run)


def _file_digest(path: Path, algorithm) -> str:
    with path.open("rb") as handle:
        return _digest(handle, algorithm)


def _match_headers(headers: list[str], columns: list[Column], *, merge: bool = False) -> dict[str, list[str]]:
    """Field name → its raw columns (``c<i>``), matching each header to a field by name or Chinese label.
    In JSON (``merge``) rows may name a field either way, so both keys feed it; in a sheet a field's second
    column is a mistake."""
    by_text = {}
    for column in columns:
        by_text[column.name.lower()] = column
        by_text[staging.normalise_header(column.field.label)] = column
    found: dict[str, list[str]] = {}
    unknown = []
    for index, header in enumerate(headers):
        column = by_text.get(staging.normalise_header(header))
        if column is None:
            if header.strip():
                unknown.append(header)
            continue
        if column.name in found and not merge:
            raise RunFailed(_("The column “%(label)s” appears twice in the file.") % {"label": column.field.label})
        found.setdefault(column.name, []).append(f"c{index}")
    missing = [c.field.label for c in columns if c.field.required and c.name not in found]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(_("the file has columns the dataset does not know: %(columns)s")
                            % {"columns": "、".join(unknown)})
        if missing:
            problems.append(_("required columns are missing: %(columns)s") % {"columns": "、".join(missing)})
        raise RunFailed(_("The file does not match the dataset's schema: %(problems)s. Allowed columns: "
                          "%(allowed)s.") % {"problems": "；".join(problems),
                                             "allowed": "、".join(c.field.label for c in columns)})
    return found


def _clean(con: duckdb.DuckDBPyConnection, plan: Plan) -> tuple[int, int]:
    """Read, clean and check every row in one pass into ``clean`` (each row with the masks of the checks it
    breaks: no table in between); then drop exact duplicates. Returns (rows read, dropped)."""
    cleaning.install_macros(con)
    cleaning.load_lookups(con, plan.columns)
    rules.install(con)
    try:
        carried = rules.memo_tables(con, plan.checks, plan.columns, plan.raw)
        rules.first_rows(con, plan.columns, plan.raw)
        query, params = rules.checked_query(plan.checks, plan.columns, plan.raw, carried)
        con.execute(f"CREATE TABLE clean AS {query}", params).fetchall()
    except duckdb.InvalidInputException as exc:  # a malformed CSV shows here, where it is first read
        raise RunFailed(_("The file cannot be read: %(error)s") % {"error": str(exc).splitlines()[0][:300]}) from None
    [(rows,)] = con.execute("SELECT count(*) FROM clean").fetchall()
    if not rows:
        raise RunFailed(_("The file has a header row but no data rows."))
    _beat(plan.run, rows_in=rows)
    dropped = cleaning.drop_duplicates(con, plan.columns)
    _beat(plan.run, rows_duplicate=dropped)
    return rows, dropped


def _validate(con: duckdb.DuckDBPyConnection, plan: Plan) -> int:
    """The verdicts came with the cleaning; the good rows are a view of the rest, typed and placed in the org
    tree (the publish streams them straight into its Parquet file). Returns the number of rejected rows."""
    typed = ", ".join(f"try_cast({c.ident} AS {rules.SQL_TYPES[c.field.type]}) AS {c.ident}" for c in plan.columns)
    if not ORG_PATH.fullmatch(plan.run.org_path):
        raise RunFailed(f"org path {plan.run.org_path!r}")
    own = store.quote(plan.run.org_path)  # our own path (checked above): views take no parameters
    org_path = f"coalesce(_unit_path, {own})" if plan.unit_column else own
    con.execute(f"CREATE VIEW good AS SELECT _row, {typed}, {org_path} AS org_path FROM clean "  # noqa: S608
                "WHERE NOT _bad").fetchall()
    [(rejected,)] = con.execute("SELECT count(*) FROM clean WHERE _bad").fetchall()
    _beat(plan.run, rows_rejected=rejected)
    return rejected


def _over_limit(dataset: Dataset, rows_in: int, rejected: int, good: int) -> str:
    """Why the run must stop before publishing (the dirty-data limit, or no good row at all), or ""."""
    if good <= 0:
        return _("None of the %(n)d rows passed validation; nothing was published. See the error report.") % {
            "n": rows_in}
    percent = rejected * 100 / rows_in
    limits = []
    if dataset.dirty_limit_rows is not None and rejected > dataset.dirty_limit_rows:
        limits.append(_("%(n)d rows") % {"n": dataset.dirty_limit_rows})
    if dataset.dirty_limit_percent is not None and percent > float(dataset.dirty_limit_percent):
        limits.append(f"{dataset.dirty_limit_percent}%")
    if not limits:
        return ""
    return _("%(rejected)d of %(total)d rows (%(percent).2f%%) were rejected, more than the dirty-data limit of "
             "%(limit)s; nothing was published. Correct the rows listed in the error report and submit again.") % {
        "rejected": rejected, "total": rows_in, "percent": percent, "limit": " / ".join(limits)}


# --- The error report ---------------------------------------------------------------------------------------------


def report_headers() -> list[str]:
    return [_("Error report: row number"), _("Error report: column"), _("Error report: value"),
            _("Error report: rule"), _("Error report: explanation")]


def _report(con: duckdb.DuckDBPyConnection, plan: Plan, work: Path) -> None:
    """The row-level error report: .xlsx, or .csv (UTF-8 with BOM, opens in Excel) when very long."""
    con.register("jg_checks", rules.checks_table(plan.checks))
    con.execute("CREATE TABLE checks AS SELECT * FROM jg_checks").fetchall()
    con.unregister("jg_checks")
    con.execute(f"CREATE TABLE errors AS {rules.errors_query(plan.checks)}").fetchall()
    [(count,)] = con.execute("SELECT count(*) FROM errors").fetchall()
    rows = ("SELECT e._row, k.column, e.value, k.rule, k.message FROM errors e JOIN checks k USING (_k) "
            "ORDER BY e._row, e._k")
    if count > XLSX_REPORT_MAX:
        path = work / "errors.csv"
        _write_csv_report(con, rows, path)
    else:
        path = work / "errors.xlsx"
        write_xlsx(path, _("Errors"), report_headers(), _batches(con, rows, plan.run))
    name = f"datahub/reports/{timezone.localdate():%Y/%m}/run{plan.run.pk}-errors{path.suffix}"
    with path.open("rb") as handle:
        stored = default_storage.save(name, File(handle))
    plan.run.error_report = stored
    Run.objects.filter(pk=plan.run.pk).update(error_report=stored)


def _batches(con: duckdb.DuckDBPyConnection, query: str, run: Run):
    cursor = con.execute(query)
    while batch := cursor.fetchmany(REPORT_BATCH):
        yield from batch
        _beat(run)


def _write_csv_report(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    body = path.with_suffix(".body")
    con.execute(f"COPY ({query}) TO {store.quote(str(body))} (HEADER false)").fetchall()
    with path.open("wb") as out:
        out.write(("\ufeff" + ",".join(report_headers()) + "\n").encode())
        with body.open("rb") as rows:
            shutil.copyfileobj(rows, out)
    body.unlink()


# --- Holding and publishing --------------------------------------------------------------------------------------


def _hold(con: duckdb.DuckDBPyConnection, run: Run, good: int) -> None:
    """Keep the clean rows for review under the store (written whole, then renamed)."""
    final = store.held_file(run)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    con.execute(f"COPY (SELECT * EXCLUDE (_row) FROM good ORDER BY _row) TO {store.quote(str(temporary))} "
                f"{store.PARQUET}").fetchall()
    os.replace(temporary, final)
    _finish(run, RS.HELD, "held", rows_out=good, held_path=final.relative_to(store.root()).as_posix())


def _publish(con: duckdb.DuckDBPyConnection, run: Run, plan: Plan, count: int) -> None:
    """Publish under the dataset's lock, so a partial run reads and replaces the version it builds on."""
    with transaction.atomic():
        locked_run = Run.objects.select_for_update().get(pk=run.pk)
        if locked_run.state != RS.PUBLISHING:
            raise Stopped
        dataset = Dataset.objects.select_for_update().get(pk=run.dataset_id)
        query, params = _publish_query(con, dataset, plan, run)
        store.publish(con, dataset, query, run, params)
        _finish(run, RS.PUBLISHED, "published", rows_out=count, held_path="")


def _publish_query(con: duckdb.DuckDBPyConnection, dataset: Dataset, plan: Plan, run: Run) -> tuple[str, list]:
    good = _conformed(con, "good", plan.columns)
    if not run.partial or dataset.current_version is None:
        return good, []
    current = store.quote(str(store.file_of(dataset.current_version)))
    con.execute(f"CREATE OR REPLACE VIEW jg_current AS SELECT * FROM read_parquet({current})").fetchall()  # noqa: S608
    kept = _conformed(con, "jg_current", plan.columns)
    return (f"SELECT * FROM ({kept}) WHERE NOT starts_with(org_path, ?) "  # noqa: S608
            f"UNION ALL SELECT * FROM ({good})"), [run.org_path]


def _conformed(con: duckdb.DuckDBPyConnection, table: str, columns: list[Column]) -> str:
    """SELECT of ``table`` in the schema's columns and types (a column it lacks becomes NULL) and org_path, in
    the submitted order. The hash joins of the cleaning pass may move a block of rows (a 1,000,000-row file
    came out with one block out of place), so rows that carry their number are sorted by it."""
    present = _columns_of(con, table)
    parts = [f"try_cast({c.ident} AS {rules.SQL_TYPES[c.field.type]}) AS {c.ident}" if c.name in present
             else f"NULL::{rules.SQL_TYPES[c.field.type]} AS {c.ident}" for c in columns]
    order = " ORDER BY _row" if "_row" in present else ""
    return f"SELECT {', '.join(parts)}, org_path FROM {table}{order}"  # noqa: S608 (validated identifiers)


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}


def _tell_submitter(run: Run) -> None:
    if run.submitted_by_id is None:
        return
    titles = {
        RS.PUBLISHED: _("Your submission to “%(dataset)s” is published (%(rows)d rows)."),
        RS.HELD: _("Your submission to “%(dataset)s” is validated and awaits review."),
        RS.ABORTED: _("Your submission to “%(dataset)s” was aborted: too many rows have errors."),
        RS.FAILED: _("Your submission to “%(dataset)s” failed."),
        RS.DISCARDED: _("Your submission to “%(dataset)s” was returned by the reviewer."),
    }
    if run.state not in titles:
        return
    title = titles[run.state] % {"dataset": run.dataset.name, "rows": run.rows_out}
    notify.send([run.submitted_by], title, run.failure, link=reverse("manage:datahub:run", args=[run.pk]),
                category="datahub.run")


# --- Housekeeping ---------------------------------------------------------------------------------------------------


def fail_stale_runs(now=None) -> int:
    """Working runs whose heartbeat is older than ``stale_after()`` lost their worker: mark them FAILED (they
    can be retried); then sweep the store of what a killed publish left."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    stale = Run.objects.filter(state__in=ACTIVE_STATES).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
    count = 0
    for run in stale.select_related("dataset"):
        with transaction.atomic():
            locked = Run.objects.select_for_update().filter(pk=run.pk, state__in=ACTIVE_STATES).first()
            if locked is None:
                continue
            last = timezone.localtime(locked.heartbeat_at or locked.started_at).strftime("%Y-%m-%d %H:%M:%S")
            failure = _("The worker stopped during “%(stage)s” (last sign of life %(at)s); nothing was published. "
                        "Retry the run.") % {"stage": locked.get_state_display(), "at": last}
            from_state = locked.state
            locked.state, locked.failure, locked.finished_at = RS.FAILED, failure, now
            locked.save()
            record(locked, "stale", from_state, RS.FAILED, comment=failure)
            _tell_submitter(locked)
            count += 1
    store.sweep()
    return count


# --- Scheduled pulls -----------------------------------------------------------------------------------------------

PULL_ROW_CAP = 1_000_000
PULL_TIMEOUT_SECONDS = 120
PULL_SCHEMES = ("sqlite", "postgres", "postgresql")
PULL_INTERVALS = {
    Frequency.REALTIME: timedelta(minutes=15), Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7),
    Frequency.MONTHLY: timedelta(days=30), Frequency.QUARTERLY: timedelta(days=91), Frequency.YEARLY: timedelta(days=365),
}


class PullError(Exception):
    """The source database could not be read; the message (Chinese) says why."""


def pull_url_error(url: str) -> str | None:
    """Why a source's database URL cannot be pulled from, or None (the catalog checks it when saved)."""
    parts = urlsplit(url or "")
    if parts.scheme not in PULL_SCHEMES:
        return _("Only SQLite (sqlite:///path) and PostgreSQL (postgresql://…) databases can be pulled from.")
    if parts.scheme == "sqlite" and _is_own_database(_sqlite_path(url)):
        return _("The platform's own database cannot be a data source.")
    return None


def pull_due(now=None) -> int:
    """Start a pull for every store dataset of an active pull source whose interval has passed."""
    now = now or timezone.now()
    started = 0
    for source in Source.objects.filter(channel=Channel.PULL, active=True).select_related("unit"):
        interval = PULL_INTERVALS.get(source.frequency)
        if interval is None or not source.pull_url or not source.pull_query:
            continue
        for dataset in source.datasets.filter(storage=Storage.STORE):
            last = dataset.runs.filter(channel=Channel.PULL, source=source).order_by("-created_at").first()
            if last is None or last.created_at <= now - interval:
                pull(source, dataset)
                started += 1
    return started


def pull(source: Source, dataset: Dataset) -> Run:
    """Read the source's query into a CSV input and run it through the pipeline, as the source's unit."""
    name = f"{source.code}-{timezone.localtime():%Y%m%d-%H%M}.csv"
    try:
        content = fetch_csv(source.pull_url, source.pull_query)
    except PullError as exc:
        with transaction.atomic():
            run = Run.objects.create(dataset=dataset, unit=source.unit, source=source, channel=Channel.PULL,
                                     input_name=name, state=RS.FAILED, failure=str(exc), finished_at=timezone.now())
            record(run, "failed", "", RS.FAILED, comment=str(exc))
        return run
    with transaction.atomic():
        run = _create(None, Target(dataset, source.unit, source, partial=False), ContentFile(content, name=name),
                      name, Channel.PULL, hold=False, force=False)
    return run


def fetch_csv(url: str, query: str) -> bytes:
    """The query's rows as UTF-8 CSV with a header: read-only, at most ``PULL_ROW_CAP`` rows, with a timeout."""
    refusal = pull_url_error(url)
    if refusal:
        raise PullError(refusal)
    reader = _sqlite_rows if urlsplit(url).scheme == "sqlite" else _postgres_rows
    headers, rows = reader(url, query)
    if len(rows) > PULL_ROW_CAP:
        raise PullError(_("The query returns more than %(cap)d rows; narrow it.") % {"cap": PULL_ROW_CAP})
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(headers)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return output.getvalue().encode()


def _sqlite_path(url: str) -> str:
    return urlsplit(url).path[1:]


def _is_own_database(path: str) -> bool:
    target = Path(path).expanduser().resolve()
    return any(Path(str(db.get("NAME", ""))).resolve() == target for db in settings.DATABASES.values()
               if "sqlite" in db.get("ENGINE", ""))


def _sqlite_rows(url: str, query: str) -> tuple[list[str], list]:
    path = _sqlite_path(url)
    if not Path(path).is_file():
        raise PullError(_("The SQLite database %(path)s does not exist.") % {"path": path})
    deadline = time.monotonic() + PULL_TIMEOUT_SECONDS
    try:
        with closing(sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True, timeout=10)) as db:
            db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            db.execute("PRAGMA query_only = ON")
            cursor = db.execute(query)
            if cursor.description is None:
                raise PullError(_("The query returns no rows; it must be a SELECT."))
            return [d[0] for d in cursor.description], cursor.fetchmany(PULL_ROW_CAP + 1)
    except sqlite3.Error as exc:
        raise PullError(_("The source database refused the query: %(error)s") % {"error": exc}) from None


def _postgres_rows(url: str, query: str) -> tuple[list[str], list]:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10,
                             options=f"-c statement_timeout={PULL_TIMEOUT_SECONDS * 1000}") as db:
            db.read_only = True
            with db.cursor() as cursor:
                cursor.execute(query)
                if cursor.description is None:
                    raise PullError(_("The query returns no rows; it must be a SELECT."))
                return [d.name for d in cursor.description], cursor.fetchmany(PULL_ROW_CAP + 1)
    except psycopg.Error as exc:
        raise PullError(_("The source database refused the query: %(error)s") % {"error": str(exc).strip()}) from None
