"""The province-scale database every benchmark runs on: its own SQLite file, production settings with
fixed bench-only keys, migrated on every run and seeded once (kernel and every module's demo data)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = Path(os.environ.get("BENCH_SQLITE_PATH", ROOT / "var" / "bench.sqlite3"))
# What a complete province seed holds at least: a database seeded by an older version (e.g. before a
# module existed) is seeded afresh.
MINIMUM_ROWS = {"core_orgunit": 3_000, "core_person": 200_000, "officespace_room": 300_000}

# Production settings (DEBUG off) with fixed bench-only keys: the seed and the server must share the
# data key, and the demo's 2FA relaxation is the only concession (a token needs no TOTP code here).
SERVER_ENV = {
    "SQLITE_PATH": str(DATABASE),
    # Its own files beside its own database: a store shared with `make run`'s would lose the other's Parquet
    # files to each worker's sweep (files no version of its database names).
    "JIGUAN_DATAHUB_ROOT": str(DATABASE.parent / "bench-datahub"),
    "JIGUAN_MEDIA_ROOT": str(DATABASE.parent / "bench-media"),
    "JIGUAN_DEMO_SOURCES": str(DATABASE.parent / "bench-sources"),
    "DEBUG": "0",
    "JIGUAN_DEMO": "0",
    "SECRET_KEY": "jiguan-bench-only-secret-key-not-for-production",
    "JIGUAN_DATA_KEY": "62656e63682d6f6e6c792d6b65792121",
    "ALLOWED_HOSTS": "127.0.0.1",
    "JIGUAN_HTTPS": "0",
    "JIGUAN_REQUIRE_ADMIN_2FA": "0",
    "LOG_LEVEL": "WARNING",
}


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return env | SERVER_ENV | {"DJANGO_SETTINGS_MODULE": "jiguan.config.settings"}


def use_in_this_process() -> None:
    """Point this process's Django at the bench database (for in-process benchmarks)."""
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def manage(*args: str, demo: bool = False) -> None:
    """Run a management command against the bench database; ``demo``: in demo mode (the seed needs it)."""
    env = environment() | ({"JIGUAN_DEMO": "1"} if demo else {})
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT, env=env)


def row_counts(path: Path) -> dict[str, int]:
    counts = {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            for table in MINIMUM_ROWS:
                counts[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
    except sqlite3.Error:
        pass
    return counts


def ensure_database() -> None:
    """A province-scale database in its own file: migrated on every run, seeded once."""
    DATABASE.parent.mkdir(parents=True, exist_ok=True)
    counts = row_counts(DATABASE)
    if counts and all(counts.get(table, 0) >= least for table, least in MINIMUM_ROWS.items()):
        manage("migrate", "--noinput", "-v", "0")
        print(f"database: {DATABASE} (" + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + "; reused)")
        return
    if DATABASE.exists():
        print(f"database: {DATABASE} is not a complete province seed ({counts or 'unreadable'}): seeding afresh")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    manage("migrate", "--noinput", "-v", "0")
    print(f"database: seeding {DATABASE} at province scale (a few minutes, once)")
    manage("seed", "--scale", "province", demo=True)
