"""Audit: the change log (signals on tracked models), access log, and the SM3 hash chain over both
and the login log. ``verify_chains()`` finds any record altered, inserted or deleted out of band."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .context import current
from .crypto import EncryptedTextField, sm3_hex
from .models import AccessLog, AuditChainHead, AuditLog, LoginLog
from .models.audit import AccessKind, AuditAction, ChainedRecord
from .models.base import TrackedModel

CHAINS: tuple[type[ChainedRecord], ...] = (AuditLog, LoginLog, AccessLog)
M2M_LOGGED = ("post_add", "post_remove", "post_clear")
REDACTED = "***"


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, FieldFile):  # a stored file is logged by its name
        return value.name or ""
    if isinstance(value, UUID):
        return str(value)
    return value


def record_hash(record: ChainedRecord) -> str:
    payload = {name: _jsonable(getattr(record, name)) for name in record.chain_fields}
    payload["seq"] = record.seq
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return sm3_hex((record.prev_hash + body).encode())


def append(chain: type[ChainedRecord], /, **fields) -> ChainedRecord:
    """Append a record to its chain. The head row is locked, so concurrent appends queue."""
    return append_many(chain, [fields])[0]


def append_many(chain: type[ChainedRecord], rows: list[dict]) -> list[ChainedRecord]:
    """Append records in order under one lock of the chain head and one bulk insert."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(chain=chain._meta.label)
        records = []
        for fields in rows:
            fields = dict(fields)
            record = chain(seq=head.last_seq + 1, prev_hash=head.last_hash, at=fields.pop("at", None) or timezone.now(),
                           **fields)
            record.hash = record_hash(record)
            head.last_seq, head.last_hash = record.seq, record.hash
            records.append(record)
        chain.objects.bulk_create(records)
        head.save(update_fields=["last_seq", "last_hash"])
    return records


def _actor_fields() -> dict:
    ctx = current()
    actor = ctx.actor if getattr(ctx.actor, "pk", None) else None
    return {
        "request_id": ctx.request_id,
        "actor": actor,
        "actor_name": actor.get_username() if actor else "system",
        "ip": ctx.ip,
    }


def snapshot(instance: models.Model) -> dict:
    data = {}
    for f in instance._meta.concrete_fields:
        if isinstance(f, EncryptedTextField):
            data[f.attname] = REDACTED if getattr(instance, f.attname) else ""
        elif f.attname not in ("password", "totp_secret"):
            data[f.attname] = _jsonable(getattr(instance, f.attname))
    return data


def _before(instance: TrackedModel) -> dict | None:
    loaded = getattr(instance, "_loaded_values", None)
    if loaded is None:
        return None
    data = {}
    for f in instance._meta.concrete_fields:
        if f.attname not in loaded or f.attname in ("password", "totp_secret"):
            continue
        value = loaded[f.attname]
        data[f.attname] = (REDACTED if value else "") if isinstance(f, EncryptedTextField) else _jsonable(value)
    return data


def log_change(action: str, instance: models.Model, before: dict | None, after: dict | None) -> AuditLog:
    return append(
        AuditLog,
        action=action,
        model=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        org_path=getattr(instance, "org_path", "") or "",
        **_actor_fields(),
    )


def log_bulk(model: type[models.Model], description: str, count: int, org_path: str = "") -> AuditLog:
    """Bulk writes skip model signals: the service doing one records it here."""
    return append(
        AuditLog,
        action=AuditAction.BULK,
        model=model._meta.label,
        object_repr=description[:200],
        after={"count": count},
        org_path=org_path,
        **_actor_fields(),
    )


def log_job_started(name: str, label: str) -> AuditLog:
    """Someone started a periodic job by hand."""
    return append(AuditLog, action=AuditAction.RUN_JOB, model="core.JobSchedule", object_id=name,
                  object_repr=label[:200], **_actor_fields())


def log_access(
    kind: str, path: str, detail: str = "", method: str = "", status: int | None = None, at: datetime | None = None
) -> AccessLog:
    """``at``: when it happened, for records written later in a batch (defaults to now)."""
    return append(AccessLog, **access_fields(kind, path, detail, method, status, at))


def access_fields(kind: str, path: str, detail: str = "", method: str = "", status: int | None = None,
                  at: datetime | None = None) -> dict:
    """An access-log row for the acting user of the current context (see ``append_many`` for batches)."""
    fields = _actor_fields()
    actor = fields["actor"]
    return {
        "at": at or timezone.now(), "kind": kind, "path": path[:255], "detail": detail[:255], "method": method,
        "status": status, "org_path": getattr(actor, "org_path", "") if actor else "", **fields,
    }


def log_personal_data_view(path: str, person) -> AccessLog:
    return log_access(AccessKind.PERSONAL_DATA, path, detail=f"person:{person.pk} {person.name}")


@receiver(post_save, dispatch_uid="jiguan_audit_save")
def _on_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, TrackedModel) or getattr(instance, "_audit_suppressed", False):
        return
    created = created or instance.__dict__.pop("_audit_created", False)
    after = snapshot(instance)
    before = None if created else _before(instance)
    if before is not None and before == {k: after.get(k) for k in before}:
        return  # nothing changed
    log_change(AuditAction.CREATE if created else AuditAction.UPDATE, instance, before, after)
    instance._loaded_values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@receiver(post_delete, dispatch_uid="jiguan_audit_delete")
def _on_delete(sender, instance, **kwargs):
    if isinstance(instance, TrackedModel):
        log_change(AuditAction.DELETE, instance, snapshot(instance), None)


@receiver(m2m_changed, dispatch_uid="jiguan_audit_m2m")
def _on_m2m_change(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Many-to-many edits (e.g. a role's custom units) skip post_save: log the set before and after."""
    if reverse or not isinstance(instance, TrackedModel) or action not in ("pre_clear", *M2M_LOGGED):
        return
    field = next(f for f in instance._meta.many_to_many if f.remote_field.through is sender)
    current = set(getattr(instance, field.name).values_list("pk", flat=True))
    if action == "pre_clear":
        instance._m2m_before_clear = current
        return
    after = sorted(current)
    changed = set(pk_set or ())
    before = {
        "post_add": current - changed, "post_remove": current | changed,
        "post_clear": instance.__dict__.pop("_m2m_before_clear", set()),
    }[action]
    log_change(AuditAction.UPDATE, instance, {field.name: sorted(before)}, {field.name: after})


@dataclass
class ChainProblem:
    chain: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}: {self.problem}"


def verify_chain(model: type[ChainedRecord]) -> list[ChainProblem]:
    label = model._meta.label
    head = AuditChainHead.objects.filter(chain=label).first()
    base_seq, prev_hash = (head.base_seq, head.base_hash) if head else (0, "0" * 64)
    problems: list[ChainProblem] = []
    expected_seq = base_seq + 1
    for record in model.objects.order_by("seq").iterator(chunk_size=2000):
        if record.seq != expected_seq:
            problems.append(ChainProblem(label, expected_seq, f"records {expected_seq}–{record.seq - 1} are missing"))
        if record.prev_hash != prev_hash:
            problems.append(ChainProblem(label, record.seq, "link to the previous record is broken"))
        if record_hash(record) != record.hash:
            problems.append(ChainProblem(label, record.seq, "content was altered after it was written"))
        prev_hash, expected_seq = record.hash, record.seq + 1
    last_seq = expected_seq - 1
    if head and (head.last_seq != last_seq or head.last_hash != prev_hash):
        problems.append(ChainProblem(label, head.last_seq, f"the chain ends at #{last_seq}: later records were removed"))
    return problems


def verify_chains() -> list[ChainProblem]:
    return [p for model in CHAINS for p in verify_chain(model)]


def purge_expired(retention_days: int) -> dict[str, int]:
    """Drop records older than the retention period, moving each chain's base past them."""
    cutoff = timezone.now() - timezone.timedelta(days=max(retention_days, 180))
    purged = {}
    for model in CHAINS:
        with transaction.atomic():
            last_old = model.objects.filter(at__lt=cutoff).order_by("-seq").first()
            if last_old is None:
                continue
            head = AuditChainHead.objects.select_for_update().get(chain=model._meta.label)
            purged[model._meta.label], _ = model.objects.filter(seq__lte=last_old.seq).delete()
            head.base_seq, head.base_hash = last_old.seq, last_old.hash
            head.save(update_fields=["base_seq", "base_hash"])
    return purged
