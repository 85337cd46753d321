"""The catalog API: every response checked against the OpenAPI document; datasets, the data service (scope,
masking, export log), sources (URL masked) and lineage (scoped graph)."""

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.models import AccessLog

from .test_catalog import PERSON_FIELDS, build_world, make_dataset, publish

pytestmark = pytest.mark.django_db
CAT = "/datahub/catalog"


@pytest.fixture
def w(db):
    world = build_world()
    world.persons = make_dataset(world)
    publish(world.persons, [
        ("张伟", "360102198503011234", "1", "13800001111", 40, "2010-07-01", world.finance.org_path),
        ("王芳", "360402198812031236", "2", "13700003333", 37, "2012-03-01", world.jiujiang.org_path),
    ])
    return world


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("jx_admin", "nc_admin", "unit_admin", "staff")}


def test_datasets_are_searched_and_described(api, tokens, w):  # noqa: F811
    body = api.get(f"{CAT}/datasets", params={"q": "身份证"}, token=tokens["unit_admin"]).json()
    assert [d["code"] for d in body["items"]] == ["persons"] and body["total"] == 1
    assert body["items"][0]["current_version"]["rows"] == 2
    detail = api.get(f"{CAT}/datasets/persons", token=tokens["unit_admin"]).json()
    assert [f["name"] for f in detail["fields"]] == [f["name"] for f in PERSON_FIELDS]
    assert api.get(f"{CAT}/datasets", params={"layer": "topic"}, token=tokens["jx_admin"]).json()["items"] == []
    assert api.get(f"{CAT}/datasets", token=tokens["staff"]).status_code == 403


def test_rows_are_scoped_filtered_and_masked(api, tokens):  # noqa: F811
    rows = api.get(f"{CAT}/datasets/persons/rows", token=tokens["jx_admin"]).json()
    assert rows["total"] == 2 and {c["name"] for c in rows["columns"] if c["masked"]} == {"id_number", "phone"}
    mine = api.get(f"{CAT}/datasets/persons/rows", token=tokens["unit_admin"]).json()["items"]
    assert [(r["name"], r["id_number"], r["age"], r["entry_date"]) for r in mine] == [
        ("张伟", "360102********1234", 40, "2010-07-01")]
    filtered = api.get(f"{CAT}/datasets/persons/rows", params={"gender": "2", "sort": "-age"},
                       token=tokens["jx_admin"]).json()
    assert [r["name"] for r in filtered["items"]] == ["王芳"]
    bad = api.get(f"{CAT}/datasets/persons/rows", params={"age": "old"}, token=tokens["jx_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "age"
    assert api.get(f"{CAT}/datasets/persons/rows", token=tokens["staff"]).status_code == 403


def test_export_is_access_logged(api, tokens, client):  # noqa: F811
    response = client.get(f"/api/v1{CAT}/datasets/persons/export", HTTP_AUTHORIZATION=f"Bearer {tokens['nc_admin']}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLog.objects.filter(kind="export", detail__contains="persons: 1 rows").exists()


def test_datasets_are_created_and_their_schema_replaced(api, tokens, w):  # noqa: F811
    payload = {"unit_id": w.nc_bureau.pk, "code": "cars", "name": "公务用车", "layer": "base",
               "fields": [{"name": "plate", "label": "车牌号", "required": True, "unique": True}]}
    created = api.post(f"{CAT}/datasets", payload, token=tokens["nc_admin"])
    assert created.status_code == 201 and created.json()["fields"][0]["label"] == "车牌号"
    bad = api.call("PUT", f"{CAT}/datasets/cars/schema", {"fields": [{"name": "Plate", "label": "车牌号"}]},
                  token=tokens["nc_admin"])
    assert bad.status_code == 400 and bad.json()["field"] == "fields.0.name"
    fields = [*payload["fields"], {"name": "seats", "label": "座位数", "type": "integer", "minimum": 2}]
    saved = api.call("PUT", f"{CAT}/datasets/cars/schema", {"fields": fields}, token=tokens["nc_admin"]).json()
    assert saved["fields"][1]["minimum"] in (2, "2", "2.0000")
    patched = api.patch(f"{CAT}/datasets/cars", {"layer": "topic"}, token=tokens["nc_admin"]).json()
    assert patched["layer"]["code"] == "topic"
    assert api.patch(f"{CAT}/datasets/persons", {"layer": "topic"}, token=tokens["nc_admin"]).status_code == 404


def test_sources_crud_masks_the_url(api, tokens, w):  # noqa: F811
    payload = {"unit_id": w.province.pk, "code": "hr", "name": "人事管理系统", "kind": "system", "channel": "pull",
               "pull_url": "postgresql://hr:secret@db/hr", "pull_query": "SELECT * FROM staff"}
    source = api.post(f"{CAT}/sources", payload, token=tokens["jx_admin"]).json()
    assert source["pull_url"] == "postgresql://hr:****@db/hr"
    assert api.get(f"{CAT}/sources/{source['id']}", token=tokens["nc_admin"]).status_code == 404
    assert api.get(f"{CAT}/sources", token=tokens["unit_admin"]).status_code == 403
    renamed = api.patch(f"{CAT}/sources/{source['id']}", {"name": "人事系统"}, token=tokens["jx_admin"]).json()
    assert renamed["name"] == "人事系统" and renamed["pull_url"] == source["pull_url"]
    done = api.post(f"{CAT}/sources/{source['id']}/deactivate", {"comment": "停用"}, token=tokens["jx_admin"])
    assert done.json()["active"] is False
    again = api.post(f"{CAT}/sources/{source['id']}/deactivate", {}, token=tokens["jx_admin"])
    assert again.status_code == 409
    listed = api.get(f"{CAT}/sources", params={"active": False}, token=tokens["jx_admin"]).json()
    assert [s["code"] for s in listed["items"]] == ["hr"]


def test_lineage_graph_is_scoped_and_edges_are_managed(api, tokens, w):  # noqa: F811
    make_dataset(w, code="hr_raw", layer="raw")
    make_dataset(w, code="jj_raw", unit=w.jiujiang, layer="raw")
    edge = api.post(f"{CAT}/lineage", {"origin_code": "hr_raw", "target_code": "persons"}, token=tokens["jx_admin"])
    assert edge.status_code == 201
    api.post(f"{CAT}/lineage", {"origin_code": "jj_raw", "target_code": "persons"}, token=tokens["jx_admin"])
    graph = api.get(f"{CAT}/lineage", token=tokens["nc_admin"]).json()
    assert {n["code"] for n in graph["nodes"]} == {"persons", "hr_raw"} and len(graph["edges"]) == 1
    refused = api.post(f"{CAT}/lineage", {"origin_code": "hr_raw", "target_code": "persons"}, token=tokens["nc_admin"])
    assert refused.status_code == 400 and refused.json()["field"] == "target_code"
    assert api.delete(f"{CAT}/lineage/{edge.json()['id']}", token=tokens["nc_admin"]).status_code == 404
    assert api.delete(f"{CAT}/lineage/{edge.json()['id']}", token=tokens["jx_admin"]).status_code == 204
