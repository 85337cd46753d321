"""A business module's service pages, mounted at /service/<code>/, sit behind the portal's gate: login,
``core.use_service``, and the module enabled for the user's region."""

import pytest
from django.urls import reverse

from jiguan.core.models import ModuleEnablement

from .module_urls import MODULE

pytestmark = pytest.mark.urls("jiguan.portals.service.tests.urls_with_module")


@pytest.fixture
def demo_module(register_module):
    return register_module(MODULE)


def test_the_module_page_is_mounted_under_its_code(demo_module, staff_client):
    assert reverse("service:zz_demo:hello") == "/service/zz_demo/hello/"
    response = staff_client.get("/service/zz_demo/hello/")
    assert response.content == b"hello zhangsan"


def test_the_module_tile_links_to_its_page(demo_module, staff_client):
    assert 'href="/service/zz_demo/hello/"' in staff_client.get(reverse("service:home")).content.decode()


def test_the_module_page_needs_a_login(demo_module, client, db):
    response = client.get("/service/zz_demo/hello/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_the_module_page_is_closed_where_the_module_is_not_enabled(demo_module, world, staff_client):
    ModuleEnablement.objects.create(region_id="360100", module="zz_demo", enabled=False)
    response = staff_client.get("/service/zz_demo/hello/")
    assert response.status_code == 403
    assert "本地区尚未开通“演示业务”" in response.content.decode()
