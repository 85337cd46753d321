"""The fast paths of the pipeline keep its verdicts: values cleaned and checked once per distinct raw value
(memo tables) give every row the same result as a per-row pass would; the uniqueness check taken before
exact duplicates are dropped flags the same rows; the SM3 digest computed while staging loads the input is
the input's; a CSV that DuckDB refuses as UTF-8 is read as GBK; completeness counted on the cleaned cells
counts what the required check counts."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiguan.core.crypto import sm3_hex
from jiguan.datahub.models import QualityMeasure, Run
from jiguan.datahub.services import runs

from .runs_world import HEADERS, build, csv_upload, person_id, person_row, published, report_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build()


@pytest.fixture
def go(django_capture_on_commit_callbacks):
    def submit(user, dataset, upload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run = runs.submit(user, dataset_id=dataset.pk, upload=upload, **kwargs)
        run.refresh_from_db()
        return run

    return submit


def test_repeated_and_empty_values_get_the_same_verdict_on_every_row(go, w):
    rows = [person_row(i, w.finance, 出生日期=born, 月工资=salary, 性别=gender)
            for i, (born, salary, gender) in enumerate([
                ("1985年3月1日", "８０００", "男"), ("2023年2月30日", "-5", "男性"), ("", "", ""),
                ("1985年3月1日", "８０００", "男"), ("2023年2月30日", "-5", "男性"), ("", "", "")], start=1)]
    run = go(w.jx_admin, w.persons, csv_upload(rows))
    assert (run.state, run.rows_in, run.rows_rejected, run.rows_out) == ("published", 6, 2, 4)
    report = [(r[0], r[1], r[2]) for r in report_rows(run)]
    for line in (3, 6):  # the same raw values, the same errors
        assert [(c, v) for n, c, v in report if n == line] == [
            ("性别", "男性"), ("出生日期", "2023年2月30日"), ("月工资", "-5"), ("绩效工资", "1000")]
    kept = {r["name"]: r for r in published(w.persons)}
    assert kept["张1"]["salary"] == kept["张4"]["salary"] == 8000 and kept["张1"]["gender"] == "1"
    assert kept["张3"]["birth_date"] is None and kept["张3"]["gender"] is None and kept["张6"]["salary"] is None


def test_a_column_missing_from_the_file_fails_its_required_check_on_every_row(go, w):
    w.persons.fields.filter(name="birth_date").update(required=True)
    headers = [h for h in HEADERS if h != "出生日期"]
    rows = [[v for h, v in zip(HEADERS, person_row(i, w.finance), strict=True) if h != "出生日期"] for i in (1, 2)]
    run = go(w.jx_admin, w.persons, csv_upload(rows, headers), force=True)
    assert "缺少必填列" in run.failure  # a required column must be in the file at all
    w.persons.fields.filter(name="birth_date").update(required=False)
    run = go(w.jx_admin, w.persons, csv_upload(rows, headers), force=True)
    assert (run.state, run.rows_out) == ("published", 2)


def test_uniqueness_ignores_exact_duplicates_and_flags_the_later_variants(go, w):
    first = person_row(1, w.finance)
    variant = person_row(1, w.finance, 姓名="张一")  # the same ID number with another name
    rows = [first, first, variant, person_row(2, w.finance), variant]
    run = go(w.jx_admin, w.persons, csv_upload(rows))
    assert (run.rows_in, run.rows_duplicate, run.rows_rejected, run.rows_out) == (5, 2, 1, 2)
    assert [(r[0], r[3]) for r in report_rows(run)] == [(4, "文件内唯一")]
    assert [r["name"] for r in published(w.persons)] == ["张1", "张2"]


def test_completeness_counts_the_cells_the_cleaning_keeps(go, w):
    """Blank cells (spaces, an ideographic space, nothing) are empty whatever their column; 2 rows × 7 columns
    with 4 of them blank: 10 of 14 filled."""
    rows = [person_row(1, w.finance, 性别=" ", 出生日期="\u3000"),
            person_row(2, w.finance, 月工资="", 绩效工资="  ")]
    run = go(w.jx_admin, w.persons, csv_upload(rows))
    assert (run.state, run.rows_rejected) == ("published", 0)
    assert QualityMeasure.objects.get(run=run).completeness == Decimal("71.43")


def test_the_sm3_digest_is_the_inputs_and_a_refused_duplicate_has_one_too(go, w):
    upload = csv_upload([person_row(1, w.finance)])
    content = upload.read()
    run = go(w.jx_admin, w.persons, upload)
    assert run.state == "published" and run.sm3 == sm3_hex(content)
    with pytest.raises(runs.DuplicateSubmission):
        runs.submit(w.jx_admin, dataset_id=w.persons.pk, upload=SimpleUploadedFile("again.csv", content))
    assert Run.objects.get(state="duplicate").sm3 == run.sm3


def test_an_unreadable_input_still_records_its_sm3(go, w):
    upload = SimpleUploadedFile("坏.csv", b"\xff\xfe\xfa\xfb," * 4 + b"\n", content_type="text/csv")
    run = go(w.jx_admin, w.persons, upload)
    assert run.state == "failed" and run.sm3 == sm3_hex(b"\xff\xfe\xfa\xfb," * 4 + b"\n")


def test_a_gbk_file_whose_first_non_ascii_byte_comes_late_is_read_as_gbk(go, w):
    names = ["name", "id_number", "gender", "birth_date", "unit_code", "salary", "bonus"]
    rows = [person_row(i, w.finance, 姓名=f"Li {i}", 性别="1") for i in range(1, 3000)]
    rows[-1][0] = "欧阳修"  # past what DuckDB samples first: only the load itself meets it
    run = go(w.jx_admin, w.persons, csv_upload(rows, names, encoding="gbk"))
    assert (run.state, run.rows_out) == ("published", 2999)
    assert {r["id_number"]: r["name"] for r in published(w.persons)}[person_id(2999)] == "欧阳修"
