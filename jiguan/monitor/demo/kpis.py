"""Demo KPI snapshots: a pass of ``compute_all`` stamped a week ago and one now, so the monitoring home's
cards have their week-on-week comparison. The demo ledger does not change between them, so both store the
same values; nothing is varied artificially. A pass over a whole province takes minutes, so the
``province`` scale leaves the snapshots to the worker's hourly ``monitor.kpis`` job."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from ..services.kpis import compute_all


def seed_demo(scale: str, rng: random.Random) -> str:
    if scale == "province":
        return "KPI snapshots: left to the monitor.kpis job at province scale"
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    stored = sum(compute_all(moment) for moment in (now - timedelta(days=7), now))
    return f"{stored} KPI snapshots: a week ago and now (the static demo ledger gives flat trends)"
