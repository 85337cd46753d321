"""Demo data of one source per fact and quality: three data elements (人员职级, 单位统一社会信用代码, 房间使用面积)
with their authoritative sources and carriers, six months of monthly runs reconciled and measured, so that
trends show, and discrepancies grouped into issues at every stage of the closed loop — resolved with
several causes, one settled by a corrected resubmission, one assigned, one acknowledged, one new.

Runs are written as the ingestion pipeline leaves them (rows only); reconciliation and measures go through
``services.quality`` exactly as for a real submission."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from jiguan.core.models import Account, Event, OrgUnit, Person
from jiguan.core.models.org import UnitKind

from .. import store
from ..models import Dataset, DatasetField, Discrepancy, QualityIssue, Run, RunState
from ..services import quality

# code, name, owner, frequency, columns (name, label, type, unique)
DATASETS = (
    ("base-people", "人员基础信息库", "江西省机关事务管理局", "monthly",
     (("id_number", "身份证号", "text", True), ("name", "姓名", "text", False), ("rank", "职级", "text", False))),
    ("payroll-nc", "南昌市财政局工资统发数据", "南昌市财政局", "monthly",
     (("id_number", "身份证号", "text", True), ("name", "姓名", "text", False), ("rank", "职级", "text", False))),
    ("base-units", "机关单位基础信息库", "江西省机关事务管理局", "monthly",
     (("unit_code", "单位编码", "text", True), ("name", "单位名称", "text", False),
      ("credit_code", "统一社会信用代码", "text", False))),
    ("asset-units", "行政事业单位资产系统单位信息", "南昌市财政局", "monthly",
     (("unit_code", "单位编码", "text", True), ("name", "单位名称", "text", False),
      ("credit_code", "统一社会信用代码", "text", False))),
    ("base-rooms", "办公用房基础库", "南昌市机关事务管理局", "monthly",
     (("room_code", "房间编码", "text", True), ("unit_name", "使用单位", "text", False),
      ("usable_area", "使用面积（㎡）", "decimal", False))),
    ("asset-rooms", "资产系统房屋卡片", "南昌市财政局", "monthly",
     (("room_code", "房间编码", "text", True), ("unit_name", "使用单位", "text", False),
      ("usable_area", "使用面积（㎡）", "decimal", False))),
)
# code, name, entity, authority (dataset, field, key), carrier
ELEMENTS = (
    ("person-rank", "人员职级", "人员（身份证号）", ("base-people", "rank", "id_number"), ("payroll-nc", "rank", "id_number")),
    ("unit-credit-code", "单位统一社会信用代码", "单位（单位编码）", ("base-units", "credit_code", "unit_code"),
     ("asset-units", "credit_code", "unit_code")),
    ("room-usable-area", "房间使用面积", "房间（房间编码）", ("base-rooms", "usable_area", "room_code"),
     ("asset-rooms", "usable_area", "room_code")),
)
MONTHS = 6
WRONG_RANKS = ("科员", "四级主任科员", "一级科员")
# (dataset, months ago): how many rows start carrying a wrong value then; they stay wrong until fixed.
NEW_ERRORS = {("payroll-nc", 5): 2, ("payroll-nc", 3): 1, ("payroll-nc", 1): 2, ("asset-units", 4): 1,
              ("asset-units", 1): 1, ("asset-rooms", 5): 2, ("asset-rooms", 2): 1, ("asset-rooms", 0): 1}
FIXED = {("payroll-nc", 4)}  # the unit corrects its data: the corrected run settles the issue by itself
CAUSES = ("source_entry", "definition", "late_update")


def seed_demo(scale: str, rng: random.Random) -> str:
    """Elements, six months of reconciled and measured runs, and issues at every stage."""
    admin = Account.objects.get(username="jx_admin")
    datasets = {code: _dataset(code, name, owner, frequency, columns)
                for code, name, owner, frequency, columns in DATASETS}
    for code, name, entity, (source, field, key), (carrier, carried, carrier_key) in ELEMENTS:
        element = quality.create_element(admin, code=code, name=name, entity=entity, dataset_id=datasets[source].pk,
                                         field=field, key_field=key)
        quality.add_carrier(admin, element.pk, dataset_id=datasets[carrier].pk, field=carried, key_field=carrier_key)
    people = _people(rng, {"small": 60}.get(scale, 200))
    units = _units()
    wrong: dict[str, set[int]] = {}
    for month in range(MONTHS, -1, -1):
        _month(datasets, people, units, month, wrong, rng)
    _walk_issues(rng)
    return (f"数据质量 quality: {len(ELEMENTS)} 个数据元素，{Run.objects.filter(dataset__in=datasets.values()).count()} "
            f"次运行，{Discrepancy.objects.count()} 处差异，{QualityIssue.objects.count()} 个质量问题")


def _dataset(code: str, name: str, owner: str, frequency: str, columns) -> Dataset:
    dataset = Dataset.objects.create(code=code, name=name, layer="base" if code.startswith("base") else "raw",
                                     frequency=frequency, unit=OrgUnit.objects.get(kind=UnitKind.UNIT, name=owner))
    DatasetField.objects.bulk_create(
        DatasetField(dataset=dataset, position=n, name=column, label=label, type=kind, unique=is_key, required=is_key)
        for n, (column, label, kind, is_key) in enumerate(columns, start=1))
    return dataset


def _people(rng: random.Random, count: int) -> list[tuple]:
    staff = Person.objects.filter(unit__name="南昌市财政局", rank__isnull=False).select_related("rank")[:count]
    return [(p.id_number, p.name, p.rank.name) for p in staff if p.id_number]


def _units() -> list[tuple]:
    agencies = OrgUnit.objects.filter(kind=UnitKind.UNIT, region_id="360100").exclude(credit_code="")[:40]
    return [(f"U{u.pk:06d}", u.name, u.credit_code) for u in agencies]


def _month(datasets: dict, people: list, units: list, month: int, wrong: dict, rng: random.Random) -> None:
    """One monthly delivery of each dataset; the carriers' wrong rows accumulate until fixed."""
    at = timezone.now() - timedelta(days=30 * month + rng.randint(0, 3))
    rooms = [(f"NC-{n:04d}", units[n % len(units)][1] if units else "", f"{12 + n % 7 * 3}.50") for n in range(80)]
    rows_of = {"base-people": people, "payroll-nc": people, "base-units": units, "asset-units": units,
               "base-rooms": rooms, "asset-rooms": rooms}
    for code, _name, owner, _frequency, _columns in DATASETS:
        rows = rows_of[code]
        picked = wrong.setdefault(code, set())
        if (code, month) in FIXED:
            picked.clear()
        picked |= {rng.randrange(len(rows)) for _n in range(NEW_ERRORS.get((code, month), 0))} if rows else set()
        late = timedelta(days=14) if (code, month) == ("payroll-nc", 2) else timedelta(0)  # shows in timeliness
        delivered = [(*row[:-1], _wrong(row[-1], i)) if i in picked else row for i, row in enumerate(rows)]
        _deliver(datasets[code], owner, delivered, at + late, rng)


def _wrong(value: str, seed: int) -> str:
    """A plausible wrong value, the same every month: another rank, a mistyped check digit, another area."""
    if value.endswith(".50"):
        return f"{float(value) + (seed % 3 + 1) * 1.5:.2f}"
    if len(value) == 18:
        return value[:-1] + ("X" if value[-1] != "X" else "0")
    return next(rank for rank in WRONG_RANKS[seed % 3:] + WRONG_RANKS if rank != value)


def _deliver(dataset: Dataset, unit_name: str, rows: list[tuple], at, rng: random.Random) -> None:
    """A published run of ``rows``, reconciled and measured as the pipeline does, dated ``at``."""
    unit = OrgUnit.objects.get(kind=UnitKind.UNIT, name=unit_name)
    [run] = Run.objects.bulk_create([Run(dataset=dataset, unit=unit, org_path=unit.org_path, state=RunState.PUBLISHED,
                                         input_name=f"{dataset.code}-{at:%Y%m}.xlsx", rows_in=len(rows),
                                         rows_out=len(rows))])
    Run.objects.filter(pk=run.pk).update(created_at=at, finished_at=at)
    run.refresh_from_db()
    con = store.connect()
    columns = list(dataset.fields.order_by("position").values_list("name", flat=True))
    names = ", ".join(f"{column} VARCHAR" for column in columns)
    con.execute(f"CREATE TABLE staged ({names}, org_path VARCHAR, _row INTEGER)").fetchall()
    blanks = rng.randint(0, max(1, len(rows) // 20))
    staged = [(*row[:-1], None if n < blanks else row[-1], unit.org_path, n + 1) for n, row in enumerate(rows)]
    if staged:
        con.executemany(f"INSERT INTO staged VALUES ({', '.join('?' * (len(columns) + 2))})", staged)
    con.execute("CREATE TABLE clean AS SELECT * FROM staged").fetchall()
    quality.reconcile(con, run, "clean")
    quality.measure(con, run, staged="staged", good="clean", rejected_rows=rng.randint(0, blanks))
    dataset.quality_measures.filter(run=run).update(measured_at=at)
    Discrepancy.objects.filter(run=run).update(created_at=at)
    issues = QualityIssue.objects.filter(run=run)
    issues.update(created_at=at)
    Event.objects.filter(quality_issue__in=issues).update(created_at=at, due_at=at + timedelta(days=5))


def _walk_issues(rng: random.Random) -> None:
    """Oldest open issues move furthest along the loop: resolved (several causes), assigned, acknowledged."""
    bureau = Account.objects.get(username="nc_admin")
    handler = Account.objects.get(username="unit_admin")
    still_open = list(QualityIssue.objects.filter(event__status="new").order_by("created_at", "pk"))
    for position, issue in enumerate(still_open[:-1]):
        quality.acknowledge_issue(bureau, issue.pk, "请核实并在源系统中更正。")
        if position == len(still_open) - 2:
            continue
        quality.assign_issue(handler, issue.pk)
        if position < len(still_open) - 3:
            quality.resolve_issue(handler, issue.pk, reason=CAUSES[position % len(CAUSES)],
                                  comment="已在源系统中更正，下月报送时同步。")
