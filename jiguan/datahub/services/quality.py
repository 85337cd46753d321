"""One source per fact and data quality. (Interface for the ingestion pipeline; filled in by its area.)"""

from __future__ import annotations


def reconcile(con, run, table: str) -> int:
    """Cross-check the cleaned rows in DuckDB ``table`` against the authoritative values; returns how many
    discrepancies were recorded."""
    return 0


def measure(con, run, *, staged: str, good: str, rejected_rows: int) -> None:
    """Record this run's quality measures (completeness, validity, uniqueness, consistency, timeliness)."""


def trend(dataset) -> list[dict]:
    """The dataset's quality measures over time, oldest first, for its page's chart."""
    return []
