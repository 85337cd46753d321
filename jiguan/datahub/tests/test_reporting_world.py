"""The small world of the reporting tests (no tests here).

南昌市 (3601) with two counties, 东湖区 (360102) and 西湖区 (360103): a bureau in each, one agency in each
county and one city agency (财政局), each agency with its unit administrator; the province bureau above and
九江 (3604) apart. The dataset ``office_stats`` belongs to the 南昌 bureau.

The ingestion pipeline (``services.runs``) is replaced by ``FakeRuns``: ``submit``/``push`` record a held
``Run`` directly with its rows in a CSV beside the store, ``publish_held`` publishes the unit's rows with
``store.publish`` (replacing only that unit's rows), ``discard_held`` marks it failed. The reporting tests
exercise the reporting rules, not the pipeline, which has its own tests.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from jiguan.core.testing import make_account, make_unit
from jiguan.datahub import store
from jiguan.datahub.models import Channel, Dataset, DatasetField, Run, RunState
from jiguan.datahub.services import reporting, runs

FIELDS = (
    ("unit_name", "单位名称", "text", {"required": True, "max_length": 100}),
    ("category", "单位类别", "text", {"dictionary": "unit_category"}),
    ("building_area", "建筑面积", "decimal", {"minimum": 0}),
    ("rooms", "房间数", "integer", {"minimum": 0, "maximum": 10000}),
    ("surveyed_on", "调查日期", "date", {}),
)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.province_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.city_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.dh_bureau = make_unit("360102", "东湖区机关事务服务中心", is_bureau=True)
    w.xh_bureau = make_unit("360103", "西湖区机关事务服务中心", is_bureau=True)
    w.jj_bureau = make_unit("360400", "九江市机关事务管理局", is_bureau=True)
    w.finance = make_unit("360100", "南昌市财政局")
    w.dh_finance = make_unit("360102", "东湖区财政局")
    w.xh_education = make_unit("360103", "西湖区教育局")
    w.jj_finance = make_unit("360400", "九江市财政局")
    admin = ("region_bureau_admin",)
    w.jx = make_account("jx_admin", roles=admin, unit=w.province_bureau)
    w.nc = make_account("nc_admin", roles=admin, unit=w.city_bureau)
    w.dh = make_account("dh_admin", roles=admin, unit=w.dh_bureau)
    w.xh = make_account("xh_admin", roles=admin, unit=w.xh_bureau)
    w.jj = make_account("jj_admin", roles=admin, unit=w.jj_bureau)
    w.fin_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.dh_fin_admin = make_account("dh_fin_admin", roles=("unit_admin",), unit=w.dh_finance)
    w.xh_edu_admin = make_account("xh_edu_admin", roles=("unit_admin",), unit=w.xh_education)
    w.staff = make_account("staff", roles=("staff",), unit=w.finance)
    w.dataset = make_dataset(w.city_bureau)
    return w


def make_dataset(unit, code: str = "office_stats") -> Dataset:
    dataset = Dataset.objects.create(unit=unit, code=code, name="办公用房基本情况", layer="topic")
    for position, (name, label, type_, extra) in enumerate(FIELDS, start=1):
        DatasetField.objects.create(dataset=dataset, position=position, name=name, label=label, type=type_, **extra)
    return dataset


def make_task(w, **changes):
    """The 南昌 bureau's task over its two counties and 财政局, published."""
    values = {"dataset_id": w.dataset.pk, "code": "office-2026", "title": "办公用房基本情况统计", "period": "2026年度",
              "deadline": timezone.localdate() + timedelta(days=10), "region_codes": ["360102", "360103"],
              "unit_ids": [w.finance.pk], "instructions": "请各单位如实填报。"}
    task = reporting.create_task(w.nc, **{**values, **changes})
    return reporting.publish_task(w.nc, task.pk)


def csv_upload(rows: list[dict], name: str = "data.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=[f[0] for f in FIELDS])
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, output.getvalue().encode(), content_type="text/csv")


def row(unit: str, area: float, rooms: int) -> dict:
    return {"unit_name": unit, "category": "行政机关", "building_area": area, "rooms": rooms,
            "surveyed_on": "2026-03-01"}


class FakeRuns:
    """Stands in for ``services.runs``; ``calls`` lists what reporting asked of it."""

    def __init__(self, monkeypatch, rejected: int = 0):
        self.calls: list[tuple] = []
        self.rejected = rejected
        for name in ("submit", "push", "publish_held", "discard_held"):
            monkeypatch.setattr(runs, name, getattr(self, name), raising=False)

    def submit(self, user, *, dataset_id, upload, unit_id=None, source_id=None, hold=False, force=False) -> Run:
        upload.seek(0)
        rows = list(csv.DictReader(io.StringIO(upload.read().decode())))
        self.calls.append(("submit", unit_id, hold))
        return self._held(user, dataset_id, unit_id, rows, Channel.UPLOAD, upload.name)

    def push(self, user, *, dataset_id, rows, unit_id=None, hold=False) -> Run:
        self.calls.append(("push", unit_id, hold))
        return self._held(user, dataset_id, unit_id, rows, Channel.API, "")

    def _held(self, user, dataset_id, unit_id, rows, channel, name) -> Run:
        run = Run.objects.create(dataset_id=dataset_id, unit_id=unit_id, channel=channel, submitted_by=user,
                                 state=RunState.HELD, hold=True, input_name=name, rows_in=len(rows),
                                 rows_rejected=self.rejected, rows_out=len(rows) - self.rejected)
        held = store.root() / "held" / f"{run.pk}.json"
        held.parent.mkdir(parents=True, exist_ok=True)
        held.write_text(json.dumps(rows, ensure_ascii=False, default=str))
        Run.objects.filter(pk=run.pk).update(held_path=f"held/{run.pk}.json")
        run.refresh_from_db()
        return run

    def publish_held(self, user, run_id) -> Run:
        self.calls.append(("publish_held", run_id))
        run = Run.objects.select_related("dataset", "unit").get(pk=run_id)
        names = [f[0] for f in FIELDS]
        con = store.connect()
        rows = json.loads((store.root() / run.held_path).read_text())
        con.execute("CREATE TABLE held (" + ", ".join(f"{n} VARCHAR" for n in [*names, "org_path"]) + ")").fetchall()
        for values in rows:
            con.execute("INSERT INTO held VALUES (" + ", ".join("?" for _ in range(len(names) + 1)) + ")",
                        [None if values.get(n) in (None, "") else str(values[n]) for n in names] + [run.unit.org_path]
                        ).fetchall()
        query = "SELECT * FROM held"
        current = run.dataset.current_version
        if current is not None:
            path = store.quote(str(store.file_of(current)))
            query = (f"SELECT * FROM read_parquet({path}) WHERE org_path <> {store.quote(run.unit.org_path)} "
                     f"UNION ALL {query}")
        store.publish(con, run.dataset, query, run)
        con.close()
        Run.objects.filter(pk=run.pk).update(state=RunState.PUBLISHED, rows_out=len(rows))
        run.refresh_from_db()
        return run

    def discard_held(self, user, run_id, reason) -> Run:
        self.calls.append(("discard_held", run_id, reason))
        Run.objects.filter(pk=run_id).update(state=RunState.DISCARDED, failure=reason, held_path="")
        return Run.objects.get(pk=run_id)
