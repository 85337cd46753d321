"""Validation, compiled to DuckDB SQL: every rule of a dataset's schema — required, type, length, range,
pattern, dictionary, GB 11643 / GB 32100 check digits, GB/T 2260 region codes, master-data references,
uniqueness within the file, cross-field rules and the submitter's data scope — becomes one ``CASE`` in a
single vectorised pass over the cleaned rows, yielding the numbers of the checks a row breaks. The report
(row, column, value, rule, message in Chinese) is then read off that list.

Rules are data that administrators edit, never code: column names are validated identifiers, patterns,
bounds and scope prefixes travel as parameters, and messages stay in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa
from django.utils.translation import gettext as _

from jiguan.core.models import Dictionary, OrgUnit, Rank, Region
from jiguan.core.models.org import UnitKind
from jiguan.core.validators import ID_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS

from ..models import FieldCheck, FieldRule, FieldType, Reference
from . import cleaning
from .cleaning import Column

# GB/T 2260 province-level codes (the first two digits of every region code).
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82")
SQL_TYPES = {FieldType.TEXT: "VARCHAR", FieldType.INTEGER: "BIGINT", FieldType.DECIMAL: "DECIMAL(18,4)",
             FieldType.DATE: "DATE", FieldType.BOOLEAN: "BOOLEAN"}
NUMERIC = (FieldType.INTEGER, FieldType.DECIMAL)
UNIT_REFERENCE = Reference.UNIT_CREDIT_CODE


@dataclass(frozen=True)
class ReferenceLookup:
    """How a ``Reference`` is looked up: ``entries()`` gives (code, accepted name, org path or None)."""

    label: str
    entries: Callable[[], list[tuple[str, str, str | None]]]


def _units() -> list[tuple[str, str, str | None]]:
    rows = OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True).exclude(credit_code=None)
    return list(rows.values_list("credit_code", "name", "org_path"))


def _regions() -> list[tuple[str, str, str | None]]:
    return [(code, name, None) for code, name in Region.objects.values_list("code", "name")]


def _ranks() -> list[tuple[str, str, str | None]]:
    return [(name, name, None) for name in Rank.objects.values_list("name", flat=True).distinct()]


# The values of ``DatasetField.reference``. A unit reference also places each row in the org tree.
REFERENCES: dict[str, ReferenceLookup] = {
    Reference.UNIT_CREDIT_CODE: ReferenceLookup(Reference.UNIT_CREDIT_CODE.label, _units),
    Reference.REGION_CODE: ReferenceLookup(Reference.REGION_CODE.label, _regions),
    Reference.RANK: ReferenceLookup(Reference.RANK.label, _ranks),
}


def reference_choices() -> list[tuple[str, str]]:
    return [(code, str(ref.label)) for code, ref in REFERENCES.items()]


def pattern_error(pattern: str) -> str | None:
    """Why a field's pattern cannot be used (DuckDB's RE2 refuses look-arounds and back-references), or
    None. The catalog calls this when a field is saved."""
    try:
        re.compile(pattern)
        duckdb.connect().execute("SELECT regexp_full_match('', ?)", [pattern]).fetchall()
    except (re.error, duckdb.Error) as exc:
        return _("The pattern is not a valid regular expression: %(error)s") % {"error": str(exc).splitlines()[0]}
    return None


# --- SQL macros for the national identifiers --------------------------------------------------------------


def _weighted(s: str, weights: list[int], digit: Callable[[str], str]) -> str:
    return " + ".join(f"{digit(f'substr({s}, {i + 1}, 1)')} * {w}" for i, w in enumerate(weights))


def _digit_sum(s: str, weights: list[int], modulus: int) -> str:
    """The weighted sum (mod ``modulus``) of the leading digits of ``s``, read three at a time: each group's
    share is looked up in a list of all its 1,000 values. Six small casts cost about half of seventeen
    character extractions (a macro cannot bind the 17 digits once as one integer: it repeats its
    argument textually, so the cast would be repeated for every digit)."""
    terms = []
    for start in range(0, len(weights), 3):
        group = weights[start:start + 3]
        shares = [sum(int(d) * w for d, w in zip(f"{value:0{len(group)}d}", group, strict=True)) % modulus
                  for value in range(10 ** len(group))]
        digits = f"try_cast(substr({s}, {start + 1}, {len(group)}) AS INTEGER)"
        terms.append(f"[{', '.join(map(str, shares))}][{digits} + 1]")
    return " + ".join(terms)


def macros() -> list[str]:
    id_sum = _digit_sum("s", ID_WEIGHTS, 11)
    uscc_sum = _weighted("s", USCC_WEIGHTS, lambda ch: f"(strpos('{USCC_ALPHABET}', {ch}) - 1)")
    provinces = ", ".join(f"'{p}'" for p in PROVINCES)
    return [
        # GB 11643: 17 digits and a check character (ISO 7064 MOD 11-2); the birth date must exist.
        f"""CREATE OR REPLACE MACRO jg_id_ok(s) AS regexp_full_match(s, '[0-9]{{17}}[0-9X]')
            AND try_strptime(substr(s, 7, 8), '%Y%m%d') IS NOT NULL
            AND substr('10X98765432', ({id_sum}) % 11 + 1, 1) = substr(s, 18, 1)""",
        # GB 32100: 18 characters of the code alphabet, the last a MOD 31 check character.
        f"""CREATE OR REPLACE MACRO jg_uscc_ok(s) AS
            regexp_full_match(s, '[0-9A-HJ-NPQRTUWXY]{{2}}[0-9]{{6}}[0-9A-HJ-NPQRTUWXY]{{10}}')
            AND substr('{USCC_ALPHABET}', (31 - ({uscc_sum}) % 31) % 31 + 1, 1) = substr(s, 18, 1)""",
        # GB/T 2260: six digits of a real province, no county without its city; within a province whose
        # regions are loaded, the code must be one of them.
        f"""CREATE OR REPLACE MACRO jg_region_ok(s) AS regexp_full_match(s, '[0-9]{{6}}')
            AND substr(s, 1, 2) IN ({provinces})
            AND (substr(s, 3, 4) = '0000' OR substr(s, 3, 2) <> '00')
            AND (substr(s, 1, 2) NOT IN (SELECT DISTINCT substr(code, 1, 2) FROM jg_regions)
                 OR s IN (SELECT code FROM jg_regions))""",
    ]


def install(con: duckdb.DuckDBPyConnection) -> None:
    """The identifier macros and the region table they read."""
    codes = list(Region.objects.exclude(code="000000").values_list("code", flat=True))
    con.register("jg_arrow", pa.table({"code": pa.array(codes, pa.string())}))
    con.execute("CREATE OR REPLACE TABLE jg_regions AS SELECT * FROM jg_arrow").fetchall()
    con.unregister("jg_arrow")
    for macro in macros():
        con.execute(macro).fetchall()


# --- Compiling the checks ---------------------------------------------------------------------------------


@dataclass
class Check:
    """One rule on one column: ``condition`` (SQL, ``?`` for ``params``) is true for a bad value."""

    column: Column
    rule: str
    message: str
    condition: str
    params: list = field(default_factory=list)
    per_value: bool = True  # reads only its column's cleaned outputs: computable once per distinct value


def compile_checks(columns: list[Column], rules: list[FieldRule], scope: tuple[str, list] | None) -> list[Check]:
    """Every check of the schema, in report order. ``scope`` is the SQL condition (on ``_unit_path``) a
    row's own unit must meet when the schema carries a unit reference."""
    checks: list[Check] = []
    for column in columns:
        checks += _field_checks(column)
    by_name = {c.name: c for c in columns}
    for rule in rules:
        checks.append(_cross_field(by_name[rule.left], by_name[rule.right], rule))
    unit = next((c for c in columns if c.lookup is not None and c.lookup.paths is not None), None)
    if unit is not None and scope is not None:
        condition, params = scope
        checks.append(Check(unit, _("Data scope check"), _("This unit is outside the units you may submit data for."),
                            f"{unit.ident} IS NOT NULL AND {unit.known} AND NOT ({condition})",
                            params))
    return checks


def _field_checks(column: Column) -> list[Check]:
    f, v = column.field, column.ident
    label = f.label
    checks = []
    if f.required:
        checks.append(Check(column, _("Required check"), _("%(label)s must be filled in.") % {"label": label},
                            f"{v} IS NULL"))
    typed = _type_check(column)
    if typed:
        checks.append(typed)
    if f.max_length:
        checks.append(Check(column, _("Length check"), _("%(label)s may have at most %(n)d characters.")
                            % {"label": label, "n": f.max_length}, f"length({v}) > {int(f.max_length)}"))
    checks += _range_checks(column)
    if f.pattern:
        checks.append(Check(column, _("Pattern check"), _("%(label)s is not in the required format.") % {"label": label},
                            f"NOT regexp_full_match({v}, ?)", [f.pattern]))
    if f.check_digit:
        checks.append(_identifier_check(column))
    if column.lookup is not None:
        checks.append(_lookup_check(column))
    if f.unique:  # the first row of each repeated value comes from a join (see checked_query)
        checks.append(Check(column, _("Unique within the file"),
                            _("%(label)s repeats a value of an earlier row of the file.") % {"label": label},
                            f"_first_{f.name} IS NOT NULL AND _row > _first_{f.name}", per_value=False))
    return checks


def _type_check(column: Column) -> Check | None:
    f, v = column.field, column.ident
    messages = {
        FieldType.INTEGER: _("%(label)s must be a whole number."),
        FieldType.DECIMAL: _("%(label)s must be a number (at most 4 decimals, below 100 trillion)."),
        FieldType.DATE: _("%(label)s must be a date such as 2024-03-01 or 2024年3月1日."),
        FieldType.BOOLEAN: _("%(label)s must be 是 or 否."),
    }
    if f.type not in messages:
        return None
    condition = (f"{v} NOT IN ('true', 'false')" if f.type == FieldType.BOOLEAN
                 else f"try_cast({v} AS {SQL_TYPES[f.type]}) IS NULL")
    if f.type == FieldType.INTEGER:  # a cast would round 12.5 to 13
        condition += f" OR NOT regexp_full_match({v}, '[+-]?[0-9]+')"
    if f.type == FieldType.DECIMAL:  # more decimals would be rounded away silently
        condition += f" OR regexp_matches({v}, '\\.[0-9]{{5,}}')"
    return Check(column, _("Type check"), messages[f.type] % {"label": f.label}, f"{v} IS NOT NULL AND ({condition})")


def _range_checks(column: Column) -> list[Check]:
    f, v = column.field, column.ident
    if f.type not in NUMERIC:
        return []
    number = f"try_cast({v} AS DECIMAL(18,4))"
    checks = []
    if f.minimum is not None:
        checks.append(Check(column, _("Minimum check"), _("%(label)s must be at least %(min)s.")
                            % {"label": f.label, "min": _plain(f.minimum)}, f"{number} < ?", [f.minimum]))
    if f.maximum is not None:
        checks.append(Check(column, _("Maximum check"), _("%(label)s must be at most %(max)s.")
                            % {"label": f.label, "max": _plain(f.maximum)}, f"{number} > ?", [f.maximum]))
    return checks


def _identifier_check(column: Column) -> Check:
    f, v = column.field, column.ident
    rules = {
        FieldCheck.ID_NUMBER: ("jg_id_ok", _("ID number check (GB 11643)"),
                               _("%(label)s is not a valid citizen ID number: 18 characters, a real date of birth "
                                 "and a matching check digit (GB 11643).")),
        FieldCheck.CREDIT_CODE: ("jg_uscc_ok", _("Credit code check (GB 32100)"),
                                 _("%(label)s is not a valid unified social credit code: 18 characters and a "
                                   "matching check character (GB 32100).")),
        FieldCheck.REGION_CODE: ("jg_region_ok", _("Region code check (GB/T 2260)"),
                                 _("%(label)s is not a GB/T 2260 region code.")),
    }
    macro, rule, message = rules[f.check_digit]
    return Check(column, rule, message % {"label": f.label}, f"{v} IS NOT NULL AND NOT coalesce({macro}({v}), false)")


def _lookup_check(column: Column) -> Check:
    f = column.field
    if f.dictionary:
        rule, message = _("Dictionary check"), _("%(label)s is neither a code nor a name of the dictionary “%(dict)s”.")
    else:
        rule, message = _("Master data reference check"), _("%(label)s matches no record of the master data “%(dict)s”.")
    source = (Dictionary.objects.filter(code=f.dictionary).values_list("name", flat=True).first() or f.dictionary
              if f.dictionary else str(REFERENCES[f.reference].label))
    return Check(column, rule, message % {"label": f.label, "dict": source},
                 f"{column.ident} IS NOT NULL AND NOT {column.known}")


OPERATORS = {"<": "<", "<=": "<=", "=": "=", "!=": "<>", ">=": ">=", ">": ">"}


def _cross_field(left: Column, right: Column, rule: FieldRule) -> Check:
    """``left op right`` compared as numbers or dates when both fields are, else as text; rows missing either
    value, or with a value of the wrong type (reported by the type check), are not judged here."""
    kind = left.field.type if left.field.type == right.field.type else FieldType.TEXT
    sql_type = SQL_TYPES.get(kind, "VARCHAR")
    a, b = f"try_cast({left.ident} AS {sql_type})", f"try_cast({right.ident} AS {sql_type})"
    return Check(left, _("Cross-field check"), rule.message,
                 f"{a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {OPERATORS[rule.operator]} {b})", per_value=False)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# --- The one pass -------------------------------------------------------------------------------------------


MASK_BITS = 62  # checks per BIGINT bit mask


def _groups(checks: list[Check]) -> list[list[tuple[int, Check]]]:
    """The checks by mask: check ``k`` (1-based) is bit ``(k-1) % 62`` of mask ``_e{(k-1) // 62}``."""
    return [list(enumerate(checks[start:start + MASK_BITS])) for start in range(0, len(checks), MASK_BITS)]


def _in_memo(check: Check) -> bool:
    return check.per_value and check.column.memoised


def _sum(members: list[tuple[int, Check]]) -> str:
    return " + ".join(f"CASE WHEN {check.condition} THEN {1 << bit} ELSE 0 END" for bit, check in members)


def memo_tables(con: duckdb.DuckDBPyConnection, checks: list[Check], columns: list[Column],
                raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Clean each memoised column once per distinct raw value into its memo table, with the masks
    ``_m<group>_<name>`` of the checks that read only that value. Returns each column's mask names."""
    carried: dict[str, list[str]] = {}
    for column in columns:
        if not column.memoised:
            continue
        masks, params = [], []
        for group, members in enumerate(_groups(checks)):
            own = [(bit, c) for bit, c in members if c.column is column and _in_memo(c)]
            if own:
                name = f"_m{group}_{column.name}"
                masks.append(f"({_sum(own)})::BIGINT AS {name}")
                params += [p for _bit, c in own for p in c.params]
                carried.setdefault(column.name, []).append(name)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {column.memo} AS SELECT {', '.join(['*', *masks])} "  # noqa: S608
                    f"FROM ({cleaning.memo_query(column, raw)})", params).fetchall()
    return carried


def first_rows(con: duckdb.DuckDBPyConnection, columns: list[Column], raw: dict[str, list[str]]) -> None:
    """For each unique column, its repeated cleaned values and the first row of each (``jg_first_<name>``).
    Taken before exact duplicate rows are dropped, it is the same: the first row of a value is never a
    dropped duplicate, and a dropped row's verdict does not matter.

    Grouping a million distinct texts with their first rows is the cost; grouping their hashes (one integer)
    first is cheaper, and only the rows of a repeated hash are then grouped by value: exactly the repeated
    values, whatever the hashes collide on."""
    for column in columns:
        if not column.field.unique:
            continue
        v = column.ident
        values = cleaning.values_query([column], raw, {})
        con.execute(f"CREATE OR REPLACE TEMP TABLE jg_first_{column.name} AS "  # noqa: S608 (validated)
                    f"WITH cleaned AS MATERIALIZED ({values}), repeated AS (SELECT hash({v}) AS h FROM cleaned "
                    f"WHERE {v} IS NOT NULL GROUP BY h HAVING count(*) > 1) "
                    f"SELECT {v} AS _value_{column.name}, min(_row) AS _first_{column.name} FROM cleaned "
                    f"WHERE {v} IS NOT NULL AND hash({v}) IN (SELECT h FROM repeated) "
                    f"GROUP BY {v} HAVING count(*) > 1").fetchall()


def checked_query(checks: list[Check], columns: list[Column], raw: dict[str, list[str]],
                  carried: dict[str, list[str]]) -> tuple[str, list]:
    """SELECT of every row of ``raw``, cleaned, with bit masks ``_e0``, ``_e1``… of the checks it breaks (see
    ``_groups``), ``_bad`` and ``_h`` (``cleaning.row_hash``): cleaning and validation in one pass. Needs the
    tables of ``memo_tables`` (``carried``: its answer) and ``first_rows``. Integers, not lists: one cheap pass."""
    masks, params = [], []
    for group, members in enumerate(_groups(checks)):
        row_level = [(bit, c) for bit, c in members if not _in_memo(c)]
        terms = [_sum(row_level)] if row_level else []
        terms += [f"v._m{group}_{name}" for name, names in carried.items() if f"_m{group}_{name}" in names]
        params += [p for _bit, c in row_level for p in c.params]
        masks.append(f"({' + '.join(terms) or '0'})::BIGINT AS _e{group}")
    masks = masks or ["0::BIGINT AS _e0"]
    bad = " OR ".join(f"_e{i} <> 0" for i in range(len(masks)))
    unique = [c for c in columns if c.field.unique]
    joins = "".join(f" LEFT JOIN jg_first_{c.name} ON _value_{c.name} = v.{c.ident}" for c in unique)
    hidden = [name for names in carried.values() for name in names] + cleaning.hidden(columns)
    everything = f"* EXCLUDE ({', '.join(hidden)})" if hidden else "*"
    values = cleaning.values_query(columns, raw, carried)
    return (f"SELECT {everything}, ({bad}) AS _bad, {cleaning.row_hash(columns)} FROM "  # noqa: S608 (validated)
            f"(SELECT v.*, {', '.join(masks)} FROM ({values}) v{joins})"), params


def errors_query(checks: list[Check]) -> str:
    """SELECT of the error rows ``(row, check, value)`` of table ``clean`` (``checked_query``'s rows); values of personal fields
    are masked (the row number is enough to find them)."""
    values = " ".join(f"WHEN {i} THEN {_shown(c.column)}" for i, c in enumerate(checks, start=1))
    value = f"CASE _k {values} END" if checks else "NULL"
    groups = (len(checks) - 1) // MASK_BITS + 1 if checks else 1
    mask = "CASE (_k - 1) // 62 " + " ".join(f"WHEN {g} THEN _e{g}" for g in range(groups)) + " END"
    return (f"SELECT _row, _k, {value} AS value FROM clean, range(1, {len(checks) + 1}) AS t(_k) "  # noqa: S608
            f"WHERE _bad AND (({mask}) >> ((_k - 1) % 62)) & 1 = 1")


def _shown(column: Column) -> str:
    v = column.ident
    if not column.field.sensitive:
        return v
    return f"CASE WHEN length({v}) > 6 THEN left({v}, 3) || repeat('*', length({v}) - 5) || right({v}, 2) ELSE '***' END"


def checks_table(checks: list[Check]) -> pa.Table:
    """The checks as rows (number, column label, rule, message) for the report's join."""
    return pa.table({
        "_k": pa.array(range(1, len(checks) + 1), pa.int32()),
        "column": pa.array([c.column.field.label for c in checks], pa.string()),
        "rule": pa.array([str(c.rule) for c in checks], pa.string()),
        "message": pa.array([str(c.message) for c in checks], pa.string()),
    })
