"""Excel out: stream any list of rows to an .xlsx download (openpyxl write-only mode).

Rows go to a temporary file as they are produced, so a 50,000-row export never sits in memory as cells;
the finished file is streamed to the client and deleted when the response is closed.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")


def cell_value(value):
    """A Python value as Excel can hold it: local naive datetimes, 是/否, text for anything else."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, int | float | Decimal | date | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _text_width(text: str) -> int:
    # CJK characters take two columns in Excel's default font.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_title(title: str) -> str:
    return SHEET_TITLE_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet1"


def write_xlsx(target, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write ``headers`` and ``rows`` as one sheet into ``target`` (a path or binary file); return the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(str(sheet_title)))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, _text_width(str(header)) + 4)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    workbook.save(target)
    return count


def _cell(sheet, value):
    value = cell_value(value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store it as a formula: data typed in by users must never execute in Excel.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_response(filename: str, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> FileResponse:
    """A download of the rows as ``filename`` (``.xlsx`` is appended when missing)."""
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    write_xlsx(spool, sheet_title, headers, rows)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
