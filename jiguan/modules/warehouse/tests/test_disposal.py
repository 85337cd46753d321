"""Disposal lots: preparing takes free items out of the pool; four-eyes approval; refusal and cancellation put
the items back; scrapping disposes of them and posts the salvage income; each refusal changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.models import CostEntry, Notification
from jiguan.core.statemachine import timeline
from jiguan.modules.warehouse.models import DisposalLot, ReuseRequest
from jiguan.modules.warehouse.services import bidding, disposal, reuse

from .disposal_world import bidding_lot, build_disposal_world, scrap_lot
from .world import pooled

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_disposal_world()


def states(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return tuple(obj.state for obj in objects)


def test_preparing_numbers_the_lot_and_takes_the_items_out_of_the_pool(w):
    lot = bidding_lot(w, approve=False)
    assert lot.number == f"CZ360000{timezone.localdate().year}000001"
    assert (lot.state, lot.unit, lot.pool_region_id, lot.prepared_by) == ("submitted", w.bureau, "360000",
                                                                         w.bureau_admin)
    assert lot.original_ends_at == lot.ends_at and lot.reserve_price == Decimal("1000")
    assert states(*w.items) == ("disposing", "disposing")
    assert not reuse.search(w.finance_admin).filter(pk__in=[i.pk for i in w.items]).exists()
    assert [e.action for e in timeline(w.items[0])] == ["put_in_lot"]
    assert Notification.objects.filter(recipient=w.approver, link__contains=f"/lots/{lot.pk}/").exists()
    assert not Notification.objects.filter(recipient=w.bureau_admin, link__contains="/lots/").exists()


def test_four_eyes_the_preparer_cannot_decide_their_own_lot(w):
    lot = bidding_lot(w, approve=False)
    with pytest.raises(PermissionDenied):
        disposal.approve_lot(w.bureau_admin, lot.pk)
    with pytest.raises(PermissionDenied):
        disposal.reject_lot(w.bureau_admin, lot.pk, "自己拒绝")
    assert disposal.allowed_actions(lot, w.bureau_admin) == {"cancel"}
    assert disposal.allowed_actions(lot, w.approver) == {"approve", "reject", "cancel"}
    disposal.approve_lot(w.approver, lot.pk, "同意公开竞价")
    assert states(lot) == ("approved",) and lot.reviewed_by == w.approver
    assert [e.action for e in timeline(lot)] == ["prepare", "approve"]


def test_rejecting_needs_a_reason_and_puts_the_items_back(w):
    lot = scrap_lot(w, approve=False)
    with pytest.raises(ValidationFailed) as refusal:
        disposal.reject_lot(w.approver, lot.pk, "  ")
    assert "comment" in refusal.value.errors and states(lot) == ("submitted",)
    disposal.reject_lot(w.approver, lot.pk, "部分物品仍可调剂")
    assert states(lot, *w.items) == ("rejected", "in_pool", "in_pool")
    assert [e.action for e in timeline(w.items[0])] == ["put_in_lot", "back_from_lot"]
    again = scrap_lot(w, approve=False)  # free again, so a new lot may take them
    assert states(again) == ("submitted",)


def test_cancelling_a_lot_awaiting_approval_or_without_bids(w):
    lot = bidding_lot(w)
    with pytest.raises(ValidationFailed):
        disposal.cancel_lot(w.bureau_admin, lot.pk, "")
    disposal.cancel_lot(w.bureau_admin, lot.pk, "改为报废处理")
    assert states(lot, *w.items) == ("cancelled", "in_pool", "in_pool")
    with pytest.raises(StateError):
        disposal.cancel_lot(w.bureau_admin, lot.pk, "再次取消")


def test_a_bidding_lot_with_bids_cannot_be_cancelled(w):
    lot = bidding_lot(w)
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    with pytest.raises(StateError):
        disposal.cancel_lot(w.bureau_admin, lot.pk, "不想卖了")
    assert states(lot) == ("approved",) and "cancel" not in disposal.allowed_actions(lot, w.bureau_admin)


def test_scrapping_disposes_of_the_items_and_posts_the_salvage(w):
    lot = scrap_lot(w)
    assert disposal.allowed_actions(lot, w.bureau_admin) == {"scrap"}
    disposal.record_scrapping(w.bureau_admin, lot.pk, recycler_name="江西再生资源回收有限公司",
                              recycler_licence="赣商再生2024-018", scrapped_on=timezone.localdate(),
                              scrap_certificate="HS-2026-0001", salvage_value="350.00")
    assert states(lot, *w.items) == ("scrapped", "disposed", "disposed")
    assert lot.salvage_value == Decimal("350.00") and lot.closed_at is not None
    income = CostEntry.objects.get()
    assert (income.unit, income.module, income.category, income.amount) == (
        w.bureau, "warehouse", "公物仓处置收入", Decimal("-350.00"))
    assert [e.action for e in timeline(lot)] == ["prepare", "approve", "scrap"]


def test_scrapping_without_salvage_posts_nothing(w):
    lot = scrap_lot(w)
    disposal.record_scrapping(w.bureau_admin, lot.pk, recycler_name="回收公司", recycler_licence="L-1",
                              scrapped_on=timezone.localdate(), scrap_certificate="C-1", salvage_value="0")
    assert states(lot) == ("scrapped",) and not CostEntry.objects.exists()


@pytest.mark.parametrize(("field", "changes"), [
    ("recycler_name", {"recycler_name": ""}),
    ("scrapped_on", {"scrapped_on": date(2001, 1, 1)}),
    ("scrapped_on", {"scrapped_on": "明天"}),
    ("salvage_value", {"salvage_value": "-5"}),
    ("salvage_value", {"salvage_value": "1.234"}),
    ("scrap_certificate", {"scrap_certificate": ""}),
])
def test_bad_scrapping_records_change_nothing(w, field, changes):
    lot = scrap_lot(w)
    values = {"recycler_name": "回收公司", "recycler_licence": "L-1", "scrapped_on": timezone.localdate(),
              "scrap_certificate": "C-1", "salvage_value": "10"}
    with pytest.raises(ValidationFailed) as refusal:
        disposal.record_scrapping(w.bureau_admin, lot.pk, **{**values, **changes})
    assert field in refusal.value.errors
    assert states(lot, *w.items) == ("approved", "disposing", "disposing") and not CostEntry.objects.exists()


def test_scrapping_needs_an_approved_scrap_lot(w):
    values = {"recycler_name": "回收公司", "recycler_licence": "L-1", "scrapped_on": timezone.localdate(),
              "scrap_certificate": "C-1", "salvage_value": "0"}
    pending = scrap_lot(w, approve=False)
    with pytest.raises(StateError):
        disposal.record_scrapping(w.bureau_admin, pending.pk, **values)
    other = bidding_lot(w, items=[pooled(w)])
    with pytest.raises(StateError):
        disposal.record_scrapping(w.bureau_admin, other.pk, **values)


@pytest.mark.parametrize(("field", "terms"), [
    ("reserve_price", {"reserve_price": "-1"}),
    ("reserve_price", {"reserve_price": ""}),
    ("min_increment", {"min_increment": "0"}),
    ("starts_at", {"starts_at": timezone.now() - timedelta(days=1)}),
    ("ends_at", {"ends_at": timezone.now() + timedelta(minutes=30)}),
    ("ends_at", {"ends_at": "下周一"}),
    ("sniping_minutes", {"sniping_minutes": 0}),
    ("sniping_minutes", {"sniping_minutes": 61}),
    ("pay_days", {"pay_days": 31}),
    ("pay_days", {"pay_days": 0}),
])
def test_bidding_terms_are_checked(w, field, terms):
    values = {"reserve_price": "1000", "min_increment": "100", "ends_at": timezone.now() + timedelta(hours=2)}
    with pytest.raises(ValidationFailed) as refusal:
        disposal.prepare_lot(w.bureau_admin, title="旧家具", method="bidding", reason="超过使用年限",
                             asset_ids=[w.items[0].pk], **{**values, **terms})
    assert field in refusal.value.errors
    assert not DisposalLot.objects.exists() and states(w.items[0]) == ("in_pool",)


@pytest.mark.parametrize("terms", [{"reserve_price": "100"}, {"ends_at": timezone.now() + timedelta(hours=3)},
                                   {"sealed": True}, {"pay_days": 9}])
def test_a_scrap_lot_refuses_bidding_terms(w, terms):
    with pytest.raises(ValidationFailed) as refusal:
        disposal.prepare_lot(w.bureau_admin, title="报废", method="scrap", reason="无法修复使用",
                             asset_ids=[w.items[0].pk], **terms)
    assert set(refusal.value.errors) == set(terms)
    assert not DisposalLot.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": ""}, "title"), ({"method": "auction"}, "method"), ({"reason": "旧"}, "reason"),
    ({"asset_ids": []}, "asset_ids"), ({"asset_ids": ["x"]}, "asset_ids"),
])
def test_lot_fields_are_checked(w, changes, field):
    values = {"title": "报废电脑", "method": "scrap", "reason": "无法修复使用", "asset_ids": [w.items[0].pk]}
    with pytest.raises(ValidationFailed) as refusal:
        disposal.prepare_lot(w.bureau_admin, **{**values, **changes})
    assert field in refusal.value.errors and not DisposalLot.objects.exists()


def test_an_item_not_free_is_a_conflict_and_nothing_is_taken(w):
    reuse.request_reuse(w.education_admin, w.items[1].pk, purpose="新设科室办公使用")
    with pytest.raises(Conflict) as refusal:
        scrap_lot(w, approve=False)
    assert w.items[1].number in refusal.value.message
    assert states(*w.items) == ("in_pool", "reserved") and not DisposalLot.objects.exists()
    lot = scrap_lot(w, items=[w.items[0]], approve=False)
    with pytest.raises(Conflict):  # an item is in one live lot at a time
        scrap_lot(w, items=[w.items[0]], approve=False)
    with pytest.raises(Conflict):  # and no unit may request it meanwhile
        reuse.request_reuse(w.education_admin, w.items[0].pk, purpose="新设科室办公使用")
    assert DisposalLot.objects.get() == lot and ReuseRequest.objects.count() == 1


def test_classified_items_are_disposed_of_apart(w):
    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop)
    with pytest.raises(ValidationFailed) as refusal:
        disposal.prepare_lot(w.cleared, title="报废", method="scrap", reason="无法修复使用", asset_ids=[secret.pk])
    assert "涉密" in refusal.value.message
    with pytest.raises(Http404):  # without clearance the card does not exist
        disposal.prepare_lot(w.bureau_admin, title="报废", method="scrap", reason="无法修复使用", asset_ids=[secret.pk])
    assert states(secret) == ("in_pool",)


def test_card_numbers_are_read_one_by_one(w):
    numbers = f"{w.items[0].number}\n{w.items[1].number}，{w.items[0].number}"
    assert disposal.card_ids(w.bureau_admin, numbers) == [w.items[0].pk, w.items[1].pk]
    with pytest.raises(ValidationFailed) as refusal:
        disposal.card_ids(w.bureau_admin, f"{w.items[0].number} GWC404 NOPE")
    messages = refusal.value.errors["card_numbers"]
    assert len(messages) == 2 and messages[0].startswith("GWC404") and messages[1].startswith("NOPE")
    with pytest.raises(ValidationFailed):
        disposal.card_ids(w.bureau_admin, "  ")
    with pytest.raises(ValidationFailed):  # another pool's cards are not the province bureau's to keep
        disposal.card_ids(w.city_admin, w.items[0].number)


def test_who_may_prepare_and_decide(w):
    args = {"title": "报废", "method": "scrap", "reason": "无法修复使用", "asset_ids": [w.items[0].pk]}
    for unit_admin in (w.finance_admin, w.staff):
        with pytest.raises(PermissionDenied):
            disposal.prepare_lot(unit_admin, **args)
    with pytest.raises(Http404):  # another region's bureau does not keep these cards
        disposal.prepare_lot(w.city_admin, **args)
    lot = scrap_lot(w, approve=False)
    with pytest.raises(PermissionDenied):
        disposal.approve_lot(w.finance_admin, lot.pk)
    with pytest.raises(Http404):
        disposal.approve_lot(w.city_admin, lot.pk)
    with pytest.raises(PermissionDenied):
        disposal.cancel_lot(w.finance_admin, lot.pk, "单位取消")
    assert states(lot) == ("submitted",)
    assert set(disposal.lots_in_scope(w.bureau_admin)) == {lot}
    assert not disposal.lots_in_scope(w.city_admin).exists() and not disposal.lots_in_scope(w.finance_admin).exists()


def test_a_lot_whose_bidding_ended_before_approval_cannot_be_approved(w):
    lot = bidding_lot(w, approve=False)
    DisposalLot.objects.filter(pk=lot.pk).update(starts_at=timezone.now() - timedelta(hours=2),
                                                 ends_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(StateError):
        disposal.approve_lot(w.approver, lot.pk)
    assert states(lot) == ("submitted",)
