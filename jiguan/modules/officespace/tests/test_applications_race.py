"""Two bureau administrators allocate the same idle room to two applications at the same moment: exactly
one wins, the other is told the room was just taken, and its application stays approved."""

import pytest

from jiguan.core.errors import Conflict
from jiguan.core.services import approvals
from jiguan.core.testing import make_account, make_unit, run_at_once
from jiguan.modules.officespace.models import SpaceAllocation, SpaceApplication
from jiguan.modules.officespace.services import applications as apps

from .test_applications import application_values, approved, build_world


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_the_same_idle_room_goes_to_exactly_one_application():
    w = build_world()
    first = approved(w)
    w.finance = make_unit("360100", "南昌市审计局")  # a second applicant unit in the same city
    w.fin_admin = make_account(roles=("unit_admin",), unit=w.finance)
    second = apps.create_application(w.fin_admin, unit_id=w.finance.pk, **application_values())
    apps.submit_application(w.fin_admin, second.pk)
    second.refresh_from_db()
    approvals.decide(w.nc_admin, second.approval_id, "approve", "同意")
    other_admin = make_account(roles=("region_bureau_admin",), unit=w.nc_bureau)

    results = run_at_once(
        lambda: apps.allocate(w.nc_admin, first.pk, method="transfer", room_ids=[w.idle_big.pk], document_no="甲1号"),
        lambda: apps.allocate(other_admin, second.pk, method="transfer", room_ids=[w.idle_big.pk],
                              document_no="乙1号"),
    )

    winners = [r for r in results if isinstance(r, SpaceAllocation)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "刚被其他管理员调配" in losers[0].message and "501" in losers[0].message
    states = sorted(SpaceApplication.objects.values_list("state", flat=True))
    assert states == ["allocated", "approved"]
    assert SpaceAllocation.objects.count() == 1
