"""Demo costs: two years of monthly running costs per demo unit in six categories (so the 节约型机关 trend
has something to show, this year a little below last), and a few failed logins for the security watch."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from jiguan.core import audit
from jiguan.core.models import CostEntry, LoginLog, OrgUnit
from jiguan.core.models.org import UnitKind

# category -> typical monthly yuan for a unit of about 50 people
CATEGORIES = {"水电费": 18000, "物业费": 26000, "公务用车": 9000, "办公用品": 4500, "差旅费": 12000, "会议费": 6000}
SAVING = 0.93  # this year runs at about 93 % of last year


def seed_demo(scale: str, rng: random.Random) -> str:
    today = timezone.localdate()
    units = list(OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True).select_related("region")[:40])
    rows = [CostEntry(unit=unit, region_id=unit.region_id, org_path=unit.org_path, module="monitor", category=name,
                      amount=_amount(rng, base, year == today.year), occurred_on=date(year, month, 15),
                      description=f"{year}年{month}月{name}")
            for unit in units for year in (today.year - 1, today.year)
            for month in range(1, 13) if date(year, month, 15) <= today for name, base in CATEGORIES.items()]
    CostEntry.objects.bulk_create(rows, batch_size=2000)
    audit.log_bulk(CostEntry, "演示数据：机关运行成本（近两年逐月）", len(rows))
    now = timezone.now()
    audit.append_many(LoginLog, [{"username": name, "outcome": "failure", "ip": "10.36.1.23",
                                  "at": now - timedelta(hours=rng.randint(1, 100))}
                                 for name in ("nc_admin", "admin", "admin", "staff", "root")])
    return f"{len(rows)} cost entries for {len(units)} units, 5 failed logins"


def _amount(rng: random.Random, base: int, this_year: bool) -> Decimal:
    value = base * rng.uniform(0.8, 1.2) * (SAVING if this_year else 1)
    return Decimal(str(round(value, 2)))
