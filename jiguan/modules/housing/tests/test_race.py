"""Two bureau administrators offer the same vacant flat at the same moment: exactly one offer is made, the
other administrator is told the flat was just taken, and its applicant stays on the list."""

import pytest

from jiguan.core.errors import Conflict
from jiguan.core.testing import make_account, run_at_once
from jiguan.modules.housing.models import Application, Offer
from jiguan.modules.housing.services import offers

from .world import build_world, waiting


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_the_same_flat_is_offered_exactly_once():
    w = build_world()
    top = waiting(w, w.staff, hardship_level=1)
    second = waiting(w, w.staff2)
    other_admin = make_account("nc_admin2", roles=("region_bureau_admin",), unit=w.nc_bureau)

    results = run_at_once(
        lambda: offers.make_offer(w.nc_admin, w.flat.pk),
        lambda: offers.make_offer(other_admin, w.flat.pk, application_id=second.pk, skip_reason="家庭人口与户型更匹配"),
    )

    winners = [r for r in results if isinstance(r, Offer)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "不再空置" in losers[0].message and "101" in losers[0].message
    assert Offer.objects.count() == 1
    w.flat.refresh_from_db()
    assert w.flat.state == "reserved"
    assert sorted(Application.objects.filter(pk__in=[top.pk, second.pk]).values_list("state", flat=True)) == [
        "offered", "waiting"]
