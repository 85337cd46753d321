"""Request and error rates for the platform-health page: every response is counted per minute in the
cache (shared by all workers when Redis is configured; per process with the local-memory cache)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger(__name__)
KEEP = timedelta(hours=2)  # counters outlive the hour the page shows
KINDS = ("requests", "errors")


def counter_key(kind: str, minute: datetime) -> str:
    return f"monitor:rate:{kind}:{minute:%Y%m%d%H%M}"


def _increment(key: str) -> None:
    if not cache.add(key, 1, timeout=int(KEEP.total_seconds())):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=int(KEEP.total_seconds()))


def count_response(status: int, now: datetime | None = None) -> None:
    """Count one response (and one error if it is a 5xx). A failing cache never fails the request."""
    minute = now or timezone.now()
    try:
        _increment(counter_key("requests", minute))
        if status >= 500:
            _increment(counter_key("errors", minute))
    except Exception:  # the counters are advisory; a cache outage shows on the page as missing data
        logger.debug("request counter unavailable", exc_info=True)


def recent_counts(minutes: int = 60, now: datetime | None = None) -> list[dict]:
    """Requests and errors for each of the last ``minutes`` minutes, oldest first (one cache round trip)."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    stamps = [now - timedelta(minutes=n) for n in range(minutes - 1, -1, -1)]
    keys = {(kind, stamp): counter_key(kind, stamp) for kind in KINDS for stamp in stamps}
    found = cache.get_many(list(keys.values()))
    return [{"minute": stamp, **{kind: found.get(keys[kind, stamp], 0) for kind in KINDS}} for stamp in stamps]


class RequestRateMiddleware:
    """Placed early in MIDDLEWARE so that a view's exception has become its 500 response by then."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        count_response(response.status_code)
        return response
