"""The audit chain: changes are logged with before/after and one request id; tampering is detected."""

import pytest
from django.core.management import call_command
from django.db import connection

from jiguan.core.audit import log_bulk, purge_expired, verify_chains
from jiguan.core.context import acting
from jiguan.core.models import AuditChainHead, AuditLog, OrgUnit
from jiguan.core.testing import make_account, make_unit

pytestmark = pytest.mark.django_db


def test_save_logs_before_and_after_with_actor_and_request_id():
    actor = make_account("auditee", roles=("system_admin",))
    with acting(actor=actor, request_id="req-1"):
        unit = make_unit("360100", "南昌市统计局")
        unit.name = "南昌市统计局(改)"
        unit.save()
    created, changed = AuditLog.objects.filter(model="core.OrgUnit", object_id=str(unit.pk)).order_by("seq")
    assert created.action == "create" and created.before is None
    assert changed.action == "update"
    assert changed.before["name"] == "南昌市统计局" and changed.after["name"] == "南昌市统计局(改)"
    assert {created.request_id, changed.request_id} == {"req-1"}
    assert changed.actor == actor


def test_unchanged_save_writes_nothing():
    unit = make_unit()
    unit = OrgUnit.objects.get(pk=unit.pk)
    before = AuditLog.objects.count()
    unit.save()
    assert AuditLog.objects.count() == before


def test_encrypted_values_never_reach_the_log():
    from jiguan.core.testing import make_person

    person = make_person(make_unit(), id_number="360102198503010011")
    entry = AuditLog.objects.filter(model="core.Person", object_id=str(person.pk)).get()
    assert "360102198503010011" not in str(entry.after)
    assert entry.after["id_number"] == "***"


def test_intact_chain_verifies():
    make_unit()
    log_bulk(OrgUnit, "导入单位", 3)
    assert verify_chains() == []


def test_edited_record_is_detected():
    make_unit()
    make_unit()
    victim = AuditLog.objects.order_by("seq")[1]
    AuditLog.objects.filter(pk=victim.pk).update(object_repr="篡改")  # out of band, like a DBA would
    problems = verify_chains()
    assert any(p.seq == victim.seq and "altered" in p.problem for p in problems)


def test_deleted_record_is_detected():
    for _ in range(3):
        make_unit()
    victim = AuditLog.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditLog._meta.db_table} WHERE id = %s", [victim.pk])
    problems = verify_chains()
    assert any("missing" in p.problem for p in problems)


def test_deleted_tail_is_detected_by_the_head():
    make_unit()
    last = AuditLog.objects.order_by("-seq").first()
    AuditLog.objects.filter(pk=last.pk).delete()
    assert any("removed" in p.problem for p in verify_chains())


def test_verify_audit_command_fails_on_tampering(capsys):
    make_unit()
    call_command("verify_audit")
    assert "OK" in capsys.readouterr().out
    AuditLog.objects.filter(seq=1).update(after={"forged": True})
    with pytest.raises(SystemExit):
        call_command("verify_audit")


def test_purge_keeps_retention_and_rebases_the_chain():
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(3):
        make_unit()
    old = AuditLog.objects.order_by("seq")[:2]
    AuditLog.objects.filter(pk__in=[r.pk for r in old]).update(at=timezone.now() - timedelta(days=400))
    # Re-hash the two aged records as if they had been written then (the test moves time, not content).
    from jiguan.core.audit import record_hash

    prev = "0" * 64
    for record in AuditLog.objects.order_by("seq"):
        record.prev_hash = prev
        record.hash = record_hash(record)
        AuditLog.objects.filter(pk=record.pk).update(prev_hash=record.prev_hash, hash=record.hash)
        prev = record.hash
    AuditChainHead.objects.filter(chain="core.AuditLog").update(last_hash=prev)
    assert verify_chains() == []
    purged = purge_expired(retention_days=30)  # below the floor: 180 days still apply
    assert purged["core.AuditLog"] == 2
    assert verify_chains() == []


def test_many_to_many_changes_are_logged():
    from jiguan.core.models import Role

    unit_a, unit_b = make_unit(), make_unit()
    role = Role.objects.create(code="custom_test", name="自定义", scope="custom")
    role.custom_units.add(unit_a, unit_b)
    role.custom_units.remove(unit_a)
    added, removed = AuditLog.objects.filter(model="core.Role", object_id=str(role.pk), action="update").order_by("seq")
    assert added.before == {"custom_units": []} and added.after == {"custom_units": sorted([unit_a.pk, unit_b.pk])}
    assert removed.before == {"custom_units": sorted([unit_a.pk, unit_b.pk])}
    assert removed.after == {"custom_units": [unit_b.pk]}


def test_a_batch_appends_in_order_under_one_lock():
    from jiguan.core.audit import access_fields, append_many
    from jiguan.core.models import AccessLog

    rows = [access_fields("api", f"/api/v1/people?page={n}", method="GET", status=200) for n in range(1, 4)]
    written = append_many(AccessLog, rows)
    assert [r.seq for r in written] == [1, 2, 3]
    assert list(AccessLog.objects.order_by("seq").values_list("path", flat=True)) == [r["path"] for r in rows]
    assert verify_chains() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain_whole():
    from jiguan.core.audit import log_access
    from jiguan.core.models import AccessLog
    from jiguan.core.testing import run_at_once

    results = run_at_once(*[lambda n=n: [log_access("api", f"/p/{n}/{i}") for i in range(5)] for n in range(3)])
    assert not [r for r in results if isinstance(r, Exception)]
    assert AccessLog.objects.count() == 15
    assert verify_chains() == []


def test_a_stored_file_is_logged_by_its_name():
    from django.db.models import FileField
    from django.db.models.fields.files import FieldFile

    from jiguan.core.audit import _jsonable

    assert _jsonable(FieldFile(None, FileField(), "datahub/inputs/人员.csv")) == "datahub/inputs/人员.csv"
    assert _jsonable(FieldFile(None, FileField(), None)) == ""


def test_a_uuid_is_logged_as_its_text():
    from uuid import UUID

    from jiguan.core.audit import _jsonable

    assert _jsonable(UUID("12345678-1234-5678-1234-567812345678")) == "12345678-1234-5678-1234-567812345678"
