"""Two units request the last item at the same moment: exactly one request is made, the other unit is told
the item was just taken, and the item is reserved once."""

import pytest

from jiguan.core.errors import Conflict
from jiguan.core.testing import make_account, make_unit, run_at_once
from jiguan.modules.warehouse.models import ReuseRequest
from jiguan.modules.warehouse.services import reuse

from .world import build_world, pooled


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_the_last_item_goes_to_exactly_one_unit():
    w = build_world()
    audit = make_unit("360000", "江西省审计厅")
    audit_admin = make_account("audit_admin", roles=("unit_admin",), unit=audit)
    item = pooled(w, source_unit=w.bureau)

    results = run_at_once(
        lambda: reuse.request_reuse(w.finance_admin, item.pk, purpose="新设科室办公使用"),
        lambda: reuse.request_reuse(audit_admin, item.pk, purpose="审计现场办公使用"),
    )

    winners = [r for r in results if isinstance(r, ReuseRequest)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert item.number in losers[0].message
    assert ReuseRequest.objects.count() == 1
    item.refresh_from_db()
    assert item.state == "reserved"
