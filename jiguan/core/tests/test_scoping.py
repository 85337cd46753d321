"""The data-scope matrix: each scope against objects inside and outside it, union of roles, fail closed."""

import pytest

from jiguan.core.models import Event, Person
from jiguan.core.scoping import Grant, GrantedPrincipal, Scope, ScopeNotDeclared, has_permission, scoped
from jiguan.core.testing import make_account, make_department, make_person, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """南昌市 (3601) with a unit and a sub-unit, 东湖区 (360102) under it, and 九江市 (3604) apart."""
    nanchang = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    finance_sub = make_unit("360100", "南昌市财政局国库支付中心", parent=finance)
    donghu = make_unit("360102", "南昌市东湖区财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    return {
        "bureau": nanchang, "finance": finance, "finance_sub": finance_sub, "donghu": donghu, "jiujiang": jiujiang,
        "people": {k: make_person(u) for k, u in
                   {"finance": finance, "finance_sub": finance_sub, "donghu": donghu, "jiujiang": jiujiang,
                    "finance_dept": make_department(finance)}.items()},
    }


def visible(user, model=Person, perm="core.view_people"):
    return set(scoped(model.objects.all(), user, perm))


def test_region_scope_reaches_region_and_below_only(org):
    admin = make_account(roles=("region_bureau_admin",), unit=org["bureau"])
    seen = visible(admin)
    p = org["people"]
    assert {p["finance"], p["finance_sub"], p["donghu"], p["finance_dept"]} <= seen
    assert p["jiujiang"] not in seen


def test_granted_principal_reaches_its_grants_and_nothing_else(org):
    donghu = org["donghu"]
    kiosk = GrantedPrincipal({"core.view_people": [Grant(Scope.REGION, region_key=donghu.region.key)]})
    assert visible(kiosk) == {org["people"]["donghu"]}
    assert not has_permission(kiosk, "core.view_events")
    assert not visible(kiosk, Event, "core.view_events")


def test_unit_tree_scope_reaches_sub_units_not_siblings(org):
    admin = make_account(roles=("unit_admin",), unit=org["finance"])
    seen = visible(admin)
    p = org["people"]
    assert {p["finance"], p["finance_sub"], p["finance_dept"]} <= seen
    assert p["donghu"] not in seen and p["jiujiang"] not in seen


def test_self_scope_reaches_only_own_person(org):
    staff = make_account(roles=("staff",), unit=org["finance"])
    staff_role = staff.assignments.get().role
    staff_role.permissions = [*staff_role.permissions, "core.view_people"]
    staff_role.save()
    staff = type(staff).objects.get(pk=staff.pk)
    assert visible(staff) == {staff.person}


def test_no_role_granting_the_permission_sees_nothing(org):
    staff = make_account(roles=("staff",), unit=org["finance"])
    assert visible(staff) == set()


def test_roles_combine_by_union(org):
    account = make_account(roles=("unit_admin",), unit=org["finance"])
    from jiguan.core.models import Role, RoleAssignment

    RoleAssignment.objects.create(account=account, role=Role.objects.get(code="unit_admin"), unit=org["donghu"])
    account = type(account).objects.get(pk=account.pk)
    seen = visible(account)
    assert org["people"]["donghu"] in seen and org["people"]["finance"] in seen
    assert org["people"]["jiujiang"] not in seen


def test_all_scope_sees_everything(org):
    admin = make_account(roles=("system_admin",))
    assert len(visible(admin)) == Person.objects.count()


def test_event_visible_to_handling_unit_outside_reporting_scope(org):
    reporter = make_account(roles=("staff",), unit=org["jiujiang"])
    event = Event.objects.create(
        type="core.general", title="漏水", region_id="360400", unit=org["jiujiang"], reporter=reporter,
        assignee_unit=org["finance"],
    )
    handler = make_account(roles=("unit_admin",), unit=org["finance"])
    assert event in visible(handler, Event, "core.view_events")
    other = make_account(roles=("unit_admin",), unit=org["donghu"])
    assert event not in visible(other, Event, "core.view_events")


def test_undeclared_model_fails_closed(org):
    from django.contrib.sessions.models import Session

    admin = make_account(roles=("system_admin",))
    with pytest.raises(ScopeNotDeclared):
        scoped(Session.objects.all(), admin, "core.view_people")


def test_every_model_declares_its_scope():
    from jiguan.core.checks import models_without_scope

    assert models_without_scope() == []
