"""Demo idle assets at units: declared ones (some idle for over six months, some offered or back in use) and
those read from the office-space rooms left idle, as the daily job reads them."""

from __future__ import annotations

from datetime import timedelta

from jiguan.core.audit import log_bulk

from ..models import IdleAsset, IdleState
from ..services.idle import sync_office_rooms
from .base import World

# (name, category code, quantity, days idle, state)
DECLARED = (
    ("原档案室钢制密集架", "A05010502", 6, 420, IdleState.IDLE),
    ("机构改革后闲置办公桌", "A05010201", 14, 260, IdleState.IDLE),
    ("原会议室投影仪", "A02020200", 1, 200, IdleState.IDLE),
    ("换装后闲置台式计算机", "A02010105", 9, 120, IdleState.IDLE),
    ("临时专班撤销后闲置办公椅", "A05010301", 20, 300, IdleState.OFFERED),
    ("闲置壁挂式空调", "A02061804", 3, 240, IdleState.IN_USE),
)


def seed_idle(world: World) -> int:
    rng, rows = world.rng, []
    for region, units in world.units.items():
        for name, code, quantity, days, state in DECLARED:
            unit = rng.choice(units)
            rows.append(IdleAsset(unit=unit, org_path=unit.org_path, name=name, category=world.categories.get(code),
                                  quantity=quantity, idle_since=world.today - timedelta(days=days + rng.randint(0, 30)),
                                  state=state, declared_by=world.recorders[region]))
    IdleAsset.objects.bulk_create(rows)
    log_bulk(IdleAsset, f"演示数据:闲置资产申报 {len(rows)} 项", len(rows))
    return len(rows) + sync_office_rooms(world.today)
