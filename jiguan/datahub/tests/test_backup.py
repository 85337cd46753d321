"""Backup and restore, as an operator runs them: ``manage.py backup`` and ``manage.py restore`` in their own
processes against a world of their own (database file, media and store under ``tmp_path``), never the
test database. Backup → wipe → restore gives identical rows and files; a damaged, tampered or foreign
backup is refused and changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings

from jiguan.core.testing import make_unit
from jiguan.datahub import backup, store
from jiguan.datahub.models import Dataset, DatasetVersion

SETTINGS = """
from jiguan.config.settings import *  # noqa: F403
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
"""
# Under ``pytest --nomigrations`` the worlds are built the same way: tables straight from the models.
NO_MIGRATIONS = """
class _NoMigrations(dict):
    def __contains__(self, item): return True
    def __getitem__(self, item): return None
MIGRATION_MODULES = _NoMigrations()
"""
# Kernel and office-space rows (the office-space tests' ledger), an attachment file, two store versions.
WORLD = """
from django.core.files.uploadedfile import SimpleUploadedFile
from jiguan.core.services.attachments import save_attachment
from jiguan.datahub import store
from jiguan.datahub.models import Dataset
from jiguan.modules.officespace.tests.ledger import build_ledger

w = build_ledger()
save_attachment(w.fin_admin, SimpleUploadedFile("办公用房说明.txt", "主楼三层办公室".encode()), subject=w.building)
rooms = Dataset.objects.create(code="rooms", name="房间", layer="base", unit=w.finance)
con = store.connect()
path = w.finance.org_path
store.publish(con, rooms, f"SELECT '301' AS number, 30.0 AS area, '{path}' AS org_path")
store.publish(con, rooms, f"SELECT *, '{path}' AS org_path FROM (VALUES ('301', 30.0), ('302', 40.0)) t(number, area)")
"""
AFTER_RESTORE = """
import json
from django.core.management import call_command
from jiguan.core.models import AuditLog
from jiguan.datahub import store
from jiguan.datahub.models import Dataset

call_command("verify_audit")
rows = store.current(store.connect(), Dataset.objects.get(code="rooms")).fetchall()
last = AuditLog.objects.order_by("-seq").first()
print(json.dumps({"rows": sorted([r[0], float(r[1])] for r in rows), "last": [last.action, last.model]}))
"""
# The restore records itself in the change log (and so advances SQLite's id counters).
AUDIT_TABLES = {"core_auditlog", "core_auditchainhead", "sqlite_sequence"}


@dataclass
class World:
    """One installation: its settings, database, media and store, driven through manage.py."""

    root: Path
    database_url: str = ""

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def store(self) -> Path:
        return self.root / "datahub"

    @property
    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env |= {
            "DJANGO_SETTINGS_MODULE": "backup_world_settings", "JIGUAN_TESTING": "1",
            "PYTHONPATH": os.pathsep.join([str(self.root / "site"), str(settings.BASE_DIR)]),
            "SQLITE_PATH": str(self.root / "db.sqlite3"), "JIGUAN_MEDIA_ROOT": str(self.media),
            "JIGUAN_DATAHUB_ROOT": str(self.store), "JIGUAN_VAR_DIR": str(self.root / "var"),
        }
        return env | ({"DATABASE_URL": self.database_url} if self.database_url else {})

    def manage(self, *args: str, answer: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), *args], input=answer,
                              capture_output=True, text=True, env=self.env, cwd=settings.BASE_DIR, timeout=120)

    def python(self, script: str) -> str:
        done = subprocess.run([sys.executable, "-c", "import django\ndjango.setup()\n" + script],
                              capture_output=True, text=True, env=self.env, cwd=settings.BASE_DIR, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def build(self, nomigrations: bool) -> None:
        (self.root / "site").mkdir(parents=True)
        (self.root / "site" / "backup_world_settings.py").write_text(SETTINGS + (NO_MIGRATIONS if nomigrations else ""))
        migrated = self.manage("migrate", "--run-syncdb", "-v0") if nomigrations else self.manage("migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        self.python(WORLD)

    def backup(self) -> Path:
        """A new backup under ``backups/``; returns its folder."""
        existing = set((self.root / "backups").glob("jiguan-backup-*"))
        done = self.manage("backup", "--output", str(self.root / "backups"))
        assert done.returncode == 0, done.stderr
        [folder] = set((self.root / "backups").glob("jiguan-backup-*")) - existing
        return folder

    def tables(self) -> dict[str, tuple[int, str]]:
        """Each table's row count and a checksum of its rows (order-independent)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as con:
                names = [r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
                return {name: _checksum(con.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names}
        with closing(sqlite3.connect(self.root / "db.sqlite3")) as con:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {name: _checksum(con.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names}

    def files(self) -> dict[str, str]:
        """Every media and store file (but the store's spill folder) with its SHA-256."""
        found = {}
        for top in (self.media, self.store):
            for path in sorted(top.rglob("*")):
                relative = path.relative_to(self.root).as_posix()
                if path.is_file() and not relative.startswith("datahub/tmp/"):
                    found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        return found

    def listing(self) -> set[str]:
        """What lies beside the data (staged copies or old folders would show here), backups aside."""
        return {p.name for p in self.root.iterdir() if p.name != "backups" and not p.name.endswith(("-wal", "-shm"))}

    def state(self) -> tuple:
        return self.tables(), self.files(), self.listing()


def _checksum(rows: list[tuple]) -> tuple[int, str]:
    lines = sorted(json.dumps([v.hex() if isinstance(v, bytes | memoryview) else v for v in row], default=str)
                   for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _without(tables: dict, names: set[str]) -> dict:
    return {name: value for name, value in tables.items() if name not in names}


@pytest.fixture(scope="module")
def template(tmp_path_factory, request) -> World:
    """A SQLite world and one backup of it, built once and copied for each test."""
    world = World(tmp_path_factory.mktemp("backup-template"))
    world.build(request.config.getoption("nomigrations", default=False))
    world.backup()
    return world


@pytest.fixture
def world(template, tmp_path) -> World:
    shutil.copytree(template.root, tmp_path / "world")
    return World(tmp_path / "world")


@pytest.fixture
def pg_world(tmp_path, request):
    """A PostgreSQL world in a scratch database, created and dropped here."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL: the PostgreSQL round trip did not run")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not on PATH (postgresql-client): the PostgreSQL round trip did not run")
    import psycopg

    name = f"jiguan_backup_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = dj_database_url.parse(url)
    scratch = url.rsplit("/", 1)[0].rsplit("?", 1)[0] + f"/{name}" if parts["NAME"] else url
    world = World(tmp_path / "world", database_url=scratch)
    try:
        world.build(request.config.getoption("nomigrations", default=False))
        yield world
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _round_trip(world: World) -> None:
    before = world.state()
    folder = world.backup()
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    assert {"datahub/rooms/v000001.parquet", "datahub/rooms/v000002.parquet"} <= listed
    assert any(path.startswith("media/attachments/") for path in listed)
    assert manifest["platform_version"] == backup.platform_version() and manifest["created_at"]

    world.python("from django.core.management import call_command\ncall_command('flush', interactive=False)")
    shutil.rmtree(world.store)
    shutil.rmtree(world.media)
    (world.media / "attachments").mkdir(parents=True)
    (world.media / "attachments" / "uploaded-after-the-backup.txt").write_text("新文件")
    assert world.state() != before

    done = world.manage("restore", str(folder), "--yes")
    assert done.returncode == 0, done.stderr
    tables, files, listing = world.state()
    assert _without(tables, AUDIT_TABLES) == _without(before[0], AUDIT_TABLES)
    assert tables["core_auditlog"][0] == before[0]["core_auditlog"][0] + 1  # the restore, recorded
    assert (files, listing) == before[1:]  # identical files; nothing left aside or staged
    checked = json.loads(world.python(AFTER_RESTORE).splitlines()[-1])
    assert checked == {"rows": [["301", 30.0], ["302", 40.0]], "last": ["bulk", "datahub.backup"]}


def test_backup_wipe_restore_gives_identical_data_on_sqlite(world):
    _round_trip(world)


def test_backup_wipe_restore_gives_identical_data_on_postgresql(pg_world):
    _round_trip(pg_world)


def _flip_a_byte(folder: Path) -> None:
    [path] = (folder / "media").rglob("*.txt")
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))


def _edit_manifest(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][1]["size"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))


TAMPERING = {
    "a byte changed": (_flip_a_byte, "Checksum mismatch"),
    "a file removed": (lambda f: (f / "datahub/rooms/v000001.parquet").unlink(), "A file is missing"),
    "a file added": (lambda f: (f / "media/added.pdf").write_bytes(b"%PDF-"), "A file not in the manifest: media/added"),
    "the manifest edited": (_edit_manifest, "has been edited"),
    "the manifest removed": (lambda f: (f / "manifest.json").unlink(), "manifest.json is missing"),
    "the manifest not JSON": (lambda f: (f / "manifest.json").write_text("{"), "is malformed"),
}


@pytest.mark.parametrize("tampering", TAMPERING, ids=list(TAMPERING))
def test_a_damaged_or_tampered_backup_is_refused_and_changes_nothing(world, tampering):
    damage, message = TAMPERING[tampering]
    [folder] = (world.root / "backups").glob("jiguan-backup-*")
    damage(folder)
    before = world.state()
    done = world.manage("restore", str(folder), "--yes")
    assert done.returncode != 0
    assert "nothing was changed" in done.stderr and message in done.stderr
    assert world.state() == before


def _rewrite(folder: Path, **changes) -> None:
    """Change the manifest consistently (its digest recomputed), as a backup of another system would be."""
    manifest = backup.read_manifest(folder)
    for name, value in changes.items():
        setattr(manifest, name, value)
    (folder / "manifest.json").write_text(json.dumps(manifest.as_json()))


@pytest.mark.parametrize(("changes", "message"), [
    ({"vendor": "postgresql"}, "Database mismatch: the backup is of postgresql, this installation uses sqlite"),
    ({"migrations": {"datahub": "0999_from_the_future"}}, "datahub.0999_from_the_future is unknown to this code"),
], ids=["another database vendor", "an unknown migration"])
def test_a_backup_this_installation_cannot_take_is_refused(world, changes, message):
    [folder] = (world.root / "backups").glob("jiguan-backup-*")
    _rewrite(folder, **changes)
    before = world.state()
    done = world.manage("restore", str(folder), "--yes")
    assert done.returncode != 0 and message in done.stderr
    assert world.state() == before


def test_restore_asks_first_and_a_no_changes_nothing(world):
    [folder] = (world.root / "backups").glob("jiguan-backup-*")
    before = world.state()
    done = world.manage("restore", str(folder), answer="no\n")
    assert done.returncode != 0
    assert "Type yes to continue" in done.stdout and "Cancelled" in done.stderr
    assert world.state() == before


@pytest.mark.django_db(transaction=True)
def test_a_version_published_after_the_snapshot_stays_out_of_the_backup(tmp_path, monkeypatch):
    dataset = Dataset.objects.create(code="rooms", name="房间", layer="base", unit=make_unit("360100"))
    con = store.connect()
    store.publish(con, dataset, "SELECT '301' AS number, '' AS org_path")
    snapshot = backup._dump_database

    def snapshot_while_ingesting(vendor, target):
        snapshot(vendor, target)
        store.publish(con, dataset, "SELECT '302' AS number, '' AS org_path")  # ingestion goes on meanwhile

    monkeypatch.setattr(backup, "_dump_database", snapshot_while_ingesting)
    (store.root() / "rooms" / ".v000009.parquet.abc.tmp").write_bytes(b"a publish in flight")
    folder, manifest = backup.create_backup(tmp_path / "backups")
    assert DatasetVersion.objects.count() == 2
    assert [e.path for e in manifest.files if e.path.startswith("datahub/")] == ["datahub/rooms/v000001.parquet"]
    assert backup.verify(folder).files == manifest.files


def test_a_backup_inside_the_data_it_saves_is_refused(settings):
    with pytest.raises(backup.BackupError, match="must not lie inside"):
        backup.create_backup(Path(settings.MEDIA_ROOT) / "backups")


def test_missing_postgresql_tools_name_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="install the postgresql-client package"):
        backup._pg_tool("pg_dump")


def test_a_failed_database_replacement_puts_the_old_folders_back(tmp_path):
    live, stage = tmp_path / "media", tmp_path / ".media.restore-1"
    (live / "old.txt").parent.mkdir()
    (live / "old.txt").write_text("old")
    stage.mkdir()
    (stage / "new.txt").write_text("new")

    def failing_replacement():
        raise backup.BackupError("pg_restore failed")

    with pytest.raises(backup.BackupError):
        backup._swap_and_replace([(stage, live)], failing_replacement, "1")
    assert [p.name for p in live.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".media.restore-1", "media"]
