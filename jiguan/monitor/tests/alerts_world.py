"""A small world for the alert tests: 南昌 (city bureau, 财政局), 东湖区 (a county with its bureau), 九江;
the province, city and county bureau administrators, a unit administrator and staff; helpers writing KPI
snapshots and a test module whose business rule flags people."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from jiguan.core.models import Person
from jiguan.core.registry import ModuleSpec, Rule
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.monitor.models import AlertRule, KpiSnapshot

KPI = "officespace.idle_rate"
T0 = timezone.make_aware(datetime(2026, 3, 2, 9, 0))  # a Monday, 9:00
FLAG = "违规"

TEST_SPEC = ModuleSpec(code="alerttest", name="测试模块", rules=(
    Rule("alerttest.flagged_people", "被标记的人员", lambda: Person.objects.filter(name__startswith=FLAG)),
))


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.jx_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.finance = make_unit("360100", "南昌市财政局")
    w.dh_bureau = make_unit("360102", "东湖区机关事务管理局", is_bureau=True)
    w.dh_unit = make_unit("360102", "东湖区财政局")
    w.jiujiang = make_unit("360400", "九江市财政局")
    w.jx_admin = make_account("jx_admin", roles=("region_bureau_admin",), unit=w.jx_bureau)
    w.nc_admin = make_account("nc_admin", roles=("region_bureau_admin",), unit=w.nc_bureau)
    w.dh_admin = make_account("dh_admin", roles=("region_bureau_admin",), unit=w.dh_bureau)
    w.fin_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.staff = make_account("staff", roles=("staff",), unit=w.finance)
    return w


def snap(unit, value, at: datetime, kpi: str = KPI) -> KpiSnapshot:
    return KpiSnapshot.objects.create(kpi=kpi, region_id=unit.region_id, unit=unit, org_path=unit.org_path,
                                      taken_at=at, value=Decimal(str(value)))


def threshold_rule(region="360100", **fields) -> AlertRule:
    values = {"code": f"t.{region}.{len(fields)}", "name": "闲置率过高", "kind": "threshold", "kpi": KPI,
              "operator": "gt", "threshold": Decimal(10), "category": "officespace", "severity": "major", **fields}
    return AlertRule.objects.create(region_id=region, **values)


def flag(unit) -> Person:
    return make_person(unit, name=f"{FLAG}{unit.pk}")


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
