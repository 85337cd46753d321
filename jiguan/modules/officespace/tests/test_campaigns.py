"""清查盘点 services: the snapshot at opening (and that later ledger edits leave it alone), each check's
differences, every refusal, accept / return, applying the corrections and closing."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Event, Notification
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, make_unit
from jiguan.modules.officespace import services
from jiguan.modules.officespace.models import (
    AllocationDocument,
    Building,
    CampaignBuilding,
    CampaignRoom,
    CampaignTask,
    Compound,
    Floor,
    Occupancy,
    Ownership,
    Room,
)
from jiguan.modules.officespace.services import campaigns as cs

from .ledger import build_ledger, room

pytestmark = pytest.mark.django_db
DEADLINE = timezone.localdate() + timedelta(days=30)


def campaign_world() -> SimpleNamespace:
    """``build_ledger()`` plus: the 南昌 bureau's own building with its own room and one used by the finance
    bureau (with an allocation document), an ownership registration, 九江's room apart, a province bureau."""
    w = build_ledger()
    w.province_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.province_admin = make_account("prov_admin", roles=("region_bureau_admin",), unit=w.province_bureau)
    w.fin_admin2 = make_account("fin_admin2", roles=("unit_admin",), unit=w.finance)
    w.bureau_admin = make_account("bureau_unit_admin", roles=("unit_admin",), unit=w.nc_bureau)
    compound = Compound.objects.create(unit=w.nc_bureau, name="市行政中心", region_id="360100", address="南昌市卫东大道1号")
    w.centre = Building.objects.create(compound=compound, unit=w.nc_bureau, name="1号办公楼", year_built=2010,
                                       floors_above=2, gross_area=Decimal("5000"))
    floor = Floor.objects.create(building=w.centre, unit=w.nc_bureau, number=2)
    w.bureau_room = Room.objects.create(floor=floor, unit=w.nc_bureau, number="201", category="office",
                                        usable_area=Decimal("20"))
    w.lent_room = Room.objects.create(floor=floor, unit=w.finance, number="202", category="office",
                                      usable_area=Decimal("25"))
    w.unbacked_room = Room.objects.create(floor=floor, unit=w.finance, number="203", category="service",
                                          subtype="档案室", usable_area=Decimal("15"))
    document = AllocationDocument.objects.create(unit=w.finance, document_no="洪机管〔2024〕3号",
                                                 issued_on=date(2024, 3, 1))
    document.rooms.add(w.lent_room)
    Ownership.objects.create(building=w.centre, unit=w.nc_bureau, certificate_no="赣(2012)南昌市不动产权第0001号",
                             holder="南昌市机关事务管理局")
    jj_building = Building.objects.create(compound=w.jj_compound, unit=w.jiujiang, name="九江主楼", year_built=1998,
                                          floors_above=1, gross_area=Decimal("900"))
    jj_floor = Floor.objects.create(building=jj_building, unit=w.jiujiang, number=1)
    w.jj_room = Room.objects.create(floor=jj_floor, unit=w.jiujiang, number="101", category="office",
                                    usable_area=Decimal("20"))
    Occupancy.objects.create(room=w.single, person=w.director, start=date(2024, 1, 1))
    return w


def open_nanchang(w, **fields):
    values = {"name": "2026年度办公用房清查盘点", "year": timezone.localdate().year, "deadline": DEADLINE, **fields}
    return cs.open_campaign(w.nc_admin, **values)


@pytest.fixture
def w(db):
    return campaign_world()


@pytest.fixture
def campaign(w):
    return open_nanchang(w)


def task_of(campaign, unit) -> CampaignTask:
    return CampaignTask.objects.get(campaign=campaign, unit=unit)


def row_of(campaign, number, building=None) -> CampaignRoom:
    rows = CampaignRoom.objects.filter(campaign=campaign, number=number)
    return rows.get(building=building) if building else rows.get()


# --- Opening ----------------------------------------------------------------------------------------


def test_opening_snapshots_every_room_and_building_of_the_region(w, campaign):
    tasks = {t.unit.name: t for t in campaign.tasks.select_related("unit")}
    assert set(tasks) == {"南昌市财政局", "南昌市机关事务管理局"}  # 九江 is outside the region
    finance = tasks["南昌市财政局"]
    assert sorted(finance.rooms.values_list("number", flat=True)) == ["101", "202", "203", "301", "302"]
    single = row_of(campaign, "301")
    assert (single.building_name, single.floor, single.ledger_category, single.ledger_usable_area,
            single.ledger_state, single.ledger_occupants, single.result) == (
        "主楼", 3, "office", Decimal("30.00"), "in_use", 1, "pending")
    assert single.org_path == w.finance.org_path and single.task_id == finance.pk
    lent = row_of(campaign, "202")
    assert (lent.needs_document, lent.ledger_document) == (True, "洪机管〔2024〕3号")
    assert (row_of(campaign, "203").needs_document, row_of(campaign, "203").ledger_document) == (True, "")
    assert row_of(campaign, "301").needs_document is False  # finance keeps its own building
    centre = CampaignBuilding.objects.get(campaign=campaign, building=w.centre)
    assert centre.task.unit == w.nc_bureau
    assert (centre.ledger_gross_area, centre.ledger_usable_area, centre.ledger_certificate,
            centre.ledger_certificates) == (Decimal("5000"), Decimal("60"), "赣(2012)南昌市不动产权第0001号", 1)
    main = CampaignBuilding.objects.get(campaign=campaign, building=w.building)
    assert (main.task_id, main.ledger_certificates, main.ledger_certificate) == (finance.pk, 0, "")


def test_later_ledger_edits_do_not_move_the_snapshot(w, campaign):
    services.update_room(w.nc_admin, w.shared.pk, usable_area="35", category="service")
    services.retire_room(w.nc_admin, w.meeting.pk)
    room(w, "303", "12")
    shared = row_of(campaign, "302", w.building)
    assert (shared.ledger_usable_area, shared.ledger_category) == (Decimal("40.00"), "office")
    assert row_of(campaign, "101", w.building).ledger_category == "service"
    assert not CampaignRoom.objects.filter(campaign=campaign, number="303").exists()
    assert task_of(campaign, w.finance).rooms.count() == 5


def test_the_province_bureau_opens_over_the_whole_province(w):
    campaign = cs.open_campaign(w.province_admin, name="2026年度全省办公用房清查盘点", year=2026, deadline=DEADLINE)
    assert campaign.region_id == "360000" and campaign.org_path == "36/"
    assert set(campaign.tasks.values_list("unit__name", flat=True)) == {"南昌市财政局", "南昌市机关事务管理局", "九江市财政局"}


def test_opening_notifies_the_units_administrators(w, campaign):
    told = set(Notification.objects.filter(title__contains=campaign.name).values_list("recipient__username", flat=True))
    assert told == {"fin_admin", "fin_admin2", "bureau_unit_admin"}


def test_a_unit_administrator_cannot_open_a_campaign(w):
    with pytest.raises(PermissionDenied):
        cs.open_campaign(w.fin_admin, name="2026年度清查盘点", year=2026, deadline=DEADLINE)


def test_opening_refuses_a_region_outside_the_scope_and_bad_input(w):
    with pytest.raises(ValidationFailed) as refused:
        open_nanchang(w, region_code="360400")
    assert "region_code" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        cs.open_campaign(w.nc_admin, name="清查", year=1990, deadline=date(2020, 1, 1))
    assert set(refused.value.errors) == {"name", "year", "deadline"}
    assert not CampaignTask.objects.exists() and not CampaignRoom.objects.exists()


def test_a_city_under_the_bureau_can_be_chosen_and_a_second_open_campaign_is_refused(w, campaign):
    with pytest.raises(StateError):
        open_nanchang(w)
    with pytest.raises(ValidationFailed) as refused:
        open_nanchang(w, region_code="360102")  # 东湖区: no unit has rooms there
    assert "region_code" in refused.value.errors


# --- The unit's work and the differences ---------------------------------------------------------------


def check_everything(w, campaign):
    """Finance: 302 smaller and idle, 101 gone, a storeroom found; the rest confirmed; its main building
    booked 100 ㎡ short. The bureau: its building's certificate is not at hand."""
    finance, bureau = task_of(campaign, w.finance), task_of(campaign, w.nc_bureau)
    cs.correct_room(w.fin_admin, row_of(campaign, "302", w.building).pk, category="office", usable_area="38.5",
                    state="idle", note="实测面积")
    cs.mark_missing(w.fin_admin, row_of(campaign, "101", w.building).pk, note="已拆除并入走廊")
    cs.add_extra_room(w.fin_admin, finance.pk, building_id=w.building.pk, floor_number=2, number="205",
                      category="service", usable_area="16", state="in_use", note="储藏室")
    assert cs.confirm_rooms(w.fin_admin, finance.pk) == 3
    main = CampaignBuilding.objects.get(campaign=campaign, building=w.building)
    cs.save_building_figures(w.fin_admin, main.pk, book_area="2900", book_value="8600000", certificate_at_hand=False)
    assert cs.confirm_rooms(w.bureau_admin, bureau.pk) == 1
    centre = CampaignBuilding.objects.get(campaign=campaign, building=w.centre)
    cs.save_building_figures(w.bureau_admin, centre.pk, book_area="5000", book_value="21000000",
                             certificate_at_hand=True, certificate_matches=True)
    return finance, bureau


def test_each_check_produces_its_differences(w, campaign):
    check_everything(w, campaign)
    with translation.override("en"):
        found = {(d.unit, d.kind, d.item, d.field, d.difference) for d in cs.differences(campaign.tasks.all())}
    assert found == {
        ("南昌市财政局", "physical", "主楼 302", "Usable area (㎡)", Decimal("-1.50")),
        ("南昌市财政局", "physical", "主楼 302", "State", None),
        ("南昌市财政局", "physical", "主楼 101", "Room", Decimal("-60.00")),
        ("南昌市财政局", "physical", "主楼 205", "Room", Decimal("16")),
        ("南昌市财政局", "certificate", "1号办公楼 203", "Allocation document", None),
        ("南昌市财政局", "certificate", "主楼", "Ownership registration", None),
        ("南昌市财政局", "certificate", "主楼", "Ownership certificate", None),
        ("南昌市财政局", "accounts", "主楼", "Gross floor area (㎡)", Decimal("-100.00")),
    }
    rows = {row["task"].unit.name: row for row in cs.progress(campaign.tasks.all())}
    finance = rows["南昌市财政局"]
    assert (finance["rooms"], finance["checked"], finance["extra"], finance["percent"]) == (5, 5, 1, 100)
    assert (finance["physical"], finance["physical_area"], finance["certificate"]) == (4, Decimal("-45.50"), 3)
    assert (finance["accounts"], finance["accounts_area"]) == (1, Decimal("-100.00"))
    assert (rows["南昌市机关事务管理局"]["physical"], rows["南昌市机关事务管理局"]["accounts"]) == (0, 0)
    assert cs.totals(list(rows.values()))["physical"] == 4
    only_accounts = cs.differences(campaign.tasks.all(), "accounts")
    assert [d.kind for d in only_accounts] == ["accounts"]


def test_a_correction_equal_to_the_ledger_confirms_the_room(w, campaign):
    row = cs.correct_room(w.fin_admin, row_of(campaign, "301").pk, category="office", usable_area="30.00",
                          state="in_use")
    assert row.result == "confirmed"


def test_bad_findings_are_refused_and_change_nothing(w, campaign):
    row = row_of(campaign, "301")
    with pytest.raises(ValidationFailed) as refused:
        cs.correct_room(w.fin_admin, row.pk, category="kitchen", usable_area="12.345", state="in_use")
    assert set(refused.value.errors) == {"category", "usable_area"}
    with pytest.raises(ValidationFailed) as refused:
        cs.correct_room(w.fin_admin, row.pk, category="office", usable_area="-3", state="in_use")
    assert "usable_area" in refused.value.errors
    building = CampaignBuilding.objects.get(campaign=campaign, building=w.building)
    with pytest.raises(ValidationFailed) as refused:
        cs.save_building_figures(w.fin_admin, building.pk, book_area="1.001", book_value="-1", certificate_at_hand="x")
    assert set(refused.value.errors) == {"book_area", "book_value", "certificate_at_hand"}
    with pytest.raises(ValidationFailed) as refused:
        cs.add_extra_room(w.fin_admin, task_of(campaign, w.finance).pk, building_id=w.building.pk, floor_number=9,
                          number="301", category="office", usable_area="10", state="in_use")
    assert set(refused.value.errors) == {"floor_number", "number"}
    assert row_of(campaign, "301").result == "pending"
    assert CampaignBuilding.objects.get(pk=building.pk).book_area is None


def test_a_unit_cannot_touch_another_units_task_nor_see_another_region(w, campaign):
    bureau = task_of(campaign, w.nc_bureau)
    with pytest.raises(Http404):
        cs.confirm_rooms(w.fin_admin, bureau.pk)
    with pytest.raises(Http404):
        cs.correct_room(w.fin_admin, row_of(campaign, "201").pk, category="office", usable_area="20", state="idle")
    with pytest.raises(Http404):
        cs.task_in_view(w.jj_admin, bureau.pk)
    with pytest.raises(Http404):
        cs.campaign_in_view(w.jj_admin, campaign.pk)
    with pytest.raises(Http404):
        cs.accept_task(w.jj_admin, bureau.pk)
    assert cs.campaign_in_view(w.fin_admin, campaign.pk) == campaign  # through its own task
    assert list(cs.visible_tasks(w.fin_admin, campaign)) == [task_of(campaign, w.finance)]


def test_submit_is_refused_while_rooms_are_unchecked_and_says_how_many(w, campaign):
    finance = task_of(campaign, w.finance)
    cs.confirm_rooms(w.fin_admin, finance.pk, [row_of(campaign, "301").pk])
    with pytest.raises(ValidationFailed) as refused:
        cs.submit_task(w.fin_admin, finance.pk)
    assert "4" in refused.value.errors["rooms"][0] and "1" in refused.value.errors["buildings"][0]
    assert CampaignTask.objects.get(pk=finance.pk).state == "pending"


def test_submit_accept_and_return_with_the_timeline_and_no_edits_after_submission(w, campaign):
    finance, _bureau = check_everything(w, campaign)
    cs.submit_task(w.fin_admin, finance.pk)
    with pytest.raises(StateError):
        cs.confirm_rooms(w.fin_admin, finance.pk)
    with pytest.raises(StateError):
        cs.correct_room(w.fin_admin, row_of(campaign, "301").pk, category="office", usable_area="29", state="in_use")
    with pytest.raises(PermissionDenied):
        cs.accept_task(w.fin_admin, finance.pk)
    with pytest.raises(ValidationFailed):
        cs.return_task(w.nc_admin, finance.pk, "")
    cs.return_task(w.nc_admin, finance.pk, "302室面积请附测绘报告")
    assert Notification.objects.filter(recipient=w.fin_admin, link__contains=f"/tasks/{finance.pk}/").count() == 1
    cs.correct_room(w.fin_admin, row_of(campaign, "302", w.building).pk, category="office", usable_area="38.6",
                    state="idle", note="按测绘报告")
    cs.submit_task(w.fin_admin, finance.pk)
    task = cs.accept_task(w.nc_admin, finance.pk, "同意")
    assert task.state == "accepted"
    steps = [(e.action, e.to_state) for e in timeline(task)]
    assert steps[-4:] == [("submit", "submitted"), ("return", "returned"), ("submit", "submitted"),
                          ("accept", "accepted")]
    with pytest.raises(StateError):
        cs.accept_task(w.nc_admin, finance.pk)


# --- Applying and closing -----------------------------------------------------------------------------


def test_applying_writes_accepted_corrections_through_the_ledger_services(w, campaign):
    finance, _bureau = check_everything(w, campaign)
    cs.correct_room(w.fin_admin, row_of(campaign, "301").pk, category="office", usable_area="30", state="idle",
                    note="无人办公")  # the director still sits there: the ledger refuses "idle"
    cs.submit_task(w.fin_admin, finance.pk)
    cs.accept_task(w.nc_admin, finance.pk)
    outcome = cs.apply_corrections(w.nc_admin, campaign.pk)
    assert outcome == {"applied": 3, "refused": 1}
    w.shared.refresh_from_db()
    w.meeting.refresh_from_db()
    assert (w.shared.usable_area, w.shared.state) == (Decimal("38.50"), "idle")
    assert w.meeting.retired
    assert Room.objects.filter(building=w.building, number="205", category="service", unit=w.finance).exists()
    refused = row_of(campaign, "301")
    assert not refused.applied and refused.apply_note
    assert Room.objects.get(pk=w.single.pk).state == "in_use"
    assert cs.apply_corrections(w.nc_admin, campaign.pk) == {"applied": 0, "refused": 1}  # applied rows are done


def test_a_unit_cannot_apply_or_close(w, campaign):
    with pytest.raises(PermissionDenied):
        cs.apply_corrections(w.fin_admin, campaign.pk)
    with pytest.raises(PermissionDenied):
        cs.close_campaign(w.fin_admin, campaign.pk)


def test_closing_is_refused_while_units_are_pending_unless_forced_with_a_reason(w, campaign):
    with pytest.raises(StateError) as refused:
        cs.close_campaign(w.nc_admin, campaign.pk)
    assert "2" in refused.value.message
    with pytest.raises(ValidationFailed):
        cs.close_campaign(w.nc_admin, campaign.pk, force=True)
    closed = cs.close_campaign(w.nc_admin, campaign.pk, force=True, reason="年度决算时间到，未完成单位另行督办")
    assert (closed.state, closed.closed_on) == ("closed", timezone.localdate())
    events = Event.objects.filter(type="officespace.campaign_unfinished")
    assert set(events.values_list("unit__name", flat=True)) == {"南昌市财政局", "南昌市机关事务管理局"}
    with pytest.raises(StateError):
        cs.confirm_rooms(w.fin_admin, task_of(campaign, w.finance).pk)
    with pytest.raises(StateError):
        cs.close_campaign(w.nc_admin, campaign.pk, force=True, reason="再次结束")


def test_closing_when_every_unit_is_accepted_needs_no_reason(w, campaign):
    for task in check_everything(w, campaign):
        cs.submit_task(w.nc_admin, task.pk)
        cs.accept_task(w.nc_admin, task.pk)
    assert cs.close_campaign(w.nc_admin, campaign.pk).state == "closed"
    assert not Event.objects.filter(type="officespace.campaign_unfinished").exists()


# --- The permission matrix ------------------------------------------------------------------------------

ALLOWED, HIDDEN, FORBIDDEN = "allowed", "404", "403"
ACTIONS = {
    "view campaign": lambda w, c, t: cs.campaign_in_view(w.actor, c.pk),
    "view task": lambda w, c, t: cs.task_in_view(w.actor, t.pk),
    "confirm rooms": lambda w, c, t: cs.confirm_rooms(w.actor, t.pk),
    "return task": lambda w, c, t: cs.return_task(w.actor, t.pk, "请补充测绘资料"),
    "close": lambda w, c, t: cs.close_campaign(w.actor, c.pk, force=True, reason="年度工作结束"),
}
MATRIX = {  # actor: outcome of each action on the finance bureau's task of the 南昌 campaign
    "province_admin": (ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    "nc_admin": (ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    "jj_admin": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "fin_admin": (ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN),
    "bureau_admin": (ALLOWED, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN),
    "staff": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
}


@pytest.mark.parametrize("actor", MATRIX)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(w, campaign, actor, action):
    task = task_of(campaign, w.finance)
    if action == "return task":
        check_everything(w, campaign)
        cs.submit_task(w.fin_admin, task.pk)
    w.actor = getattr(w, actor)
    expected = MATRIX[actor][list(ACTIONS).index(action)]
    try:
        ACTIONS[action](w, campaign, task)
        outcome = ALLOWED
    except Http404:
        outcome = HIDDEN
    except PermissionDenied:
        outcome = FORBIDDEN
    assert outcome == expected
