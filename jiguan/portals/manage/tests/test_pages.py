"""Every page of the portal renders for an administrator allowed to see it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SYSADMIN_PAGES = [
    "manage:home", "manage:approvals", "manage:approvals_decided", "manage:regions", "manage:units",
    "manage:unit_create", "manage:people", "manage:person_create", "manage:accounts", "manage:account_create",
    "manage:modules", "manage:flows", "manage:dictionaries", "manage:notices", "manage:notice_create", "manage:jobs",
]


@pytest.mark.parametrize("url_name", SYSADMIN_PAGES)
def test_system_administrator_pages_render(login, url_name):
    response = login("sysadmin").get(reverse(url_name))
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize("url_name", ["manage:roles", "manage:role_create", "manage:accounts"])
def test_security_administrator_pages_render(login, url_name):
    assert login("secadmin").get(reverse(url_name)).status_code == 200


def test_object_pages_render(login, org, people):
    client = login("sysadmin")
    for url in (
        reverse("manage:unit", args=[org["finance"].pk]),
        reverse("manage:unit_edit", args=[org["finance"].pk]),
        reverse("manage:unit_edit", args=[org["finance_office"].pk]),
        reverse("manage:person_edit", args=[org["finance_person"].pk]),
        reverse("manage:account", args=[people["staff"].pk]),
        reverse("manage:dictionary", args=["gender"]),
    ):
        assert client.get(url).status_code == 200, url


def test_top_bar_offers_language_switch_service_portal_and_post_logout(login):
    html = login("sysadmin").get(reverse("manage:home")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert f'action="{reverse("core:logout")}" method="post"' in html
    assert reverse("service:home") in html and "南昌市机关事务管理局" in html  # the user's unit


def test_portal_speaks_english_when_asked(login):
    html = login("sysadmin").get(reverse("manage:units"), headers={"Accept-Language": "en"}).content.decode()
    assert "Export to Excel" in html and "导出" not in html
