"""Two administrators take the last free desk of an office at the same moment: exactly one wins."""

import pytest

from jiguan.core.errors import Conflict
from jiguan.core.testing import run_at_once
from jiguan.modules.officespace import services
from jiguan.modules.officespace.models import Occupancy

from .ledger import build_ledger


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_last_free_desk_goes_to_exactly_one_administrator():
    w = build_ledger()
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.director.pk)  # 1 of 2 desks

    results = run_at_once(
        lambda: services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk),
        lambda: services.assign_occupant(w.nc_admin, room_id=w.shared.pk, person_id=w.clerk2.pk),
    )

    winners = [r for r in results if isinstance(r, Occupancy)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "已满" in losers[0].message or "占满" in losers[0].message
    assert Occupancy.objects.filter(room=w.shared, end=None).count() == 2
