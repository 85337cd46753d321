"""Around every API URL: one access-log row per call, and the one error shape for what ninja answers
outside an operation (405 for a wrong method, 404 for an unknown path)."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from inspect import iscoroutinefunction

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core.audit import access_fields, append_many
from jiguan.core.context import acting, current
from jiguan.core.models.audit import AccessKind, AccessLog

from .errors import error_body, error_response

# Calls that touch no data are not access-logged: the bare health/benchmark endpoint and the docs.
UNLOGGED_URL_NAMES = {"ping", "openapi-json", "openapi-view"}


def wrap_pattern(api, pattern: URLPattern) -> URLPattern:
    # ninja's root view only raises Http404 (as Django's HTML page); it must keep its name, which
    # ninja reverses to find the API's prefix.
    view = unknown_path_view(api) if pattern.name == "api-root" else pattern.callback
    log = pattern.name not in UNLOGGED_URL_NAMES
    return URLPattern(pattern.pattern, api_view(api, view, log=log), pattern.default_args, pattern.name)


def api_view(api, view, *, log: bool = True):
    def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            message = _("This address does not accept %(method)s; it accepts %(allowed)s.") % {
                "method": request.method,
                "allowed": allowed,
            }
            response = error_response(api, request, 405, error_body("method_not_allowed", message))
            response["Allow"] = allowed
        if log:
            access_log.add(request.path, request.method, response.status_code)
        return response

    if iscoroutinefunction(view):

        @wraps(view)
        async def async_wrapper(request, *args, **kwargs):
            response = await view(request, *args, **kwargs)
            return await sync_to_async(finish)(request, response)

        return async_wrapper

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return finish(request, view(request, *args, **kwargs))

    return wrapper


def unknown_path_view(api):
    """Any other path under /api/v1/: 404 in the error shape, not Django's HTML page."""

    def unknown_path(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        message = _("There is no API at this address. See /api/v1/docs for the list.")
        return error_response(api, request, 404, error_body("not_found", message))

    unknown_path.csrf_exempt = True  # nothing to protect: it changes nothing and reveals nothing
    return unknown_path


# --- The access log of API calls, written in batches ---------------------------------------------

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiCall:
    path: str
    method: str
    status: int
    actor: object | None
    ip: str | None
    request_id: str
    at: datetime


class AccessLogWriter:
    """Appends one access-log row per API call. Each row on its own would be a write transaction per
    call, and on SQLite every writer queues on one lock; so a process gathers its calls and appends
    them together, one transaction at most ``flush_seconds`` later (or at ``max_rows``, and at exit).
    Each row keeps the caller, address and request id of its own request.

    ``flush_seconds`` 0 writes every call at once (tests; ``JIGUAN_API_LOG_FLUSH_SECONDS``)."""

    def __init__(self, flush_seconds: float, max_rows: int = 200):
        self.flush_seconds, self.max_rows = flush_seconds, max_rows
        self._pending: list[ApiCall] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writer_pid: int | None = None

    def add(self, path: str, method: str, status: int) -> None:
        ctx = current()
        call = ApiCall(path, method, status, ctx.actor, ctx.ip, ctx.request_id, timezone.now())
        if self.flush_seconds <= 0:
            self._write(call)
            return
        with self._lock:
            self._pending.append(call)
            due = len(self._pending) >= self.max_rows
        self._ensure_writer()
        if due:
            self._wake.set()

    def flush(self) -> None:
        with self._lock:
            calls, self._pending = self._pending, []
        if calls:
            try:
                append_many(AccessLog, [self._fields(call) for call in calls])  # one lock, one insert
            except Exception:
                # Never lose them silently: the application log keeps what the database could not take.
                logger.exception("Access log: %d API calls could not be written: %s", len(calls), calls)

    @staticmethod
    def _fields(call: ApiCall) -> dict:
        with acting(actor=call.actor, ip=call.ip, request_id=call.request_id):
            return access_fields(AccessKind.API, call.path, method=call.method, status=call.status, at=call.at)

    def _write(self, call: ApiCall) -> None:
        append_many(AccessLog, [self._fields(call)])

    def _ensure_writer(self) -> None:
        """One writer thread per process, started in the process that serves (after a server's fork)."""
        if self._writer_pid == os.getpid():
            return
        with self._lock:
            if self._writer_pid == os.getpid():
                return
            self._writer_pid = os.getpid()
        threading.Thread(target=self._run, name="api-access-log", daemon=True).start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()
            connection.close()  # this thread's own connection; a fresh one next time


access_log = AccessLogWriter(settings.API_LOG_FLUSH_SECONDS)
