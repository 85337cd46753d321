"""Major repairs through the services: the flow from draft to completed with the cost posted and the
rooms under repair meanwhile, the queue's ranks, each refusal (scope, permission, state, validation),
the permission matrix, a race between two bureau administrators, and the staff's fault reports.

``repair_world()`` and ``request_fields()`` are shared by the other repair tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.models import CostEntry, Notification
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, make_unit, run_at_once
from jiguan.modules.officespace.models import (
    Building,
    Floor,
    Occupancy,
    RepairReport,
    RepairRequest,
    RepairState,
    ReportState,
    Room,
    RoomState,
)
from jiguan.modules.officespace.services import repairs

from .ledger import build_ledger

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def repair_world():
    """The ledger world (南昌市财政局 with 主楼, 2005, 3000 ㎡), a second finance building (1990, 2000 ㎡),
    the province bureau's administrator, 九江's own building, and the clerk seated in office 301."""
    w = build_ledger()
    w.old_building = Building.objects.create(compound=w.compound, unit=w.finance, name="附楼", year_built=1990,
                                             floors_above=2, gross_area=Decimal("2000"))
    w.jj_building = Building.objects.create(compound=w.jj_compound, unit=w.jiujiang, name="九江主楼",
                                            year_built=1998, floors_above=1, gross_area=Decimal("900"))
    Floor.objects.create(building=w.jj_building, unit=w.jiujiang, number=1)
    w.province_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.prov_admin = make_account("prov_admin", roles=("region_bureau_admin",), unit=w.province_bureau)
    w.seat = Occupancy.objects.create(person=w.clerk, room=w.single, start=date(2024, 1, 1))
    return w


def request_fields(building, **changes) -> dict:
    return {
        "building_id": building.pk, "kind": "major", "title": f"{building.name}屋面防水",
        "scope_of_works": "屋面防水层全部铲除翻新，更换雨水管和落水口。",
        "damage_grade": 3, "damage_description": "屋面多处渗漏，三楼办公室墙面发霉，雨季无法正常办公。",
        "estimated_cost": "380000", "annual_energy_kwh": 300000, **changes,
    }


def submitted(w, building=None, **changes) -> RepairRequest:
    request = repairs.create_request(w.fin_admin, **request_fields(building or w.building, **changes))
    return repairs.submit_request(w.fin_admin, request.pk)


def planned(w, **changes) -> RepairRequest:
    request = submitted(w, **changes)
    return repairs.decide_request(w.nc_admin, request.pk, decision="plan", planned_year=THIS_YEAR,
                                  approved_budget="350000")


@pytest.fixture
def w(db):
    return repair_world()


# --- the flow -----------------------------------------------------------------------------------------


def test_flow_from_draft_to_completed_posts_the_cost_and_gives_the_rooms_back(w):
    w.meeting.state = RoomState.IDLE
    w.meeting.save()
    draft = repairs.create_request(w.fin_admin, **request_fields(w.building, room_ids=[w.single.pk, w.meeting.pk]))
    assert draft.state == RepairState.DRAFT and draft.rank is None and draft.score > 0
    assert draft.unit == w.finance and draft.region_id == "360100"

    request = repairs.submit_request(w.fin_admin, draft.pk, "请尽快安排")
    assert request.state == RepairState.SUBMITTED and request.rank == 1
    assert Notification.objects.filter(recipient=w.nc_admin, link__contains=f"/{request.pk}/").exists()

    request = repairs.decide_request(w.nc_admin, request.pk, decision="plan", planned_year=THIS_YEAR + 1,
                                     approved_budget="360000.50", comment="列入明年计划")
    assert (request.state, request.planned_year, request.approved_budget) == (
        RepairState.PLANNED, THIS_YEAR + 1, Decimal("360000.50"))
    assert request.rank is None
    assert Notification.objects.filter(recipient=w.fin_admin, title__contains=request.title).exists()

    request = repairs.start_works(w.nc_admin, request.pk)
    assert request.state == RepairState.IN_PROGRESS and request.started_on == timezone.localdate()
    assert set(Room.objects.filter(pk__in=[w.single.pk, w.meeting.pk]).values_list("state", flat=True)) == {
        RoomState.REPAIR}

    request = repairs.complete_works(w.nc_admin, request.pk, actual_cost="372500.80", comment="已验收")
    assert request.state == RepairState.COMPLETED and request.actual_cost == Decimal("372500.80")
    cost = CostEntry.objects.get(pk=request.cost_entry_id)
    assert (cost.unit, cost.module, cost.category, cost.amount) == (
        w.finance, "officespace", repairs.COST_CATEGORY, Decimal("372500.80"))
    assert Room.objects.get(pk=w.single.pk).state == RoomState.IN_USE  # back as they were
    assert Room.objects.get(pk=w.meeting.pk).state == RoomState.IDLE
    actions = [entry.action for entry in timeline(request)]
    assert actions == ["create", "submit", "plan", "start", "complete"]


def test_a_completed_repair_lowers_the_next_score_of_its_building(w):
    before = repairs.create_request(w.fin_admin, **request_fields(w.building)).score_breakdown["history"]
    request = planned(w)
    repairs.start_works(w.nc_admin, request.pk)
    repairs.complete_works(w.nc_admin, request.pk, actual_cost="100000")
    after = repairs.create_request(w.fin_admin, **request_fields(w.building, title="主楼外墙保温"))
    assert before["points"] == 20
    assert after.score_breakdown["history"] == {"points": 0.0, "max": 20, "repairs": 1,
                                                "last": timezone.localdate().isoformat()}


def test_the_queue_ranks_by_score_and_moves_when_a_request_leaves(w):
    new = submitted(w, damage_grade=2)  # 主楼: newer, moderate damage
    old = submitted(w, building=w.old_building, damage_grade=4, title="附楼消防系统改造")
    new.refresh_from_db()
    assert (old.rank, new.rank) == (1, 2) and old.score > new.score
    # the median is the queue's: 主楼 100 kWh/㎡, 附楼 150 kWh/㎡ → median 125
    assert old.score_breakdown["energy"]["median"] == new.score_breakdown["energy"]["median"] == 125.0
    repairs.withdraw_request(w.fin_admin, old.pk, "先行自筹资金维修")
    new.refresh_from_db()
    assert new.rank == 1 and new.score_breakdown["energy"]["median"] == 100.0
    assert list(repairs.queue(w.nc_admin)) == [new]


def test_returned_request_is_edited_and_submitted_again(w):
    request = submitted(w)
    repairs.decide_request(w.nc_admin, request.pk, decision="return", comment="请补充损坏鉴定报告")
    request = repairs.update_request(w.fin_admin, request.pk, damage_grade=4,
                                     damage_description="经鉴定，屋面结构层开裂，存在坠落危险。")
    assert request.state == RepairState.RETURNED and request.score_breakdown["damage"]["points"] == 35
    assert repairs.submit_request(w.fin_admin, request.pk).state == RepairState.SUBMITTED


def test_reject_needs_a_reason_and_tells_the_unit(w):
    request = submitted(w)
    with pytest.raises(ValidationFailed) as refused:
        repairs.decide_request(w.nc_admin, request.pk, decision="reject")
    assert "comment" in refused.value.errors
    repairs.decide_request(w.nc_admin, request.pk, decision="reject", comment="该楼栋已列入拆除计划")
    request.refresh_from_db()
    assert request.state == RepairState.REJECTED and request.decision_comment == "该楼栋已列入拆除计划"


# --- refusals -----------------------------------------------------------------------------------------


def test_out_of_scope_answers_404(w):
    request = submitted(w)
    with pytest.raises(Http404):
        repairs.decide_request(w.jj_admin, request.pk, decision="reject", comment="不属本市")
    with pytest.raises(Http404):
        repairs.create_request(w.fin_admin, **request_fields(w.jj_building))
    with pytest.raises(Http404):
        repairs.withdraw_request(w.jj_admin, request.pk)
    assert not repairs.visible_requests(w.jj_admin).filter(pk=request.pk).exists()


def test_unit_admin_cannot_plan_start_or_complete(w):
    request = submitted(w)
    with pytest.raises(NotAllowed):
        repairs.decide_request(w.fin_admin, request.pk, decision="plan", planned_year=THIS_YEAR,
                               approved_budget="1000")
    request = planned(w)
    for call in (lambda: repairs.start_works(w.fin_admin, request.pk),
                 lambda: repairs.complete_works(w.fin_admin, request.pk, actual_cost="1")):
        with pytest.raises(NotAllowed):
            call()
    assert RepairRequest.objects.get(pk=request.pk).state == RepairState.PLANNED


@pytest.mark.parametrize("cost", [None, "", "0", "-5", "12.345", "abc", "1e20"])
def test_completing_needs_a_valid_actual_cost_and_changes_nothing_without_one(w, cost):
    request = planned(w, room_ids=[w.single.pk])
    repairs.start_works(w.nc_admin, request.pk)
    with pytest.raises(ValidationFailed) as refused:
        repairs.complete_works(w.nc_admin, request.pk, actual_cost=cost)
    assert list(refused.value.errors) == ["actual_cost"]
    assert RepairRequest.objects.get(pk=request.pk).state == RepairState.IN_PROGRESS
    assert not CostEntry.objects.exists() and Room.objects.get(pk=w.single.pk).state == RoomState.REPAIR


def test_completion_date_cannot_precede_the_start_or_lie_ahead(w):
    request = planned(w)
    repairs.start_works(w.nc_admin, request.pk, started_on=timezone.localdate() - timedelta(days=5))
    for day in (timezone.localdate() - timedelta(days=6), timezone.localdate() + timedelta(days=1)):
        with pytest.raises(ValidationFailed) as refused:
            repairs.complete_works(w.nc_admin, request.pk, actual_cost="100", completed_on=day)
        assert "completed_on" in refused.value.errors


def test_each_step_refuses_the_wrong_state(w):
    request = submitted(w)
    with pytest.raises(StateError):
        repairs.submit_request(w.fin_admin, request.pk)
    with pytest.raises(StateError):
        repairs.update_request(w.fin_admin, request.pk, title="改个名字")
    with pytest.raises(StateError):
        repairs.start_works(w.nc_admin, request.pk)
    with pytest.raises(StateError):
        repairs.complete_works(w.nc_admin, request.pk, actual_cost="100")
    repairs.decide_request(w.nc_admin, request.pk, decision="plan", planned_year=THIS_YEAR, approved_budget="1")
    with pytest.raises(StateError):
        repairs.withdraw_request(w.fin_admin, request.pk)
    with pytest.raises(StateError):
        repairs.decide_request(w.nc_admin, request.pk, decision="reject", comment="重复审定")


def test_bad_input_names_each_field_and_creates_nothing(w):
    with pytest.raises(ValidationFailed) as refused:
        repairs.create_request(w.fin_admin, **request_fields(
            w.building, kind="small", title="", damage_grade=5, estimated_cost="-1", annual_energy_kwh="很多",
            scope_of_works="修", room_ids=[w.single.pk, 99999]))
    assert set(refused.value.errors) == {"kind", "title", "damage_grade", "estimated_cost", "annual_energy_kwh",
                                         "scope_of_works", "room_ids"}
    assert not RepairRequest.objects.exists()


def test_plan_needs_a_year_within_reach_and_a_budget(w):
    request = submitted(w)
    with pytest.raises(ValidationFailed) as refused:
        repairs.decide_request(w.nc_admin, request.pk, decision="plan", planned_year=THIS_YEAR - 1)
    assert set(refused.value.errors) == {"planned_year", "approved_budget"}
    with pytest.raises(ValidationFailed):
        repairs.decide_request(w.nc_admin, request.pk, decision="approve")
    assert RepairRequest.objects.get(pk=request.pk).state == RepairState.SUBMITTED


def test_rooms_are_those_of_the_building(w):
    jj_room = Room.objects.create(floor=w.jj_building.floor_set.first(), unit=w.jiujiang, number="101",
                                  category="office", usable_area=Decimal("20"))
    with pytest.raises(ValidationFailed) as refused:
        repairs.create_request(w.fin_admin, **request_fields(w.old_building, room_ids=[jj_room.pk]))
    assert "room_ids" in refused.value.errors


# --- the permission matrix ----------------------------------------------------------------------------

MATRIX = {  # account → (sees the 南昌 finance request, may submit it, may decide it)
    "fin_admin": (True, True, False),
    "nc_admin": (True, True, True),
    "prov_admin": (True, True, True),
    "jj_admin": (False, False, False),
    "staff": (False, False, False),
}


@pytest.mark.parametrize("who", MATRIX)
def test_permission_matrix(w, who):
    sees, may_submit, may_decide = MATRIX[who]
    draft = repairs.create_request(w.fin_admin, **request_fields(w.building))
    account = getattr(w, who)
    visible = repairs.visible_requests(account).filter(pk=draft.pk).exists() if who != "staff" else False
    assert visible == sees
    assert ("submit" in repairs.allowed_actions(account, draft)) == may_submit
    repairs.submit_request(w.fin_admin, draft.pk)
    draft.refresh_from_db()
    assert ("plan" in repairs.allowed_actions(account, draft)) == may_decide
    try:
        repairs.decide_request(account, draft.pk, decision="return", comment="请补充材料")
        decided = True
    except (NotAllowed, Http404):
        decided = False
    assert decided == may_decide
    if who == "staff":
        with pytest.raises(NotAllowed):
            repairs.visible_requests(account)


# --- a race -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_bureau_administrators_deciding_at_once_one_wins():
    w = repair_world()
    request = submitted(w)
    results = run_at_once(
        lambda: repairs.decide_request(w.nc_admin, request.pk, decision="plan", planned_year=THIS_YEAR,
                                       approved_budget="300000"),
        lambda: repairs.decide_request(w.prov_admin, request.pk, decision="reject", comment="资金不足"),
    )
    assert sorted(type(r).__name__ for r in results) == ["RepairRequest", "StateError"]
    request.refresh_from_db()
    assert request.state in (RepairState.PLANNED, RepairState.REJECTED)


# --- staff reports ------------------------------------------------------------------------------------


def test_staff_report_reaches_the_unit_admin_who_resolves_it(w):
    report = repairs.report_fault(w.staff, description="窗户关不严，下雨渗水", urgency="urgent")
    assert (report.room, report.unit, report.state) == (w.single, w.finance, ReportState.REPORTED)
    assert Notification.objects.filter(recipient=w.fin_admin, title__contains="301").exists()
    assert list(repairs.unit_reports(w.jj_admin)) == []
    with pytest.raises(Http404):
        repairs.resolve_report(w.jj_admin, report.pk, "已修好")
    repairs.resolve_report(w.fin_admin, report.pk, "物业已更换密封条")
    report.refresh_from_db()
    assert report.state == ReportState.RESOLVED and report.resolution_note == "物业已更换密封条"
    assert Notification.objects.filter(recipient=w.staff, body="物业已更换密封条").exists()
    with pytest.raises(StateError):
        repairs.resolve_report(w.fin_admin, report.pk, "再次处理")


def test_staff_report_turned_into_a_request_follows_it(w):
    report = repairs.report_fault(w.staff, description="办公室天花板渗水，墙皮脱落")
    request = repairs.create_request(w.fin_admin, report_id=report.pk, **request_fields(w.building,
                                                                                        room_ids=[w.single.pk]))
    report.refresh_from_db()
    assert report.state == ReportState.ESCALATED and report.repair == request
    repairs.submit_request(w.fin_admin, request.pk)
    repairs.decide_request(w.nc_admin, request.pk, decision="plan", planned_year=THIS_YEAR, approved_budget="9")
    assert Notification.objects.filter(recipient=w.staff, link__contains=f"/repairs/{report.pk}/").count() >= 2
    other = repairs.report_fault(w.staff, description="同一屋面漏水，走廊也在滴水")
    repairs.link_report(w.fin_admin, other.pk, request.pk)
    assert RepairReport.objects.get(pk=other.pk).repair == request
    with pytest.raises(ValidationFailed):
        repairs.link_report(w.fin_admin, other.pk, request.pk)  # already handled


def test_staff_report_refusals(w):
    with pytest.raises(ValidationFailed) as refused:
        repairs.report_fault(w.staff, description="坏了", room_id=w.shared.pk)
    assert set(refused.value.errors) == {"room_id", "description"}
    nobody = make_account("newcomer", roles=("staff",), unit=w.finance)
    with pytest.raises(ValidationFailed) as refused:
        repairs.report_fault(nobody, description="空调不制冷")
    assert "room_id" in refused.value.errors
    report = repairs.report_fault(w.staff, description="空调不制冷，温度降不下来")
    with pytest.raises(Http404):
        repairs.my_report(nobody, report.pk)
    with pytest.raises(ValidationFailed) as refused:
        repairs.create_request(w.fin_admin, report_id=report.pk, **request_fields(w.old_building))
    assert "report_id" in refused.value.errors
    assert not RepairRequest.objects.exists()
