"""Compiled statements for the busiest lists: the ORM builds and compiles a read once per *shape*, and
every request binds its own values to it and runs it.

Building a filtered ``values()`` QuerySet and compiling it costs several times more than running it
(about 1 ms against 0.15 ms for a page of a region's people). Yet the SQL of a list depends only on its
shape — model, fields, ordering and the structure of its condition — not on the ids, codes and org paths
that one request supplies. A ``Selection`` therefore describes a read as a ``Q`` without building a
QuerySet. The first read of a shape lets the ORM build and compile it, then finds where each value's
parameters sit in the statement; later reads of that shape recompute just those parameters, through the
same lookup classes the ORM used, and run the stored SQL. Rows are never cached: every read executes.

Correctness rests on the key, so everything that can change the SQL is part of it: the database alias,
model, fields, ordering, and the condition's tree — connectors, negations, lookup paths, and every value
that is not a plain ``int`` or ``str`` (``None`` becomes ``IS NULL``, a list's length is its number of
placeholders, a boolean may be inlined, an enum member is kept as it is). Plain ``int`` and ``str``
values are the parameters. A value for which a lookup would write different SQL than the one stored
(e.g. an integer beyond the column's range) is read through the ORM instead; so is a shape whose
parameters cannot be located unambiguously. Nothing else shapes the SQL of a running process (models,
lookups and the database backend are fixed once it has started), so the cache needs no invalidation;
it is bounded by ``MAX_SHAPES``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections, models
from django.db.models import Q
from django.db.models.lookups import Lookup

MAX_SHAPES = 2_000
SLOT = object()  # marks a parameter's place in a shape key


class Uncacheable(Exception):
    """This shape is read through the ORM every time."""


@dataclass(frozen=True)
class Selection:
    """The rows of ``model`` matching ``where`` as ``values(*fields)`` dicts — a QuerySet not yet built.

    ``where`` is a ``Q`` (``scope_q()`` and a list's filters); ``Q()`` matches every row."""

    model: type[models.Model]
    where: Q
    fields: tuple[str, ...]

    def queryset(self) -> models.QuerySet:
        """The same read as a QuerySet (for counting, and for shapes that are not cached)."""
        return self.model._default_manager.filter(self.where).values(*self.fields)

    def rows(self, ordering: tuple[str, ...], start: int, stop: int, using: str = "default") -> list[dict]:
        """``queryset().order_by(*ordering)[start:stop]`` as a list, from the shape's compiled statement."""
        values: list = []
        try:
            key = (using, self.model._meta.label, self.fields, ordering, _shape(self.where, values))
        except Uncacheable:
            return self._orm_rows(ordering, start, stop, using)
        statement = _statements.get(key)
        if statement is None:
            statement = _compile(self, ordering, values, using)
            _remember(key, statement)
        if statement is UNCACHEABLE:
            return self._orm_rows(ordering, start, stop, using)
        if statement is EMPTY:
            return []
        params = statement.bind(values, connections[using])
        if params is None:
            return self._orm_rows(ordering, start, stop, using)
        return statement.run(params, start, stop, connections[using])

    def _orm_rows(self, ordering, start, stop, using) -> list[dict]:
        return list(self.queryset().using(using).order_by(*ordering)[start:stop])


# --- Shapes: the condition's structure, with plain int/str values taken out as parameters -----------


def _shape(q: Q, values: list) -> tuple:
    """A hashable description of ``q`` in which each plain int or str value is ``SLOT``; those values
    are appended to ``values`` in tree order."""
    parts: list = [q.connector, q.negated]
    for child in q.children:
        if isinstance(child, Q):
            parts.append(_shape(child, values))
        elif isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], str):
            lookup, value = child
            if type(value) in (int, str):
                values.append(value)
                parts.append((lookup, SLOT, type(value)))
            else:
                parts.append((lookup, _constant(value)))
        else:  # an expression as a condition: its SQL may depend on anything inside it
            raise Uncacheable
    return tuple(parts)


def _constant(value):
    """``value`` as part of a key: kept with its type (1 and True, "a" and an enum member differ)."""
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return type(value).__name__, tuple(_constant(item) for item in items)
    if hasattr(value, "resolve_expression"):  # F(), subqueries: SQL of their own
        raise Uncacheable
    try:
        hash(value)
    except TypeError:
        raise Uncacheable from None
    return type(value), value


def _substitute(q: Q, values) -> Q:
    """A copy of ``q`` with its parameters (in tree order) taken from the iterator ``values``."""
    copy = Q()
    copy.connector, copy.negated = q.connector, q.negated
    copy.children = [
        _substitute(child, values)
        if isinstance(child, Q)
        else (child[0], next(values) if type(child[1]) in (int, str) else child[1])
        for child in q.children
    ]
    return copy


# --- Compiling a shape ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """Where one value's parameters sit in the statement, and the lookup that computes them."""

    start: int
    length: int
    lookup: type[Lookup]
    lhs: object
    sql: str  # what the lookup writes; another value must write the same
    query: object  # the one-filter query the lookup belongs to, for a compiler

    def params(self, value, connection) -> list | None:
        try:
            lookup = self.lookup(self.lhs, value)
            sql, params = lookup.as_sql(self.query.get_compiler(connection=connection), connection)
        except (EmptyResultSet, FullResultSet, ValueError, TypeError):
            return None
        if sql != self.sql or len(params) != self.length:
            return None
        return list(params)


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple
    parameters: tuple[Parameter, ...]  # one per value, in the order of the shape's values
    names: tuple[str, ...]
    converters: tuple  # (position, functions, expression) as Django's compiler applies them

    def bind(self, values: list, connection) -> list | None:
        """The statement's parameters for these values; ``None`` if a value needs other SQL."""
        params = list(self.params)
        for parameter, value in zip(self.parameters, values, strict=True):
            computed = parameter.params(value, connection)
            if computed is None:
                return None
            params[parameter.start : parameter.start + parameter.length] = computed
        return params

    def run(self, params: list, start: int, stop: int, connection) -> list[dict]:
        sql = f"{self.sql} {connection.ops.limit_offset_sql(start, stop)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [self._convert(list(row), connection) for row in rows]
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _convert(self, row: list, connection) -> list:
        for position, functions, expression in self.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        return row


UNCACHEABLE, EMPTY = object(), object()
_statements: dict[tuple, object] = {}
_lock = threading.Lock()


def _remember(key: tuple, statement) -> None:
    with _lock:
        if len(_statements) >= MAX_SHAPES:
            _statements.clear()
        _statements[key] = statement


def clear() -> None:
    with _lock:
        _statements.clear()


def _compile(selection: Selection, ordering: tuple[str, ...], values: list, using: str):
    """Compile the shape with this request's values, then once more per value with only that value
    changed: the positions that change are that value's parameters. ``UNCACHEABLE`` if that does not
    give each value one unambiguous run the lookup itself recomputes; ``EMPTY`` for a shape that
    matches nothing whatever its values (e.g. a scope without grants)."""
    connection = connections[using]
    try:
        base = _compiled(selection, ordering, values, using)
    except EmptyResultSet:
        return EMPTY if not values else UNCACHEABLE
    except (Uncacheable, ValueError, TypeError):
        return UNCACHEABLE
    sql, params, compiler = base
    parameters = []
    for index, value in enumerate(values):
        other = _other_value(value)
        try:
            other_sql, other_params, _compiler = _compiled(selection, ordering, [*values[:index], other,
                                                                                  *values[index + 1:]], using)
            parameter = _parameter(selection.model, _lookup_path(selection.where, index), value, connection)
        except (EmptyResultSet, Uncacheable, ValueError, TypeError):
            return UNCACHEABLE
        if other_sql != sql or len(other_params) != len(params):
            return UNCACHEABLE  # the value changes the SQL itself
        changed = [i for i, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b]
        start = _locate(params, other_params, changed, parameter, value, other, connection)
        if start is None:
            return UNCACHEABLE
        parameters.append(Parameter(start, parameter.length, parameter.lookup, parameter.lhs, parameter.sql,
                                    parameter.query))
    if _overlap(parameters):
        return UNCACHEABLE
    expressions = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(expressions).items()
    )
    query = compiler.query
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return Statement(sql, tuple(params), tuple(parameters), names, converters)


def _compiled(selection: Selection, ordering, values: list, using: str):
    where = _substitute(selection.where, iter(values))
    queryset = selection.model._default_manager.using(using).filter(where).values(*selection.fields)
    query = queryset.order_by(*ordering).query
    if query.combinator or query.select_for_update or query.is_sliced:
        raise Uncacheable
    compiler = query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    return sql, list(params), compiler


def _lookup_path(q: Q, index: int) -> str:
    """The lookup path (``"unit__name__startswith"``) of the ``index``-th parameter of ``q``."""
    paths: list[str] = []

    def walk(node: Q) -> None:
        for child in node.children:
            if isinstance(child, Q):
                walk(child)
            elif type(child[1]) in (int, str):
                paths.append(child[0])

    walk(q)
    return paths[index]


def _parameter(model, path: str, value, connection) -> Parameter:
    """The lookup the ORM builds for ``path=value``, from a query of that one filter."""
    query = model._default_manager.filter(**{path: value}).query
    children = query.where.children
    if len(children) != 1 or not isinstance(children[0], Lookup):
        raise Uncacheable
    lookup = children[0]
    sql, params = lookup.as_sql(query.get_compiler(connection=connection), connection)
    return Parameter(-1, len(params), type(lookup), lookup.lhs, sql, query)


def _other_value(value):
    """A different value of the same type, to see which parameters a value moves."""
    if type(value) is int:
        return value - 1 if value > 0 else value + 1
    return value + "~" if value else "~"


def _locate(params, other_params, changed, parameter: Parameter, value, other, connection) -> int | None:
    """The one start position where the lookup's parameters for ``value`` and for ``other`` sit in the
    two compiled statements and cover every changed position."""
    if not changed:
        return None
    mine, theirs = parameter.params(value, connection), parameter.params(other, connection)
    if mine is None or theirs is None:
        return None
    length = len(mine)
    starts = [
        start
        for start in range(max(0, changed[-1] - length + 1), changed[0] + 1)
        if list(params[start : start + length]) == mine and list(other_params[start : start + length]) == theirs
    ]
    return starts[0] if len(starts) == 1 else None


def _overlap(parameters: list[Parameter]) -> bool:
    spans = sorted((p.start, p.start + p.length) for p in parameters)
    return any(end > next_start for (_s, end), (next_start, _e) in zip(spans, spans[1:], strict=False))
