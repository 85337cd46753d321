"""Backup and restore of a whole installation: the database, the uploaded files (``MEDIA_ROOT``) and the
analytical store (``DATAHUB_ROOT``), with a manifest giving every file's size and SHA-256.

A backup is consistent: the database is snapshotted first (SQLite's online backup API, or ``pg_dump``,
both a single point in time while the platform runs), then the files are copied. Store files never
change once written, so copying exactly the versions the *snapshot* references (read from the snapshot,
not the live database) gives a store that matches it even while ingestion runs.

A restore verifies everything before it writes anything, stages every copy beside its target (checking
each digest again as it copies), and only then swaps folders and replaces the database; the old folders
are kept aside until the database is replaced, and put back if that fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from jiguan.core.audit import append, log_access
from jiguan.core.models import AuditLog
from jiguan.core.models.audit import AccessKind, AuditAction

from .models import DatasetVersion, Run

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE, MEDIA, STORE = "database", "media", "datahub"  # the backup's top folders
DUMP_NAMES = {"sqlite": "jiguan.sqlite3", "postgresql": "jiguan.dump"}
PG_PACKAGE = "postgresql-client"
# libpq connection keywords Django's OPTIONS may carry; the password travels in PGPASSWORD, never argv.
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
                 "target_session_attrs", "options", "service", "passfile")
CHUNK = 1 << 20


class BackupError(Exception):
    """Refused or failed; ``problems`` are the reasons, each in Chinese then English."""

    def __init__(self, *problems: str):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the backup folder, POSIX separators
    size: int
    sha256: str

    def as_json(self) -> dict:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass
class Manifest:
    created_at: str
    platform_version: str
    vendor: str
    database_file: str
    migrations: dict[str, str]
    files: list[Entry]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        body = {
            "format": FORMAT, "created_at": self.created_at, "platform_version": self.platform_version,
            "database": {"vendor": self.vendor, "file": self.database_file},
            "migrations": dict(sorted(self.migrations.items())),
            "files": [entry.as_json() for entry in sorted(self.files, key=lambda e: e.path)],
        }
        return {**body, "digest": _digest_of(body)}


# --- backup -------------------------------------------------------------------------------------------


def create_backup(output: Path) -> tuple[Path, Manifest]:
    """Write a snapshot into a new folder under ``output`` named by the time; returns it and its manifest.
    The folder appears only when complete: it is built under a hidden name and renamed at the end."""
    vendor = _supported_vendor()
    output = Path(output).resolve()
    _refuse_inside_data(output, "备份目录 The backup folder")
    now = timezone.now()
    output.mkdir(parents=True, exist_ok=True)
    final = _new_name(output, f"jiguan-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}")
    work = output / f".{final.name}.partial"
    work.mkdir(mode=0o700)  # it holds everyone's data
    try:
        manifest = _write_snapshot(work, vendor, timezone.localtime(now).isoformat())
        os.rename(work, final)
        _fsync_dir(output)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log_access(AccessKind.EXPORT, "manage.py backup", detail=f"{final.name}: {len(manifest.files)} files")
    return final, manifest


def _new_name(output: Path, name: str) -> Path:
    """``name``, or ``name-2``, ``name-3``… when backups were taken within the same second."""
    candidates = (output / (name if n == 1 else f"{name}-{n}") for n in range(1, 1000))
    return next(path for path in candidates if not path.exists() and not path.with_name(f".{path.name}.partial").exists())


def _write_snapshot(work: Path, vendor: str, created_at: str) -> Manifest:
    database_file = f"{DATABASE}/{DUMP_NAMES[vendor]}"
    (work / DATABASE).mkdir()
    _dump_database(vendor, work / database_file)
    files = [_entry(work, database_file)]
    snapshot = work / database_file
    required, optional = _referenced_store_files(vendor, snapshot)
    files += _copy_tree(Path(settings.MEDIA_ROOT), work, MEDIA)
    warnings: list[str] = []
    files += _copy_store(required, optional, work, warnings)
    manifest = Manifest(created_at, platform_version(), vendor, database_file,
                        _last_migrations(vendor, snapshot), files, warnings)
    _write_json(work / MANIFEST, manifest.as_json())
    return manifest


def _dump_database(vendor: str, target: Path) -> None:
    if vendor == "sqlite":
        source = Path(connection.settings_dict["NAME"])
        if not source.is_file():
            raise BackupError(f"找不到数据库文件 The database file does not exist: {source}")
        # One step (pages=-1): a read transaction sees one instant; WAL lets writers go on meanwhile.
        with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
        _fsync_file(target)
    else:
        conninfo, env = _pg_connection()
        _run([_pg_tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={conninfo}"], env)


def _referenced_store_files(vendor: str, snapshot: Path) -> tuple[set[str], set[str]]:
    """Store files the snapshot points to: published versions (required) and runs' held rows (kept while
    a review is pending; a missing one is reported, not fatal)."""
    versions = _snapshot_rows(vendor, snapshot, DatasetVersion._meta.db_table, ["path"])
    held = _snapshot_rows(vendor, snapshot, Run._meta.db_table, ["held_path"])
    return {row[0] for row in versions if row[0]}, {row[0] for row in held if row[0]}


def _copy_store(required: set[str], optional: set[str], work: Path, warnings: list[str]) -> list[Entry]:
    root = Path(settings.DATAHUB_ROOT)
    entries = []
    for text in sorted(required | optional):
        relative = _store_relative(text, root)
        source = root / relative if relative else None
        if source is None or not source.is_file():
            if text in required:
                raise BackupError(f"数据集版本文件缺失 A published version's file is missing from the store: {text}")
            warnings.append(f"待审数据文件缺失,已跳过 A held run's file is missing, skipped: {text}")
            continue
        entries.append(_copy_file(source, work, f"{STORE}/{relative}"))
    return entries


def _store_relative(text: str, root: Path) -> str | None:
    """The path of a store file relative to the store, or None if it would lead outside it."""
    path = Path(text)
    if path.is_absolute():
        try:
            path = path.relative_to(root)
        except ValueError:
            return None
    relative = PurePosixPath(path.as_posix())
    return None if _unsafe(relative) else relative.as_posix()


def _copy_tree(source: Path, work: Path, top: str) -> list[Entry]:
    entries = []
    for folder, _subfolders, names in os.walk(source):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                entries.append(_copy_file(path, work, f"{top}/{path.relative_to(source).as_posix()}"))
            except FileNotFoundError:  # deleted after the snapshot: nothing the snapshot can still need
                continue
    return entries


def _copy_file(source: Path, work: Path, relative: str) -> Entry:
    target = work / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = _copy_hashing(source, target)
    return Entry(relative, size, digest)


def _last_migrations(vendor: str, snapshot: Path) -> dict[str, str]:
    """The last migration applied to each app in the snapshot."""
    rows = _snapshot_rows(vendor, snapshot, MigrationRecorder.Migration._meta.db_table, ["id", "app", "name"])
    last: dict[str, tuple[int, str]] = {}
    for ident, app, name in rows:
        if app not in last or int(ident) > last[app][0]:
            last[app] = (int(ident), name)
    return {app: name for app, (_ident, name) in last.items()}


def platform_version() -> str:
    try:
        return metadata.version("jiguan")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- reading a snapshot without restoring it ---------------------------------------------------------------


def _snapshot_rows(vendor: str, snapshot: Path, table: str, columns: list[str]) -> list[tuple]:
    return _sqlite_rows(snapshot, table, columns) if vendor == "sqlite" else _dump_rows(snapshot, table, columns)


def _sqlite_rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    with closing(_open_immutable(path)) as con:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchall():
            return []
        names = ", ".join(_quote_identifier(c) for c in columns)
        return con.execute(f"SELECT {names} FROM {_quote_identifier(table)}").fetchall()  # noqa: S608 (model names)


def _open_immutable(path: Path) -> sqlite3.Connection:
    """Read a snapshot file without writing anything beside it (no -wal or -shm files)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


COPY_HEADER = re.compile(r"^COPY [^(]+ \((?P<columns>[^)]*)\) FROM stdin;$")
COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _dump_rows(dump: Path, table: str, columns: list[str]) -> list[tuple]:
    """Rows of one table of a ``pg_dump`` custom-format file, read through ``pg_restore --data-only``."""
    script = _run([_pg_tool("pg_restore"), "--data-only", f"--table={table}", "--file=-", str(dump)])
    rows, header = [], None
    for line in script.splitlines():
        if header is None:
            if match := COPY_HEADER.match(line):
                header = [name.strip().strip('"') for name in match["columns"].split(",")]
        elif line == "\\.":
            break
        else:
            values = dict(zip(header, (_copy_value(v) for v in line.split("\t")), strict=True))
            rows.append(tuple(values[c] for c in columns))
    return rows


def _copy_value(text: str) -> str | None:
    """One field of PostgreSQL's COPY text format."""
    if text == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: COPY_ESCAPES.get(m[1], m[1]), text)


# --- verification -------------------------------------------------------------------------------------------


def verify(folder: Path) -> Manifest:
    """Check a backup completely against its manifest and this installation; raise BackupError listing
    every problem found. Reads only."""
    folder = Path(folder).resolve()
    manifest = read_manifest(folder)
    problems = _check_files(folder, manifest.files)
    problems += _check_database(folder, manifest)
    problems += _check_migrations(manifest.migrations)
    for root, label in ((settings.MEDIA_ROOT, "附件目录 media"), (settings.DATAHUB_ROOT, "数据仓 store")):
        if folder.is_relative_to(Path(root).resolve()):
            problems.append(f"备份位于{label}之内,恢复会将其移走 The backup lies inside the {label} folder "
                            "the restore replaces: move it elsewhere first.")
    if problems:
        raise BackupError(*problems)
    return manifest


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"不是完整的备份:缺少 {MANIFEST} Not a backup, or an incomplete one: {path} is missing.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = _parse_manifest(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"{MANIFEST} 格式错误 is malformed: {exc}") from exc
    if data.get("digest") != manifest.as_json()["digest"]:
        raise BackupError(f"{MANIFEST} 已被改动(摘要不符) has been edited: its digest does not match its content.")
    return manifest


def _parse_manifest(data: dict) -> Manifest:
    if data["format"] != FORMAT:
        raise ValueError(f"unknown format {data['format']!r}")
    files = [Entry(_text(f["path"]), int(f["size"]), _text(f["sha256"])) for f in data["files"]]
    migrations = data["migrations"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in migrations.items()):
        raise ValueError("migrations must map app labels to migration names")
    return Manifest(_text(data["created_at"]), _text(data["platform_version"]), _text(data["database"]["vendor"]),
                    _text(data["database"]["file"]), migrations, files)


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def _check_files(folder: Path, entries: list[Entry]) -> list[str]:
    problems, listed = [], {MANIFEST}
    for entry in entries:
        relative = PurePosixPath(entry.path)
        if _unsafe(relative) or relative.parts[0] not in (DATABASE, MEDIA, STORE):
            problems.append(f"清单中的路径不合法 A path in the manifest is not allowed: {entry.path}")
            continue
        listed.add(relative.as_posix())
        problems += _check_file(folder / relative, entry)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        relative = path.relative_to(folder).as_posix()
        if relative not in listed:
            problems.append(f"清单中没有的文件 A file not in the manifest: {relative}")
    return problems


def _check_file(path: Path, entry: Entry) -> list[str]:
    if path.is_symlink() or not path.is_file():
        return [f"文件缺失 A file is missing: {entry.path}"]
    size = path.stat().st_size
    if size != entry.size:
        return [f"文件大小不符 Wrong size: {entry.path} is {size} bytes, the manifest says {entry.size}"]
    if _sha256(path) != entry.sha256:
        return [f"文件校验值不符(已损坏或被改动) Checksum mismatch, the file is damaged or altered: {entry.path}"]
    return []


def _check_database(folder: Path, manifest: Manifest) -> list[str]:
    vendor = connection.vendor
    if manifest.vendor != vendor:
        return [f"数据库类型不符:备份来自 {manifest.vendor},本系统配置的是 {vendor} "
                f"Database mismatch: the backup is of {manifest.vendor}, this installation uses {vendor}."]
    if manifest.database_file not in {e.path for e in manifest.files}:
        return [f"清单未列出数据库文件 The manifest does not list the database file {manifest.database_file}"]
    dump = folder / manifest.database_file
    if not dump.is_file():
        return []  # reported by the file check
    try:
        return _check_sqlite(dump) if vendor == "sqlite" else _check_dump(dump)
    except BackupError as exc:
        return exc.problems


def _check_sqlite(path: Path) -> list[str]:
    try:
        with closing(_open_immutable(path)) as con:
            result = con.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [f"数据库文件无法读取 The database file cannot be read: {exc}"]
    return [] if result == [("ok",)] else [f"数据库文件已损坏 The database file is damaged: {result[:3]}"]


LISTED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", re.MULTILINE)


def _check_dump(dump: Path) -> list[str]:
    """The dump must be readable here, and the live database must hold no table the dump lacks: those
    would survive ``pg_restore --clean`` and break the next ``migrate``."""
    listing = _run([_pg_tool("pg_restore"), "--list", str(dump)])
    tables = {match[1] for match in LISTED_TABLE.finditer(listing)}
    extra = sorted(set(connection.introspection.table_names()) - tables)
    if extra:
        return [f"当前数据库有备份中没有的表(程序比备份新?)The database has tables the backup lacks (newer code?): "
                f"{', '.join(extra[:10])}. 请恢复到新建的空库,或使用与备份相同版本的程序 Restore into a new empty "
                "database, or with the code version of the backup."]
    return []


def _check_migrations(migrations: dict[str, str]) -> list[str]:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"本程序不认识备份中的迁移 {app}.{name}(备份来自更新或不同的版本) The backup's migration "
            f"{app}.{name} is unknown to this code: the backup comes from a newer or different version."
            for app, name in sorted(migrations.items()) if (app, name) not in known]


def pending_migrations(manifest: Manifest) -> list[str]:
    """Apps whose code has migrations newer than the backup's: ``migrate`` must run after the restore."""
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    return sorted(app for app, name in leaves if manifest.migrations.get(app) != name)


# --- restore ------------------------------------------------------------------------------------------------


def restore(folder: Path, manifest: Manifest) -> None:
    """Replace the database, media and store with the verified backup in ``folder``."""
    folder = Path(folder).resolve()
    stamp = f"{timezone.localtime():%Y%m%d-%H%M%S}"
    pairs: list[tuple[Path, Path]] = []  # (staged copy, target)
    database: Path | None = None
    try:
        for target, top in ((Path(settings.MEDIA_ROOT), MEDIA), (Path(settings.DATAHUB_ROOT), STORE)):
            pairs.append((_stage_folder(folder, manifest, top, target, stamp), target))
        database = _stage_database(folder, manifest, stamp)
        _swap_and_replace(pairs, lambda: _replace_database(folder / manifest.database_file, database), stamp)
    finally:  # what is still staged was not used
        for stage, _target in pairs:
            shutil.rmtree(stage, ignore_errors=True)
        if database is not None:
            database.unlink(missing_ok=True)
    for cache in caches.all():  # remembered grants and tokens belong to the replaced data
        cache.clear()
    append(AuditLog, action=AuditAction.BULK, model="datahub.backup", object_id=folder.name[:64],
           object_repr=f"restore {folder.name}"[:200], actor_name="system",
           after={"created_at": manifest.created_at, "platform_version": manifest.platform_version})


def _stage_folder(folder: Path, manifest: Manifest, top: str, target: Path, stamp: str) -> Path:
    """Copy the backup's ``top`` folder beside ``target``, checking every digest again as it copies."""
    stage = target.with_name(f".{target.name}.restore-{stamp}")
    stage.mkdir(parents=True)
    for entry in manifest.files:
        if entry.path.startswith(f"{top}/"):
            _copy_verified(folder / entry.path, stage / entry.path[len(top) + 1:], entry)
    return stage


def _stage_database(folder: Path, manifest: Manifest, stamp: str) -> Path | None:
    """SQLite: the snapshot copied beside the live file (same file system, so the final rename is atomic).
    PostgreSQL reads the dump where it is."""
    if manifest.vendor != "sqlite":
        return None
    entry = next(e for e in manifest.files if e.path == manifest.database_file)
    live = Path(connection.settings_dict["NAME"])
    live.parent.mkdir(parents=True, exist_ok=True)
    staged = live.with_name(f".{live.name}.restore-{stamp}.tmp")
    _copy_verified(folder / entry.path, staged, entry)
    return staged


def _swap_and_replace(pairs: list[tuple[Path, Path]], replace_database: Callable[[], None], stamp: str) -> None:
    """Put the staged folders in place (the old ones aside), then replace the database; on failure the
    old folders go back. The old folders are deleted only once the database is replaced."""
    moved: list[tuple[Path, Path, Path | None]] = []
    try:
        for stage, target in pairs:
            aside = target.with_name(f"{target.name}.before-restore-{stamp}") if target.exists() else None
            if aside:
                os.rename(target, aside)
            moved.append((stage, target, aside))
            os.rename(stage, target)
        replace_database()
    except BaseException:
        for stage, target, aside in reversed(moved):
            if target.exists() and not stage.exists():
                os.rename(target, stage)  # removed with the other staged copies
            if aside:
                os.rename(aside, target)
        raise
    for _stage, _target, aside in moved:
        if aside:
            shutil.rmtree(aside)


def _replace_database(dump: Path, staged: Path | None) -> None:
    connections.close_all()
    if staged is not None:
        _replace_sqlite(staged)
    else:
        conninfo, env = _pg_connection()
        # One transaction: a failure leaves the database as it was.
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", f"--dbname={conninfo}", str(dump)], env)
    connections.close_all()


def _replace_sqlite(staged: Path) -> None:
    live = Path(connection.settings_dict["NAME"])
    if live.exists():  # an empty WAL first, so no crash can replay old pages onto the new file
        with closing(sqlite3.connect(live, timeout=30)) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    os.replace(staged, live)
    for suffix in ("-wal", "-shm"):
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    _fsync_dir(live.parent)


# --- helpers ---------------------------------------------------------------------------------------------


def _supported_vendor() -> str:
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"不支持的数据库 Unsupported database: {connection.vendor} (SQLite or PostgreSQL only).")
    return connection.vendor


def _refuse_inside_data(path: Path, label: str) -> None:
    for root in (settings.MEDIA_ROOT, settings.DATAHUB_ROOT):
        if path.is_relative_to(Path(root).resolve()):
            raise BackupError(f"{label}不能位于数据目录之内 must not lie inside {root}: {path}")


def _unsafe(relative: PurePosixPath) -> bool:
    return relative.is_absolute() or not relative.parts or any(p in ("", ".", "..") for p in relative.parts)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"找不到 {name},请安装 {PG_PACKAGE} 软件包(如 apt-get install {PG_PACKAGE}) "
                          f"{name} was not found on PATH: install the {PG_PACKAGE} package.")
    return path


def _pg_connection() -> tuple[str, dict[str, str]]:
    """A libpq connection string for the configured database and the environment carrying its password."""
    db = connection.settings_dict
    words = {"dbname": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER")}
    words |= {key: value for key, value in db.get("OPTIONS", {}).items() if key in LIBPQ_OPTIONS}
    conninfo = " ".join(f"{key}={_libpq_quote(str(value))}" for key, value in words.items() if value)
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return conninfo, env


def _libpq_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{Path(command[0]).name} 执行失败 failed (exit {result.returncode}): {detail}")
    return result.stdout


def _copy_verified(source: Path, target: Path, entry: Entry) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = _copy_hashing(source, target)
    if (digest, size) != (entry.sha256, entry.size):
        raise BackupError(f"文件在校验后被改动 A file changed after it was verified: {entry.path}")


def _copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file, flushed to disk, returning the SHA-256 and size of what was read."""
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reader, open(target, "wb") as writer:
        for block in iter(lambda: reader.read(CHUNK), b""):
            digest.update(block)
            writer.write(block)
            size += len(block)
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest(), size


def _entry(folder: Path, relative: str) -> Entry:
    path = folder / relative
    return Entry(relative, path.stat().st_size, _sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest_of(body: dict) -> str:
    """Detects a manifest edited by hand or damaged; origin is the backup medium's concern, not this."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync_file(path)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_count(entries: Iterable[Entry]) -> tuple[int, int]:
    """How many files and bytes."""
    entries = list(entries)
    return len(entries), sum(e.size for e in entries)
