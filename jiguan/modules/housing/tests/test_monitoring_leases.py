"""The monitor's view of tenancies: arrears, overstays and leases ending soon as KPIs narrowed by region and
unit; the rules "ended but still occupied" and "rent owed for the region's months"; what is registered."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.core.jobs import registered_jobs
from jiguan.core.registry import registry
from jiguan.core.testing import make_unit, per_agency_figures
from jiguan.modules.housing import monitoring
from jiguan.modules.housing.models import Application, LeaseState, TenancyRules
from jiguan.modules.housing.services import billing

from .tenancies import add_months, live_lease
from .world import build_world, waiting

pytestmark = pytest.mark.django_db

RENT = Decimal("856.25")


@pytest.fixture
def w():
    return build_world()


def months_ago(n: int) -> date:
    return add_months(timezone.localdate().replace(day=1), -n)


def owing(w, months: int, **kwargs):
    """A lease started ``months`` months ago on the 1st, billed through today and all of it past due."""
    lease = live_lease(w, started_on=months_ago(months), **kwargs)
    billing.bill_through(lease, timezone.localdate())
    lease.charges.update(due_on=timezone.localdate() - timedelta(days=1))
    return lease


def test_arrears_are_what_is_past_due_by_region_and_unit(w):
    lease = owing(w, 2)
    billing.add_charge(lease, kind="damage", amount="100.00", description="门锁", actor=w.nc_admin)  # not yet due
    assert monitoring.arrears() == RENT * 2
    assert monitoring.arrears("360100") == RENT * 2 and monitoring.arrears("360400") == 0
    assert monitoring.arrears(unit_id=w.finance.pk) == RENT * 2 and monitoring.arrears(unit_id=w.audit.pk) == 0


def test_overdue_occupancies_and_leases_ending_soon(w):
    today = timezone.localdate()
    soon = live_lease(w, started_on=today - timedelta(days=300), months=12)  # ends in about 65 days
    live_lease(w, account=w.staff2, flat=w.flat2, started_on=today - timedelta(days=400), state=LeaseState.OVERSTAY)
    assert monitoring.overdue_occupancies() == 1 and monitoring.overdue_occupancies("360400") == 0
    assert monitoring.leases_ending_soon() == 0
    soon.ends_on = today + timedelta(days=60)
    soon.save()
    assert monitoring.leases_ending_soon() == 1 and monitoring.leases_ending_soon(unit_id=w.audit.pk) == 0


def test_every_kpi_for_all_agencies_at_once_equals_each_agency_in_turn(w):
    """The hourly pass computes each KPI for every agency in one grouped query: flats by their keeping bureau,
    the waiting list and tenancies by the staff's unit; an agency with nothing gets the empty figures."""
    today = timezone.localdate()
    owing(w, 2)
    live_lease(w, account=w.staff2, flat=w.flat2, started_on=today - timedelta(days=400), state=LeaseState.OVERSTAY)
    for account, days in ((w.deputy_account, 40), (w.auditor_account, 10)):
        Application.objects.filter(pk=waiting(w, account).pk).update(eligible_since=today - timedelta(days=days))
    empty = make_unit("360400", "九江市档案馆")
    figures = per_agency_figures(registry.get("housing").kpis,
                                 [w.nc_bureau, w.finance, w.audit, w.jj_bureau, w.donghu_bureau, empty])
    assert figures["housing.arrears"][w.finance.pk] == RENT * 2
    assert figures["housing.occupancy_rate"][w.nc_bureau.pk] == Decimal("66.67")  # 2 of its 3 flats
    assert figures["housing.average_wait"][w.audit.pk] == Decimal("10.00")
    assert figures["housing.waiting_length"][w.finance.pk] == 1
    assert figures["housing.overdue_occupancies"][w.finance.pk] == 1
    assert {code: values[empty.pk] for code, values in figures.items()} == {
        "housing.vacancy_rate": Decimal("0.00"), "housing.occupancy_rate": Decimal("0.00"),
        "housing.waiting_length": 0, "housing.average_wait": Decimal("0.00"), "housing.arrears": Decimal("0.00"),
        "housing.overdue_occupancies": 0, "housing.leases_ending_soon": 0}


def test_rule_ended_but_still_occupied(w):
    today = timezone.localdate()
    overstaying = live_lease(w, started_on=today - timedelta(days=400), state=LeaseState.OVERSTAY)
    moving = live_lease(w, account=w.staff2, flat=w.flat2, started_on=today - timedelta(days=400),
                        state=LeaseState.ENDING)
    moving.move_out_by = today
    moving.save()
    assert list(monitoring.leases_ended_still_occupied()) == [overstaying]
    moving.move_out_by = today - timedelta(days=1)
    moving.save()
    assert set(monitoring.leases_ended_still_occupied()) == {overstaying, moving}


def test_rule_rent_owed_for_the_regions_months(w):
    six = owing(w, 6)
    five = owing(w, 5, account=w.staff2, flat=w.flat2)
    billing.add_charge(five, kind="damage", amount=str(RENT), description="门窗损坏", actor=w.nc_admin,
                       on=months_ago(2))  # past due, but not rent
    assert billing.rent_owed_months(six) == Decimal("6.00") and billing.rent_owed_months(five) == Decimal("5.00")
    assert list(monitoring.arrears_six_months()) == [six]
    billing.record_payment(w.nc_admin, six.pk, amount=str(RENT), paid_on=timezone.localdate(), method="payroll",
                           reference="GZ-1")
    assert list(monitoring.arrears_six_months()) == []
    TenancyRules.objects.create(region=w.nc_bureau.region, arrears_months_to_end=5)  # the city's own rule
    assert set(monitoring.arrears_six_months()) == {six, five}


def test_the_kpis_rules_datasets_and_job_are_registered():
    spec = registry.get("housing")
    assert {"housing.arrears", "housing.overdue_occupancies", "housing.leases_ending_soon"} <= {k.code for k in spec.kpis}
    assert {"housing.lease_ended_still_occupied", "housing.arrears_six_months"} <= {r.code for r in spec.rules}
    datasets = {d.code: d.sensitivity for d in spec.datasets}
    assert datasets["housing.charges"] == datasets["housing.payments"] == "personal"
    assert "housing.monthly_billing" in registered_jobs()
