"""The business systems behind the demo's pull sources: the organisation department's HR system and the
bureau's asset system, each a SQLite database of its own under ``DATAHUB_DEMO_SOURCES``, with the table and
column names such systems use (pinyin initials). The seed writes them from the demo's people, with the usual
few bad rows, and pulls each once, so a scheduled pull is seen working end to end; the worker pulls them
again as their frequency says."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ..models import Channel, Dataset, Source, Storage
from ..services import runs
from .runs import rows_for, sample_of_people


@dataclass(frozen=True)
class System:
    file: str
    table: str
    dataset: str  # the dataset whose schema and cross-field rules its rows are written to (the strictest it feeds)
    columns: dict[str, str]  # the system's column → the dataset's field (the source's pull query maps them)
    status: str = ""  # a column saying whether the row is current (在职), which the pull query filters on


SYSTEMS = {
    "hr_system": System("hrms.sqlite3", "v_ry_jbxx", "persons", {
        "xm": "name", "sfzh": "id_number", "xb": "gender", "zj": "rank", "dwdm": "unit_credit_code",
        "sjhm": "phone", "cjgzsj": "entry_date"}, status="zt"),
    "asset_system": System("assets.sqlite3", "zc_fwkp", "asset_cards", {
        "kpbh": "card_no", "fwmc": "building", "jzmj": "building_area", "symj": "usable_area", "zmjz": "book_value",
        "qdrq": "acquired_on", "dwdm": "unit_credit_code"}),
}
ROWS = {"demo": 300, "province": 3000}
BAD_SHARE = 0.03
LEFT_SHARE = 0.05  # people who have left stay in the HR system as 离职; the pull takes only 在职
GENDER_CODES = {"男": "1", "女": "2"}  # GB/T 2261.1, as the HR system stores them


def database_url(code: str) -> str:
    return f"sqlite:///{Path(settings.DATAHUB_DEMO_SOURCES) / SYSTEMS[code].file}"


def seed_demo(scale: str, rng: random.Random) -> str:
    """Write each system's database and pull it into every dataset its source feeds."""
    done = []
    for code, system in SYSTEMS.items():
        source = Source.objects.filter(code=code, channel=Channel.PULL).first()
        schema = Dataset.objects.filter(code=system.dataset, storage=Storage.STORE).first()
        if source is None or source.pull_url != database_url(code) or schema is None:
            continue
        _write(system, schema, rng, ROWS.get(scale, ROWS["demo"]))
        for dataset in source.datasets.filter(storage=Storage.STORE).order_by("code"):
            run = runs.pull(source, dataset)
            runs.execute(run.pk)
            run.refresh_from_db()
            done.append(f"{source.name} → {dataset.name}：入库 {run.rows_out} 行（拒收 {run.rows_rejected} 行）")
    return "业务系统拉取 pulls：" + ("；".join(done) if done else "目录中没有拉取来源")


def _write(system: System, dataset: Dataset, rng: random.Random, count: int) -> None:
    """The system's table, written anew: the dataset's columns under the system's names (and its status)."""
    fields = list(dataset.fields.order_by("position").values_list("name", flat=True))
    people = sample_of_people(rng, count)
    rows = []
    for row in rows_for(dataset, people, rng, bad_share=BAD_SHARE):
        values = dict(zip(fields, row, strict=True))
        if "gender" in values:
            values["gender"] = GENDER_CODES.get(values["gender"], values["gender"])
        status = ["离职" if rng.random() < LEFT_SHARE else "在职"] if system.status else []
        rows.append([values.get(field) for field in system.columns.values()] + status)
    path = Path(settings.DATAHUB_DEMO_SOURCES) / system.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    names = [*system.columns, *([system.status] if system.status else [])]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"CREATE TABLE {system.table} ({', '.join(f'{name} TEXT' for name in names)})")
        db.executemany(f"INSERT INTO {system.table} VALUES ({', '.join('?' for _name in names)})", rows)
