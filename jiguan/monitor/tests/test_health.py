"""Platform health for the system administrator only, the security watch for the security administrator
only (the auditor reads raw logs elsewhere), unusual access on crafted rows, the request counters, the
audit-chain verification record and the API contract."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.audit import append_many
from jiguan.core.models import AccessLog, LoginLog
from jiguan.core.testing import make_account, make_unit
from jiguan.monitor import jobs, middleware
from jiguan.monitor.models import AuditVerification
from jiguan.monitor.services import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    unit = make_unit("360100", "南昌市财政局")
    return {"sys": make_account("sys1", roles=("system_admin",)), "sec": make_account("sec1", roles=("security_admin",)),
            "audit": make_account("aud1", roles=("audit_admin",)),
            "bureau": make_account("jx1", roles=("region_bureau_admin",), unit=unit),
            "clerk": make_account("clerk1", roles=("staff",), unit=unit)}


def access_rows(actor, day, count, kind="pii"):
    at = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(hours=10)
    append_many(AccessLog, [{"at": at + timedelta(seconds=i), "actor": actor, "actor_name": actor.username,
                             "kind": kind, "path": "/manage/people/1/", "org_path": ""} for i in range(count)])


def test_three_admin_separation(w):
    assert health.platform_health(w["sys"])["database"]["ok"]
    assert health.security_watch(w["sec"])["threshold"] == health.DEFAULT_DAILY_THRESHOLD
    for name in ("sec", "audit", "bureau"):
        with pytest.raises(PermissionDenied):
            health.platform_health(w[name])
    for name in ("sys", "audit", "bureau"):
        with pytest.raises(PermissionDenied):
            health.security_watch(w[name])


def test_unusual_access_needs_threshold_and_five_times_the_median(w):
    today = timezone.localdate()
    for days_ago in (10, 11, 12):
        access_rows(w["clerk"], today - timedelta(days=days_ago), 4)
        access_rows(w["bureau"], today - timedelta(days=days_ago), 30)
    access_rows(w["clerk"], today - timedelta(days=1), 25, kind="export")  # > 20 and > 5 × 4
    access_rows(w["bureau"], today - timedelta(days=1), 60)  # > 20 but only 2 × its usual 30
    flagged = health.unusual_access(w["sec"], 20, today=today)
    assert [(r["actor_name"], r["n"], r["exports"], r["median"]) for r in flagged] == [("clerk1", 25, 25, 4)]
    assert flagged[0]["paths"][0]["n"] == 25
    assert health.unusual_access(w["sec"], 30, today=today) == []


def test_failed_logins_lockouts_and_locked_accounts(w):
    now = timezone.now()
    append_many(LoginLog, [{"username": "clerk1", "outcome": o, "at": now - timedelta(hours=h)}
                           for o, h in (("failure", 1), ("locked", 2), ("failure", 50), ("success", 1))])
    w["clerk"].locked_until = now + timedelta(minutes=20)
    w["clerk"].save()
    watch = health.security_watch(w["sec"])
    assert watch["logins"]["day"] == {"failed": 2, "lockouts": 1, "succeeded": 1}
    assert watch["logins"]["week"]["failed"] == 3
    assert [a.username for a in watch["locked"]] == ["clerk1"]
    assert watch["top_failures"][0]["n"] == 2


def test_verification_is_recorded(w):
    assert health.verify_audit(w["sec"]).intact
    AccessLog.objects.update(detail="tampered")
    access_rows(w["clerk"], timezone.localdate(), 1)
    AccessLog.objects.filter(pk=AccessLog.objects.order_by("seq").first().pk).update(detail="x")
    jobs.verify_audit_job()
    last = AuditVerification.objects.first()
    assert not last.intact and last.started_by is None and last.problems
    with pytest.raises(PermissionDenied):
        health.verify_audit(w["sys"])


def test_request_counting_middleware():
    cache.clear()
    handler = middleware.RequestRateMiddleware(lambda request: HttpResponse(status=500))
    ok = middleware.RequestRateMiddleware(lambda request: HttpResponse())
    for view in (handler, ok, ok):
        view(RequestFactory().get("/"))
    last = middleware.recent_counts(2)[-1]
    assert (last["requests"], last["errors"]) == (3, 1)
    assert health.request_rates()["error_rate"] == round(100 / 3, 2)


def test_pages_and_denials(client, w, settings):
    settings.REQUIRE_ADMIN_2FA = False
    client.force_login(w["sys"])
    assert client.get(reverse("manage:monitor:health")).status_code == 200
    assert client.get(reverse("manage:monitor:health"), {"part": "panel"}, HTTP_HX_REQUEST="true").status_code == 200
    assert client.get(reverse("manage:monitor:security")).status_code == 403
    client.force_login(w["sec"])
    assert client.get(reverse("manage:monitor:health")).status_code == 403
    assert client.get(reverse("manage:monitor:security"), {"threshold": "0"}).status_code == 200
    assert client.post(reverse("manage:monitor:security_verify")).status_code == 302
    assert AuditVerification.objects.filter(started_by=w["sec"]).exists()


def test_api_contract(api, w):  # noqa: F811
    sys_token, sec_token = api.token(w["sys"]), api.token(w["sec"])
    assert api.get("/monitor/health/platform", token=sys_token).status_code == 200
    assert api.get("/monitor/health/security", token=sys_token).status_code == 403
    assert api.get("/monitor/health/security", token=sec_token).status_code == 200
    assert api.get("/monitor/health/platform", token=sec_token).status_code == 403
    assert api.get("/monitor/health/security", token=sec_token, params={"threshold": 0}).status_code == 400
