"""The ingestion pages: list (scoped, filtered, exported), upload form, run page with its polled progress,
the error report download, retry and review buttons; refusals (403 page, 404 outside the scope)."""

import pytest
from django.test import Client

from jiguan.core.models import AccessLog
from jiguan.core.testing import PASSWORD
from jiguan.datahub.models import Run
from jiguan.datahub.services import runs

from .runs_world import build, csv_upload, person_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    return build()


def client_for(account) -> Client:
    client = Client()
    assert client.login(username=account.username, password=PASSWORD)
    return client


@pytest.fixture
def finished(w, django_capture_on_commit_callbacks):
    rows = [person_row(1, w.finance), person_row(2, w.finance, 身份证号="1")]
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.submit(w.fin_admin, dataset_id=w.persons.pk, upload=csv_upload(rows))
    run.refresh_from_db()
    return run


def test_the_list_is_scoped_filtered_and_exported(w, finished):
    page = client_for(w.fin_admin).get("/manage/datahub/runs/")
    assert page.status_code == 200 and f'id="run-{finished.pk}"' in page.content.decode()
    other = client_for(w.jj_admin).get("/manage/datahub/runs/")
    assert f'id="run-{finished.pk}"' not in other.content.decode()
    filtered = client_for(w.nc_admin).get("/manage/datahub/runs/", {"state": "failed"})
    assert f'id="run-{finished.pk}"' not in filtered.content.decode()
    export = client_for(w.nc_admin).get("/manage/datahub/runs/", {"export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_dataset_filter_offers_the_datasets_of_the_runs_one_sees(w, finished):
    option = f'<option value="{finished.dataset_id}">人员信息</option>'
    assert option in client_for(w.fin_admin).get("/manage/datahub/runs/").content.decode()
    assert option not in client_for(w.jj_admin).get("/manage/datahub/runs/").content.decode()


def test_staff_are_refused_and_other_units_runs_answer_404(w, finished):
    assert client_for(w.staff).get("/manage/datahub/runs/").status_code == 403
    assert client_for(w.jj_admin).get(f"/manage/datahub/runs/{finished.pk}/").status_code == 404
    assert client_for(w.jj_admin).get(f"/manage/datahub/runs/{finished.pk}/errors/").status_code == 404


def test_the_run_page_shows_counts_digests_and_the_report_link(w, finished):
    page = client_for(w.fin_admin).get(f"/manage/datahub/runs/{finished.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and finished.sha256 in text and "下载错误报告" in text
    assert 'hx-trigger="every 2s"' not in text  # finished: no more polling
    report = client_for(w.fin_admin).get(f"/manage/datahub/runs/{finished.pk}/errors/")
    assert report.status_code == 200 and AccessLog.objects.filter(detail__contains="error report").exists()


def test_a_running_run_is_polled_until_it_ends(w):
    run = Run.objects.create(dataset=w.persons, unit=w.finance, submitted_by=w.fin_admin, state="validating",
                             progress=45)
    client = client_for(w.fin_admin)
    page = client.get(f"/manage/datahub/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "45%" in page
    Run.objects.filter(pk=run.pk).update(state="published", progress=100)
    part = client.get(f"/manage/datahub/runs/{run.pk}/", {"part": "progress"}, HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and part["HX-Refresh"] == "true"


def test_the_upload_form_submits_a_run(w, django_capture_on_commit_callbacks):
    client = client_for(w.fin_admin)
    assert client.get("/manage/datahub/runs/new/", {"dataset": w.persons.pk}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/datahub/runs/new/", {
            "dataset": w.persons.pk, "file": csv_upload([person_row(1, w.finance)])})
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/datahub/runs/{run.pk}/"
    refused = client.post("/manage/datahub/runs/new/", {"dataset": w.persons.pk, "unit": w.jiujiang.pk,
                                                          "file": csv_upload([person_row(2, w.jiujiang)])})
    assert refused.status_code == 200 and Run.objects.count() == 1  # 九江 is not a choice for 财政局
    assert client_for(w.staff).get("/manage/datahub/runs/new/").status_code == 403


def test_retry_and_review_buttons_appear_only_for_those_allowed(w, finished, django_capture_on_commit_callbacks):
    Run.objects.filter(pk=finished.pk).update(state="failed")
    page = client_for(w.fin_admin).get(f"/manage/datahub/runs/{finished.pk}/").content.decode()
    assert 'data-testid="retry"' in page and 'data-testid="publish-held"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(w.fin_admin).post(f"/manage/datahub/runs/{finished.pk}/retry/")
    retry = Run.objects.get(retry_of=finished)
    assert response["Location"] == f"/manage/datahub/runs/{retry.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        held = runs.submit(w.fin_admin, dataset_id=w.persons.pk, upload=csv_upload([person_row(5, w.finance)]),
                           hold=True)
    assert 'data-testid="publish-held"' not in client_for(w.fin_admin).get(
        f"/manage/datahub/runs/{held.pk}/").content.decode()
    reviewer = client_for(w.nc_admin)
    assert 'data-testid="publish-held"' in reviewer.get(f"/manage/datahub/runs/{held.pk}/").content.decode()
    reviewer.post(f"/manage/datahub/runs/{held.pk}/discard/", {"reason": "数据口径不对"})
    held.refresh_from_db()
    assert held.state == "discarded" and held.failure == "数据口径不对"
