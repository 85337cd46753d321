"""Demo KPI snapshots: a pass of ``compute_all`` stamped a week ago and one now, so the monitoring home's
cards have their week-on-week comparison. The demo ledger does not change between them, so both store the
same values; nothing is varied artificially."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from ..models import KpiSnapshot
from ..services.kpis import BATCH, compute_all


def seed_demo(scale: str, rng: random.Random) -> str:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    stored = compute_all(now)
    # A pass a week ago would compute the same values from the same ledger: copy this one (half the seed).
    week_ago = [KpiSnapshot(kpi=s.kpi, region_id=s.region_id, unit_id=s.unit_id, org_path=s.org_path,
                            taken_at=now - timedelta(days=7), value=s.value, parts=s.parts)
                for s in KpiSnapshot.objects.filter(taken_at=now)]
    KpiSnapshot.objects.bulk_create(week_ago, batch_size=BATCH)
    return f"{stored + len(week_ago)} KPI snapshots: a week ago and now (the static demo ledger gives flat trends)"
