"""Data scope: ``scoped(queryset, user, permission)`` is the one filter every list, detail, export and
report goes through.

A user's roles combine by union, and only the roles granting ``permission`` count. Each model says
how its rows are scoped (``data_scope = ScopeSpec(...)``) or that it is public (``data_scope = PUBLIC``);
a model that says neither makes ``scoped()`` raise — fail closed.

Scoped rows carry a materialised org path (``<region key>/<unit id>/<sub-unit id>/``, see
``OrgUnit.org_path``) so "region and below" and "unit and below" are indexed prefix matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import lookups  # noqa: F401  (registers the __under lookup)


class Scope(models.TextChoices):
    ALL = "all", _("All data")
    REGION = "region", _("Region and below")
    UNIT_TREE = "unit_tree", _("Unit and below")
    UNIT = "unit", _("Own unit")
    SELF = "self", _("Self only")
    CUSTOM = "custom", _("Custom set of units")


# How broad each scope is, for "an administrator grants only within their own scope".
SCOPE_BREADTH = {Scope.ALL: 5, Scope.REGION: 4, Scope.UNIT_TREE: 3, Scope.CUSTOM: 3, Scope.UNIT: 2, Scope.SELF: 1}


@dataclass(frozen=True)
class ScopeSpec:
    """Which fields of a model place a row in the org tree and tie it to people.

    paths:    materialised org-path fields (region / unit-and-below / custom scopes)
    units:    FKs to the owning 机关 unit (own-unit scope)
    persons:  FKs to Person owning the row (self scope)
    accounts: FKs to Account owning the row (self scope)
    unit_is_self: the row IS a unit (OrgUnit): its own pk counts as its unit
    """

    paths: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    unit_is_self: bool = False


PUBLIC = "public"


class ScopeNotDeclared(ImproperlyConfigured):
    pass


def scope_spec(model: type[models.Model]) -> ScopeSpec | str:
    spec = getattr(model, "data_scope", None)
    if spec is None:
        raise ScopeNotDeclared(
            f"{model._meta.label} declares no data_scope: declare ScopeSpec(...) or PUBLIC (fail closed)."
        )
    return spec


@dataclass(frozen=True)
class Grant:
    """One role assignment's reach for a permission: the scope and where it is anchored."""

    scope: str
    region_key: str = ""
    unit_id: int | None = None
    unit_path: str = ""
    custom_paths: tuple[str, ...] = ()

    def q(self, spec: ScopeSpec, user) -> Q:
        match self.scope:
            case Scope.ALL:
                return Q()
            case Scope.REGION:
                return _any(Q(**{f"{p}__under": self.region_key}) for p in spec.paths)
            case Scope.UNIT_TREE:
                return _any(Q(**{f"{p}__under": self.unit_path}) for p in spec.paths)
            case Scope.CUSTOM:
                return _any(
                    Q(**{f"{p}__under": path}) for p in spec.paths for path in self.custom_paths
                )
            case Scope.UNIT:
                qs = [Q(**{f"{u}_id": self.unit_id}) for u in spec.units]
                if spec.unit_is_self:
                    qs.append(Q(pk=self.unit_id))
                return _any(qs)
            case Scope.SELF:
                qs = [Q(**{a: user.pk}) for a in spec.accounts]
                if user.person_id:
                    qs += [Q(**{p: user.person_id}) for p in spec.persons]
                return _any(qs)
        raise ValueError(f"unknown scope {self.scope!r}")

    def covers_path(self, path: str) -> bool:
        """Does this grant reach a row at ``path`` (an org path)? Used for write checks and grants."""
        match self.scope:
            case Scope.ALL:
                return True
            case Scope.REGION:
                return path.startswith(self.region_key)
            case Scope.UNIT_TREE:
                return path.startswith(self.unit_path)
            case Scope.CUSTOM:
                return any(path.startswith(p) for p in self.custom_paths)
            case Scope.UNIT:  # the unit itself and its internal departments ("d<id>/" segments)
                return path == self.unit_path or path.startswith(self.unit_path + "d")
        return False

    def path_condition(self, column: str) -> tuple[str, list]:
        """This grant as a DuckDB SQL condition on an org-path ``column`` (with ``?`` parameters), for
        data kept outside the ORM — the datahub's published tables carry each row's org path. The same
        reach as ``covers_path``; a "self" grant reaches no such row (they belong to units, not people)."""
        match self.scope:
            case Scope.ALL:
                return "TRUE", []
            case Scope.REGION:
                return f"starts_with({column}, ?)", [self.region_key]
            case Scope.UNIT_TREE:
                return f"starts_with({column}, ?)", [self.unit_path]
            case Scope.CUSTOM if self.custom_paths:
                return "(" + " OR ".join(f"starts_with({column}, ?)" for _p in self.custom_paths) + ")", [
                    *self.custom_paths]
            case Scope.UNIT:
                return f"({column} = ? OR starts_with({column}, ?))", [self.unit_path, self.unit_path + "d"]
        return "FALSE", []


NOTHING = Q(pk__in=[])


def _any(qs) -> Q:
    qs = list(qs)
    return reduce(or_, qs) if qs else NOTHING


def grants_for(user, permission: str) -> list[Grant]:
    """The user's grants for ``permission`` (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return [Grant(Scope.ALL)]
    cache = user.__dict__.setdefault("_grant_cache", None)
    if cache is None:
        cache = user.__dict__["_grant_cache"] = _load_grants(user)
    return cache.get(permission, [])


class GrantedPrincipal:
    """A reader that is no account — a kiosk screen — holding exactly ``grants`` (permission → grants) and
    nothing else. It reads through ``scoped()`` like a signed-in user, so what it reaches is decided by the
    same rules; its grants sit in the cache ``grants_for`` reads, so none are ever loaded for it."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    pk = None
    person_id = None
    unit_id = None

    def __init__(self, grants: dict[str, list[Grant]]):
        self._grant_cache = {permission: list(held) for permission, held in grants.items()}


def _load_grants(user) -> dict[str, list[Grant]]:
    from . import authcache

    return authcache.remembered(("grants", user.pk), lambda: _read_grants(user))


def _read_grants(user) -> dict[str, list[Grant]]:
    from .models import RoleAssignment

    by_permission: dict[str, list[Grant]] = {}
    assignments = RoleAssignment.objects.filter(account=user).select_related("role", "unit", "unit__region")
    for assignment in assignments:
        grant = assignment.grant()
        for permission in assignment.role.permissions:
            by_permission.setdefault(permission, []).append(grant)
    return by_permission


def held_permissions(user) -> set[str]:
    """Every permission some role of the user grants (in any scope)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    grants_for(user, "")  # fills the per-request cache
    return set(user.__dict__.get("_grant_cache") or {})


def regions_reached(user) -> models.QuerySet | None:
    """The regions of the units some role of the user reaches, whatever the permission, or None when they
    reach everywhere: what a region filter offers them (a unit's administrator has one region, or none)."""
    from .models import OrgUnit, Region

    if getattr(user, "is_superuser", False):
        return None
    held_permissions(user)  # fills the per-request cache
    grants = {grant for held in (user.__dict__.get("_grant_cache") or {}).values() for grant in held}
    if any(grant.scope == Scope.ALL for grant in grants):
        return None
    spec = scope_spec(OrgUnit)
    units = OrgUnit.objects.filter(_any(grant.q(spec, user) for grant in grants))
    return Region.objects.filter(code__in=units.values("region_id"))


def has_permission(user, permission: str) -> bool:
    return bool(grants_for(user, permission))


def scoped(queryset: models.QuerySet, user, permission: str) -> models.QuerySet:
    """Rows of ``queryset`` the user may reach through ``permission``; none if no role grants it."""
    condition = scope_q(queryset.model, user, permission)
    if condition is NOTHING:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset


def scope_q(model: type[models.Model], user, permission: str) -> Q:
    """``scoped()`` as a condition, for reads that are not built as a QuerySet (``statements.Selection``):
    ``Q()`` for every row, ``NOTHING`` without a grant."""
    spec = scope_spec(model)
    grants = grants_for(user, permission)
    if not grants:
        return NOTHING
    if spec == PUBLIC or any(g.scope == Scope.ALL for g in grants):
        return Q()
    return _any(g.q(spec, user) for g in grants)


def scope_condition(user, permission: str, column: str = "org_path") -> tuple[str, list]:
    """``scoped()`` for a DuckDB query: the condition on ``column`` (and its parameters) that keeps the
    rows the user reaches through ``permission`` — the union of the grants; ``FALSE`` without one."""
    grants = grants_for(user, permission)
    if any(g.scope == Scope.ALL for g in grants):
        return "TRUE", []
    parts = [g.path_condition(column) for g in grants]
    if not parts:
        return "FALSE", []
    return "(" + " OR ".join(sql for sql, _params in parts) + ")", [p for _sql, params in parts for p in params]


def can_reach(user, permission: str, obj: models.Model) -> bool:
    """Is this one object inside the user's scope for ``permission``?"""
    return scoped(type(obj)._default_manager.filter(pk=obj.pk), user, permission).exists()


def path_in_scope(user, permission: str, path: str) -> bool:
    return any(g.covers_path(path) for g in grants_for(user, permission))
