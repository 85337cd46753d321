"""The pool's permission matrix: each role against each action of every workflow, on an object of its own
region or of another — allowed, denied (403), or not even seen (404). The workflows' own tests go deeper; this
table is the one place to read who may do what."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.identifiers import credit_code
from jiguan.modules.warehouse.services import bidding, disposal, idle, loans, repairs, reuse

from .disposal_world import bidding_lot, build_disposal_world
from .world import pooled

pytestmark = pytest.mark.django_db

OK, DENIED, HIDDEN = "allowed", "denied", "hidden"


@pytest.fixture
def w():
    world = build_disposal_world()
    world.outside, _password = bidding.register_outside_bidder(
        world.bureau_admin, kind="company", name="江西恒信再生资源有限公司", credential=credit_code("360111", 35214, "9", "1"),
        contact_name="刘国平", phone="13907091234", username="hengxin")
    world.outside_buyer = world.outside.account
    return world


def request_reuse(w, who):
    return reuse.request_reuse(who, pooled(w, source_unit=w.education).pk, purpose="新设科室办公使用")


def approve_reuse(w, who):
    made = reuse.request_reuse(w.finance_admin, pooled(w, source_unit=w.education).pk, purpose="新设科室办公使用")
    return reuse.approve_reuse(who, made.pk)


def request_loan(w, who):
    today = timezone.localdate()
    return loans.request_loan(who, pooled(w, source_unit=w.education).pk, purpose_kind="meeting",
                              purpose="全省工作会议会场布置", starts_on=today, due_on=today + timedelta(days=7))


def approve_loan(w, who):
    return loans.approve_loan(who, request_loan(w, w.finance_admin).pk)


def send_to_repair(w, who):
    return repairs.send_to_repair(who, pooled(w).pk, fault="抽屉滑轨损坏", repairer="南昌市鑫达家具维修厂")


def prepare_lot(w, who):
    return disposal.prepare_lot(who, title="旧办公家具一批", method="scrap", reason="无法修复，已无使用价值",
                                asset_ids=[pooled(w).pk])


def approve_lot(w, who):
    return disposal.approve_lot(who, bidding_lot(w, items=[pooled(w)], approve=False).pk)


def place_bid(w, who):
    return bidding.place_bid(who, bidding_lot(w, items=[pooled(w)]).pk, "1000")


def declare_idle(w, who):
    return idle.declare_idle(who, name="闲置办公桌", quantity=2, idle_since=timezone.localdate() - timedelta(days=200))


def register_outside_bidder(w, who):
    return bidding.register_outside_bidder(who, kind="company", name="南昌绿源二手办公设备有限公司",
                                           credential=credit_code("360103", 38762, "9", "1"), contact_name="胡晓燕",
                                           phone="13870612345", username="lvyuan")


# Rows: the action. Columns: the province bureau (keeps and decides the 省直 pool), a second officer of it, the
# 南昌 city bureau (another pool), a unit administrator of the province, a staff member, an outside buyer.
ACTORS = ("bureau_admin", "approver", "city_admin", "finance_admin", "staff", "outside_buyer")
MATRIX = {
    request_reuse: (OK, OK, HIDDEN, OK, DENIED, DENIED),
    approve_reuse: (OK, OK, HIDDEN, DENIED, DENIED, DENIED),
    request_loan: (OK, OK, HIDDEN, OK, DENIED, DENIED),
    approve_loan: (OK, OK, HIDDEN, DENIED, DENIED, DENIED),
    send_to_repair: (OK, OK, HIDDEN, DENIED, DENIED, DENIED),
    prepare_lot: (OK, OK, HIDDEN, DENIED, DENIED, DENIED),
    approve_lot: (DENIED, OK, HIDDEN, DENIED, DENIED, DENIED),  # the preparer may not approve (four eyes)
    place_bid: (DENIED, DENIED, HIDDEN, OK, DENIED, OK),  # the bureau runs the bidding; it does not bid
    declare_idle: (OK, OK, OK, OK, DENIED, DENIED),
    register_outside_bidder: (OK, OK, OK, DENIED, DENIED, DENIED),
}


@pytest.mark.parametrize(("action", "actor", "expected"), [
    pytest.param(action, actor, expected, id=f"{action.__name__}-{actor}")
    for action, row in MATRIX.items() for actor, expected in zip(ACTORS, row, strict=True)])
def test_who_may_do_what(w, action, actor, expected):
    try:
        action(w, getattr(w, actor))
    except PermissionDenied:
        outcome = DENIED
    except Http404:
        outcome = HIDDEN
    else:
        outcome = OK
    assert outcome == expected
