"""A small world for the quality tests: the province and 南昌 bureaus, 南昌市财政局 and 九江市财政局 with
their administrators and a staff member; a personnel dataset (authoritative for 人员职级) and two payroll
datasets (carriers) in the analytical store."""

from __future__ import annotations

from types import SimpleNamespace

from jiguan.core.testing import make_account, make_unit
from jiguan.datahub import store
from jiguan.datahub.models import Dataset, DatasetField, Run, RunState
from jiguan.datahub.services import quality

COLUMNS = ("id_number", "name", "rank")


def dataset(code: str, name: str, unit, *, frequency: str = "adhoc") -> Dataset:
    found = Dataset.objects.create(code=code, name=name, layer="base", unit=unit, frequency=frequency)
    for position, (column, label) in enumerate(zip(COLUMNS, ("身份证号", "姓名", "职级"), strict=True), start=1):
        DatasetField.objects.create(dataset=found, position=position, name=column, label=label,
                                    required=column != "rank", unique=column == "id_number")
    return found


def build() -> SimpleNamespace:
    w = SimpleNamespace()
    w.province = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.finance = make_unit("360100", "南昌市财政局")
    w.jiujiang = make_unit("360400", "九江市财政局")
    w.jx_admin = make_account("jx_admin", roles=("region_bureau_admin",), unit=w.province)
    w.nc_admin = make_account("nc_admin", roles=("region_bureau_admin",), unit=w.bureau)
    w.fin_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.jj_admin = make_account("jj_admin", roles=("unit_admin",), unit=w.jiujiang)
    w.staff = make_account("fin_staff", roles=("staff",), unit=w.finance)
    w.personnel = dataset("personnel", "人员基础信息", w.bureau)
    w.payroll = dataset("payroll", "工资发放名册", w.finance)
    w.jj_payroll = dataset("jj-payroll", "九江工资名册", w.jiujiang)
    w.rank = quality.create_element(w.jx_admin, code="person-rank", name="人员职级", entity="人员（身份证号）",
                                    dataset_id=w.personnel.pk, field="rank", key_field="id_number")
    quality.add_carrier(w.jx_admin, w.rank.pk, dataset_id=w.payroll.pk, field="rank", key_field="id_number")
    quality.add_carrier(w.jx_admin, w.rank.pk, dataset_id=w.jj_payroll.pk, field="rank", key_field="id_number")
    return w


def submit(dataset_: Dataset, unit, rows: list[tuple], *, state: str = RunState.PUBLISHED, **fields) -> Run:
    """A run of ``rows`` (id_number, name, rank) reconciled as the pipeline does; returns the run."""
    run = make_run(dataset_, unit, state=state, **fields)
    con = store.connect()
    load(con, "clean", rows, unit.org_path)
    quality.reconcile(con, run, "clean")
    return run


def make_run(dataset_: Dataset, unit, **fields) -> Run:
    """A run row as the pipeline leaves it. Written with ``bulk_create``: the kernel's audit snapshot cannot
    serialise the run's empty file fields yet."""
    [run] = Run.objects.bulk_create([Run(dataset=dataset_, unit=unit, org_path=unit.org_path, **fields)])
    return Run.objects.get(pk=run.pk)


def load(con, table: str, rows: list[tuple], org_path: str) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {table} (id_number VARCHAR, name VARCHAR, rank VARCHAR, "
                "org_path VARCHAR, _row INTEGER)").fetchall()
    for number, row in enumerate(rows, start=1):
        con.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)", [*row, org_path, number]).fetchall()
