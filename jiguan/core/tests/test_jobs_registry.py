"""Periodic jobs run only by registered name, once per due time, and a failure is kept, not raised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.core import jobs
from jiguan.core.models import JobSchedule
from jiguan.core.registry import ModuleSpec, Permission, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_job():
    calls = []

    def boom():
        calls.append(1)
        raise RuntimeError("disk full")

    jobs.periodic("test.flaky", "测试任务", timedelta(minutes=10))(boom)
    yield calls
    jobs._jobs.pop("test.flaky")


def test_due_jobs_are_claimed_once(flaky_job):
    now = timezone.now()
    first = jobs.claim_due_jobs(now)
    assert "test.flaky" in first and "core.verify_audit_chain" in first
    assert "test.flaky" not in jobs.claim_due_jobs(now + timedelta(minutes=1))
    assert "test.flaky" in jobs.claim_due_jobs(now + timedelta(minutes=11))


def test_disabled_job_is_not_claimed(flaky_job):
    JobSchedule.objects.create(name="test.flaky", enabled=False)
    assert "test.flaky" not in jobs.claim_due_jobs()


def test_failure_is_recorded_on_the_schedule(flaky_job):
    assert jobs.run_job("test.flaky").startswith("failed")
    schedule = JobSchedule.objects.get(name="test.flaky")
    assert schedule.last_status == "failed" and "disk full" in schedule.last_error
    assert schedule.next_run_at > timezone.now()


def test_unknown_job_name_never_runs():
    with pytest.raises(KeyError):
        jobs.run_job("os.system")


def test_kernel_audit_job_runs():
    assert jobs.run_job("core.verify_audit_chain") == "ok: 0 problems"


def test_registry_refuses_a_second_module_with_the_same_code():
    spec = ModuleSpec(code="dup_test", name="甲", permissions=(Permission("dup_test.view", "查看"),))
    registry.register(spec)
    try:
        registry.register(spec)  # the same spec again is harmless (apps can be readied twice in tests)
        with pytest.raises(ValueError):
            registry.register(ModuleSpec(code="dup_test", name="乙"))
        assert "dup_test.view" in registry.permissions()
    finally:
        registry.unregister("dup_test")
    assert "dup_test.view" not in registry.permissions()
