"""Page benchmark (part of ``make bench``): does every page of the two portals stay fast when the user's
scope is a whole province?

Renders every parameterless GET page of the management and service portals in process (Django's test
client, production settings, the province database) as the province bureau's administrator (``jx_admin``:
the widest scope, 4,338 agencies and 310,000 rooms) and as the Nanchang city bureau's (``nc_admin``),
against the bare ``/api/v1/ping`` rendered the same way beside them. Prints each page's median time, its
ratio to ping and its size, slowest first, and the pages above the target. Target: every page ≤ 300× ping
(about 1 s here). Asserts nothing.

    .venv/bin/python bench/pages.py [--rounds N] [--user jx_admin] [--user nc_admin]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from province import ensure_database, use_in_this_process

TARGET_RATIO = 300
PORTALS = ("/manage/", "/service/")
PING = "/api/v1/ping"


def page_routes() -> list[str]:
    """Every GET route of the portals without a parameter in its path."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and "<" not in str(pattern.pattern):
                yield "/" + prefix + str(pattern.pattern)

    return sorted({route for route in walk(get_resolver().url_patterns) if route.startswith(PORTALS)})


def median_ms(client, path: str, rounds: int) -> tuple[float, int, int]:
    """Median milliseconds of ``rounds`` renders (after one warm-up), the status and the size in KB."""
    response = client.get(path, secure=True)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    size = len(response.content) if not response.streaming else 0
    return statistics.median(times), response.status_code, size // 1024


def measure(username: str, rounds: int) -> None:
    from django.test import Client

    from jiguan.core.models import Account

    client = Client()
    client.force_login(Account.objects.get(username=username))
    ping, _status, _size = median_ms(client, PING, rounds * 5)
    rows = []
    for path in page_routes():
        ms, status, size = median_ms(client, path, rounds)
        if status == 200:  # forms that only answer POST, redirects and downloads are left out
            rows.append((ms, path, size))
    print(f"{username}: {len(rows)} pages, {rounds} renders each; ping {ping:.1f} ms (median of {rounds * 5})")
    for ms, path, size in sorted(rows, reverse=True)[:15]:
        print(f"  {ms:8.0f} ms  {ms / ping:6.0f}× ping  {size:6,} KB  {path}")
    slow = [path for ms, path, _size in rows if ms / ping > TARGET_RATIO]
    verdict = f"{len(slow)} above the target: {', '.join(slow)}" if slow else "all within the target"
    print(f"{username}: slowest page {max(rows)[0] / ping:.0f}× ping; target ≤ {TARGET_RATIO}×: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--user", action="append", dest="users")
    options = parser.parse_args()
    ensure_database()
    use_in_this_process()
    from django.conf import settings

    # The test client's host, and static files straight from the finders (the bench does not collect them).
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    logging.disable(logging.WARNING)  # the 404s and 405s of routes that need a parameter or a POST
    for username in options.users or ["jx_admin", "nc_admin"]:
        measure(username, options.rounds)


if __name__ == "__main__":
    main()
