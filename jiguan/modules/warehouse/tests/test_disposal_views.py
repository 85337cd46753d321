"""Disposal and bidding pages: the bureau's lot list, new lot by card numbers (each bad number named), a lot's page
with its actions and bids (sealed amounts hidden until the close), bidders with the outside buyer's one-time
password; the service portal's 公物竞价 for a unit and for an outside buyer with no unit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.identifiers import credit_code
from jiguan.core.models import Account
from jiguan.modules.warehouse.models import Bid, DisposalLot
from jiguan.modules.warehouse.services import bidding

from .disposal_world import bidding_lot, build_disposal_world, ends_in, scrap_lot
from .world import manage, pooled, service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    return build_disposal_world()


def test_the_bureau_prepares_a_lot_by_card_numbers(as_, w):
    client = as_(w.bureau_admin)
    assert client.get(manage("lot_new")).status_code == 200
    form = {"title": "旧办公家具一批", "method": "bidding", "reason": "超过使用年限，调剂无人认领",
            "card_numbers": f"{w.items[0].number}\nGWC999", "reserve_price": "1000", "min_increment": "100",
            "ends_at": (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "sniping_minutes": "5", "pay_days": "5"}
    refused = client.post(manage("lot_new"), form)
    assert refused.status_code == 400 and "GWC999" in refused.content.decode() and not DisposalLot.objects.exists()
    made = client.post(manage("lot_new"), {**form, "card_numbers": " ".join(i.number for i in w.items)})
    lot = DisposalLot.objects.get()
    assert made.status_code == 302 and made.url == manage("lot", lot.pk)
    page = client.get(manage("lot", lot.pk)).content.decode()
    assert lot.number in page and w.items[1].number in page and 'value="approve"' not in page  # four eyes
    listing = client.get(manage("lots")).content.decode()
    assert lot.number in listing
    asset_page = client.get(manage("asset", w.items[0].pk)).content.decode()
    assert 'data-testid="asset-lots"' in asset_page and lot.number in asset_page


def test_a_scrap_lot_form_refuses_bidding_terms_by_field(as_, w):
    client = as_(w.bureau_admin)
    answer = client.post(manage("lot_new"), {"title": "报废电脑", "method": "scrap", "reason": "无法修复使用",
                                             "card_numbers": w.items[0].number, "reserve_price": "10"})
    assert answer.status_code == 400 and not DisposalLot.objects.exists()
    assert "is-invalid" in answer.content.decode()


def test_approving_and_scrapping_on_the_lot_page(as_, w):
    lot = scrap_lot(w, approve=False)
    client = as_(w.approver)
    assert 'value="approve"' in client.get(manage("lot", lot.pk)).content.decode()
    assert client.post(manage("lot_decide", lot.pk), {"action": "approve"}).status_code == 302
    client = as_(w.bureau_admin)
    refused = client.post(manage("lot_scrap", lot.pk), {"recycler_name": "回收公司", "recycler_licence": "L-1",
                                                        "scrapped_on": "2001-01-01", "scrap_certificate": "C-1",
                                                        "salvage_value": "0"})
    assert refused.status_code == 400
    done = client.post(manage("lot_scrap", lot.pk), {"recycler_name": "回收公司", "recycler_licence": "L-1",
                                                     "scrapped_on": str(timezone.localdate()),
                                                     "scrap_certificate": "C-1", "salvage_value": "50"})
    assert done.status_code == 302
    lot.refresh_from_db()
    assert lot.state == "scrapped"


def test_sealed_amounts_are_not_on_any_page_before_the_close(as_, w):
    lot = bidding_lot(w, sealed=True)
    bidding.place_bid(w.finance_admin, lot.pk, "1888")
    pages = [as_(w.bureau_admin).get(manage("lot", lot.pk)), as_(w.bureau_admin).get(manage("lots")),
             as_(w.finance_admin).get(service("bidding_lot", lot.pk)), as_(w.finance_admin).get(service("bidding")),
             as_(w.education_admin).get(service("bidding_lot", lot.pk))]
    for page in pages:
        assert page.status_code == 200 and "1888" not in page.content.decode()
    ends_in(lot, timedelta(seconds=-1))
    assert "1888" in as_(w.bureau_admin).get(manage("lot", lot.pk)).content.decode()


def test_unit_admins_and_other_regions_do_not_run_lots(as_, w):
    lot = scrap_lot(w, approve=False)
    assert as_(w.finance_admin).get(manage("lot_new")).status_code == 403
    assert as_(w.finance_admin).get(manage("lot", lot.pk)).status_code == 404
    assert as_(w.city_admin).get(manage("lot", lot.pk)).status_code == 404
    assert as_(w.finance_admin).get(manage("bidders")).status_code == 403
    assert as_(w.finance_admin).post(manage("lot_decide", lot.pk), {"action": "approve"}).status_code == 404
    lot.refresh_from_db()
    assert lot.state == "submitted"


def test_the_outside_buyer_gets_an_account_that_only_bids(as_, w, client):
    client = as_(w.bureau_admin)
    form = {"kind": "company", "name": "南昌旧货回收有限公司", "credential": credit_code("360100", 77),
            "contact_name": "王五", "phone": "13912345678", "username": "buyer_wang"}
    shown = client.post(manage("bidder_new"), form)
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    buyer = Account.objects.get(username="buyer_wang")
    page = shown.content.decode()
    password = page.split('class="user-select-all">')[1].split("<")[0]
    assert buyer.check_password(password) and "139****5678" in page and "13912345678" not in page
    later = client.get(manage("bidder", bidding.registrations_in_scope(w.bureau_admin).get(account=buyer).pk))
    assert password not in later.content.decode()
    assert "139****5678" in client.get(manage("bidders")).content.decode()

    buyer.must_change_password = False
    buyer.save(update_fields=["must_change_password"])
    lot = bidding_lot(w)
    client = as_(buyer)
    assert client.get(reverse("service:home")).status_code == 200  # an account of no unit
    tiles = client.get(reverse("service:applications")).content.decode()
    assert service("bidding") in tiles and f'href="{service("home")}"' not in tiles
    home = client.get(service("bidding"))
    assert home.status_code == 200 and lot.title in home.content.decode()
    assert client.post(service("bidding_lot", lot.pk), {"amount": "1000"}).status_code == 302
    assert Bid.objects.get().bidder.account == buyer
    assert client.get(service("home")).status_code == 403  # the catalogue is for units
    assert client.get(manage("lots")).status_code == 403
    assert client.get(manage("lot_new")).status_code == 403
    assert client.get(manage("bidders")).status_code == 403


def test_a_unit_registers_on_the_phone_and_waits(as_, w):
    from jiguan.core.testing import make_account, make_unit

    admin = make_account("audit_admin", roles=("unit_admin",), unit=make_unit("360000", "江西省审计厅"))
    client = as_(admin)
    page = client.get(service("bidding")).content.decode()
    assert 'data-testid="register-form"' in page
    refused = client.post(service("bidding"), {"contact_name": "李四", "phone": "123"})
    assert refused.status_code == 400
    assert client.post(service("bidding"), {"contact_name": "李四", "phone": "13800138000"}).status_code == 302
    page = client.get(service("bidding")).content.decode()
    assert 'data-testid="register-form"' not in page
    lot = bidding_lot(w, items=[pooled(w)])
    assert 'data-testid="place-bid"' not in client.get(service("bidding_lot", lot.pk)).content.decode()
    answer = client.post(service("bidding_lot", lot.pk), {"amount": "1000"})  # awaiting approval
    assert answer.status_code == 403 and not Bid.objects.exists()


def test_a_bid_too_low_is_refused_on_the_form(as_, w):
    lot = bidding_lot(w)
    client = as_(w.finance_admin)
    answer = client.post(service("bidding_lot", lot.pk), {"amount": "999"})
    assert answer.status_code == 400 and "1000" in answer.content.decode() and not Bid.objects.exists()
    assert as_(w.city_unit_admin).get(service("bidding_lot", lot.pk)).status_code == 404
