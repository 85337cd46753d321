"""The catalog's portal pages: status codes, denials (the portal gate, the permission, 404 out of scope),
the masked data page and its logged export, one form post each for a source, a dataset, its schema and a
lineage edge."""

import pytest
from django.urls import reverse

from jiguan.core.models import AccessLog
from jiguan.core.testing import PASSWORD
from jiguan.datahub.models import Dataset, Lineage, Source

from .test_catalog import build_world, make_dataset, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    world = build_world()
    world.persons = make_dataset(world)
    publish(world.persons, [
        ("张伟", "360102198503011234", "1", "13800001111", 40, "2010-07-01", world.finance.org_path),
        ("王芳", "360402198812031236", "2", "13700003333", 37, "2012-03-01", world.jiujiang.org_path),
    ])
    return world


def login(client, account):
    assert client.login(username=account.username, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_ADMIN_2FA = False


def test_pages_answer_for_a_bureau_administrator(client, w):
    login(client, w.jx_admin)
    for name, args in (("catalog", []), ("dataset", ["persons"]), ("dataset_data", ["persons"]), ("schema", ["persons"]),
                       ("dataset_edit", ["persons"]), ("dataset_create", []), ("sources", []),
                       ("source_create", []), ("lineage", [])):
        response = client.get(reverse(f"manage:datahub:{name}", args=args))
        assert response.status_code == 200, name
    page = client.get(reverse("manage:datahub:catalog"), {"text": "身份证"}).content.decode()
    assert "人员基础信息" in page
    owned = client.get(reverse("manage:datahub:catalog"), {"owner": w.persons.unit_id}).content.decode()
    others = client.get(reverse("manage:datahub:catalog"), {"owner": w.jiujiang.pk}).content.decode()
    assert "人员基础信息" in owned and "人员基础信息" not in others  # the owner is picked, not typed
    schema = client.get(reverse("manage:datahub:dataset", args=["persons"]), headers={"Accept-Language": "zh-hans"})
    assert "字典 性别" in schema.content.decode()  # the dictionary as users know it, not its code


def test_the_data_page_is_scoped_masked_and_its_export_logged(client, w):
    login(client, w.unit_admin)
    page = client.get(reverse("manage:datahub:dataset_data", args=["persons"])).content.decode()
    assert "张伟" in page and "王芳" not in page and "360102********1234" in page and "198503011234" not in page
    export = client.get(reverse("manage:datahub:dataset_data", args=["persons"]), {"export": "xlsx"})
    assert export.status_code == 200 and AccessLog.objects.filter(kind="export", actor=w.unit_admin).exists()
    bad = client.get(reverse("manage:datahub:dataset_data", args=["persons"]), {"age": "old"})
    assert bad.status_code == 200 and "张伟" not in bad.content.decode()


def test_denials(client, w):
    make_dataset(w, code="jj_own", unit=w.jiujiang)
    login(client, w.staff)
    assert client.get(reverse("manage:datahub:catalog")).status_code == 403
    client.logout()
    login(client, w.unit_admin)
    assert client.get(reverse("manage:datahub:sources")).status_code == 403
    assert client.get(reverse("manage:datahub:schema", args=["persons"])).status_code == 403
    assert client.get(reverse("manage:datahub:dataset", args=["jj_own"])).status_code == 404
    client.logout()
    login(client, w.nc_admin)
    assert client.get(reverse("manage:datahub:schema", args=["persons"])).status_code == 404
    assert client.get(reverse("manage:datahub:dataset", args=["persons"])).status_code == 200
    assert client.get(reverse("manage:datahub:dataset", args=["jj_own"])).status_code == 404


def test_a_source_is_registered_shown_masked_and_deactivated(client, w):
    login(client, w.jx_admin)
    response = client.post(reverse("manage:datahub:source_create"), {
        "unit": w.province.pk, "code": "assets", "name": "资产管理系统", "kind": "system", "channel": "pull",
        "frequency": "daily", "pull_url": "postgresql://asset:pw123@10.0.0.5/assets", "pull_query": "SELECT 1"})
    source = Source.objects.get(code="assets")
    assert response.status_code == 302
    page = client.get(reverse("manage:datahub:source", args=[source.pk])).content.decode()
    assert "postgresql://asset:****@10.0.0.5/assets" in page and "pw123" not in page
    client.post(reverse("manage:datahub:source_deactivate", args=[source.pk]), {"comment": "系统下线"})
    source.refresh_from_db()
    assert not source.active


def test_a_dataset_and_its_schema_are_made_through_the_forms(client, w):
    login(client, w.nc_admin)
    client.post(reverse("manage:datahub:dataset_create"), {
        "unit": w.nc_bureau.pk, "code": "cars", "name": "公务用车", "layer": "base", "sensitivity": "internal",
        "frequency": "monthly"})
    assert Dataset.objects.filter(code="cars").exists()
    management = {"fields-TOTAL_FORMS": "2", "fields-INITIAL_FORMS": "0", "rules-TOTAL_FORMS": "1",
                  "rules-INITIAL_FORMS": "0"}
    bad = client.post(reverse("manage:datahub:schema", args=["cars"]), {
        **management, "fields-0-name": "Plate", "fields-0-label": "车牌号", "fields-0-type": "text"})
    assert bad.status_code == 400 and "Plate" in bad.content.decode()
    good = client.post(reverse("manage:datahub:schema", args=["cars"]), {
        **management, "fields-0-name": "plate", "fields-0-label": "车牌号", "fields-0-type": "text",
        "fields-0-required": "on", "fields-1-name": "seats", "fields-1-label": "座位数", "fields-1-type": "integer",
        "fields-1-minimum": "2"})
    assert good.status_code == 302
    assert list(Dataset.objects.get(code="cars").fields.values_list("name", flat=True)) == ["plate", "seats"]


def test_lineage_edges_are_added_and_removed_on_the_page(client, w):
    make_dataset(w, code="hr_raw", layer="raw")
    login(client, w.jx_admin)
    client.post(reverse("manage:datahub:lineage_add"), {"origin": "hr_raw", "target": "persons", "note": "清洗"})
    edge = Lineage.objects.get()
    page = client.get(reverse("manage:datahub:lineage")).content.decode()
    assert "清洗" in page and "lineage-data" in page
    again = client.post(reverse("manage:datahub:lineage_add"), {"origin": "hr_raw", "target": "persons"})
    assert again.status_code == 400
    client.post(reverse("manage:datahub:lineage_remove", args=[edge.pk]))
    assert not Lineage.objects.exists()


def test_a_module_dataset_names_its_module_as_users_know_it(client, w):
    from jiguan.datahub.services import catalog

    catalog.sync_module_datasets()
    login(client, w.jx_admin)
    page = client.get(reverse("manage:datahub:catalog"), {"text": "officespace.rooms"}).content.decode()
    assert "办公用房模块" in page and "officespace 模块" not in page
    page = client.get(reverse("manage:datahub:dataset", args=["officespace.rooms"])).content.decode()
    assert "办公用房模块" in page


def test_the_quality_trend_is_labelled_in_local_time(w, monkeypatch):
    from datetime import UTC, datetime

    from jiguan.datahub.services import quality
    from jiguan.datahub.views import catalog as views

    measured = {"completeness": 100.0, "validity": 90.0, "uniqueness": 100.0, "consistency": 100.0, "timeliness": 100}
    monkeypatch.setattr(quality, "trend", lambda dataset: [{"at": datetime(2026, 11, 28, 6, 50, tzinfo=UTC), **measured}])
    chart = views._trend_chart(w.persons)
    assert chart["at"] == ["2026-11-28 14:50"]  # Beijing time, as every other time on the page
    assert chart["series"][1] == {"name": "有效性", "data": [90.0]}
