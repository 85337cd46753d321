"""Reporting up the levels, through the services: a task and its expansion, the template's checks, submit →
accept → roll-up county → city → finalised, never skipping a level (each refusal), return and resubmit,
replacement before the deadline, the late-submission job, and scope. The pipeline is ``FakeRuns`` (see
``test_reporting_world``): these tests record ``Run`` rows directly and monkeypatch ``services.runs``."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Event, Notification
from jiguan.core.statemachine import timeline
from jiguan.core.testing import run_at_once
from jiguan.datahub.models import Assignment, ReportingTask, RollUp, Run, Submission
from jiguan.datahub.services import reporting

from .test_reporting_world import FakeRuns, build_world, csv_upload, make_dataset, make_task, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def fake(monkeypatch):
    return FakeRuns(monkeypatch)


def submit(w, task, account, unit, *rows):
    return reporting.submit_file(account, task.pk, upload=csv_upload(list(rows) or [row(unit.name, 100, 3)]),
                                 unit_id=unit.pk)


def rollup(task, code: str) -> RollUp:
    return RollUp.objects.get(task=task, region_id=code)


# --- The task ---------------------------------------------------------------------------------------------------


def test_a_task_expands_into_units_and_roll_ups_and_tells_the_reporters(w):
    task = make_task(w)
    units = set(task.assignments.values_list("unit__name", flat=True))
    assert units == {"东湖区机关事务服务中心", "东湖区财政局", "西湖区机关事务服务中心", "西湖区教育局", "南昌市财政局"}
    assert set(task.rollups.values_list("region_id", flat=True)) == {"360100", "360102", "360103"}
    assert task.state == "published" and task.region_id == "360100" and task.org_path == w.city_bureau.org_path
    assert [e.action for e in timeline(task)] == ["create", "publish"]
    told = set(Notification.objects.filter(title__contains="办公用房").values_list("recipient__username", flat=True))
    assert {"fin_admin", "dh_fin_admin", "xh_edu_admin"} <= told and "jj_admin" not in told


def test_a_task_is_refused_with_each_bad_input(w):
    other = make_dataset(w.jj_bureau, "jj_stats")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        reporting.create_task(w.nc, dataset_id=other.pk, code="bad code", title="", period="2026年度",
                              deadline=timezone.localdate() - timedelta(days=1), unit_ids=[w.jj_finance.pk])
    assert set(refused.value.errors) == {"dataset_id", "code", "title", "deadline", "unit_ids"}
    with pytest.raises(ValidationFailed) as refused:
        reporting.create_task(w.nc, dataset_id=w.dataset.pk, code="t1", title="统计", period="2026年度",
                              deadline=tomorrow, region_code="360400", region_codes=["360402"])
    assert set(refused.value.errors) == {"region_code"}
    with pytest.raises(ValidationFailed) as refused:
        reporting.create_task(w.nc, dataset_id=w.dataset.pk, code="t1", title="统计", period="2026年度",
                              deadline=tomorrow)
    assert "region_codes" in refused.value.errors
    with pytest.raises(PermissionDenied):
        reporting.create_task(w.fin_admin, dataset_id=w.dataset.pk, code="t1", title="统计", period="2026年度",
                              deadline=tomorrow, unit_ids=[w.finance.pk])
    make_task(w)
    with pytest.raises(ValidationFailed) as refused:
        make_task(w)
    assert "code" in refused.value.errors
    assert ReportingTask.objects.count() == 1 and Assignment.objects.count() == 5


def test_only_the_tasks_bureau_publishes_it(w):
    task = reporting.create_task(w.nc, dataset_id=w.dataset.pk, code="t1", title="统计", period="2026年度",
                                 deadline=timezone.localdate(), unit_ids=[w.finance.pk])
    with pytest.raises(PermissionDenied):
        reporting.publish_task(w.jx, task.pk)  # the province reaches it but is not its bureau
    with pytest.raises(Http404):
        reporting.publish_task(w.jj, task.pk)
    reporting.publish_task(w.nc, task.pk)
    with pytest.raises(StateError):
        reporting.publish_task(w.nc, task.pk)


# --- The template -----------------------------------------------------------------------------------------------


def test_the_template_has_labels_names_dropdowns_and_notes(w):
    task = make_task(w)
    book = load_workbook(BytesIO(reporting.template_workbook(task)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["单位名称", "单位类别", "建筑面积", "房间数", "调查日期"]
    assert [c.value for c in sheet[2]] == ["unit_name", "category", "building_area", "rooms", "surveyed_on"]
    assert sheet.row_dimensions[2].hidden
    checks = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    assert checks["B3"].type == "list" and checks["B3"].formula1 == "'_jiguan'!$D$1:$D$8"
    meta = book["_jiguan"]
    assert meta.sheet_state == "hidden" and meta["B1"].value == "office_stats"
    assert [meta.cell(r, 4).value for r in range(1, 9)][:3] == ["党委机关", "人大机关", "行政机关"]
    assert (checks["C3"].type, checks["C3"].formula1) == ("decimal", "0.0000")
    assert (checks["D3"].type, checks["D3"].formula2) == ("whole", "10000.0000")
    assert checks["E3"].type == "date" and checks["A3"].type == "textLength"
    notes = [[c.value for c in r] for r in book.worksheets[2].iter_rows(min_row=5)]
    assert notes[2][:3] == ["建筑面积", "building_area", "否"] and "0" in notes[2][3]


def test_the_filled_template_goes_to_the_pipeline_as_csv_of_its_rows(w, fake, monkeypatch):
    task = make_task(w)
    book = load_workbook(BytesIO(reporting.template_workbook(task)))
    sheet = book.worksheets[0]
    sheet.append(["东湖区财政局", "行政机关", 1520.5, 42, timezone.datetime(2026, 3, 1)])
    sent = {}
    monkeypatch.setattr(reporting.runs, "submit", lambda user, **kw: sent.update(kw) or fake.submit(user, **kw))
    from django.core.files.uploadedfile import SimpleUploadedFile

    output = BytesIO()
    book.save(output)
    upload = SimpleUploadedFile("填报.xlsx", output.getvalue())
    submission = reporting.submit_file(w.dh_fin_admin, task.pk, upload=upload)
    sent["upload"].seek(0)
    assert sent["upload"].read().decode().splitlines() == [
        "unit_name,category,building_area,rooms,surveyed_on", "东湖区财政局,行政机关,1520.5,42,2026-03-01"]
    assert sent["hold"] is True and submission.file_name == "填报.xlsx"
    other = make_dataset(w.city_bureau, "other_stats")
    task.dataset = other
    with pytest.raises(ValidationFailed, match="其他数据集"):
        reporting._prepared_upload(task, SimpleUploadedFile("x.xlsx", output.getvalue()))


# --- Submit, review, roll up ---------------------------------------------------------------------------------------


def test_submit_accept_and_roll_up_level_by_level(w, fake):
    task = make_task(w)
    first = submit(w, task, w.dh_fin_admin, w.dh_finance, row("东湖区财政局", 1000, 40), row("东湖区财政局二", 500, 10))
    assert first.state == "submitted" and first.assignment.state == "submitted"
    assert fake.calls[-1] == ("submit", w.dh_finance.pk, True)
    assert Notification.objects.filter(recipient=w.nc, title__contains="东湖区财政局").exists()
    for reviewer in (w.dh, w.jx):  # the county itself, and the province skipping the city
        with pytest.raises(PermissionDenied, match="南昌市"):
            reporting.accept_submission(reviewer, first.pk)
    reporting.accept_submission(w.nc, first.pk)
    assert Assignment.objects.get(pk=first.assignment_id).state == "accepted"
    assert fake.calls[-1] == ("publish_held", first.run_id)
    bureau = submit(w, task, w.dh, w.dh_bureau, row("东湖区机关事务服务中心", 300, 12))
    reporting.accept_submission(w.nc, bureau.pk)

    county = reporting.submit_rollup(w.dh, rollup(task, "360102").pk)
    assert county.state == "submitted" and county.figures["rows"] == 3
    assert county.figures["totals"] == {"building_area": 1800.0, "rooms": 62.0}
    with pytest.raises(PermissionDenied):
        reporting.accept_rollup(w.jx, county.pk)  # the province cannot take a county's roll-up
    with pytest.raises(StateError) as refused:
        reporting.submit_rollup(w.nc, rollup(task, "360100").pk)
    assert "南昌市财政局" in refused.value.message and "西湖区（" in refused.value.message
    reporting.accept_rollup(w.nc, county.pk)

    for account, unit, area in ((w.xh_edu_admin, w.xh_education, 200), (w.xh, w.xh_bureau, 100),
                                (w.fin_admin, w.finance, 4000)):
        reporting.accept_submission(w.nc, submit(w, task, account, unit, row(unit.name, area, 5)).pk)
    with pytest.raises(StateError, match="西湖区"):
        reporting.submit_rollup(w.nc, rollup(task, "360100").pk)
    reporting.accept_rollup(w.nc, reporting.submit_rollup(w.xh, rollup(task, "360103").pk).pk)
    city = reporting.submit_rollup(w.nc, rollup(task, "360100").pk)
    assert city.state == "accepted" and ReportingTask.objects.get(pk=task.pk).state == "finished"
    assert city.figures["rows"] == 6 and city.figures["own"]["rows"] == 1
    assert city.figures["totals"]["building_area"] == 6100.0
    assert [r["name"] for r in city.figures["lower"]] == ["东湖区", "西湖区"]
    assert [e.action for e in timeline(city)] == ["finalize"]


def test_a_province_task_goes_county_to_city_to_province(w, fake):
    task = reporting.publish_task(w.jx, reporting.create_task(
        w.jx, dataset_id=w.dataset.pk, code="jx-2026", title="全省统计", period="2026年度",
        deadline=timezone.localdate(), unit_ids=[w.finance.pk, w.dh_finance.pk]).pk)
    assert set(task.rollups.values_list("region_id", flat=True)) == {"360000", "360100", "360102"}
    city_unit = submit(w, task, w.fin_admin, w.finance)
    with pytest.raises(PermissionDenied, match="江西"):
        reporting.accept_submission(w.nc, city_unit.pk)  # a city's own unit goes to the province
    reporting.accept_submission(w.jx, city_unit.pk)
    county_unit = submit(w, task, w.dh_fin_admin, w.dh_finance)
    reporting.accept_submission(w.nc, county_unit.pk)
    with pytest.raises(StateError, match="东湖区"):
        reporting.submit_rollup(w.nc, rollup(task, "360100").pk)
    reporting.accept_rollup(w.nc, reporting.submit_rollup(w.dh, rollup(task, "360102").pk).pk)
    city = reporting.submit_rollup(w.nc, rollup(task, "360100").pk)
    with pytest.raises(StateError, match="南昌市"):
        reporting.submit_rollup(w.jx, rollup(task, "360000").pk)
    reporting.accept_rollup(w.jx, city.pk)
    assert reporting.submit_rollup(w.jx, rollup(task, "360000").pk).figures["rows"] == 2


def test_return_with_comments_and_resubmit(w, fake):
    task = make_task(w)
    first = submit(w, task, w.dh_fin_admin, w.dh_finance)
    with pytest.raises(ValidationFailed) as refused:
        reporting.return_submission(w.nc, first.pk, "  ")
    assert "comment" in refused.value.errors
    reporting.return_submission(w.nc, first.pk, "房间数与上年差异较大，请核实。")
    assert fake.calls[-1] == ("discard_held", first.run_id, "房间数与上年差异较大，请核实。")
    assignment = Assignment.objects.get(pk=first.assignment_id)
    assert assignment.state == "returned"
    assert Notification.objects.filter(recipient=w.dh_fin_admin, title__contains="请核实").exists()
    with pytest.raises(StateError):
        reporting.accept_submission(w.nc, first.pk)
    second = submit(w, task, w.dh_fin_admin, w.dh_finance)
    reporting.accept_submission(w.nc, second.pk)
    states = list(Submission.objects.filter(assignment=assignment).order_by("pk").values_list("state", flat=True))
    assert states == ["returned", "accepted"]
    assert [e.action for e in timeline(assignment)] == ["submit", "return", "submit", "accept"]
    with pytest.raises(StateError, match="已接收"):
        submit(w, task, w.dh_fin_admin, w.dh_finance)


def test_a_submission_is_replaced_only_when_rows_were_refused_and_before_the_deadline(w, monkeypatch):
    fake = FakeRuns(monkeypatch, rejected=1)
    task = make_task(w)
    flawed = submit(w, task, w.fin_admin, w.finance)
    fake.rejected = 0
    replacing = submit(w, task, w.fin_admin, w.finance)
    assert Submission.objects.get(pk=flawed.pk).state == "replaced" and replacing.state == "submitted"
    assert [e.action for e in timeline(replacing.assignment)] == ["submit", "replace"]
    with pytest.raises(StateError, match="等待审核"):
        submit(w, task, w.fin_admin, w.finance)
    Run.objects.filter(pk=replacing.run_id).update(rows_rejected=2)
    ReportingTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    with pytest.raises(StateError, match="截止日期"):
        submit(w, task, w.fin_admin, w.finance)


def test_accepting_waits_for_the_check_to_finish(w, fake):
    task = make_task(w)
    submission = submit(w, task, w.fin_admin, w.finance)
    Run.objects.filter(pk=submission.run_id).update(state="validating")
    with pytest.raises(StateError, match="仍在校验"):
        reporting.accept_submission(w.nc, submission.pk)
    Run.objects.filter(pk=submission.run_id).update(state="aborted")
    with pytest.raises(StateError, match="请退回"):
        reporting.accept_submission(w.nc, submission.pk)
    reporting.return_submission(w.nc, submission.pk, "超过脏数据上限，请修正后重报。")
    assert not any(call[0] == "discard_held" for call in fake.calls)  # nothing held to discard


# --- Late submissions -------------------------------------------------------------------------------------------------


def test_the_late_job_opens_one_event_per_late_unit_once(w, fake):
    task = make_task(w)
    submit(w, task, w.fin_admin, w.finance)
    ReportingTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    before = Notification.objects.filter(recipient=w.dh_fin_admin).count()
    assert reporting.flag_late_assignments() == 4
    assert reporting.flag_late_assignments() == 0
    events = Event.objects.filter(type="datahub.report_late")
    assert events.count() == 4 and events.filter(unit=w.dh_finance).count() == 1
    assert Notification.objects.filter(recipient=w.dh_fin_admin).count() == before + 1
    late = Assignment.objects.get(task=task, unit=w.dh_finance)
    assert reporting.progress_state(late, ReportingTask.objects.get(pk=task.pk)) == "late"
    reporting.submit_file(w.dh_fin_admin, task.pk, upload=csv_upload([row("东湖区财政局", 1, 1)]))
    assert Event.objects.get(pk=late.late_event_id).status == "resolved"


def test_a_late_event_links_to_its_reporting_task(w, fake, client, settings):
    settings.REQUIRE_ADMIN_2FA = False
    task = make_task(w)
    ReportingTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    reporting.flag_late_assignments()
    late = Assignment.objects.get(task=task, unit=w.dh_finance)
    client.force_login(w.nc)
    page = client.get(reverse("manage:event", args=[late.late_event_id]), headers={"Accept-Language": "zh-hans"})
    link = f'<a href="{reverse("manage:datahub:reporting_task", args=[task.pk])}">{late}</a>'
    assert "关联业务" in page.content.decode() and link in page.content.decode()


# --- Scope --------------------------------------------------------------------------------------------------------------


def test_scope_answers_404_and_refuses_other_units(w, fake):
    task = make_task(w)
    with pytest.raises(Http404):
        reporting.get_task(w.jj, task.pk)
    assert reporting.get_task(w.dh_fin_admin, task.pk) == task  # through its assignment
    assert reporting.get_task(w.dh, task.pk) == task  # through its roll-up
    with pytest.raises(ValidationFailed) as refused:
        reporting.submit_file(w.dh_fin_admin, task.pk, upload=csv_upload([]), unit_id=w.xh_education.pk)
    assert "unit_id" in refused.value.errors
    submission = submit(w, task, w.dh_fin_admin, w.dh_finance)
    with pytest.raises(Http404):
        reporting.get_submission(w.xh_edu_admin, submission.pk)
    with pytest.raises(Http404):
        reporting.return_submission(w.jj, submission.pk, "无权")
    with pytest.raises(PermissionDenied):
        reporting.accept_submission(w.dh_fin_admin, submission.pk)
    nodes = reporting.progress(w.dh_fin_admin, task)
    assert [(n.region.code, [u["assignment"].unit_id for u in n.units]) for n in nodes] == [
        ("360102", [w.dh_finance.pk])]
    assert [n.region.code for n in reporting.progress(w.nc, task)] == ["360100", "360102", "360103"]
    with pytest.raises(PermissionDenied):
        reporting.get_task(w.staff, task.pk)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_accepting_at_once_publish_once(monkeypatch):
    w = build_world()
    fake = FakeRuns(monkeypatch)
    task = make_task(w)
    submission = submit(w, task, w.fin_admin, w.finance)
    results = run_at_once(lambda: reporting.accept_submission(w.nc, submission.pk),
                          lambda: reporting.accept_submission(w.nc, submission.pk))
    assert sum(isinstance(r, Submission) for r in results) == 1
    assert sum(isinstance(r, StateError) for r in results) == 1
    assert [c[0] for c in fake.calls].count("publish_held") == 1
