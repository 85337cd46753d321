"""Demo data of the data center, one file per area, in the order they build on each other: the catalog
(sources, datasets, the modules' datasets), runs publishing rows into it, quality and one source per
fact over those runs, a reporting task with its submissions, and the business systems the pull sources
read, pulled once."""

from __future__ import annotations

import random

from . import catalog, quality, reporting, runs, systems


def seed_demo(scale: str, rng: random.Random, progress) -> str:
    """Called by the kernel's seed, inside its transaction, after the kernel's own demo data."""
    return "\n  ".join(area.seed_demo(scale, rng) for area in (catalog, runs, quality, reporting, systems))
