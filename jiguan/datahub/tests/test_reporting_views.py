"""The reporting screens: the list and the new-task form, the task page with the viewer's buttons and its
progress tree, an upload as a form post, the submission page with review, the roll-up buttons, the packages
page and its import log, and denials. ``services.runs`` is ``FakeRuns`` (``Run`` rows created directly)."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.datahub.models import PackageImport, ReportingTask, RollUp, Submission
from jiguan.datahub.services import reporting

from .test_reporting_world import FakeRuns, build_world, csv_upload, make_task, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db, monkeypatch):
    world = build_world()
    world.fake = FakeRuns(monkeypatch)
    return world


@pytest.fixture
def as_user(client):
    def sign_in(account):
        client.force_login(account)
        return client
    return sign_in


def url(name: str, *args) -> str:
    return reverse(f"manage:datahub:{name}", args=args)


def test_the_list_shows_each_viewer_their_tasks(w, as_user):
    task = make_task(w)
    page = as_user(w.nc).get(url("reporting_tasks"))
    assert page.status_code == 200 and "办公用房基本情况统计" in page.content.decode()
    assert 'data-testid="new-task"' in page.content.decode()
    unit_page = as_user(w.dh_fin_admin).get(url("reporting_tasks")).content.decode()
    assert "办公用房基本情况统计" in unit_page and 'data-testid="new-task"' not in unit_page
    assert as_user(w.jj).get(url("reporting_tasks")).context["listing"].page.paginator.count == 0
    assert as_user(w.nc).get(url("reporting_tasks"), {"export": "xlsx"}).status_code == 200
    assert as_user(w.staff).get(url("reporting_tasks")).status_code == 403
    assert as_user(w.jj).get(url("reporting_task", task.pk)).status_code == 404


def test_a_task_is_created_through_the_form(w, as_user):
    client = as_user(w.nc)
    assert client.get(url("reporting_task_create")).status_code == 200
    response = client.post(url("reporting_task_create"), {
        "region": "360100", "dataset": w.dataset.pk, "code": "office-2026", "title": "办公用房基本情况统计",
        "period": "2026年度", "deadline": (timezone.localdate()).isoformat(), "regions": ["360102"],
        "units": [w.finance.pk], "instructions": "",
    })
    task = ReportingTask.objects.get(code="office-2026")
    assert response.status_code == 302 and response["Location"] == url("reporting_task", task.pk)
    assert task.assignments.count() == 3 and task.state == "draft"
    bad = client.post(url("reporting_task_create"), {"region": "360100", "dataset": w.dataset.pk, "code": "x2",
                                                     "title": "统计", "period": "2026年度",
                                                     "deadline": "2020-01-01", "regions": ["360102"]})
    assert bad.status_code == 400 and "deadline" in bad.context["form"].errors
    assert as_user(w.fin_admin).get(url("reporting_task_create")).status_code == 403


def test_the_task_page_shows_each_viewer_their_buttons(w, as_user):
    task = make_task(w)
    city = as_user(w.nc).get(url("reporting_task", task.pk))
    html = city.content.decode()
    assert city.status_code == 200 and 'data-testid="node-360102"' in html and "东湖区财政局" in html
    assert 'data-testid="submit-form"' in html  # a bureau may submit for its own units too
    assert 'data-testid="rollup-submit"' in html  # the city finalises its own region's roll-up
    unit = as_user(w.dh_fin_admin).get(url("reporting_task", task.pk)).content.decode()
    assert 'data-testid="submit-form"' in unit and "西湖区教育局" not in unit
    assert 'data-testid="publish"' not in unit and 'data-testid="rollup-submit"' not in unit
    template = as_user(w.dh_fin_admin).get(url("reporting_task_template", task.pk))
    assert template.status_code == 200
    assert load_workbook(BytesIO(b"".join(template.streaming_content))).worksheets[0]["A1"].value == "单位名称"


def test_upload_review_and_roll_up_through_the_pages(w, as_user):
    task = make_task(w)
    client = as_user(w.dh_fin_admin)
    response = client.post(url("reporting_task_submit", task.pk),
                           {"unit": w.dh_finance.pk, "file": csv_upload([row("东湖区财政局", 1200, 30)])})
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == url("reporting_submission", submission.pk)
    page = client.get(url("reporting_submission", submission.pk)).content.decode()
    assert 'data-testid="run-result"' in page and 'data-testid="accept"' not in page
    missing = client.post(url("reporting_task_submit", task.pk), {"unit": w.dh_finance.pk})
    assert missing.status_code == 400
    assert as_user(w.xh_edu_admin).get(url("reporting_submission", submission.pk)).status_code == 404
    assert as_user(w.jx).post(url("reporting_submission_accept", submission.pk)).status_code == 403
    assert Submission.objects.get().state == "submitted"  # the province may not skip the city
    reviewer = as_user(w.nc)
    assert 'data-testid="return-form"' in reviewer.get(url("reporting_submission", submission.pk)).content.decode()
    empty = reviewer.post(url("reporting_submission_return", submission.pk), {"comment": ""})
    assert empty.status_code == 400
    reviewer.post(url("reporting_submission_accept", submission.pk))
    assert Submission.objects.get().state == "accepted"
    reporting.accept_submission(w.nc, reporting.submit_file(w.dh, task.pk, upload=csv_upload([row("中心", 1, 1)]),
                                                            unit_id=w.dh_bureau.pk).pk)
    county = RollUp.objects.get(task=task, region_id="360102")
    assert 'data-testid="rollup-submit"' in as_user(w.dh).get(url("reporting_task", task.pk)).content.decode()
    as_user(w.dh).post(url("reporting_rollup_submit", county.pk))
    as_user(w.nc).post(url("reporting_rollup_return", county.pk), {"comment": "请补充说明。"})
    county.refresh_from_db()
    assert county.state == "returned" and county.comment == "请补充说明。"
    assert as_user(w.dh_fin_admin).post(url("reporting_rollup_submit", county.pk)).status_code == 403


def test_the_packages_page_and_its_import_log(w, as_user, settings):
    client = as_user(w.jx)
    page = client.get(url("reporting_packages"))
    assert page.status_code == 200 and "BEGIN PUBLIC KEY" in page.content.decode()
    refused = client.post(url("reporting_package_import"), {"file": csv_upload([], name="bad.zip")})
    assert refused.status_code == 400 and PackageImport.objects.get().outcome == "refused"
    log = client.get(url("reporting_packages")).content.decode()
    assert "bad.zip" in log
    peer = client.post(url("reporting_peer_register"), {"installation_id": "national", "name": "国家平台",
                                                        "public_key": "nonsense", "unit": w.province_bureau.pk})
    assert peer.status_code == 400 and "public_key" in peer.context["peer_form"].errors
    assert as_user(w.fin_admin).get(url("reporting_packages")).status_code == 403
