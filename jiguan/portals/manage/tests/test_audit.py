"""Audit pages: only the audit administrator reads them, nothing there writes, and the auditor changes nothing anywhere."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from jiguan.core.models import AccessLog, AuditLog
from jiguan.core.models.audit import AccessKind

pytestmark = pytest.mark.django_db

AUDIT_PAGES = ["manage:audit_changes", "manage:audit_logins", "manage:audit_access", "manage:audit_verify"]


@pytest.mark.parametrize("url_name", AUDIT_PAGES)
def test_auditor_reads_the_audit_pages(login, url_name):
    assert login("auditor").get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("url_name", AUDIT_PAGES)
def test_system_administrator_is_refused_the_audit_pages(login, url_name):
    assert login("sysadmin").get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url_name", AUDIT_PAGES)
def test_audit_pages_are_get_only(login, url_name):
    assert login("auditor").post(reverse(url_name)).status_code == 405


def test_change_log_shows_before_and_after(login, org):
    unit = org["finance"]
    unit.name = "南昌市财政局（新）"
    unit.save()
    html = login("auditor").get(reverse("manage:audit_changes") + "?model=core.OrgUnit&action=update").content.decode()
    assert "南昌市财政局（新）" in html and 'class="diff-before">南昌市财政局<' in html


def test_change_log_filters_by_actor_and_date(login, people):
    client = login("auditor")
    assert "sysadmin" not in client.get(reverse("manage:audit_changes") + "?actor=nobody").content.decode()
    assert client.get(reverse("manage:audit_changes") + "?from=2999-01-01&to=bogus").status_code == 200


def test_verify_chain_reports_an_altered_record(login, org):
    client = login("auditor")
    assert "alert-success" in client.get(reverse("manage:audit_verify")).content.decode()
    AuditLog.objects.filter(pk=AuditLog.objects.order_by("seq").first().pk).update(object_repr="篡改")
    html = client.get(reverse("manage:audit_verify"), headers={"HX-Request": "true"}).content.decode()
    assert "alert-danger" in html and "core.AuditLog #1" in html


def test_audit_export_is_itself_access_logged(login):
    response = login("auditor").get(reverse("manage:audit_logins") + "?export=xlsx")
    assert response.status_code == 200
    assert AccessLog.objects.filter(kind=AccessKind.EXPORT, actor_name="auditor").exists()


def _manage_patterns():
    """Every URL pattern of the portal with arguments that resolve (the objects need not exist)."""
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "manage":
            for inner in pattern.url_patterns:
                if isinstance(inner, URLPattern):
                    yield inner.name


ARGS = {"pk": 1, "assignment_pk": 1, "code": "gender", "name": "core.verify_audit_chain", "action": "resolve",
        "kind": "unit"}


def test_auditor_post_to_any_change_view_is_refused_and_changes_nothing(login, org, people):
    client = login("auditor")
    audit_rows, access_rows = AuditLog.objects.count(), AccessLog.objects.count()
    posted = 0
    for name in _manage_patterns():
        pattern = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "manage")
        route = next(p for p in pattern.url_patterns if getattr(p, "name", None) == name).pattern
        kwargs = {key: ARGS[key] for key in route.converters}
        response = client.post(reverse(f"manage:{name}", kwargs=kwargs), {"active": "1", "name": "x"})
        # 403: not their permission; 405: a read-only page; 404: nothing there meant for them
        assert response.status_code in (403, 404, 405), (name, response.status_code)
        posted += 1
    assert posted > 30
    assert AuditLog.objects.count() == audit_rows and AccessLog.objects.count() == access_rows
