"""The alert demo on a small world: default rules, firing business alerts with their events, one unit
silenced (no event), and the idle-rate threshold that fired and resolved with its event settled."""

import random

import pytest

from jiguan.core.models import Event
from jiguan.core.models.events import EventStatus
from jiguan.core.registry import registry
from jiguan.core.testing import make_account
from jiguan.monitor.demo.alerts import seed_demo
from jiguan.monitor.models import Alert, AlertRule

from .alerts_world import TEST_SPEC, build_world, flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    registry.register(TEST_SPEC)
    w = build_world()
    make_account("unit_admin", roles=("unit_admin",), unit=w.finance)
    for unit in (w.finance, w.finance, w.dh_unit, w.jiujiang):
        flag(unit)
    yield w
    registry.unregister(TEST_SPEC.code)


def test_demo_fires_silences_and_resolves(world):
    summary = seed_demo("demo", random.Random(5))
    assert "预警规则" in summary
    assert AlertRule.objects.filter(code="default.officespace.idle_rate.gt").exists()
    business = Alert.objects.filter(rule__kind="business")
    silenced = business.filter(silence__isnull=False)
    assert business.filter(state="firing").count() == 4 and silenced.count() == 2
    assert all(a.event_id is None for a in silenced) and all(a.event_id for a in business.filter(silence=None))
    resolved = Alert.objects.get(rule__kind="threshold")
    assert resolved.state == "resolved" and resolved.unit == world.finance
    assert Event.objects.get(pk=resolved.event_id).status == EventStatus.RESOLVED
    assert seed_demo("demo", random.Random(5)).startswith("预警规则 0 条")  # idempotent rules
