"""Space applications through the services: apply → approve through the kernel's flow → allocate by 调剂,
the order 调剂 → 置换 → 租用 → 建设 and its refusals, scope, validation and the callbacks of the flow.
The world built here (idle offices of the 南昌 bureau, a flow where the city bureau approves) is shared
by the other test_applications_* files."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import CostEntry, Notification, Rank, Role
from jiguan.core.services import approvals
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account
from jiguan.modules.officespace import services as apps_services
from jiguan.modules.officespace.models import Building, Compound, Floor, Room, RoomState, SpaceApplication
from jiguan.modules.officespace.services import applications as apps

from .ledger import build_ledger


def city_rank(code: str) -> Rank:
    return Rank.objects.get(level="city", code=code)


def headcount(**counts) -> list[dict]:
    """``headcount(bureau_director=1, below_bureau=2)`` → the service's head-count lines (city ranks)."""
    return [{"rank_id": city_rank(code).pk, "count": n} for code, n in counts.items()]


def build_world():
    w = build_ledger()
    w.bureau_compound = Compound.objects.create(unit=w.nc_bureau, name="市行政中心", region_id="360100",
                                                address="南昌市红谷滩区卫东大道1号")
    w.bureau_building = Building.objects.create(compound=w.bureau_compound, unit=w.nc_bureau, name="1号楼",
                                                year_built=2010, floors_above=5, gross_area=Decimal("8000"))
    w.bureau_floor = Floor.objects.create(building=w.bureau_building, unit=w.nc_bureau, number=5)
    w.idle_big = idle_room(w, "501", "36")
    w.idle_small = idle_room(w, "502", "18")
    w.sysadmin = make_account("sysadmin", roles=("system_admin",), unit=w.nc_bureau)
    w.fin_admin2 = make_account("fin_admin2", roles=("unit_admin",), unit=w.finance)
    bureau_role = Role.objects.get(code="region_bureau_admin").pk
    approvals.save_flow(w.sysadmin, business_type=apps.BUSINESS_TYPE, region_code=None, name="用房申请审批",
                        steps=[("机关事务管理局审批", bureau_role)])
    return w


def idle_room(w, number: str, area: str, **fields) -> Room:
    return Room.objects.create(floor=w.bureau_floor, unit=w.nc_bureau, number=number, category="office",
                               usable_area=Decimal(area), state=RoomState.IDLE, idle_since=timezone.localdate(),
                               **fields)


def application_values(**changes) -> dict:
    """A valid application of 南昌市财政局: 1 director (24 ㎡) and 2 clerks (2 × 9 ㎡) → 42 ㎡ entitled."""
    values = {
        "title": "新增编制人员办公用房", "purpose": "经批准新增编制3名，现有办公用房不能满足需要。",
        "headcount": headcount(bureau_director=1, below_bureau=2), "requested_area": "40",
        "needed_by": timezone.localdate() + timedelta(days=60),
    }
    return {**values, **changes}


def draft(w, user=None, **changes):
    return apps.create_application(user or w.fin_admin, unit_id=w.finance.pk, **application_values(**changes))


def approved(w, **changes):
    """An application submitted by the finance bureau and approved by the city bureau."""
    application = draft(w, **changes)
    apps.submit_application(w.fin_admin, application.pk)
    application.refresh_from_db()
    approvals.decide(w.nc_admin, application.approval_id, "approve", "同意，请按程序调剂。")
    application.refresh_from_db()
    return application


pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_world()


def allocate_by_transfer(w, application, user=None, rooms=None, document_no="洪机管调〔2026〕1号"):
    return apps.allocate(user or w.nc_admin, application.pk, method="transfer",
                         room_ids=[r.pk for r in rooms or [w.idle_big]], document_no=document_no)


# --- The whole flow ---------------------------------------------------------------------------------


def test_apply_approve_through_the_flow_and_allocate_by_transfer(w):
    application = draft(w)
    assert (application.state, application.headcount, application.entitlement) == ("draft", 3, Decimal("42.00"))
    assert [(line.rank.code, line.count, line.limit) for line in application.lines.all()] == [
        ("bureau_director", 1, Decimal("24.00")), ("below_bureau", 2, Decimal("9.00"))]

    apps.submit_application(w.fin_admin, application.pk)
    application.refresh_from_db()
    assert application.state == "submitted" and application.approval.status == "pending"
    assert list(approvals.inbox(w.nc_admin)) == [application.approval]

    approvals.decide(w.nc_admin, application.approval_id, "approve", "同意")
    application.refresh_from_db()
    assert application.state == "approved"
    assert Notification.objects.filter(recipient=w.nc_admin, title__contains="待调配").exists()

    matching = list(apps.matching_idle_rooms(w.nc_admin, application))
    assert matching == [w.idle_big, w.idle_small]  # same region; 36 ㎡ is nearer to the 40 ㎡ asked
    allocation = allocate_by_transfer(w, application)

    application.refresh_from_db()
    w.idle_big.refresh_from_db()
    assert application.state == "allocated" and allocation.method == "transfer"
    assert (w.idle_big.unit, w.idle_big.org_path, w.idle_big.state) == (w.finance, w.finance.org_path, "in_use")
    assert list(allocation.document.rooms.all()) == [w.idle_big]
    assert allocation.document.unit == w.finance and allocation.document.document_no == "洪机管调〔2026〕1号"
    assert [e.action for e in timeline(application)] == ["create", "submit", "approve", "allocate"]
    assert "洪机管调〔2026〕1号" in timeline(application).last().comment
    assert timeline(w.idle_big).last().to_state == "in_use"
    assert Notification.objects.filter(recipient=w.fin_admin2, title__contains="已调配").exists()

    apps.close_application(w.fin_admin, application.pk, "已入驻")
    application.refresh_from_db()
    assert application.state == "closed"


def test_two_step_flow_with_return_resubmit_and_the_kernels_own_pages(w):
    unit_role, bureau_role = (Role.objects.get(code=c).pk for c in ("unit_admin", "region_bureau_admin"))
    approvals.save_flow(w.sysadmin, business_type=apps.BUSINESS_TYPE, region_code=None, name="用房申请审批",
                        steps=[("单位审核", unit_role), ("局审批", bureau_role)])
    application = draft(w)
    apps.submit_application(w.fin_admin, application.pk)
    application.refresh_from_db()
    approvals.decide(w.fin_admin2, application.approval_id, "approve", "同意上报")
    approvals.decide(w.nc_admin, application.approval_id, "return", "请补充人员编制批复文件")
    application.refresh_from_db()
    assert application.state == "returned"
    assert timeline(application).last().comment == "请补充人员编制批复文件"

    apps.update_application(w.fin_admin, application.pk, **application_values(requested_area="42"))
    with pytest.raises(NotAllowed):  # the kernel lets only the one who submitted resubmit
        apps.submit_application(w.fin_admin2, application.pk)
    approvals.resubmit(w.fin_admin, application.approval_id, "已补充")  # from the service portal's own page
    application.refresh_from_db()
    assert application.state == "submitted" and application.requested_area == Decimal("42.00")

    approvals.withdraw(w.fin_admin, application.approval_id)
    application.refresh_from_db()
    assert application.state == "withdrawn"


def test_reject_ends_the_application(w):
    application = draft(w)
    apps.submit_application(w.fin_admin, application.pk)
    application.refresh_from_db()
    approvals.decide(w.nc_admin, application.approval_id, "reject", "现有用房已满足编制需要")
    application.refresh_from_db()
    assert application.state == "rejected"
    with pytest.raises(StateError):
        apps.submit_application(w.fin_admin, application.pk)


def test_withdraw_a_draft_and_a_submitted_application(w):
    first = apps.withdraw_application(w.fin_admin, draft(w).pk)
    assert first.state == "withdrawn"
    second = draft(w)
    apps.submit_application(w.fin_admin, second.pk)
    second = apps.withdraw_application(w.fin_admin, second.pk)
    assert second.state == "withdrawn" and second.approval.status == "withdrawn"
    with pytest.raises(StateError):
        apps.withdraw_application(w.fin_admin, second.pk)


# --- Validation ---------------------------------------------------------------------------------------


def test_requested_area_over_the_entitlement_is_refused_with_both_figures(w):
    with pytest.raises(ValidationFailed) as excinfo:
        draft(w, requested_area="50")
    message = excinfo.value.errors["requested_area"][0]
    assert "50" in message and "42.00" in message and "超过" in message
    assert not SpaceApplication.objects.exists()


@pytest.mark.parametrize(("needed_by", "words"), [
    (date(2020, 1, 1), "已过"), ("2026-13-40", "日期"), ("", "请填写"), (date(2099, 1, 1), "5年"),
])
def test_bad_needed_by_dates(w, needed_by, words):
    with pytest.raises(ValidationFailed) as excinfo:
        draft(w, needed_by=needed_by)
    assert words in excinfo.value.errors["needed_by"][0]


def test_every_bad_field_is_named(w):
    province_rank = Rank.objects.get(level="province", code="department_director")
    with pytest.raises(ValidationFailed) as excinfo:
        draft(w, title="", purpose="", requested_area="-3", preferred_region_code="110000",
              headcount=[{"rank_id": province_rank.pk, "count": 1}, {"rank_id": 999999, "count": 2}])
    errors = excinfo.value.errors
    assert set(errors) >= {"title", "purpose", "requested_area", "preferred_region_code", "headcount"}
    assert any("省级" in m and "市级" in m for m in errors["headcount"])
    with pytest.raises(ValidationFailed) as excinfo:
        draft(w, headcount=[])
    assert "人数" in excinfo.value.errors["headcount"][0]


def test_only_drafts_and_returned_applications_can_be_revised(w):
    application = approved(w)
    with pytest.raises(StateError):
        apps.update_application(w.fin_admin, application.pk, **application_values())


# --- The order 调剂 → 置换 → 租用 → 建设 ------------------------------------------------------------


def test_rent_is_refused_while_idle_rooms_exist(w):
    application = approved(w)
    with pytest.raises(ValidationFailed) as excinfo:
        apps.allocate(w.nc_admin, application.pk, method="rent", why_not_transfer="面积不够", why_not_exchange="无可置换",
                      lessor="某公司", address="南昌市某路1号", area="40", annual_rent="96000",
                      lease_start=timezone.localdate(), lease_end=timezone.localdate() + timedelta(days=365))
    assert "2" in excinfo.value.errors["method"][0] and "闲置" in excinfo.value.errors["method"][0]
    assert not CostEntry.objects.exists()
    application.refresh_from_db()
    assert application.state == "approved"


def test_later_methods_need_a_reason_for_each_earlier_one(w):
    application = approved(w)
    with pytest.raises(ValidationFailed) as excinfo:
        apps.allocate(w.nc_admin, application.pk, method="construction", why_not_transfer="")
    assert {"why_not_transfer", "why_not_exchange", "why_not_rent"} <= set(excinfo.value.errors)
    with pytest.raises(ValidationFailed) as excinfo:
        apps.allocate(w.nc_admin, application.pk, method="exchange", room_ids=[w.idle_small.pk],
                      returned_room_ids=[w.single.pk], document_no="洪机管调〔2026〕2号")
    assert list(excinfo.value.errors) == ["why_not_transfer"]


def test_rent_posts_the_annual_rent_to_the_cost_ledger_once_no_idle_room_is_left(w):
    Room.objects.filter(pk__in=[w.idle_big.pk, w.idle_small.pk]).update(state="repair")
    application = approved(w)
    start = timezone.localdate()
    allocation = apps.allocate(
        w.nc_admin, application.pk, method="rent", why_not_transfer="辖区内无闲置办公室",
        why_not_exchange="本单位无可置换的用房", lessor="南昌城投置业有限公司", address="南昌市红谷滩区丰和中大道8号",
        area="40", annual_rent="96000.00", lease_start=start, lease_end=start + timedelta(days=730),
    )
    cost = allocation.cost
    assert (cost.unit, cost.module, cost.category, cost.amount) == (w.finance, "officespace", "房屋租金",
                                                                     Decimal("96000.00"))
    assert allocation.why_not_exchange == "本单位无可置换的用房"
    application.refresh_from_db()
    assert application.state == "allocated"


def test_rent_validation(w):
    Room.objects.filter(pk__in=[w.idle_big.pk, w.idle_small.pk]).update(state="repair")
    application = approved(w)
    start = timezone.localdate()
    with pytest.raises(ValidationFailed) as excinfo:
        apps.allocate(w.nc_admin, application.pk, method="rent", why_not_transfer="辖区内无闲置", why_not_exchange="本单位无可置换",
                      lessor="", address="某地", area="0", annual_rent="abc", lease_start=start, lease_end=start)
    assert set(excinfo.value.errors) == {"lessor", "area", "annual_rent", "lease_end"}


def test_construction_is_recorded_with_its_reasons(w):
    Room.objects.filter(pk__in=[w.idle_big.pk, w.idle_small.pk]).update(retired=True)
    application = approved(w)
    allocation = apps.allocate(
        w.nc_admin, application.pk, method="construction", why_not_transfer="辖区内无闲置办公室",
        why_not_exchange="无可置换用房", why_not_rent="周边无符合安全保密要求的房源", project_name="市直机关综合办公楼",
        approval_no="洪发改投资〔2026〕18号", area="1200",
    )
    assert (allocation.method, allocation.project_name, allocation.area) == ("construction", "市直机关综合办公楼",
                                                                            Decimal("1200"))


def test_exchange_gives_rooms_back_and_receives_idle_rooms(w):
    application = approved(w)
    allocation = apps.allocate(
        w.nc_admin, application.pk, method="exchange", why_not_transfer="闲置用房面积不足，需以原零散用房置换",
        room_ids=[w.idle_big.pk], returned_room_ids=[w.single.pk], document_no="洪机管调〔2026〕3号",
    )
    w.single.refresh_from_db()
    w.idle_big.refresh_from_db()
    assert (w.single.unit, w.single.state) == (w.nc_bureau, "idle")
    assert (w.idle_big.unit, w.idle_big.state) == (w.finance, "in_use")
    assert list(allocation.returned_rooms.all()) == [w.single]


def test_exchange_refuses_a_room_someone_sits_in(w):
    application = approved(w)
    apps_services.assign_occupant(w.fin_admin, room_id=w.single.pk, person_id=w.clerk.pk)
    with pytest.raises(ValidationFailed) as excinfo:
        apps.allocate(w.nc_admin, application.pk, method="exchange", why_not_transfer="面积不足",
                      room_ids=[w.idle_big.pk], returned_room_ids=[w.single.pk], document_no="洪机管调〔2026〕4号")
    assert "王科员" not in excinfo.value.errors["returned_room_ids"][0]  # names the room, not the person
    assert "301" in excinfo.value.errors["returned_room_ids"][0]


def test_transfer_refusals(w):
    application = draft(w)
    with pytest.raises(StateError):  # not approved yet
        allocate_by_transfer(w, application)
    application = approved(w)
    with pytest.raises(ValidationFailed) as excinfo:
        apps.allocate(w.nc_admin, application.pk, method="transfer", room_ids=[], document_no="")
    assert set(excinfo.value.errors) == {"room_ids", "document_no"}
    with pytest.raises(Conflict):  # an office in use is not idle
        apps.allocate(w.nc_admin, application.pk, method="transfer", room_ids=[w.shared.pk], document_no="X1")
    with pytest.raises(ValidationFailed):
        apps.allocate(w.nc_admin, application.pk, method="lend")
    allocate_by_transfer(w, application)
    with pytest.raises(StateError):  # allocated already
        allocate_by_transfer(w, application, rooms=[w.idle_small], document_no="洪机管调〔2026〕9号")


# --- Scope and permissions ------------------------------------------------------------------------------


def test_who_may_apply_and_allocate(w):
    with pytest.raises(NotAllowed):
        draft(w, user=w.staff)
    with pytest.raises(ValidationFailed) as excinfo:  # another city's unit admin cannot apply for 财政局
        apps.create_application(w.jj_admin, unit_id=w.finance.pk, **application_values())
    assert "unit_id" in excinfo.value.errors
    application = approved(w)
    with pytest.raises(NotAllowed):  # a unit administrator cannot allocate
        allocate_by_transfer(w, application, user=w.fin_admin)
    with pytest.raises(Http404):  # another city's bureau: as if it did not exist
        allocate_by_transfer(w, application, user=w.jj_admin)
    with pytest.raises(Http404):
        apps.withdraw_application(w.jj_admin, application.pk)
    application.refresh_from_db()
    assert application.state == "approved"


def test_idle_rooms_of_another_city_are_not_offered(w):
    application = approved(w)
    jj_building = Building.objects.create(compound=w.jj_compound, unit=w.jiujiang, name="九江楼", year_built=2000,
                                          floors_above=1, gross_area=Decimal("500"))
    jj_floor = Floor.objects.create(building=jj_building, unit=w.jiujiang, number=1)
    jj_idle = Room.objects.create(floor=jj_floor, unit=w.jiujiang, number="101", category="office",
                                  usable_area=Decimal("40"), state="idle")
    assert jj_idle not in apps.matching_idle_rooms(w.nc_admin, application)
    with pytest.raises(ValidationFailed):
        allocate_by_transfer(w, application, rooms=[jj_idle])


# --- Staff adjustment requests ------------------------------------------------------------------------


def test_staff_adjustment_request_accept_and_complete(w):
    apps_services.assign_occupant(w.fin_admin, room_id=w.shared.pk, person_id=w.clerk.pk)
    request = apps.request_adjustment(w.staff, reason="crowded", details="四人合用一间，接电话互相干扰。")
    assert (request.state, request.room, request.unit) == ("submitted", w.shared, w.finance)
    assert Notification.objects.filter(recipient=w.fin_admin, title__contains="王科员").exists()
    with pytest.raises(StateError):  # one open request at a time
        apps.request_adjustment(w.staff, reason="other", details="再申请一次看看")
    apps.accept_adjustment(w.fin_admin, request.pk, "下周调整到305室")
    request = apps.complete_adjustment(w.fin_admin, request.pk)
    assert request.state == "completed" and request.response == "下周调整到305室"
    assert [e.action for e in timeline(request)] == ["submit", "accept", "complete"]
    assert Notification.objects.filter(recipient=w.staff, category="officespace").count() == 2


def test_adjustment_refusals_and_scope(w):
    request = apps.request_adjustment(w.staff, reason="too_small", details="办公室面积过小，无法放置档案柜。")
    with pytest.raises(ValidationFailed) as excinfo:
        apps.request_adjustment(w.fin_admin, reason="bigger", details="")
    assert set(excinfo.value.errors) == {"reason", "details"}
    with pytest.raises(ValidationFailed):  # declining needs a reason
        apps.decline_adjustment(w.fin_admin, request.pk, "")
    with pytest.raises(NotAllowed):  # staff cannot decide
        apps.accept_adjustment(w.staff, request.pk)
    with pytest.raises(Http404):  # another city's administrator cannot see it
        apps.accept_adjustment(w.jj_admin, request.pk)
    other = make_account(roles=("staff",), unit=w.finance)
    with pytest.raises(Http404):
        apps.withdraw_adjustment(other, request.pk)
    assert list(apps.my_adjustments(other)) == []
    apps.decline_adjustment(w.fin_admin, request.pk, "本单位暂无空余办公室")
    with pytest.raises(StateError):
        apps.withdraw_adjustment(w.staff, request.pk)
