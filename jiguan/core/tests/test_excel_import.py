"""Reading an uploaded workbook by its headers, the blank template and the error report."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from jiguan.core.errors import ValidationFailed
from jiguan.core.excel_import import (
    ImportColumn,
    ImportRejected,
    RowError,
    check_upload,
    error_report_response,
    read_rows,
    template_workbook,
)

COLUMNS = (ImportColumn("name", "名称"), ImportColumn("area", "面积", required=False),
           ImportColumn("kind", "类别", choices=("甲", "乙")))


def upload(rows, sheet="数据", name="data.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    output = BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def test_rows_are_read_by_header_in_any_order_with_their_row_numbers():
    file = upload([["类别", "备注", "面积", "名称"], ["甲", "x", 30.0, " 一号 "], [None, None, None, None],
                   ["乙", "", 12.5, "二号"]])
    assert list(read_rows(file, "数据", COLUMNS)) == [
        (2, {"name": "一号", "area": 30, "kind": "甲"}),
        (4, {"name": "二号", "area": "12.5", "kind": "乙"}),
    ]


def test_missing_headers_sheet_and_too_many_rows_are_refused():
    with pytest.raises(ValidationFailed, match="面积"):
        list(read_rows(upload([["名称", "类别"]]), "数据", COLUMNS))
    with pytest.raises(ValidationFailed, match="数据"):
        list(read_rows(upload([["名称"]], sheet="Sheet"), "数据", COLUMNS))
    with pytest.raises(ValidationFailed, match="3"):
        list(read_rows(upload([["名称", "面积", "类别"]] + [["a", 1, "甲"]] * 4), "数据", COLUMNS, max_rows=3))


@pytest.mark.parametrize(("name", "content"), [("data.csv", b"a,b"), ("data.xlsx", b"PK not really"),
                                               ("data.xlsx", b"")])
def test_files_that_are_not_real_workbooks_are_refused(name, content):
    with pytest.raises(ValidationFailed) as refused:
        list(read_rows(SimpleUploadedFile(name, content), "数据", COLUMNS))
    assert name in refused.value.errors["file"][0]


def test_too_large_file_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        check_upload(upload([["名称", "面积", "类别"]]), max_bytes=10)
    assert "data.xlsx" in refused.value.errors["file"][0]


def test_template_has_the_headers_and_explains_allowed_values():
    workbook = load_workbook(BytesIO(template_workbook("数据", COLUMNS, "说明")))
    assert [c.value for c in workbook["数据"][1]] == ["名称", "面积", "类别"]
    assert workbook["数据"].data_validations.dataValidation[0].formula1 == '"甲,乙"'
    notes = list(workbook["说明"].iter_rows(min_row=2, values_only=True))
    assert notes[1][:2] == ("面积", "否") and "甲、乙" in notes[2][2]


def test_error_report_lists_row_column_value_and_reason():
    errors = [RowError(3, "面积", "=1+1", "不是数字")]
    assert "1" in ImportRejected(errors).message
    response = error_report_response("错误报告", errors)
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert list(sheet.iter_rows(values_only=True)) == [("行号", "列名", "填写内容", "错误原因"),
                                                        (3, "面积", "=1+1", "不是数字")]
