"""Account services: accounts, roles, and the rules of granting (within reach, 三员分立)."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Account, Notification, Role, RoleAssignment
from jiguan.core.scoping import Scope, has_permission
from jiguan.core.services import accounts
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, make_person, run_at_once

from .services_world import build_world, fresh, make_role

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Jiguan#2027x"


@pytest.fixture
def w():
    return build_world()


def role(code):
    return Role.objects.get(code=code)


# --- accounts -----------------------------------------------------------------------------------


def test_unit_admin_opens_an_account_for_a_person_in_their_unit(w):
    person = make_person(w.finance, name="陈静")
    account = accounts.create_account(w.fin_admin, username="chenjing", password=GOOD_PASSWORD, person_id=person.pk)
    account.refresh_from_db()
    assert account.unit == w.finance and account.display_name == "陈静"
    assert account.must_change_password and account.check_password(GOOD_PASSWORD)


def test_username_rules(w):
    before = Account.objects.count()
    for username, fragment in (("ab", "3至40位"), ("王五", "3至40位"), ("a b c", "3至40位"), ("STAFF", "已被使用")):
        with pytest.raises(ValidationFailed) as excinfo:
            accounts.create_account(w.sysadmin, username=username, password=GOOD_PASSWORD)
        assert fragment in excinfo.value.errors["username"][0], username
    assert Account.objects.count() == before


def test_password_goes_through_the_configured_validators(w):
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.create_account(w.sysadmin, username="weakling", password="abcdefgh")
    messages = " ".join(excinfo.value.errors["password"])
    assert "三类" in messages  # complexity: at least three kinds of characters
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.create_account(w.sysadmin, username="weakling", password="")
    assert excinfo.value.errors["password"] == ["请填写密码。"]


def test_person_must_be_in_scope_in_post_and_without_an_account(w):
    cases = {
        make_person(w.jiujiang).pk: "不在您的管理范围内",
        make_person(w.finance, status="retired").pk: "不在职",
        w.staff.person_id: "已有账号",
    }
    for person_id, fragment in cases.items():
        with pytest.raises(ValidationFailed) as excinfo:
            accounts.create_account(w.fin_admin, username=f"p{person_id}", password=GOOD_PASSWORD,
                                    person_id=person_id)
        assert fragment in excinfo.value.errors["person_id"][0]


def test_only_all_scope_administrators_open_accounts_without_a_unit(w):
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.create_account(w.nc_admin, username="floating", password=GOOD_PASSWORD)
    assert "unit_id" in excinfo.value.errors
    assert accounts.create_account(w.sysadmin, username="floating", password=GOOD_PASSWORD).unit is None
    with pytest.raises(NotAllowed):
        accounts.create_account(w.staff, username="another", password=GOOD_PASSWORD)


def test_disable_and_enable(w):
    target = make_account(roles=("staff",), unit=w.finance)
    accounts.set_account_active(w.fin_admin, target.pk, False)
    assert not Account.objects.get(pk=target.pk).is_active
    assert [e.action for e in timeline(target)] == ["disable"]
    with pytest.raises(StateError):
        accounts.set_account_active(w.fin_admin, target.pk, False)
    with pytest.raises(NotAllowed):
        accounts.set_account_active(w.fin_admin, w.fin_admin.pk, False)
    with pytest.raises(Http404):
        accounts.set_account_active(w.fin_admin, w.jj_staff.pk, False)


def test_an_account_holding_more_than_you_is_out_of_your_hands(w):
    # A 南昌 account that administers the whole province: the 南昌 admin could take it over by a reset.
    strong = make_account(roles=("region_bureau_admin",), unit=w.finance, anchor=w.province_bureau)
    with pytest.raises(NotAllowed):
        accounts.reset_password(w.nc_admin, strong.pk, GOOD_PASSWORD)
    with pytest.raises(NotAllowed):
        accounts.set_account_active(w.sysadmin, w.secadmin.pk, False)  # another administrator kind
    assert Account.objects.get(pk=w.secadmin.pk).is_active


def test_reset_password(w):
    accounts.reset_password(w.fin_admin, w.staff.pk, GOOD_PASSWORD)
    staff = Account.objects.get(pk=w.staff.pk)
    assert staff.check_password(GOOD_PASSWORD) and staff.must_change_password
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.reset_password(w.fin_admin, w.staff.pk, "short")
    assert "new_password" in excinfo.value.errors
    with pytest.raises(NotAllowed):
        accounts.reset_password(w.fin_admin, w.fin_admin.pk, GOOD_PASSWORD)


def test_unlock_is_for_role_administrators(w):
    Account.objects.filter(pk=w.staff.pk).update(failed_logins=5, locked_until=timezone.now() + timedelta(minutes=30))
    with pytest.raises(NotAllowed):
        accounts.unlock_account(w.fin_admin, w.staff.pk)
    accounts.unlock_account(w.secadmin, w.staff.pk)
    staff = Account.objects.get(pk=w.staff.pk)
    assert staff.failed_logins == 0 and staff.locked_until is None and not staff.is_locked()
    with pytest.raises(StateError):
        accounts.unlock_account(w.secadmin, w.staff.pk)


def _token_for(account):
    from jiguan.core.models import ApiToken

    return ApiToken.objects.create(
        account=account, prefix="jg_test", digest=f"{account.pk:064d}", expires_at=timezone.now() + timedelta(days=1)
    )


def test_reset_password_ends_the_app_sign_ins(w):
    token = _token_for(w.staff)
    accounts.reset_password(w.fin_admin, w.staff.pk, GOOD_PASSWORD)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_security_admin_resets_a_lost_second_factor(w):
    Account.objects.filter(pk=w.staff.pk).update(
        totp_secret="JBSWY3DPEHPK3PXP", totp_confirmed_at=timezone.now(), totp_last_step=7
    )
    token = _token_for(w.staff)
    for refused_by, error in ((w.sysadmin, NotAllowed), (w.fin_admin, NotAllowed)):
        with pytest.raises(error):
            accounts.reset_second_factor(refused_by, w.staff.pk)
    assert Account.objects.get(pk=w.staff.pk).totp_confirmed_at is not None  # refusals changed nothing
    accounts.reset_second_factor(w.secadmin, w.staff.pk)
    staff = Account.objects.get(pk=w.staff.pk)
    assert (staff.totp_secret, staff.totp_confirmed_at, staff.totp_last_step) == ("", None, 0)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert [e.action for e in timeline(staff)][-1] == "reset_second_factor"
    with pytest.raises(StateError):
        accounts.reset_second_factor(w.secadmin, w.staff.pk)
    with pytest.raises(NotAllowed):
        accounts.reset_second_factor(w.secadmin, w.secadmin.pk)


# --- granting -----------------------------------------------------------------------------------


def test_region_admin_grants_within_their_region(w):
    assignment = accounts.grant_role(w.nc_admin, account_id=w.staff.pk, role_id=role("unit_admin").pk,
                                     unit_id=w.finance.pk)
    assert assignment.granted_by == w.nc_admin and assignment.org_path == w.finance.org_path
    assert [e.action for e in timeline(w.staff)] == ["grant_role"]
    assert Notification.objects.filter(recipient=w.staff, category="security").exists()
    assert has_permission(fresh(w.staff), "core.manage_accounts")


def test_anchor_and_account_must_be_in_scope(w):
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.grant_role(w.nc_admin, account_id=w.staff.pk, role_id=role("unit_admin").pk, unit_id=w.jiujiang.pk)
    assert "unit_id" in excinfo.value.errors
    with pytest.raises(Http404):
        accounts.grant_role(w.nc_admin, account_id=w.jj_staff.pk, role_id=role("unit_admin").pk)
    assert not RoleAssignment.objects.filter(role__code="unit_admin", account__in=[w.staff, w.jj_staff]).exists()


def test_no_permission_you_do_not_hold_and_no_broader_scope(w):
    auditish = make_role("nc_audit", ["core.view_audit"], Scope.UNIT_TREE, owner_unit=w.nc_bureau)
    with pytest.raises(NotAllowed):
        accounts.grant_role(w.nc_admin, account_id=w.staff.pk, role_id=auditish.pk)
    province_wide = make_role("nc_all", ["core.view_units"], Scope.ALL, owner_unit=w.nc_bureau)
    with pytest.raises(NotAllowed):
        accounts.grant_role(w.nc_admin, account_id=w.staff.pk, role_id=province_wide.pk)
    # a region-wide role anchored at the province bureau would reach all of Jiangxi
    with pytest.raises(ValidationFailed):
        accounts.grant_role(w.nc_admin, account_id=w.staff.pk, role_id=role("region_bureau_admin").pk,
                            unit_id=w.province_bureau.pk)
    fin_only = make_role("fin_view", ["core.view_units"], Scope.UNIT_TREE)
    with pytest.raises(NotAllowed):  # unit_admin has no core.manage_roles at all
        accounts.grant_role(w.fin_admin, account_id=w.staff.pk, role_id=fin_only.pk)


def test_cannot_grant_to_yourself(w):
    with pytest.raises(NotAllowed):
        accounts.grant_role(w.nc_admin, account_id=w.nc_admin.pk, role_id=role("unit_admin").pk)


def test_administrator_roles_only_from_the_security_administrator(w):
    with pytest.raises(NotAllowed):
        accounts.grant_role(w.nc_admin, account_id=w.staff.pk, role_id=role("audit_admin").pk)
    accounts.grant_role(w.secadmin, account_id=w.staff.pk, role_id=role("audit_admin").pk)
    with pytest.raises(ValidationFailed) as excinfo:  # 三员分立
        accounts.grant_role(w.secadmin, account_id=w.staff.pk, role_id=role("system_admin").pk)
    assert "三员分立" in excinfo.value.errors["role_id"][0]
    with pytest.raises(ValidationFailed):
        accounts.grant_role(w.secadmin, account_id=w.staff.pk, role_id=role("audit_admin").pk)  # already held


def test_scoped_role_for_an_account_without_unit_needs_an_anchor(w):
    floating = make_account(roles=())
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.grant_role(w.secadmin, account_id=floating.pk, role_id=role("unit_admin").pk)
    assert "unit_id" in excinfo.value.errors


def test_revoke(w):
    assignment = w.staff.assignments.get()
    with pytest.raises(NotAllowed):
        accounts.revoke_role(w.nc_admin, w.nc_admin.assignments.get().pk)
    accounts.revoke_role(w.nc_admin, assignment.pk)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert [e.action for e in timeline(w.staff)] == ["revoke_role"]
    with pytest.raises(Http404):
        accounts.revoke_role(w.nc_admin, w.jj_staff.assignments.get().pk)
    with pytest.raises(Http404):  # the security administrator's grant is anchored nowhere in 南昌
        accounts.revoke_role(w.nc_admin, w.secadmin.assignments.get().pk)
    with pytest.raises(NotAllowed):  # the system administrator does not manage roles
        accounts.revoke_role(w.sysadmin, w.jj_staff.assignments.get().pk)


# --- roles --------------------------------------------------------------------------------------


def test_region_admin_defines_a_role_for_their_units(w):
    made = accounts.save_role(w.nc_admin, code="nc-clerk", name="南昌办事员", permissions=["core.view_units"],
                              scope=Scope.UNIT_TREE)
    assert made.owner_unit == w.nc_bureau and made.org_path == w.nc_bureau.org_path
    assert made in accounts.visible_roles(w.nc_admin)
    assert role("staff") in accounts.visible_roles(w.nc_admin)
    assert made not in accounts.visible_roles(w.jj_admin)
    edited = accounts.save_role(w.nc_admin, role_id=made.pk, code="nc-clerk", name="南昌文书",
                                permissions=["core.view_units", "core.view_people"], scope=Scope.UNIT)
    assert edited.name == "南昌文书" and edited.scope == Scope.UNIT
    with pytest.raises(Http404):
        accounts.save_role(w.jj_admin, role_id=made.pk, code="nc-clerk", name="x", permissions=["core.view_units"],
                           scope=Scope.UNIT)


def test_role_limits_for_delegated_administrators(w):
    with pytest.raises(NotAllowed):
        accounts.save_role(w.nc_admin, code="auditors", name="审计", permissions=["core.view_audit"], scope="unit")
    with pytest.raises(NotAllowed):
        accounts.save_role(w.nc_admin, code="everyone", name="全省", permissions=["core.view_units"], scope="all")
    with pytest.raises(NotAllowed):
        accounts.save_role(w.nc_admin, role_id=role("staff").pk, code="staff", name="职工",
                           permissions=["core.use_service"], scope="self")
    assert not Role.objects.filter(code__in=["auditors", "everyone"]).exists()


def test_role_input_checks(w):
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.save_role(w.nc_admin, code="bad code!", name="", permissions=["core.fly"], scope="galaxy")
    assert set(excinfo.value.errors) == {"code", "name", "permissions", "scope"}
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.save_role(w.nc_admin, code="staff", name="重复", permissions=[], scope="unit")
    assert "已被使用" in excinfo.value.errors["code"][0] and "permissions" in excinfo.value.errors
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.save_role(w.nc_admin, code="picked", name="指定单位", permissions=["core.view_units"],
                           scope="custom", custom_unit_ids=[w.finance.pk, w.jiujiang.pk])
    assert "custom_unit_ids" in excinfo.value.errors


def test_security_admin_edits_built_in_roles_but_not_their_codes(w):
    staff_role = role("staff")
    accounts.save_role(w.secadmin, role_id=staff_role.pk, code="staff", name="普通职工",
                       permissions=["core.use_service", "core.view_events"], scope="self")
    assert role("staff").permissions == ["core.use_service", "core.view_events"]
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.save_role(w.secadmin, role_id=staff_role.pk, code="worker", name="职工",
                           permissions=["core.use_service"], scope="self")
    assert "code" in excinfo.value.errors


@pytest.mark.django_db(transaction=True)
def test_two_administrator_roles_granted_at_once_only_one_lands():
    world = build_world()
    other_secadmin = make_account(roles=("security_admin",))

    results = run_at_once(
        lambda: accounts.grant_role(world.secadmin, account_id=world.staff.pk, role_id=role("audit_admin").pk),
        lambda: accounts.grant_role(other_secadmin, account_id=world.staff.pk, role_id=role("system_admin").pk),
    )

    assert sum(isinstance(r, RoleAssignment) for r in results) == 1, results
    assert sum(isinstance(r, ValidationFailed) for r in results) == 1, results
    kinds = RoleAssignment.objects.filter(account=world.staff).exclude(role__admin_kind="")
    assert kinds.count() == 1
