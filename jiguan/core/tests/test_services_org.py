"""Org services: units and departments, moving a unit (paths follow everywhere), people, personal data."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.identifiers import credit_code, id_number
from jiguan.core.models import (
    AccessLog,
    Account,
    ApprovalFlow,
    ApprovalRequest,
    Attachment,
    AuditLog,
    CostEntry,
    Event,
    Notice,
    OrgUnit,
    Person,
    Rank,
    RoleAssignment,
    TimelineEntry,
)
from jiguan.core.models.audit import AccessKind, AuditAction
from jiguan.core.scoping import Scope
from jiguan.core.services import org
from jiguan.core.testing import make_account, make_department, make_person, make_unit

from .services_world import build_world, make_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def errors_of(excinfo) -> dict:
    return excinfo.value.errors


# --- create_unit --------------------------------------------------------------------------------


def test_region_admin_creates_an_agency_in_their_region(w):
    code = credit_code("360100", 7001)
    unit = org.create_unit(w.nc_admin, name=" 南昌市审计局 ", region_code="360100", credit_code=code.lower(),
                           category="government")
    assert unit.name == "南昌市审计局" and unit.credit_code == code
    assert unit.org_path == f"3601/{unit.pk}/"
    logged = AuditLog.objects.get(model="core.OrgUnit", object_id=str(unit.pk), action=AuditAction.CREATE)
    assert logged.actor == w.nc_admin


def test_bad_credit_code_says_which_check_failed_and_creates_nothing(w):
    code = credit_code("360100", 7002)
    wrong_check = code[:17] + ("0" if code[17] != "0" else "1")
    before = OrgUnit.objects.count()
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="南昌市审计局", region_code="360100", credit_code=wrong_check)
    assert "校验" in errors_of(excinfo)["credit_code"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="南昌市审计局", region_code="360100", credit_code="123")
    assert "18" in errors_of(excinfo)["credit_code"][0]
    assert OrgUnit.objects.count() == before


def test_credit_code_already_registered(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="重复单位", region_code="360100", credit_code=w.finance.credit_code)
    assert errors_of(excinfo)["credit_code"] == ["该统一社会信用代码已被其他单位登记。"]


def test_every_bad_field_is_named_at_once(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="", region_code="999999", credit_code=None, category="bank")
    assert set(errors_of(excinfo)) == {"name", "region_code", "category"}
    assert "999999" in errors_of(excinfo)["region_code"][0]


def test_agency_needs_a_credit_code(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="无代码单位", region_code="360100")
    assert "credit_code" in errors_of(excinfo)


def test_department_takes_its_agency_and_region_and_has_no_credit_code(w):
    department = org.create_unit(w.nc_admin, name="财务处", region_code="", kind="department",
                                 parent_id=w.finance.pk)
    assert department.unit == w.finance and department.region_id == "360100"
    assert department.org_path == f"{w.finance.org_path}d{department.pk}/"
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="人事处", region_code="360100", kind="department", parent_id=w.finance.pk,
                        credit_code=credit_code("360100", 7003))
    assert "credit_code" in errors_of(excinfo)
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="人事处", region_code="360100", kind="department")
    assert "parent_id" in errors_of(excinfo)


def test_parent_outside_scope_is_refused_like_a_missing_one(w):
    before = OrgUnit.objects.count()
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.nc_admin, name="下属单位", region_code="360400", credit_code=credit_code("360400", 7004),
                        parent_id=w.jiujiang.pk)
    assert "不在您的管理范围内" in errors_of(excinfo)["parent_id"][0]
    assert OrgUnit.objects.count() == before


def test_agency_in_a_region_outside_scope_is_not_allowed(w):
    before = OrgUnit.objects.count()
    with pytest.raises(NotAllowed):
        org.create_unit(w.nc_admin, name="九江市审计局", region_code="360400", credit_code=credit_code("360400", 7005))
    assert OrgUnit.objects.count() == before


def test_unit_tree_admin_may_add_departments_but_not_agencies(w):
    role = make_role("unit_org", ["core.manage_units"], Scope.UNIT_TREE)
    admin = make_account(roles=(role.code,), unit=w.finance)
    assert org.create_unit(admin, name="综合处", region_code="", kind="department", parent_id=w.finance.pk).pk
    with pytest.raises(NotAllowed):
        org.create_unit(admin, name="新单位", region_code="360100", credit_code=credit_code("360100", 7006))


def test_sub_unit_must_lie_within_its_parents_region(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_unit(w.sysadmin, name="跨区下属", region_code="360400", credit_code=credit_code("360400", 7007),
                        parent_id=w.finance.pk)
    assert "region_code" in errors_of(excinfo)


def test_staff_cannot_create_units(w):
    with pytest.raises(NotAllowed):
        org.create_unit(w.staff, name="x单位", region_code="360100", credit_code=credit_code("360100", 7008))


# --- update_unit and moves ----------------------------------------------------------------------


def test_rename_is_audited_and_out_of_scope_is_404(w):
    org.update_unit(w.nc_admin, w.finance.pk, name="南昌市财政局(新)")
    assert OrgUnit.objects.get(pk=w.finance.pk).name == "南昌市财政局(新)"
    change = AuditLog.objects.filter(model="core.OrgUnit", object_id=str(w.finance.pk), action=AuditAction.UPDATE)
    assert change.get().after["name"] == "南昌市财政局(新)"
    with pytest.raises(Http404):
        org.update_unit(w.nc_admin, w.jiujiang.pk, name="改名")
    with pytest.raises(ValidationFailed) as excinfo:
        org.update_unit(w.nc_admin, w.finance.pk, kind="department")
    assert "kind" in errors_of(excinfo)


def test_moving_a_unit_rewrites_every_copy_of_its_paths(w):
    sub = w.finance_sub
    dept = make_department(sub, "综合科")
    person = make_person(sub, department=dept)
    account = make_account(roles=("staff",), unit=sub, person=person)
    event = Event.objects.create(type="core.general", title="漏水", region_id="360100", unit=sub,
                                 assignee_unit=dept)
    flow = ApprovalFlow.objects.create(business_type="test.move", name="流程")
    request = ApprovalRequest.objects.create(flow=flow, business_type="test.move", title="申请",
                                             subject_type_id=1, subject_id="1", applicant=account, unit=sub)
    notice = Notice.objects.create(title="通知", body="内容", publisher=sub, audience_id="360100",
                                   published_at="2026-01-01T00:00:00Z", created_by=account)
    cost = CostEntry.objects.create(unit=sub, module="core", category="水电", amount=Decimal("10.00"),
                                    occurred_on=date(2026, 1, 5))
    attachment = Attachment.objects.create(file="x.pdf", original_name="x.pdf", size=1, mime_type="application/pdf",
                                           sha256="0" * 64, uploaded_by=account, unit=sub, org_path=sub.org_path)
    entry = TimelineEntry.objects.create(content_type_id=1, object_id="1", action="x", org_path=dept.org_path)
    old = sub.org_path

    org.update_unit(w.nc_admin, sub.pk, parent_id=w.nc_bureau.pk)

    new = f"{w.nc_bureau.org_path}{sub.pk}/"
    assert OrgUnit.objects.get(pk=sub.pk).org_path == new
    assert OrgUnit.objects.get(pk=dept.pk).org_path == f"{new}d{dept.pk}/"
    assert Person.objects.get(pk=person.pk).org_path == f"{new}d{dept.pk}/"
    assert Account.objects.get(pk=account.pk).org_path == new
    moved_event = Event.objects.get(pk=event.pk)
    assert (moved_event.org_path, moved_event.assignee_path) == (new, f"{new}d{dept.pk}/")
    for model, pk in ((ApprovalRequest, request.pk), (Notice, notice.pk), (CostEntry, cost.pk),
                      (Attachment, attachment.pk)):
        assert model.objects.get(pk=pk).org_path == new, model
    assert TimelineEntry.objects.get(pk=entry.pk).org_path == f"{new}d{dept.pk}/"
    assert RoleAssignment.objects.get(account=account).org_path == new
    assert not OrgUnit.objects.filter(org_path__startswith=old).exists()
    bulk = AuditLog.objects.filter(action=AuditAction.BULK, org_path=new)
    assert {"core.Person", "core.Event", "core.OrgUnit", "core.Account"} <= set(bulk.values_list("model", flat=True))


def test_changing_an_agencys_region_moves_its_departments_along(w):
    unit = make_unit("360100", "南昌市统计局")
    dept = make_department(unit, "办公室")
    org.update_unit(w.nc_admin, unit.pk, region_code="360102")
    assert OrgUnit.objects.get(pk=unit.pk).org_path == f"360102/{unit.pk}/"
    dept.refresh_from_db()
    assert dept.region_id == "360102" and dept.org_path == f"360102/{unit.pk}/d{dept.pk}/"


def test_region_change_refused_when_a_sub_unit_would_fall_outside(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.update_unit(w.nc_admin, w.finance.pk, region_code="360102")
    assert w.finance_sub.name in errors_of(excinfo)["region_code"][0]
    assert OrgUnit.objects.get(pk=w.finance.pk).region_id == "360100"


def test_moving_out_of_scope_is_not_allowed_and_changes_nothing(w):
    with pytest.raises(NotAllowed):
        org.update_unit(w.nc_admin, w.donghu.pk, region_code="360400", name="改名")
    w.donghu.refresh_from_db()
    assert (w.donghu.region_id, w.donghu.name, w.donghu.org_path) == ("360102", "南昌市东湖区财政局",
                                                                       f"360102/{w.donghu.pk}/")


def test_a_unit_cannot_move_under_itself(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.update_unit(w.nc_admin, w.finance.pk, parent_id=w.finance_sub.pk)
    assert "parent_id" in errors_of(excinfo)


def test_a_department_stays_within_its_agency(w):
    with pytest.raises(ValidationFailed) as excinfo:
        org.update_unit(w.nc_admin, w.finance_office.pk, parent_id=w.nc_bureau.pk)
    assert "parent_id" in errors_of(excinfo)


# --- set_unit_active ----------------------------------------------------------------------------


def test_deactivation_needs_children_and_people_gone_first(w):
    with pytest.raises(StateError):
        org.set_unit_active(w.nc_admin, w.finance.pk, False)  # active sub-unit and department
    empty = make_unit("360100", "南昌市空单位")
    person = make_person(empty)
    with pytest.raises(StateError) as excinfo:
        org.set_unit_active(w.nc_admin, empty.pk, False)
    assert "仍有1名在职人员" in excinfo.value.message
    org.update_person(w.nc_admin, person.pk, status="retired")
    assert org.set_unit_active(w.nc_admin, empty.pk, False).active is False
    with pytest.raises(StateError):
        org.set_unit_active(w.nc_admin, empty.pk, False)


def test_reactivation_needs_an_active_parent(w):
    child = make_unit("360100", "下属中心", parent=make_unit("360100", "上级局"))
    org.set_unit_active(w.nc_admin, child.pk, False)
    org.set_unit_active(w.nc_admin, child.parent_id, False)
    with pytest.raises(StateError):
        org.set_unit_active(w.nc_admin, child.pk, True)
    with pytest.raises(Http404):
        org.set_unit_active(w.nc_admin, w.jiujiang.pk, False)


# --- people -------------------------------------------------------------------------------------


def valid_id(region="360100", n=11, female=False):
    return id_number(region, date(1988, 6, 1), n, female=female)


def test_create_person_encrypts_and_derives_gender(w):
    rank = Rank.objects.get(level="city", code="bureau_deputy")
    person = org.create_person(w.fin_admin, name="王芳", unit_id=w.finance.pk, department_id=w.finance_office.pk,
                               rank_id=rank.pk, id_number=valid_id(female=True).lower(), phone="13800001111")
    person.refresh_from_db()
    assert person.gender == "F" and person.org_path == w.finance_office.org_path
    assert person.id_number_masked.startswith("360100") and "*" in person.id_number_masked
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM core_person WHERE id = %s", [person.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("sm4gcm:") and valid_id(female=True) not in raw


def test_id_number_checks_are_named(w):
    good = valid_id()
    cases = {
        good[:17] + ("0" if good[17] != "0" else "1"): "校验",
        "3601001988023012" + "34": "出生日期",
        "12345": "18",
    }
    for number, fragment in cases.items():
        with pytest.raises(ValidationFailed) as excinfo:
            org.create_person(w.fin_admin, name="李四", unit_id=w.finance.pk, id_number=number)
        assert fragment in errors_of(excinfo)["id_number"][0], number
    assert not Person.objects.filter(name="李四").exists()


def test_id_number_registered_once(w):
    number = valid_id(n=21)
    org.create_person(w.fin_admin, name="张三", unit_id=w.finance.pk, id_number=number)
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_person(w.nc_admin, name="张三", unit_id=w.nc_bureau.pk, id_number=number)
    assert errors_of(excinfo)["id_number"] == ["该身份证号已登记。"]


def test_person_field_rules(w):
    province_rank = Rank.objects.get(level="province", code="division_director")
    jj_dept = make_department(w.jiujiang)
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_person(w.fin_admin, name="赵六", unit_id=w.finance.pk, rank_id=province_rank.pk,
                          phone="12345", department_id=jj_dept.pk, gender="F", id_number=valid_id(n=31))
    assert set(errors_of(excinfo)) == {"rank_id", "phone", "department_id", "gender"}
    with pytest.raises(ValidationFailed) as excinfo:
        org.create_person(w.fin_admin, name="赵六", unit_id=w.jiujiang.pk)
    assert "unit_id" in errors_of(excinfo)
    with pytest.raises(NotAllowed):
        org.create_person(w.staff, name="赵六", unit_id=w.finance.pk)


def test_transfer_moves_the_account_and_drops_the_old_department(w):
    person = make_person(w.finance, department=w.finance_office)
    account = make_account(roles=("staff",), unit=w.finance, person=person)
    org.update_person(w.nc_admin, person.pk, unit_id=w.donghu.pk)
    person.refresh_from_db()
    account.refresh_from_db()
    assert person.unit == w.donghu and person.department is None and person.org_path == w.donghu.org_path
    assert account.unit == w.donghu and account.org_path == w.donghu.org_path


def test_a_person_without_a_phone_can_be_updated(w):
    person = org.create_person(w.fin_admin, name="无电话", unit_id=w.finance.pk)
    assert org.update_person(w.fin_admin, person.pk, title="科员").title == "科员"


def test_update_person_refusals(w):
    person = make_person(w.jiujiang)
    with pytest.raises(Http404):
        org.update_person(w.nc_admin, person.pk, name="改名")
    mine = make_person(w.finance)
    with pytest.raises(ValidationFailed) as excinfo:
        org.update_person(w.nc_admin, mine.pk, id_digest="x")
    assert "id_digest" in errors_of(excinfo)


# --- personal data --------------------------------------------------------------------------------


def test_reveal_needs_the_right_and_is_access_logged(w):
    person = make_person(w.finance)
    with pytest.raises(NotAllowed):
        org.reveal_personal_data(w.nc_admin, person.pk, "/manage/people/")
    role = make_role("pii_nc", ["core.view_personal_data"], Scope.REGION)
    viewer = make_account(roles=(role.code,), unit=w.nc_bureau)
    revealed = org.reveal_personal_data(viewer, person.pk, f"/manage/people/{person.pk}/")
    assert revealed == {"id_number": person.id_number, "phone": person.phone}
    log = AccessLog.objects.get(kind=AccessKind.PERSONAL_DATA)
    assert log.actor == viewer and str(person.pk) in log.detail
    with pytest.raises(Http404):
        org.reveal_personal_data(viewer, make_person(w.jiujiang).pk, "/x/")
    assert AccessLog.objects.count() == 1


def test_an_update_naming_a_field_it_may_not_change_is_refused_and_changes_nothing(w):
    person = make_person(w.finance, name="原名")
    with pytest.raises(ValidationFailed) as excinfo:
        org.update_person(w.nc_admin, person.pk, name="新名", org_path="36/")
    assert list(excinfo.value.errors) == ["org_path"]
    person.refresh_from_db()
    assert person.name == "原名"
