"""Demo ingestion runs: the catalog's ``persons`` and ``asset_cards`` datasets published from the demo's
real people and units (as the province bureau's administrator), with a few bad rows so the error
report has something to show; one run aborted by the dirty-data limit; one unit's submission held for
review. Everything goes through the services and the pipeline, run at once rather than by the worker, and is
then dated over the past weeks (``DAYS_AGO``), so a dataset's page shows a history rather than one minute.
Datasets the catalog demo did not create are skipped (and said so in the summary)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiguan.core.models import Account, Person
from jiguan.core.models.org import PersonStatus

from ..models import Dataset, DatasetField, DatasetVersion, FieldType, QualityMeasure, Run
from ..services import runs

ADMIN = "jx_admin"  # the province bureau
UNIT_ADMIN = "unit_admin"  # 南昌市财政局
ROWS = {"demo": 400, "province": 5000}
BAD_SHARE = 0.04
DATE_FORMS = ("{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}-{m:02d}-{d:02d}", "{y}{m:02d}{d:02d}", "{y}/{m}/{d}")
BUILDINGS = ("行政中心{n}号楼", "机关综合楼", "档案馆", "老干部活动中心", "机关食堂", "车库", "会议中心{n}号楼", "办公楼{n}栋")
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
HALF_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
DAYS_AGO = {"published": 35, "aborted": 12, "held": 3}


def seed_demo(scale: str, rng: random.Random) -> str:
    admin = Account.objects.filter(username=ADMIN).first()
    if admin is None:
        return "数据入库：缺少省管理局账号 jx_admin，未生成"
    done, skipped = [], []
    for code in ("persons", "asset_cards"):
        dataset = Dataset.objects.filter(code=code, storage="store").first()
        if dataset is None or not dataset.fields.exists():
            skipped.append(code)
            continue
        people = sample_of_people(rng, ROWS.get(scale, ROWS["demo"]))
        run = _ingest(admin, dataset, rows_for(dataset, people, rng, bad_share=BAD_SHARE))
        _date(run, DAYS_AGO["published"])
        done.append(f"{dataset.name} {run.rows_out} 行（拒收 {run.rows_rejected} 行）")
    if done:
        persons = Dataset.objects.filter(code="persons").first() or Dataset.objects.filter(code="asset_cards").first()
        _aborted(admin, persons, rng)
        _held(persons, rng)
    summary = "数据入库：" + ("；".join(done) if done else "无可发布的数据集")
    return summary + (f"；跳过（目录中没有）：{'、'.join(skipped)}" if skipped else "")


def sample_of_people(rng: random.Random, count: int) -> list[Person]:
    """The same people on every machine: drawn with the seed's generator, not the database's random order."""
    active = list(Person.objects.filter(status=PersonStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(active, min(count, len(active)))
    return list(Person.objects.filter(pk__in=chosen).select_related("unit", "rank").order_by("pk"))


def _ingest(user, dataset: Dataset, rows: list[list[str]], **kwargs):
    """Submit the rows as a CSV and run the pipeline now (the queued task then finds the run taken)."""
    run = runs.submit(user, dataset_id=dataset.pk, upload=_csv(dataset, rows), **kwargs)
    runs.execute(run.pk)
    run.refresh_from_db()
    return run


def _aborted(admin, dataset: Dataset, rng: random.Random) -> None:
    """A city's file where most ID numbers lost their check digit: over any dirty-data limit."""
    people = list(Person.objects.filter(status=PersonStatus.ACTIVE).select_related("unit", "rank")[:30])
    _date(_ingest(admin, dataset, rows_for(dataset, people, rng, bad_share=1.0)), DAYS_AGO["aborted"])


def _held(dataset: Dataset, rng: random.Random) -> None:
    """南昌市财政局's own submission, validated and waiting for the bureau's review."""
    account = Account.objects.filter(username=UNIT_ADMIN).select_related("unit").first()
    if account is None or account.unit is None:
        return
    people = list(Person.objects.filter(unit=account.unit.agency, status=PersonStatus.ACTIVE)
                  .select_related("unit", "rank")[:40])
    if people:
        _date(_ingest(account, dataset, rows_for(dataset, people, rng, bad_share=0.05), hold=True), DAYS_AGO["held"])


def _date(run: Run, days_ago: int) -> None:
    """Move a run, its measures and the version it published to ``days_ago`` days back, in working hours."""
    at = (timezone.localtime() - timedelta(days=days_ago)).replace(hour=10, minute=30, second=0, microsecond=0)
    Run.objects.filter(pk=run.pk).update(created_at=at, started_at=at, finished_at=at + timedelta(seconds=4),
                                         heartbeat_at=at + timedelta(seconds=4))
    QualityMeasure.objects.filter(run=run).update(measured_at=at + timedelta(seconds=4))
    DatasetVersion.objects.filter(run=run).update(created_at=at + timedelta(seconds=4))


def _csv(dataset: Dataset, rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f.label for f in dataset.fields.order_by("position")])
    writer.writerows(rows)
    return SimpleUploadedFile(f"{dataset.name}-{date.today():%Y%m%d}.csv", buffer.getvalue().encode())


def rows_for(dataset: Dataset, people: list[Person], rng: random.Random, *, bad_share: float) -> list[list[str]]:
    fields = list(dataset.fields.order_by("position"))
    rows = []
    for serial, person in enumerate(people, start=1):
        row = [_value(f, person, serial, rng) for f in fields]
        _keep_rules(row, fields, list(dataset.rules.all()))
        if rng.random() < bad_share:
            _spoil(row, fields, rng)
        rows.append(row)
    return rows


def _value(f: DatasetField, person: Person, serial: int, rng: random.Random) -> str:
    """A plausible value for the field, from the person and their unit where the field is about them."""
    unit = person.unit
    if f.reference == "unit_credit_code" or f.check_digit == "credit_code":
        return unit.name if rng.random() < 0.05 else unit.credit_code  # a name now and then: cleaning maps it
    if f.check_digit == "id_number":
        return person.id_number
    if f.check_digit == "region_code" or f.reference == "region_code":
        return unit.region_id
    if f.dictionary:
        return {"M": "男", "F": "女"}.get(person.gender, "1") if f.dictionary == "gender" else ""
    if f.type == FieldType.DATE:
        day = date(2024, 12, 31) - timedelta(days=rng.randint(200, 12000))
        return rng.choice(DATE_FORMS).format(y=day.year, m=day.month, d=day.day)
    if f.type in (FieldType.INTEGER, FieldType.DECIMAL):
        return _number(f, rng)
    if f.type == FieldType.BOOLEAN:
        return rng.choice(("是", "否"))
    return _text(f, person, serial, rng)


def _number(f: DatasetField, rng: random.Random) -> str:
    low = float(f.minimum if f.minimum is not None else 0)
    high = float(f.maximum if f.maximum is not None else 100_000)
    value = rng.uniform(max(low, 0.01), min(high, max(low, 0.01) + 5_000))
    text = str(round(value)) if f.type == FieldType.INTEGER else str(Decimal(str(round(value, 2))))
    return text.translate(FULL_WIDTH_DIGITS) if rng.random() < 0.03 else text  # typed on a Chinese keyboard


def _text(f: DatasetField, person: Person, serial: int, rng: random.Random) -> str:
    name = f.name.lower()
    if name in ("name", "full_name") or f.label == "姓名":
        return person.name
    if "phone" in name:
        return person.phone
    if name == "rank":
        return person.rank.name if person.rank_id else ""
    if "building" in name:
        return rng.choice(BUILDINGS).format(n=rng.randint(1, 9))
    if f.unique or "no" in name.split("_"):
        return f"{person.unit.region_id}-{serial:06d}"
    return "" if not f.required else f"{f.label}{serial}"


def _keep_rules(row: list[str], fields: list[DatasetField], rules) -> None:
    """Make numeric cross-field rules hold (``left ≤ right`` and the like): the left becomes 80 % of the right."""
    position = {f.name: i for i, f in enumerate(fields)}
    for rule in rules:
        left, right = position.get(rule.left), position.get(rule.right)
        if left is None or right is None or fields[left].type not in (FieldType.INTEGER, FieldType.DECIMAL):
            continue
        try:
            base = Decimal(row[right].translate(HALF_WIDTH_DIGITS))
        except ArithmeticError:
            continue
        factor = {"<": "0.8", "<=": "0.8", "=": "1", ">=": "1.2", ">": "1.2"}.get(rule.operator)
        if factor:
            value = base * Decimal(factor)
            row[left] = str(int(value)) if fields[left].type == FieldType.INTEGER else str(value.quantize(Decimal("0.01")))


def _spoil(row: list[str], fields: list[DatasetField], rng: random.Random) -> None:
    """One typical mistake: a wrong check digit, an empty required cell or an impossible date."""
    for index, f in enumerate(fields):
        if f.check_digit == "id_number" and row[index]:
            row[index] = row[index][:17] + ("0" if row[index][17] != "0" else "1")
            return
    required = [i for i, f in enumerate(fields) if f.required]
    if required and rng.random() < 0.5:
        row[rng.choice(required)] = ""
        return
    dates = [i for i, f in enumerate(fields) if f.type == FieldType.DATE]
    if dates:
        row[dates[0]] = "2023年2月30日"
    elif required:
        row[required[0]] = ""
