"""Races on idle assets: two administrators of the unit settle the same row at once (one wins, the other is
told its state changed), and two reminder runs at once (each room taken once, each unit reminded once)."""

import pytest

from jiguan.core.errors import StateError
from jiguan.core.models import Notification
from jiguan.core.testing import make_account, run_at_once
from jiguan.modules.warehouse.models import IdleAsset
from jiguan.modules.warehouse.services import idle as services

from .test_idle import declared, intake, office_room
from .world import build_world

pytestmark = pytest.mark.django_db(transaction=True)  # the racers need committed rows


def test_one_of_two_settlements_at_once_wins():
    w = build_world()
    colleague = make_account("fin_admin2", roles=("unit_admin",), unit=w.finance)
    idle = declared(w)
    offer = intake(w)

    results = run_at_once(
        lambda: services.mark_in_use(w.finance_admin, idle.pk, "分配给新处室"),
        lambda: services.mark_offered(colleague, idle.pk, offer.pk),
    )

    assert sum(isinstance(r, IdleAsset) for r in results) == 1, results
    assert sum(isinstance(r, StateError) for r in results) == 1, results
    idle.refresh_from_db()
    assert idle.state in ("in_use", "offered")
    assert (idle.intake_request_id is not None) == (idle.state == "offered")


def test_two_reminder_runs_at_once_take_each_room_and_remind_each_row_once():
    w = build_world()
    declared(w)
    office_room(w, "301", unit=w.education)

    results = run_at_once(services.run_idle_reminders, services.run_idle_reminders)

    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["synced"] for r in results) == 1
    assert sum(r["reminded"] for r in results) == 2
    assert IdleAsset.objects.count() == 2
    assert Notification.objects.filter(recipient=w.finance_admin).count() == 1
    assert Notification.objects.filter(recipient=w.education_admin).count() == 1
