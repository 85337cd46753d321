"""Races: two bids at the same moment serialise on the lot row — equal open bids: one is accepted, the other
refused by the increment rule; equal sealed bids: both stand, ranked by placed_at then id. An item asked for by
a unit while a lot takes it goes to exactly one of them."""

from datetime import timedelta

import pytest

from jiguan.core.errors import Conflict, ValidationFailed
from jiguan.core.testing import run_at_once
from jiguan.modules.warehouse.models import Bid, DisposalLot, ReuseRequest
from jiguan.modules.warehouse.services import bidding, disposal, reuse

from .disposal_world import bidding_lot, build_disposal_world, ends_in

pytestmark = pytest.mark.django_db(transaction=True)  # the racers need committed rows


def test_two_equal_open_bids_at_once_one_wins_the_other_is_told_the_next_minimum():
    w = build_disposal_world()
    lot = bidding_lot(w)
    bidding.place_bid(w.finance_admin, lot.pk, "1000")

    results = run_at_once(lambda: bidding.place_bid(w.finance_admin, lot.pk, "1200"),
                          lambda: bidding.place_bid(w.education_admin, lot.pk, "1200"))

    accepted = [r for r in results if isinstance(r, Bid)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert refused[0].field == "amount" and "1300" in refused[0].message
    assert list(Bid.objects.filter(lot=lot).values_list("amount", flat=True).order_by("pk")) == [1000, 1200]


def test_two_equal_sealed_bids_at_once_rank_by_time_then_id():
    w = build_disposal_world()
    lot = bidding_lot(w, sealed=True)

    results = run_at_once(lambda: bidding.place_bid(w.finance_admin, lot.pk, "1500"),
                          lambda: bidding.place_bid(w.education_admin, lot.pk, "1500"))

    assert all(isinstance(r, Bid) for r in results), results
    ranking = list(bidding.ranked(lot))
    assert [(b.placed_at, b.pk) for b in ranking] == sorted((b.placed_at, b.pk) for b in ranking)
    ends_in(lot, timedelta(seconds=-1))
    bidding.close_due_lots()
    lot.refresh_from_db()
    assert lot.winning_bid == ranking[0]


def test_an_item_requested_while_a_lot_takes_it_goes_to_one_of_them():
    w = build_disposal_world()
    item = w.items[0]

    results = run_at_once(
        lambda: disposal.prepare_lot(w.bureau_admin, title="报废", method="scrap", reason="无法修复使用",
                                     asset_ids=[item.pk]),
        lambda: reuse.request_reuse(w.education_admin, item.pk, purpose="新设科室办公使用"),
    )

    made = [r for r in results if isinstance(r, DisposalLot | ReuseRequest)]
    assert len(made) == 1 and sum(isinstance(r, Conflict) for r in results) == 1, results
    item.refresh_from_db()
    assert item.state == ("disposing" if isinstance(made[0], DisposalLot) else "reserved")
