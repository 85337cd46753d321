"""The reporting API: every JSON response checked against the OpenAPI document, the journey task → upload
(multipart) and push (JSON) → review → roll-up, the refusals (scope 404, wrong level 403, state 409, bad input
400), the template download, and packages (installation key, peers, export, import and its log).
``services.runs`` is ``FakeRuns`` (``Run`` rows created directly)."""

import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.api.tests.openapi import API
from jiguan.datahub.models import RollUp

from .test_reporting_world import FakeRuns, build_world, csv_upload, row

pytestmark = pytest.mark.django_db
R = "/datahub/reporting"


@pytest.fixture
def w(db, monkeypatch, settings):
    settings.DATAHUB_INSTALLATION_ID = "province-36"
    world = build_world()
    world.fake = FakeRuns(monkeypatch)
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("jx", "nc", "dh", "xh", "jj", "fin_admin", "dh_fin_admin",
                                                           "xh_edu_admin", "staff")}


def new_task(api, token, **changes):  # noqa: F811
    body = {"dataset_id": changes.pop("dataset_id"), "code": "office-2026", "title": "办公用房基本情况统计",
            "period": "2026年度", "deadline": str(timezone.localdate() + timedelta(days=7)),
            "region_codes": ["360102", "360103"], "instructions": "如实填报", **changes}
    return api.post(f"{R}/tasks", body, token=token)


def upload(api, client, token, path, data: dict):  # noqa: F811
    """A multipart POST, its JSON checked against the document like every other call."""
    response = client.post(API + path, data, HTTP_AUTHORIZATION=f"Bearer {token}")
    api.check("POST", path, response)
    return response


def test_a_task_from_creation_to_its_roll_up(api, client, tokens, w):  # noqa: F811
    created = new_task(api, tokens["nc"], dataset_id=w.dataset.pk, unit_ids=[w.finance.pk])
    assert created.status_code == 201
    task = created.json()
    assert task["state"]["code"] == "draft" and task["units"] == 5 and set(task["actions"]) == {"template", "publish"}
    published = api.post(f"{R}/tasks/{task['id']}/publish", token=tokens["nc"]).json()
    assert published["state"]["code"] == "published" and published["summary"]["pending"] == 5
    assert [n["region"]["code"] for n in published["progress"]] == ["360100", "360102", "360103"]

    sent = upload(api, client, tokens["dh_fin_admin"], f"{R}/tasks/{task['id']}/submissions",
                  {"file": csv_upload([row("东湖区财政局", 1200, 30)])})
    assert sent.status_code == 201
    submission = sent.json()
    assert submission["state"]["code"] == "submitted" and submission["run"]["rows_in"] == 1
    assert submission["actions"] == [] and submission["unit"]["id"] == w.dh_finance.pk
    pushed = api.post(f"{R}/tasks/{task['id']}/rows", {"unit_id": w.dh_bureau.pk,
                                                       "rows": [row("东湖区机关事务服务中心", 300, 8)]},
                      token=tokens["dh"])
    assert pushed.status_code == 201 and w.fake.calls[-1] == ("push", w.dh_bureau.pk, True)

    skipped = api.post(f"{R}/submissions/{submission['id']}/accept", token=tokens["jx"])
    assert skipped.status_code == 403 and skipped.json()["code"] == "forbidden"
    returned = api.post(f"{R}/submissions/{submission['id']}/return", {"comment": "面积有误"}, token=tokens["nc"])
    assert returned.json()["state"]["code"] == "returned" and returned.json()["comment"] == "面积有误"
    again = api.post(f"{R}/submissions/{submission['id']}/accept", token=tokens["nc"])
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    second = upload(api, client, tokens["dh_fin_admin"], f"{R}/tasks/{task['id']}/submissions",
                    {"file": csv_upload([row("东湖区财政局", 1100, 30)]), "unit_id": w.dh_finance.pk}).json()
    for pk in (second["id"], pushed.json()["id"]):
        assert api.post(f"{R}/submissions/{pk}/accept", token=tokens["nc"]).json()["state"]["code"] == "accepted"

    county = RollUp.objects.get(task_id=task["id"], region_id="360102").pk
    submitted = api.post(f"{R}/rollups/{county}/submit", token=tokens["dh"]).json()
    assert submitted["state"]["code"] == "submitted" and submitted["figures"]["rows"] == 2
    assert api.post(f"{R}/rollups/{county}/accept", token=tokens["jx"]).status_code == 403
    accepted = api.post(f"{R}/rollups/{county}/accept", token=tokens["nc"]).json()
    assert accepted["state"]["code"] == "accepted" and [e["action"] for e in accepted["timeline"]] == [
        "submit", "accept"]
    city = RollUp.objects.get(task_id=task["id"], region_id="360100").pk
    waiting = api.post(f"{R}/rollups/{city}/submit", token=tokens["nc"])
    assert waiting.status_code == 409 and "西湖区" in waiting.json()["message"]
    detail = api.get(f"{R}/tasks/{task['id']}", token=tokens["dh_fin_admin"]).json()
    assert [(n["region"]["code"], n["rollup"]) for n in detail["progress"]] == [("360102", None)]
    assert detail["progress"][0]["units"][0]["state"] == "accepted"


def test_lists_scope_and_bad_input(api, tokens, w):  # noqa: F811
    task = new_task(api, tokens["nc"], dataset_id=w.dataset.pk).json()
    assert api.get(f"{R}/tasks", token=tokens["nc"]).json()["total"] == 1
    assert api.get(f"{R}/tasks", params={"state": "finished"}, token=tokens["nc"]).json()["total"] == 0
    assert api.get(f"{R}/tasks", token=tokens["jj"]).json()["total"] == 0
    assert api.get(f"{R}/tasks/{task['id']}", token=tokens["jj"]).status_code == 404
    assert api.get(f"{R}/tasks", token=tokens["staff"]).status_code == 403
    bad = api.get(f"{R}/tasks", params={"sort": "password"}, token=tokens["nc"])
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "sort"
    refused = new_task(api, tokens["nc"], dataset_id=w.dataset.pk, code="x y", region_codes=[], colour="red")
    assert refused.status_code == 400 and {e["field"] for e in refused.json()["errors"]} == {"colour"}
    refused = new_task(api, tokens["nc"], dataset_id=w.dataset.pk, code="office-2026")
    assert refused.status_code == 400 and refused.json()["field"] == "code"
    unit = api.post(f"{R}/tasks", {"dataset_id": w.dataset.pk, "code": "u", "title": "t", "period": "p",
                                   "deadline": "2030-01-01", "unit_ids": [w.finance.pk]}, token=tokens["fin_admin"])
    assert unit.status_code == 403
    draft = api.post(f"{R}/tasks/{task['id']}/rows", {"rows": [row("x", 1, 1)]}, token=tokens["dh_fin_admin"])
    assert draft.status_code == 409


def test_the_template_download(client, tokens, w, api):  # noqa: F811
    task = new_task(api, tokens["nc"], dataset_id=w.dataset.pk).json()
    response = client.get(f"{API}{R}/tasks/{task['id']}/template", HTTP_AUTHORIZATION=f"Bearer {tokens['dh']}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet.data_validations.dataValidation


def test_packages_through_the_api(api, client, tokens, w, settings):  # noqa: F811
    key = api.get(f"{R}/installation", token=tokens["jx"]).json()
    assert key["installation_id"] == "province-36" and "BEGIN PUBLIC KEY" in key["public_key"]
    assert api.get(f"{R}/installation", token=tokens["fin_admin"]).status_code == 403
    peer = api.post(f"{R}/peers", {"installation_id": "hunan", "name": "湖南省平台", "public_key": key["public_key"],
                                   "unit_id": w.province_bureau.pk}, token=tokens["jx"])
    assert peer.status_code == 201 and peer.json()["unit"]["id"] == w.province_bureau.pk
    off = api.post(f"{R}/peers/{peer.json()['id']}/active", {"active": False}, token=tokens["jx"])
    assert off.json()["active"] is False
    assert [p["name"] for p in api.get(f"{R}/peers", token=tokens["jx"]).json()] == ["湖南省平台"]
    refused = upload(api, client, tokens["jx"], f"{R}/imports", {"file": csv_upload([], name="p.zip")})
    assert refused.status_code == 400 and refused.json()["code"] == "package_refused"
    log = api.get(f"{R}/imports", params={"outcome": "refused"}, token=tokens["jx"]).json()
    assert log["total"] == 1 and log["items"][0]["file_name"] == "p.zip"
    assert api.get(f"{R}/packages", token=tokens["jx"]).json()["items"] == []
    unfinished = new_task(api, tokens["nc"], dataset_id=w.dataset.pk).json()
    export = api.post(f"{R}/tasks/{unfinished['id']}/packages", token=tokens["nc"])
    assert export.status_code == 409 and json.loads(export.content)["code"] == "invalid_state"


def test_the_task_list_runs_a_fixed_number_of_queries(api, tokens, w):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{R}/tasks", token=tokens["dh_fin_admin"]).status_code == 200
        return len(captured)

    new_task(api, tokens["nc"], dataset_id=w.dataset.pk)
    queries()  # the first call fills the token and grant caches
    few = queries()
    for n in range(5):
        new_task(api, tokens["nc"], dataset_id=w.dataset.pk, code=f"more-{n}")
    assert queries() == few
