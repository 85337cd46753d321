"""Periodic jobs: a registry of named jobs with a schedule, run by the worker (``manage.py worker``).

Only code registered here can be scheduled; a schedule row names a registered job, never a function
path typed by a user.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from .context import acting

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    label: str | Promise
    every: timedelta
    run: Callable[[], object]


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, label: str | Promise, every: timedelta):
    """Decorator: register ``fn`` as the periodic job ``name``."""

    def register(fn: Callable[[], object]) -> Callable[[], object]:
        if name in _jobs and _jobs[name].run is not fn:
            raise ValueError(f"periodic job {name!r} is registered twice")
        _jobs[name] = PeriodicJob(name, label, every, fn)
        return fn

    return register


def registered_jobs() -> dict[str, PeriodicJob]:
    return dict(_jobs)


def run_job(name: str, actor=None) -> str:
    """Run one registered job now, recording its outcome on its schedule row (``actor``: who started it
    by hand; the audit records it causes name them)."""
    from .models import JobSchedule

    job = _jobs.get(name)
    if job is None:
        raise KeyError(f"no periodic job named {name!r}")
    schedule, _ = JobSchedule.objects.get_or_create(name=name)
    schedule.last_started_at = timezone.now()
    schedule.save(update_fields=["last_started_at"])
    try:
        with acting(actor=actor):
            result = job.run()
        schedule.last_status, schedule.last_error = "ok", ""
    except Exception:  # a failing job must not stop the worker; the error is kept on the row
        logger.exception("periodic job %s failed", name)
        result, schedule.last_status, schedule.last_error = None, "failed", traceback.format_exc()[-4000:]
    schedule.last_finished_at = timezone.now()
    schedule.next_run_at = schedule.last_finished_at + job.every
    schedule.save(update_fields=["last_status", "last_error", "last_finished_at", "next_run_at"])
    return schedule.last_status if result is None else f"{schedule.last_status}: {result}"


def claim_due_jobs(now=None) -> list[str]:
    """Names of jobs due now, each claimed by pushing its next run forward (so two workers never both run it)."""
    from .models import JobSchedule

    now = now or timezone.now()
    due = []
    for name, job in _jobs.items():
        with transaction.atomic():
            schedule, _ = JobSchedule.objects.select_for_update().get_or_create(
                name=name, defaults={"next_run_at": now}
            )
            if schedule.enabled and (schedule.next_run_at is None or schedule.next_run_at <= now):
                schedule.next_run_at = now + job.every
                schedule.save(update_fields=["next_run_at"])
                due.append(name)
    return due


# --- The kernel's own jobs ---------------------------------------------------------------------------


@periodic("core.verify_audit_chain", "审计日志哈希链校验", timedelta(hours=24))
def verify_audit_chain_job():
    from .audit import verify_chains

    problems = verify_chains()
    for problem in problems:
        logger.error("audit chain problem: %s", problem)
    return f"{len(problems)} problems"


@periodic("core.purge_audit", "审计日志超期清理", timedelta(hours=24))
def purge_audit_job():
    from .audit import purge_expired

    return purge_expired(settings.AUDIT_RETENTION_DAYS)


@periodic("core.event_sla", "事件超时提醒", timedelta(minutes=5))
def event_sla_job():
    from .services.events import notify_overdue

    return f"{notify_overdue()} overdue"


@periodic("core.clear_sessions", "清理过期会话", timedelta(hours=6))
def clear_sessions_job():
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return f"{deleted} sessions"
