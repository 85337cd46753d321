"""The catalogue, reuse and purchase-check pages of both portals: browse and request on the phone, approve and
hand over with a signature on the management portal, withdraw; refusals land on the form and change nothing;
classified items, other regions and people without a role see nothing."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from jiguan.modules.warehouse.models import PurchaseCheck, ReuseRequest
from jiguan.modules.warehouse.services import reuse

from .test_reuse import SIGNATURE
from .world import build_world, manage, pooled, service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    world = build_world()
    world.item = pooled(world, name="实木会议桌", source_unit=world.education)
    world.secret = pooled(world, classified=True, name="涉密计算机", category=world.laptop,
                          source_unit=world.education)
    return world


def test_a_unit_browses_filters_and_requests_on_the_service_portal(as_, w):
    client = as_("finance_admin")
    page = client.get(service("home")).content.decode()
    assert "实木会议桌" in page and "涉密计算机" not in page
    assert "实木会议桌" not in client.get(service("home"), {"category_code": "A02000000"}).content.decode()
    assert "实木会议桌" in client.get(service("home"), {"q": "会议"}).content.decode()
    item = client.get(service("item", w.item.pk)).content.decode()
    assert "省直公物仓中心库 A区-01架" in item and "1800.00" in item and "江西省教育厅" in item
    assert client.get(service("item", w.secret.pk)).status_code == 404

    refused = client.post(service("item", w.item.pk), {"purpose": "用"})
    assert refused.status_code == 400 and not ReuseRequest.objects.exists()
    made = client.post(service("item", w.item.pk), {"purpose": "新设科室办公使用"})
    request = ReuseRequest.objects.get()
    assert made.url == service("my_reuse", request.pk)
    assert "实木会议桌" in client.get(service("my_reuse_requests")).content.decode()
    assert client.get(service("item", w.item.pk)).status_code == 404  # reserved: out of the catalogue

    client.post(service("withdraw_reuse", request.pk))
    request.refresh_from_db()
    assert request.state == "withdrawn"


def test_a_unit_told_that_another_was_quicker(as_, w):
    reuse.request_reuse(w.bureau_admin, w.item.pk, purpose="局机关办公使用")
    response = as_("finance_admin").post(service("item", w.item.pk), {"purpose": "新设科室办公使用"}, follow=True)
    assert response.redirect_chain[-1][0] == service("home")
    assert w.item.number in response.content.decode()


def test_the_bureau_approves_and_hands_over_with_a_signature(as_, w):
    request = reuse.request_reuse(w.finance_admin, w.item.pk, purpose="新设科室办公使用")
    client = as_("bureau_admin")
    listed = client.get(manage("reuse_requests"), {"state": "requested"}).content.decode()
    assert "实木会议桌" in listed and "江西省财政厅" in listed
    detail = client.get(manage("reuse_request", request.pk)).content.decode()
    assert 'value="approve"' in detail and "hand-over-form" not in detail

    refused = client.post(manage("reuse_decide", request.pk), {"action": "reject", "comment": ""})
    assert refused.status_code == 400
    client.post(manage("reuse_decide", request.pk), {"action": "approve", "comment": "同意"})
    request.refresh_from_db()
    assert request.state == "approved"
    assert "data-signature-pad" in client.get(manage("reuse_request", request.pk)).content.decode()

    unsigned = client.post(manage("reuse_hand_over", request.pk), {"received_by_name": "张三", "signature": ""})
    assert unsigned.status_code == 400
    request.refresh_from_db()
    assert request.state == "approved"
    client.post(manage("reuse_hand_over", request.pk), {"received_by_name": "张三", "signature": SIGNATURE})
    request.refresh_from_db()
    w.item.refresh_from_db()
    assert request.state == "handed_over" and w.item.unit == w.finance
    assert 'data-testid="signature"' in client.get(manage("reuse_request", request.pk)).content.decode()


def test_who_sees_the_reuse_pages(as_, w):
    request = reuse.request_reuse(w.finance_admin, w.item.pk, purpose="新设科室办公使用")
    unit = as_("finance_admin")
    page = unit.get(manage("reuse_request", request.pk)).content.decode()
    assert 'value="withdraw"' in page and 'value="approve"' not in page
    assert unit.post(manage("reuse_decide", request.pk), {"action": "approve"}).status_code == 403
    request.refresh_from_db()
    assert request.state == "requested"
    assert as_("education_admin").get(manage("reuse_request", request.pk)).status_code == 404
    assert as_("city_admin").get(manage("reuse_request", request.pk)).status_code == 404
    assert as_("education_admin").get(service("my_reuse", request.pk)).status_code == 404
    staff = as_("staff")
    assert staff.get(manage("reuse_requests")).status_code == 403
    assert staff.get(service("home")).status_code == 403


def test_the_management_catalogue_lists_and_exports(as_, w):
    client = as_("education_admin")
    page = client.get(manage("catalogue")).content.decode()
    assert "实木会议桌" in page and "涉密计算机" not in page
    export = client.get(manage("catalogue"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(b"".join(export.streaming_content))).active.values)
    assert rows[0][:2] == ("卡片编号", "名称") and len(rows) == 2
    assert "实木会议桌" not in client.get(manage("catalogue"), {"category": "A02000000"}).content.decode()


def test_search_before_you_buy_pages(as_, w):
    client = as_("finance_admin")
    plan = {"category_code": "A05010200", "planned_item": "1.6米办公桌", "quantity": "2"}
    found = client.get(manage("purchase_check"), plan).content.decode()
    assert "实木会议桌" in found and 'data-testid="decision-form"' in found
    refused = client.post(manage("purchase_check"), {**plan, "decision": "not_fit", "reason_not_fit": "不合适"})
    assert refused.status_code == 400 and not PurchaseCheck.objects.exists()
    client.post(manage("purchase_check"), {**plan, "decision": "not_fit",
                                           "reason_not_fit": "需要带锁抽屉的办公桌，库存规格不符"})
    assert PurchaseCheck.objects.get().matches == 1

    bureau = as_("bureau_admin")
    report = bureau.get(manage("purchase_checks"), {"decision": "not_fit", "unit": w.finance.pk}).content.decode()
    assert "需要带锁抽屉" in report
    export = bureau.get(manage("purchase_checks"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][1] == "江西省财政厅"
    assert "需要带锁抽屉" not in as_("city_admin").get(manage("purchase_checks")).content.decode()
    assert as_("staff").get(manage("purchase_check")).status_code == 403
