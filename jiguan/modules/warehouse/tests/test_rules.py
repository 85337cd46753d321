"""The pool's business rules return exactly the offending objects, not the near-misses beside them, and never
an object whose alert title would name a classified item. Rows are written directly: the workflows that make
them are tested with their own services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.core.registry import registry
from jiguan.core.services.inputs import add_months
from jiguan.modules.warehouse import monitoring
from jiguan.modules.warehouse.models import (
    Bid,
    BidderRegistration,
    DisposalItem,
    DisposalLot,
    IdleAsset,
    Loan,
    PurchaseCheck,
)

from .world import build_world, pooled

pytestmark = pytest.mark.django_db
_lots = iter(range(1, 1_000_000))


@pytest.fixture
def w():
    return build_world()


def lent(w, *, due_in_days, state="lent", classified=False, unit=None) -> Loan:
    today = timezone.localdate()
    asset = pooled(w, state="lent" if state == "lent" else "in_pool", classified=classified)
    return Loan.objects.create(asset=asset, unit=unit or w.finance, purpose_kind="meeting", purpose="全省工作会议",
                               starts_on=today - timedelta(days=30), due_on=today + timedelta(days=due_in_days),
                               state=state, requested_by=w.finance_admin)


def lot(w, *, state="approved", ends_in_hours=-1, method="bidding", closed_days_ago=None, classified=False,
        **fields) -> DisposalLot:
    now = timezone.now()
    terms = {"reserve_price": Decimal("100.00"), "min_increment": Decimal("10.00"),
             "starts_at": now - timedelta(days=10), "ends_at": now + timedelta(hours=ends_in_hours)}
    made = DisposalLot.objects.create(
        number=f"CZTEST{next(_lots):06d}", title="旧办公家具一批", method=method, pool_region_id="360000",
        reason="超过使用年限", state=state, prepared_by=w.bureau_admin,
        closed_at=now - timedelta(days=closed_days_ago) if closed_days_ago is not None else None,
        **({} if method == "scrap" else terms), **{"unit": w.bureau, **fields})
    DisposalItem.objects.create(lot=made, asset=pooled(w, state="disposing", classified=classified))
    return made


def bid_on(w, target: DisposalLot) -> Bid:
    bidder = BidderRegistration.objects.filter(account=w.education_admin).first() or \
        BidderRegistration.objects.create(pool_region_id="360000", kind="unit", bidder_unit=w.education,
                                          name="江西省教育厅", contact_name="张三", phone="13800000000",
                                          account=w.education_admin, state="approved", unit=w.bureau)
    return Bid.objects.create(lot=target, bidder=bidder, amount=Decimal("120.00"), placed_at=timezone.now())


def test_loans_past_their_due_date(w):
    overdue = lent(w, due_in_days=-1)
    lent(w, due_in_days=0)  # due today: not yet overdue
    lent(w, due_in_days=-5, state="returned")  # back
    lent(w, due_in_days=-5, classified=True)  # an alert would name it
    assert list(monitoring.loan_overdue()) == [overdue]


def test_bidding_lots_that_ended_without_a_bid(w):
    unsold = lot(w, state="unsold", closed_days_ago=10)
    ended = lot(w, state="approved", ends_in_hours=-2)
    lot(w, state="unsold", closed_days_ago=100)  # closed too long ago
    lot(w, state="approved", ends_in_hours=2)  # still running
    bid_on(w, lot(w, state="unsold", closed_days_ago=3))  # bids came, nobody paid: a different problem
    bid_on(w, lot(w, state="approved", ends_in_hours=-2))  # ended with a bid: to be awarded
    lot(w, state="scrapped", method="scrap", closed_days_ago=1)
    lot(w, state="unsold", closed_days_ago=5, classified=True)  # the title may name a classified item
    assert set(monitoring.lot_no_bids()) == {unsold, ended}


def test_units_buying_a_category_the_pool_holds(w):
    def check(decision="not_fit", matches=2, days_ago=0):
        made = PurchaseCheck.objects.create(
            unit=w.finance, category=w.desk, planned_item="办公桌", quantity=2, matches=matches, decision=decision,
            reason_not_fit="规格与新办公室不匹配" if decision == "not_fit" else "", checked_by=w.finance_admin)
        PurchaseCheck.objects.filter(pk=made.pk).update(checked_at=timezone.now() - timedelta(days=days_ago))
        return made

    buying = check()
    check(matches=0)  # nothing in the pool: buying is fine
    check(decision="reuse")  # took the pool's item
    check(days_ago=91)  # too long ago
    assert list(monitoring.buying_held_category()) == [buying]


def test_assets_idle_six_months_and_not_offered(w):
    today = timezone.localdate()

    def idle(months, state="idle"):
        return IdleAsset.objects.create(unit=w.finance, name="会议桌", idle_since=add_months(today, -months),
                                        state=state)

    due = idle(6)
    idle(6, state="offered")
    idle(7, state="in_use")
    IdleAsset.objects.create(unit=w.finance, name="书柜", idle_since=add_months(today, -6) + timedelta(days=1))
    assert list(monitoring.idle_not_offered()) == [due]
    # Six calendar months: idle since 31 August is due once February (which has no 31st) is over.
    late_august = IdleAsset.objects.create(unit=w.finance, name="文件柜", idle_since=date(2025, 8, 31))
    assert late_august not in monitoring.idle_not_offered(date(2026, 2, 28))
    assert late_august in monitoring.idle_not_offered(date(2026, 3, 1))


def test_the_rule_leaves_idle_rooms_to_office_space(w):
    """A room idle for six months already raises office space's own alert; the pool's rule does not repeat it,
    though the unit is still reminded to offer it."""
    since = add_months(timezone.localdate(), -7)
    declared = IdleAsset.objects.create(unit=w.finance, name="会议桌", idle_since=since)
    room = IdleAsset.objects.create(unit=w.finance, name="301 办公室", idle_since=since, source="office_room",
                                    source_key="officespace.room:1")
    assert set(monitoring.idle_not_offered()) == {declared, room}
    rule = next(r for r in registry.get("warehouse").rules if r.code == "warehouse.idle_not_offered")
    assert list(rule.evaluate()) == [declared]

