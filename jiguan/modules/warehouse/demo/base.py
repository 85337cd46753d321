"""What the pool's demo seeders share: the world they plan in and small helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from jiguan.core.models import Account, OrgUnit

from ..models import AssetCategory


@dataclass
class World:
    rng: random.Random
    today: date
    province: OrgUnit
    city: OrgUnit
    units: dict[str, list[OrgUnit]]  # pool region -> agencies that offer and request
    recorders: dict[str, Account]  # pool region -> the bureau's demo administrator
    unit_admin: Account | None
    categories: dict[str, AssetCategory]


def pick(rng: random.Random, weighted):
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def moment(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59))))


def requester(world: World, region: str, unit: OrgUnit) -> Account:
    if world.unit_admin is not None and world.unit_admin.unit_id == unit.pk:
        return world.unit_admin
    return world.recorders[region]
