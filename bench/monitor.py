"""Monitoring benchmark (part of ``make bench``), at province scale:

1. a full evaluation in this process — every registered KPI for every region and agency
   (``kpis.compute_all``), then every alert rule (``alerts.evaluate_all``) — with the time of each and
   the process's peak memory (maximum resident set size);
2. the big screen's data endpoint (``/screen/data/``, as a kiosk holding a display token for the whole
   province) against the bare ``/api/v1/ping``, on the same gunicorn server, alternating in rounds with
   the load generator of ``bench/api.py``. Prints both and the ratio (target ≥ 0.5). Asserts nothing.

Traffic goes to 127.0.0.1 only, bounded in time and in request count. See bench/README.md.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from datetime import timedelta

from api import alternate, free_port, report, start_server
from province import ensure_database, use_in_this_process

ADMIN, PROVINCE = "jx_admin", "360000"  # the province bureau's administrator from the seed
ENDPOINTS = {"screen": "/screen/data/", "ping": "/api/v1/ping"}
BUILDS = 3  # uncached payload builds timed in process
EVALUATE = os.environ.get("BENCH_MONITOR_EVALUATE", "1") != "0"  # 0: skip the (long) full evaluation


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def evaluate() -> None:
    """Every KPI, then every rule, as the worker's hourly jobs run them."""
    from jiguan.monitor.services import alerts, kpis

    before = peak_rss_mb()
    stored, kpi_seconds = timed(kpis.compute_all)
    after_kpis = peak_rss_mb()
    counts, rule_seconds = timed(alerts.evaluate_all)
    print(f"kpis.compute_all     {kpi_seconds:8.1f} s   {stored:,} snapshots ({len(kpis.all_kpis())} KPIs)   "
          f"peak RSS {after_kpis:,.0f} MB (was {before:,.0f} MB)")
    transitions = ", ".join(f"{name} {n}" for name, n in counts.items() if n)
    print(f"alerts.evaluate_all  {rule_seconds:8.1f} s   {transitions or 'no transitions'}   "
          f"peak RSS {peak_rss_mb():,.0f} MB")


def kiosk_secret() -> str:
    """A display token for the province, created as its bureau's administrator would; and the time of
    an uncached build of the payload it opens (what one poll costs when its cached copy has expired)."""
    from django.utils import timezone

    from jiguan.core.models import Account, Region
    from jiguan.monitor.services import screen

    admin = Account.objects.get(username=ADMIN)
    _token, secret = screen.create_token(admin, region_code=PROVINCE, label="bench",
                                         expires_at=timezone.now() + timedelta(hours=1))
    place = screen.Place(Region.objects.get(code=PROVINCE))
    builds = [timed(lambda: screen.build(place, screen.headline_kpi(None)))[1] for _ in range(BUILDS)]
    print(f"screen payload build (uncached, province)   median {statistics.median(builds) * 1000:8.1f} ms")
    return secret


def throughput(secret: str) -> None:
    port = free_port()
    server = start_server(port)
    try:
        tallies = alternate(port, ENDPOINTS, {"screen": {"X-Display-Token": secret}, "ping": {}})
        report(ENDPOINTS, tallies, "screen")  # the screen is requested as a kiosk (display token)
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    ensure_database()
    use_in_this_process()
    from django.db import connection

    if EVALUATE:
        evaluate()
    secret = kiosk_secret()
    connection.close()  # the server has the database to itself while it is measured
    throughput(secret)


if __name__ == "__main__":
    main()
