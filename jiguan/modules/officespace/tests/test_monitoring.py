"""The module's KPIs and rules on a small ledger, narrowed by region and by agency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.registry import registry
from jiguan.core.testing import make_department, make_person, make_unit, per_agency_figures
from jiguan.modules.officespace import monitoring, services
from jiguan.modules.officespace.models import Recovery, Room

from .ledger import build_ledger, room

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = build_ledger()
    services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.deputy.pk)  # 30 vs 18
    services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)  # 40 vs 9
    w.idle = room(w, "303", "10", state="idle", idle_since=timezone.localdate() - timedelta(days=200))
    w.fresh_idle = room(w, "304", "10", state="idle", idle_since=timezone.localdate())
    return w


def test_kpis_of_the_ledger(w):
    assert monitoring.area_by_category()["office"] == Decimal("90")
    assert monitoring.area_by_category()["service"] == Decimal("60")
    assert monitoring.over_standard_count() == 2
    assert monitoring.over_standard_area() == Decimal("43")  # 12 + 31
    assert monitoring.idle_area() == Decimal("20")
    assert monitoring.idle_rate() == Decimal("13.33")  # 20 / 150
    assert monitoring.office_area_per_capita() == Decimal("11.25")  # 90 ㎡ for 8 in post (5 staff, 3 admins)
    assert monitoring.overdue_recoveries() == 0


def test_kpis_narrow_to_a_region_and_to_an_agency(w):
    assert monitoring.over_standard_count("360100") == 2
    assert monitoring.over_standard_count("360400") == 0
    assert monitoring.idle_area(unit_id=w.finance.pk) == Decimal("20")
    assert monitoring.idle_area(unit_id=w.jiujiang.pk) == 0
    assert monitoring.area_by_category("360400")["office"] == 0
    assert monitoring.office_area_per_capita(unit_id=w.finance.pk) == Decimal("18.00")  # 90 ㎡ for 5


def test_every_kpi_for_all_agencies_at_once_equals_each_agency_in_turn(w):
    """The hourly pass computes each KPI for every agency in one grouped query: a department's rooms and
    people count to its agency, retired rooms to nobody, and an agency with nothing gets the empty figures."""
    office = make_department(w.finance, "办公室")
    services.assign_occupant(w.fin_admin, room_id=room(w, "305", "50", unit=office).pk,
                             person_id=make_person(office, "钱科员", rank="below_bureau").pk)  # 50 vs 9
    room(w, "306", "25", unit=office, state="idle", idle_since=timezone.localdate())
    room(w, "307", "80", retired=True)
    recovery = services.open_recovery(w.fin_admin, occupancy_id=w.single.occupancies.get().pk, reason="retired")
    Recovery.objects.filter(pk=recovery.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    services.flag_overdue_recoveries()
    empty = make_unit("360400", "九江市档案馆")
    every = per_agency_figures(registry.get("officespace").kpis, [w.finance, w.jiujiang, w.nc_bureau, empty])
    figures = {code: values[w.finance.pk] for code, values in every.items()}
    assert figures["officespace.over_standard_count"] == 3
    assert figures["officespace.over_standard_area"] == Decimal("84")  # 12 + 31 + 41
    assert figures["officespace.idle_area"] == Decimal("45")  # 10 + 10 + 25
    assert figures["officespace.area_by_category"]["office"] == Decimal("165")  # the retired 80 ㎡ left out
    assert figures["officespace.office_per_capita"] == Decimal("27.50")  # 165 ㎡ for 6 in post
    assert figures["officespace.overdue_recoveries"] == 1


def test_rules_return_the_offending_objects(w):
    assert set(monitoring.rooms_over_standard()) == {w.single, w.shared}
    assert list(monitoring.rooms_idle_long()) == [w.idle]
    occupancy = w.single.occupancies.get()
    recovery = services.open_recovery(w.fin_admin, occupancy_id=occupancy.pk, reason="retired")
    assert not monitoring.recoveries_overdue().exists()
    Recovery.objects.filter(pk=recovery.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert list(monitoring.recoveries_overdue()) == [recovery]
    services.flag_overdue_recoveries()
    assert list(monitoring.recoveries_overdue()) == [recovery]
    assert monitoring.overdue_recoveries("360100") == 1


def test_kpis_and_rules_are_registered():
    spec = registry.get("officespace")
    assert {k.code for k in spec.kpis} >= {"officespace.over_standard_area", "officespace.idle_rate"}
    assert [r.evaluate for r in spec.rules] == [
        monitoring.rooms_over_standard, monitoring.recoveries_overdue, monitoring.rooms_idle_long,
    ]
    assert Room.objects.count() == 0


def test_an_idle_room_alert_and_its_event_link_to_the_room(w, client, settings):
    from jiguan.monitor.models import Alert, AlertRule
    from jiguan.monitor.services import alerts

    settings.REQUIRE_ADMIN_2FA = False
    AlertRule.objects.create(region_id="360000", code="idle", name="房间闲置六个月以上", kind="business",
                             business_rule="officespace.room_idle_6_months", category="officespace")
    alerts.evaluate_all(timezone.now())
    alert = Alert.objects.get(subject_id=str(w.idle.pk))
    client.force_login(w.fin_admin)
    room_link = f'<a href="{reverse("manage:officespace:room", args=[w.idle.pk])}">{w.idle}</a>'
    assert room_link in client.get(reverse("manage:monitor:alert", args=[alert.pk])).content.decode()
    alert_link = f'<a href="{reverse("manage:monitor:alert", args=[alert.pk])}">{alert.title}</a>'
    assert alert_link in client.get(reverse("manage:event", args=[alert.event_id])).content.decode()
