"""Intake (入仓): submit → approve → receive issues one card per item on its location and a receipt;
every refusal says what is wrong and changes nothing; classified items only for cleared staff; who may do
what."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Notification
from jiguan.core.statemachine import timeline
from jiguan.modules.warehouse.models import Asset, IntakeItem, IntakeRequest, StorageLocation, Warehouse
from jiguan.modules.warehouse.services import assets_in_scope, intake

from .world import build_world

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def w():
    return build_world()


def line(w, **changes):
    values = {"category_code": "A05010201", "name": "办公桌", "specification": "1.4米 钢木", "quantity": 2,
              "original_value": "1800.00", "purchase_date": "2019-06-30", "condition": "good",
              "source_reason": "reform", "classified": False, "storage_kind": "physical", "note": ""}
    return {**values, **changes}


def submitted(w, *items, user=None):
    return intake.submit(user or w.finance_admin, reason="机构改革后闲置的办公家具",
                         items=list(items) or [line(w)])


def approved(w, *items, user=None):
    request = submitted(w, *items, user=user)
    return intake.approve(w.bureau_admin, request.pk, warehouse_id=w.central.pk, comment="同意入仓")


def received(w, request, **lines):
    places = lines or {item.pk: w.shelf.pk for item in request.items.filter(storage_kind="physical")}
    return intake.receive(w.bureau_admin, request.pk, lines=places)


def test_the_whole_flow_issues_one_card_per_item_and_a_receipt(w):
    request = submitted(w, line(w, quantity=3), line(w, category_code="A05010301", name="办公椅", quantity=1,
                                                     storage_kind="virtual"))
    assert (request.unit, request.pool_region_id, request.state) == (w.finance, "360000", "submitted")
    assert request.number == f"RC360000{YEAR}000001"
    assert Notification.objects.filter(recipient=w.bureau_admin, link__contains=f"/{request.pk}/").exists()

    intake.approve(w.bureau_admin, request.pk, warehouse_id=w.central.pk)
    request.refresh_from_db()
    assert (request.state, request.warehouse, request.reviewed_by) == ("approved", w.central, w.bureau_admin)

    desks, chairs = request.items.all()
    intake.receive(w.bureau_admin, request.pk, received_on=timezone.localdate(), lines={desks.pk: w.shelf2.pk})
    request.refresh_from_db()
    assert request.state == "received" and request.receipt_number == f"RK360000{YEAR}000001"
    cards = list(intake.cards_of(request))
    assert [c.number for c in cards] == [f"GWC360000{YEAR}{n:06d}" for n in range(1, 5)]
    physical, virtual = cards[:3], cards[3]
    assert {(c.unit, c.warehouse, c.location, c.storage_kind) for c in physical} == {
        (w.bureau, w.central, w.shelf2, "physical")}
    assert (virtual.unit, virtual.warehouse, virtual.location, virtual.storage_kind) == (
        w.finance, None, None, "virtual")
    assert {(c.source_unit, c.pool_region_id, c.pooled_on, c.state, c.original_value) for c in cards} == {
        (w.finance, "360000", timezone.localdate(), "in_pool", Decimal("1800.00"))}
    assert [e.action for e in timeline(request)] == ["submit", "approve", "receive"]
    assert Notification.objects.filter(recipient=w.finance_admin, title__contains=request.number).count() == 2


def test_each_bad_field_of_each_line_is_reported_with_its_line_and_nothing_is_written(w):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as refused:
        submitted(w, line(w), line(w, category_code="A05000000", quantity=0, original_value="0",
                                   purchase_date=tomorrow),
                  line(w, category_code="X1", name="", condition="broken", source_reason="", original_value="1.005",
                       purchase_date="2020-02-30", storage_kind="elsewhere"))
    errors = refused.value.errors
    assert set(errors) == {
        "items.2.category_code", "items.2.quantity", "items.2.original_value", "items.2.purchase_date",
        "items.3.category_code", "items.3.name", "items.3.condition", "items.3.source_reason",
        "items.3.original_value", "items.3.purchase_date", "items.3.storage_kind"}
    assert errors["items.2.category_code"][0].startswith("第 2 行")
    assert "A05000000" in errors["items.2.category_code"][0]
    assert "1" in errors["items.2.quantity"][0] and "500" in errors["items.2.quantity"][0]
    assert IntakeRequest.objects.count() == IntakeItem.objects.count() == 0


def test_the_request_as_a_whole_is_checked(w):
    with pytest.raises(ValidationFailed) as refused:
        intake.submit(w.finance_admin, reason="", items=[])
    assert set(refused.value.errors) == {"reason", "items"}
    with pytest.raises(ValidationFailed) as refused:
        intake.submit(w.finance_admin, reason="闲置家具", items=[line(w, quantity=1)] * 201)
    assert "200" in refused.value.errors["items"][0]
    assert IntakeRequest.objects.count() == 0


def test_classified_items_only_from_cleared_staff_and_only_seen_by_them(w):
    with pytest.raises(PermissionDenied) as refused:
        submitted(w, line(w), line(w, classified=True, category_code="A02010108", name="涉密便携式计算机"))
    assert "2" in str(refused.value) and "涉密" in str(refused.value)
    assert IntakeRequest.objects.count() == 0

    request = intake.submit(w.cleared, reason="涉密设备集中保管", items=[line(w, classified=True, quantity=1)])
    assert not intake.requests_in_scope(w.bureau_admin).filter(pk=request.pk).exists()
    with pytest.raises(Http404):
        intake.approve(w.bureau_admin, request.pk, warehouse_id=w.central.pk)
    intake.approve(w.cleared, request.pk, warehouse_id=w.central.pk)
    item = request.items.get()
    intake.receive(w.cleared, request.pk, lines={item.pk: w.shelf.pk})
    card = Asset.objects.get(intake_item=item)
    assert card.classified
    assert not assets_in_scope(w.bureau_admin).filter(pk=card.pk).exists()
    assert assets_in_scope(w.cleared).filter(pk=card.pk).exists()


def test_approval_needs_a_warehouse_of_the_pool_for_physical_items(w):
    request = submitted(w)
    city_store = Warehouse.objects.create(unit=w.city_bureau, name="南昌市公物仓", kind="central", region_id="360100",
                                          address="南昌市东湖区八一大道1号")
    for warehouse_id in (None, city_store.pk, "x"):
        with pytest.raises(ValidationFailed) as refused:
            intake.approve(w.bureau_admin, request.pk, warehouse_id=warehouse_id)
        assert set(refused.value.errors) == {"warehouse_id"}
    w.branch.active = False
    w.branch.save()
    with pytest.raises(ValidationFailed):
        intake.approve(w.bureau_admin, request.pk, warehouse_id=w.branch.pk)
    request.refresh_from_db()
    assert request.state == "submitted" and request.warehouse is None

    virtual = submitted(w, line(w, storage_kind="virtual"))
    intake.approve(w.bureau_admin, virtual.pk)
    virtual.refresh_from_db()
    assert virtual.state == "approved" and virtual.warehouse is None


def test_refusal_needs_a_reason_and_withdrawal_only_by_the_offering_unit(w):
    request = submitted(w)
    with pytest.raises(ValidationFailed) as refused:
        intake.reject(w.bureau_admin, request.pk, "")
    assert set(refused.value.errors) == {"comment"}
    with pytest.raises(PermissionDenied):
        intake.withdraw(w.bureau_admin, request.pk)
    intake.withdraw(w.finance_admin, request.pk)
    request.refresh_from_db()
    assert request.state == "withdrawn"
    with pytest.raises(StateError):
        intake.reject(w.bureau_admin, request.pk, "不符合入仓条件")

    other = submitted(w)
    intake.reject(w.bureau_admin, other.pk, "不符合入仓条件")
    other.refresh_from_db()
    assert (other.state, other.review_comment) == ("rejected", "不符合入仓条件")
    with pytest.raises(StateError):
        intake.withdraw(w.finance_admin, other.pk)


def test_receiving_needs_a_location_of_the_warehouse_for_every_physical_line(w):
    request = approved(w, line(w), line(w, name="会议桌"))
    first, second = request.items.all()
    other = StorageLocation.objects.create(unit=w.bureau, warehouse=w.branch, zone="C区")
    with pytest.raises(ValidationFailed) as refused:
        intake.receive(w.bureau_admin, request.pk, lines={first.pk: other.pk, 999999: w.shelf.pk})
    assert set(refused.value.errors) == {f"lines.{first.pk}", f"lines.{second.pk}", "lines"}
    assert "第 2 行" in refused.value.errors[f"lines.{second.pk}"][0]
    with pytest.raises(ValidationFailed) as refused:
        intake.receive(w.bureau_admin, request.pk, received_on=timezone.localdate() + timedelta(days=1),
                       lines={first.pk: w.shelf.pk, second.pk: w.shelf.pk})
    assert set(refused.value.errors) == {"received_on"}
    request.refresh_from_db()
    assert request.state == "approved" and Asset.objects.count() == 0 and request.receipt_number == ""
    received(w, request)
    with pytest.raises(StateError):
        received(w, request)
    assert Asset.objects.count() == 4


def test_permission_matrix(w):
    with pytest.raises(PermissionDenied):
        submitted(w, user=w.staff)
    request = submitted(w)
    with pytest.raises(PermissionDenied):
        intake.approve(w.finance_admin, request.pk, warehouse_id=w.central.pk)  # a unit admin cannot approve
    with pytest.raises(Http404):
        intake.approve(w.city_admin, request.pk, warehouse_id=w.central.pk)  # another region's bureau
    with pytest.raises(Http404):
        intake.withdraw(w.education_admin, request.pk)  # another unit does not even see it
    assert intake.allowed_actions(request, w.finance_admin) == ["withdraw"]
    assert intake.allowed_actions(request, w.bureau_admin) == ["approve", "reject"]
    assert intake.allowed_actions(request, w.city_admin) == []
    intake.approve(w.bureau_admin, request.pk, warehouse_id=w.central.pk)
    request.refresh_from_db()
    assert intake.allowed_actions(request, w.bureau_admin) == ["receive"]
    assert intake.allowed_actions(request, w.finance_admin) == []
    with pytest.raises(PermissionDenied):
        intake.receive(w.finance_admin, request.pk, lines={})  # a unit admin does not keep warehouses
    with pytest.raises(Http404):
        intake.receive(w.city_admin, request.pk, lines={})

def test_a_unit_admin_sees_its_own_requests_the_bureau_its_region(w):
    mine = submitted(w)
    theirs = submitted(w, user=w.education_admin)
    city = intake.submit(w.city_unit_admin, reason="闲置办公家具", items=[line(w)])
    assert city.number == f"RC360100{YEAR}000001" and city.pool_region_id == "360100"
    assert set(intake.requests_in_scope(w.finance_admin)) == {mine}
    assert set(intake.requests_in_scope(w.bureau_admin)) == {mine, theirs, city}  # the province oversees
    assert set(intake.requests_in_scope(w.city_admin)) == {city}
    assert intake.allowed_actions(city, w.bureau_admin) == []
    with pytest.raises(PermissionDenied) as refused:  # but the city's own bureau decides
        intake.reject(w.bureau_admin, city.pk, "不符合入仓条件")
    assert "南昌市" in str(refused.value)
    assert mine.number == f"RC360000{YEAR}000001" and theirs.number == f"RC360000{YEAR}000002"


def test_photos_are_added_by_keepers_as_jpeg_or_png(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_reuse import PNG

    request = approved(w, line(w, quantity=1))
    received(w, request)
    card = Asset.objects.get()
    intake.add_photo(w.bureau_admin, card.pk, SimpleUploadedFile("desk.png", PNG, content_type="image/png"))
    assert [p.original_name for p in intake.photos_of(card)] == ["desk.png"]
    with pytest.raises(ValidationFailed):
        intake.add_photo(w.bureau_admin, card.pk, SimpleUploadedFile("desk.pdf", b"%PDF-1.4", content_type="x"))
    with pytest.raises(ValidationFailed):
        intake.add_photo(w.bureau_admin, card.pk, SimpleUploadedFile("desk.jpg", b"not a jpeg"))
    with pytest.raises(PermissionDenied):
        intake.add_photo(w.finance_admin, card.pk, SimpleUploadedFile("desk.png", PNG))
    assert intake.photos_of(card).count() == 1
    assert date(2019, 6, 30) == card.purchase_date
