"""Office-space benchmark (part of ``make bench``): is the province-wide compliance analysis close to
the cost of simply reading the rooms table?

Measures ``standards.analysis()`` over every room of the province — totals by category, entitlement
from each open occupant's rank and the 2014 standard (regional rows winning over national ones),
over-standard rooms and excess area, idle rooms and rate — against a plain SQL aggregate over the same
``officespace_room`` table (count and area by category and state), alternating in the same process on
the same database. Prints both medians and the ratio (target ≤ 3). Asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import time

from province import ensure_database, use_in_this_process

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
TARGET_RATIO = 3.0
PLAIN_AGGREGATE = (
    "SELECT category, state, COUNT(*), SUM(usable_area) FROM officespace_room "
    "WHERE NOT retired GROUP BY category, state"
)


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    ensure_database()
    use_in_this_process()
    from django.db import connection

    from jiguan.modules.officespace import standards
    from jiguan.modules.officespace.models import Room

    def analysis():
        return standards.analysis(Room.objects.all())

    def plain():
        with connection.cursor() as cursor:
            cursor.execute(PLAIN_AGGREGATE)
            return cursor.fetchall()

    rooms = Room.objects.count()
    figures = analysis()  # warm-up, and the figures to show
    plain()
    samples = {"analysis": [], "plain": []}
    for _ in range(ROUNDS):
        samples["analysis"].append(timed(analysis))
        samples["plain"].append(timed(plain))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["analysis"] / medians["plain"]
    print(f"{rooms:,} rooms; {ROUNDS} rounds, alternating")
    print(f"standards.analysis (over-standard + idle, whole province)  median {medians['analysis'] * 1000:9.1f} ms")
    print(f"plain SQL aggregate over officespace_room                  median {medians['plain'] * 1000:9.1f} ms")
    print("figures: " + ", ".join(f"{k}={v}" for k, v in figures.items() if not isinstance(v, dict | list)))
    verdict = "meets" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"ratio analysis/plain: {ratio:.2f} ({verdict} the target of ≤ {TARGET_RATIO:g})")


if __name__ == "__main__":
    main()
