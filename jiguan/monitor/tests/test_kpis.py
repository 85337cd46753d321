"""KPI snapshots: one per KPI per place per pass, a failing KPI skipped, retention, scope, drill-down,
the recompute permission and the monitoring home."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.core.models import AuditLog
from jiguan.core.registry import KPI, ModuleSpec, registry
from jiguan.core.testing import make_account, make_unit
from jiguan.modules.officespace import services as officespace
from jiguan.modules.officespace.tests.ledger import build_ledger
from jiguan.monitor.models import KpiSnapshot
from jiguan.monitor.services import kpis

pytestmark = pytest.mark.django_db
IDLE = "officespace.idle_area"


@pytest.fixture
def w():
    w = build_ledger()
    officespace.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)  # 40 ㎡ vs 9
    w.jx_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.province_admin = make_account("jx_admin", roles=("region_bureau_admin",), unit=w.jx_bureau)
    return w


def _places() -> set[str]:
    return set(KpiSnapshot.objects.values_list("org_path", flat=True))


def test_one_snapshot_per_kpi_per_place_per_pass(w):
    stored = kpis.compute_all()
    places = {"36/", "3601/", "3604/", w.jx_bureau.org_path, w.nc_bureau.org_path, w.finance.org_path, w.jiujiang.org_path}
    assert _places() == places
    assert stored == KpiSnapshot.objects.count() == len(places) * len(kpis.all_kpis())
    assert KpiSnapshot.objects.values("taken_at").distinct().count() == 1
    over = KpiSnapshot.objects.get(kpi="officespace.over_standard_area", org_path=w.finance.org_path)
    assert over.value == Decimal("31") and over.unit == w.finance and over.region_id == "360100"
    by_category = KpiSnapshot.objects.get(kpi="officespace.area_by_category", org_path="3601/")
    assert by_category.parts["office"] == 70 and by_category.value == Decimal("130")
    kpis.compute_all(timezone.now() + timedelta(hours=1))
    assert KpiSnapshot.objects.count() == 2 * stored


@pytest.fixture
def broken_kpi():
    def compute(region_code, unit_id):
        if unit_id:
            raise ZeroDivisionError
        return 1

    registry.register(spec := ModuleSpec(code="test_broken", name="test", kpis=(
        KPI("test.broken", "broken", "个", compute),)))
    yield spec
    registry.unregister(spec.code)


def test_a_failing_kpi_is_skipped_not_the_pass(w, broken_kpi):
    kpis.compute_all()
    assert set(KpiSnapshot.objects.filter(kpi="test.broken").values_list("org_path", flat=True)) == {
        "36/", "3601/", "3604/"}
    assert KpiSnapshot.objects.filter(kpi=IDLE).count() == 7


@pytest.fixture
def batched_kpis():
    """Two KPIs that compute every agency at once: one answers, one fails (then each agency is computed alone)."""
    calls = []

    def compute(region_code, unit_id):
        calls.append(unit_id)
        return 1

    def per_agency(agency_ids):
        return {pk: 100 + n for n, pk in enumerate(agency_ids)}

    def failing(agency_ids):
        raise ZeroDivisionError

    registry.register(spec := ModuleSpec(code="test_batched", name="test", kpis=(
        KPI("test.batched", "batched", "个", compute, per_agency),
        KPI("test.fallback", "fallback", "个", compute, failing))))
    yield calls
    registry.unregister(spec.code)


def test_a_kpi_computes_all_agencies_at_once_or_one_by_one_when_that_fails(w, batched_kpis):
    kpis.compute_all()
    agencies = {w.jx_bureau.pk, w.nc_bureau.pk, w.finance.pk, w.jiujiang.pk}
    batched = KpiSnapshot.objects.filter(kpi="test.batched")
    assert sorted(batched.filter(unit__isnull=False).values_list("value", flat=True)) == [100, 101, 102, 103]
    assert set(batched.filter(unit__isnull=True).values_list("value", flat=True)) == {1}
    fallback = KpiSnapshot.objects.filter(kpi="test.fallback")
    assert fallback.count() == 7 and set(fallback.values_list("value", flat=True)) == {1}
    # Regions are computed one by one for both KPIs; agencies only where the batch failed.
    assert sorted(filter(None, batched_kpis)) == sorted(agencies)
    assert batched_kpis.count(None) == 6


def test_tidy_keeps_hourly_for_30_days_then_one_a_day(w):
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    old_day = now - timedelta(days=40)
    for moment in (old_day, old_day + timedelta(hours=1), old_day + timedelta(hours=2), now - timedelta(days=2),
                   now - timedelta(days=2, hours=1)):
        kpis.compute_all(moment)
    per_pass = KpiSnapshot.objects.filter(taken_at=now - timedelta(days=2)).count()
    assert kpis.tidy(now) == 2 * per_pass
    kept = set(KpiSnapshot.objects.values_list("taken_at", flat=True).distinct())
    assert kept == {old_day + timedelta(hours=2), now - timedelta(days=2), now - timedelta(days=2, hours=1)}
    assert AuditLog.objects.filter(model="monitor.KpiSnapshot", object_repr__contains="one a day").exists()


def test_scope_of_the_reads(w):
    kpis.compute_all()
    assert {row.org_path for row in kpis.latest(w.fin_admin)} == {w.finance.org_path}
    assert len(kpis.latest(w.fin_admin)) == len(kpis.all_kpis())
    assert {row.org_path for row in kpis.latest(w.nc_admin)} == {"3601/"}
    assert kpis.latest(w.province_admin)[0].org_path == "36/"
    with pytest.raises(Http404):
        kpis.latest(w.nc_admin, region_code="360400")
    with pytest.raises(Http404):
        kpis.latest(w.fin_admin, region_code="360100")
    with pytest.raises(Http404):
        kpis.latest(w.fin_admin, unit_id=w.nc_bureau.pk)
    with pytest.raises(PermissionDenied):
        kpis.latest(w.staff)


def test_series_and_drill_down(w):
    now = timezone.now()
    kpis.compute_all(now - timedelta(days=3))
    kpis.compute_all(now)
    place = kpis.place_of(w.nc_admin, unit_id=w.finance.pk)
    assert [value for _at, value in kpis.series(w.nc_admin, IDLE, place, 7)] == [Decimal("0"), Decimal("0")]
    assert len(kpis.series(w.nc_admin, IDLE, place, 1)) == 1
    with pytest.raises(Http404):
        kpis.series(w.jj_admin, IDLE, place, 7)
    province = kpis.place_of(w.province_admin).region
    rows = kpis.children(w.province_admin, "officespace.over_standard_count", province)
    assert [row.org_path for row in rows] == ["3601/", "3604/", w.jx_bureau.org_path] and rows[0].value == 1
    city = kpis.children(w.nc_admin, "officespace.over_standard_count", place.region)
    assert [row.unit for row in city] == [w.finance, w.nc_bureau]
    with pytest.raises(Http404):
        kpis.children(w.nc_admin, "officespace.over_standard_count", province)
    with pytest.raises(Http404):
        kpis.children(w.nc_admin, "no.such_kpi", place.region)


def test_recompute_needs_manage_and_is_audited(w):
    with pytest.raises(PermissionDenied):
        kpis.recompute(w.fin_admin)
    assert kpis.recompute(w.nc_admin) == "monitor.kpis"
    assert KpiSnapshot.objects.exists()  # tasks run at once in tests
    assert AuditLog.objects.filter(action="run_job", object_id="monitor.kpis").exists()


def test_demo_takes_a_pass_a_week_ago_and_one_now(w):
    import random

    from jiguan.monitor.demo.kpis import seed_demo

    assert "a week ago and now" in seed_demo("demo", random.Random(1))
    moments = list(KpiSnapshot.objects.order_by("taken_at").values_list("taken_at", flat=True).distinct())
    assert len(moments) == 2 and moments[1] - moments[0] == timedelta(days=7)
    week_ago, now = ({(s.kpi, s.org_path, s.unit_id, s.value, str(s.parts)) for s in
                      KpiSnapshot.objects.filter(taken_at=moment)} for moment in moments)
    assert now and week_ago == now  # the same ledger: the same figures, place by place
