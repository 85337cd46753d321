"""``manage.py worker``: the platform's background worker.

Every loop it writes a heartbeat (``/healthz`` reports the worker stale after 90 s without one), runs
the periodic jobs that are due (claimed, so several workers never run one twice) and drains the
Django Tasks queue of every database task backend with django-tasks-db's own worker.

  worker                  run until SIGTERM/SIGINT (systemd, ``make worker``); finishes the current
                          job or task, then stops
  worker --once           one loop, then exit (tests, cron)
  worker --background     start a detached worker writing var/worker.log, unless one is running
                          (``make run``); its pid is in var/worker.pid, locked while it lives
  worker --stop           stop the background worker
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from argparse import ArgumentTypeError
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import task_backends
from django_tasks_db.management.commands.db_worker import Worker as TaskQueueWorker

from jiguan.core.jobs import claim_due_jobs, run_job
from jiguan.core.models import JobSchedule, WorkerHeartbeat

TASKS_PER_LOOP = 50  # then heartbeat and jobs again, so a long queue never starves them
FORGET_DEAD_WORKERS_AFTER = timedelta(days=1)
STOP_TIMEOUT = 30  # seconds --stop waits for the current job to finish
# django-tasks-db logs the start and end of every batch at INFO: every few seconds here. Its warnings
# and task failures still show.
logging.getLogger("django_tasks_db").setLevel(logging.WARNING)


def default_pidfile() -> Path:
    return Path(settings.VAR_DIR) / "worker.pid"


# --- The pid file: held under an exclusive lock for as long as its worker lives ----------------------


def lock_pidfile(path: Path) -> int | None:
    """Take the pid file's lock and write our pid; None if another live worker holds it. The lock
    (not the pid in the file) is the truth: it vanishes with its process, so a stale file never blocks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def running_pid(path: Path) -> int | None:
    """The pid of the live worker holding ``path``, or None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None  # nobody holds it (closing the file below releases our probe)
    except BlockingIOError:
        return _read_pid(fd)
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int:
    """The holder writes its pid right after taking the lock: wait a moment if we came in between."""
    for _ in range(50):
        text = os.pread(fd, 32, 0).strip()
        if text.isdigit():
            return int(text)
        time.sleep(0.02)
    raise CommandError("the worker pid file is locked but holds no pid")


# --- The loop -------------------------------------------------------------------------------------------


class BackgroundWorker:
    def __init__(self, interval: float, log):
        self.interval = interval
        self.log = log
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"[:64]
        self.started_at = timezone.now()
        self.stopping = False
        self._wake = threading.Event()
        self._queue_worker: TaskQueueWorker | None = None

    def run_once(self) -> None:
        self.beat()
        due = claim_due_jobs()
        for position, name in enumerate(due):
            if self.stopping:  # hand the claims back, so the next worker runs them without waiting a period
                JobSchedule.objects.filter(name__in=due[position:]).update(next_run_at=timezone.now())
                return
            self.log(f"job {name}: {run_job(name)}")
        ran = self.drain_task_queues()
        if ran:
            self.log(f"{ran} queued task(s) run")
        self.beat()

    def run_forever(self) -> None:
        WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - FORGET_DEAD_WORKERS_AFTER).delete()
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.log(f"worker {self.worker_id} started (every {self.interval:g}s)")
        try:
            while not self.stopping:
                # As Django does around each request: drop a connection that broke or outlived CONN_MAX_AGE.
                close_old_connections()
                try:
                    self.run_once()
                except DatabaseError as error:  # the database restarting or unreachable: wait, try again
                    self.log(f"database error, retrying in {self.interval:g}s: {error}")
                self._wake.wait(self.interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            # Stopped on purpose: say so at once rather than let /healthz find out in 90 seconds.
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            self.log(f"worker {self.worker_id} stopped")

    def request_stop(self, signum, frame) -> None:
        if self.stopping:  # asked twice: stop now, abandoning the current job
            raise SystemExit(1)
        self.log(f"{signal.Signals(signum).name}: stopping after the current job (again to force)")
        self.stopping = True
        if self._queue_worker is not None:
            self._queue_worker.running = False
        self._wake.set()

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:100], "pid": os.getpid(), "started_at": self.started_at,
                      "last_seen": timezone.now()},
        )

    def drain_task_queues(self) -> int:
        """Run queued tasks of every database task backend, at most TASKS_PER_LOOP each."""
        ran = 0
        for alias in settings.TASKS:
            if self.stopping or not isinstance(task_backends[alias], DatabaseBackend):
                continue  # the immediate backend (tests) runs tasks as they are enqueued
            self._queue_worker = TaskQueueWorker(
                queue_names=["*"], interval=0, batch=True, backend_name=alias, startup_delay=False,
                max_tasks=TASKS_PER_LOOP, worker_id=self.worker_id, excluded_queue_names=[],
            )
            self._queue_worker.run()
            ran += self._queue_worker._run_tasks
            self._queue_worker = None
        return ran


# --- The command ------------------------------------------------------------------------------------------


def interval_seconds(value: str) -> float:
    """--interval: short enough that the heartbeat never looks stale between two loops."""
    stale = settings.WORKER_HEARTBEAT_STALE.total_seconds()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.1 <= seconds <= stale / 3:
        raise ArgumentTypeError(
            f"须在 0.1 到 {stale / 3:g} 秒之间(心跳超过 {stale:g} 秒即视为停止)。"
            f" Must be between 0.1 and {stale / 3:g} seconds (a worker is stale after {stale:g}s)."
        )
    return seconds


class Command(BaseCommand):
    help = "Run the background worker: periodic jobs, the task queue, and a heartbeat for /healthz."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="Run one loop and exit.")
        mode.add_argument("--background", action="store_true", help="Start a detached worker unless one runs.")
        mode.add_argument("--stop", action="store_true", help="Stop the background worker.")
        parser.add_argument(
            "--interval", type=interval_seconds, default=5.0, help="Seconds between loops (default: 5)."
        )
        parser.add_argument(
            "--pidfile", type=Path, default=None,
            help="Hold this pid file locked while running; refuse to start if another worker holds it.",
        )

    def handle(self, *args, once: bool, background: bool, stop: bool, interval: float, pidfile: Path | None,
               **options):
        if background:
            return self.start_background(pidfile or default_pidfile(), interval)
        if stop:
            return self.stop_background(pidfile or default_pidfile())
        fd = None
        if pidfile is not None:
            fd = lock_pidfile(pidfile)
            if fd is None:
                raise CommandError(f"另一个 worker 正在运行 Another worker holds {pidfile} (pid {running_pid(pidfile)}).")
        try:
            worker = BackgroundWorker(interval, self._log)
            if once:
                worker.run_once()
            else:
                worker.run_forever()
        finally:
            if fd is not None:
                pidfile.unlink(missing_ok=True)
                os.close(fd)

    def start_background(self, pidfile: Path, seconds: float) -> None:
        pid = running_pid(pidfile)
        if pid:
            self.stdout.write(f"worker 已在运行 already running (pid {pid})")
            return
        log_path = pidfile.with_suffix(".log")
        pidfile.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            child = subprocess.Popen(
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "worker", "--skip-checks",
                 "--interval", f"{seconds:g}", "--pidfile", str(pidfile)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                cwd=settings.BASE_DIR,
            )
        if not self._wait(lambda: running_pid(pidfile) == child.pid or child.poll() is not None, 10):
            raise CommandError(f"worker 未能启动 did not start: see {log_path}")
        if child.poll() is not None:
            raise CommandError(f"worker 启动后退出 exited at once (code {child.returncode}): see {log_path}")
        self.stdout.write(f"worker 已在后台启动 started in the background (pid {child.pid}, log {log_path})")

    def stop_background(self, pidfile: Path) -> None:
        pid = running_pid(pidfile)
        if not pid:
            self.stdout.write("没有运行中的后台 worker. No background worker is running.")
            return
        os.kill(pid, signal.SIGTERM)
        if not self._wait(lambda: running_pid(pidfile) is None, STOP_TIMEOUT):
            raise CommandError(f"worker (pid {pid}) 在 {STOP_TIMEOUT} 秒内未停止 did not stop in {STOP_TIMEOUT}s.")
        self.stdout.write(f"worker 已停止 stopped (pid {pid})")

    @staticmethod
    def _wait(condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def _log(self, message: str) -> None:
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {message}")
