"""The ledger through the API, every response checked against the OpenAPI document: the ledger of a lease,
recording a payment (and its refusals), the reading round, the arrears list, my bills, and who may do what."""

from datetime import date
from decimal import Decimal

import pytest

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.modules.housing.models import Payment
from jiguan.modules.housing.services import billing, save_meter

from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db
H = "/housing"


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def tokens(api, w):  # noqa: F811
    return {name: api.token(getattr(w, name)) for name in ("nc_admin", "jj_admin", "fin_admin", "staff", "staff2")}


@pytest.fixture
def lease(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 2, 28))
    return lease


def payment(**changes) -> dict:
    return {"amount": "856.25", "paid_on": "2025-03-05", "method": "payroll", "reference": "GZ-2025-03", **changes}


def test_ledger_and_payment(api, tokens, lease):  # noqa: F811
    recorded = api.post(f"{H}/leases/{lease.pk}/payments", payment(), token=tokens["nc_admin"])
    assert recorded.status_code == 201, recorded.json()
    assert (recorded.json()["method"]["code"], recorded.json()["outstanding"]) == ("payroll", "856.25")
    ledger = api.get(f"{H}/leases/{lease.pk}/ledger", token=tokens["fin_admin"])
    assert ledger.status_code == 200
    body = ledger.json()
    assert (body["number"], body["outstanding"], body["tenant"]) == (lease.number, "856.25", "王科员")
    assert [(r["charged"], r["paid"], r["balance"]) for r in body["rows"]] == [
        ("856.25", None, "856.25"), ("856.25", None, "1712.50"), (None, "856.25", "856.25")]


@pytest.mark.parametrize("changes, field", [
    ({"amount": "5000"}, "amount"),
    ({"method": "deposit"}, "method"),
    ({"paid_on": "2024-12-01"}, "paid_on"),
])
def test_refused_payments_name_the_field(api, tokens, lease, changes, field):  # noqa: F811
    response = api.post(f"{H}/leases/{lease.pk}/payments", payment(**changes), token=tokens["nc_admin"])
    assert response.status_code in (400, 422)
    assert field in str(response.json())
    assert not Payment.objects.exists()


def test_a_duplicate_reference_is_refused(api, tokens, lease):  # noqa: F811
    api.post(f"{H}/leases/{lease.pk}/payments", payment(amount="100"), token=tokens["nc_admin"])
    again = api.post(f"{H}/leases/{lease.pk}/payments", payment(amount="100"), token=tokens["nc_admin"])
    assert again.status_code == 400 and "GZ-2025-03" in str(again.json())
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("who, status", [("fin_admin", 403), ("jj_admin", 404), ("staff", 403)])
def test_who_cannot_record_a_payment(api, tokens, lease, who, status):  # noqa: F811
    response = api.post(f"{H}/leases/{lease.pk}/payments", payment(), token=tokens[who])
    assert response.status_code == status
    assert not Payment.objects.exists()


def test_another_city_and_other_staff_do_not_see_the_ledger(api, tokens, lease):  # noqa: F811
    assert api.get(f"{H}/leases/{lease.pk}/ledger", token=tokens["jj_admin"]).status_code == 404
    assert api.get(f"{H}/leases/{lease.pk}/ledger", token=tokens["staff2"]).status_code in (403, 404)


def test_readings_through_the_api(api, tokens, w, lease):  # noqa: F811
    save_meter(w.nc_admin, w.flat.pk, kind="electricity", number="DB-1", last_reading="100", read_on=date(2025, 1, 1))
    saved = api.post(f"{H}/flats/{w.flat.pk}/readings", {"readings": {"electricity": "180.5"}, "read_on": "2025-02-28"},
                     token=tokens["nc_admin"])
    assert saved.status_code == 201, saved.json()
    assert saved.json() == [{"meter_kind": "electricity", "read_on": "2025-02-28", "previous": "100.00",
                             "reading": "180.50", "lease_id": lease.pk}]
    backwards = api.post(f"{H}/flats/{w.flat.pk}/readings", {"readings": {"electricity": "150"}, "read_on": "2025-03-31"},
                         token=tokens["nc_admin"])
    assert backwards.status_code == 400 and "180.50" in str(backwards.json())


def test_arrears_list(api, tokens, w, lease):  # noqa: F811
    live_lease(w, account=w.staff2, flat=w.flat2, started_on=date.today().replace(day=1))
    listed = api.get(f"{H}/arrears", params={"arrears_only": "true"}, token=tokens["nc_admin"])
    assert listed.status_code == 200
    assert [(i["number"], i["arrears"], i["rent_owed_months"]) for i in listed.json()["items"]] == [
        (lease.number, "1712.50", "2.00")]
    assert len(api.get(f"{H}/arrears", token=tokens["nc_admin"]).json()["items"]) == 2
    assert api.get(f"{H}/arrears", token=tokens["jj_admin"]).json()["items"] == []
    assert api.get(f"{H}/arrears", params={"sort": "owed"}, token=tokens["nc_admin"]).status_code in (400, 422)


def test_my_bills(api, tokens, lease):  # noqa: F811
    mine = api.get(f"{H}/my/bills", token=tokens["staff"])
    assert mine.status_code == 200
    assert [(b["number"], b["outstanding"], len(b["rows"])) for b in mine.json()] == [(lease.number, "1712.50", 2)]
    assert api.get(f"{H}/my/bills", token=tokens["staff2"]).json() == []
    assert Decimal(mine.json()[0]["arrears"]) == Decimal("1712.50")
