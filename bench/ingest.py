"""Benchmark: 1,000,000-row submissions through the whole ingestion pipeline against DuckDB's plain
``read_csv`` of the same file into a table, in the same process. Target ratio ≥ 0.33.

Two kinds of submission, each with ~10 % bad rows, dates in mixed Chinese forms and some full-width digits:

- persons: Chinese names, GB 11643 ID numbers (unique), unit credit codes; wrong ID check digits,
  impossible dates, negative salaries, unknown units, bonus above salary;
- rooms: the office-space ledger's rooms as a unit submits them — building code and name, room number and
  code (unique: a building's room once), floor, usable and gross area, category and state from the
  office-space module's dictionaries, the using unit's credit code, dates, remarks; unknown units, wrong
  check characters, negative or absurd areas, unknown categories, impossible dates, a room listed twice,
  usable area above gross area.

The CSVs are generated once under var/bench-ingest/. The pipeline runs in-process against a throwaway SQLite
database made from the models (no migrations needed) with the kernel's reference data and 300 units:
submit (digests, stored input) → staging → cleaning → validation (one SQL pass) → error report (CSV: more
than 100,000 errors) → publish.

    .venv/bin/python bench/ingest.py [--rows N] [--rounds N] [--kind persons|rooms|both]

``BENCH_INGEST_KIND`` sets the default kind (both).
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench-ingest"
UNITS = 300
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕文博思远子涵雨欣浩然晓东"
DATE_FORMS = ("{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}-{m}-{d}", "{y}{m:02d}{d:02d}", "{y}-{m:02d}-{d:02d}")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HALF_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
PERSON_HEADERS = ["姓名", "公民身份号码", "性别", "出生日期", "所在单位统一社会信用代码", "职级", "月工资", "绩效工资"]
PERSON_SCHEMA = [
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

ROOM_HEADERS = ["楼栋编码", "楼栋名称", "房间号", "房间编码", "楼层", "使用面积（㎡）", "建筑面积（㎡）", "用途分类",
                "使用单位统一社会信用代码", "使用状态", "闲置起始日期", "登记日期", "备注"]
ROOM_SCHEMA = [
    {"name": "building_code", "label": "楼栋编码", "required": True, "pattern": "[0-9]{6}-[0-9]{4}"},
    {"name": "building_name", "label": "楼栋名称", "required": True, "max_length": 100},
    {"name": "room_number", "label": "房间号", "required": True, "max_length": 20},
    {"name": "room_code", "label": "房间编码", "required": True, "unique": True, "max_length": 40},
    {"name": "floor", "label": "楼层", "type": "integer", "required": True, "minimum": -5, "maximum": 100},
    {"name": "usable_area", "label": "使用面积（㎡）", "type": "decimal", "required": True, "minimum": Decimal("0.01"),
     "maximum": 5000},
    {"name": "gross_area", "label": "建筑面积（㎡）", "type": "decimal", "minimum": Decimal("0.01")},
    {"name": "category", "label": "用途分类", "required": True, "dictionary": "room_category"},
    {"name": "unit_credit_code", "label": "使用单位统一社会信用代码", "required": True, "check_digit": "credit_code",
     "reference": "unit_credit_code"},
    {"name": "state", "label": "使用状态", "required": True, "dictionary": "room_state"},
    {"name": "idle_since", "label": "闲置起始日期", "type": "date"},
    {"name": "recorded_on", "label": "登记日期", "type": "date", "required": True},
    {"name": "remarks", "label": "备注", "max_length": 200},
]
BUILDINGS_PER_UNIT = 10
BUILDING_NAMES = ("行政中心", "综合办公楼", "第一办公楼", "第二办公楼", "政务服务中心", "科技大楼", "档案馆", "机关大院")
REMARKS = ("朝南，采光好", "带独立卫生间", "2019年装修", "与相邻房间打通使用", "临时存放档案", "窗户朝北，冬季较冷",
           "已申请维修空调", "原会议室改作办公室", "共用茶水间")


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


@dataclass(frozen=True)
class Kind:
    """One kind of submission: its dataset (code, name, schema, cross-field rule) and its file."""

    code: str
    name: str
    schema: list[dict]
    rule: tuple[str, str, str, str]  # left, operator, right, message
    generate: Callable[[Path, int, list[tuple[str, str]]], None]


def make_world(kinds: list[Kind]):
    """The province bureau's administrator, 300 units across Jiangxi's cities, the office-space module's
    room dictionaries and one dataset per kind. Returns the administrator, the datasets by kind and the
    units' (credit code, region)."""
    from django.utils import translation

    from jiguan.core.models import Account, Dictionary, OrgUnit, Region, Role, RoleAssignment
    from jiguan.core.testing import make_unit
    from jiguan.datahub.models import Dataset, DatasetField, FieldRule
    from jiguan.modules.officespace.models import RoomCategory, RoomState

    bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    regions = list(Region.objects.filter(level__in=("city", "county")).values_list("code", flat=True))
    for n in range(UNITS):
        make_unit(regions[n % len(regions)], f"演示单位{n:03d}")
    admin = Account.objects.create_user("bench_admin", "Bench@2026x", unit=bureau)
    RoleAssignment.objects.create(account=admin, role=Role.objects.get(code="region_bureau_admin"), unit=bureau)
    with translation.override("zh-hans"):  # the items a submitter types: the ledger's Chinese labels
        for code, name, choices in (("room_category", "办公用房用途分类", RoomCategory.choices),
                                    ("room_state", "办公用房使用状态", RoomState.choices)):
            dictionary = Dictionary.objects.create(code=code, name=name, source="党政机关办公用房管理办法")
            for sort, (value, label) in enumerate(choices):
                dictionary.items.create(code=value, label=str(label), sort=sort)
    datasets = {}
    for kind in kinds:
        dataset = Dataset.objects.create(code=kind.code, name=kind.name, layer="base", unit=bureau,
                                         dirty_limit_percent=30)
        for position, spec in enumerate(kind.schema, start=1):
            DatasetField.objects.create(dataset=dataset, position=position, **spec)
        left, operator, right, message = kind.rule
        FieldRule.objects.create(dataset=dataset, left=left, operator=operator, right=right, message=message)
        datasets[kind.code] = dataset
    codes = list(OrgUnit.objects.exclude(pk=bureau.pk).values_list("credit_code", "region_id"))
    return admin, datasets, codes


def write_csv(path: Path, headers: list[str], rows) -> None:
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    temporary.replace(path)


def generate_persons(path: Path, rows: int, codes: list[tuple[str, str]]) -> None:
    """The personnel submission: valid rows and ~10 % with one typical mistake each."""
    write_csv(path, PERSON_HEADERS, person_rows(rows, codes))


def person_rows(rows: int, codes: list[tuple[str, str]]):
    from jiguan.core.identifiers import id_number

    rng = random.Random(2026)
    ranks = ["一级主任科员", "二级主任科员", "四级调研员", "科员", "副处长", "处长"]
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
            spoil_person(row, rng)
        yield row


def spoil_person(row: list[str], rng: random.Random) -> None:
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
            row[7] = str(int(row[6].translate(HALF_WIDTH)) + 100)


def generate_rooms(path: Path, rows: int, codes: list[tuple[str, str]]) -> None:
    """The room submission: every unit's buildings floor by floor, valid rows and ~10 % with one typical
    mistake each."""
    write_csv(path, ROOM_HEADERS, room_rows(rows, codes))


def room_rows(rows: int, codes: list[tuple[str, str]]):
    from django.utils import translation

    from jiguan.core.identifiers import credit_code
    from jiguan.modules.officespace.models import RoomCategory, RoomState

    with translation.override("zh-hans"):
        categories = [(code, str(label)) for code, label in RoomCategory.choices]
        states = {code: str(label) for code, label in RoomState.choices}
    rng = random.Random(2027)
    buildings = [(f"{region}-{serial:04d}", code, f"{rng.choice(BUILDING_NAMES)}{serial % 7 + 1}号楼")
                 for serial, (code, region) in enumerate(codes * BUILDINGS_PER_UNIT, start=1)]
    rooms_per_building = -(-rows // len(buildings))
    strangers = [credit_code("369900", 900000 + n) for n in range(50)]  # valid codes of no unit we know
    earlier: list[list[str]] = []
    for index in range(rows):
        building, unit, name = buildings[index // rooms_per_building]
        place = index % rooms_per_building
        floor, number = place // 30 - 2, place % 30 + 1  # two basement floors, then 30 rooms a floor
        floor = floor if floor < 0 else floor + 1
        room = f"B{-floor}{number:02d}" if floor < 0 else f"{floor}{number:02d}"
        category, label = rng.choices(categories, weights=(70, 15, 8, 7))[0]
        usable = Decimal(rng.randrange(800, 6000 if category == "office" else 30000)) / 100
        gross = (usable * Decimal(rng.uniform(1.15, 1.45))).quantize(Decimal("0.01")) if rng.random() < 0.7 else ""
        state = rng.choices(("in_use", "idle", "repair"), weights=(85, 10, 5))[0]
        recorded = date(2015, 1, 1) + timedelta(days=rng.randrange(3900))
        idle = recorded + timedelta(days=rng.randrange(400)) if state == "idle" else None
        row = [building, name, room, f"{building}-{room}", str(floor), str(usable), str(gross),
               label if rng.random() < 0.8 else category, unit, states[state],
               chinese_date(idle, rng) if idle else "", chinese_date(recorded, rng),
               rng.choice(REMARKS) if rng.random() < 0.2 else ""]
        if rng.random() < 0.03:
            row[5] = row[5].translate(FULL_WIDTH)
        if rng.random() < 0.03:
            row[4] = row[4].translate(FULL_WIDTH)
        if rng.random() < 0.10:
            spoil_room(row, rng, strangers, earlier)
        if index % 97 == 0:
            earlier = [*earlier[-50:], row[:4]]
        yield row


def chinese_date(day: date, rng: random.Random) -> str:
    return rng.choice(DATE_FORMS).format(y=day.year, m=day.month, d=day.day)


def spoil_room(row: list[str], rng: random.Random, strangers: list[str], earlier: list[list[str]]) -> None:
    match rng.randrange(8):
        case 0:  # a unit the master data does not know
            row[8] = rng.choice(strangers)
        case 1:  # a mistyped check character
            row[8] = row[8][:17] + ("0" if row[8][17] != "0" else "1")
        case 2:
            row[5] = "-" + row[5]
        case 3:  # square metres typed as square centimetres
            row[5] = f"{rng.randrange(6000, 90000)}.00"
        case 4:
            row[7] = rng.choice(("食堂", "库房", "车库", "其他"))
        case 5:
            row[11] = rng.choice(("2023年2月30日", "2022.13.1", "2021-4-31"))
        case 6 if earlier:  # a room listed twice
            row[:4] = rng.choice(earlier)
        case _:  # usable area above the gross area
            row[6] = str(max(Decimal("0.01"), Decimal(row[5].translate(HALF_WIDTH)) - 5))


KINDS = {
    "persons": Kind("persons", "人员信息", PERSON_SCHEMA, ("bonus", "<=", "salary", "绩效工资不得高于月工资"),
                    generate_persons),
    "rooms": Kind("rooms", "办公用房房间", ROOM_SCHEMA, ("usable_area", "<=", "gross_area", "使用面积不得大于建筑面积"),
                  generate_rooms),
}


class Clock:
    """Wall and CPU seconds (all of this process's threads: DuckDB's and the SM3 digest's) of a block. On a
    machine shared with other jobs the wall time swings with their load; the CPU time much less."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def pipeline(admin, dataset, path: Path) -> tuple[Clock, object]:
    from django.core.files import File

    from jiguan.datahub.services import runs

    with Clock() as clock:
        with path.open("rb") as handle:
            run = runs.submit(admin, dataset_id=dataset.pk, upload=File(handle, name=path.name), force=True)
        runs.execute(run.pk)
    run.refresh_from_db()
    return clock, run


def plain(path: Path) -> Clock:
    from jiguan.datahub import store

    with Clock() as clock:
        con = store.connect()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv({store.quote(str(path))})").fetchall()
        [(count,)] = con.execute("SELECT count(*) FROM t").fetchall()
        con.close()
    assert count > 0
    return clock


def submission(kind: Kind, rows: int, codes: list[tuple[str, str]]) -> Path:
    """The kind's CSV, generated on first use (units get the same credit codes on every run, from
    make_unit's serials, so it keeps)."""
    path = WORK / f"{kind.code}-{rows}.csv"
    if not path.exists():
        print(f"generating {path} ({rows:,} rows, once)")
        kind.generate(path, rows, codes)
    return path


def measure(kind: Kind, admin, dataset, path: Path, rounds: int, rows: int) -> None:
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB; {rounds} rounds, alternating")
    timings: dict[str, list[Clock]] = {"pipeline": [], "plain": []}
    for number in range(1, rounds + 1):
        clock, run = pipeline(admin, dataset, path)
        timings["pipeline"].append(clock)
        timings["plain"].append(plain(path))
        baseline = timings["plain"][-1]
        print(f"  round {number}: pipeline {clock.wall:6.2f} s (cpu {clock.cpu:5.2f}; {run.state}: in {run.rows_in:,}, "
              f"rejected {run.rows_rejected:,}, duplicates {run.rows_duplicate:,}, published {run.rows_out:,})   "
              f"plain read_csv {baseline.wall:5.2f} s (cpu {baseline.cpu:5.2f})")
    rates = {name: rows / statistics.median(c.wall for c in clocks) for name, clocks in timings.items()}
    ratio = rates["pipeline"] / rates["plain"]
    cpu_ratio = statistics.median(c.cpu for c in timings["plain"]) / statistics.median(c.cpu for c in timings["pipeline"])
    print(f"{kind.code:8} whole pipeline  {rates['pipeline']:10,.0f} rows/s  (submit → stage, clean, check, report, publish)")
    print(f"{kind.code:8} plain read_csv  {rates['plain']:10,.0f} rows/s  (DuckDB read_csv into a table)")
    verdict = "meets" if ratio >= 0.33 else "BELOW"
    print(f"{kind.code:8} ratio pipeline/plain: {ratio:.2f} ({verdict} the target of 0.33); "
          f"in CPU seconds instead of wall: {cpu_ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kind", choices=("persons", "rooms", "both"),
                        default=os.environ.get("BENCH_INGEST_KIND", "both"))
    options = parser.parse_args()
    kinds = list(KINDS.values()) if options.kind == "both" else [KINDS[options.kind]]
    setup_django()
    admin, datasets, codes = make_world(kinds)
    for kind in kinds:
        path = submission(kind, options.rows, codes)
        measure(kind, admin, datasets[kind.code], path, options.rounds, options.rows)


if __name__ == "__main__":
    main()
