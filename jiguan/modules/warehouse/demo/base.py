"""What the pool's demo seeders share: the world they plan in and small helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.models import Account, OrgUnit, TimelineEntry

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


@dataclass(frozen=True)
class Step:
    """One step of a demo row's timeline, as the services record it."""

    subject: models.Model
    action: str
    from_state: str
    to_state: str
    actor: Account | None
    at: datetime
    comment: str = ""


def write_timelines(steps: list[Step], what: str) -> None:
    """The steps on their rows' timelines, dated when they happened (the automatic stamp says "now")."""
    if not steps:
        return
    kind = ContentType.objects.get_for_model(type(steps[0].subject))
    entries = TimelineEntry.objects.bulk_create([
        TimelineEntry(content_type=kind, object_id=str(s.subject.pk), actor=s.actor, action=s.action,
                      from_state=s.from_state, to_state=s.to_state, comment=s.comment,
                      org_path=s.subject.org_path) for s in steps], batch_size=500)
    for entry, step in zip(entries, steps, strict=True):
        entry.at = step.at
    TimelineEntry.objects.bulk_update(entries, ["at"], batch_size=500)
    log_bulk(TimelineEntry, f"演示数据:{what}办理记录 {len(entries)} 条", len(entries))
