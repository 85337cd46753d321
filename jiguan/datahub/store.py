"""The analytical store. Each published version of a store dataset is one Parquet file under
``settings.DATAHUB_ROOT``; queries run in a fresh in-memory DuckDB connection that reads those files.

A file is never changed once written, so readers in any process need no lock, and publishing is atomic:
the file is written under a temporary name, flushed and renamed, and only then does one database
transaction record the version and make it current. A process killed half-way leaves at most a file
nothing points to, which ``sweep()`` removes; the published data is never partial.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import transaction

from .models import Dataset, DatasetVersion, Run, RunState

PARQUET = "(FORMAT parquet, COMPRESSION zstd)"
HELD = "_held"  # the folder of held runs' rows (dataset codes are slugs, never starting with "_")


def root() -> Path:
    path = Path(settings.DATAHUB_ROOT)
    path.mkdir(parents=True, exist_ok=True)
    return path


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for one job or request; it spills to ``<root>/tmp`` when memory is short."""
    con = duckdb.connect(config={"threads": settings.DATAHUB_THREADS, "memory_limit": settings.DATAHUB_MEMORY})
    spill = root() / "tmp"
    spill.mkdir(exist_ok=True)
    con.execute(f"SET temp_directory = {quote(str(spill))}")
    return con


def quote(text: str) -> str:
    """A SQL string literal (for file paths, which DuckDB does not take as parameters)."""
    return "'" + text.replace("'", "''") + "'"


def file_of(version: DatasetVersion) -> Path:
    return root() / version.path


def relation(con: duckdb.DuckDBPyConnection, version: DatasetVersion) -> duckdb.DuckDBPyRelation:
    return con.sql(f"SELECT * FROM read_parquet({quote(str(file_of(version)))})")  # noqa: S608 (our own path)


def current(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> duckdb.DuckDBPyRelation | None:
    """The dataset's current published rows, or None before its first publish."""
    version = dataset.current_version
    return relation(con, version) if version is not None else None


def publish(con: duckdb.DuckDBPyConnection, dataset: Dataset, query: str, run: Run | None = None,
            params: list | None = None) -> DatasetVersion:
    """Write the rows of ``query`` (SQL over ``con``, with ``?`` ``params``) as the dataset's next version and
    make it current. Publishes of one dataset queue on its row lock, so version numbers never collide."""
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        number = (locked.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        relative = f"{locked.code}/v{number:06d}.parquet"
        final = root() / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
        try:
            con.execute(f"COPY ({query}) TO {quote(str(temporary))} {PARQUET}", params or []).fetchall()
            [(rows,)] = con.execute(f"SELECT count(*) FROM read_parquet({quote(str(temporary))})").fetchall()  # noqa: S608
            digest = _flush_and_digest(temporary)
            os.replace(temporary, final)
            version = DatasetVersion.objects.create(dataset=locked, number=number, path=relative, rows=rows,
                                                    sha256=digest, run=run)
            Dataset.objects.filter(pk=locked.pk).update(current_version=version)
        except BaseException:
            temporary.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            raise
    dataset.current_version = version
    return version


def held_file(run: Run) -> Path:
    """Where a held run keeps its clean rows until a reviewer accepts or discards them."""
    return root() / HELD / f"run{run.pk:09d}.parquet"


def sweep() -> list[Path]:
    """Remove what a killed publish left behind: temporary files, files no version points to, and held
    rows whose run is no longer held."""
    known = set(DatasetVersion.objects.values_list("path", flat=True))
    known |= set(Run.objects.filter(state=RunState.HELD).exclude(held_path="").values_list("held_path", flat=True))
    removed = []
    spill = root() / "tmp"
    for path in root().glob("*/*"):
        if path.parent == spill:  # a running job's spill files
            continue
        relative = path.relative_to(root()).as_posix()
        if path.is_file() and (path.name.endswith(".tmp") or (path.suffix == ".parquet" and relative not in known)):
            path.unlink()
            removed.append(path)
    return removed


def _flush_and_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
