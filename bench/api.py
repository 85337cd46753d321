"""API benchmark (``make bench``): is an authenticated, data-scoped list as fast as a bare endpoint?

Measures requests per second of ``GET /api/v1/people?page=1&page_size=20`` as a region administrator
(token auth, ``scoped()`` over a province of 200,000 people, the access log written) against
``GET /api/v1/ping`` (no auth, no query) on the same server, alternating in rounds at the same
concurrency, and prints both and their ratio (target ≥ 0.5). It asserts nothing. See bench/README.md.

Traffic goes to 127.0.0.1 only, bounded in time and in request count.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from province import ROOT, ensure_database, environment

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 4))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", 4))
MAX_REQUESTS_PER_CLIENT = 20_000  # per round: a bound even if the server answered absurdly fast
GUNICORN = ["--workers", "1", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30"]
USERNAME, PASSWORD = "nc_admin", "Jiguan@2026"  # a region administrator from the seed (南昌市)
ENDPOINTS = {"people": "/api/v1/people?page=1&page_size=20", "ping": "/api/v1/ping"}
TARGET_RATIO = 0.5

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "jiguan.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               *GUNICORN, "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", ENDPOINTS["ping"])
            if status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer /api/v1/ping within 60 seconds")


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = json.dumps(body) if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def token(port: int) -> str:
    status, body = request(port, "POST", "/api/v1/auth/token", {"username": USERNAME, "password": PASSWORD,
                                                                "name": "bench"})
    if status != 201:
        raise SystemExit(f"POST /api/v1/auth/token as {USERNAME} answered {status}: {body}")
    return body["token"]


@dataclass
class Tally:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies, n=100)[int(p) - 1] * 1000 if len(self.latencies) > 1 else 0.0


def hammer(port: int, path: str, headers: dict, seconds: float, tally: Tally) -> None:
    """CONCURRENCY keep-alive connections asking for ``path`` until the round's time is up."""
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done, failed, latencies = 0, 0, []
        while time.monotonic() < deadline and done < MAX_REQUESTS_PER_CLIENT:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                failed += response.status != 200
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
            latencies.append(time.perf_counter() - started)
            done += 1
        conn.close()
        with lock:
            tally.requests += done
            tally.errors += failed
            tally.latencies += latencies

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds += time.monotonic() - started


def main() -> None:
    ensure_database()
    port = free_port()
    server = start_server(port)
    try:
        auth = {"Authorization": f"Bearer {token(port)}"}
        tallies = alternate(port, ENDPOINTS, {"people": auth, "ping": {}})
        report(ENDPOINTS, tallies, "people")
    finally:
        server.terminate()
        server.wait(timeout=20)


def alternate(port: int, endpoints: dict[str, str], headers: dict[str, dict]) -> dict[str, Tally]:
    """Warm every endpoint up, then load them in alternating rounds, so drift affects all alike."""
    tallies = {name: Tally() for name in endpoints}
    for name, path in endpoints.items():  # warm up: connections, caches, the first query plans
        hammer(port, path, headers[name], 1, Tally())
    print(f"gunicorn {' '.join(GUNICORN)}; {CONCURRENCY} clients; {ROUNDS} rounds × {ROUND_SECONDS:g}s each")
    for round_number in range(1, ROUNDS + 1):
        rates = []
        for name, path in endpoints.items():
            round_tally = Tally()
            hammer(port, path, headers[name], ROUND_SECONDS, round_tally)
            merge(tallies[name], round_tally)
            rates.append(f"{name} {round_tally.rate:7.1f} req/s")
        print(f"  round {round_number}: " + "   ".join(rates))
    return tallies


def merge(total: Tally, part: Tally) -> None:
    total.requests += part.requests
    total.errors += part.errors
    total.seconds += part.seconds
    total.latencies += part.latencies


def report(endpoints: dict[str, str], tallies: dict[str, Tally], measured: str, baseline: str = "ping") -> None:
    for name, tally in tallies.items():
        print(f"{endpoints[name]:<40} {tally.rate:8.1f} req/s   p50 {tally.percentile(50):6.1f} ms   "
              f"p95 {tally.percentile(95):6.1f} ms   {tally.requests} requests, {tally.errors} errors")
    ratio = tallies[measured].rate / tallies[baseline].rate if tallies[baseline].rate else 0.0
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print(f"ratio {measured}/{baseline}: {ratio:.2f} ({verdict} the target of {TARGET_RATIO})")


if __name__ == "__main__":
    main()
