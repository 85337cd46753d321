"""Compiled statements (``statements.Selection``): the rows of every shape equal the ORM's for every user,
grant, filter, ordering and page; a shape is compiled once and reused with each read's own values; values
that would need other SQL, and conditions that cannot be cached, are read through the ORM."""

import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import F, Q

from jiguan.core import statements
from jiguan.core.models import Person
from jiguan.core.models.org import PersonStatus
from jiguan.core.scoping import NOTHING, Grant, Scope, scope_q, scope_spec
from jiguan.core.statements import Selection
from jiguan.core.testing import make_account, make_department, make_person, make_unit

pytestmark = pytest.mark.django_db

FIELDS = ("id", "name", "status", "unit_id", "unit__name", "department__name", "rank__name", "created_at")
ORDERINGS = (("org_path", "id"), ("name", "id"), ("-created_at", "-id"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    statements.clear()
    yield
    statements.clear()


@pytest.fixture
def org():
    """南昌市 (3601): a bureau, 财政局 with a department and a sub-unit, 东湖区 (360102); 九江市 (3604) apart.
    Names share prefixes and carry LIKE's wildcards, so prefix search must escape them."""
    units = {
        "bureau": make_unit("360100", "南昌市机关事务管理局", is_bureau=True),
        "finance": make_unit("360100", "南昌市财政局"),
        "donghu": make_unit("360102", "南昌市东湖区财政局"),
        "jiujiang": make_unit("360400", "九江市财政局"),
    }
    units["finance_sub"] = make_unit("360100", "南昌市财政局国库支付中心", parent=units["finance"])
    units["finance_office"] = make_department(units["finance"])
    names = ("张三", "张三丰", "张%", "张_", "李四", "王五", "赵六", "钱七")
    for n, name in enumerate(names * 2):
        unit = units[("finance", "finance_sub", "donghu", "jiujiang")[n % 4]]
        department = units["finance_office"] if unit == units["finance"] and n % 3 else None
        status = PersonStatus.RETIRED if n % 5 == 0 else PersonStatus.ACTIVE
        make_person(unit, name=name, rank="bureau_deputy" if n % 2 else None, department=department, status=status)
    return units


def orm_rows(selection: Selection, ordering, start, stop) -> list[dict]:
    return list(selection.queryset().order_by(*ordering)[start:stop])


def grant_conditions(org) -> dict[str, Q]:
    """The scope condition of each kind of grant, as ``scope_q`` builds it."""
    spec = scope_spec(Person)
    region_admin = make_account(roles=("region_bureau_admin",), unit=org["bureau"])
    unit_admin = make_account(roles=("unit_admin",), unit=org["finance"])
    staff = make_account(roles=("staff",), unit=org["finance"])
    finance, donghu = org["finance"], org["donghu"]
    nobody = SimpleNamespace(pk=0, person_id=None)
    return {
        "region": scope_q(Person, region_admin, "core.view_people"),
        "unit tree": scope_q(Person, unit_admin, "core.view_people"),
        "self": scope_q(Person, staff, "core.use_service"),
        "all": Q(),
        "own unit": Grant(Scope.UNIT, unit_id=finance.pk, unit_path=finance.org_path).q(spec, nobody),
        "custom": Grant(Scope.CUSTOM, custom_paths=(finance.org_path, donghu.org_path)).q(spec, nobody),
        "two grants": Grant(Scope.REGION, region_key="360102").q(spec, nobody)
        | Grant(Scope.UNIT_TREE, unit_path=finance.org_path).q(spec, nobody),
    }


def filter_conditions(org) -> dict[str, Q]:
    return {
        "none": Q(),
        "unit": Q(unit_id=org["finance"].pk),
        "department": Q(department_id=org["finance_office"].pk),
        "status": Q(status=PersonStatus.RETIRED),
        "prefix": Q(name__startswith="张三"),
        "wildcard prefix": Q(name__startswith="张%"),
        "underscore prefix": Q(name__startswith="张_"),
        "no rank": Q(rank__isnull=True),
        "not unit": ~Q(unit_id=org["donghu"].pk),
        "unit and prefix": Q(unit_id=org["finance_sub"].pk, name__startswith="李"),
    }


def test_every_grant_filter_ordering_and_page_reads_what_the_orm_reads(org):
    scopes, filters = grant_conditions(org), filter_conditions(org)
    checked = 0
    for scope_name, scope in scopes.items():
        for filter_name, condition in filters.items():
            selection = Selection(Person, scope & condition, FIELDS)
            for ordering in ORDERINGS:
                for start, stop in ((0, 3), (3, 6), (0, 100), (40, 60)):
                    expected = orm_rows(selection, ordering, start, stop)
                    assert selection.rows(ordering, start, stop) == expected, (scope_name, filter_name, ordering, start)
                    checked += 1
    assert checked == len(scopes) * len(filters) * len(ORDERINGS) * 4
    # ...and every one of these shapes was read from its compiled statement, not through the ORM
    assert all(isinstance(s, statements.Statement) for s in statements._statements.values())
    assert any(orm_rows(Selection(Person, s, FIELDS), ("id",), 0, 100) for s in scopes.values())


def test_a_shape_is_compiled_once_and_each_read_binds_its_own_values(org, monkeypatch):
    compiled = []
    real_compile = statements._compile
    monkeypatch.setattr(statements, "_compile", lambda *args: compiled.append(args) or real_compile(*args))
    by_unit = {}
    for key in ("finance", "donghu", "jiujiang", "finance_sub"):
        selection = Selection(Person, Q(org_path__under=org[key].org_path[:4]) & Q(unit_id=org[key].pk), FIELDS)
        by_unit[key] = selection.rows(("id",), 0, 100)
        assert by_unit[key] == orm_rows(selection, ("id",), 0, 100)
        assert {row["unit_id"] for row in by_unit[key]} == {org[key].pk}
    assert len(compiled) == 1  # four units, one shape


def test_each_user_gets_their_own_scope_from_a_shared_statement(org):
    """Two region administrators share the shape; neither sees the other's region."""
    nanchang = make_account(roles=("region_bureau_admin",), unit=org["bureau"])
    jiujiang = make_account(roles=("region_bureau_admin",), unit=make_unit("360400", "九江市机关事务管理局",
                                                                          is_bureau=True))
    seen = {}
    for name, admin in (("nanchang", nanchang), ("jiujiang", jiujiang), ("nanchang again", nanchang)):
        rows = Selection(Person, scope_q(Person, admin, "core.view_people"), FIELDS).rows(("id",), 0, 100)
        seen[name] = {row["id"] for row in rows}
    assert len(statements._statements) == 1
    assert seen["nanchang"] == set(Person.objects.filter(org_path__startswith="3601").values_list("id", flat=True))
    assert seen["jiujiang"] == set(Person.objects.filter(org_path__startswith="3604").values_list("id", flat=True))
    assert seen["nanchang again"] == seen["nanchang"] and not seen["nanchang"] & seen["jiujiang"]


def test_shapes_differ_by_ordering_fields_lookups_and_constants(org):
    unit = org["finance"].pk
    reads = [
        (Q(unit_id=unit), FIELDS, ("id",)),
        (Q(unit_id=unit), FIELDS, ("-id",)),
        (Q(unit_id=unit), ("id", "name"), ("id",)),
        (Q(unit_id__gte=unit), FIELDS, ("id",)),
        (Q(unit_id=unit, rank__isnull=True), FIELDS, ("id",)),
        (Q(unit_id=unit, rank__isnull=False), FIELDS, ("id",)),
        (Q(unit_id=unit, status=PersonStatus.ACTIVE), FIELDS, ("id",)),
        (Q(unit_id=unit, status=PersonStatus.RETIRED), FIELDS, ("id",)),
        (Q(unit_id=unit) | Q(department_id=unit), FIELDS, ("id",)),
    ]
    for where, fields, ordering in reads:
        selection = Selection(Person, where, fields)
        assert selection.rows(ordering, 0, 100) == orm_rows(selection, ordering, 0, 100)
    assert len(statements._statements) == len(reads)


def test_a_value_needing_other_sql_is_read_through_the_orm(org, django_assert_num_queries):
    someone = Person.objects.first()
    assert Selection(Person, Q(id=someone.pk), FIELDS).rows(("id",), 0, 100)[0]["id"] == someone.pk
    beyond_the_column = Selection(Person, Q(id=2**70), FIELDS)  # the ORM answers "no rows" without SQL
    with django_assert_num_queries(0):
        assert beyond_the_column.rows(("id",), 0, 100) == [] == orm_rows(beyond_the_column, ("id",), 0, 100)
    assert len(statements._statements) == 1  # the shape stays cached for ordinary values
    with pytest.raises(ValueError):  # as the ORM itself raises
        Selection(Person, Q(unit_id="x"), FIELDS).rows(("id",), 0, 100)


def test_conditions_with_expressions_or_lists_are_read_correctly(org):
    ids = list(Person.objects.order_by("id").values_list("id", flat=True)[:3])
    for where in (Q(id=F("id")), Q(id__in=ids), Q(id__in=ids[:1]), Q(name__in={"张三", "李四"})):
        selection = Selection(Person, where, FIELDS)
        assert selection.rows(("id",), 0, 100) == orm_rows(selection, ("id",), 0, 100)
        assert selection.rows(("id",), 0, 100)


def test_a_scope_without_grants_reads_nothing_without_a_query(org, django_assert_num_queries):
    staff = make_account(roles=("staff",), unit=org["finance"])
    assert scope_q(Person, staff, "core.view_people") is NOTHING
    selection = Selection(Person, NOTHING, FIELDS)
    with django_assert_num_queries(0):
        assert selection.rows(("id",), 0, 20) == [] and selection.rows(("id",), 0, 20) == []


def test_a_cached_read_is_one_query_and_reads_fresh_rows(org, django_assert_num_queries):
    selection = Selection(Person, Q(unit_id=org["finance"].pk), FIELDS)
    first = selection.rows(("id",), 0, 100)
    Person.objects.filter(pk=first[0]["id"]).update(name="改名")
    with django_assert_num_queries(1):
        again = selection.rows(("id",), 0, 100)
    assert again[0]["name"] == "改名"  # never cached rows: another request's change shows at once


@pytest.mark.django_db(transaction=True)
def test_threads_sharing_a_shape_each_read_their_own_rows(org):
    """As under a threaded server: reads of one shape race to compile it and then run it side by side."""
    units = [org[key] for key in ("finance", "finance_sub", "donghu", "jiujiang")]
    expected = {u.pk: set(Person.objects.filter(unit=u).values_list("id", flat=True)) for u in units}
    failures = []

    def read(unit):
        try:
            for _ in range(20):
                rows = Selection(Person, Q(unit_id=unit.pk), FIELDS).rows(("id",), 0, 100)
                if {row["id"] for row in rows} != expected[unit.pk]:
                    failures.append(unit.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(unit,)) for unit in units * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and all(expected.values())
    assert len(statements._statements) == 1
