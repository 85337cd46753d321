"""Payments: oldest charges first, no credit balance, one receipt once, rent income to the cost ledger, who may
record and read, the reading round and the monthly run, and two payments racing for the last amount owed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.models import CostEntry, Notification
from jiguan.core.testing import run_at_once
from jiguan.modules.housing.models import Charge, LeaseState, MeterReading, Payment
from jiguan.modules.housing.services import billing, save_meter

from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db

RENT = Decimal("856.25")


@pytest.fixture
def w():
    return build_world()


@pytest.fixture
def lease(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 3, 31))
    billing.add_charge(lease, kind="damage", amount="100.00", description="门锁损坏", actor=w.nc_admin,
                       on=date(2025, 4, 2))
    return lease


def pay(w, lease, amount, reference="HD-001", **changes):
    values = {"amount": amount, "paid_on": date(2025, 4, 10), "method": "transfer", "reference": reference}
    return billing.record_payment(w.nc_admin, lease.pk, **{**values, **changes})


def paid(lease):
    return [c.paid for c in lease.charges.order_by("due_on", "period_start", "pk")]


def test_a_payment_settles_the_oldest_charges_first(w, lease):
    pay(w, lease, "1000.00")
    assert paid(lease) == [RENT, Decimal("143.75"), 0, 0]
    pay(w, lease, "1668.75", reference="HD-002")
    assert paid(lease) == [RENT, RENT, RENT, Decimal("100.00")]
    assert billing.outstanding(lease) == 0


def test_the_rent_part_of_a_payment_is_posted_as_income(w, lease):
    pay(w, lease, "856.25")
    entry = CostEntry.objects.get(module="housing")
    assert (entry.amount, entry.unit, entry.category, entry.occurred_on) == (
        -RENT, w.nc_bureau, "周转住房租金收入", date(2025, 4, 10))
    assert entry.subject_id == str(Payment.objects.get().pk)


def test_damage_paid_is_not_income(w, lease):
    pay(w, lease, str(RENT * 3 + 100))
    assert CostEntry.objects.get(module="housing").amount == -RENT * 3  # the 100 yuan of damage is left out


def test_the_tenant_is_told_what_is_still_outstanding(w, lease):
    pay(w, lease, "100.00")
    note = Notification.objects.filter(recipient=w.staff).latest("pk")
    assert "100" in note.title and "2568.75" in note.body


def test_more_than_is_outstanding_is_refused(w, lease):
    with pytest.raises(ValidationFailed) as excinfo:
        pay(w, lease, "2668.76")
    assert "2668.75" in excinfo.value.errors["amount"][0]
    assert not Payment.objects.exists() and not CostEntry.objects.exists()
    assert paid(lease) == [0, 0, 0, 0]


def test_the_same_reference_is_refused_the_second_time(w, lease):
    pay(w, lease, "100.00", reference="HD-7")
    with pytest.raises(ValidationFailed) as excinfo:
        pay(w, lease, "100.00", reference="HD-7")
    assert "HD-7" in excinfo.value.errors["reference"][0]
    assert Payment.objects.count() == 1 and billing.outstanding(lease) == RENT * 3


@pytest.mark.parametrize("changes, field", [
    ({"amount": "0"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"paid_on": date.today() + timedelta(days=1)}, "paid_on"),
    ({"paid_on": date(2024, 12, 31)}, "paid_on"),
    ({"paid_on": "2025-02-30"}, "paid_on"),
    ({"method": "deposit"}, "method"),
    ({"method": "cash"}, "method"),
    ({"reference": "  "}, "reference"),
    ({"reference": "x" * 61}, "reference"),
    ({"note": "x" * 201}, "note"),
])
def test_bad_input_is_named_and_changes_nothing(w, lease, changes, field):
    with pytest.raises(ValidationFailed) as excinfo:
        pay(w, lease, **{"amount": "100.00", **changes})
    assert field in excinfo.value.errors
    assert not Payment.objects.exists() and paid(lease) == [0, 0, 0, 0]


# --- Who may do what -----------------------------------------------------------------------------------------


def test_the_tenants_unit_reads_the_ledger_but_cannot_record_a_payment(w, lease):
    assert billing.lease_for_ledger(w.fin_admin, lease.pk) == lease
    assert billing.ledger_actions(lease, w.fin_admin) == []
    assert billing.ledger_actions(lease, w.nc_admin) == ["record_payment"]
    with pytest.raises(NotAllowed):
        billing.record_payment(w.fin_admin, lease.pk, amount="10", paid_on=date(2025, 4, 10), method="transfer",
                               reference="X")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("who", ["jj_admin", "audit_admin"])
def test_outside_the_scope_the_lease_does_not_exist(w, lease, who):
    with pytest.raises(Http404):
        billing.lease_for_ledger(getattr(w, who), lease.pk)
    if who == "jj_admin":
        with pytest.raises(Http404):
            billing.record_payment(w.jj_admin, lease.pk, amount="10", paid_on=date(2025, 4, 10), method="transfer",
                                   reference="X")
    assert lease not in billing.leases_with_balances(getattr(w, who))


def test_staff_see_only_their_own_bills(w, lease):
    mine = billing.my_bills(w.staff)
    assert [bill.lease for bill in mine] == [lease] and mine[0].outstanding == RENT * 3 + 100
    assert billing.my_bills(w.staff2) == []
    assert billing.my_bills(w.fin_admin) == []  # an administrator without a tenancy of their own


def test_nothing_left_to_pay_leaves_no_action(w, lease):
    pay(w, lease, str(RENT * 3 + 100))
    assert billing.ledger_actions(lease, w.nc_admin) == []


def test_the_ledger_keeps_a_running_balance(w, lease):
    pay(w, lease, "1000.00")
    rows = billing.ledger(lease)
    assert [(r.on, r.charged, r.paid, r.balance) for r in rows] == [
        (date(2025, 3, 31), RENT, None, RENT),
        (date(2025, 3, 31), RENT, None, RENT * 2),
        (date(2025, 3, 31), RENT, None, RENT * 3),
        (date(2025, 4, 2), Decimal("100.00"), None, RENT * 3 + 100),
        (date(2025, 4, 10), None, Decimal("1000.00"), RENT * 3 + 100 - 1000),
    ]


# --- The reading round and the monthly run -----------------------------------------------------------------------


def test_a_reading_round_bills_the_tenant_in_residence(w, lease):
    for kind in ("water", "electricity"):
        save_meter(w.nc_admin, w.flat.pk, kind=kind, number=f"M-{kind}", last_reading="10", read_on=date(2025, 1, 1))
    saved = billing.read_meters(w.nc_admin, w.flat.pk, {"water": "15.5", "electricity": ""}, date(2025, 4, 30))
    assert [(r.meter.kind, r.lease, r.consumption) for r in saved] == [("water", lease, Decimal("5.50"))]
    assert billing.run_monthly_billing(date(2025, 4, 30)) == 2  # April's rent and the water
    assert lease.charges.get(kind="water").amount == Decimal("14.19")  # 5.5 m³ × 2.58 = 14.19


def test_a_bad_reading_in_the_round_saves_none_of_it(w, lease):
    for kind in ("water", "electricity"):
        save_meter(w.nc_admin, w.flat.pk, kind=kind, number=f"M-{kind}", last_reading="10", read_on=date(2025, 1, 1))
    with pytest.raises(ValidationFailed) as excinfo:
        billing.read_meters(w.nc_admin, w.flat.pk, {"water": "15", "electricity": "9", "gas": "1"}, date(2025, 4, 30))
    assert set(excinfo.value.errors) == {"electricity", "gas"}
    assert not MeterReading.objects.exists()


def test_a_unit_admin_cannot_read_meters(w, lease):
    save_meter(w.nc_admin, w.flat.pk, kind="water", number="M-1", last_reading="10", read_on=date(2025, 1, 1))
    with pytest.raises(NotAllowed):
        billing.read_meters(w.fin_admin, w.flat.pk, {"water": "11"}, date(2025, 4, 30))


def test_the_monthly_run_bills_live_leases_only_and_is_idempotent(w):
    live = live_lease(w, started_on=date(2025, 1, 1))
    ended = live_lease(w, account=w.staff2, flat=w.flat2, started_on=date(2025, 1, 1), state=LeaseState.ENDED)
    assert billing.run_monthly_billing(date(2025, 2, 1)) == 1
    assert billing.run_monthly_billing(date(2025, 2, 1)) == 0
    assert live.charges.count() == 1 and not ended.charges.exists()


# --- The race ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_two_payments_for_the_last_amount_owed_only_one_is_recorded():
    w = build_world()
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 1, 31))
    results = run_at_once(
        lambda: pay(w, lease, "856.25", reference="A-1"),
        lambda: pay(w, lease, "856.25", reference="B-1"),
    )
    recorded = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(recorded) == 1 and len(refused) == 1, results
    assert "0.00" in refused[0].errors["amount"][0]
    assert Payment.objects.count() == 1 and Charge.objects.get().paid == RENT
