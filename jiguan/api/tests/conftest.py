"""API test fixtures: ``api`` is an ``ApiClient`` (see openapi.py) checking every response against the
OpenAPI document; ``org`` is a small 南昌/九江 organisation with a region administrator and a staff member."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from jiguan.core.testing import make_account, make_department, make_person, make_unit

from .openapi import API, ApiClient, OpenApiDocument


@pytest.fixture(scope="session")
def openapi_document(django_db_blocker) -> OpenApiDocument:
    with django_db_blocker.unblock():
        response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return OpenApiDocument(response.json())


@pytest.fixture(autouse=True)
def _api_settings(settings):
    # Administrators sign in by password here; the second factor has its own tests (core/tests/test_auth*).
    settings.REQUIRE_ADMIN_2FA = False
    cache.clear()  # rate-limit counters must not leak between tests


@pytest.fixture
def api(client, openapi_document) -> ApiClient:
    return ApiClient(client, openapi_document)


@pytest.fixture
def org(db):
    """南昌市 (3601): the bureau, 财政局 with a department and a sub-unit, 东湖区 (360102);
    九江市 (3604) apart, outside a 南昌 administrator's scope."""
    bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    return {
        "bureau": bureau,
        "finance": finance,
        "finance_office": make_department(finance),
        "finance_sub": make_unit("360100", "南昌市财政局国库支付中心", parent=finance),
        "donghu": make_unit("360102", "南昌市东湖区财政局"),
        "jiujiang": make_unit("360400", "九江市财政局"),
    }


@pytest.fixture
def region_admin(org):
    """南昌市 bureau administrator: region scope over 3601."""
    return make_account("nc_admin", roles=("region_bureau_admin",), unit=org["bureau"])


@pytest.fixture
def staff(org):
    return make_account("nc_staff", roles=("staff",), unit=org["finance"])


@pytest.fixture
def outsider(org):
    """A person in 九江, outside the 南昌 administrator's scope."""
    return make_person(org["jiujiang"], name="九江人员")
