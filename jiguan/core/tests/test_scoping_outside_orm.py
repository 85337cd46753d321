"""The data scope for tables outside the ORM (the datahub's DuckDB queries): ``Grant.path_condition``
must reach exactly the org paths ``Grant.covers_path`` reaches, for every kind of scope."""

import duckdb
import pytest

from jiguan.core.scoping import Grant, Scope, scope_condition
from jiguan.core.testing import make_account, make_unit

PATHS = ["360000/", "360100/", "360100/11/", "360100/11/d12/", "360100/11/13/", "360100/14/", "360400/15/",
         "360400/15/d16/"]
GRANTS = [
    Grant(Scope.ALL),
    Grant(Scope.REGION, region_key="360100/"),
    Grant(Scope.UNIT_TREE, unit_path="360100/11/"),
    Grant(Scope.UNIT, unit_path="360100/11/"),
    Grant(Scope.CUSTOM, custom_paths=("360100/14/", "360400/")),
    Grant(Scope.CUSTOM, custom_paths=()),
    Grant(Scope.SELF),
]


def reached(sql: str, params: list, paths=PATHS) -> set[str]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (org_path VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[p] for p in paths])
    return {row[0] for row in con.execute(f"SELECT org_path FROM t WHERE {sql}", params).fetchall()}  # noqa: S608


@pytest.mark.parametrize("grant", GRANTS, ids=lambda g: f"{g.scope}-{len(g.custom_paths)}")
def test_sql_condition_reaches_what_covers_path_reaches(grant):
    expected = {p for p in PATHS if grant.covers_path(p)} if grant.scope != Scope.SELF else set()
    assert reached(*grant.path_condition("org_path")) == expected


@pytest.mark.django_db
def test_scope_condition_is_the_union_of_the_grants_and_false_without_one():
    unit = make_unit("360100", "南昌市财政局")
    admin = make_account("fin_admin", roles=("unit_admin",), unit=unit)
    other = make_unit("360100", "南昌市审计局")
    paths = [unit.org_path, f"{unit.org_path}d99/", other.org_path, "360100/"]
    assert reached(*scope_condition(admin, "core.view_people"), paths) == {unit.org_path, f"{unit.org_path}d99/"}
    assert scope_condition(admin, "no.such_permission") == ("FALSE", [])
