"""The ingestion API: every response checked against the OpenAPI document — upload (multipart), push
(JSON), a run's status, its error report, retry, review of held runs; refusals in the one error shape."""

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.api.tests.openapi import API
from jiguan.datahub.models import Run

from .runs_world import build, csv_upload, person_id, person_row

pytestmark = pytest.mark.django_db
RUNS = "/datahub/runs"


@pytest.fixture
def w(db):
    return build()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("jx_admin", "nc_admin", "fin_admin", "jj_admin", "staff")}


def upload(api, token, dataset, file, **fields):  # noqa: F811
    response = api.client.post(f"{API}{RUNS}/upload", {"dataset_id": dataset.pk, "file": file, **fields},
                               HTTP_AUTHORIZATION=f"Bearer {token}")
    api.check("POST", f"{RUNS}/upload", response)
    return response


def test_upload_runs_the_pipeline_and_the_run_reports_its_progress(api, tokens, w, django_capture_on_commit_callbacks):  # noqa: F811
    rows = [person_row(1, w.finance), person_row(2, w.finance, 身份证号="123")]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, tokens["fin_admin"], w.persons, csv_upload(rows))
    assert response.status_code == 201
    body = response.json()
    assert (body["state"]["code"], body["unit"]["name"], body["partial"]) == ("queued", "南昌市财政局", True)
    run = api.get(f"{RUNS}/{body['id']}", token=tokens["fin_admin"]).json()
    assert (run["state"]["code"], run["progress"], run["rows_out"], run["has_error_report"]) == ("published", 100, 1, True)
    report = api.client.get(f"{API}{RUNS}/{body['id']}/errors", HTTP_AUTHORIZATION=f"Bearer {tokens['fin_admin']}")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    listed = api.get(RUNS, params={"state": "published"}, token=tokens["nc_admin"]).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_push_accepts_rows_by_name_or_label(api, tokens, w, django_capture_on_commit_callbacks):  # noqa: F811
    rows = [{"姓名": "推送", "身份证号": person_id(9), "所在单位": w.finance.credit_code, "月工资": 6000}]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{RUNS}/push", {"dataset_id": w.persons.pk, "rows": rows}, token=tokens["fin_admin"])
    assert response.status_code == 201 and response.json()["channel"]["code"] == "api"
    assert Run.objects.get().state == "published"


def test_refusals_come_in_the_error_shape(api, tokens, w, django_capture_on_commit_callbacks):  # noqa: F811
    bad = api.post(f"{RUNS}/push", {"dataset_id": w.persons.pk, "rows": [{"姓名": {"x": 1}}]}, token=tokens["fin_admin"])
    assert bad.status_code == 400
    staff = api.post(f"{RUNS}/push", {"dataset_id": w.persons.pk, "rows": [{"姓名": "甲"}]}, token=tokens["staff"])
    assert staff.status_code == 403
    other = api.post(f"{RUNS}/push", {"dataset_id": w.persons.pk, "unit_id": w.jiujiang.pk, "rows": [{"姓名": "甲"}]},
                     token=tokens["fin_admin"])
    assert other.status_code == 403
    wrong_type = upload(api, tokens["fin_admin"], w.persons, csv_upload([], name="人员.txt"))
    assert wrong_type.status_code == 400 and wrong_type.json()["field"] == "file"
    rows = [person_row(1, w.finance)]
    with django_capture_on_commit_callbacks(execute=True):
        upload(api, tokens["fin_admin"], w.persons, csv_upload(rows))
    again = upload(api, tokens["fin_admin"], w.persons, csv_upload(rows))
    assert again.status_code == 409 and again.json()["code"] == "duplicate"


def test_a_run_outside_the_scope_answers_404(api, tokens, w, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        run_id = upload(api, tokens["jj_admin"], w.persons, csv_upload([person_row(1, w.jiujiang)])).json()["id"]
    assert api.get(f"{RUNS}/{run_id}", token=tokens["fin_admin"]).status_code == 404
    assert api.get(f"{RUNS}/{run_id}", token=tokens["nc_admin"]).status_code == 404
    assert api.get(f"{RUNS}/{run_id}", token=tokens["jx_admin"]).status_code == 200
    assert api.get(f"{RUNS}/{run_id}", token=tokens["staff"]).status_code == 403


def test_held_runs_are_reviewed_and_failed_runs_retried(api, tokens, w, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        held = upload(api, tokens["fin_admin"], w.persons, csv_upload([person_row(1, w.finance)]), hold="true")
        aborted = upload(api, tokens["fin_admin"], w.persons, csv_upload([person_row(2, w.finance, 姓名="")])).json()
    held_id = held.json()["id"]
    assert api.get(f"{RUNS}/{held_id}", token=tokens["fin_admin"]).json()["state"]["code"] == "held"
    assert api.post(f"{RUNS}/{held_id}/publish", token=tokens["fin_admin"]).status_code == 403
    published = api.post(f"{RUNS}/{held_id}/publish", token=tokens["nc_admin"])
    assert published.status_code == 200 and published.json()["state"]["code"] == "published"
    refused = api.post(f"{RUNS}/{held_id}/discard", {"reason": "晚了"}, token=tokens["nc_admin"])
    assert refused.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(f"{RUNS}/{aborted['id']}/retry", token=tokens["fin_admin"])
    assert retried.status_code == 201 and retried.json()["retry_of"] == aborted["id"]
