"""Idle assets: declaring with its refusals, who sees which rows, settling a row (back in use, offered by an
intake request), the office-room sync and the monthly reminders."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Notification
from jiguan.core.services.inputs import add_months
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_unit
from jiguan.modules.warehouse.models import IdleAsset, IntakeRequest
from jiguan.modules.warehouse.services import idle as services

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def months_ago(months: int) -> date:
    return add_months(timezone.localdate(), -months)


def declared(w, user=None, **values) -> IdleAsset:
    fields = {"name": "会议桌", "category_code": "A05010201", "quantity": 2, "idle_since": months_ago(7),
              "note": "机构改革后空置"}
    return services.declare_idle(user or w.finance_admin, **{**fields, **values})


def intake(w, unit=None, state="submitted") -> IntakeRequest:
    unit = unit or w.finance
    return IntakeRequest.objects.create(number=f"RC{IntakeRequest.objects.count():06d}", unit=unit,
                                        pool_region_id="360000", reason="闲置", state=state,
                                        submitted_by=w.finance_admin)


def test_a_unit_declares_an_idle_asset(w):
    idle = declared(w)
    assert (idle.unit, idle.category.code, idle.quantity, idle.state, idle.source, idle.declared_by) == (
        w.finance, "A05010201", 2, "idle", "declared", w.finance_admin)
    assert services.months_idle(idle.idle_since) == 7 and services.is_due(idle)
    assert [e.action for e in timeline(idle)] == ["declare"]
    assert not services.is_due(declared(w, idle_since=months_ago(5), category_code=""))


@pytest.mark.parametrize(("values", "field"), [
    ({"name": " "}, "name"),
    ({"category_code": "A99"}, "category_code"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 501}, "quantity"),
    ({"quantity": "两"}, "quantity"),
    ({"idle_since": ""}, "idle_since"),
    ({"idle_since": "2026-13-01"}, "idle_since"),
    ({"idle_since": timezone.localdate() + timedelta(days=1)}, "idle_since"),
    ({"note": "备" * 201}, "note"),
])
def test_bad_declarations_are_refused_and_change_nothing(w, values, field):
    with pytest.raises(ValidationFailed) as refused:
        declared(w, **values)
    assert field in refused.value.errors
    assert not IdleAsset.objects.exists()


def test_only_offer_holders_with_a_unit_declare(w):
    with pytest.raises(PermissionDenied):
        declared(w, user=w.staff)
    w.finance_admin.unit = None
    with pytest.raises(ValidationFailed):
        declared(w, user=w.finance_admin)


def test_the_bureau_sees_its_region_a_unit_its_own(w):
    finance = declared(w)
    education = declared(w, user=w.education_admin)
    city = declared(w, user=w.city_unit_admin)
    assert set(services.idle_in_scope(w.bureau_admin)) == {finance, education, city}  # the cities below too
    assert list(services.idle_in_scope(w.finance_admin)) == [finance]
    assert list(services.idle_in_scope(w.city_admin)) == [city]
    with pytest.raises(Http404):
        services.get_idle(w.finance_admin, education.pk)
    with pytest.raises(Http404):
        services.get_idle(w.city_admin, finance.pk)
    with pytest.raises(PermissionDenied):
        services.idle_in_scope(w.staff)


def test_filters_by_state_and_due(w):
    due = declared(w)
    fresh = declared(w, idle_since=months_ago(1))
    assert list(services.filtered(w.bureau_admin, due=True)) == [due]
    assert list(services.filtered(w.bureau_admin, due=False)) == [fresh]
    assert list(services.filtered(w.bureau_admin, state="offered")) == []


def test_the_unit_puts_its_asset_back_in_use(w):
    idle = declared(w)
    with pytest.raises(ValidationFailed) as refused:
        services.mark_in_use(w.finance_admin, idle.pk, "")
    assert "comment" in refused.value.errors
    with pytest.raises(PermissionDenied):  # the bureau sees the row but the unit decides
        services.mark_in_use(w.bureau_admin, idle.pk, "分配给新处室")
    with pytest.raises(Http404):
        services.mark_in_use(w.education_admin, idle.pk, "分配给新处室")
    services.mark_in_use(w.finance_admin, idle.pk, "分配给新处室")
    idle.refresh_from_db()
    assert idle.state == "in_use"
    assert services.allowed_actions(idle, w.finance_admin) == set()
    with pytest.raises(StateError):
        services.mark_in_use(w.finance_admin, idle.pk, "再次使用")


def test_the_unit_records_the_intake_request_offering_it(w):
    idle = declared(w)
    assert services.allowed_actions(idle, w.finance_admin) == {"offer", "in_use"}
    assert services.allowed_actions(idle, w.bureau_admin) == set()
    for other in (intake(w, unit=w.education), intake(w, state="rejected"), intake(w, state="withdrawn")):
        with pytest.raises(ValidationFailed) as refused:
            services.mark_offered(w.finance_admin, idle.pk, other.pk)
        assert refused.value.field == "intake_request_id"
    with pytest.raises(ValidationFailed):
        services.mark_offered(w.finance_admin, idle.pk, "x")
    offer = intake(w, state="received")
    services.mark_offered(w.finance_admin, idle.pk, offer.pk)
    idle.refresh_from_db()
    assert (idle.state, idle.intake_request) == ("offered", offer)
    assert [e.action for e in timeline(idle)] == ["declare", "offer"]
    with pytest.raises(StateError):
        services.mark_offered(w.finance_admin, idle.pk, offer.pk)


# --- Office rooms -----------------------------------------------------------------------------------------------


def office_room(w, number: str, *, state="idle", idle_since=None, unit=None):
    """A room of the office-space ledger, read through the app registry as the service does."""
    model = apps.get_model
    unit = unit or w.finance
    building = model("officespace", "Building").objects.filter(name="财政厅大楼").first()
    if building is None:
        compound = model("officespace", "Compound").objects.create(unit=w.finance, name="财政大院",
                                                                   region_id="360000", address="南昌市1号")
        building = model("officespace", "Building").objects.create(
            compound=compound, unit=w.finance, name="财政厅大楼", year_built=2005, floors_above=5,
            gross_area=Decimal("5000"))
    floor, _made = model("officespace", "Floor").objects.get_or_create(building=building, number=3,
                                                                      defaults={"unit": w.finance})
    return model("officespace", "Room").objects.create(
        floor=floor, unit=unit, number=number, category="office", usable_area=Decimal("30"), state=state,
        idle_since=idle_since if idle_since is not None else (months_ago(8) if state == "idle" else None))


def test_rooms_idle_six_months_become_idle_assets_once(w):
    room = office_room(w, "301")
    office_room(w, "302", idle_since=months_ago(5))  # not yet six months
    office_room(w, "303", state="in_use")
    office_room(w, "304", unit=w.education, idle_since=months_ago(6))
    assert services.sync_office_rooms() == 2
    assert services.sync_office_rooms() == 0  # idempotent
    row = IdleAsset.objects.get(source_key=f"officespace.room:{room.pk}")
    assert (row.unit, row.name, row.idle_since, row.source, row.quantity) == (
        w.finance, "财政厅大楼 301 室内办公家具及设备", room.idle_since, "office_room", 1)
    assert IdleAsset.objects.filter(unit=w.education).count() == 1


def test_rooms_used_again_put_their_rows_back_in_use(w):
    used_again = office_room(w, "301")
    still_idle = office_room(w, "302")
    services.sync_office_rooms()
    used_again.state, used_again.idle_since = "in_use", None
    used_again.save()
    assert services.sync_office_rooms() == 1
    states = dict(IdleAsset.objects.values_list("source_key", "state"))
    assert states == {f"officespace.room:{used_again.pk}": "in_use", f"officespace.room:{still_idle.pk}": "idle"}
    assert services.sync_office_rooms() == 0


def test_without_the_office_space_module_nothing_is_synced(w):
    office_room(w, "301")
    with mock.patch.object(apps, "is_installed", lambda name: name != services.OFFICESPACE):
        assert services.sync_office_rooms() == 0
    assert not IdleAsset.objects.exists()


# --- Reminders --------------------------------------------------------------------------------------------------


def test_each_due_asset_is_reminded_once_every_thirty_days(w):
    declared(w, name="会议桌")
    declared(w, name="文件柜")
    declared(w, name="新近闲置的椅子", idle_since=months_ago(2))
    declared(w, user=w.education_admin, name="投影仪")
    office_room(w, "301")
    today = timezone.localdate()
    assert services.run_idle_reminders(today) == {"synced": 1, "reminded": 4}
    finance = Notification.objects.get(recipient=w.finance_admin)
    assert "3" in finance.title and "会议桌" in finance.body and "新近闲置" not in finance.body
    assert finance.link == "/manage/warehouse/idle/?due=1"
    assert Notification.objects.filter(recipient=w.education_admin).count() == 1
    assert not Notification.objects.filter(recipient=w.bureau_admin).exists()  # the units' own holders
    assert services.run_idle_reminders(today + timedelta(days=29))["reminded"] == 0
    assert services.run_idle_reminders(today + timedelta(days=30))["reminded"] == 4
    assert Notification.objects.filter(recipient=w.finance_admin).count() == 2


def unmanaged_unit_idle(region: str, name: str, *assets: str) -> None:
    """Due assets of a unit with no asset manager of its own: its bureau answers for it."""
    unit = make_unit(region, name)
    for asset in assets:
        IdleAsset.objects.create(unit=unit, name=asset, idle_since=months_ago(7))


def test_a_bureau_answering_for_several_units_gets_one_summary(w):
    unmanaged_unit_idle("360000", "江西省水利厅", "会议桌", "文件柜", "投影仪")
    unmanaged_unit_idle("360000", "江西省审计厅", "空调")
    unmanaged_unit_idle("360100", "南昌市水务局", "打印机")
    declared(w, name="书柜")  # the finance department's own manager hears of it alone
    with translation.override("zh-hans"):
        assert services.run_idle_reminders()["reminded"] == 6
    for keeper in (w.bureau_admin, w.cleared):
        [summary] = Notification.objects.filter(recipient=keeper)
        assert summary.title == "2 个单位共 4 项资产已闲置满 6 个月，请督促交公物仓"
        assert summary.body == "江西省水利厅 3 项、江西省审计厅 1 项"
        assert summary.link == "/manage/warehouse/idle/?due=1"
    [city] = Notification.objects.filter(recipient=w.city_admin)
    assert city.title == "南昌市水务局有 1 项资产已闲置满 6 个月，请交公物仓" and city.body == "打印机"
    [finance] = Notification.objects.filter(recipient=w.finance_admin)
    assert finance.title.startswith("江西省财政厅有 1 项") and finance.body == "书柜"


def test_a_long_summary_names_the_units_with_most_due_first(w):
    unmanaged_unit_idle("360000", "江西省水利厅", "会议桌")
    unmanaged_unit_idle("360000", "江西省审计厅", "空调", "打印机")
    unmanaged_unit_idle("360000", "江西省统计局", "沙发")
    with translation.override("zh-hans"), mock.patch.object(services, "REMINDER_UNITS_LISTED", 2):
        services.run_idle_reminders()
    summary = Notification.objects.get(recipient=w.bureau_admin)
    assert summary.title.startswith("3 个单位共 4 项")
    assert summary.body == "江西省审计厅 2 项、江西省水利厅 1 项…"


def test_settled_assets_are_not_reminded(w):
    idle = declared(w)
    services.mark_in_use(w.finance_admin, idle.pk, "分配给新处室")
    assert services.run_idle_reminders()["reminded"] == 0
    assert not Notification.objects.exists()
