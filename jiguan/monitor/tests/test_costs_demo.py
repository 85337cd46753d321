"""The cost demo on a small world: monthly costs in the six named categories for every active agency (not
its departments, not a closed unit), last year in full and this year up to "today", plausible amounts a
little lower this year, rows the scoped ledger reaches, five failed logins, and a summary that says so."""

import random
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Sum
from django.utils import timezone

from jiguan.core.models import AuditLog, CostEntry, LoginLog
from jiguan.core.testing import make_account, make_department, make_person, make_unit
from jiguan.monitor.demo import costs as demo
from jiguan.monitor.services import costs

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 20)  # the demo's "today": mid-year, so both years have rows whatever the real date
THIS, LAST = TODAY.year, TODAY.year - 1
MONTHS_THIS_YEAR = 6  # entries fall on the 15th: January to June


@pytest.fixture
def world(db, monkeypatch):
    monkeypatch.setattr(demo, "timezone", SimpleNamespace(localdate=lambda: TODAY, now=timezone.now))
    bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    closed = make_unit("360100", "已撤销单位", active=False)
    department = make_department(finance)
    for _n in range(3):
        make_person(finance)
    make_person(jiujiang)
    return SimpleNamespace(
        agencies=[bureau, finance, jiujiang], closed=closed, department=department, finance=finance,
        jx=make_account("jx_admin", roles=("region_bureau_admin",), unit=bureau),
    )


def test_demo_costs_per_unit_year_and_category(world):
    summary = demo.seed_demo("demo", random.Random(1))

    entries = CostEntry.objects.all()
    per_unit_year = len(demo.CATEGORIES)
    expected = len(world.agencies) * per_unit_year * (12 + MONTHS_THIS_YEAR)
    assert entries.count() == expected
    assert summary == f"{expected} cost entries for {len(world.agencies)} units, 5 failed logins"

    # every active agency, and only those: a department's or a closed unit's costs are not invented
    assert set(entries.values_list("unit_id", flat=True)) == {u.pk for u in world.agencies}
    for unit in world.agencies:
        mine = entries.filter(unit=unit)
        assert set(mine.values_list("category", flat=True)) == set(demo.CATEGORIES) == {
            "水电费", "物业费", "公务用车", "办公用品", "差旅费", "会议费"}
        assert mine.filter(occurred_on__year=LAST).count() == 12 * per_unit_year
        assert mine.filter(occurred_on__year=THIS).count() == MONTHS_THIS_YEAR * per_unit_year
        # bulk_create skips save(): the demo must fill the scope columns itself
        assert set(mine.values_list("region_id", "org_path").distinct()) == {(unit.region_id, unit.org_path)}
    assert not entries.filter(occurred_on__gt=TODAY).exists()
    assert not entries.filter(occurred_on__year__lt=LAST).exists()


def test_demo_amounts_are_plausible_and_this_year_lower(world):
    demo.seed_demo("demo", random.Random(1))

    for entry in CostEntry.objects.all():
        base = Decimal(demo.CATEGORIES[entry.category])
        saving = Decimal(str(demo.SAVING)) if entry.occurred_on.year == THIS else 1
        assert entry.amount > 0
        assert base * Decimal("0.8") * saving - Decimal("0.01") <= entry.amount <= base * Decimal("1.2") * saving
        assert entry.module == "monitor" and entry.occurred_on.day == 15
        assert entry.description == f"{entry.occurred_on.year}年{entry.occurred_on.month}月{entry.category}"

    def spent(year):
        return CostEntry.objects.filter(occurred_on__year=year, occurred_on__month__lte=MONTHS_THIS_YEAR).aggregate(
            t=Sum("amount"))["t"]

    assert spent(THIS) < spent(LAST)  # the 节约型机关 trend has a saving to show
    assert AuditLog.objects.filter(model="core.CostEntry", after__count=CostEntry.objects.count()).exists()


def test_demo_rows_reach_the_ledger_and_the_security_watch(world):
    demo.seed_demo("demo", random.Random(1))

    query = costs.cost_query(world.jx, start=date(THIS, 1, 1), end=TODAY)
    rows = {r["unit"].pk: r for r in costs.by_unit(world.jx, query)}
    assert set(rows) == {u.pk for u in world.agencies}
    assert all(r["total"] > 0 and r["count"] == MONTHS_THIS_YEAR * len(demo.CATEGORIES) for r in rows.values())
    finance = rows[world.finance.pk]
    assert finance["heads"] == 3 and finance["per_head"] == (finance["total"] / 3).quantize(Decimal("0.01"))

    failures = LoginLog.objects.filter(outcome="failure", ip="10.36.1.23")
    assert failures.count() == 5
    assert set(failures.values_list("username", flat=True)) == {"nc_admin", "admin", "staff", "root"}
