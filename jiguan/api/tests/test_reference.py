"""Public reference data (regions, dictionaries), the enabled modules, and /me for an administrator."""

import pytest

from jiguan.core.models import Dictionary, ModuleEnablement
from jiguan.core.registry import ModuleSpec, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(api, staff):
    return api.token(staff)


def test_regions_by_parent(api, token):
    top = api.get("/regions", token=token).json()
    assert [r["code"] for r in top["items"]] == ["000000"]
    cities = api.get("/regions", params={"parent": "360000", "page_size": 100}, token=token).json()
    assert cities["total"] == len(cities["items"]) >= 11
    assert {"code": "360100", "name": "南昌市"} in [{"code": r["code"], "name": r["name"]} for r in cities["items"]]
    assert all(r["parent"]["code"] == "360000" and r["level"]["code"] == "city" for r in cities["items"])


def test_region_detail_and_404(api, token):
    body = api.get("/regions/360102", token=token).json()
    assert (body["name"], body["parent"]["code"], body["level"]["code"]) == ("东湖区", "360100", "county")
    assert api.get("/regions/999999", token=token).status_code == 404


def test_region_parent_must_be_a_code(api, token):
    response = api.get("/regions", params={"parent": "南昌"}, token=token)
    assert response.status_code == 400 and response.json()["field"] == "parent"


def test_regions_need_sign_in(api):
    assert api.get("/regions").status_code == 401


def test_dictionary_lists_active_items_in_order(api, token):
    dictionary = Dictionary.objects.prefetch_related("items").first()
    items = list(dictionary.items.order_by("sort", "code"))
    items[0].active = False
    items[0].save()
    body = api.get(f"/dictionaries/{dictionary.code}", token=token).json()
    assert body["name"] == dictionary.name
    assert [i["code"] for i in body["items"]] == [i.code for i in items[1:]]
    assert api.get("/dictionaries/no-such-code", token=token).status_code == 404


@pytest.fixture
def housing_module():
    spec = registry.register(ModuleSpec(code="apitest_housing", name="周转住房", description="测试模块"))
    yield spec
    registry.unregister(spec.code)


def test_modules_follow_region_enablement(api, token, housing_module):
    listed = api.get("/modules", token=token).json()
    assert {"code": "apitest_housing", "name": "周转住房", "description": "测试模块", "icon": "box",
            "api_prefix": None} in listed
    ModuleEnablement.objects.create(region_id="360100", module="apitest_housing", enabled=False)
    assert "apitest_housing" not in [m["code"] for m in api.get("/modules", token=token).json()]
    assert "apitest_housing" not in [m["code"] for m in api.get("/me", token=token).json()["modules"]]


def test_me_for_an_administrator(api, region_admin):
    me = api.get("/me", token=api.token(region_admin)).json()
    assert me["unit"]["region"]["code"] == "360100"
    assert [r["code"] for r in me["roles"]] == ["region_bureau_admin"]
    assert {"core.view_people", "core.manage_units"} <= set(me["permissions"])
    assert me["permissions"] == sorted(me["permissions"])
