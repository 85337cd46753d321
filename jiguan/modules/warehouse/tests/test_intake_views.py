"""The intake and warehouse pages: a request with item lines (errors on the line at fault), the review,
receiving with a location per line, the printable receipt, the Excel pages, the card page with its
photos; classified cards and other regions out of sight, staff without a role refused."""

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.modules.warehouse.models import Asset, IntakeRequest

from .test_intake import approved, received
from .test_intake_race_import import good, workbook
from .test_reuse import PNG
from .world import build_world, pooled

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db, settings):
    settings.REQUIRE_ADMIN_2FA = False  # administrators sign in with a password alone
    return build_world()


@pytest.fixture
def login(client, w):
    def sign_in(name):
        client.logout()
        client.force_login(getattr(w, name))
        return client

    return sign_in


def url(name, *args):
    return reverse(f"manage:warehouse:{name}", args=args)


def lines_post(*lines, reason="机构改革后闲置的办公家具"):
    data = {"reason": reason, "items-TOTAL_FORMS": str(len(lines)), "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "20"}
    for index, values in enumerate(lines):
        data.update({f"items-{index}-{key}": value for key, value in values.items()})
    return data


DESK = {"category_code": "A05010201", "name": "办公桌", "quantity": "2", "original_value": "1800",
        "purchase_date": "2019-06-30", "condition": "good", "source_reason": "reform", "storage_kind": "physical"}


def test_a_request_is_made_reviewed_received_and_printed_through_the_pages(login, w):
    unit = login("finance_admin")
    assert unit.get(url("intake_new")).status_code == 200
    bad = unit.post(url("intake_new"), lines_post(DESK, {**DESK, "category_code": "A05000000"}))
    assert bad.status_code == 400 and "第 2 行" in bad.content.decode() and IntakeRequest.objects.count() == 0
    made = unit.post(url("intake_new"), lines_post(DESK))
    request = IntakeRequest.objects.get()
    assert made.status_code == 302 and made.url == url("intake_request", request.pk)

    bureau = login("bureau_admin")
    page = bureau.get(url("intake_request", request.pk)).content.decode()
    assert 'data-testid="approve"' in page and "省直公物仓中心库" in page
    assert login("finance_admin").post(url("intake_approve", request.pk),
                                       {"warehouse": w.central.pk}).status_code == 403
    bureau = login("bureau_admin")
    bureau.post(url("intake_approve", request.pk), {"warehouse": w.central.pk, "comment": "同意"})
    request.refresh_from_db()
    assert request.state == "approved"
    item = request.items.get()
    refused = bureau.post(url("intake_receive", request.pk), {"received_on": "2000-01-01", f"line_{item.pk}": ""})
    assert refused.status_code == 400 and Asset.objects.count() == 0
    done = bureau.post(url("intake_receive", request.pk), {"received_on": timezone.localdate(request.reviewed_at).isoformat(),
                                                            f"line_{item.pk}": w.shelf2.pk})
    assert done.status_code == 302 and Asset.objects.filter(location=w.shelf2).count() == 2
    request.refresh_from_db()
    unit = login("finance_admin")
    receipt = unit.get(url("intake_receipt", request.pk)).content.decode()
    assert request.receipt_number in receipt and request.number in receipt
    assert all(card.number in receipt for card in Asset.objects.all())
    listing = unit.get(url("intake_requests"), {"state": "received"}).content.decode()
    assert request.number in listing
    assert request.number not in login("city_admin").get(url("intake_requests")).content.decode()
    assert login("staff").get(url("intake_requests")).status_code == 403


def test_the_excel_pages(login, w):
    client = login("finance_admin")
    template = client.get(url("intake_import_template"))
    assert template.status_code == 200 and template["Content-Disposition"].startswith("attachment")
    bad = client.post(url("intake_import"), {"reason": "机构改革后闲置", "file": workbook([*good()[:3], 0, *good()[4:]])})
    assert bad.status_code == 400 and "数量" in bad.content.decode() and IntakeRequest.objects.count() == 0
    report = client.get(url("intake_import_report"))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.post(url("intake_import"), {"reason": "机构改革后闲置", "file": workbook(good())}).status_code == 302
    assert IntakeRequest.objects.count() == 1


def test_warehouse_and_card_pages_keep_classified_cards_and_other_regions_out(login, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bureau = login("bureau_admin")
    assert "省直公物仓红谷滩分库" in bureau.get(url("warehouses")).content.decode()
    assert bureau.get(url("warehouse", w.central.pk)).status_code == 200
    assert login("city_admin").get(url("warehouse", w.central.pk)).status_code == 404
    bureau = login("bureau_admin")
    added = bureau.post(url("warehouse", w.central.pk), {"zone": "C区", "shelf": "02架"})
    assert added.status_code == 302 and w.central.locations.filter(zone="C区").exists()
    assert bureau.post(url("warehouse", w.central.pk), {"zone": "C区", "shelf": "02架"}).status_code == 400

    secret = pooled(w, classified=True, name="涉密计算机", category=w.laptop)  # numbered before the intake's cards
    card = received(w, approved(w)).items.get().assets.first()
    upload = bureau.post(url("asset", card.pk), {"file": SimpleUploadedFile("desk.png", PNG, "image/png")})
    assert upload.status_code == 302
    page = bureau.get(url("asset", card.pk)).content.decode()
    assert card.number in page and "desk.png" in page
    assert bureau.get(url("asset", secret.pk)).status_code == 404
    assert secret.number not in bureau.get(url("warehouse", w.central.pk)).content.decode()
    assert login("cleared").get(url("asset", secret.pk)).status_code == 200


def test_the_warehouses_menu_item_is_for_the_keepers(login, w):
    warehouses = f'href="{url("warehouses")}"'
    assert warehouses in login("bureau_admin").get(url("intake_requests")).content.decode()
    assert warehouses not in login("finance_admin").get(url("intake_requests")).content.decode()
