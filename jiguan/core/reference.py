"""Reference data every installation needs (regions, ranks, dictionaries, built-in roles), kept in
step with the shipped files after every migrate. Idempotent."""

import csv
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation

from .models import Dictionary, DictionaryItem, Rank, Region, Role
from .registry import registry
from .roles import BUILTIN_ROLES

DATA = Path(__file__).parent / "data"
NATIONAL = ("000000", "中华人民共和国", "national")


def sync_regions() -> int:
    rows = list(csv.DictReader((DATA / "regions-jiangxi.csv").open(encoding="utf-8")))
    Region.objects.update_or_create(code=NATIONAL[0], defaults={"name": NATIONAL[1], "level": NATIONAL[2]})
    for row in rows:  # the file lists parents before children
        Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent_code"] or NATIONAL[0]},
        )
    return len(rows) + 1


def sync_ranks() -> None:
    ladder = json.loads((DATA / "ranks.json").read_text(encoding="utf-8"))["levels"]
    for level, steps in ladder.items():
        for order, (code, name, leader) in enumerate(steps, start=1):
            Rank.objects.update_or_create(
                level=level, code=code, defaults={"name": name, "order": order, "is_leader": leader}
            )


def sync_dictionaries() -> None:
    for entry in json.loads((DATA / "dictionaries.json").read_text(encoding="utf-8")):
        dictionary, _ = Dictionary.objects.update_or_create(
            code=entry["code"], defaults={"name": entry["name"], "source": entry["source"]}
        )
        for sort, (code, label) in enumerate(entry["items"]):
            DictionaryItem.objects.update_or_create(
                dictionary=dictionary, code=code, defaults={"label": label, "sort": sort}
            )


def builtin_role_permissions() -> dict[str, list[str]]:
    permissions = {code: list(perms) for code, _n, _s, _a, perms in BUILTIN_ROLES}
    for spec in registry:
        for role_code, extra in spec.role_grants.items():
            permissions.setdefault(role_code, [])
            permissions[role_code] += [p for p in extra if p not in permissions[role_code]]
    return permissions


def sync_roles() -> None:
    """Create missing built-in roles. On existing ones add only the permissions the code grants anew
    (e.g. a module installed since the last run) — never re-add what the security administrator took away."""
    permissions = builtin_role_permissions()
    for code, name, scope, admin_kind, _perms in BUILTIN_ROLES:
        granted = sorted(permissions[code])
        role, created = Role.objects.get_or_create(
            code=code,
            defaults={"name": str(name), "scope": scope, "admin_kind": admin_kind, "builtin": True,
                      "permissions": granted, "code_permissions": granted},
        )
        new = set(granted) - set(role.code_permissions)
        if not created and (new or set(role.code_permissions) != set(granted)):
            role.permissions = sorted({*role.permissions, *new})
            role.code_permissions = granted
            role.save(update_fields=["permissions", "code_permissions"])


def sync_all() -> None:
    # Names are stored in the platform's language (migrate runs with translations deactivated).
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        sync_regions()
        sync_ranks()
        sync_dictionaries()
        sync_roles()
