"""One seed run: organisation, staff, demo accounts and activity, all or nothing."""

import random
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from ..context import acting
from ..registry import registry
from .accounts import create_demo_accounts
from .activity import add_activity, settle_inboxes
from .org import (
    SCALES,
    ProgressFactory,
    demo_regions,
    insert_agencies,
    insert_departments,
    insert_people,
    plan_agencies,
)

SEED = 2026  # the same seed gives the same rows on every machine


@dataclass(frozen=True)
class SeedSummary:
    agencies: int
    departments: int
    people: int
    accounts: int
    modules: tuple[str, ...] = ()


def seed(scale_name: str, progress: ProgressFactory, modules: Collection[str] | None = None) -> SeedSummary:
    """Fill an empty database. One transaction: a failure leaves nothing behind. ``modules``: the codes of
    the modules whose demo data to add to the kernel's (default: every installed module)."""
    rng = random.Random(SEED)
    # Data created through services (flow names, notifications) is stored in the platform's language.
    with translation.override(settings.LANGUAGE_CODE), acting(actor=None), transaction.atomic():
        plan = plan_agencies(SCALES[scale_name], demo_regions(), rng)
        insert_agencies(plan, progress)
        departments = insert_departments(plan, progress)
        people = insert_people(plan, rng, progress)
        accounts = create_demo_accounts()
        add_activity(accounts)
        modules = seed_modules(scale_name, rng, progress, modules)
        settle_inboxes()
    return SeedSummary(len(plan), departments, people, len(accounts), modules)


def seed_modules(scale_name: str, rng: random.Random, progress: ProgressFactory,
                 only: Collection[str] | None = None) -> tuple[str, ...]:
    """Each installed module's own demo data, through the registry (core never imports a module): the
    business modules first, then the kernel parts that watch them (the data center, the monitor)."""
    chosen = [spec for spec in registry if spec.demo_seeder and (only is None or spec.code in only)]
    specs = sorted(chosen, key=lambda spec: spec.core)
    return tuple(import_string(spec.demo_seeder)(scale_name, rng, progress) for spec in specs)
