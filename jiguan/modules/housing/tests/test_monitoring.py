"""The module's KPIs and its rule on a small world, narrowed by region and by unit, and what the module
declares to the registry (KPIs, rule, datasets, jobs)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.core.jobs import registered_jobs
from jiguan.core.registry import registry
from jiguan.modules.housing import monitoring
from jiguan.modules.housing.models import Application, Flat
from jiguan.modules.housing.services import offers

from .world import build_world, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def test_vacancy_and_occupancy(w):
    assert monitoring.vacancy_rate() == Decimal("100.00")
    waiting(w)
    offers.make_offer(w.nc_admin, w.flat.pk)  # reserved
    Flat.objects.filter(pk=w.flat2.pk).update(state="retired")  # out of service: not counted
    assert monitoring.vacancy_rate() == Decimal("50.00")
    assert monitoring.occupancy_rate() == Decimal("50.00")
    assert monitoring.vacancy_rate("360400") == Decimal("0.00")  # 九江 keeps no flats
    assert monitoring.vacancy_rate(unit_id=w.nc_bureau.pk) == Decimal("50.00")


def test_waiting_length_and_average_wait(w):
    first = waiting(w, w.staff)
    waiting(w, w.staff2)
    Application.objects.filter(pk=first.pk).update(eligible_since=timezone.localdate() - timedelta(days=30))
    assert monitoring.waiting_length() == 2 and monitoring.waiting_length("360400") == 0
    assert monitoring.average_wait() == Decimal("15.00")
    assert monitoring.waiting_length(unit_id=w.finance.pk) == 2 and monitoring.waiting_length(unit_id=w.audit.pk) == 0


def test_rule_flats_vacant_over_90_days_while_people_wait(w):
    Flat.objects.filter(pk=w.flat.pk).update(vacant_since=timezone.localdate() - timedelta(days=91))
    Flat.objects.filter(pk=w.flat2.pk).update(vacant_since=timezone.localdate() - timedelta(days=90))
    assert list(monitoring.flats_vacant_while_waiting()) == []  # nobody waits
    waiting(w)
    assert list(monitoring.flats_vacant_while_waiting()) == [Flat.objects.get(pk=w.flat.pk)]


def test_the_module_declares_its_kpis_rule_datasets_and_jobs():
    spec = registry.get("housing")
    assert {k.code for k in spec.kpis} >= {"housing.vacancy_rate", "housing.occupancy_rate", "housing.waiting_length",
                                           "housing.average_wait"}
    assert "housing.flat_vacant_while_waiting" in {r.code for r in spec.rules}
    assert {d.code: d.sensitivity for d in spec.datasets}["housing.applications"] == "personal"
    assert {"housing.offer_expiry", "housing.waiting_scores"} <= set(registered_jobs())
