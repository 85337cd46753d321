"""Two units borrow the last item at the same moment: exactly one loan is made, the other unit is told the
item was just taken, and the item is reserved once. Two keepers sending the same item to repair: one repair."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.core.errors import Conflict, StateError
from jiguan.core.testing import make_account, make_unit, run_at_once
from jiguan.modules.warehouse.models import Loan, Repair
from jiguan.modules.warehouse.services import loans, repairs

from .world import build_world, pooled


def borrow(user, item):
    today = timezone.localdate()
    return lambda: loans.request_loan(user, item.pk, purpose_kind="meeting", purpose="全省工作会议会场布置",
                                      starts_on=today, due_on=today + timedelta(days=7))


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_the_last_item_is_lent_to_exactly_one_unit():
    w = build_world()
    audit_admin = make_account("audit_admin", roles=("unit_admin",), unit=make_unit("360000", "江西省审计厅"))
    item = pooled(w, source_unit=w.bureau)

    results = run_at_once(borrow(w.finance_admin, item), borrow(audit_admin, item))

    winners = [r for r in results if isinstance(r, Loan)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert item.number in losers[0].message
    assert Loan.objects.count() == 1
    item.refresh_from_db()
    assert item.state == "reserved"


@pytest.mark.django_db(transaction=True)
def test_one_item_goes_to_one_repairer():
    w = build_world()
    item = pooled(w, source_unit=w.education)

    def send(repairer):
        return lambda: repairs.send_to_repair(w.bureau_admin, item.pk, fault="无法开机", repairer=repairer)

    results = run_at_once(send("江西联创电子科技维修中心"), send("南昌市恒信办公设备维修服务部"))

    assert sorted(type(r).__name__ for r in results) == ["Repair", "StateError"], results
    assert isinstance(next(r for r in results if not isinstance(r, Repair)), StateError)
    assert Repair.objects.count() == 1
