"""The platform's own health (for the system administrator, ``monitor.platform``) and the security watch
(for the security administrator, ``monitor.security``), kept apart as the three-administrator separation
requires. Also the audit-chain verification, recorded so the watch can say when the chains were last
found intact."""

from __future__ import annotations

import shutil
import statistics
import time
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core.audit import CHAINS, verify_chains
from jiguan.core.jobs import registered_jobs
from jiguan.core.models import AccessLog, Account, JobSchedule, LoginLog
from jiguan.core.models.accounts import LoginOutcome
from jiguan.core.models.audit import AccessKind
from jiguan.core.scoping import scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import use_case
from jiguan.core.services.inputs import Errors, bounded_int
from jiguan.core.views import database_state, worker_state

from ..middleware import recent_counts
from ..models import AuditVerification
from ..module import PLATFORM, SECURITY

FAILED_OUTCOMES = (LoginOutcome.FAILURE, LoginOutcome.LOCKED, LoginOutcome.SECOND_FACTOR_FAILED,
                   LoginOutcome.RATE_LIMITED, LoginOutcome.INACTIVE)
WATCHED_ACCESS = (AccessKind.PERSONAL_DATA, AccessKind.EXPORT)
DEFAULT_DAILY_THRESHOLD = 50  # reveals + exports by one account in one day before it is worth a look
MEDIAN_FACTOR = 5  # ... and more than five times that account's usual day
BASELINE_DAYS = 30
FLAG_DAYS = 7
DISK_LOW = 0.10  # less than 10 % free is shown as a warning
KEPT_PROBLEMS = 20


# --- Platform health ---------------------------------------------------------------------------------


def platform_health(user) -> dict:
    """Database, worker, queue, disk, request and error rates, and the periodic jobs' last outcomes."""
    require(user, PLATFORM)
    return {"checked_at": timezone.now(), "database": database(), "worker": worker_state(), "queue": queue(),
            "disk": disk(), "requests": request_rates(), "jobs": jobs()}


def database() -> dict:
    started = time.perf_counter()
    state = database_state()
    state["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    state["size_bytes"] = _database_size() if state["ok"] else None
    return state


def _database_size() -> int | None:
    queries = {
        "sqlite": "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        "postgresql": "SELECT pg_database_size(current_database())",
    }
    sql = queries.get(connection.vendor)
    if sql is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def queue() -> dict:
    """Background tasks by state (django-tasks-db), and the failures of the last 24 hours."""
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - timedelta(hours=24)
    counts = DBTaskResult.objects.aggregate(
        ready=Count("pk", filter=Q(status="READY")), running=Count("pk", filter=Q(status="RUNNING")),
        failed=Count("pk", filter=Q(status="FAILED")),
        failed_24h=Count("pk", filter=Q(status="FAILED", finished_at__gte=since)),
    )
    return {**counts, "ok": counts["failed_24h"] == 0}


def disk() -> dict:
    """Free space where the platform keeps its files (database, uploads, the data center's store)."""
    usage = shutil.disk_usage(settings.VAR_DIR)
    free_ratio = usage.free / usage.total if usage.total else 0
    return {"path": str(settings.VAR_DIR), "total_bytes": usage.total, "free_bytes": usage.free,
            "free_percent": round(free_ratio * 100, 1), "ok": free_ratio >= DISK_LOW}


def request_rates(minutes: int = 60) -> dict:
    """Per-minute requests and 5xx over the last hour, with the totals and the error rate."""
    series = recent_counts(minutes)
    total, errors = sum(m["requests"] for m in series), sum(m["errors"] for m in series)
    return {"minutes": minutes, "series": series, "requests": total, "errors": errors,
            "per_minute": round(total / minutes, 2), "error_rate": round(errors * 100 / total, 2) if total else 0.0}


def jobs() -> list[dict]:
    """Every registered periodic job with its schedule row's last outcome (a job never run has none)."""
    rows = {s.name: s for s in JobSchedule.objects.all()}
    return [{"name": name, "label": str(job.label), "schedule": rows.get(name)}
            for name, job in sorted(registered_jobs().items())]


# --- Security watch ------------------------------------------------------------------------------


def security_watch(user, threshold=None) -> dict:
    """Failed logins and lockouts (24 h and 7 days), accounts locked now, unusual access to personal data,
    and the audit chains' last verification."""
    require(user, SECURITY)
    threshold = daily_threshold(threshold)
    now = timezone.now()
    logins = scoped(LoginLog.objects.all(), user, SECURITY)
    return {
        "checked_at": now,
        "logins": {label: _login_counts(logins, now - span) for label, span in
                   (("day", timedelta(hours=24)), ("week", timedelta(days=7)))},
        "top_failures": list(logins.filter(at__gte=now - timedelta(hours=24), outcome__in=FAILED_OUTCOMES)
                             .values("username", "ip").annotate(n=Count("pk"), last=Max("at")).order_by("-n")[:10]),
        "locked": list(scoped(Account.objects.filter(locked_until__gt=now), user, SECURITY)
                       .select_related("unit").order_by("-locked_until")),
        "threshold": threshold,
        "unusual": unusual_access(user, threshold, today=timezone.localdate()),
        "verification": AuditVerification.objects.select_related("started_by").first(),
    }


def daily_threshold(value) -> int:
    if value in (None, ""):
        return getattr(settings, "MONITOR_ACCESS_DAILY_THRESHOLD", DEFAULT_DAILY_THRESHOLD)
    errors = Errors()
    number = bounded_int(errors, "threshold", value, label=_("daily threshold"), low=1, high=100000)
    errors.raise_if_any()
    return number


def _login_counts(logins, since) -> dict:
    return logins.filter(at__gte=since).aggregate(
        failed=Count("pk", filter=Q(outcome__in=FAILED_OUTCOMES)),
        lockouts=Count("pk", filter=Q(outcome=LoginOutcome.LOCKED)),
        succeeded=Count("pk", filter=Q(outcome=LoginOutcome.SUCCESS)),
    )


def unusual_access(user, threshold: int, *, today: date) -> list[dict]:
    """Account-days of the last week whose reveals and exports of personal data exceed ``threshold`` and
    five times the account's median day (its other active days of the last 30; no history counts as 0).
    Counted per account and day in the database; the medians are taken over those few grouped rows."""
    start = today - timedelta(days=BASELINE_DAYS)
    rows = (scoped(AccessLog.objects.filter(kind__in=WATCHED_ACCESS, at__date__gte=start), user, SECURITY)
            .values("actor_id", "actor_name", day=TruncDate("at"))
            .annotate(n=Count("pk"), reveals=Count("pk", filter=Q(kind=AccessKind.PERSONAL_DATA)),
                      exports=Count("pk", filter=Q(kind=AccessKind.EXPORT)), first=Min("at"), last=Max("at"))
            .order_by())
    days: dict[object, list[dict]] = {}
    for row in rows:
        days.setdefault(row["actor_id"] or row["actor_name"], []).append(row)
    flagged = []
    for history in days.values():
        for row in history:
            if row["day"] < today - timedelta(days=FLAG_DAYS - 1) or row["n"] <= threshold:
                continue
            others = [r["n"] for r in history if r is not row]
            median = statistics.median(others) if others else 0
            if row["n"] > MEDIAN_FACTOR * median:
                flagged.append({**row, "median": median, "paths": _paths(row)})
    return sorted(flagged, key=lambda r: (r["day"], r["n"]), reverse=True)


def _paths(row: dict) -> list[dict]:
    """What the account reached that day: the pages and exports it used most."""
    rows = AccessLog.objects.filter(kind__in=WATCHED_ACCESS, actor_id=row["actor_id"], actor_name=row["actor_name"],
                                    at__gte=row["first"], at__lte=row["last"])
    return list(rows.values("kind", "path").annotate(n=Count("pk")).order_by("-n")[:5])


# --- Audit-chain verification --------------------------------------------------------------------


@use_case
def verify_audit(user) -> AuditVerification:
    """Check the change, login and access chains now (the security administrator's button)."""
    require(user, SECURITY)
    return record_verification(started_by=user)


def record_verification(started_by=None) -> AuditVerification:
    problems = verify_chains()
    return AuditVerification.objects.create(
        at=timezone.now(), started_by=started_by, intact=not problems, problem_count=len(problems),
        problems=[str(p) for p in problems[:KEPT_PROBLEMS]],
        records={model._meta.label: model.objects.count() for model in CHAINS},
    )
