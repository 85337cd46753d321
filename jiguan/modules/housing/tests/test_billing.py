"""The tenancy's ledger: monthly billing in arrears (partial months, month ends, leap years, the switch from
contract rent to overstay), utilities from meter readings, one-off charges, balances and the deposit."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import CostEntry
from jiguan.modules.housing.models import Charge, LeaseState, Meter, MeterReading, Payment, TenancyRules
from jiguan.modules.housing.services import billing, save_meter

from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db

RENT = Decimal("856.25")
MARKET = Decimal("2397.50")


@pytest.fixture
def w():
    return build_world()


def charges(lease):
    return [(c.kind, c.period_start, c.period_end, c.amount) for c in lease.charges.order_by("period_start", "kind")]


def test_full_months_are_billed_once_each_is_over(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    new = billing.bill_through(lease, date(2025, 3, 31))
    assert [(c.kind, c.period_start, c.period_end, c.amount) for c in new] == [
        ("rent", date(2025, 1, 1), date(2025, 1, 31), RENT),
        ("rent", date(2025, 2, 1), date(2025, 2, 28), RENT),
        ("rent", date(2025, 3, 1), date(2025, 3, 31), RENT),
    ]
    assert all(c.billed_on == date(2025, 3, 31) and c.due_on == date(2025, 4, 15) for c in new)


def test_the_month_under_way_is_not_billed_yet(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 3, 30))
    assert [c[1] for c in charges(lease)] == [date(2025, 1, 1), date(2025, 2, 1)]


def test_a_rerun_bills_nothing_twice(w):
    lease = live_lease(w, started_on=date(2025, 1, 10))
    first = billing.bill_through(lease, date(2025, 2, 28))
    assert len(first) == 2
    assert billing.bill_through(lease, date(2025, 2, 28)) == []
    assert billing.bill_through(lease, date(2025, 3, 15)) == []
    assert lease.charges.count() == 2


def test_a_tenancy_starting_on_the_31st_pays_one_day_then_february_in_full(w):
    lease = live_lease(w, started_on=date(2025, 1, 31))
    billing.bill_through(lease, date(2025, 2, 28))
    assert charges(lease) == [
        ("rent", date(2025, 1, 31), date(2025, 1, 31), Decimal("27.62")),  # 856.25 / 31 = 27.620…
        ("rent", date(2025, 2, 1), date(2025, 2, 28), RENT),
    ]


@pytest.mark.parametrize("started_on, amount", [
    (date(2027, 2, 15), Decimal("428.13")),  # 14 of 28 days: 428.125 rounds half up
    (date(2028, 2, 15), Decimal("442.89")),  # leap year: 15 of 29 days = 442.887…
])
def test_february_is_prorated_by_its_own_length(w, started_on, amount):
    lease = live_lease(w, started_on=started_on)
    billing.bill_through(lease, date(started_on.year, 3, 1))
    assert charges(lease) == [("rent", started_on, started_on.replace(day=28 if started_on.year == 2027 else 29),
                               amount)]


def test_nothing_is_billed_after_moving_out_mid_month(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 2, 28))
    lease.state, lease.move_out_by, lease.moved_out_on = LeaseState.ENDED, date(2025, 4, 30), date(2025, 3, 10)
    lease.save()
    new = billing.bill_through(lease, date(2025, 6, 30))
    assert [(c.kind, c.period_start, c.period_end, c.amount) for c in new] == [
        ("rent", date(2025, 3, 1), date(2025, 3, 10), Decimal("276.21")),  # 856.25 × 10 / 31 = 276.209…
    ]


def test_a_month_split_between_contract_rent_and_overstay_gives_two_charges(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    lease.state, lease.move_out_by, lease.overstay_since = LeaseState.OVERSTAY, date(2025, 3, 10), date(2025, 3, 11)
    lease.save()
    assert [c.kind for c in billing.bill_through(lease, date(2025, 3, 10))] == ["rent", "rent", "rent"]
    billing.bill_through(lease, date(2025, 4, 30))
    assert charges(lease)[2:] == [
        ("rent", date(2025, 3, 1), date(2025, 3, 10), Decimal("276.21")),
        ("overstay", date(2025, 3, 11), date(2025, 3, 31), Decimal("1624.11")),  # 2397.50 × 21 / 31 = 1624.112…
        ("overstay", date(2025, 4, 1), date(2025, 4, 30), MARKET),
    ]


def test_the_move_out_period_is_charged_at_contract_rent_while_ending(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    lease.state, lease.move_out_by = LeaseState.ENDING, date(2025, 5, 31)
    lease.save()
    billing.bill_through(lease, date(2025, 5, 31))
    assert {c[0] for c in charges(lease)} == {"rent"} and len(charges(lease)) == 5


# --- Utilities ---------------------------------------------------------------------------------------------------


@pytest.fixture
def meters(w):
    day = date(2025, 1, 1)
    return {kind: save_meter(w.nc_admin, w.flat.pk, kind=kind, number=f"M-{kind}", last_reading="100.00", read_on=day)
            for kind in ("water", "electricity", "gas")}


def test_readings_are_billed_at_the_regions_prices(w, meters):
    TenancyRules.objects.create(region=w.nc_bureau.region, water_price=Decimal("3.0000"))
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.record_reading(w.nc_admin, meters["water"], reading="112.50", read_on=date(2025, 1, 31), lease=lease)
    billing.record_reading(w.nc_admin, meters["electricity"], reading="350.00", read_on=date(2025, 1, 31), lease=lease)
    billing.record_reading(w.nc_admin, meters["gas"], reading="100.00", read_on=date(2025, 1, 31), lease=lease)
    billing.record_reading(w.nc_admin, meters["water"], reading="120.00", read_on=date(2025, 2, 28), lease=lease)
    billing.bill_through(lease, date(2025, 1, 31))
    utilities = [c for c in charges(lease) if c[0] != "rent"]
    assert utilities == [
        ("electricity", date(2025, 1, 1), date(2025, 1, 31), Decimal("150.00")),  # 250 kWh × 0.60 (default)
        ("water", date(2025, 1, 1), date(2025, 1, 31), Decimal("37.50")),  # 12.5 m³ × 3.00 (the city's own)
    ]  # no gas used: no charge; the February reading is later than the day billed
    billing.bill_through(lease, date(2025, 2, 28))
    assert ("water", date(2025, 2, 1), date(2025, 2, 28), Decimal("22.50")) in charges(lease)
    assert billing.bill_through(lease, date(2025, 2, 28)) == []


def test_a_reading_updates_the_meter_and_remembers_the_one_before(w, meters):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    row = billing.record_reading(w.nc_admin, meters["water"], reading="105.25", read_on=date(2025, 1, 31),
                                 lease=lease)
    meter = Meter.objects.get(pk=meters["water"].pk)
    assert (row.previous, row.reading, row.lease) == (Decimal("100.00"), Decimal("105.25"), lease)
    assert (meter.last_reading, meter.read_on) == (Decimal("105.25"), date(2025, 1, 31))


@pytest.mark.parametrize("reading, read_on, field, fragment", [
    ("99.99", date(2025, 2, 1), "reading", "100.00"),
    ("abc", date(2025, 2, 1), "reading", "两位小数"),
    ("120", date(2024, 12, 31), "read_on", "2025-01-01"),
    ("120", date.today() + timedelta(days=1), "read_on", "晚于今天"),
])
def test_a_bad_reading_is_refused_and_changes_nothing(w, meters, reading, read_on, field, fragment):
    with pytest.raises(ValidationFailed) as excinfo:
        billing.record_reading(w.nc_admin, meters["water"], reading=reading, read_on=read_on)
    assert fragment in excinfo.value.errors[field][0]
    meter = Meter.objects.get(pk=meters["water"].pk)
    assert (meter.last_reading, meter.read_on) == (Decimal("100.00"), date(2025, 1, 1))
    assert not MeterReading.objects.exists()


def test_a_meter_is_read_once_a_day(w, meters):
    billing.record_reading(w.nc_admin, meters["water"], reading="101", read_on=date(2025, 2, 1))
    with pytest.raises(ValidationFailed) as excinfo:
        billing.record_reading(w.nc_admin, meters["water"], reading="102", read_on=date(2025, 2, 1))
    assert "已" in excinfo.value.errors["read_on"][0]
    assert MeterReading.objects.count() == 1


# --- One-off charges, balances ---------------------------------------------------------------------------------


def test_a_damage_charge_is_due_after_the_days_to_pay(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    charge = billing.add_charge(lease, kind="damage", amount="300.00", description="空调遥控器丢失", actor=w.nc_admin,
                                on=date(2025, 6, 1))
    assert (charge.amount, charge.due_on, charge.period_start) == (Decimal("300.00"), date(2025, 6, 16), None)


@pytest.mark.parametrize("values, field", [
    ({"kind": "rent", "amount": "10", "description": "手工房租"}, "kind"),
    ({"kind": "fine", "amount": "10", "description": "罚款"}, "kind"),
    ({"kind": "damage", "amount": "-1", "description": "损坏"}, "amount"),
    ({"kind": "damage", "amount": "10", "description": " "}, "description"),
])
def test_a_bad_one_off_charge_is_refused(w, values, field):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    with pytest.raises(ValidationFailed) as excinfo:
        billing.add_charge(lease, actor=w.nc_admin, **values)
    assert field in excinfo.value.errors
    assert not Charge.objects.exists()


def test_outstanding_arrears_and_months_owed(w):
    lease = live_lease(w, started_on=date(2025, 1, 1))
    billing.bill_through(lease, date(2025, 3, 31))  # due 2025-04-15
    billing.add_charge(lease, kind="damage", amount="100.00", description="门锁", actor=w.nc_admin,
                       on=date(2025, 3, 31))
    assert billing.outstanding(lease) == RENT * 3 + 100
    assert billing.arrears(lease, today=date(2025, 4, 15)) == 0  # due that day: not late yet
    assert billing.arrears(lease, today=date(2025, 4, 16)) == RENT * 3 + 100
    assert billing.rent_owed_months(lease, today=date(2025, 4, 16)) == Decimal("3.00")
    assert billing.rent_owed_months(lease, today=date(2025, 4, 1)) == 0


# --- Deposit ----------------------------------------------------------------------------------------------------


def test_the_deposit_covers_what_is_owed_and_the_rest_is_refunded(w):
    lease = live_lease(w, started_on=date(2025, 1, 1), deposit="1712.50")
    billing.bill_through(lease, date(2025, 1, 31))
    refund = billing.settle_deposit(lease, w.nc_admin)
    assert refund == lease.deposit_refund == Decimal("856.25")
    lease.refresh_from_db()
    assert lease.deposit_refund == Decimal("856.25") and billing.outstanding(lease) == 0
    payment = Payment.objects.get(lease=lease)
    assert (payment.method, payment.reference, payment.amount) == ("deposit", f"押金抵扣-{lease.number}", RENT)
    assert CostEntry.objects.get(module="housing").amount == -RENT
    with pytest.raises(StateError):
        billing.settle_deposit(lease, w.nc_admin)


def test_a_shortfall_stays_outstanding_and_nothing_is_refunded(w):
    lease = live_lease(w, started_on=date(2025, 1, 1), deposit="1712.50")
    billing.bill_through(lease, date(2025, 3, 31))
    assert billing.settle_deposit(lease, w.nc_admin) == 0
    assert billing.outstanding(lease) == RENT * 3 - Decimal("1712.50")
