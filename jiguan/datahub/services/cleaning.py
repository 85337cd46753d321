"""Cleaning, compiled to DuckDB SQL: what a submission's values become before they are checked.

Every value is trimmed; in coded and typed values (numbers, dates, identifiers, patterns, dictionary and
reference fields) full-width letters, digits and punctuation become half-width — free text keeps its
full-width punctuation, as Chinese writing uses it; numbers lose
their thousands separators; dates in the forms officials type (2024年3月1日, 2024.3.1, 2024-3-1, 20240301)
become ISO dates; yes/no words become booleans; dictionary labels and master-data names become their
codes. Then exact duplicate rows are dropped (and counted). Cleaning comes before validation, so a value
that only looked wrong (a full-width digit, a Chinese date) is accepted, and one that is wrong stays as
typed for the error report.

Coded and typed values repeat (dates, unit codes, amounts) and cost most to clean, so such a column is
cleaned once per distinct raw value into a memo table joined back on the raw value (``values_query``);
the checks of a single value are computed there too (``rules.memo_tables``). A unique field's values are
all distinct, so it is cleaned per row.

Only validated identifiers and our own constants are written into the SQL; the values that steer
cleaning (dictionary items, master data) are loaded into tables through Arrow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ..models import DatasetField, FieldType

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,59}")
RESERVED_COLUMNS = frozenset({"org_path"})
STAGED = re.compile(r"c[0-9]+")  # the staged table's column names

# U+FF01–U+FF5E are the full-width forms of ASCII 0x21–0x7E; U+3000 is the ideographic space.
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "√", "有")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "×", "无")

MACROS = (
    # A Chinese or compact date as ISO text; anything else is returned unchanged for the report.
    r"""CREATE OR REPLACE MACRO jg_date(s) AS coalesce(
        strftime(try_strptime(regexp_replace(s,
            '^([0-9]{4})\s*[年./-]\s*([0-9]{1,2})\s*[月./-]\s*([0-9]{1,2})\s*日?(\s.*|T.*)?$', '\1-\2-\3'),
            '%Y-%m-%d'), '%Y-%m-%d'),
        strftime(try_strptime(s, '%Y%m%d'), '%Y-%m-%d'),
        s)""",
)


@dataclass
class Lookup:
    """Accepted texts of a dictionary or master-data reference and the code each stands for (codes map to
    themselves, labels to their code). ``paths`` gives a unit's org path for per-row unit references."""

    table: str
    pairs: dict[str, str]
    paths: dict[str, str] | None = None


@dataclass
class Column:
    """A dataset field as the pipeline handles it: its cleaned text column and, for dictionary and
    reference fields, its lookup (then ``_known_<name>`` says whether the value was found)."""

    field: DatasetField
    lookup: Lookup | None = None

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def ident(self) -> str:
        return f'"{self.field.name}"'

    @property
    def known(self) -> str:
        return f'"_known_{self.field.name}"'

    @property
    def memoised(self) -> bool:
        """Cleaned (and checked) once per distinct raw value, in table ``memo``, rather than per row."""
        f = self.field
        return not f.unique and (f.type != FieldType.TEXT or bool(f.check_digit or f.pattern or self.lookup))

    @property
    def memo(self) -> str:
        return f"jg_memo_{self.field.name}"

    def outputs(self) -> list[str]:
        """The names this column gives a cleaned row: its value, and for a lookup whether the value was known
        and, for a unit reference, the unit's org path."""
        names = [self.ident]
        if self.lookup is not None:
            names.append(self.known)
            if self.lookup.paths is not None:
                names.append("_unit_path")
        return names


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for macro in MACROS:
        con.execute(macro).fetchall()


def load_lookups(con: duckdb.DuckDBPyConnection, columns: list[Column]) -> None:
    """Each lookup becomes a table ``(label, code, path)``, loaded through Arrow (values never become SQL)."""
    for column in columns:
        lookup = column.lookup
        if lookup is None:
            continue
        labels = list(lookup.pairs)
        codes = [lookup.pairs[label] for label in labels]
        paths = [(lookup.paths or {}).get(code) for code in codes]
        data = pa.table({"label": pa.array(labels, pa.string()), "code": pa.array(codes, pa.string()),
                         "path": pa.array(paths, pa.string())})
        con.register("jg_arrow", data)
        con.execute(f"CREATE OR REPLACE TABLE {lookup.table} AS SELECT * FROM jg_arrow").fetchall()  # noqa: S608
        con.unregister("jg_arrow")


def value_expression(column: Column, source: str) -> str:
    """The cleaning of one raw text column ``source`` (an already quoted identifier)."""
    f = column.field
    kind = f.type
    if kind == FieldType.TEXT and not (f.check_digit or f.pattern or f.dictionary or f.reference):
        # Free text keeps its full-width punctuation (（）in a unit's name is right); only the ideographic
        # space is made plain, so it is trimmed.
        return f"nullif(trim(replace({source}, '\u3000', ' ')), '')"
    # translate() is slow with a long map: only values holding a full-width character go through it (an
    # ASCII value is recognised by its byte length alone).
    width = (f"CASE WHEN strlen({source}) = length({source}) THEN {source} "
             f"WHEN regexp_matches({source}, '[\uff01-\uff5e\u3000]') "
             f"THEN translate({source}, '{FULL_WIDTH}', '{_sql_text(HALF_WIDTH)}') ELSE {source} END")
    text = f"nullif(trim({width}), '')"
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        return f"replace({text}, ',', '')"
    if kind == FieldType.DATE:
        return f"jg_date({text})"
    if kind == FieldType.BOOLEAN:
        return (f"CASE WHEN lower({text}) IN {_sql_list(TRUE_WORDS)} THEN 'true' "
                f"WHEN lower({text}) IN {_sql_list(FALSE_WORDS)} THEN 'false' ELSE {text} END")
    if f.check_digit:
        return f"upper({text})"
    return text


def _looked_up(column: Column) -> tuple[list[str], str]:
    """The outputs of a column over ``b`` (its cleaned text) and the join of its lookup ("" without one)."""
    lookup = column.lookup
    if lookup is None:
        return [f"b.{column.ident}"], ""
    table = lookup.table
    outputs = [f"coalesce({table}.code, b.{column.ident}) AS {column.ident}",
               f"{table}.code IS NOT NULL AS {column.known}"]
    if lookup.paths is not None:
        outputs.append(f"{table}.path AS _unit_path")
    return outputs, f" LEFT JOIN {table} ON {table}.label = b.{column.ident}"


def memo_query(column: Column, raw: dict[str, list[str]]) -> str:
    """SELECT of each distinct raw value ``_raw`` of a memoised column with its cleaned outputs, named as a row
    names them (so the column's checks read the same SQL)."""
    outputs, join = _looked_up(column)
    distinct = f"SELECT DISTINCT {_source(raw.get(column.name, []))} AS _raw FROM raw"  # noqa: S608 (validated)
    return (f"SELECT *, hash({column.ident}) AS _hash FROM (SELECT b._raw, {', '.join(outputs)} FROM "  # noqa: S608
            f"(SELECT _raw, {value_expression(column, '_raw')} AS {column.ident} FROM ({distinct})) b{join})")


def values_query(columns: list[Column], raw: dict[str, list[str]], carried: dict[str, list[str]]) -> str:
    """SELECT of ``_row`` and the cleaned outputs of ``columns`` for every row of ``raw`` (``raw`` maps a field to
    its staged columns ``c<i>``, none for a column the file lacks). A memoised column comes from its memo table,
    joined on the raw value (NULL included), with the further memo columns ``carried`` names for it."""
    staged = []
    outputs, joins = [], []
    for column in columns:
        source = _source(raw.get(column.name, []))
        if column.memoised:
            memo = column.memo
            staged.append(f"{source} AS _raw_{column.name}")
            outputs += [f"{memo}.{name}" for name in column.outputs() + carried.get(column.name, [])]
            outputs.append(f"{memo}._hash AS _hash_{column.name}")
            joins.append(f" LEFT JOIN {memo} ON {memo}._raw IS NOT DISTINCT FROM b._raw_{column.name}")
        else:
            staged.append(f"{value_expression(column, source)} AS {column.ident}")
            looked_up, join = _looked_up(column)
            outputs += looked_up
            joins.append(join)
    return (f"SELECT b._row, {', '.join(outputs)} FROM "  # noqa: S608 (validated identifiers only)
            f"(SELECT _row, {', '.join(staged)} FROM raw) b{''.join(joins)}")


def row_hash(columns: list[Column]) -> str:
    """``_h``: a hash of a cleaned row's values, for finding exact duplicates (a memoised value's own hash comes
    from its memo table, hashed once per distinct value)."""
    return f"hash({', '.join(f'_hash_{c.name}' if c.memoised else c.ident for c in columns)}) AS _h"


def hidden(columns: list[Column]) -> list[str]:
    """The helper columns of ``values_query`` that a cleaned row does not keep."""
    return [f"_hash_{c.name}" for c in columns if c.memoised]


def drop_duplicates(con: duckdb.DuckDBPyConnection, columns: list[Column]) -> int:
    """Delete exact duplicate rows of ``clean`` (keeping the first); returns how many. Rows are grouped by
    their hash first (one integer column: cheap); only rows sharing a hash are compared value by value."""
    con.execute("CREATE TEMP TABLE jg_twins AS SELECT _h FROM clean GROUP BY _h HAVING count(*) > 1").fetchall()
    [(groups,)] = con.execute("SELECT count(*) FROM jg_twins").fetchall()
    if not groups:
        return 0
    values = ", ".join(c.ident for c in columns)
    [(dropped,)] = con.execute(
        f"DELETE FROM clean WHERE _h IN (SELECT _h FROM jg_twins) AND _row NOT IN "  # noqa: S608
        f"(SELECT min(_row) FROM clean WHERE _h IN (SELECT _h FROM jg_twins) GROUP BY {values})").fetchall()
    return dropped


def _source(staged: list[str]) -> str:
    if not staged:
        return "NULL::VARCHAR"
    names = [f'"{name}"' for name in staged if STAGED.fullmatch(name)]
    return names[0] if len(names) == 1 else f"coalesce({', '.join(names)})"


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _sql_list(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{_sql_text(w)}'" for w in words) + ")"
