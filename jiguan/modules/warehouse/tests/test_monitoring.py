"""The pool's KPIs and its rule on the small world, narrowed by region and by unit, and what the module
declares to the registry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.core.registry import registry
from jiguan.core.testing import make_department, make_unit, per_agency_figures
from jiguan.modules.warehouse import monitoring
from jiguan.modules.warehouse.models import ReuseRequest, StorageLocation

from .test_rules import lent, lot
from .world import build_world, pooled

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def handed_over(w, asset, unit, *, days_ago=0):
    """A finished hand-over of ``asset`` to ``unit`` (written directly: the workflow is tested with reuse)."""
    at = timezone.now() - timedelta(days=days_ago)
    return ReuseRequest.objects.create(asset=asset, unit=unit, purpose="办公", state="handed_over",
                                       requested_by=w.bureau_admin, handed_over_at=at, handed_over_by=w.bureau_admin)


def test_items_in_the_pool_by_holder(w):
    pooled(w)
    pooled(w, state="reserved")
    pooled(w, storage_kind="virtual", warehouse=None, location=None, unit=w.education)
    assert monitoring.items_in_pool() == 2
    assert monitoring.items_in_pool("360000") == 2 and monitoring.items_in_pool("360100") == 0
    assert monitoring.items_in_pool(unit_id=w.education.pk) == 1


def test_value_items_and_turnover_of_this_years_hand_overs(w):
    today = timezone.localdate()
    desk = pooled(w, state="transferred", pooled_on=today - timedelta(days=30), original_value=Decimal("1800.00"))
    laptop = pooled(w, state="transferred", pooled_on=today - timedelta(days=10), original_value=Decimal("5200.50"))
    old = pooled(w, state="transferred", pooled_on=today - timedelta(days=800))
    handed_over(w, desk, w.education)
    handed_over(w, laptop, w.finance)
    handed_over(w, old, w.finance, days_ago=today.timetuple().tm_yday)  # last year: not counted
    assert monitoring.items_reused() == 2 and monitoring.value_reused() == Decimal("7000.50")
    assert monitoring.value_reused(unit_id=w.education.pk) == Decimal("1800.00")  # by the receiving unit
    assert monitoring.value_reused("360100") == Decimal("0.00")
    assert monitoring.turnover_days() == Decimal("20.00")
    assert monitoring.turnover_days("360100") == Decimal("0.00")


def test_fill_rate_counts_locations_holding_an_item_on_the_shelf(w):
    assert monitoring.pool_fill_rate() == Decimal("0.00")
    pooled(w)  # on w.shelf
    pooled(w, location=w.shelf, state="reserved")
    pooled(w, location=w.shelf2, state="transferred")  # gone: the shelf is empty
    assert monitoring.pool_fill_rate() == Decimal("50.00")
    StorageLocation.objects.create(unit=w.bureau, warehouse=w.branch, zone="A区", shelf="01架")
    assert monitoring.pool_fill_rate("360000") == Decimal("33.33")
    assert monitoring.pool_fill_rate("360100") == Decimal("0.00")


def test_rule_items_in_the_pool_over_twelve_months(w):
    today = timezone.localdate()
    old = pooled(w, pooled_on=today - timedelta(days=370))
    pooled(w, pooled_on=today - timedelta(days=300))
    pooled(w, pooled_on=today - timedelta(days=400), state="reserved")  # requested: moving on
    pooled(w, pooled_on=today - timedelta(days=400), classified=True)  # an alert would name it
    assert list(monitoring.long_in_pool()) == [old]


def test_disposal_income_of_this_year_by_keeping_unit(w):
    now = timezone.now()
    lot(w, state="sold", proceeds=Decimal("1200.50"), paid_at=now)
    lot(w, state="scrapped", method="scrap", salvage_value=Decimal("80.00"), scrapped_on=timezone.localdate())
    lot(w, state="sold", proceeds=Decimal("999.00"), paid_at=now - timedelta(days=400))  # last year
    lot(w, state="awarded", proceeds=None)  # not paid yet
    lot(w, state="sold", proceeds=Decimal("50.00"), paid_at=now, unit=w.city_bureau)
    assert monitoring.disposal_income("360000") == Decimal("1330.50")  # the province and the cities below
    assert monitoring.disposal_income(unit_id=w.bureau.pk) == Decimal("1280.50")
    assert monitoring.disposal_income("360100") == Decimal("50.00")
    assert monitoring.disposal_income(unit_id=w.finance.pk) == Decimal("0.00")


def test_items_on_loan_and_overdue_by_borrowing_unit(w):
    lent(w, due_in_days=3)
    lent(w, due_in_days=-1)
    lent(w, due_in_days=-1, classified=True)  # counted: a figure names no item
    lent(w, due_in_days=-9, state="returned")
    lent(w, due_in_days=-2, unit=w.city_unit)
    assert (monitoring.items_on_loan("360000"), monitoring.loans_overdue("360000")) == (4, 3)
    assert (monitoring.items_on_loan(unit_id=w.city_unit.pk), monitoring.loans_overdue("360100")) == (1, 1)
    assert monitoring.items_on_loan(unit_id=w.education.pk) == 0


def test_every_kpi_for_all_agencies_at_once_equals_each_agency_in_turn(w):
    """The hourly pass computes each KPI for every agency in one grouped query; an agency with nothing gets
    the empty figures, and a department's rows stay its own (the figures count by the exact unit)."""
    today, now = timezone.localdate(), timezone.now()
    pooled(w)
    pooled(w, location=w.shelf2, state="reserved")
    pooled(w, storage_kind="virtual", warehouse=None, location=None, unit=w.education)
    handed_over(w, pooled(w, state="transferred", pooled_on=today - timedelta(days=30),
                          original_value=Decimal("1800.00")), w.education)
    handed_over(w, pooled(w, state="transferred", pooled_on=today - timedelta(days=11),
                          original_value=Decimal("520.50")), w.finance)
    handed_over(w, pooled(w, state="transferred", pooled_on=today - timedelta(days=4)), w.finance)
    lot(w, state="sold", proceeds=Decimal("1200.50"), paid_at=now)
    lot(w, state="scrapped", method="scrap", salvage_value=Decimal("80.00"), scrapped_on=today)
    lent(w, due_in_days=3)
    lent(w, due_in_days=-2, unit=w.city_unit)
    department = make_department(w.finance, "办公室")
    lent(w, due_in_days=-1, unit=department)
    empty = make_unit("360100", "南昌市档案馆")
    figures = per_agency_figures(registry.get("warehouse").kpis,
                                 [w.bureau, w.finance, w.education, w.city_bureau, w.city_unit, empty])
    assert figures["warehouse.turnover_days"][w.finance.pk] == Decimal("7.50")  # (11 + 4) / 2
    assert figures["warehouse.value_reused"][w.education.pk] == Decimal("1800.00")
    assert figures["warehouse.disposal_income"][w.bureau.pk] == Decimal("1280.50")
    assert figures["warehouse.pool_fill_rate"][w.bureau.pk] == Decimal("100.00")
    assert figures["warehouse.items_on_loan"][w.finance.pk] == 1  # the department's loan is its own
    assert figures["warehouse.loans_overdue"][w.city_unit.pk] == 1
    assert {code: values[empty.pk] for code, values in figures.items()} == {
        "warehouse.items_in_pool": 0, "warehouse.value_reused": Decimal("0.00"), "warehouse.items_reused": 0,
        "warehouse.pool_fill_rate": Decimal("0.00"), "warehouse.turnover_days": Decimal("0.00"),
        "warehouse.disposal_income": Decimal("0.00"), "warehouse.items_on_loan": 0, "warehouse.loans_overdue": 0}


def test_the_module_declares_its_kpis_rules_and_datasets():
    spec = registry.get("warehouse")
    assert {k.code for k in spec.kpis} >= {"warehouse.items_in_pool", "warehouse.value_reused",
                                           "warehouse.items_reused", "warehouse.pool_fill_rate",
                                           "warehouse.turnover_days", "warehouse.disposal_income",
                                           "warehouse.items_on_loan", "warehouse.loans_overdue"}
    assert {r.code for r in spec.rules} >= {"warehouse.long_in_pool", "warehouse.loan_overdue",
                                            "warehouse.lot_no_bids", "warehouse.buying_held_category",
                                            "warehouse.idle_not_offered"}
    datasets = {d.code: d.sensitivity for d in spec.datasets}
    assert datasets["warehouse.intake_requests"] == datasets["warehouse.reuse_requests"] == "internal"
    assert datasets["warehouse.idle_assets"] == "internal"
