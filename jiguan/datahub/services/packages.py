"""Reporting packages between installations (e.g. a province and the national platform).

A package is a .zip of ``manifest.json`` (package id, origin installation, sequence number, task and dataset
with its schema, period, row count, creation time and the SHA-256 of every other member), the accepted,
rolled-up rows as ``data.parquet``, and ``signature``: the Ed25519 signature of the manifest's exact bytes by
the origin's key. The receiver verifies everything before it writes anything — the signature against a
trusted peer's public key, every member's digest, the schema against its own dataset, and that the package is
neither one already imported nor older than the last one from that origin — and records every refusal
(who, when, why). A verified package's rows go through the ingestion pipeline as a held API run of the
peer's local unit, which publishes only that unit's rows.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tempfile
import uuid
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core.errors import ServiceError, StateError, ValidationFailed
from jiguan.core.models import OrgUnit
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import attributed_to, use_case
from jiguan.core.services.inputs import Errors, code, find, text, unique
from jiguan.core.statemachine import record

from .. import store
from ..models import (
    Dataset,
    ImportOutcome,
    PackageExport,
    PackageImport,
    ReportingTask,
    RunState,
    Storage,
    Submission,
    SubmissionState,
    TaskState,
    TrustedPeer,
)
from ..module import MANAGE
from . import reporting, runs

FORMAT = "jiguan.reporting-package/1"
MANIFEST, SIGNATURE, DATA = "manifest.json", "signature", "data.parquet"
MAX_PACKAGE_BYTES = 200 * 1024 * 1024


class PackageRefused(ServiceError):
    """The package failed verification; nothing was written but the refusal's record."""

    code = "package_refused"


# --- This installation's identity -------------------------------------------------------------------------------


def installation_id() -> str:
    return settings.DATAHUB_INSTALLATION_ID


def signing_key() -> Ed25519PrivateKey | None:
    """The key from ``JIGUAN_PACKAGE_KEY_FILE`` (PEM) or ``JIGUAN_PACKAGE_KEY`` (base64 of the 32-byte key)."""
    if settings.DATAHUB_PACKAGE_KEY_FILE:
        key = serialization.load_pem_private_key(Path(settings.DATAHUB_PACKAGE_KEY_FILE).read_bytes(), None)
        if not isinstance(key, Ed25519PrivateKey):
            raise StateError(_("The package signing key must be an Ed25519 key."))
        return key
    if settings.DATAHUB_PACKAGE_KEY:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.DATAHUB_PACKAGE_KEY))
    return None


def public_key_pem() -> str:
    """This installation's public key, for peers to register; empty when no key is configured."""
    key = signing_key()
    if key is None:
        return ""
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- Trusted peers -----------------------------------------------------------------------------------------------


@use_case
def register_peer(user, *, installation_id: str, name: str, public_key: str, unit_id) -> TrustedPeer:
    """Trust another installation's packages; ``unit_id`` is the local unit its rows are published as."""
    require(user, MANAGE)
    errors = Errors()
    peer = TrustedPeer(created_by=user)
    peer.installation_id = code(errors, "installation_id", installation_id, label=_("installation ID"), max_length=64)
    if peer.installation_id and peer.installation_id == settings.DATAHUB_INSTALLATION_ID:
        errors.add("installation_id", _("This is the ID of this installation itself."))
    elif TrustedPeer.objects.filter(installation_id=peer.installation_id).exists():
        errors.add("installation_id", _peer_taken())
    peer.name = text(errors, "name", name, label=_("name"), max_length=100)
    peer.public_key = _public_key(errors, public_key)
    unit = find(scoped(OrgUnit.objects.filter(active=True), user, MANAGE), unit_id)
    if unit is None:
        errors.add("unit_id", _("The selected unit does not exist, is deactivated or is outside your data scope."))
    errors.raise_if_any()
    peer.unit = unit
    with unique("installation_id", _peer_taken()):
        peer.save()
    return peer


@use_case
def set_peer_active(user, peer_id, active: bool) -> TrustedPeer:
    """Stop (or resume) trusting a peer; its past imports stay recorded."""
    peer = get_in_scope(TrustedPeer, user, MANAGE, peer_id, lock=True)
    peer.active = bool(active)
    peer.save()
    return peer


def _public_key(errors: Errors, value) -> str:
    pem = text(errors, "public_key", value, label=_("public key (PEM)"), max_length=2000)
    if pem and "public_key" not in errors and _load_public_key(pem) is None:
        errors.add("public_key", _("This is not an Ed25519 public key in PEM form (“-----BEGIN PUBLIC KEY-----”)."))
    return pem


def _load_public_key(pem: str) -> Ed25519PublicKey | None:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def _peer_taken() -> str:
    return _("An installation with this ID is already registered.")


# --- Export --------------------------------------------------------------------------------------------------------


@use_case
def export_package(user, task_id) -> PackageExport:
    """The finalised task's accepted rows, with its manifest signed by this installation."""
    task = reporting._own_task(user, task_id)
    if task.state != TaskState.FINISHED:
        raise StateError(_("Only a task whose roll-up has been finalised can be exported; this one is %(state)s.")
                         % {"state": task.get_state_display()})
    key, origin = signing_key(), installation_id()
    if key is None or not origin:
        raise StateError(_("This installation has no signing key or installation ID configured "
                           "(JIGUAN_PACKAGE_KEY_FILE, JIGUAN_INSTALLATION_ID); packages cannot be signed."))
    sequence = (PackageExport.objects.aggregate(last=Max("sequence"))["last"] or 0) + 1
    columns = reporting.column_names(task.dataset)
    data, rows = _data_member(task, columns)
    manifest = _manifest(task, origin, sequence, rows, {DATA: data})
    content = _zip({MANIFEST: manifest, DATA: data, SIGNATURE: base64.b64encode(key.sign(manifest))})
    path = default_storage.save(f"datahub/packages/{task.code}-{sequence:06d}.zip", ContentFile(content))
    package = PackageExport(package_id=json.loads(manifest)["package_id"], sequence=sequence, task=task, rows=rows,
                            unit_id=task.unit_id, sha256=hashlib.sha256(content).hexdigest(), created_by=user, path=path)
    try:
        with unique("sequence", _("Another package was exported at the same moment; please export again.")):
            package.save()
    except BaseException:
        default_storage.delete(path)  # no record points to it
        raise
    record(task, "export", actor=user, comment=_("Package #%(n)d, %(rows)d rows") % {"n": sequence, "rows": rows})
    return package


def _data_member(task: ReportingTask, columns: list[str]) -> tuple[bytes, int]:
    accepted = Submission.objects.filter(assignment__task=task, state=SubmissionState.ACCEPTED).select_related("unit")
    query, params = reporting.accepted_rows(accepted, columns)
    select = ", ".join(f'"{name}"' for name in columns)
    con = store.connect()
    with tempfile.TemporaryDirectory(dir=store.root() / "tmp") as folder:
        target = Path(folder) / DATA
        try:
            con.execute(f"COPY (SELECT {select} FROM ({query})) TO {store.quote(str(target))} "  # noqa: S608
                        f"{store.PARQUET}", params).fetchall()
            [(rows,)] = con.execute(f"SELECT count(*) FROM read_parquet({store.quote(str(target))})").fetchall()  # noqa: S608
        finally:
            con.close()
        return target.read_bytes(), rows


def _manifest(task: ReportingTask, origin: str, sequence: int, rows: int, members: dict[str, bytes]) -> bytes:
    dataset = task.dataset
    manifest = {
        "format": FORMAT,
        "package_id": str(uuid.uuid4()),
        "origin": origin,
        "sequence": sequence,
        "created_at": timezone.now().isoformat(),
        "task": {"code": task.code, "title": task.title, "region": task.region_id},
        "period": task.period,
        "dataset": {"code": dataset.code, "name": dataset.name, "schema": _schema(dataset)},
        "rows": rows,
        "members": {name: {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
                    for name, body in members.items()},
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()


def _schema(dataset: Dataset) -> list[dict]:
    return [{"name": f.name, "label": f.label, "type": f.type, "required": f.required}
            for f in dataset.fields.order_by("position")]


def _zip(members: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return output.getvalue()


# --- Import ------------------------------------------------------------------------------------------------------


def import_package(user, *, upload) -> PackageImport:
    """Verify the package and, only if every check passes, load its rows; a refusal is recorded with its
    reason (in its own transaction, as nothing else is written) and raised as ``PackageRefused``."""
    require(user, MANAGE)
    if user.unit_id is None:
        raise ValidationFailed({"file": [_("Your account belongs to no unit, so it cannot import packages.")]})
    content, name = _read_upload(upload)
    facts = {"file_name": name, "sha256": hashlib.sha256(content).hexdigest()}
    try:
        with transaction.atomic(), attributed_to(user):
            verified = _verify(user, content, facts)
            return _load(user, verified, facts)
    except PackageRefused as refusal:
        with transaction.atomic(), attributed_to(user):
            PackageImport.objects.create(outcome=ImportOutcome.REFUSED, reason=refusal.message[:500],
                                         imported_by=user, unit_id=user.unit_id, **facts)
        raise


def _read_upload(upload) -> tuple[bytes, str]:
    if upload is None:
        raise ValidationFailed({"file": [_("Please choose the package file (.zip) to import.")]})
    name = PurePath((upload.name or "").replace("\\", "/")).name[:200]
    if upload.size and upload.size > MAX_PACKAGE_BYTES:
        raise ValidationFailed({"file": [_("The package is larger than %(mb)d MB.") % {"mb": MAX_PACKAGE_BYTES >> 20}]})
    if not getattr(upload, "size", 0):
        raise ValidationFailed({"file": [_("The file “%(name)s” is empty.") % {"name": name}]})
    upload.seek(0)
    return upload.read(), name


def _verify(user, content: bytes, facts: dict) -> dict:
    """Every check, in the order that names the real problem first; fills ``facts`` as it learns them."""
    members = _members(content)
    manifest_bytes = members.get(MANIFEST)
    manifest = _manifest_of(manifest_bytes)
    facts.update(package_id=_uuid(manifest.get("package_id")), origin=str(manifest.get("origin", ""))[:64],
                 sequence=_sequence(manifest.get("sequence")), task_title=str(manifest["task"].get("title", ""))[:100],
                 period=str(manifest.get("period", ""))[:40])
    if SIGNATURE not in members:
        raise PackageRefused(_("The package is not signed, so its origin cannot be verified; it was refused."))
    peer = (scoped(TrustedPeer.objects.filter(installation_id=facts["origin"], active=True), user, MANAGE)
            .select_for_update(of=("self",)).first())
    if peer is None:
        raise PackageRefused(_("The package comes from “%(origin)s”, which is not registered here as a trusted "
                               "installation; it was refused.") % {"origin": facts["origin"]})
    facts["peer"] = peer
    _check_signature(peer, manifest_bytes, members[SIGNATURE])
    _check_members(manifest, members)
    dataset = _local_dataset(user, manifest)
    facts["dataset"] = dataset
    _check_replay(peer, facts)
    rows = _rows(members[DATA], manifest)
    facts["rows"] = len(rows)
    return {"peer": peer, "dataset": dataset, "rows": rows}


def _members(content: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > 4 * MAX_PACKAGE_BYTES:
                raise PackageRefused(_("The package unpacks to more than the allowed size; it was refused."))
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise PackageRefused(_("The file is not a reporting package (a .zip exported by Jiguan).")) from None


def _manifest_of(manifest_bytes: bytes | None) -> dict:
    try:
        manifest = json.loads(manifest_bytes) if manifest_bytes else None
    except ValueError:
        manifest = None
    valid = (isinstance(manifest, dict) and manifest.get("format") == FORMAT
             and isinstance(manifest.get("members"), dict) and isinstance(manifest.get("dataset"), dict)
             and isinstance(manifest.get("task"), dict))
    if not valid:
        raise PackageRefused(_("The package has no valid manifest (manifest.json); it is not a reporting package "
                               "of this format."))
    return manifest


def _uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise PackageRefused(_("The manifest carries no valid package ID.")) from None


def _sequence(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PackageRefused(_("The manifest carries no valid sequence number."))
    return value


def _check_signature(peer: TrustedPeer, manifest_bytes: bytes, signature: bytes) -> None:
    key = _load_public_key(peer.public_key)
    try:
        key.verify(base64.b64decode(signature, validate=True), manifest_bytes)
    except (InvalidSignature, ValueError):
        raise PackageRefused(_("The signature does not match the manifest under the key registered for “%(peer)s”: "
                               "the package was altered or signed by another key; it was refused.")
                             % {"peer": peer.name}) from None


def _check_members(manifest: dict, members: dict[str, bytes]) -> None:
    listed = manifest["members"]
    extra = sorted(set(members) - set(listed) - {MANIFEST, SIGNATURE})
    missing = sorted(set(listed) - set(members)) or ([] if DATA in listed else [DATA])
    if extra or missing:
        raise PackageRefused(_("The package's files do not match its manifest (missing: %(missing)s; not listed: "
                               "%(extra)s); it was refused.") % {"missing": "、".join(missing) or "—",
                                                                "extra": "、".join(extra) or "—"})
    for name, meta in listed.items():
        if not isinstance(meta, dict) or hashlib.sha256(members[name]).hexdigest() != meta.get("sha256"):
            raise PackageRefused(_("The content of “%(member)s” does not match its digest in the manifest: the "
                                   "package was altered; it was refused.") % {"member": name})


def _local_dataset(user, manifest: dict) -> Dataset:
    described = manifest["dataset"]
    dataset = (scoped(Dataset.objects.filter(storage=Storage.STORE), user, MANAGE)
               .filter(code=str(described.get("code", ""))).first())
    if dataset is None:
        raise PackageRefused(_("There is no dataset “%(code)s” here that you manage; create it with the same schema "
                               "first.") % {"code": described.get("code", "")})
    theirs = {(c.get("name"), c.get("type")) for c in described.get("schema") or [] if isinstance(c, dict)}
    ours = {(f["name"], f["type"]) for f in _schema(dataset)}
    if theirs != ours:
        differ = sorted({str(name) for name, _type in theirs ^ ours})
        raise PackageRefused(_("The package's schema does not match the dataset “%(name)s” here (columns that differ "
                               "in name or type: %(columns)s); it was refused.")
                             % {"name": dataset.name, "columns": "、".join(differ)})
    return dataset


def _check_replay(peer: TrustedPeer, facts: dict) -> None:
    """Refuse a package already imported, or one not newer than the last imported from its origin (the peer's
    row is locked, so two imports of one package cannot both pass)."""
    accepted = PackageImport.objects.filter(origin=peer.installation_id).exclude(outcome=ImportOutcome.REFUSED)
    earlier = accepted.filter(package_id=facts["package_id"]).first()
    if earlier is not None:
        raise PackageRefused(_("This package was already imported on %(day)s; a package is imported only once.")
                             % {"day": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")})
    last = accepted.aggregate(last=Max("sequence"))["last"]
    if last is not None and facts["sequence"] <= last:
        raise PackageRefused(_("The package's sequence number %(n)d is not newer than the last one imported from "
                               "“%(peer)s” (%(last)d): an old package replayed; it was refused.")
                             % {"n": facts["sequence"], "peer": peer.name, "last": last})


def _rows(data: bytes, manifest: dict) -> list[dict]:
    columns = [c["name"] for c in manifest["dataset"]["schema"]]
    con = store.connect()
    with tempfile.NamedTemporaryFile(suffix=".parquet", dir=store.root() / "tmp") as handle:
        handle.write(data)
        handle.flush()
        try:
            result = con.execute(f"SELECT * FROM read_parquet({store.quote(handle.name)})")  # noqa: S608
            names = [d[0] for d in result.description]
            values = result.fetchall()
        except Exception:  # duckdb raises its own error types for a file that is not Parquet
            raise PackageRefused(_("The package's data cannot be read as Parquet; it was refused.")) from None
        finally:
            con.close()
    if sorted(names) != sorted(columns) or len(values) != manifest.get("rows"):
        raise PackageRefused(_("The package's data does not match its manifest (columns or row count); it was "
                               "refused."))
    return [{name: _plain(value) for name, value in zip(names, row, strict=True)} for row in values]


def _plain(value):
    """A value as JSON carries it, for the pipeline to read like any pushed row."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _load(user, verified: dict, facts: dict) -> PackageImport:
    peer = verified["peer"]
    run = runs.push(user, dataset_id=verified["dataset"].pk, rows=verified["rows"], unit_id=peer.unit_id, hold=True)
    package = PackageImport.objects.create(outcome=ImportOutcome.IMPORTED, imported_by=user, run=run,
                                           unit_id=user.unit_id or peer.unit_id, **facts)
    _advance(package)
    return package


# --- Publishing verified imports ------------------------------------------------------------------------------------


def advance_imports() -> int:
    """Publish each imported package whose run has been checked and held; record the ones whose run failed."""
    settled = 0
    for pk in PackageImport.objects.filter(outcome=ImportOutcome.IMPORTED).values_list("pk", flat=True):
        with transaction.atomic():
            package = (PackageImport.objects.select_for_update(of=("self",)).select_related("run", "imported_by")
                       .filter(pk=pk, outcome=ImportOutcome.IMPORTED).first())
            settled += package is not None and _advance(package)
    return settled


def _advance(package: PackageImport) -> bool:
    """Held → published (as the importer, who reviewed it by importing); a failed run fails the import."""
    run = package.run
    run.refresh_from_db()
    if run.state == RunState.HELD:
        with attributed_to(package.imported_by):
            runs.publish_held(package.imported_by, run.pk)
        package.outcome = ImportOutcome.PUBLISHED
    elif run.state in reporting.RUN_FAILED:
        package.outcome, package.reason = ImportOutcome.FAILED, (run.failure or run.get_state_display())[:500]
    else:
        return False
    package.save()
    return True
