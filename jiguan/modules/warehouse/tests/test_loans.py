"""Loans (借用 → 归还): request → approve → lend against a signature → extend → return and inspection; refusal
and withdrawal free the item; the damage charge is posted both ways; every refusal changes nothing; who may
do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import CostEntry, Notification, Role, RoleAssignment
from jiguan.core.scoping import Scope
from jiguan.core.statemachine import timeline
from jiguan.modules.warehouse.models import Loan, Repair
from jiguan.modules.warehouse.services import loans, reuse

from .test_reuse import SIGNATURE
from .world import build_world, pooled

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def w():
    world = build_world()
    world.item = pooled(world, name="折叠会议桌", source_unit=world.education)
    return world


def states(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return tuple(obj.state for obj in objects)


def requested(w, item=None, days=10, **changes):
    values = {"purpose_kind": "meeting", "purpose": "全省机关事务工作会议会场布置", "starts_on": today(),
              "due_on": today() + timedelta(days=days), **changes}
    return loans.request_loan(w.finance_admin, (item or w.item).pk, **values)


def lent(w, **changes):
    loan = requested(w, **changes)
    loans.approve_loan(w.bureau_admin, loan.pk)
    return loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")


def returned(w, loan, **changes):
    values = {"returned_by_name": "李建华", "condition_back": "good", "damage_charge": 0, "return_note": "",
              "send_to_repair": False, **changes}
    return loans.return_loan(w.bureau_admin, loan.pk, **values)


def test_the_whole_flow_keeps_the_card_with_the_keeper(w):
    loan = requested(w)
    assert loan.unit == w.finance and states(loan, w.item) == ("requested", "reserved")
    assert Notification.objects.filter(recipient=w.bureau_admin, link__contains=f"/loans/{loan.pk}/").exists()
    assert not reuse.search(w.education_admin).filter(pk=w.item.pk).exists()  # out of the catalogue

    loans.approve_loan(w.bureau_admin, loan.pk, "同意借用")
    assert states(loan, w.item) == ("approved", "reserved") and loan.review_comment == "同意借用"

    loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    assert states(loan, w.item) == ("lent", "on_loan")
    assert (loan.received_by_name, loan.signature, loan.condition_out, loan.lent_by) == (
        "李建华", SIGNATURE, "good", w.bureau_admin)
    assert w.item.unit == w.bureau and w.item.warehouse == w.central  # a loan moves no ownership

    returned(w, loan)
    assert states(loan, w.item) == ("returned", "in_pool")
    assert (loan.returned_by_name, loan.condition_back, loan.return_checked_by) == ("李建华", "good", w.bureau_admin)
    assert not CostEntry.objects.exists()
    assert [e.action for e in timeline(loan)] == ["request", "approve", "lend", "return"]
    assert [e.action for e in timeline(w.item)] == ["reserve", "lend", "take_back"]
    assert Notification.objects.filter(recipient=w.finance_admin, link__contains=f"/loans/{loan.pk}/").count() == 3
    assert reuse.search(w.education_admin).filter(pk=w.item.pk).exists()  # free again


def test_rejecting_frees_the_item_and_needs_a_reason(w):
    loan = requested(w)
    with pytest.raises(ValidationFailed) as refusal:
        loans.reject_loan(w.bureau_admin, loan.pk, "")
    assert "comment" in refusal.value.errors and states(loan, w.item) == ("requested", "reserved")
    loans.reject_loan(w.bureau_admin, loan.pk, "会议期间该物品另有安排")
    assert states(loan, w.item) == ("rejected", "in_pool")
    again = requested(w)  # a refusal is not final
    assert states(again, w.item) == ("requested", "reserved")


def test_the_borrowing_unit_may_withdraw_until_the_item_is_lent(w):
    loan = requested(w)
    loans.approve_loan(w.bureau_admin, loan.pk)
    with pytest.raises(Http404):
        loans.withdraw_loan(w.education_admin, loan.pk)  # not its loan
    loans.withdraw_loan(w.finance_admin, loan.pk, "会议取消")
    assert states(loan, w.item) == ("withdrawn", "in_pool")
    other = lent(w)
    with pytest.raises(StateError):
        loans.withdraw_loan(w.finance_admin, other.pk)
    assert states(other, w.item) == ("lent", "on_loan")


@pytest.mark.parametrize(("changes", "field"), [
    ({"purpose_kind": "party"}, "purpose_kind"),
    ({"purpose": "开会"}, "purpose"),
    ({"starts_on": ""}, "starts_on"),
    ({"starts_on": "2026-02-30"}, "starts_on"),
    ({"due_on": ""}, "due_on"),
])
def test_bad_input_changes_nothing(w, changes, field):
    with pytest.raises(ValidationFailed) as refusal:
        requested(w, **changes)
    assert field in refusal.value.errors
    assert states(w.item) == ("in_pool",) and not Loan.objects.exists()


def test_the_period_is_checked_with_the_dates_allowed(w):
    with pytest.raises(ValidationFailed) as past:
        requested(w, starts_on=today() - timedelta(days=1))
    assert str(today()) in past.value.errors["starts_on"][0]
    with pytest.raises(ValidationFailed) as backwards:
        requested(w, starts_on=today() + timedelta(days=5), due_on=today() + timedelta(days=4))
    assert "due_on" in backwards.value.errors
    with pytest.raises(ValidationFailed) as too_long:
        requested(w, days=181)
    assert str(today() + timedelta(days=180)) in too_long.value.errors["due_on"][0]
    with pytest.raises(ValidationFailed) as too_far:
        requested(w, starts_on=today() + timedelta(days=91), due_on=today() + timedelta(days=95))
    assert str(today() + timedelta(days=90)) in too_far.value.errors["starts_on"][0]
    assert not Loan.objects.exists()
    longest = requested(w, days=180)  # the limit itself is allowed
    assert longest.due_on == today() + timedelta(days=180)


def test_a_unit_cannot_borrow_its_own_item(w):
    own = pooled(w, source_unit=w.finance)
    with pytest.raises(ValidationFailed) as refusal:
        requested(w, item=own)
    assert own.number in refusal.value.message
    assert states(own) == ("in_pool",) and not Loan.objects.exists()


def test_an_item_no_longer_free_is_a_conflict(w):
    reuse.request_reuse(w.bureau_admin, w.item.pk, purpose="局机关办公使用")
    with pytest.raises(Conflict) as refusal:
        requested(w)
    assert w.item.number in refusal.value.message and not Loan.objects.exists()


@pytest.mark.parametrize("who", ["city_unit_admin", "city_admin"])
def test_another_regions_pool_is_not_found(w, who):
    with pytest.raises(Http404):
        loans.request_loan(getattr(w, who), w.item.pk, purpose_kind="event", purpose="南昌市活动布展",
                           starts_on=today(), due_on=today() + timedelta(days=3))
    assert not Loan.objects.exists()


def test_classified_items_are_invisible_without_clearance(w):
    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop, source_unit=w.education)
    with pytest.raises(Http404):
        requested(w, item=secret)
    hidden = loans.request_loan(w.cleared, secret.pk, purpose_kind="temporary_body", purpose="巡视组涉密岗位使用",
                                starts_on=today(), due_on=today() + timedelta(days=30))
    assert set(loans.loans_in_scope(w.bureau_admin)) == set()
    assert set(loans.loans_in_scope(w.cleared)) == {hidden}
    with pytest.raises(Http404):
        loans.approve_loan(w.bureau_admin, hidden.pk)
    assert states(hidden) == ("requested",)


def test_the_permission_matrix(w):
    with pytest.raises(PermissionDenied):
        loans.request_loan(w.staff, w.item.pk, purpose_kind="meeting", purpose="个人想要借用", starts_on=today(),
                           due_on=today())
    loan = requested(w)
    for action in (lambda who: loans.approve_loan(who, loan.pk), lambda who: loans.reject_loan(who, loan.pk, "不同意")):
        with pytest.raises(PermissionDenied):
            action(w.finance_admin)  # a unit administrator requests, never decides
        with pytest.raises(PermissionDenied):
            action(w.staff)
        with pytest.raises(Http404):
            action(w.city_admin)  # another region's bureau does not reach the card
    loans.approve_loan(w.bureau_admin, loan.pk)
    with pytest.raises(PermissionDenied):
        loans.lend(w.finance_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    with pytest.raises(Http404):
        loans.lend(w.city_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    with pytest.raises(PermissionDenied):
        loans.return_loan(w.finance_admin, loan.pk, returned_by_name="李建华", condition_back="good")
    with pytest.raises(PermissionDenied):
        loans.extend_loan(w.finance_admin, loan.pk, due_on=today() + timedelta(days=20))
    with pytest.raises(Http404):
        loans.extend_loan(w.city_admin, loan.pk, due_on=today() + timedelta(days=20))
    assert states(loan, w.item) == ("lent", "on_loan")


def test_a_wider_scope_reaches_the_card_but_does_not_decide_for_the_region(w):
    """A bureau account granted APPROVE over the whole province from the city level is the province's, not
    the pool's own bureau: it sees the loan but is told the region's bureau decides."""
    role = Role.objects.create(code="wh_wide", name="全省公物仓审核", permissions=["warehouse.view", "warehouse.approve"],
                               scope=Scope.ALL)
    RoleAssignment.objects.create(account=w.city_admin, role=role, unit=w.city_bureau)
    loan = requested(w)
    with pytest.raises(NotAllowed):
        loans.approve_loan(w.city_admin, loan.pk)
    assert states(loan) == ("requested",)


def test_steps_out_of_order_are_refused(w):
    loan = requested(w)
    with pytest.raises(StateError):
        loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    with pytest.raises(StateError):
        returned(w, loan)
    with pytest.raises(StateError):
        loans.extend_loan(w.bureau_admin, loan.pk, due_on=today() + timedelta(days=20))
    loans.approve_loan(w.bureau_admin, loan.pk)
    with pytest.raises(StateError):
        loans.approve_loan(w.bureau_admin, loan.pk)
    assert states(loan, w.item) == ("approved", "reserved")


@pytest.mark.parametrize(("changes", "field"), [
    ({"received_by_name": ""}, "received_by_name"),
    ({"signature": ""}, "signature"),
    ({"condition_out": "broken"}, "condition_out"),
])
def test_lending_needs_a_name_a_signature_and_a_condition(w, changes, field):
    loan = loans.approve_loan(w.bureau_admin, requested(w).pk)
    values = {"received_by_name": "李建华", "signature": SIGNATURE, "condition_out": "good", **changes}
    with pytest.raises(ValidationFailed) as refusal:
        loans.lend(w.bureau_admin, loan.pk, **values)
    assert list(refusal.value.errors) == [field]
    assert states(loan, w.item) == ("approved", "reserved")


def test_extending_moves_the_due_date_within_180_days(w):
    loan = lent(w)
    loan.reminded_on = today()
    loan.save()
    with pytest.raises(ValidationFailed) as earlier:
        loans.extend_loan(w.bureau_admin, loan.pk, due_on=loan.due_on)
    assert str(loan.due_on) in earlier.value.errors["due_on"][0]
    with pytest.raises(ValidationFailed) as too_long:
        loans.extend_loan(w.bureau_admin, loan.pk, due_on=loan.starts_on + timedelta(days=181))
    assert str(loan.starts_on + timedelta(days=180)) in too_long.value.errors["due_on"][0]
    old_due = loan.due_on
    loans.extend_loan(w.bureau_admin, loan.pk, due_on=old_due + timedelta(days=30), comment="会议延期")
    loan.refresh_from_db()
    assert loan.due_on == old_due + timedelta(days=30) and loan.reminded_on is None and loan.state == "lent"
    entry = list(timeline(loan))[-1]
    assert entry.action == "extend" and str(old_due) in entry.comment and "会议延期" in entry.comment


def test_a_return_in_the_same_condition_needs_no_note(w):
    loan = lent(w)
    returned(w, loan, condition_back="new")  # better is fine too
    assert states(loan, w.item) == ("returned", "in_pool") and w.item.condition == "new"


def test_a_worse_condition_needs_a_note_and_a_charge_needs_a_worse_condition(w):
    loan = lent(w)
    with pytest.raises(ValidationFailed) as no_note:
        returned(w, loan, condition_back="fair")
    assert list(no_note.value.errors) == ["return_note"]
    with pytest.raises(ValidationFailed) as no_damage:
        returned(w, loan, damage_charge="200")
    assert list(no_damage.value.errors) == ["damage_charge"]
    with pytest.raises(ValidationFailed) as bad_amount:
        returned(w, loan, condition_back="fair", return_note="桌面划伤", damage_charge="-5")
    assert list(bad_amount.value.errors) == ["damage_charge"]
    assert states(loan, w.item) == ("lent", "on_loan") and not CostEntry.objects.exists()


def test_a_damage_charge_is_a_cost_of_the_borrower_and_income_of_the_keeper(w):
    loan = lent(w)
    returned(w, loan, condition_back="fair", return_note="桌腿弯折，桌面划伤", damage_charge="350.00")
    assert states(loan, w.item) == ("returned", "in_pool") and w.item.condition == "fair"
    entries = {(e.unit, e.category, e.amount) for e in CostEntry.objects.all()}
    assert entries == {(w.finance, "公物仓借用损坏赔偿", Decimal("350.00")),
                       (w.bureau, "公物仓借用损坏赔偿", Decimal("-350.00"))}
    assert {e.subject_id for e in CostEntry.objects.all()} == {str(loan.pk)}


def test_a_broken_item_goes_straight_to_a_repairer(w):
    loan = lent(w)
    with pytest.raises(ValidationFailed) as refusal:
        returned(w, loan, condition_back="poor", return_note="无法折叠", send_to_repair=True)
    assert set(refusal.value.errors) == {"fault", "repairer"}
    assert states(loan, w.item) == ("lent", "on_loan") and not Repair.objects.exists()
    returned(w, loan, condition_back="poor", return_note="无法折叠", send_to_repair=True,
             repairer="南昌青山湖区鑫达家具维修厂", fault="折叠铰链断裂")
    repair = Repair.objects.get()
    assert states(loan, w.item) == ("returned", "in_repair")
    assert (repair.loan, repair.unit, repair.fault, repair.sent_on) == (loan, w.bureau, "折叠铰链断裂", today())


def test_allowed_actions_follow_role_and_state(w):
    loan = requested(w)
    assert loans.allowed_actions(loan, w.bureau_admin) == {"approve", "reject"}
    assert loans.allowed_actions(loan, w.finance_admin) == {"withdraw"}
    assert loans.allowed_actions(loan, w.education_admin) == set()
    assert loans.allowed_actions(loan, w.city_admin) == set()
    loans.approve_loan(w.bureau_admin, loan.pk)
    loan.refresh_from_db()
    assert loans.allowed_actions(loan, w.bureau_admin) == {"lend"}
    assert loans.allowed_actions(loan, w.finance_admin) == {"withdraw"}
    loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    loan.refresh_from_db()
    assert loans.allowed_actions(loan, w.bureau_admin) == {"extend", "return"}
    assert loans.allowed_actions(loan, w.finance_admin) == set()


def test_lists_show_what_each_role_reaches(w):
    loan = requested(w)
    virtual = pooled(w, name="投影仪", storage_kind="virtual", warehouse=None, location=None, unit=w.education,
                     source_unit=w.education)
    by_finance = requested(w, item=virtual)
    assert set(loans.loans_in_scope(w.bureau_admin)) == {loan, by_finance}
    assert set(loans.loans_in_scope(w.finance_admin)) == {loan, by_finance}
    assert set(loans.loans_in_scope(w.education_admin)) == {by_finance}  # the card it holds
    assert set(loans.my_unit_loans(w.finance_admin)) == {loan, by_finance}
    assert not loans.my_unit_loans(w.education_admin).exists()
    assert not loans.loans_in_scope(w.city_admin).exists()
    with pytest.raises(PermissionDenied):
        loans.loans_in_scope(w.staff)
