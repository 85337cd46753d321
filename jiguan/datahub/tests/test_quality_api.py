"""The quality API: every response checked against the OpenAPI document; scope (a unit sees its own
discrepancies and issues, a bureau its region's, 404 outside), the permission matrix, the error shape of bad
input, and the issue's closed loop through the same services the portal calls."""

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.datahub.models import DataElement, QualityIssue
from jiguan.datahub.services import quality

from .test_quality_world import build, load, make_run, submit

pytestmark = pytest.mark.django_db
Q = "/datahub/quality"
PEOPLE = [("360102198501010011", "张三", "一级主任科员"), ("360102198601010022", "李四", "二级主任科员")]


@pytest.fixture
def w(db):
    world = build()
    submit(world.personnel, world.bureau, PEOPLE)
    submit(world.payroll, world.finance, [(PEOPLE[0][0], "张三", "科员"), (PEOPLE[1][0], "李四", "科员")])
    submit(world.jj_payroll, world.jiujiang, [(PEOPLE[1][0], "李四", "科员")])
    world.issue = QualityIssue.objects.get(unit=world.finance)
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("jx_admin", "nc_admin", "fin_admin", "jj_admin", "staff")}


def keys(response) -> list[str]:
    return sorted(item["key"] for item in response.json()["items"])


@pytest.mark.parametrize(("who", "expected"), [("jx_admin", 3), ("nc_admin", 2), ("fin_admin", 2), ("jj_admin", 1)])
def test_discrepancies_are_scoped_by_org_path(api, tokens, who, expected):  # noqa: F811
    assert len(keys(api.get(f"{Q}/discrepancies", token=tokens[who]))) == expected


@pytest.mark.parametrize("path", ["/elements", "/discrepancies", "/issues", "/overview", "/reasons"])
def test_staff_are_refused(api, tokens, path):  # noqa: F811
    response = api.get(Q + path, token=tokens["staff"])
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_filters_and_the_issue_list(api, tokens, w):  # noqa: F811
    found = api.get(f"{Q}/discrepancies", params={"dataset": w.jj_payroll.pk, "state": "open"},
                    token=tokens["jx_admin"]).json()["items"]
    assert [(d["key"], d["authoritative_value"], d["other_value"], d["unit"]["name"]) for d in found] == [
        (PEOPLE[1][0], "二级主任科员", "科员", "九江市财政局")]
    [issue] = api.get(f"{Q}/issues", token=tokens["fin_admin"]).json()["items"]
    assert (issue["found"], issue["stage"], issue["reason"], issue["unit"]["name"]) == (2, "new", None, "南昌市财政局")
    assert api.get(f"{Q}/issues", params={"stage": "resolved"}, token=tokens["jx_admin"]).json()["items"] == []


def test_out_of_scope_issue_answers_404(api, tokens, w):  # noqa: F811
    response = api.get(f"{Q}/issues/{w.issue.pk}", token=tokens["jj_admin"])
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.post(f"{Q}/issues/{w.issue.pk}/assign", {}, token=tokens["jj_admin"]).status_code == 404


def test_issue_closed_loop_over_the_api(api, tokens, w):  # noqa: F811
    url = f"{Q}/issues/{w.issue.pk}"
    assert api.get(url, token=tokens["nc_admin"]).json()["actions"] == ["acknowledge"]
    assert api.post(f"{url}/acknowledge", {}, token=tokens["fin_admin"]).status_code == 403
    assert api.post(f"{url}/acknowledge", {"comment": "请核实"}, token=tokens["nc_admin"]).json()["stage"] == "acknowledged"
    assert api.post(f"{url}/resolve", {"reason": "other", "comment": "x"}, token=tokens["fin_admin"]).status_code == 409
    assigned = api.post(f"{url}/assign", {}, token=tokens["fin_admin"]).json()
    assert (assigned["stage"], assigned["assignee"]["id"]) == ("assigned", w.fin_admin.pk)
    bad = api.post(f"{url}/resolve", {"reason": "nope", "comment": "已更正"}, token=tokens["fin_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    done = api.post(f"{url}/resolve", {"reason": "definition", "comment": "口径已统一"}, token=tokens["fin_admin"]).json()
    assert (done["stage"], done["reason"]["label"]) == ("resolved", "口径不一致")
    counts = api.get(f"{Q}/reasons/counts", token=tokens["nc_admin"]).json()
    assert counts == [{"reason": "口径不一致", "count": 1}]


def test_elements_over_the_api(api, tokens, w):  # noqa: F811
    listed = api.get(f"{Q}/elements", token=tokens["fin_admin"]).json()
    assert listed["total"] == 1 and len(listed["items"][0]["carriers"]) == 3
    payload = {"code": "unit-name", "name": "单位名称", "entity": "单位（编号）", "dataset_id": w.personnel.pk,
               "field": "name", "key_field": "id_number"}
    assert api.post(f"{Q}/elements", payload, token=tokens["fin_admin"]).status_code == 403
    bad = api.post(f"{Q}/elements", {**payload, "field": "nope", "colour": "red"}, token=tokens["jx_admin"])
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"colour"}
    created = api.post(f"{Q}/elements", payload, token=tokens["jx_admin"])
    assert created.status_code == 201 and created.json()["carriers"][0]["authoritative"] is True
    element = DataElement.objects.get(code="unit-name")
    carrier = api.post(f"{Q}/elements/{element.pk}/carriers", {"dataset_id": w.payroll.pk, "field": "name",
                                                               "key_field": "id_number"}, token=tokens["jx_admin"])
    assert carrier.status_code == 201 and len(carrier.json()["carriers"]) == 2
    renamed = api.patch(f"{Q}/elements/{element.pk}", {"name": "单位全称", "entity": "单位"}, token=tokens["jx_admin"])
    assert renamed.json()["name"] == "单位全称"
    other = element.carriers.get(authoritative=False)
    assert api.delete(f"{Q}/carriers/{other.pk}", token=tokens["jx_admin"]).status_code == 204


def test_measures_trend_and_overview(api, tokens, w):  # noqa: F811
    from jiguan.datahub import store

    run = make_run(w.payroll, w.finance)
    con = store.connect()
    load(con, "clean", [PEOPLE[0]], w.finance.org_path)
    quality.reconcile(con, run, "clean")
    quality.measure(con, run, staged="clean", good="clean", rejected_rows=0)
    measured = api.get(f"{Q}/runs/{run.pk}", token=tokens["fin_admin"]).json()
    assert (measured["validity"], measured["consistency"], measured["rows"]) == (100, 100, 1)
    assert api.get(f"{Q}/runs/{run.pk}", token=tokens["jj_admin"]).status_code == 404
    trend = api.get(f"{Q}/datasets/{w.payroll.pk}/trend", token=tokens["fin_admin"]).json()
    assert [point["completeness"] for point in trend] == [100]
    [row] = api.get(f"{Q}/overview", token=tokens["nc_admin"]).json()
    assert row["dataset"]["code"] == "payroll" and row["overall"] == 100
