"""Reuse (调剂): request → approve → hand-over moves the card to the requesting unit and posts the saving;
refusal and withdrawal free the item; every refusal changes nothing; who may do what."""

import base64
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.models import CostEntry, Notification
from jiguan.core.statemachine import timeline
from jiguan.modules.warehouse.models import Asset, ReuseRequest
from jiguan.modules.warehouse.services import reuse

from .world import build_world, pooled

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(  # a 1×1 transparent PNG, what a canvas exports
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def w():
    world = build_world()
    world.item = pooled(world, source_unit=world.education)
    return world


def states(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return tuple(obj.state for obj in objects)


def requested(w, item=None):
    return reuse.request_reuse(w.finance_admin, (item or w.item).pk, purpose="新设科室办公使用")


def approved(w):
    return reuse.approve_reuse(w.bureau_admin, requested(w).pk)


def test_the_whole_flow_moves_ownership_and_posts_the_saving(w):
    request = requested(w)
    assert request.unit == w.finance and states(request, w.item) == ("requested", "reserved")
    assert Notification.objects.filter(recipient=w.bureau_admin, link__contains=f"/{request.pk}/").exists()

    reuse.approve_reuse(w.bureau_admin, request.pk, "同意调剂")
    assert states(request, w.item) == ("approved", "reserved")
    assert request.reviewed_by == w.bureau_admin and request.review_comment == "同意调剂"

    reuse.hand_over(w.bureau_admin, request.pk, received_by_name="张三", signature=SIGNATURE)
    assert states(request, w.item) == ("handed_over", "transferred")
    assert request.received_by_name == "张三" and request.signature == SIGNATURE
    assert request.handed_over_by == w.bureau_admin and request.handed_over_at is not None
    assert w.item.unit == w.finance and w.item.org_path == w.finance.org_path
    assert (w.item.storage_kind, w.item.warehouse, w.item.location) == ("virtual", None, None)
    saving = CostEntry.objects.get()
    assert (saving.unit, saving.module, saving.category, saving.amount) == (
        w.finance, "warehouse", "公物仓调剂节约", Decimal("-1800.00"))
    assert saving.subject_id == str(request.pk)
    assert [e.action for e in timeline(request)] == ["request", "approve", "hand_over"]
    assert [e.action for e in timeline(w.item)] == ["reserve", "transfer"]
    assert Notification.objects.filter(recipient=w.finance_admin, title__contains=w.item.name).count() == 2
    assert Notification.objects.filter(recipient=w.education_admin).exists()  # the unit it came from
    assert not reuse.search(w.education_admin).filter(pk=w.item.pk).exists()


def test_rejecting_frees_the_item_and_needs_a_reason(w):
    request = requested(w)
    with pytest.raises(ValidationFailed) as refusal:
        reuse.reject_reuse(w.bureau_admin, request.pk, " ")
    assert "comment" in refusal.value.errors and states(request, w.item) == ("requested", "reserved")

    reuse.reject_reuse(w.bureau_admin, request.pk, "该物品已预留给会议使用")
    assert states(request, w.item) == ("rejected", "in_pool")
    assert [e.action for e in timeline(w.item)] == ["reserve", "release"]
    assert reuse.search(w.finance_admin).filter(pk=w.item.pk).exists()
    again = reuse.request_reuse(w.finance_admin, w.item.pk, purpose="重新申请调剂")  # a refusal is not final
    assert states(again, w.item) == ("requested", "reserved")


def test_the_requesting_unit_may_withdraw_until_the_hand_over(w):
    request = approved(w)
    with pytest.raises(Http404):
        reuse.withdraw_reuse(w.education_admin, request.pk)  # not its request
    reuse.withdraw_reuse(w.finance_admin, request.pk, "已另行解决")
    assert states(request, w.item) == ("withdrawn", "in_pool")
    with pytest.raises(StateError):
        reuse.withdraw_reuse(w.finance_admin, request.pk)


@pytest.mark.parametrize("purpose", ["", "办公", "   用于 "])
def test_a_purpose_of_at_least_four_characters_is_required(w, purpose):
    with pytest.raises(ValidationFailed) as refusal:
        reuse.request_reuse(w.finance_admin, w.item.pk, purpose=purpose)
    assert "purpose" in refusal.value.errors
    assert states(w.item) == ("in_pool",) and not ReuseRequest.objects.exists()


def test_a_unit_cannot_request_its_own_item_back(w):
    own = pooled(w, source_unit=w.finance)
    with pytest.raises(ValidationFailed) as refusal:
        reuse.request_reuse(w.finance_admin, own.pk, purpose="还是留给自己用")
    assert "自己" in refusal.value.message or "own" in refusal.value.message
    assert states(own) == ("in_pool",) and not ReuseRequest.objects.exists()


def test_an_item_no_longer_free_is_a_conflict(w):
    requested(w)
    with pytest.raises(Conflict) as refusal:
        reuse.request_reuse(w.bureau_admin, w.item.pk, purpose="局机关办公使用")
    assert w.item.name in refusal.value.message
    assert ReuseRequest.objects.count() == 1


@pytest.mark.parametrize("who", ["city_unit_admin", "city_admin"])
def test_another_regions_pool_is_not_found(w, who):
    with pytest.raises(Http404):
        reuse.request_reuse(getattr(w, who), w.item.pk, purpose="南昌市单位使用")
    assert not ReuseRequest.objects.exists()


def test_classified_items_cannot_be_requested_without_clearance(w):
    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop)
    with pytest.raises(Http404):
        reuse.request_reuse(w.finance_admin, secret.pk, purpose="涉密岗位使用")
    assert states(secret) == ("in_pool",)


def test_staff_without_a_role_may_not_request(w):
    with pytest.raises(PermissionDenied):
        reuse.request_reuse(w.staff, w.item.pk, purpose="个人想要使用")


def test_a_unit_admin_cannot_approve_reject_or_hand_over(w):
    request = requested(w)
    with pytest.raises(PermissionDenied):
        reuse.approve_reuse(w.education_admin, request.pk)
    with pytest.raises(PermissionDenied):
        reuse.reject_reuse(w.finance_admin, request.pk, "自己拒绝自己")
    reuse.approve_reuse(w.bureau_admin, request.pk)
    with pytest.raises(PermissionDenied):
        reuse.hand_over(w.finance_admin, request.pk, received_by_name="张三", signature=SIGNATURE)
    assert states(request, w.item) == ("approved", "reserved")


def test_another_regions_bureau_gets_not_found(w):
    request = requested(w)
    with pytest.raises(Http404):
        reuse.approve_reuse(w.city_admin, request.pk)
    reuse.approve_reuse(w.bureau_admin, request.pk)
    with pytest.raises(Http404):
        reuse.hand_over(w.city_admin, request.pk, received_by_name="张三", signature=SIGNATURE)
    assert not reuse.reuse_in_scope(w.city_admin).exists()
    assert states(request) == ("approved",)


def test_steps_out_of_order_are_refused(w):
    request = requested(w)
    with pytest.raises(StateError):
        reuse.hand_over(w.bureau_admin, request.pk, received_by_name="张三", signature=SIGNATURE)
    reuse.approve_reuse(w.bureau_admin, request.pk)
    with pytest.raises(StateError):
        reuse.approve_reuse(w.bureau_admin, request.pk)
    with pytest.raises(StateError):
        reuse.reject_reuse(w.bureau_admin, request.pk, "批准后不能再拒绝")
    assert states(request, w.item) == ("approved", "reserved")


def encoded(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize("signature", [
    "",
    "data:image/jpeg;base64," + base64.b64encode(PNG).decode(),
    "data:image/png;base64,@@not base64@@",
    encoded(b"GIF89a not a png"),
    encoded(PNG + b"\0" * (200 * 1024)),
])
def test_a_bad_signature_changes_nothing(w, signature):
    request = approved(w)
    with pytest.raises(ValidationFailed) as refusal:
        reuse.hand_over(w.bureau_admin, request.pk, received_by_name="张三", signature=signature)
    assert list(refusal.value.errors) == ["signature"]
    assert states(request, w.item) == ("approved", "reserved")
    assert w.item.unit == w.bureau and not CostEntry.objects.exists()


def test_the_receivers_name_is_required(w):
    request = approved(w)
    with pytest.raises(ValidationFailed) as refusal:
        reuse.hand_over(w.bureau_admin, request.pk, received_by_name="", signature=SIGNATURE)
    assert "received_by_name" in refusal.value.errors and states(request) == ("approved",)


def test_allowed_actions_follow_role_and_state(w):
    request = requested(w)
    assert reuse.allowed_actions(request, w.bureau_admin) == {"approve", "reject"}
    assert reuse.allowed_actions(request, w.finance_admin) == {"withdraw"}
    assert reuse.allowed_actions(request, w.education_admin) == set()
    assert reuse.allowed_actions(request, w.city_admin) == set()
    reuse.approve_reuse(w.bureau_admin, request.pk)
    request.refresh_from_db()
    assert reuse.allowed_actions(request, w.bureau_admin) == {"hand_over"}
    assert reuse.allowed_actions(request, w.finance_admin) == {"withdraw"}


def test_lists_show_what_each_role_reaches(w):
    request = requested(w)
    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop, source_unit=w.education)
    hidden = reuse.request_reuse(w.cleared, secret.pk, purpose="涉密岗位使用")
    assert set(reuse.reuse_in_scope(w.bureau_admin)) == {request}
    assert set(reuse.reuse_in_scope(w.cleared)) == {request, hidden}
    assert set(reuse.reuse_in_scope(w.finance_admin)) == {request}
    assert set(reuse.my_unit_requests(w.finance_admin)) == {request}
    assert not reuse.my_unit_requests(w.education_admin).exists()
    with pytest.raises(PermissionDenied):
        reuse.reuse_in_scope(w.staff)
    assert Asset.objects.get(pk=secret.pk).state == "reserved"
