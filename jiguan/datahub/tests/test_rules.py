"""Each validation rule and each cleaning form, through the whole pipeline: good values are published
(cleaned), bad ones are rejected with the row, column, value, rule and a Chinese message in the report."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiguan.core.identifiers import credit_code
from jiguan.core.models import OrgUnit
from jiguan.core.testing import make_unit
from jiguan.datahub.models import Dataset, DatasetField, FieldRule
from jiguan.datahub.services import rules
from jiguan.datahub.services.runs import submit

from .runs_world import csv_upload, person_id, published, report_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return make_unit("360000", "江西省机关事务管理局", is_bureau=True)


@pytest.fixture
def admin(owner):
    from jiguan.core.testing import make_account

    return make_account(roles=("region_bureau_admin",), unit=owner)


@pytest.fixture
def ingest(django_capture_on_commit_callbacks, admin):
    def run_file(dataset, rows, headers):
        with django_capture_on_commit_callbacks(execute=True):
            run = submit(admin, dataset_id=dataset.pk, upload=csv_upload(rows, headers))
        run.refresh_from_db()
        return run

    return run_file


def one_field_dataset(owner, **spec) -> Dataset:
    dataset = Dataset.objects.create(code="probe", name="校验样例", layer="raw", unit=owner)
    DatasetField.objects.create(dataset=dataset, position=1, name="key", label="序号", required=True)
    DatasetField.objects.create(dataset=dataset, position=2, name="v", label="取值", **spec)
    return dataset


UNIT_CODE = credit_code("360100", 424242)
CASES = {
    "required": ({"required": True}, ["有值"], [""], "必填"),
    "integer": ({"type": "integer"}, ["12", "１２", "1,234"], ["12.5", "十二"], "整数"),
    "decimal": ({"type": "decimal"}, ["12.5", "0.1234"], ["1.23456", "abc"], "数字"),
    "length": ({"max_length": 3}, ["abc", "甲乙丙"], ["abcd"], "3"),
    "range": ({"type": "decimal", "minimum": Decimal("0"), "maximum": Decimal("100")}, ["0", "100"], ["-1", "100.01"],
              "不"),
    "pattern": ({"pattern": "[A-Z]{2}[0-9]{2}"}, ["AB12", "ＡＢ１２"], ["A123", "ab12"], "格式"),
    "dictionary": ({"dictionary": "gender"}, ["1", "男"], ["3", "男性"], "性别"),
    "id_number": ({"check_digit": "id_number"}, [person_id(1), person_id(2).lower()],
                  [person_id(3)[:17] + ("0" if person_id(3)[17] != "0" else "1"), "36010219990230001X", "3601"],
                  "GB 11643"),
    "credit_code": ({"check_digit": "credit_code"}, [UNIT_CODE],
                    [UNIT_CODE[:17] + ("0" if UNIT_CODE[17] != "0" else "1"), "91360100IOZSV0000X"], "GB 32100"),
    "region_code": ({"check_digit": "region_code"}, ["360102", "110101"], ["360199", "990000", "360001", "36010"],
                    "GB/T 2260"),
    "unit_reference": ({"reference": "unit_credit_code"}, [UNIT_CODE, "南昌市测试局"], ["11360100MA0000000X"], "主数据"),
    "region_reference": ({"reference": "region_code"}, ["360100", "南昌市"], ["999999"], "主数据"),
    "boolean": ({"type": "boolean"}, ["是", "否", "true"], ["也许"], "是"),
    "date": ({"type": "date"}, ["2024年3月1日", "2024.3.1", "2024-3-1", "20240301", "2024/03/01"],
             ["2024-02-30", "明天"], "日期"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_accepts_good_values_and_reports_bad_ones(owner, ingest, case):
    OrgUnit.objects.create(name="南昌市测试局", region_id="360100", credit_code=UNIT_CODE)
    spec, good, bad, hint = CASES[case]
    dataset = one_field_dataset(owner, **spec)
    rows = [[f"k{i}", value] for i, value in enumerate(good + bad)]
    run = ingest(dataset, rows, ["序号", "取值"])
    assert (run.state, run.rows_in, run.rows_rejected, run.rows_out) == ("published", len(rows), len(bad), len(good))
    assert sorted(r["key"] for r in published(dataset, "key")) == sorted(f"k{i}" for i in range(len(good)))
    report = report_rows(run)
    assert [r[0] for r in report] == [len(good) + 2 + i for i in range(len(bad))]  # header is row 1
    assert all(r[1] == "取值" and hint in r[4] for r in report), report


def test_cleaning_turns_chinese_forms_into_values(owner, ingest):
    dataset = Dataset.objects.create(code="clean", name="清洗样例", layer="raw", unit=owner)
    for position, (name, label, kind, extra) in enumerate([
        ("name", "姓名", "text", {}), ("born", "出生日期", "date", {}), ("count", "人数", "integer", {}),
        ("gender", "性别", "text", {"dictionary": "gender"}), ("member", "是否在编", "boolean", {}),
    ], start=1):
        DatasetField.objects.create(dataset=dataset, position=position, name=name, label=label, type=kind, **extra)
    rows = [["\u3000张三 ", "2024年3月1日", "１２", "女", "是"], ["李四", "2024.3.1", "1,200", "1", "否"],
            ["王五", "20240301", " 7 ", "未说明的性别", "Y"], ["李四", "2024.3.1", "1,200", "1", "否"]]
    run = ingest(dataset, rows, ["姓名", "出生日期", "人数", "性别", "是否在编"])
    assert (run.state, run.rows_in, run.rows_duplicate, run.rows_out) == ("published", 4, 1, 3)
    assert [(r["name"], r["born"], r["count"], r["gender"], r["member"]) for r in published(dataset, "name")] == [
        ("张三", date(2024, 3, 1), 12, "2", True), ("李四", date(2024, 3, 1), 1200, "1", False),
        ("王五", date(2024, 3, 1), 7, "9", True)]


def test_uniqueness_within_the_file_flags_the_later_rows(owner, ingest):
    dataset = one_field_dataset(owner, unique=True)
    run = ingest(dataset, [["a", "X1"], ["b", "X2"], ["c", "X1"], ["d", "X1"]], ["序号", "取值"])
    assert run.rows_rejected == 2
    assert [(r[0], r[3]) for r in report_rows(run)] == [(4, "文件内唯一"), (5, "文件内唯一")]


def test_cross_field_rule_compares_typed_values(owner, ingest):
    dataset = Dataset.objects.create(code="area", name="面积", layer="raw", unit=owner)
    DatasetField.objects.create(dataset=dataset, position=1, name="usable", label="使用面积", type="decimal")
    DatasetField.objects.create(dataset=dataset, position=2, name="gross", label="建筑面积", type="decimal")
    FieldRule.objects.create(dataset=dataset, left="usable", operator="<=", right="gross", message="使用面积不得大于建筑面积")
    run = ingest(dataset, [["9", "10"], ["12", "100"], ["12", "10"], ["", "10"]], ["使用面积", "建筑面积"])
    assert [(r[0], r[1], r[2], r[4]) for r in report_rows(run)] == [(4, "使用面积", "12", "使用面积不得大于建筑面积")]
    assert run.rows_out == 3  # "12" ≤ "100" as numbers, not as text


def test_personal_values_are_masked_in_the_report(owner, ingest):
    dataset = one_field_dataset(owner, check_digit="id_number", sensitive=True)
    wrong = person_id(5)[:17] + ("0" if person_id(5)[17] != "0" else "1")
    run = ingest(dataset, [["a", person_id(4)], ["b", wrong]], ["序号", "取值"])
    [(_row, _column, value, _rule, _message)] = report_rows(run)
    assert value.startswith(wrong[:3]) and value.endswith(wrong[-2:]) and "*" in value and wrong not in value


def test_the_sql_id_number_check_agrees_with_the_python_one(owner):
    """Every check character for a spread of bodies (so each three-digit group's lookup is read at many
    values), impossible birth dates and malformed numbers: the SQL check accepts exactly what
    ``validate_id_number`` accepts (of values already cleaned: half-width, upper case)."""
    import duckdb
    from django.core.exceptions import ValidationError

    from jiguan.core.validators import validate_id_number

    regions = ["360102", "110101", "440305", "650102", "360429"]
    births = [(date(1950, 1, 1) + timedelta(days=n * 97)).strftime("%Y%m%d") for n in range(60)] + ["19990230"]
    bodies = [f"{regions[n % 5]}{birth}{n * 37 % 1000:03d}" for n, birth in enumerate(births * 5)]
    numbers = [body + check for body in bodies for check in "0123456789X"]
    numbers += ["3601021990010100", "36010219900101001XX", "3601021990010100AX", "", "ABC"]
    con = duckdb.connect()
    rules.install(con)
    got = dict(con.execute("SELECT s, coalesce(jg_id_ok(s), false) FROM unnest(?::VARCHAR[]) AS t(s)",
                           [numbers]).fetchall())

    def valid(number):
        try:
            validate_id_number(number)
        except ValidationError:
            return False
        return True

    assert got == {n: valid(n) for n in numbers}
    assert sum(got.values()) == 60 * 5  # one check character for each body with a real birth date


def test_a_pattern_is_checked_before_it_is_used():
    assert rules.pattern_error("[A-Z]{2}") is None
    assert "正则" in rules.pattern_error("(?=a)b")  # RE2 has no look-ahead
    assert rules.pattern_error("[unclosed")


def test_rule_values_never_become_sql(owner, ingest):
    """A pattern with quotes and SQL in it is only ever a parameter."""
    dataset = one_field_dataset(owner, pattern="[ab]'; DROP TABLE clean; --")
    run = ingest(dataset, [["a", "a"], ["b", "a'; DROP TABLE clean; --"]], ["序号", "取值"])
    assert (run.state, run.rows_rejected, run.rows_out) == ("published", 1, 1)


def test_a_pattern_that_cannot_be_used_fails_the_run_with_a_message(owner, ingest):
    dataset = one_field_dataset(owner, pattern="(unclosed")
    run = ingest(dataset, [["a", "x"]], ["序号", "取值"])
    assert run.state == "failed" and run.failure.startswith("取值: 格式不是有效的正则表达式")
