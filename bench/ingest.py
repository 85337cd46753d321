"""Benchmark: a 1,000,000-row personnel submission through the whole ingestion pipeline against DuckDB's
plain ``read_csv`` of the same file into a table, in the same process. Target ratio ≥ 0.33.

The CSV (Chinese names, ~10 % bad rows: wrong ID check digits, impossible dates, negative salaries, unknown
units, bonus above salary; dates in mixed Chinese forms; some full-width digits) is generated once under
var/bench-ingest/. The pipeline runs in-process against a throwaway SQLite database made from the models
(no migrations needed) with the kernel's reference data and 300 units: submit (digests, stored input) →
staging → cleaning → validation (one SQL pass) → error report (CSV: more than 100,000 errors) → publish.

    .venv/bin/python bench/ingest.py [--rows N] [--rounds N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench-ingest"
UNITS = 300
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕文博思远子涵雨欣浩然晓东"
DATE_FORMS = ("{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}-{m}-{d}", "{y}{m:02d}{d:02d}", "{y}-{m:02d}-{d:02d}")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HEADERS = ["姓名", "公民身份号码", "性别", "出生日期", "所在单位统一社会信用代码", "职级", "月工资", "绩效工资"]
SCHEMA = [
    {"name": "name", "label": "姓名", "required": True, "max_length": 50},
    {"name": "id_number", "label": "公民身份号码", "required": True, "unique": True, "check_digit": "id_number",
     "sensitive": True},
    {"name": "gender", "label": "性别", "dictionary": "gender"},
    {"name": "birth_date", "label": "出生日期", "type": "date", "required": True},
    {"name": "unit_credit_code", "label": "所在单位统一社会信用代码", "required": True, "check_digit": "credit_code",
     "reference": "unit_credit_code"},
    {"name": "rank", "label": "职级", "max_length": 40},
    {"name": "salary", "label": "月工资", "type": "decimal", "minimum": 0, "maximum": 100000},
    {"name": "bonus", "label": "绩效工资", "type": "decimal", "minimum": 0},
]


def setup_django() -> None:
    """Production settings on a fresh SQLite file whose tables come from the models."""
    sys.path.insert(0, str(ROOT))
    from bench.province import SERVER_ENV

    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(WORK / "store", ignore_errors=True)
    shutil.rmtree(WORK / "media", ignore_errors=True)
    os.environ.update(SERVER_ENV | {"SQLITE_PATH": str(database), "JIGUAN_DATAHUB_ROOT": str(WORK / "store"),
                                    "JIGUAN_MEDIA_ROOT": str(WORK / "media"),
                                    "DJANGO_SETTINGS_MODULE": "jiguan.config.settings"})
    import django
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)


def make_world():
    """The province bureau's administrator, 300 units across Jiangxi's cities and the personnel dataset."""
    from jiguan.core.models import Account, OrgUnit, Region, Role, RoleAssignment
    from jiguan.core.testing import make_unit
    from jiguan.datahub.models import Dataset, DatasetField, FieldRule

    bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    regions = list(Region.objects.filter(level__in=("city", "county")).values_list("code", flat=True))
    for n in range(UNITS):
        make_unit(regions[n % len(regions)], f"演示单位{n:03d}")
    admin = Account.objects.create_user("bench_admin", "Bench@2026x", unit=bureau)
    RoleAssignment.objects.create(account=admin, role=Role.objects.get(code="region_bureau_admin"), unit=bureau)
    dataset = Dataset.objects.create(code="persons", name="人员信息", layer="base", unit=bureau,
                                     dirty_limit_percent=30)
    for position, spec in enumerate(SCHEMA, start=1):
        DatasetField.objects.create(dataset=dataset, position=position, **spec)
    FieldRule.objects.create(dataset=dataset, left="bonus", operator="<=", right="salary", message="绩效工资不得高于月工资")
    codes = list(OrgUnit.objects.exclude(pk=bureau.pk).values_list("credit_code", "region_id"))
    return admin, dataset, codes


def generate(path: Path, rows: int, codes: list[tuple[str, str]]) -> None:
    """The submission: valid rows and ~10 % with one typical mistake each."""
    from jiguan.core.identifiers import id_number

    rng = random.Random(2026)
    ranks = ["一级主任科员", "二级主任科员", "四级调研员", "科员", "副处长", "处长"]
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for serial in range(rows):
            code, region = codes[serial % len(codes)]
            born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
            female = rng.random() < 0.45
            number = id_number(region, born, serial, female)
            salary = rng.randrange(4000, 20000)
            row = [rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))), number,
                   ("女" if female else "男") if rng.random() < 0.5 else ("2" if female else "1"),
                   rng.choice(DATE_FORMS).format(y=born.year, m=born.month, d=born.day), code, rng.choice(ranks),
                   str(salary), str(rng.randrange(0, salary // 2))]
            if rng.random() < 0.03:
                row[6] = row[6].translate(FULL_WIDTH)
            if rng.random() < 0.10:
                spoil(row, rng)
            writer.writerow(row)
    temporary.replace(path)


def spoil(row: list[str], rng: random.Random) -> None:
    match rng.randrange(5):
        case 0:
            row[1] = row[1][:17] + ("0" if row[1][17] != "0" else "1")
        case 1:
            row[3] = "2023年2月30日"
        case 2:
            row[6] = "-" + row[6]
        case 3:
            row[4] = row[4][:10] + "00000000"
        case _:
            row[7] = str(int(row[6].translate(str.maketrans("０１２３４５６７８９", "0123456789"))) + 100)


def pipeline(admin, dataset, path: Path) -> tuple[float, object]:
    from django.core.files import File

    from jiguan.datahub.services import runs

    started = time.perf_counter()
    with path.open("rb") as handle:
        run = runs.submit(admin, dataset_id=dataset.pk, upload=File(handle, name=path.name), force=True)
    runs.execute(run.pk)
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    return elapsed, run


def plain(path: Path) -> float:
    from jiguan.datahub import store

    started = time.perf_counter()
    con = store.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv({store.quote(str(path))})").fetchall()
    [(count,)] = con.execute("SELECT count(*) FROM t").fetchall()
    con.close()
    assert count > 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    setup_django()
    admin, dataset, codes = make_world()
    path = WORK / f"persons-{options.rows}.csv"
    if not path.exists():  # units get the same credit codes on every run (make_unit's serials), so it keeps
        print(f"generating {path} ({options.rows:,} rows, once)")
        generate(path, options.rows, codes)
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB; {options.rounds} rounds, alternating")
    timings = {"pipeline": [], "plain": []}
    for number in range(1, options.rounds + 1):
        seconds, run = pipeline(admin, dataset, path)
        timings["pipeline"].append(seconds)
        timings["plain"].append(plain(path))
        print(f"  round {number}: pipeline {seconds:6.2f} s ({run.state}: in {run.rows_in:,}, rejected "
              f"{run.rows_rejected:,}, duplicates {run.rows_duplicate:,}, published {run.rows_out:,})   "
              f"plain read_csv {timings['plain'][-1]:5.2f} s")
    rows = options.rows
    pipeline_rate = rows / statistics.median(timings["pipeline"])
    plain_rate = rows / statistics.median(timings["plain"])
    ratio = pipeline_rate / plain_rate
    print(f"whole pipeline (submit, stage, clean, validate, report, publish)  {pipeline_rate:12,.0f} rows/s")
    print(f"DuckDB read_csv into a table                                      {plain_rate:12,.0f} rows/s")
    verdict = "meets" if ratio >= 0.33 else "BELOW"
    print(f"ratio pipeline/plain: {ratio:.2f} ({verdict} the target of 0.33)")


if __name__ == "__main__":
    main()
