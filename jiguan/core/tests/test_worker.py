"""``manage.py worker``: due jobs run (and only those), a failing job stops nothing, queued tasks run,
the heartbeat feeds /healthz, SIGTERM stops the loop gracefully, and one background worker at a time."""

import os
import signal
import subprocess
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from jiguan.core import jobs
from jiguan.core.management.commands import worker as worker_command
from jiguan.core.management.commands.worker import BackgroundWorker, lock_pidfile, running_pid
from jiguan.core.models import JobSchedule, WorkerHeartbeat

pytestmark = pytest.mark.django_db
ran: list[str] = []


@task()
def add(a: int, b: int) -> int:
    ran.append("add")
    return a + b


@pytest.fixture
def job_registry(monkeypatch):
    """Only this test's jobs are registered while it runs."""
    registered: dict[str, jobs.PeriodicJob] = {}
    monkeypatch.setattr(jobs, "_jobs", registered)
    ran.clear()

    def register(name, run=None):
        registered[name] = jobs.PeriodicJob(name, name, timedelta(minutes=5), run or (lambda: ran.append(name)))

    return register


def run_worker(*args) -> str:
    out = StringIO()
    call_command("worker", *args, stdout=out)
    return out.getvalue()


def test_once_runs_due_jobs_skips_jobs_not_due_and_writes_a_heartbeat(job_registry):
    job_registry("test.due")
    job_registry("test.later")
    JobSchedule.objects.create(name="test.later", next_run_at=timezone.now() + timedelta(minutes=3))

    output = run_worker("--once")

    assert ran == ["test.due"]
    due = JobSchedule.objects.get(name="test.due")
    assert due.last_status == "ok" and due.next_run_at > timezone.now() + timedelta(minutes=4)
    assert "job test.due: ok" in output
    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.pid == os.getpid() and timezone.now() - heartbeat.last_seen < timedelta(seconds=5)


def test_a_failing_job_is_recorded_and_the_others_still_run(job_registry):
    job_registry("test.broken", run=lambda: 1 / 0)
    job_registry("test.fine")

    run_worker("--once")

    broken = JobSchedule.objects.get(name="test.broken")
    assert broken.last_status == "failed" and "ZeroDivisionError" in broken.last_error
    assert ran == ["test.fine"]


def test_a_claimed_job_does_not_run_twice(job_registry):
    job_registry("test.once")
    run_worker("--once")
    run_worker("--once")
    assert ran == ["test.once"]


def test_healthz_reports_the_worker_ok_after_a_loop(client, job_registry):
    assert client.get("/healthz").json()["worker"]["ok"] is False
    run_worker("--once")
    health = client.get("/healthz").json()
    assert health["worker"]["ok"] is True
    assert health["status"] == "ok"


# django-tasks-db's worker closes unusable connections between tasks, as the long-running loop does:
# these tests need real transactions (a test transaction looks like a broken connection on PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_once_runs_queued_tasks_of_a_database_backend(settings, job_registry):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = add.enqueue(2, 3)
    assert ran == []  # queued, not run immediately

    output = run_worker("--once")

    assert ran == ["add"]
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == "SUCCESSFUL" and stored.return_value == 5
    assert "1 queued task(s) run" in output


@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_the_current_loop_then_stops_and_withdraws_the_heartbeat(job_registry):
    job_registry("test.stop_me", run=lambda: os.kill(os.getpid(), signal.SIGTERM))
    job_registry("test.after")  # due as well, but the worker stops after the job it is running
    handler_before = signal.getsignal(signal.SIGTERM)
    messages = []

    BackgroundWorker(interval=60, log=messages.append).run_forever()  # returns only because of SIGTERM

    assert JobSchedule.objects.get(name="test.stop_me").last_status == "ok"
    assert ran == []
    assert JobSchedule.objects.get(name="test.after").next_run_at <= timezone.now()  # its claim handed back
    assert not WorkerHeartbeat.objects.exists()
    assert any("SIGTERM" in m for m in messages)
    assert signal.getsignal(signal.SIGTERM) is handler_before


@pytest.mark.django_db(transaction=True)
def test_a_database_error_is_logged_and_the_loop_goes_on(monkeypatch, job_registry):
    messages = []
    worker = BackgroundWorker(interval=0.1, log=messages.append)
    loops = []

    def flaky_claim():
        loops.append(len(loops) + 1)
        if len(loops) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        worker.stopping = True
        return []

    monkeypatch.setattr(worker_command, "claim_due_jobs", flaky_claim)
    worker.run_forever()

    assert loops == [1, 2]
    assert any("database error" in m and "server closed" in m for m in messages)


@pytest.mark.parametrize("value", ["0", "31", "-1", "soon"])
def test_interval_outside_the_heartbeat_window_is_refused(value):
    with pytest.raises(CommandError, match="--interval"):
        run_worker("--once", "--interval", value)
    assert not WorkerHeartbeat.objects.exists()


def test_background_does_not_start_a_second_worker(tmp_path, monkeypatch):
    pidfile = tmp_path / "worker.pid"
    fd = lock_pidfile(pidfile)  # this process plays the running worker
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("a second worker was started"))
    try:
        assert running_pid(pidfile) == os.getpid()
        assert f"already running (pid {os.getpid()})" in run_worker("--background", "--pidfile", str(pidfile))
        with pytest.raises(CommandError, match="Another worker"):
            run_worker("--once", "--pidfile", str(pidfile))
    finally:
        os.close(fd)
    assert running_pid(pidfile) is None  # the lock died with its holder: a stale file blocks nothing
    assert "No background worker" in run_worker("--stop", "--pidfile", str(pidfile))
