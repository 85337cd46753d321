"""What the kernel services share: one transaction per use case with the audit trail attributed to the
acting user, the region chain (nearest first), and who holds a role reaching a place in the org tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from decimal import Decimal
from functools import wraps

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..context import current
from ..models import Account, Region, Role, RoleAssignment
from ..models.org import Level, region_key
from ..scoping import SCOPE_BREADTH, Scope, grants_for

NATIONAL_CODE = "000000"
CENT = Decimal("0.01")


@contextmanager
def attributed_to(actor):
    """Attribute audit records to ``actor`` unless the request (or job) already names someone.

    Services may be called from the shell, a job or a test, where no middleware set the actor; the
    change log must still say who acted.
    """
    ctx = current()
    if ctx.actor is not None or actor is None:
        yield
        return
    ctx.actor = actor
    try:
        yield
    finally:
        ctx.actor = None


def use_case(fn: Callable) -> Callable:
    """A service taking the acting account first: one transaction, audit records attributed to it."""

    @wraps(fn)
    def run(user, *args, **kwargs):
        with transaction.atomic(), attributed_to(user):
            return fn(user, *args, **kwargs)

    return run


def subject_reference(subject) -> tuple[ContentType, str]:
    """How a generic ``subject`` field (content type + id) points at a business object."""
    return ContentType.objects.get_for_model(subject), str(subject.pk)


def own_units_label(region_name: str) -> str:
    """The row of a province's or city's own units beside the rows of the regions below it (南昌市本级)."""
    return _("%(region)s (its own units)") % {"region": region_name}


def region_chain(code: str | None) -> list[str]:
    """GB/T 2260 codes of a region and those above it, nearest first: 360102 → 360102, 360100, 360000, 000000."""
    if not code:
        return [NATIONAL_CODE]
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000", NATIONAL_CODE]))


def key_prefixes(key: str) -> list[str]:
    """Region keys whose "region and below" reaches ``key``: 360102 → "", 36, 3601, 360102."""
    return list(dict.fromkeys(key[:n] for n in (0, 2, 4, 6) if n <= len(key)))


def path_prefixes(path: str) -> list[str]:
    """Org paths of the unit at ``path`` and every unit above it: 3601/12/d45/ → 3601/, 3601/12/, 3601/12/d45/."""
    segments = [s for s in path.split("/") if s]
    return ["/".join(segments[: i + 1]) + "/" for i in range(len(segments))]


def role_holders(path: str, roles: Iterable[Role], *, nearest: bool = False) -> list[Account]:
    """Active accounts holding one of ``roles`` through a grant that reaches ``path``.

    ``nearest`` keeps only those whose reaching grant is the narrowest found: the unit's own handlers rather
    than everyone up to the province; failing those, the bureau of the city before the province's. The query
    narrows candidates by anchor (indexed); ``Grant.covers_path`` makes the exact call, the same one every
    write check uses.
    """
    role_ids = [role.pk for role in roles]
    if not role_ids:
        return []
    anchors = path_prefixes(path)
    candidates = (
        RoleAssignment.objects.filter(role_id__in=role_ids, account__is_active=True)
        .filter(
            Q(role__scope__in=[Scope.ALL, Scope.CUSTOM])
            | Q(unit__isnull=True)
            | Q(role__scope=Scope.REGION, unit__region__key__in=key_prefixes(path.split("/", 1)[0]))
            | Q(role__scope__in=[Scope.UNIT_TREE, Scope.UNIT], unit__org_path__in=anchors)
            | Q(role__scope__in=[Scope.UNIT_TREE, Scope.UNIT], unit__unit__org_path__in=anchors)
        )
        .select_related("account", "role", "unit__region", "unit__unit")
    )
    reaching = [(a, grant) for a in candidates if (grant := a.grant()).covers_path(path)]
    if nearest and reaching:
        narrowest = min(_breadth(grant) for _a, grant in reaching)
        reaching = [(a, grant) for a, grant in reaching if _breadth(grant) == narrowest]
    return list({a.account_id: a.account for a, _grant in reaching}.values())


def _breadth(grant) -> tuple[int, int]:
    """How wide a grant reaches, for ordering: by its kind of scope, then (within one kind) the deeper its
    anchor in the region or org tree, the narrower."""
    anchor = {Scope.REGION: grant.region_key, Scope.UNIT_TREE: grant.unit_path, Scope.UNIT: grant.unit_path}
    return SCOPE_BREADTH[grant.scope], -len(anchor.get(grant.scope, ""))


def permission_holders(path: str, permission: str, *, nearest: bool = False) -> list[Account]:
    """Active accounts whose roles grant ``permission`` with a scope reaching ``path``."""
    # JSON containment is not portable to SQLite; the role table is small, so filter it here.
    roles = [role for role in Role.objects.only("pk", "permissions") if permission in role.permissions]
    return role_holders(path, roles, nearest=nearest)


# --- The bureau of a region ---------------------------------------------------------------------------------


def acts_for_region(user, region, permission: str) -> bool:
    """Does ``user`` act for the bureau of ``region``: ``permission`` granted in a region scope anchored at
    exactly that region. A wider scope reaches the region's data but speaks for the level above it, which is
    what keeps level-by-level reporting from skipping a level."""
    return region is not None and any(
        g.scope == Scope.REGION and g.region_key == region.key for g in grants_for(user, permission)
    )


def regions_acted_for(user, permission: str):
    """The regions (below the national level) whose bureau ``user`` acts for through ``permission``."""
    keys = {g.region_key for g in grants_for(user, permission) if g.scope == Scope.REGION}
    return Region.objects.filter(key__in=keys).exclude(level=Level.NATIONAL).order_by("code")


def region_bureau_accounts(region, permission: str) -> list[Account]:
    """The accounts acting for the bureau of ``region`` through ``permission``: who is told what waits for it."""
    if region is None:
        return []
    return [a for a in permission_holders(f"{region.key}/", permission) if acts_for_region(a, region, permission)]


# --- Agencies: a row's unit is an agency or one of its departments -------------------------------------------


def agency_of_unit() -> Coalesce:
    """On a row with ``unit``: the id of its agency (the unit itself, or the agency of a department)."""
    return Coalesce("unit__unit_id", "unit_id")


def of_agencies(queryset: QuerySet, agencies) -> QuerySet:
    """The rows of the given agencies (ids, or a query of them) and of their departments."""
    return queryset.filter(Q(unit__in=agencies) | Q(unit__unit__in=agencies))


def totals_by_agency(queryset: QuerySet, **aggregates) -> dict[int, dict]:
    """The ``aggregates`` of each agency's rows (its own and its departments'), in one grouped query."""
    rows = queryset.annotate(agency=agency_of_unit()).order_by().values("agency").annotate(**aggregates)
    return {row.pop("agency"): row for row in rows}


def of_place(queryset: QuerySet, region_code: str | None, unit_id: int | None) -> QuerySet:
    """Rows of a region and below and/or of exactly one unit: what a KPI counts for one place (for many
    agencies at once, ``figure_by_unit`` groups the same rows)."""
    if region_code:
        queryset = queryset.filter(org_path__under=region_key(region_code))
    if unit_id:
        queryset = queryset.filter(unit_id=unit_id)
    return queryset


def average(numbers: list) -> Decimal:
    """The mean to the cent, 0.00 of nothing (a KPI's average days)."""
    return (Decimal(sum(numbers)) / len(numbers)).quantize(CENT) if numbers else Decimal("0.00")


def totals_by_unit(queryset: QuerySet, unit_ids: list[int], unit: str = "unit", **aggregates) -> dict[int, dict]:
    """The ``aggregates`` of the rows of each of ``unit_ids`` (through the relation ``unit``: exactly that unit,
    not its departments), in one grouped query; a unit without rows gets the aggregates of no rows (counts 0,
    sums None), as the same aggregate over its own rows would give."""
    empty = queryset.none().aggregate(**aggregates)
    rows = queryset.filter(**{f"{unit}__in": unit_ids}).order_by().values(unit).annotate(**aggregates)
    found = {row.pop(unit): row for row in rows}
    return {pk: found.get(pk, empty) for pk in unit_ids}


def figure_by_unit(queryset: QuerySet, unit_ids: list[int], figure: Callable[[dict], object], unit: str = "unit",
                   **aggregates) -> dict[int, object]:
    """``figure`` of each unit's ``aggregates`` (``totals_by_unit``): a KPI's ``per_agency`` form, one grouped
    query for every agency of a province in the hourly pass."""
    return {pk: figure(row) for pk, row in totals_by_unit(queryset, unit_ids, unit, **aggregates).items()}


def count_by_unit(queryset: QuerySet, unit_ids: list[int]) -> dict[int, int]:
    """How many rows each unit has (``figure_by_unit`` of a count)."""
    return figure_by_unit(queryset, unit_ids, lambda row: row["n"], n=Count("pk"))
