"""Bidding: registration of unit and outside bidders, the bid rules (reserve, increment, sealed bids, the bidding
period), anti-sniping, closing (awarded or unsold), a winner who does not pay, payment posting the proceeds;
who may do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.models import Account, CostEntry, Notification
from jiguan.core.scoping import has_permission
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, make_unit
from jiguan.modules.warehouse.models import Bid, BidderRegistration
from jiguan.modules.warehouse.services import bidding

from .disposal_world import bidding_lot, build_disposal_world, ends_in, pay_by_passed, registered, scrap_lot
from .world import pooled

pytestmark = pytest.mark.django_db
COMPANY_CODE = "91360100MA35XXXX0X"


@pytest.fixture
def w():
    return build_disposal_world()


def states(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return tuple(obj.state for obj in objects)


def outside(w, **changes):
    from jiguan.core.identifiers import credit_code

    values = {"kind": "company", "name": "南昌旧货回收有限公司", "credential": credit_code("360100", 77),
              "contact_name": "王五", "phone": "13912345678", "username": "buyer_wang"}
    return bidding.register_outside_bidder(w.bureau_admin, **{**values, **changes})


# --- Registration -------------------------------------------------------------------------------------------------


def test_a_unit_registers_and_the_bureau_approves(w):
    audit = make_unit("360000", "江西省审计厅")
    admin = make_account("audit_admin", roles=("unit_admin",), unit=audit)
    registration = registered(w, admin, approve=False)
    assert (registration.state, registration.kind, registration.bidder_unit, registration.unit, registration.pool_region_id) == (
        "pending", "unit", audit, w.bureau, "360000")
    assert Notification.objects.filter(recipient=w.bureau_admin, link__contains=f"/bidders/{registration.pk}/").exists()
    with pytest.raises(Conflict):  # one live registration per unit and pool
        registered(w, admin, approve=False)
    bidding.approve_registration(w.bureau_admin, registration.pk, "资料齐全")
    assert states(registration) == ("approved",)
    assert Notification.objects.filter(recipient=admin, title__contains="江西").exists()
    bidding.revoke_registration(w.bureau_admin, registration.pk, "违反竞价规则")
    assert states(registration) == ("revoked",)
    assert [e.action for e in timeline(registration)] == ["register", "approve", "revoke"]


@pytest.mark.parametrize(("field", "changes"), [("contact_name", {"contact_name": ""}),
                                                 ("phone", {"phone": "12345"})])
def test_a_unit_registration_is_checked(w, field, changes):
    admin = make_account("audit_admin", roles=("unit_admin",), unit=make_unit("360000", "江西省审计厅"))
    with pytest.raises(ValidationFailed) as refusal:
        bidding.register_unit_bidder(admin, **{"contact_name": "李四", "phone": "13800138000", **changes})
    assert field in refusal.value.errors and not BidderRegistration.objects.filter(account=admin).exists()


def test_refusing_or_revoking_needs_a_reason_and_the_right_bureau(w):
    admin = make_account("audit_admin", roles=("unit_admin",), unit=make_unit("360000", "江西省审计厅"))
    registration = registered(w, admin, approve=False)
    with pytest.raises(ValidationFailed):
        bidding.reject_registration(w.bureau_admin, registration.pk, "")
    with pytest.raises(Http404):
        bidding.approve_registration(w.city_admin, registration.pk)
    with pytest.raises(PermissionDenied):
        bidding.approve_registration(w.finance_admin, registration.pk)
    with pytest.raises(StateError):
        bidding.revoke_registration(w.bureau_admin, registration.pk, "尚未批准")
    bidding.reject_registration(w.bureau_admin, registration.pk, "资料不全")
    assert states(registration) == ("rejected",)
    registered(w, admin, approve=False)  # a refused unit may register again


def test_the_bureau_registers_an_outside_buyer_with_a_working_account(w):
    registration, password = outside(w)
    assert (registration.state, registration.kind, registration.reviewed_by) == ("approved", "company", w.bureau_admin)
    account = registration.account
    assert account.username == "buyer_wang" and account.unit is None and account.must_change_password
    assert account.check_password(password) and len(password) >= 12
    assert has_permission(account, "warehouse.bid") and has_permission(account, "core.use_service")
    assert not has_permission(account, "warehouse.view") and not has_permission(account, "warehouse.keep")
    lot = bidding_lot(w)
    assert list(bidding.open_lots(account)) == [lot]
    bid = bidding.place_bid(account, lot.pk, "1000")
    assert bid.bidder == registration
    masked = bidding.masked(registration)
    assert masked == {"phone": "139****5678", "credential": registration.credential}


def test_an_individual_buyer_has_the_id_number_masked(w):
    from datetime import date

    from jiguan.core.identifiers import id_number

    number = id_number("360102", date(1980, 1, 2), 11, female=False)
    registration, _password = outside(w, kind="individual", name="赵六", credential=number, username="zhao6")
    assert bidding.masked(registration)["credential"] == number[:6] + "********" + number[-4:]


@pytest.mark.parametrize(("field", "changes"), [
    ("kind", {"kind": "unit"}),
    ("credential", {"credential": "91360100MA35XXXX0X"}),
    ("credential", {"kind": "individual", "credential": "360102198001021234"}),
    ("username", {"username": "a b"}),
    ("username", {"username": "wh_admin"}),
    ("phone", {"phone": "110"}),
    ("name", {"name": ""}),
])
def test_an_outside_registration_is_checked_and_makes_no_account(w, field, changes):
    with pytest.raises(ValidationFailed) as refusal:
        outside(w, **changes)
    assert field in refusal.value.errors
    assert not BidderRegistration.objects.exclude(kind="unit").exists()
    assert not Account.objects.filter(username__in=["buyer_wang", "a b"]).exists()


def test_the_same_outside_buyer_is_registered_once(w):
    outside(w)
    with pytest.raises(Conflict):
        outside(w, username="buyer_wang2")
    assert not Account.objects.filter(username="buyer_wang2").exists()


def test_only_the_pools_bureau_registers_outside_buyers(w):
    with pytest.raises(PermissionDenied):
        bidding.register_outside_bidder(w.finance_admin, kind="company", name="某公司", credential=COMPANY_CODE,
                                        contact_name="王五", phone="13912345678", username="buyer_x")


# --- Bids ---------------------------------------------------------------------------------------------------------


def test_open_bids_follow_the_reserve_and_the_increment(w):
    lot = bidding_lot(w)
    with pytest.raises(ValidationFailed) as refusal:
        bidding.place_bid(w.finance_admin, lot.pk, "999.99")
    assert "1000" in refusal.value.message and refusal.value.field == "amount"
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    with pytest.raises(ValidationFailed) as refusal:
        bidding.place_bid(w.education_admin, lot.pk, "1099")
    assert "1100" in refusal.value.message  # the message states the minimum next bid
    bidding.place_bid(w.education_admin, lot.pk, "1100")
    bidding.place_bid(w.finance_admin, lot.pk, "1300")  # raising one's own is fine, by the increment too
    with pytest.raises(ValidationFailed):
        bidding.place_bid(w.finance_admin, lot.pk, "1350")
    assert [b.amount for b in bidding.ranked(lot)] == [Decimal("1300"), Decimal("1100"), Decimal("1000")]
    outbid = Notification.objects.filter(link__contains=f"/bidding/lots/{lot.pk}/")
    assert sorted(n.recipient.username for n in outbid) == ["edu_admin", "fin_admin"]  # each outbid once


@pytest.mark.parametrize("amount", ["", "abc", "-5", "1000.001"])
def test_a_bad_amount_is_refused(w, amount):
    lot = bidding_lot(w)
    with pytest.raises(ValidationFailed) as refusal:
        bidding.place_bid(w.finance_admin, lot.pk, amount)
    assert refusal.value.field == "amount" and not Bid.objects.exists()


def test_sealed_bids_one_each_and_no_amount_shown_until_the_close(w):
    lot = bidding_lot(w, sealed=True)
    bidding.place_bid(w.finance_admin, lot.pk, "1500")
    with pytest.raises(Conflict):
        bidding.place_bid(w.finance_admin, lot.pk, "1600")
    bidding.place_bid(w.education_admin, lot.pk, "1200")  # below the other: fine, sealed bids only meet the reserve
    audit = registered(w, make_account("audit_admin", roles=("unit_admin",), unit=make_unit("360000", "江西省审计厅")))
    with pytest.raises(ValidationFailed):  # but the reserve they must meet
        bidding.place_bid(audit.account, lot.pk, "999")
    for user in (w.finance_admin, w.education_admin, w.bureau_admin):
        view = bidding.lot_view(user, lot)
        assert (view.bid_count, view.highest, view.ranking) == (2, None, None)
    assert not bidding.amounts_visible(lot)
    ends_in(lot, timedelta(seconds=-1))
    assert bidding.close_if_due(lot.pk)
    lot.refresh_from_db()
    view = bidding.lot_view(w.bureau_admin, lot)
    assert (lot.state, lot.winning_bid.amount, view.highest) == ("awarded", Decimal("1500"), Decimal("1500"))
    assert [b.amount for b in view.ranking] == [Decimal("1500"), Decimal("1200")]
    assert bidding.lot_view(w.education_admin, lot).ranking is None  # bidders never see the others


def test_a_bid_in_the_last_minutes_extends_the_end_and_an_earlier_one_does_not(w):
    lot = bidding_lot(w, sniping_minutes=5)
    scheduled = lot.ends_at
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    lot.refresh_from_db()
    assert lot.ends_at == scheduled  # two hours before the end: no extension

    lot = ends_in(lot, timedelta(minutes=2))
    before = timezone.now()
    bid = bidding.place_bid(w.education_admin, lot.pk, "1100")
    lot.refresh_from_db()
    assert lot.ends_at == bid.placed_at + timedelta(minutes=5) and bid.placed_at >= before
    assert lot.original_ends_at == scheduled
    assert [e.action for e in timeline(lot)][-1] == "extend"

    lot = ends_in(lot, timedelta(seconds=-1))  # the extended end passes
    with pytest.raises(StateError):
        bidding.place_bid(w.finance_admin, lot.pk, "1500")
    assert states(lot) == ("awarded",) and lot.winning_bid.amount == Decimal("1100")  # closed on the spot


def test_sealed_bids_are_not_extended(w):
    lot = ends_in(bidding_lot(w, sealed=True), timedelta(minutes=2))
    end = lot.ends_at
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    lot.refresh_from_db()
    assert lot.ends_at == end


def test_bids_only_within_the_period_of_an_approved_lot(w):
    later = bidding_lot(w, starts_at=timezone.now() + timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=3))
    with pytest.raises(StateError) as refusal:
        bidding.place_bid(w.finance_admin, later.pk, "1000")
    assert timezone.localtime(later.starts_at).strftime("%Y-%m-%d %H:%M") in refusal.value.message
    pending = bidding_lot(w, items=[pooled(w)], approve=False)
    with pytest.raises(Http404):  # not published: bidders do not see it
        bidding.place_bid(w.finance_admin, pending.pk, "1000")
    assert not Bid.objects.exists()


def test_who_may_bid(w):
    lot = bidding_lot(w)
    with pytest.raises(PermissionDenied) as running:  # the bureau runs the bidding: it does not bid
        bidding.place_bid(w.bureau_admin, lot.pk, "1000")
    assert "不能参加竞买" in str(running.value)
    with pytest.raises(PermissionDenied):
        bidding.register_unit_bidder(w.bureau_admin, contact_name="王强", phone="13907001234")
    with pytest.raises(PermissionDenied):
        bidding.place_bid(w.staff, lot.pk, "1000")
    audit_admin = make_account("audit_admin", roles=("unit_admin",), unit=make_unit("360000", "江西省审计厅"))
    with pytest.raises(PermissionDenied) as unregistered:  # of the region, but not registered
        bidding.place_bid(audit_admin, lot.pk, "1000")
    registered(w, audit_admin, approve=False)
    with pytest.raises(PermissionDenied) as pending:  # registered, awaiting approval
        bidding.place_bid(audit_admin, lot.pk, "1000")
    assert str(pending.value) != str(unregistered.value)
    city_bidder = registered(w, w.city_unit_admin)
    assert city_bidder.pool_region_id == "360100"
    with pytest.raises(Http404):  # another region's pool: the lot does not exist for them
        bidding.place_bid(w.city_unit_admin, lot.pk, "1000")
    with pytest.raises(Http404):
        bidding.bidder_lot(w.city_unit_admin, lot.pk)
    assert not bidding.open_lots(w.city_unit_admin).exists()
    bidding.revoke_registration(w.bureau_admin, w.education_bidder.pk, "违规")
    with pytest.raises(PermissionDenied):
        bidding.place_bid(w.education_admin, lot.pk, "1000")
    assert not Bid.objects.exists()


def test_a_scrap_lot_takes_no_bids(w):
    lot = scrap_lot(w)
    with pytest.raises(Http404):
        bidding.place_bid(w.finance_admin, lot.pk, "1000")


# --- Closing, default, payment ------------------------------------------------------------------------------------


def test_closing_without_bids_leaves_the_lot_unsold_and_frees_the_items(w):
    lot = ends_in(bidding_lot(w), timedelta(seconds=-1))
    assert bidding.close_due_lots() == 1
    assert states(lot, *w.items) == ("unsold", "in_pool", "in_pool")
    assert bidding.close_due_lots() == 0


def test_the_highest_bid_wins_and_the_winner_is_told(w):
    lot = bidding_lot(w, pay_days=3)
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    bidding.place_bid(w.education_admin, lot.pk, "1200")
    ends_in(lot, timedelta(seconds=-1))
    assert bidding.close_due_lots() == 1
    lot.refresh_from_db()
    assert lot.state == "awarded" and lot.winning_bid.bidder == w.education_bidder
    assert lot.pay_by == lot.awarded_at + timedelta(days=3)
    assert Notification.objects.filter(recipient=w.education_admin, link__contains=f"/bidding/lots/{lot.pk}/").exists()
    assert list(bidding.won_lots(w.education_admin)) == [lot]


def test_a_winner_not_paying_passes_the_lot_to_the_next_bidder_then_unsold(w):
    lot = bidding_lot(w)
    bidding.place_bid(w.finance_admin, lot.pk, "1000")
    bidding.place_bid(w.education_admin, lot.pk, "1100")
    bidding.place_bid(w.education_admin, lot.pk, "1200")
    ends_in(lot, timedelta(seconds=-1))
    bidding.close_due_lots()
    lot.refresh_from_db()
    with pytest.raises(StateError):  # not before the deadline
        bidding.pass_to_next_bidder(w.bureau_admin, lot.pk, "未付款")
    pay_by_passed(lot)
    with pytest.raises(ValidationFailed):
        bidding.pass_to_next_bidder(w.bureau_admin, lot.pk, "")
    bidding.pass_to_next_bidder(w.bureau_admin, lot.pk, "逾期未付款")
    lot.refresh_from_db()
    # education's other (lower) bid does not count: the next bidder must be a different one
    assert lot.state == "awarded" and lot.winning_bid.bidder == w.finance_bidder
    assert Bid.objects.filter(state="defaulted").count() == 1
    pay_by_passed(lot)
    assert bidding.close_due_lots() == 1  # the job passes on too
    assert states(lot, *w.items) == ("unsold", "in_pool", "in_pool")
    assert [e.action for e in timeline(lot)][-3:] == ["award", "pass_on", "unsold"]


def test_payment_sells_the_lot_posts_the_income_and_disposes_of_the_items(w):
    lot = bidding_lot(w)
    bidding.place_bid(w.finance_admin, lot.pk, "2500.50")
    ends_in(lot, timedelta(seconds=-1))
    bidding.close_due_lots()
    with pytest.raises(ValidationFailed) as refusal:
        bidding.confirm_payment(w.bureau_admin, lot.pk, payment_reference="", paid_at=timezone.now() + timedelta(days=2))
    assert set(refusal.value.errors) == {"payment_reference", "paid_at"}
    with pytest.raises(PermissionDenied):
        bidding.confirm_payment(w.finance_admin, lot.pk, payment_reference="GK20260001", paid_at=timezone.now())
    bidding.confirm_payment(w.bureau_admin, lot.pk, payment_reference="GK20260001", paid_at=timezone.now())
    assert states(lot, *w.items) == ("sold", "disposed", "disposed")
    assert lot.proceeds == Decimal("2500.50") and lot.payment_reference == "GK20260001"
    income = CostEntry.objects.get()
    assert (income.unit, income.category, income.amount) == (w.bureau, "公物仓处置收入", Decimal("-2500.50"))
    with pytest.raises(StateError):
        bidding.confirm_payment(w.bureau_admin, lot.pk, payment_reference="GK20260002", paid_at=timezone.now())
    assert CostEntry.objects.count() == 1


def test_a_reserve_of_nothing_is_met_by_a_bid_of_nothing(w):
    lot = bidding_lot(w, reserve_price="0")
    bidding.place_bid(w.finance_admin, lot.pk, "0")
    ends_in(lot, timedelta(seconds=-1))
    bidding.close_due_lots()
    lot.refresh_from_db()
    assert lot.state == "awarded" and lot.winning_bid.amount == Decimal("0")
