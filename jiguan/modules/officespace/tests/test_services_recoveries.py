"""Recoveries (腾退): 1 month after a transfer or retirement, 2 for a concurrent-post office; overdue ones
become one event each; a status change through the people register opens them by itself."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.jobs import registered_jobs, run_job
from jiguan.core.models import Event
from jiguan.core.services import org
from jiguan.core.statemachine import timeline
from jiguan.modules.officespace import services
from jiguan.modules.officespace.models import Occupancy, Recovery, Room

from .ledger import build_ledger

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture
def w():
    w = build_ledger()
    w.main = services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.deputy.pk)
    w.second = services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.deputy.pk, concurrent_post=True)
    return w


@pytest.mark.parametrize(("start", "months", "due"), [
    (date(2026, 1, 15), 1, date(2026, 2, 15)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 12, 31), 2, date(2027, 2, 28)),
    (date(2026, 3, 31), 2, date(2026, 5, 31)),
])
def test_due_dates_are_month_end_safe(start, months, due):
    assert services.add_months(start, months) == due


def test_open_recovery_is_due_in_one_month_and_two_for_a_concurrent_post(w):
    today = timezone.localdate()
    main = services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="transferred")
    second = services.open_recovery(w.nc_admin, occupancy_id=w.second.pk, reason="concurrent_ended")
    assert (main.state, main.opened_on, main.due_on) == ("open", today, services.add_months(today, 1))
    assert second.due_on == services.add_months(today, 2)
    assert main.unit == w.finance and main.org_path == w.finance.org_path
    assert [e.action for e in timeline(main)] == ["open"]


def test_open_recovery_refusals_change_nothing(w):
    with pytest.raises(ValidationFailed) as exc:
        services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="concurrent_ended")
    assert "主办公室" in exc.value.errors["reason"][0]
    with pytest.raises(ValidationFailed):
        services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="fired")
    with pytest.raises(Http404):
        services.open_recovery(w.jj_admin, occupancy_id=w.main.pk, reason="retired")
    with pytest.raises(PermissionDenied):
        services.open_recovery(w.staff, occupancy_id=w.main.pk, reason="retired")
    assert not Recovery.objects.exists()
    services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="retired")
    with pytest.raises(StateError):
        services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="retired")
    assert Recovery.objects.count() == 1


def test_complete_recovery_ends_the_occupancy_and_the_empty_office_turns_idle(w):
    recovery = services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="retired")
    done = services.complete_recovery(w.fin_admin, recovery.pk)
    assert (done.state, done.recovered_on) == ("recovered", timezone.localdate())
    assert Occupancy.objects.get(pk=w.main.pk).end == timezone.localdate()
    assert Room.objects.get(pk=w.single.pk).state == "idle"
    with pytest.raises(StateError):
        services.complete_recovery(w.fin_admin, recovery.pk)


def test_releasing_the_office_completes_its_recovery(w):
    recovery = services.open_recovery(w.fin_admin, occupancy_id=w.second.pk, reason="concurrent_ended")
    services.release_occupant(w.fin_admin, w.second.pk)
    assert Recovery.objects.get(pk=recovery.pk).state == "recovered"
    assert Room.objects.get(pk=w.shared.pk).state == "idle"


def test_overdue_recoveries_are_flagged_once_with_one_event_each(w):
    late = services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="transferred")
    services.open_recovery(w.fin_admin, occupancy_id=w.second.pk, reason="concurrent_ended")  # not yet due
    Recovery.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))

    assert services.flag_overdue_recoveries() == 1
    assert services.flag_overdue_recoveries() == 0

    late.refresh_from_db()
    event = Event.objects.get(type="officespace.recovery_overdue")
    assert (late.state, late.event, event.unit, event.subject) == ("overdue", event, w.finance, late)
    assert "李副局长" in event.title
    done = services.complete_recovery(w.fin_admin, late.pk)  # an overdue recovery can still be completed
    assert done.state == "recovered"
    event.refresh_from_db()  # and its event closes the loop by itself, saying why
    assert event.status == "resolved" and event.resolved_at is not None
    assert [(t.action, t.to_state) for t in timeline(event)][-1] == ("settle", "resolved")


def test_a_settled_event_offers_no_system_action_to_people(w):
    from jiguan.core.services.events import actions_for, settle_event

    late = services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="transferred")
    Recovery.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    services.flag_overdue_recoveries()
    event = Event.objects.get(type="officespace.recovery_overdue")
    assert "settle" not in actions_for(w.fin_admin, event)
    settle_event(event.pk, "测试")
    assert settle_event(event.pk, "再次") is None  # already resolved: left alone


def test_the_periodic_job_is_registered_and_runs(w):
    late = services.open_recovery(w.fin_admin, occupancy_id=w.main.pk, reason="retired")
    Recovery.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    assert "officespace.recoveries" in registered_jobs()
    assert run_job("officespace.recoveries") == "ok: 1 overdue"


@pytest.mark.parametrize("status", ["transferred", "retired"])
def test_status_change_in_the_people_register_opens_recoveries(w, status):
    org.update_person(w.fin_admin, w.deputy.pk, status=status)
    recoveries = Recovery.objects.order_by("occupancy__concurrent_post")
    assert [(r.occupancy_id, r.reason) for r in recoveries] == [(w.main.pk, status), (w.second.pk, status)]
    today = timezone.localdate()
    assert [r.due_on for r in recoveries] == [services.add_months(today, 1), services.add_months(today, 2)]

    org.update_person(w.fin_admin, w.deputy.pk, title="调研员")  # saving again opens nothing twice
    assert Recovery.objects.count() == 2


def test_people_staying_in_post_keep_their_offices(w):
    org.update_person(w.fin_admin, w.deputy.pk, title="副局长")
    assert not Recovery.objects.exists()


def test_the_room_page_shows_an_open_recovery_instead_of_offering_a_second(w, client, settings):
    settings.REQUIRE_ADMIN_2FA = False
    client.force_login(w.fin_admin)
    page = reverse("manage:officespace:room", args=[w.shared.pk])
    assert "发起腾退" in client.get(page, headers=ZH).content.decode()  # a concurrent post may be recovered
    recovery = services.open_recovery(w.fin_admin, occupancy_id=w.second.pk, reason="concurrent_ended")
    html = client.get(page, headers=ZH).content.decode()
    assert f"待腾退（应于{recovery.due_on:%Y-%m-%d}前腾退）" in html and "发起腾退" not in html
    Recovery.objects.filter(pk=recovery.pk).update(state="overdue")
    assert "已逾期（应于" in client.get(page, headers=ZH).content.decode()
