"""Search before you buy: the matches of a category subtree, the record of the decision (a reason of at least
10 characters when buying), bad input changes nothing, and who sees the records."""

import pytest
from django.core.exceptions import PermissionDenied

from jiguan.core.errors import ValidationFailed
from jiguan.modules.warehouse.models import PurchaseCheck
from jiguan.modules.warehouse.services import reuse

from .world import build_world, pooled

pytestmark = pytest.mark.django_db

REASON = "需要带锁抽屉的1.6米办公桌，库存规格不符"


@pytest.fixture
def w():
    world = build_world()
    world.desk_item = pooled(world)
    world.chair_item = pooled(world, category=world.chair, name="办公椅")
    pooled(world, classified=True, name="涉密桌", source_unit=world.education)
    return world


def plan(**changes):
    return {"category_code": "A05010200", "planned_item": "1.6米办公桌", "quantity": 3, **changes}


def test_matches_are_the_category_subtree_of_the_catalogue(w):
    assert list(reuse.check_before_purchase(w.education_admin, **plan())) == [w.desk_item]
    assert set(reuse.check_before_purchase(w.education_admin, **plan(category_code="A05000000"))) == {
        w.desk_item, w.chair_item}
    assert not reuse.check_before_purchase(w.city_unit_admin, **plan()).exists()


def test_buying_is_recorded_with_its_reason_and_the_matches_then(w):
    check = reuse.record_purchase_check(w.education_admin, **plan(), decision="not_fit", reason_not_fit=REASON)
    assert (check.unit, check.category.code, check.quantity, check.matches, check.decision) == (
        w.education, "A05010200", 3, 1, "not_fit")
    assert check.reason_not_fit == REASON and check.checked_by == w.education_admin


def test_choosing_a_pool_item_needs_no_reason(w):
    check = reuse.record_purchase_check(w.education_admin, **plan(), decision="reuse", reason_not_fit="忽略")
    assert (check.decision, check.reason_not_fit) == ("reuse", "")


@pytest.mark.parametrize(("changes", "field"), [
    ({"decision": "not_fit", "reason_not_fit": ""}, "reason_not_fit"),
    ({"decision": "not_fit", "reason_not_fit": "规格不符"}, "reason_not_fit"),  # under 10 characters
    ({"decision": "maybe"}, "decision"),
    ({"category_code": "B00000000", "decision": "reuse"}, "category_code"),
    ({"planned_item": " ", "decision": "reuse"}, "planned_item"),
    ({"quantity": 0, "decision": "reuse"}, "quantity"),
    ({"quantity": "many", "decision": "reuse"}, "quantity"),
])
def test_bad_input_changes_nothing(w, changes, field):
    with pytest.raises(ValidationFailed) as refusal:
        reuse.record_purchase_check(w.education_admin, **{**plan(), **changes})
    assert field in refusal.value.errors
    assert not PurchaseCheck.objects.exists()


def test_who_may_check_and_who_sees_the_records(w):
    mine = reuse.record_purchase_check(w.education_admin, **plan(), decision="not_fit", reason_not_fit=REASON)
    theirs = reuse.record_purchase_check(w.finance_admin, **plan(), decision="reuse")
    city = reuse.record_purchase_check(w.city_unit_admin, **plan(), decision="not_fit", reason_not_fit=REASON)
    assert set(reuse.purchase_checks_in_scope(w.bureau_admin)) == {mine, theirs, city}  # the province and below
    assert set(reuse.purchase_checks_in_scope(w.city_admin)) == {city}
    assert set(reuse.purchase_checks_in_scope(w.education_admin)) == {mine}
    assert set(reuse.filtered_purchase_checks(w.bureau_admin, decision="not_fit", unit_id=w.education.pk)) == {mine}
    assert set(reuse.filtered_purchase_checks(w.bureau_admin, category_code="A02000000")) == set()
    for service in (reuse.check_before_purchase, reuse.record_purchase_check):
        with pytest.raises(PermissionDenied):
            service(w.staff, **plan(), **({"decision": "reuse"} if service is reuse.record_purchase_check else {}))
    with pytest.raises(PermissionDenied):
        reuse.purchase_checks_in_scope(w.staff)
