"""Demo data of the monitoring center, one file per area: a year of running costs, KPI snapshots over the
past two months, and the default alert rules evaluated over the demo ledger. It runs after the business
modules' demo data (the kernel seeds them first), since it watches what they hold."""

from __future__ import annotations

import random

from . import alerts, costs, kpis


def seed_demo(scale: str, rng: random.Random, progress) -> str:
    return "\n  ".join(area.seed_demo(scale, rng) for area in (costs, kpis, alerts))
