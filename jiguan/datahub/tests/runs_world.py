"""A small world for the ingestion tests: the province bureau, 南昌's bureau and 财政局, 九江's 财政局,
their administrators and a staff member, and a personnel dataset whose schema uses every kind of rule."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jiguan.core.identifiers import id_number
from jiguan.core.models import Account, OrgUnit
from jiguan.core.testing import make_account, make_unit
from jiguan.datahub.models import Dataset, DatasetField, FieldRule

HEADERS = ["姓名", "身份证号", "性别", "出生日期", "所在单位", "月工资", "绩效工资"]


@dataclass
class World:
    province: OrgUnit
    nc_bureau: OrgUnit
    finance: OrgUnit
    jiujiang: OrgUnit
    jx_admin: Account
    nc_admin: Account
    fin_admin: Account
    jj_admin: Account
    staff: Account
    persons: Dataset


def build() -> World:
    province = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    return World(
        province=province, nc_bureau=nc_bureau, finance=finance, jiujiang=jiujiang,
        jx_admin=make_account("jx_admin", roles=("region_bureau_admin",), unit=province),
        nc_admin=make_account("nc_admin", roles=("region_bureau_admin",), unit=nc_bureau),
        fin_admin=make_account("fin_admin", roles=("unit_admin",), unit=finance),
        jj_admin=make_account("jj_admin", roles=("unit_admin",), unit=jiujiang),
        staff=make_account("staff", roles=("staff",), unit=finance),
        persons=persons_dataset(province),
    )


def persons_dataset(owner: OrgUnit, code: str = "persons", **limits) -> Dataset:
    dataset = Dataset.objects.create(code=code, name="人员信息", layer="base", unit=owner, **limits)
    specs = [
        dict(name="name", label="姓名", required=True, max_length=10),
        dict(name="id_number", label="身份证号", required=True, unique=True, check_digit="id_number", sensitive=True),
        dict(name="gender", label="性别", dictionary="gender"),
        dict(name="birth_date", label="出生日期", type="date"),
        dict(name="unit_code", label="所在单位", reference="unit_credit_code"),
        dict(name="salary", label="月工资", type="decimal", minimum=Decimal("0"), maximum=Decimal("100000")),
        dict(name="bonus", label="绩效工资", type="decimal"),
    ]
    for position, spec in enumerate(specs, start=1):
        DatasetField.objects.create(dataset=dataset, position=position, **spec)
    FieldRule.objects.create(dataset=dataset, left="bonus", operator="<=", right="salary",
                             message="绩效工资不得高于月工资")
    return dataset


def person_id(serial: int, region: str = "360102") -> str:
    return id_number(region, date(1980 + serial % 20, 1 + serial % 12, 1 + serial % 28), serial, female=serial % 2 == 0)


def person_row(serial: int, unit: OrgUnit, **changes) -> list:
    row = {"姓名": f"张{serial}", "身份证号": person_id(serial), "性别": "男", "出生日期": "1985-03-01",
           "所在单位": unit.credit_code, "月工资": "8000", "绩效工资": "1000"}
    row.update(changes)
    return [row[h] for h in HEADERS]


def csv_upload(rows: list[list], headers: list[str] = HEADERS, name: str = "人员.csv", encoding: str = "utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list], headers: list[str] = HEADERS, name: str = "人员.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def json_upload(rows: list[dict], name: str = "人员.json"):
    return SimpleUploadedFile(name, json.dumps(rows, ensure_ascii=False).encode(), content_type="application/json")


def published(dataset: Dataset, order: str = "id_number") -> list[dict]:
    """The dataset's current rows as dicts (sorted), or [] before its first version."""
    from jiguan.datahub import store

    dataset.refresh_from_db()
    relation = store.current(store.connect(), dataset)
    if relation is None:
        return []
    names = relation.columns
    return sorted((dict(zip(names, row, strict=True)) for row in relation.fetchall()), key=lambda r: str(r.get(order)))


def report_rows(run) -> list[tuple]:
    """The run's error report as (row, column, value, rule, message) tuples."""
    from django.core.files.storage import default_storage
    from openpyxl import load_workbook

    with default_storage.open(run.error_report, "rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
