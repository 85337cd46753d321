"""Accounts, roles and grants.

An administrator confers only what they hold, inside their own scope, never broader than it; the three
administrator roles (system, security, audit; 等保2.0 三员分立) are granted only by the platform-wide
security administrator and never meet in one account.
"""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .. import notify
from ..errors import NotAllowed, StateError, ValidationFailed
from ..models import Account, OrgUnit, Person, Role, RoleAssignment
from ..models.accounts import AdminKind
from ..models.org import PersonStatus, UnitKind
from ..registry import registry
from ..scoping import SCOPE_BREADTH, Scope, grants_for, has_permission, path_in_scope, scoped
from ..statemachine import record
from .auth import revoke_all_tokens
from .base import get_in_scope, require
from .common import use_case
from .inputs import Errors, choice, find, ids, text, unique

MANAGE_ACCOUNTS = "core.manage_accounts"
MANAGE_ROLES = "core.manage_roles"
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,40}$")


# --- Accounts -----------------------------------------------------------------------------------


@use_case
def create_account(user, *, username, password, person_id=None, unit_id=None, display_name="") -> Account:
    """A new login for a person (or, for platform administrators, for no person); the first password must
    be changed at first login."""
    require(user, MANAGE_ACCOUNTS)
    errors = Errors()
    account = Account(
        username=_username(errors, username),
        display_name=text(errors, "display_name", display_name, label=_("display name"), max_length=50,
                          required=False),
    )
    _set_owner(user, account, person_id, unit_id, errors)
    _check_password(errors, password, account)
    errors.raise_if_any()
    account.display_name = account.display_name or (account.person.name if account.person_id else "")
    account.set_password(password)
    account.must_change_password = True
    with unique("username", _username_taken(account.username)):
        account.save()
    return account


@use_case
def set_account_active(user, account_id, active: bool) -> Account:
    account = _manageable_account(user, account_id)
    active = bool(active)
    if account.is_active == active:
        raise StateError(_("The account is already enabled.") if active else _("The account is already disabled."))
    account.is_active = active
    account.save(update_fields=["is_active"])
    record(account, "enable" if active else "disable", actor=user)
    return account


@use_case
def reset_password(user, account_id, new_password) -> Account:
    """Set a new password chosen by an administrator; the owner must change it at next login."""
    account = _manageable_account(user, account_id)
    errors = Errors()
    _check_password(errors, new_password, account, field="new_password")
    errors.raise_if_any()
    account.set_password(new_password)
    account.must_change_password = True
    account.save(update_fields=["password", "password_changed_at", "must_change_password"])
    revoke_all_tokens(account)
    record(account, "reset_password", actor=user)
    return account


@use_case
def reset_second_factor(user, account_id) -> Account:
    """The owner lost the authenticator: the security administrator clears it, and the owner enrols
    again at the next sign-in. Its app tokens end too (they may be on the lost phone)."""
    require(user, MANAGE_ROLES)
    account = _manageable_account(user, account_id, permission=MANAGE_ROLES)
    if not account.totp_confirmed_at and not account.totp_secret:
        raise StateError(_("This account has no second factor set up."))
    account.totp_secret, account.totp_confirmed_at, account.totp_last_step = "", None, 0
    account.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    revoke_all_tokens(account)
    record(account, "reset_second_factor", actor=user)
    return account


@use_case
def unlock_account(user, account_id) -> Account:
    account = get_in_scope(Account, user, MANAGE_ROLES, account_id, lock=True)
    if not account.is_locked() and not account.failed_logins:
        raise StateError(_("The account is not locked."))
    account.failed_logins = 0
    account.locked_until = None
    account.save(update_fields=["failed_logins", "locked_until"])
    record(account, "unlock", actor=user)
    return account


def _username(errors: Errors, value) -> str:
    username = "" if value is None else str(value).strip()
    if not USERNAME_PATTERN.match(username):
        errors.add("username", _("The username must be 3–40 characters: letters, digits, “.”, “_” or “-”."))
    elif Account.objects.filter(username__iexact=username).exists():
        errors.add("username", _username_taken(username))
    return username


def _username_taken(username: str) -> str:
    return _("The username “%(name)s” is already taken.") % {"name": username}


def _set_owner(user, account: Account, person_id, unit_id, errors: Errors) -> None:
    """The person the account belongs to (and so its unit), or a unit alone, inside the user's scope."""
    if person_id not in (None, ""):
        person = find(scoped(Person.objects.select_related("unit"), user, MANAGE_ACCOUNTS), person_id)
        if person is None:
            errors.add("person_id", _("The selected person does not exist or is outside your data scope."))
        elif person.status != PersonStatus.ACTIVE:
            errors.add("person_id", _("The selected person is no longer in post."))
        elif Account.objects.filter(person=person).exists():
            errors.add("person_id", _("The selected person already has an account."))
        elif unit_id not in (None, "") and str(unit_id) != str(person.unit_id):
            errors.add("unit_id", _("The account's unit must be the person's own unit."))
        else:
            account.person, account.unit = person, person.unit
    elif unit_id not in (None, ""):
        unit = find(scoped(OrgUnit.objects.filter(kind=UnitKind.UNIT), user, MANAGE_ACCOUNTS), unit_id)
        if unit is None:
            errors.add("unit_id", _("The selected unit does not exist or is outside your data scope."))
        elif not unit.active:
            errors.add("unit_id", _("The selected unit is deactivated."))
        else:
            account.unit = unit
    elif not path_in_scope(user, MANAGE_ACCOUNTS, ""):
        errors.add("unit_id", _("Please choose the unit of the account."))


def _check_password(errors: Errors, password, account: Account, field: str = "password") -> None:
    if not password:
        errors.add(field, _("Please fill in %(field)s.") % {"field": _("password")})
        return
    try:
        validate_password(password, user=account)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add(field, message)


def _manageable_account(user, account_id, permission: str = MANAGE_ACCOUNTS) -> Account:
    """An account the user may disable or reset: in scope, not their own, and holding no role beyond
    the user's reach (else resetting its password would hand the user that role)."""
    account = get_in_scope(Account, user, permission, account_id, lock=True)
    if account.pk == user.pk:
        raise NotAllowed(_("You cannot do this to your own account; use “change password” for your password."))
    if account.is_superuser and not user.is_superuser:
        raise NotAllowed(_("Only a superuser can manage a superuser account."))
    kinds = _admin_kinds(user)
    for assignment in account.assignments.select_related("role", "unit__region", "unit__unit"):
        role = assignment.role
        if role.admin_kind and role.admin_kind not in kinds:
            raise NotAllowed(
                _("This account holds the role “%(role)s”; only an administrator of the same kind may manage it.")
                % {"role": role.name}
            )
        if not _reaches(user, permission, role, assignment.unit):
            raise NotAllowed(
                _("This account holds the role “%(role)s” beyond your own data scope.") % {"role": role.name}
            )
    return account


# --- Roles and grants ---------------------------------------------------------------------------


def visible_roles(user, permission: str = MANAGE_ROLES) -> QuerySet:
    """Roles an administrator may see and use through ``permission`` (grant them, make them approvers):
    the platform's own roles and those defined by units in scope."""
    if not has_permission(user, permission):
        return Role.objects.none()
    in_scope = scoped(Role.objects.all(), user, permission).values("pk")
    return Role.objects.filter(Q(org_path="") | Q(pk__in=in_scope))


def is_chief_security_admin(user) -> bool:
    """The platform-wide security administrator: holds the security role with an all-data scope."""
    if user.is_superuser:
        return True
    return any(
        a.role.admin_kind == AdminKind.SECURITY and a.role.scope == Scope.ALL and MANAGE_ROLES in a.role.permissions
        for a in RoleAssignment.objects.filter(account=user).select_related("role")
    )


@use_case
def save_role(
    user, *, role_id=None, code, name, description="", permissions, scope, custom_unit_ids=()
) -> Role:
    require(user, MANAGE_ROLES)
    chief = is_chief_security_admin(user)
    role = Role() if role_id in (None, "") else _role_to_edit(user, role_id, chief)
    errors = Errors()
    _set_role_fields(role, errors, code=code, name=name, description=description, permissions=permissions,
                     scope=scope)
    units = _custom_units(user, role, errors, custom_unit_ids)
    errors.raise_if_any()
    if not chief:
        _check_role_within_reach(user, role, units)
    if role.pk is None and not path_in_scope(user, MANAGE_ROLES, ""):
        role.owner_unit = user.unit  # a unit's own role, visible to the administrators above it
    with unique("code", _role_code_taken(role.code)):
        role.save()
    role.custom_units.set(units)
    return role


def _role_to_edit(user, role_id, chief: bool) -> Role:
    role = find(visible_roles(user).select_for_update(), role_id)
    if role is None:
        raise Http404(_("Not found."))
    if role.builtin and not chief:
        raise NotAllowed(_("Built-in roles can only be changed by the security administrator."))
    if not role.org_path and not path_in_scope(user, MANAGE_ROLES, ""):
        raise NotAllowed(_("Platform roles can only be changed by administrators whose data scope is all data."))
    return role


def _set_role_fields(role: Role, errors: Errors, *, code, name, description, permissions, scope) -> None:
    code = text(errors, "code", code, label=_("role code"), max_length=40)
    if code and "code" not in errors:
        errors.check("code", validate_slug, code)
    if role.builtin and code != role.code:
        errors.add("code", _("The code of a built-in role cannot be changed."))
    elif Role.objects.filter(code=code).exclude(pk=role.pk).exists():
        errors.add("code", _role_code_taken(code))
    role.code = code
    role.name = text(errors, "name", name, label=_("role name"), max_length=50)
    role.description = text(errors, "description", description, label=_("role description"), max_length=200,
                            required=False)
    role.scope = choice(errors, "scope", scope, label=_("data scope"), choices=Scope)
    role.permissions = _permissions(errors, permissions)


def _permissions(errors: Errors, values) -> list[str]:
    chosen = sorted({values} if isinstance(values, str) else set(values or ()))
    known = registry.permissions()
    unknown = [p for p in chosen if p not in known]
    if unknown:
        errors.add("permissions", _("Unknown permissions: %(codes)s.") % {"codes": "、".join(map(str, unknown))})
    elif not chosen:
        errors.add("permissions", _("Choose at least one permission."))
    return chosen


def _custom_units(user, role: Role, errors: Errors, unit_ids) -> list[OrgUnit]:
    if role.scope != Scope.CUSTOM:
        return []
    wanted = set(ids(errors, "custom_unit_ids", unit_ids or (), label=_("custom units")))
    if "custom_unit_ids" in errors:
        return []
    units = list(scoped(OrgUnit.objects.filter(pk__in=wanted), user, MANAGE_ROLES))
    if not wanted:
        errors.add("custom_unit_ids", _("A custom data scope needs at least one unit."))
    elif len(units) != len(wanted):
        errors.add("custom_unit_ids", _("Some selected units do not exist or are outside your data scope."))
    return units


def _role_code_taken(code: str) -> str:
    return _("The role code “%(code)s” is already taken.") % {"code": code}


def _check_role_within_reach(user, role: Role, custom_units: list[OrgUnit]) -> None:
    """A delegated administrator defines roles no stronger than their own, also for those already holding it."""
    _require_permissions_held(user, role)
    widest = max(SCOPE_BREADTH[g.scope] for g in grants_for(user, MANAGE_ROLES))
    if SCOPE_BREADTH[role.scope] > widest:
        raise NotAllowed(_("A role's data scope cannot be broader than your own."))
    if role.pk is not None:
        for assignment in role.assignments.select_related("unit__region", "unit__unit"):
            if not _reaches(user, MANAGE_ROLES, role, assignment.unit, custom_units):
                raise NotAllowed(_("This role is held by accounts outside your data scope; you cannot change it."))


@use_case
def grant_role(user, *, account_id, role_id, unit_id=None) -> RoleAssignment:
    """Grant a role to an account, anchored at a unit (default: the account's unit) for its data scope."""
    require(user, MANAGE_ROLES)
    account = get_in_scope(Account, user, MANAGE_ROLES, account_id, lock=True)  # the lock queues grants to it
    if account.pk == user.pk:
        raise NotAllowed(_("You cannot grant roles to yourself."))
    errors = Errors()
    role = find(visible_roles(user), role_id)
    if role is None:
        errors.add("role_id", _("The selected role does not exist or is outside your data scope."))
    anchor = account.unit
    if unit_id not in (None, ""):
        anchor = find(scoped(OrgUnit.objects.select_related("region", "unit"), user, MANAGE_ROLES), unit_id)
        if anchor is None:
            errors.add("unit_id", _("The selected unit does not exist or is outside your data scope."))
    errors.raise_if_any()
    if anchor is None and role.scope not in (Scope.ALL, Scope.SELF, Scope.CUSTOM):
        raise ValidationFailed({"unit_id": [_("Please choose the unit where the role's data scope is anchored.")]})
    _check_can_confer(user, role, anchor)
    _check_separation_of_duties(account, role)
    if RoleAssignment.objects.filter(account=account, role=role, unit=anchor).exists():
        raise ValidationFailed({"role_id": [_("The account already holds this role at this unit.")]})
    assignment = RoleAssignment.objects.create(account=account, role=role, unit=anchor, granted_by=user)
    record(account, "grant_role", actor=user, comment=_describe(assignment))
    notify.send([account], _("You have been granted the role “%(role)s”.") % {"role": role.name},
                body=_describe(assignment), category="security")
    return assignment


@use_case
def revoke_role(user, assignment_id) -> RoleAssignment:
    assignment = get_in_scope(
        RoleAssignment, user, MANAGE_ROLES, assignment_id,
        queryset=RoleAssignment.objects.select_related("role", "unit__region", "unit__unit"),
    )
    account = get_in_scope(Account, user, MANAGE_ROLES, assignment.account_id, lock=True)
    if account.pk == user.pk:
        raise NotAllowed(_("You cannot revoke your own roles."))
    _check_can_confer(user, assignment.role, assignment.unit)
    description = _describe(assignment)
    assignment.delete()
    record(account, "revoke_role", actor=user, comment=description)
    notify.send([account], _("The role “%(role)s” has been revoked.") % {"role": assignment.role.name},
                body=description, category="security")
    return assignment


def _check_can_confer(user, role: Role, anchor: OrgUnit | None) -> None:
    """Rules (a)–(d) of granting: permissions held, anchor and scope within reach, admin roles by the chief."""
    chief = is_chief_security_admin(user)
    if role.admin_kind and not chief:
        raise NotAllowed(
            _("Only the security administrator can grant or revoke the system, security and audit administrator "
              "roles.")
        )
    if chief:
        return
    _require_permissions_held(user, role)
    if not _reaches(user, MANAGE_ROLES, role, anchor):
        raise NotAllowed(_("The role's data scope at that unit would reach beyond your own."))


def _require_permissions_held(user, role: Role) -> None:
    missing = [code for code in role.permissions if not has_permission(user, code)]
    if missing:
        labels = registry.permissions()
        raise NotAllowed(
            _("The role carries permissions you do not hold yourself: %(perms)s.")
            % {"perms": "、".join(str(labels[c].label) if c in labels else c for c in missing)}
        )


def _check_separation_of_duties(account: Account, role: Role) -> None:
    if not role.admin_kind:
        return
    other = (
        account.assignments.exclude(role__admin_kind="").exclude(role__admin_kind=role.admin_kind)
        .select_related("role").first()
    )
    if other is not None:
        raise ValidationFailed({"role_id": [
            _("Separation of duties: this account already holds “%(held)s” and cannot also hold “%(role)s”.")
            % {"held": other.role.name, "role": role.name}
        ]})


def _reaches(user, permission: str, role: Role, anchor: OrgUnit | None, custom_units=None) -> bool:
    """Could the user's own grants for ``permission`` cover everything ``role`` reaches from ``anchor``?

    A grant counts only if its scope is at least as broad (SCOPE_BREADTH) and it covers the place the
    role's scope is measured from.
    """
    need = SCOPE_BREADTH[role.scope]
    strong = [g for g in grants_for(user, permission) if SCOPE_BREADTH[g.scope] >= need]
    places = _reach_paths(role, anchor, custom_units)
    return bool(strong) and all(any(g.covers_path(path) for g in strong) for path in places)


def _reach_paths(role: Role, anchor: OrgUnit | None, custom_units=None) -> list[str]:
    """The org paths a role's data scope is measured from, given its anchor (see ``RoleAssignment.grant``)."""
    match role.scope:
        case Scope.SELF:
            return []
        case Scope.CUSTOM:
            units = custom_units if custom_units is not None else role.custom_units.all()
            return [unit.org_path for unit in units]
        case Scope.REGION if anchor is not None:
            return [f"{anchor.region.key}/"]
        case Scope.UNIT_TREE | Scope.UNIT if anchor is not None:
            return [anchor.agency.org_path]
    return [""]  # all data, or a scope with no anchor (which then reaches everything)


def _admin_kinds(user) -> set[str]:
    if user.is_superuser:
        return {kind for kind, _label in AdminKind.choices if kind}
    held = RoleAssignment.objects.filter(account=user).exclude(role__admin_kind="")
    return set(held.values_list("role__admin_kind", flat=True))


def _describe(assignment: RoleAssignment) -> str:
    if assignment.unit is None:
        return str(assignment.role.name)
    return _("%(role)s at %(unit)s") % {"role": assignment.role.name, "unit": assignment.unit.name}
