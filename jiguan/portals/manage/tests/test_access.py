"""Who enters the portal, what the menu offers each administrator, and how modules are mounted and gated."""

import importlib
import re

import pytest
from django.urls import clear_url_caches, reverse
from django.utils import translation

from jiguan.core.models import ModuleEnablement, Region, Role, RoleAssignment
from jiguan.core.registry import MenuItem, ModuleSpec, Permission, registry
from jiguan.core.scoping import Scope
from jiguan.core.testing import make_account
from jiguan.portals.manage.menu import build_menu

pytestmark = pytest.mark.django_db


def menu_urls(account) -> set[str]:
    return {
        url
        for section in build_menu(account)
        for entry in section.entries
        for url in [entry.url, *(child.url for child in entry.children)]
    }


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("manage:units"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_htmx_request_of_anonymous_visitor_gets_a_client_redirect(client):
    response = client.get(reverse("manage:units"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("core:login"))


def test_staff_member_gets_a_friendly_403_pointing_to_the_service_portal(login):
    client = login("staff")
    with translation.override("zh-hans"):
        response = client.get(reverse("manage:home"), headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 403
    html = response.content.decode()
    assert reverse("service:home") in html
    assert "服务入口" in html
    assert 'id="sidebar-menu"' not in html  # no portal chrome for someone who cannot enter


def test_staff_member_cannot_reach_any_page_by_its_address(login, org):
    client = login("staff")
    for url in (reverse("manage:units"), reverse("manage:people"), reverse("manage:audit_changes"),
                reverse("manage:unit_edit", args=[org["finance"].pk])):
        assert client.get(url).status_code == 403, url


def test_menu_shows_only_the_entries_each_role_permits(people):
    sysadmin, auditor, unit_admin = (menu_urls(people[n]) for n in ("sysadmin", "auditor", "unit_admin"))
    assert {reverse("manage:units"), reverse("manage:modules"), reverse("manage:jobs")} <= sysadmin
    assert reverse("manage:audit_changes") not in sysadmin and reverse("manage:roles") not in sysadmin

    assert {reverse("manage:audit_changes"), reverse("manage:audit_logins"), reverse("manage:audit_access")} <= auditor
    assert reverse("manage:units") not in auditor and reverse("manage:events") not in auditor

    assert {reverse("manage:units"), reverse("manage:people"), reverse("manage:accounts"),
            reverse("manage:events")} <= unit_admin
    assert not {reverse("manage:roles"), reverse("manage:modules"), reverse("manage:jobs"),
                reverse("manage:audit_changes")} & unit_admin


def test_rendered_sidebar_has_no_link_to_a_forbidden_page(login):
    html = login("auditor").get(reverse("manage:home")).content.decode()
    sidebar = html.split('id="sidebar-menu"', 1)[1].split("</aside>", 1)[0]
    links = set(re.findall(r'href="(/manage/[^"]*)"', sidebar))
    assert reverse("manage:audit_changes") in links
    assert reverse("manage:units") not in links and reverse("manage:accounts") not in links


def test_page_outside_the_users_permissions_is_403(login):
    assert login("unit_admin").get(reverse("manage:roles")).status_code == 403
    assert login("auditor").get(reverse("manage:units")).status_code == 403


# --- Business modules -----------------------------------------------------------------------------

FAKE = ModuleSpec(
    code="fakemod",
    name="测试模块",
    permissions=(Permission("fakemod.bid", "参加竞价", service_only=True), Permission("fakemod.keep", "保管")),
    manage_menu=(MenuItem("测试模块首页", "manage:fakemod:index", "box"),),
    manage_urls="jiguan.portals.manage.tests.fake_module_urls",
)


def _reload_urls():
    import jiguan.config.urls
    import jiguan.portals.manage.urls

    importlib.reload(jiguan.portals.manage.urls)
    importlib.reload(jiguan.config.urls)
    clear_url_caches()


@pytest.fixture
def fake_module():
    registry.register(FAKE)
    _reload_urls()
    yield FAKE
    registry.unregister(FAKE.code)
    _reload_urls()


def test_module_pages_are_mounted_under_its_code_and_in_the_menu(login, people, fake_module):
    client = login("sysadmin")
    response = client.get("/manage/fakemod/")
    assert response.status_code == 200 and response.content == b"fake module index"
    assert reverse("manage:fakemod:index") in menu_urls(people["sysadmin"])


def test_module_disabled_for_the_region_is_hidden_and_closed(login, people, fake_module):
    nanchang = Region.objects.get(code="360100")
    ModuleEnablement.objects.create(region=nanchang, module=FAKE.code, enabled=False)
    assert reverse("manage:fakemod:index") not in menu_urls(people["sysadmin"])
    assert login("sysadmin").get("/manage/fakemod/").status_code == 403


def test_module_pages_keep_the_portal_gate(login, fake_module):
    assert login("staff").get("/manage/fakemod/").status_code == 403


@pytest.mark.parametrize(("permissions", "status"), [
    (["core.use_service", "fakemod.bid"], 403),  # service-only permissions open no door to the portal
    (["core.use_service", "fakemod.bid", "fakemod.keep"], 200),
])
def test_only_permissions_beyond_the_service_portal_open_the_management_portal(client, org, fake_module,
                                                                               permissions, status):
    role = Role.objects.create(code="bidder", name="竞买人", permissions=permissions, scope=Scope.SELF)
    account = make_account("outside_bidder", roles=(), unit=None)
    RoleAssignment.objects.create(account=account, role=role, unit=None)
    client.force_login(account)
    assert client.get(reverse("manage:home")).status_code == status
