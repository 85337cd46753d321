"""The OpenAPI document is valid and the docs page works on an intranet: nothing from outside."""

import re

import pytest
from openapi_spec_validator import validate

from jiguan.api.api import KERNEL_ROUTERS

from .openapi import API

pytestmark = pytest.mark.django_db
EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_openapi_document_is_valid(openapi_document):
    validate(openapi_document.document)
    paths = openapi_document.document["paths"]
    assert f"{API}/people" in paths and f"{API}/auth/token" in paths
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert {t["name"] for t in openapi_document.document["tags"]} >= {area for _p, area, _d in KERNEL_ROUTERS}


def test_every_operation_documents_the_error_shape(openapi_document):
    for path, operations in openapi_document.document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["default"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, f"{method} {path}"


def test_docs_page_loads_nothing_from_outside(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html and "/static/ninja/" in html
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    assert "cdn" not in html.lower()


def test_docs_assets_are_served_locally(client):
    html = client.get(f"{API}/docs").content.decode()
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_in_a_browser_without_leaving_the_server(page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{page.base_url}{API}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.get_by_text("/api/v1/people", exact=True).count() >= 1
    outside = [url for url in requested if not url.startswith(page.base_url) and not url.startswith("data:")]
    assert not outside, outside
