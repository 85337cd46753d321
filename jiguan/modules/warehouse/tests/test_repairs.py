"""Repairs (修复 → 在仓): sending a free item out, taking it back repaired (cost posted to the keeper) or beyond
repair (marked for disposal); one live repair per item; refusals change nothing; only keepers act."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import CostEntry
from jiguan.core.statemachine import timeline
from jiguan.modules.warehouse.models import Repair
from jiguan.modules.warehouse.services import repairs, reuse

from .world import build_world, pooled

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    world.item = pooled(world, name="激光打印机", source_unit=world.education)
    return world


def sent(w, item=None, **changes):
    values = {"fault": "卡纸频繁，定影组件老化", "repairer": "江西联创电子科技维修中心",
              "sent_on": timezone.localdate(), **changes}
    return repairs.send_to_repair(w.bureau_admin, (item or w.item).pk, **values)


def finished(w, repair, **changes):
    values = {"outcome": "repaired", "finished_on": timezone.localdate(), "cost": "480.00",
              "invoice_number": "36001234", "condition_after": "good", "outcome_note": "", **changes}
    return repairs.finish_repair(w.bureau_admin, repair.pk, **values)


def test_a_repaired_item_is_free_again_and_its_cost_posted(w):
    repair = sent(w, expected_back_on=timezone.localdate() + timedelta(days=7))
    w.item.refresh_from_db()
    assert (repair.state, w.item.state, repair.unit) == ("in_repair", "in_repair", w.bureau)
    assert not reuse.search(w.finance_admin).filter(pk=w.item.pk).exists()
    finished(w, repair)
    repair.refresh_from_db()
    w.item.refresh_from_db()
    assert (repair.state, w.item.state, w.item.condition) == ("repaired", "in_pool", "good")
    assert (repair.cost, repair.invoice_number, repair.finished_by) == (Decimal("480.00"), "36001234", w.bureau_admin)
    cost = CostEntry.objects.get()
    assert (cost.unit, cost.category, cost.amount, cost.subject_id) == (
        w.bureau, "公物仓资产维修", Decimal("480.00"), str(repair.pk))
    assert [e.action for e in timeline(repair)] == ["send", "repaired"]
    assert [e.action for e in timeline(w.item)] == ["send_to_repair", "back_from_repair"]


def test_a_free_repair_needs_no_invoice(w):
    finished(w, sent(w), cost="0", invoice_number="")
    assert not CostEntry.objects.exists()


def test_beyond_repair_comes_back_marked_for_disposal(w):
    repair = sent(w)
    with pytest.raises(ValidationFailed) as refusal:
        finished(w, repair, outcome="beyond_repair", cost="", invoice_number="")
    assert list(refusal.value.errors) == ["outcome_note"]
    finished(w, repair, outcome="beyond_repair", cost="", invoice_number="", condition_after="",
             outcome_note="主板烧毁，无维修价值")
    w.item.refresh_from_db()
    assert (w.item.state, w.item.condition) == ("in_pool", "poor")
    assert "主板烧毁，无维修价值" in w.item.note and str(timezone.localdate()) in w.item.note
    assert not CostEntry.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"outcome": "in_repair"}, "outcome"),
    ({"cost": ""}, "cost"),
    ({"cost": "12.345"}, "cost"),
    ({"invoice_number": ""}, "invoice_number"),
    ({"condition_after": ""}, "condition_after"),
    ({"finished_on": timezone.localdate() + timedelta(days=1)}, "finished_on"),
    ({"finished_on": timezone.localdate() - timedelta(days=1)}, "finished_on"),  # before it was sent
])
def test_bad_finishing_input_changes_nothing(w, changes, field):
    repair = sent(w)
    with pytest.raises(ValidationFailed) as refusal:
        finished(w, repair, **changes)
    assert field in refusal.value.errors
    repair.refresh_from_db()
    w.item.refresh_from_db()
    assert (repair.state, w.item.state) == ("in_repair", "in_repair") and not CostEntry.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"fault": ""}, "fault"),
    ({"repairer": "x"}, "repairer"),
    ({"sent_on": timezone.localdate() + timedelta(days=1)}, "sent_on"),
    ({"expected_back_on": timezone.localdate() - timedelta(days=1)}, "expected_back_on"),
])
def test_bad_sending_input_changes_nothing(w, changes, field):
    with pytest.raises(ValidationFailed) as refusal:
        sent(w, **changes)
    assert field in refusal.value.errors
    w.item.refresh_from_db()
    assert w.item.state == "in_pool" and not Repair.objects.exists()


def test_one_live_repair_per_item_and_only_free_items(w):
    repair = sent(w)
    with pytest.raises(StateError):
        sent(w)
    reserved = pooled(w, state="reserved")
    with pytest.raises(StateError):
        sent(w, item=reserved)
    finished(w, repair)
    with pytest.raises(StateError):
        finished(w, repair)
    assert Repair.objects.count() == 1


def test_only_keepers_reaching_the_card_act(w):
    with pytest.raises(PermissionDenied):
        repairs.send_to_repair(w.finance_admin, w.item.pk, fault="抽屉损坏", repairer="某维修厂")
    with pytest.raises(Http404):
        repairs.send_to_repair(w.city_admin, w.item.pk, fault="抽屉损坏", repairer="某维修厂")
    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop)
    with pytest.raises(Http404):
        sent(w, item=secret)  # the keeper without clearance does not see it
    repair = sent(w)
    with pytest.raises(PermissionDenied):
        repairs.finish_repair(w.finance_admin, repair.pk, outcome="repaired", cost="0", condition_after="good")
    with pytest.raises(Http404):
        repairs.finish_repair(w.city_admin, repair.pk, outcome="repaired", cost="0", condition_after="good")
    assert repairs.allowed_actions(repair, w.bureau_admin) == {"finish"}
    assert repairs.allowed_actions(repair, w.city_admin) == set()
    assert set(repairs.repairs_in_scope(w.bureau_admin)) == {repair}
    assert not repairs.repairs_in_scope(w.city_admin).exists()
    assert not repairs.repairs_in_scope(w.finance_admin).exists()
