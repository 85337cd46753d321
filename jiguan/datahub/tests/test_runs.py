"""Ingestion runs end to end through the services: submit → stage → clean → validate → publish; the
dirty-data limit; re-submission; held runs reviewed; crashes at every stage and a dead worker leave no
partial data and can be retried; the data scope and the permission matrix; scheduled pulls."""

import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.jobs import run_job
from jiguan.core.models import Notification
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account
from jiguan.datahub import store
from jiguan.datahub.models import DatasetVersion, Run, Source
from jiguan.datahub.services import runs
from jiguan.datahub.services.runs import DuplicateSubmission

from .runs_world import (
    HEADERS,
    build,
    csv_upload,
    json_upload,
    person_id,
    person_row,
    published,
    report_rows,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build()


@pytest.fixture
def go(django_capture_on_commit_callbacks):
    """Call a service and run the background work it queues (as the worker would, after the commit)."""

    def call(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run = service(*args, **kwargs)
        run.refresh_from_db()
        return run

    return call


def submit(go, user, dataset, upload, **kwargs):
    return go(runs.submit, user, dataset_id=dataset.pk, upload=upload, **kwargs)


def good_rows(unit, serials):
    return [person_row(i, unit) for i in serials]


# --- The happy path -------------------------------------------------------------------------------------------


def test_a_csv_goes_through_every_stage_and_is_published(go, w):
    rows = good_rows(w.finance, range(1, 4)) + good_rows(w.jiujiang, [4])
    run = submit(go, w.jx_admin, w.persons, csv_upload(rows))
    assert (run.state, run.progress, run.rows_in, run.rows_rejected, run.rows_out) == ("published", 100, 4, 0, 4)
    assert len(run.sha256) == 64 and len(run.sm3) == 64 and not run.error_report and not run.partial
    rows = published(w.persons)
    assert [r["name"] for r in rows] == ["张1", "张2", "张3", "张4"]
    assert {r["name"]: r["org_path"] for r in rows}["张4"] == w.jiujiang.org_path  # placed by its unit's code
    assert rows[0]["org_path"] == w.finance.org_path and rows[0]["salary"] == Decimal("8000")
    assert [e.to_state for e in timeline(run)] == ["queued", "staging", "cleaning", "validating", "reconciling",
                                                   "publishing", "published"]
    assert Notification.objects.filter(recipient=w.jx_admin, title__contains="已发布").exists()
    assert DatasetVersion.objects.get(dataset=w.persons).run == run


@pytest.mark.parametrize("make_upload", ["xlsx", "json", "gbk"])
def test_xlsx_json_and_gbk_csv_give_the_same_rows(go, w, make_upload):
    rows = good_rows(w.finance, range(1, 4))
    upload = {
        "xlsx": lambda: xlsx_upload(rows),
        "json": lambda: json_upload([dict(zip(HEADERS, row, strict=True)) for row in rows]),
        "gbk": lambda: csv_upload(rows, encoding="gbk"),
    }[make_upload]()
    run = submit(go, w.jx_admin, w.persons, upload)
    assert (run.state, run.rows_out) == ("published", 3)
    assert [r["name"] for r in published(w.persons)] == ["张1", "张2", "张3"]


def test_headers_may_be_column_names_in_any_order(go, w):
    names = ["id_number", "name", "unit_code"]
    rows = [[person_id(1), "张1", w.finance.credit_code]]
    run = submit(go, w.jx_admin, w.persons, csv_upload(rows, names))
    assert run.state == "published" and published(w.persons)[0]["salary"] is None


@pytest.mark.parametrize(("headers", "message"), [
    (HEADERS + ["备注"], "数据集未定义的列：备注"),
    (["姓名", "性别"], "缺少必填列：身份证号"),
])
def test_a_file_that_does_not_match_the_schema_fails_with_a_message(go, w, headers, message):
    run = submit(go, w.jx_admin, w.persons, csv_upload([["x"] * len(headers)], headers))
    assert run.state == "failed" and message in run.failure and not DatasetVersion.objects.exists()


# --- Bad rows and the dirty-data limit ------------------------------------------------------------------------


def test_an_all_bad_file_publishes_nothing_and_reports_every_row(go, w):
    first = submit(go, w.jx_admin, w.persons, csv_upload(good_rows(w.finance, [1, 2])))
    bad = [person_row(i, w.finance, 身份证号="36010219990230001X") for i in (3, 4)]
    run = submit(go, w.jx_admin, w.persons, csv_upload(bad))
    assert (run.state, run.rows_rejected, run.rows_out) == ("aborted", 2, 0)
    assert sorted({r[0] for r in report_rows(run)}) == [2, 3]
    w.persons.refresh_from_db()
    assert w.persons.current_version.run == first and len(published(w.persons)) == 2


@pytest.mark.parametrize("limit", [{"dirty_limit_rows": 1}, {"dirty_limit_percent": Decimal("20")}])
def test_over_the_dirty_data_limit_aborts_and_changes_nothing(go, w, limit):
    for name, value in limit.items():
        setattr(w.persons, name, value)
    w.persons.save()
    rows = good_rows(w.finance, range(1, 5)) + [person_row(5, w.finance, 月工资="-1"),
                                                person_row(6, w.finance, 出生日期="昨天")]
    run = submit(go, w.jx_admin, w.persons, csv_upload(rows))
    assert (run.state, run.rows_in, run.rows_rejected) == ("aborted", 6, 2)
    assert "脏数据上限" in run.failure and run.error_report
    assert published(w.persons) == [] and not DatasetVersion.objects.exists()


def test_under_the_limit_exactly_the_good_rows_are_published_and_the_rest_reported(go, w):
    w.persons.dirty_limit_rows = 3
    w.persons.save()
    rows = good_rows(w.finance, range(1, 4)) + [
        person_row(4, w.finance, 姓名=""),
        person_row(5, w.finance, 绩效工资="9000"),
        person_row(6, w.finance, 所在单位="不存在的单位"),
    ]
    run = submit(go, w.jx_admin, w.persons, csv_upload(rows))
    assert (run.state, run.rows_in, run.rows_rejected, run.rows_out) == ("published", 6, 3, 3)
    assert [r["name"] for r in published(w.persons)] == ["张1", "张2", "张3"]
    assert [(r[0], r[1], r[3]) for r in report_rows(run)] == [
        (5, "姓名", "必填校验"), (6, "绩效工资", "跨字段校验"), (7, "所在单位", "主数据引用校验")]


def test_exact_duplicate_rows_are_dropped_and_counted(go, w):
    rows = good_rows(w.finance, [1, 2]) + good_rows(w.finance, [1])
    run = submit(go, w.jx_admin, w.persons, csv_upload(rows))
    assert (run.rows_in, run.rows_duplicate, run.rows_rejected, run.rows_out) == (3, 1, 0, 2)


# --- Re-submission -------------------------------------------------------------------------------------------


def test_an_identical_file_is_refused_and_recorded_unless_forced(go, w):
    rows = good_rows(w.finance, [1, 2])
    first = submit(go, w.jx_admin, w.persons, csv_upload(rows))
    with pytest.raises(DuplicateSubmission) as refused:
        runs.submit(w.jx_admin, dataset_id=w.persons.pk, upload=csv_upload(rows, name="再次.csv"))
    assert f"#{first.pk}" in refused.value.message and timezone.localtime(first.created_at).strftime("%Y-%m-%d") in refused.value.message
    duplicate = Run.objects.get(state="duplicate")
    assert duplicate.sha256 == first.sha256 and duplicate.failure == refused.value.message
    forced = submit(go, w.jx_admin, w.persons, csv_upload(rows), force=True)
    assert forced.state == "published" and DatasetVersion.objects.count() == 2


# --- Crashes, dead workers, retries --------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["_stage", "_clean", "_validate", "_report", "_publish_query", "store.publish"])
def test_a_crash_at_any_stage_leaves_no_partial_data_and_the_run_can_be_retried(go, w, monkeypatch, stage):
    submit(go, w.jx_admin, w.persons, csv_upload(good_rows(w.finance, [1])))
    rows = good_rows(w.finance, [2, 3]) + [person_row(4, w.finance, 姓名="")]

    def crash(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    target = (store, "publish") if stage == "store.publish" else (runs, stage)
    with monkeypatch.context() as patch:
        patch.setattr(*target, crash)
        run = submit(go, w.jx_admin, w.persons, csv_upload(rows))
    assert run.state == "failed" and "磁盘已满" in run.failure
    assert [r["name"] for r in published(w.persons)] == ["张1"] and DatasetVersion.objects.count() == 1
    assert not list(store.root().glob("*/.*.tmp"))
    retried = go(runs.retry, w.jx_admin, run.pk)
    assert (retried.state, retried.retry_of, retried.rows_out) == ("published", run, 2)
    assert [r["name"] for r in published(w.persons)] == ["张2", "张3"]


def test_a_killed_worker_is_found_by_its_stale_heartbeat_and_the_run_retried(go, w, monkeypatch):
    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    run = runs.submit(w.jx_admin, dataset_id=w.persons.pk, upload=csv_upload(good_rows(w.finance, [1, 2])))
    monkeypatch.setattr(runs, "_publish", killed)
    with pytest.raises(SystemExit):
        runs.execute(run.pk)  # as the worker would, killed half-way
    run.refresh_from_db()
    assert run.state == "publishing" and not DatasetVersion.objects.exists()
    orphan = store.root() / w.persons.code / ".v000001.parquet.dead.tmp"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"half")
    assert runs.fail_stale_runs() == 0  # its heartbeat is still fresh
    assert runs.fail_stale_runs(now=timezone.now() + timedelta(minutes=11)) == 1
    run.refresh_from_db()
    assert run.state == "failed" and "后台进程" in run.failure and not orphan.exists()
    monkeypatch.undo()
    retried = go(runs.retry, w.jx_admin, run.pk)
    assert retried.state == "published" and len(published(w.persons)) == 2


def test_the_periodic_job_fails_stale_runs(w):
    run = Run.objects.create(dataset=w.persons, unit=w.province, state="validating",
                             heartbeat_at=timezone.now() - timedelta(hours=1))
    fresh = Run.objects.create(dataset=w.persons, unit=w.province, state="cleaning", heartbeat_at=timezone.now())
    assert run_job("datahub.stale_runs") == "ok: 1 stale"
    run.refresh_from_db()
    fresh.refresh_from_db()
    assert (run.state, fresh.state) == ("failed", "cleaning")
    assert [e.action for e in timeline(run)] == ["stale"]


def test_only_failed_or_aborted_runs_can_be_retried(go, w):
    run = submit(go, w.jx_admin, w.persons, csv_upload(good_rows(w.finance, [1])))
    with pytest.raises(StateError):
        runs.retry(w.jx_admin, run.pk)
    with pytest.raises(Http404):
        runs.retry(w.jj_admin, run.pk)


# --- Held runs -------------------------------------------------------------------------------------------------


def test_a_held_run_when_published_replaces_only_its_units_rows(go, w):
    submit(go, w.jx_admin, w.persons, csv_upload(good_rows(w.finance, [1, 2]) + good_rows(w.jiujiang, [3])))
    held = submit(go, w.fin_admin, w.persons, csv_upload(good_rows(w.finance, [7, 8, 9])), hold=True)
    assert (held.state, held.rows_out, held.partial) == ("held", 3, True)
    assert (store.root() / held.held_path).exists()
    assert [r["name"] for r in published(w.persons)] == ["张1", "张2", "张3"]  # nothing changed yet
    with pytest.raises(PermissionDenied):
        runs.publish_held(w.fin_admin, held.pk)  # a unit administrator does not review
    with pytest.raises(Http404):
        runs.publish_held(make_account(roles=("region_bureau_admin",), unit=w.jiujiang), held.pk)  # not in 九江
    done = runs.publish_held(w.nc_admin, held.pk)
    assert (done.state, done.rows_out) == ("published", 3)
    rows = {r["name"]: r["org_path"] for r in published(w.persons)}
    assert rows == {"张3": w.jiujiang.org_path, "张7": w.finance.org_path, "张8": w.finance.org_path,
                    "张9": w.finance.org_path}
    assert Notification.objects.filter(recipient=w.fin_admin, title__contains="已发布").exists()
    with pytest.raises(StateError):
        runs.publish_held(w.nc_admin, held.pk)


def test_a_discarded_held_run_publishes_nothing_and_tells_the_submitter(go, w, django_capture_on_commit_callbacks):
    held = submit(go, w.fin_admin, w.persons, csv_upload(good_rows(w.finance, [1])), hold=True)
    with pytest.raises(ValidationFailed):
        runs.discard_held(w.nc_admin, held.pk, " ")
    with django_capture_on_commit_callbacks(execute=True):
        discarded = runs.discard_held(w.nc_admin, held.pk, "身份证号与人事系统不一致")
    assert discarded.state == "discarded" and not DatasetVersion.objects.exists()
    assert not list((store.root() / store.HELD).glob("*.parquet"))
    assert Notification.objects.filter(recipient=w.fin_admin, title__contains="退回").exists()


def test_a_unit_admins_own_submission_replaces_only_its_units_rows(go, w):
    submit(go, w.jx_admin, w.persons, csv_upload(good_rows(w.finance, [1]) + good_rows(w.jiujiang, [2])))
    run = submit(go, w.jj_admin, w.persons, csv_upload(good_rows(w.jiujiang, [5, 6])))
    assert run.partial and run.state == "published"
    assert [r["name"] for r in published(w.persons)] == ["张1", "张5", "张6"]


# --- Scope and permissions -----------------------------------------------------------------------------------------


def test_a_unit_admin_cannot_submit_for_another_unit(w):
    with pytest.raises(PermissionDenied):
        runs.submit(w.fin_admin, dataset_id=w.persons.pk, upload=csv_upload([]), unit_id=w.jiujiang.pk)
    assert not Run.objects.exists()


def test_rows_naming_a_unit_outside_the_submitters_scope_are_rejected(go, w):
    rows = good_rows(w.finance, [1]) + good_rows(w.jiujiang, [2])
    run = submit(go, w.fin_admin, w.persons, csv_upload(rows))
    assert (run.rows_rejected, run.rows_out) == (1, 1)
    assert [(r[0], r[3]) for r in report_rows(run)] == [(3, "数据范围校验")]


def test_a_run_of_another_unit_answers_404(go, w):
    run = submit(go, w.jj_admin, w.persons, csv_upload(good_rows(w.jiujiang, [1])))
    with pytest.raises(Http404):
        runs.run_in_view(w.fin_admin, run.pk)
    assert runs.run_in_view(w.jx_admin, run.pk) == run
    assert list(runs.visible_runs(w.fin_admin)) == []


@pytest.mark.parametrize(("who", "unit", "allowed"), [
    ("jx_admin", "finance", True), ("jx_admin", "jiujiang", True),
    ("nc_admin", "finance", True), ("nc_admin", "jiujiang", False),
    ("fin_admin", "finance", True), ("fin_admin", "jiujiang", False),
    ("staff", "finance", False),
])
def test_permission_matrix_for_submitting(go, w, who, unit, allowed):
    upload = csv_upload(good_rows(getattr(w, unit), [1]))
    if not allowed:
        with pytest.raises(PermissionDenied):
            runs.submit(getattr(w, who), dataset_id=w.persons.pk, upload=upload, unit_id=getattr(w, unit).pk)
        return
    run = submit(go, getattr(w, who), w.persons, upload, unit_id=getattr(w, unit).pk)
    assert run.state == "published"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("人员.txt", b"a,b\n", "不能提交"),
    ("人员.csv", b"", "为空"),
    ("人员.xlsx", b"not a workbook", "不符"),
    ("人员.json", b"name,id\n", "不符"),
])
def test_a_bad_upload_is_refused_and_nothing_is_recorded(w, name, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationFailed) as refused:
        runs.submit(w.jx_admin, dataset_id=w.persons.pk, upload=SimpleUploadedFile(name, content))
    assert refused.value.field == "file" and message in refused.value.message
    assert not Run.objects.exists()


def test_push_runs_the_same_pipeline(go, w):
    rows = [{"姓名": "推送甲", "身份证号": person_id(31), "所在单位": w.finance.credit_code},
            {"name": "推送乙", "id_number": person_id(32), "unit_code": w.finance.credit_code, "salary": 5000}]
    run = go(runs.push, w.fin_admin, dataset_id=w.persons.pk, rows=rows)
    assert (run.channel, run.state, run.rows_out) == ("api", "published", 2)
    with pytest.raises(ValidationFailed):
        runs.push(w.fin_admin, dataset_id=w.persons.pk, rows=[])


# --- Scheduled pulls -----------------------------------------------------------------------------------------------


@pytest.fixture
def source_db(tmp_path, w):
    path = tmp_path / "hr.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE staff (xm TEXT, sfz TEXT, dw TEXT)")
        db.executemany("INSERT INTO staff VALUES (?, ?, ?)",
                       [(f"抽取{i}", person_id(40 + i), w.finance.credit_code) for i in range(3)])
    return path


def test_a_due_pull_source_is_read_and_published(go, w, source_db, django_capture_on_commit_callbacks):
    source = Source.objects.create(code="hr", name="人事系统", kind="system", channel="pull", unit=w.province,
                                   pull_url=f"sqlite:///{source_db}", frequency="daily",
                                   pull_query="SELECT xm AS 姓名, sfz AS 身份证号, dw AS 所在单位 FROM staff")
    w.persons.source = source
    w.persons.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.pull_due() == 1
    run = Run.objects.get(channel="pull")
    assert (run.state, run.rows_out, run.submitted_by) == ("published", 3, None)
    assert runs.pull_due() == 0  # not due again until tomorrow
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.pull_due(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert Run.objects.filter(channel="pull").first().state == "duplicate"  # nothing changed at the source


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://root@localhost/hr", "仅支持"),
    ("sqlite:///{own}", "平台自身"),
    ("sqlite:////nowhere/hr.sqlite3", "不存在"),
])
def test_pulls_refuse_other_schemes_our_own_database_and_missing_files(w, url, message, settings):
    if "{own}" in url and connection.vendor != "sqlite":
        pytest.skip("the platform's own database is a SQLite file only when it runs on SQLite")
    own = settings.DATABASES["default"]["NAME"]
    source = Source.objects.create(code="x", name="外部", kind="system", channel="pull", unit=w.province,
                                   pull_url=url.format(own=own), pull_query="SELECT 1", frequency="daily")
    run = runs.pull(source, w.persons)
    assert run.state == "failed" and message in run.failure


def test_a_pull_cannot_write_to_the_source(w, source_db):
    with pytest.raises(runs.PullError):
        runs.fetch_csv(f"sqlite:///{source_db}", "DELETE FROM staff")
    with sqlite3.connect(source_db) as db:
        assert db.execute("SELECT count(*) FROM staff").fetchone()[0] == 3
