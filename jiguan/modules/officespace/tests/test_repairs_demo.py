"""The major-repair demo seeder on a small ledger: requests in every stage, costs posted for the completed
works, a queue ranked without gaps, rooms under repair while works run, and a few staff reports."""

import random
from collections import defaultdict

import pytest

from jiguan.core.models import CostEntry
from jiguan.modules.officespace.demo.repairs import seed_demo
from jiguan.modules.officespace.models import RepairReport, RepairRequest, RepairState, RoomState
from jiguan.modules.officespace.services.repairs import COST_CATEGORY

from .test_repairs_services import repair_world

pytestmark = pytest.mark.django_db


def test_seeder_makes_plausible_repairs_through_the_services():
    repair_world()
    summary = seed_demo("demo", random.Random(20260101))
    requests = list(RepairRequest.objects.all())
    assert len(requests) == 24 and summary.startswith("大中修 major repairs: 24 项申请")
    states = {r.state for r in requests}
    assert {RepairState.SUBMITTED, RepairState.PLANNED, RepairState.IN_PROGRESS, RepairState.COMPLETED} <= states
    completed = [r for r in requests if r.state == RepairState.COMPLETED]
    costs = CostEntry.objects.filter(category=COST_CATEGORY, module="officespace")
    assert costs.count() == len(completed) and all(r.actual_cost > 0 and r.cost_entry_id for r in completed)
    assert all(r.title.endswith(("改造", "修缮", "更新")) and 0 < r.score <= 100 for r in requests)
    ranks = defaultdict(list)
    for r in requests:
        if r.state == RepairState.SUBMITTED:
            ranks[r.region_id].append(r.rank)
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in ranks.values())
    for r in requests:
        if r.state == RepairState.IN_PROGRESS:
            assert all(room.state == RoomState.REPAIR for room in r.rooms.all())
    assert RepairReport.objects.exists()
