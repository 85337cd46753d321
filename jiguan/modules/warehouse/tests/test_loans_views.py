"""The loan and repair pages of both portals: borrow on the phone and follow the loan, withdraw; approve,
lend with a signature, extend and take back on the management portal, with the printable slip; send an item to
repair from its card and take it back. Refusals land on the form and change nothing; other regions get 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.modules.warehouse.models import Loan, Repair
from jiguan.modules.warehouse.services import loans, reuse

from .test_reuse import SIGNATURE
from .world import build_world, manage, pooled, service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    world = build_world()
    world.item = pooled(world, name="折叠会议桌", source_unit=world.education)
    return world


def day(offset=0) -> str:
    return str(timezone.localdate() + timedelta(days=offset))


def borrowed(w, **changes):
    values = {"purpose_kind": "meeting", "purpose": "全省工作会议会场布置", "starts_on": day(), "due_on": day(7),
              **changes}
    return loans.request_loan(w.finance_admin, w.item.pk, **values)


def test_a_unit_borrows_on_the_service_portal_and_follows_the_loan(as_, w):
    client = as_("finance_admin")
    assert service("my_loans") in client.get(service("home")).content.decode()
    page = client.get(service("item", w.item.pk)).content.decode()
    assert 'data-testid="loan-form"' in page and 'data-testid="request-form"' in page
    refused = client.post(service("borrow", w.item.pk), {"purpose_kind": "meeting", "purpose": "全省工作会议会场布置",
                                                         "starts_on": day(), "due_on": day(200)})
    assert refused.status_code == 400 and day(180) in refused.content.decode() and not Loan.objects.exists()
    made = client.post(service("borrow", w.item.pk), {"purpose_kind": "meeting", "purpose": "全省工作会议会场布置",
                                                      "starts_on": day(), "due_on": day(7)})
    loan = Loan.objects.get()
    assert made.url == service("my_loan", loan.pk)
    assert "折叠会议桌" in client.get(service("my_loans")).content.decode()
    assert 'data-testid="withdraw"' in client.get(service("my_loan", loan.pk)).content.decode()
    client.post(service("withdraw_loan", loan.pk))
    loan.refresh_from_db()
    assert loan.state == "withdrawn"


def test_a_unit_told_that_another_was_quicker(as_, w):
    reuse.request_reuse(w.bureau_admin, w.item.pk, purpose="局机关办公使用")
    response = as_("finance_admin").post(service("borrow", w.item.pk), {
        "purpose_kind": "meeting", "purpose": "全省工作会议会场布置", "starts_on": day(), "due_on": day(7)}, follow=True)
    assert response.redirect_chain[-1][0] == service("home")
    assert w.item.number in response.content.decode() and not Loan.objects.exists()


def test_the_days_left_and_the_overdue_badge(as_, w):
    loan = borrowed(w)
    loans.approve_loan(w.bureau_admin, loan.pk)
    loans.lend(w.bureau_admin, loan.pk, received_by_name="李建华", signature=SIGNATURE, condition_out="good")
    client = as_("finance_admin")
    assert 'data-testid="days-left"' in client.get(service("my_loan", loan.pk)).content.decode()
    Loan.objects.filter(pk=loan.pk).update(starts_on=timezone.localdate() - timedelta(days=9),
                                           due_on=timezone.localdate() - timedelta(days=2))
    page = client.get(service("my_loan", loan.pk)).content.decode()
    assert "已逾期 2 天" in page
    listed = as_("bureau_admin").get(manage("loans"), {"overdue": "1"}).content.decode()
    assert "折叠会议桌" in listed
    assert "折叠会议桌" not in as_("bureau_admin").get(manage("loans"), {"overdue": "0"}).content.decode()


def test_the_bureau_approves_lends_extends_and_takes_back(as_, w):
    loan = borrowed(w)
    client = as_("bureau_admin")
    listed = client.get(manage("loans"), {"state": "requested"}).content.decode()
    assert "折叠会议桌" in listed and "江西省财政厅" in listed
    assert client.post(manage("loan_decide", loan.pk), {"action": "reject", "comment": ""}).status_code == 400
    client.post(manage("loan_decide", loan.pk), {"action": "approve", "comment": "同意"})
    page = client.get(manage("loan", loan.pk)).content.decode()
    assert 'data-testid="lend-form"' in page and "data-signature-pad" in page
    unsigned = client.post(manage("loan_lend", loan.pk), {"received_by_name": "李建华", "condition_out": "good",
                                                          "signature": ""})
    assert unsigned.status_code == 400
    client.post(manage("loan_lend", loan.pk), {"received_by_name": "李建华", "condition_out": "good",
                                               "signature": SIGNATURE})
    loan.refresh_from_db()
    assert loan.state == "lent"
    slip = client.get(manage("loan_slip", loan.pk)).content.decode()
    assert 'data-testid="slip"' in slip and "李建华" in slip and loan.asset.number in slip
    assert client.post(manage("loan_extend", loan.pk), {"due_on": day(1)}).status_code == 400
    client.post(manage("loan_extend", loan.pk), {"due_on": day(30), "comment": "会议延期"})
    loan.refresh_from_db()
    assert str(loan.due_on) == day(30)
    worse = client.post(manage("loan_return", loan.pk), {"returned_by_name": "李建华", "condition_back": "poor"})
    assert worse.status_code == 400
    client.post(manage("loan_return", loan.pk), {"returned_by_name": "李建华", "condition_back": "poor",
                                                 "return_note": "铰链断裂", "damage_charge": "200",
                                                 "send_to_repair": "on", "fault": "折叠铰链断裂",
                                                 "repairer": "南昌鑫达家具维修厂"})
    loan.refresh_from_db()
    repair = Repair.objects.get()
    assert loan.state == "returned" and repair.loan == loan
    assert 'data-testid="damage-charge"' in client.get(manage("loan", loan.pk)).content.decode()


def test_a_keeper_sends_an_item_to_repair_from_its_card_and_takes_it_back(as_, w):
    client = as_("bureau_admin")
    assert manage("asset_repair", w.item.pk) in client.get(manage("asset", w.item.pk)).content.decode()
    assert client.post(manage("asset_repair", w.item.pk), {"fault": "", "repairer": "某维修厂",
                                                           "sent_on": day()}).status_code == 400
    made = client.post(manage("asset_repair", w.item.pk), {"fault": "桌腿松动", "repairer": "南昌鑫达家具维修厂",
                                                           "sent_on": day()})
    repair = Repair.objects.get()
    assert made.url == manage("repair", repair.pk)
    assert manage("asset_repair", w.item.pk) not in client.get(manage("asset", w.item.pk)).content.decode()
    assert "南昌鑫达家具维修厂" in client.get(manage("repairs")).content.decode()
    assert client.post(manage("repair_finish", repair.pk), {"outcome": "repaired", "finished_on": day(),
                                                            "cost": "60"}).status_code == 400
    client.post(manage("repair_finish", repair.pk), {"outcome": "repaired", "finished_on": day(), "cost": "60",
                                                     "invoice_number": "36001111", "condition_after": "good"})
    repair.refresh_from_db()
    assert repair.state == "repaired"
    assert 'data-testid="repair-cost"' in client.get(manage("repair", repair.pk)).content.decode()


def test_who_sees_the_loan_and_repair_pages(as_, w):
    loan = borrowed(w)
    unit = as_("finance_admin")
    page = unit.get(manage("loan", loan.pk)).content.decode()
    assert 'value="withdraw"' in page and 'value="approve"' not in page
    assert unit.post(manage("loan_decide", loan.pk), {"action": "approve"}).status_code == 403
    assert unit.get(manage("repairs")).status_code == 403
    assert unit.get(manage("asset_repair", w.item.pk)).status_code == 403
    loan.refresh_from_db()
    assert loan.state == "requested"
    assert as_("education_admin").get(service("my_loan", loan.pk)).status_code == 404
    city = as_("city_admin")
    assert city.get(manage("loan", loan.pk)).status_code == 404
    assert city.get(manage("loan_slip", loan.pk)).status_code == 404
    assert city.post(manage("loan_decide", loan.pk), {"action": "approve"}).status_code == 404
    assert city.get(manage("asset_repair", w.item.pk)).status_code == 404
    staff = as_("staff")
    assert staff.get(manage("loans")).status_code == 403
    assert staff.get(service("my_loans")).status_code == 403
