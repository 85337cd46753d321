"""Excel in: check an uploaded .xlsx, read one sheet's rows by their Chinese headers, give the blank
template to fill in, and report refused rows as a workbook the user can download.

An import validates every row before it writes anything; what a row got wrong is a ``RowError`` (row
number, column, value, reason) and the whole batch is refused with ``ImportRejected``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import ServiceError, ValidationFailed
from .excel import HEADER_FILL, HEADER_FONT, xlsx_response
from .services.attachments import content_matches

IMPORT_MAX_BYTES = 5 * 1024 * 1024  # a ledger of thousands of rows is well below this
IMPORT_MAX_ROWS = 5000
TEMPLATE_ROWS_WITH_LISTS = 2000  # rows of the template offering the drop-down lists


@dataclass(frozen=True)
class ImportColumn:
    """A column of an import sheet: ``header`` is what the user sees (and what the header row must say)."""

    field: str
    header: str
    required: bool = True
    help: str = ""
    choices: Sequence[str] = ()


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: object
    reason: str


class ImportRejected(ServiceError):
    """Some rows are wrong, so nothing was imported; ``row_errors`` says where and why."""

    def __init__(self, row_errors: Sequence[RowError]):
        self.row_errors = list(row_errors)
        super().__init__(_("%(n)d rows of the file have errors; nothing was imported. Correct them and upload "
                           "the file again.") % {"n": len({e.row for e in self.row_errors})}, field="file")


def check_upload(upload, *, max_bytes: int | None = None) -> None:
    """Refuse (``ValidationFailed`` on ``file``) anything that is not a real .xlsx of at most ``max_bytes``
    (default ``IMPORT_MAX_BYTES``)."""
    max_bytes = max_bytes or IMPORT_MAX_BYTES
    if upload is None:
        raise ValidationFailed({"file": [_("Please choose the Excel file (.xlsx) to import.")]})
    name = PurePath((upload.name or "").replace("\\", "/")).name
    if PurePath(name).suffix.lower() != ".xlsx":
        message = _("“%(name)s” is not an Excel workbook; please upload the filled-in template as an .xlsx file "
                    "(Excel 2007 or later; an old .xls must be saved as .xlsx first).") % {"name": name}
    elif not upload.size:
        message = _("The file “%(name)s” is empty.") % {"name": name}
    elif upload.size > max_bytes:
        message = _("The file “%(name)s” is %(size)s; an import may be at most %(limit)s.") % {
            "name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)}
    elif not content_matches(upload, ".xlsx"):
        message = _("The content of “%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": ".xlsx"}
    else:
        return
    raise ValidationFailed({"file": [message]})


def read_rows(upload, sheet_title: str, columns: Sequence[ImportColumn], *,
              max_rows: int = IMPORT_MAX_ROWS) -> Iterator[tuple[int, dict]]:
    """Yield ``(row number, {field: value})`` for each non-blank row under the header row of ``sheet_title``.

    Columns are found by header, so their order does not matter. A missing sheet or header, or too many
    rows, is a ``ValidationFailed`` on ``file``. Text is stripped, empty cells are ``""`` and whole numbers come back as ``int``.
    """
    check_upload(upload)
    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed({"file": [_("The file cannot be read as an Excel workbook.")]}) from None
    try:
        if sheet_title not in workbook.sheetnames:
            raise ValidationFailed({"file": [_("The workbook has no sheet “%(sheet)s”; please use the template.")
                                             % {"sheet": sheet_title}]})
        lines = workbook[sheet_title].iter_rows(values_only=True)
        positions = _header_positions(next(lines, ()), columns)
        count = 0
        for number, values in enumerate(lines, start=2):
            row = {name: _clean(values[i] if i < len(values) else None) for name, i in positions.items()}
            if all(v == "" for v in row.values()):
                continue
            count += 1
            if count > max_rows:
                raise ValidationFailed({"file": [_("The sheet has more than %(max)d rows; please split it into "
                                                   "several files.") % {"max": max_rows}]})
            yield number, row
    finally:
        workbook.close()


def _header_positions(header_row: Sequence, columns: Sequence[ImportColumn]) -> dict[str, int]:
    found = {_clean(value): index for index, value in enumerate(header_row)}
    missing = [str(c.header) for c in columns if str(c.header) not in found]
    if missing:
        raise ValidationFailed({"file": [_("The first row of the sheet lacks the column(s) %(columns)s; please "
                                           "use the template.") % {"columns": "、".join(missing)}]})
    return {c.field: found[str(c.header)] for c in columns}


def _clean(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        # Excel stores every number as a float: 3.0 is the whole number 3, 30.5 stays exact as text.
        return int(value) if value.is_integer() else repr(value)
    return value


def template_workbook(sheet_title: str, columns: Sequence[ImportColumn], notes_title: str) -> bytes:
    """The blank template: the data sheet with its headers (and drop-down lists for columns with fixed
    values) and a sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=str(column.header))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 16
        if column.choices:
            values = ",".join(str(c) for c in column.choices)
            listing = DataValidation(type="list", formula1=f'"{values}"', allow_blank=not column.required)
            listing.add(f"{letter}2:{letter}{TEMPLATE_ROWS_WITH_LISTS}")
            sheet.add_data_validation(listing)
    notes = workbook.create_sheet(notes_title)
    notes.append([_("Column"), _("Required"), _("What to fill in")])
    for cell in notes[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for column in columns:
        allowed = ("" if not column.choices else
                   " " + _("Allowed values: %(values)s.") % {"values": "、".join(str(c) for c in column.choices)})
        notes.append([str(column.header), _("Yes") if column.required else _("No"), f"{column.help}{allowed}"])
    for letter, width in (("A", 18), ("B", 10), ("C", 80)):
        notes.column_dimensions[letter].width = width
    for (cell,) in notes.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def error_report_response(filename: str, row_errors: Sequence[RowError]):
    """The refused rows as a download: row, column, value and reason."""
    headers = [_("Row"), _("Column"), _("Value entered"), _("What is wrong")]
    return xlsx_response(filename, _("Errors"), headers,
                         ([e.row, e.column, e.value, e.reason] for e in row_errors))

