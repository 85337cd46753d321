"""Staging: a submitted CSV, XLSX or JSON file becomes the DuckDB relation ``raw`` — ``_row`` (the row number
the submitter sees: the line of a CSV, the row of a sheet, the position in a JSON array) and one text
column ``c<i>`` per header, every value as text. The headers are returned for matching to the schema.

CSV is read by DuckDB (a file saved by Excel as GBK/GB 18030, which DuckDB refuses as UTF-8, is converted
to UTF-8 and read again); XLSX by
python-calamine into Arrow; JSON (an array of objects, or one object per line) by DuckDB.
"""

from __future__ import annotations

import codecs
import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from jiguan.core.services.attachments import content_matches as office_file_matches

from ..store import quote
from .cleaning import FULL_WIDTH, HALF_WIDTH

SNIFF_BYTES = 64 * 1024
WIDTH_TABLE = str.maketrans(FULL_WIDTH, HALF_WIDTH)


class Unreadable(Exception):
    """The file cannot be read as its type says; the message (Chinese) says why."""


def content_matches(upload, extension: str) -> bool:
    """Does the upload's content look like its type? (.xlsx: a real workbook; .csv: text; .json: JSON.)"""
    if extension == ".xlsx":
        return office_file_matches(upload, ".xlsx")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if b"\x00" in head:
        return False
    if extension == ".json":
        return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")
    return True


def normalise_header(text: str) -> str:
    """A header as matched: half-width, without spaces and the "*" that marks required columns, lower case."""
    return "".join(str(text).translate(WIDTH_TABLE).split()).rstrip("*").lower()


def read_input(con: duckdb.DuckDBPyConnection, path: Path, extension: str, work: Path) -> list[str]:
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx, ".json": _read_json}
    try:
        return readers[extension](con, path, work)
    except duckdb.Error as exc:
        raise Unreadable(_("The file cannot be read: %(error)s") % {"error": str(exc).splitlines()[0][:300]}) from None


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, work: Path) -> list[str]:
    """DuckDB reads the file as UTF-8 (checking every byte as it loads); only a file it refuses is checked
    here, and one that is not UTF-8 is read again from a UTF-8 copy decoded as GB 18030."""
    try:
        return _load_csv(con, path)
    except duckdb.Error:
        if _is_utf8(path):
            raise
    return _load_csv(con, _as_utf8(path, work))


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    source = f"read_csv({quote(str(path))}, all_varchar = true, header = true, null_padding = true"
    headers = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source})").fetchall()]  # noqa: S608
    names = ", ".join(f"'c{i}'" for i in range(len(headers)))
    # Loaded as a table, the rows keep the file's order (insertion order is preserved), so a row's number
    # is its rowid: a row_number() window would run the whole cleaning pass on one thread.
    con.execute(f"CREATE OR REPLACE TABLE jg_csv AS SELECT * FROM {source}, names = [{names}])").fetchall()  # noqa: S608
    con.execute("CREATE OR REPLACE VIEW raw AS SELECT (rowid + 2)::BIGINT AS _row, * FROM jg_csv").fetchall()
    return headers


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _as_utf8(path: Path, work: Path) -> Path:
    """A UTF-8 copy of a file decoded as GB 18030 (what Excel writes on a Chinese Windows)."""
    converted = work / "input-utf8.csv"
    try:
        with path.open("r", encoding="gb18030") as source, converted.open("w", encoding="utf-8") as target:
            for block in iter(lambda: source.read(1 << 20), ""):
                target.write(block)
    except UnicodeDecodeError:
        raise Unreadable(_("The CSV file is neither UTF-8 nor GBK text; save it again as “CSV UTF-8”.")) from None
    return converted


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, work: Path) -> list[str]:
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError):
        raise Unreadable(_("The file cannot be read as an Excel workbook.")) from None
    header_at = next((i for i, row in enumerate(rows) if any(_text(v) for v in row)), None)
    if header_at is None:
        raise Unreadable(_("The first sheet of the workbook is empty."))
    headers = [_text(v) or "" for v in rows[header_at]]
    numbers, columns = [], [[] for _h in headers]
    for index in range(header_at + 1, len(rows)):
        values = [_text(v) for v in rows[index]]
        if not any(values):
            continue
        numbers.append(index + 1)  # the sheet's own row number
        for position, column in enumerate(columns):
            column.append(values[position] if position < len(values) else None)
    table = pa.table({"_row": pa.array(numbers, pa.int64()),
                      **{f"c{i}": pa.array(column, pa.string()) for i, column in enumerate(columns)}})
    con.register("jg_arrow", table)
    con.execute("CREATE TABLE raw AS SELECT * FROM jg_arrow").fetchall()
    con.unregister("jg_arrow")
    return headers


def _text(value) -> str | None:
    """A cell as text: whole numbers without ".0", dates as ISO, empty as None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _read_json(con: duckdb.DuckDBPyConnection, path: Path, work: Path) -> list[str]:
    source = f"read_json_objects({quote(str(path))}, format = 'auto')"
    con.execute(f"CREATE TABLE jg_json AS SELECT row_number() OVER ()::BIGINT AS _row, json FROM {source}").fetchall()  # noqa: S608
    [(not_objects,)] = con.execute("SELECT count(*) FROM jg_json WHERE json_type(json) <> 'OBJECT'").fetchall()
    if not_objects:
        raise Unreadable(_("Every element of the JSON file must be an object of column names and values."))
    headers = [key for (key,) in con.execute(
        "SELECT k FROM (SELECT unnest(json_keys(json)) AS k, _row FROM jg_json) GROUP BY k ORDER BY min(_row)"
    ).fetchall()]
    paths = ['$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in headers]
    values = "".join(f", json_extract_string(json, ?) AS c{i}" for i in range(len(headers)))
    con.execute(f"CREATE TABLE raw AS SELECT _row{values} FROM jg_json", paths).fetchall()  # noqa: S608
    con.execute("DROP TABLE jg_json").fetchall()
    return headers
