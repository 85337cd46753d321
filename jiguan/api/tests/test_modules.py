"""Module routers come from the registry, share the API's auth, error shape and docs, and answer only
where the module is enabled for the caller's region."""

import pytest
from ninja.testing import TestClient

from jiguan.api.api import build_api
from jiguan.core.context import acting
from jiguan.core.models import ModuleEnablement
from jiguan.core.registry import ModuleSpec, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def module_api():
    spec = registry.register(
        ModuleSpec(code="apitest_rooms", name="会议室", api_router="jiguan.api.tests.sample_module.router")
    )
    # ninja's TestClient skips the middleware that gives each request its own audit context: give the
    # test one, so the actor the token sets does not outlive it.
    try:
        with acting():
            yield build_api()
    finally:
        registry.unregister(spec.code)


def test_module_router_is_mounted_with_the_api_auth(module_api, api, staff):
    client = TestClient(module_api)
    assert client.get("/apitest_rooms/hello").status_code == 401
    token = api.token(staff)
    response = client.get("/apitest_rooms/hello", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json() == {"username": "nc_staff"}
    schema = module_api.get_openapi_schema(path_prefix="/api/v1/")
    operation = schema["paths"]["/api/v1/apitest_rooms/hello"]["get"]
    assert operation["tags"] == ["apitest_rooms"] and operation["operationId"] == "sample_module_hello"
    assert {"name": "apitest_rooms", "description": "会议室"} in schema["tags"]


def test_disabled_module_answers_403_in_the_error_shape(module_api, api, staff):
    ModuleEnablement.objects.create(region_id="360000", module="apitest_rooms", enabled=False)
    token = api.token(staff)
    response = TestClient(module_api).get("/apitest_rooms/hello", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["code"] == "module_disabled" and response.json()["errors"]
