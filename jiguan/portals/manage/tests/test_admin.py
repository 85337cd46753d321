"""Accounts, roles and platform configuration through the portal: each happy path and each refusal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.models import (
    Account,
    ApprovalFlow,
    AuditLog,
    DictionaryItem,
    JobSchedule,
    ModuleEnablement,
    Notice,
    Role,
    RoleAssignment,
)
from jiguan.core.registry import ApprovalType, ModuleSpec, registry
from jiguan.core.testing import make_account

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}
HTMX = {"HX-Request": "true"}
GOOD_PASSWORD = "Nc#Secure2026x"


# --- Accounts -------------------------------------------------------------------------------------


def test_account_create_with_a_bad_username_names_the_field_and_creates_nothing(login, org):
    count = Account.objects.count()
    response = login("sysadmin").post(reverse("manage:account_create"), {
        "username": "a b", "unit": org["finance"].pk, "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD,
    }, headers=ZH)
    assert response.status_code == 200 and "用户名" in response.content.decode()
    assert Account.objects.count() == count


def test_account_create_for_a_person(login, org):
    person = org["finance_person"]
    response = login("sysadmin").post(reverse("manage:account_create"), {
        "username": "zhangsan", "person": person.pk, "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD,
    })
    account = Account.objects.get(username="zhangsan")
    assert response.status_code == 302 and response["Location"] == reverse("manage:account", args=[account.pk])
    assert account.person == person and account.unit == org["finance"] and account.must_change_password


def test_password_pair_must_match(login, org):
    response = login("sysadmin").post(reverse("manage:account_create"), {
        "username": "lisi", "unit": org["finance"].pk, "password": GOOD_PASSWORD, "password_again": "other",
    })
    assert response.status_code == 200 and not Account.objects.filter(username="lisi").exists()


def test_reset_password_refuses_a_weak_one_and_accepts_a_strong_one(login, people):
    staff = people["staff"]
    client = login("sysadmin")
    weak = client.post(reverse("manage:account_password", args=[staff.pk]),
                       {"password": "12345678", "password_again": "12345678"}, headers=ZH)
    assert weak.status_code == 400 and "is-invalid" in weak.content.decode()
    staff.refresh_from_db()
    assert staff.check_password("Jiguan@2026")
    strong = client.post(reverse("manage:account_password", args=[staff.pk]),
                         {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert strong.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(GOOD_PASSWORD) and staff.must_change_password


def test_disable_and_enable_an_account(login, people):
    staff, client = people["staff"], login("sysadmin")
    client.post(reverse("manage:account_active", args=[staff.pk]), {"active": "0"})
    staff.refresh_from_db()
    assert not staff.is_active
    client.post(reverse("manage:account_active", args=[staff.pk]), {"active": "1"})
    staff.refresh_from_db()
    assert staff.is_active


def test_unlock_is_for_the_security_administrator(login, people):
    staff = people["staff"]
    Account.objects.filter(pk=staff.pk).update(failed_logins=5, locked_until=timezone.now() + timedelta(minutes=30))
    assert login("sysadmin").post(reverse("manage:account_unlock", args=[staff.pk])).status_code == 403
    login("secadmin").post(reverse("manage:account_unlock", args=[staff.pk]))
    staff.refresh_from_db()
    assert staff.failed_logins == 0 and not staff.is_locked()


def test_second_factor_reset_is_for_the_security_administrator(login, people):
    staff = people["staff"]
    Account.objects.filter(pk=staff.pk).update(totp_secret="JBSWY3DPEHPK3PXP", totp_confirmed_at=timezone.now())
    url = reverse("manage:account_reset_second_factor", args=[staff.pk])
    assert login("sysadmin").post(url).status_code == 403
    staff.refresh_from_db()
    assert staff.totp_confirmed_at is not None
    page = login("secadmin").get(reverse("manage:account", args=[staff.pk])).content.decode()
    assert url in page  # the button is offered
    login("secadmin").post(url)
    staff.refresh_from_db()
    assert staff.totp_confirmed_at is None and staff.totp_secret == ""


def test_grant_and_revoke_a_role_with_a_unit_anchor(login, org, people):
    staff, client = people["staff"], login("secadmin")
    role = Role.objects.get(code="unit_admin")
    response = client.post(reverse("manage:account_grant", args=[staff.pk]),
                           {"role": role.pk, "unit": org["finance"].pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(account=staff, role=role)
    assert assignment.unit == org["finance"] and assignment.granted_by == people["secadmin"]
    client.post(reverse("manage:account_revoke", args=[staff.pk, assignment.pk]))
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_grant_refused_by_the_service_shows_on_the_form(login, people):
    auditor, client = people["auditor"], login("secadmin")
    response = client.post(reverse("manage:account_grant", args=[auditor.pk]),
                           {"role": Role.objects.get(code="system_admin").pk}, headers=ZH)
    assert response.status_code == 400 and "三员分立" in response.content.decode()  # on the role field
    assert not RoleAssignment.objects.filter(account=auditor, role__code="system_admin").exists()


def test_account_outside_the_scope_is_404(login, org):
    far = make_account("jj_user", roles=("staff",), unit=org["jiujiang"])
    assert login("unit_admin").get(reverse("manage:account", args=[far.pk])).status_code == 404


# --- Roles ----------------------------------------------------------------------------------------


def test_role_form_groups_permissions_by_module(login):
    html = login("secadmin").get(reverse("manage:role_create")).content.decode()
    assert 'value="core.view_units"' in html and "<legend" in html


def test_create_and_edit_a_role(login):
    client = login("secadmin")
    response = client.post(reverse("manage:role_create"), {
        "code": "archive_reader", "name": "档案查阅", "scope": "region", "permissions": ["core.view_people"],
    })
    assert response.status_code == 302
    role = Role.objects.get(code="archive_reader")
    assert role.permissions == ["core.view_people"] and role.scope == "region"
    client.post(reverse("manage:role_edit", args=[role.pk]), {
        "code": "archive_reader", "name": "档案查阅员", "scope": "region",
        "permissions": ["core.view_people", "core.view_units"],
    })
    role.refresh_from_db()
    assert role.name == "档案查阅员" and set(role.permissions) == {"core.view_people", "core.view_units"}


def test_role_without_permissions_is_refused(login):
    response = login("secadmin").post(reverse("manage:role_create"), {"code": "empty", "name": "空", "scope": "self"})
    assert response.status_code == 200 and not Role.objects.filter(code="empty").exists()


# --- Modules --------------------------------------------------------------------------------------


@pytest.fixture
def business_module():
    spec = registry.register(ModuleSpec(code="fakebiz", name="测试业务", approval_types=(
        ApprovalType("fakebiz.apply", "测试业务申请"),
    )))
    yield spec
    registry.unregister(spec.code)


def test_module_matrix_toggles_a_module_for_a_region(login, business_module):
    client = login("sysadmin")
    assert "测试业务" in client.get(reverse("manage:modules")).content.decode()
    response = client.post(reverse("manage:module_toggle"),
                           {"region": "360100", "module": "fakebiz", "enabled": "0"}, headers=HTMX)
    assert response.status_code == 200 and "<table" in response.content.decode()
    assert ModuleEnablement.objects.get(region_id="360100", module="fakebiz").enabled is False


def test_the_kernel_cannot_be_toggled(login):
    response = login("sysadmin").post(reverse("manage:module_toggle"), {"region": "360100", "module": "core"})
    assert response.status_code == 404 and not ModuleEnablement.objects.exists()


def test_modules_page_without_business_modules_says_so(login, monkeypatch):
    for spec in registry.business_modules():  # as on a platform with no module installed
        monkeypatch.delitem(registry._specs, spec.code)
    assert "empty" in login("sysadmin").get(reverse("manage:modules")).content.decode()


# --- Flows, dictionaries, notices, jobs ---------------------------------------------------------


def test_flow_create_with_steps(login, business_module):
    role = Role.objects.get(code="unit_admin")
    response = login("sysadmin").post(reverse("manage:flow_create"), {
        "business_type": "fakebiz.apply", "region": "360100", "name": "南昌测试流程",
        "steps-TOTAL_FORMS": "3", "steps-INITIAL_FORMS": "0",
        "steps-0-name": "单位审核", "steps-0-role": role.pk, "steps-1-name": "", "steps-1-role": "",
        "steps-2-name": "", "steps-2-role": "",
    })
    assert response.status_code == 302
    flow = ApprovalFlow.objects.get(business_type="fakebiz.apply", region_id="360100")
    assert [(s.name, s.role_id) for s in flow.steps.all()] == [("单位审核", role.pk)]


def test_flow_without_steps_is_refused(login, business_module):
    response = login("sysadmin").post(reverse("manage:flow_create"), {
        "business_type": "fakebiz.apply", "region": "", "name": "空流程",
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-name": "", "steps-0-role": "",
    })
    assert response.status_code == 200 and not ApprovalFlow.objects.exists()


def test_dictionary_item_add_and_edit_in_place(login):
    client = login("sysadmin")
    response = client.post(reverse("manage:dictionary_item_create", args=["gender"]),
                           {"code": "8", "label": "待定", "sort": "9", "active": "on"})
    assert response.status_code == 302
    item = DictionaryItem.objects.get(dictionary__code="gender", code="8")
    form = client.get(reverse("manage:dictionary_item", args=["gender", item.pk]), headers=HTMX).content.decode()
    assert "<form" in form and "<html" not in form
    response = client.post(reverse("manage:dictionary_item", args=["gender", item.pk]),
                           {"code": "changed", "label": "暂未确定", "sort": "9"}, headers=HTMX)
    assert response.status_code == 200 and "暂未确定" in response.content.decode()
    item.refresh_from_db()
    assert (item.code, item.label, item.active) == ("8", "暂未确定", False)  # the code never changes


def test_dictionary_item_with_a_taken_code_is_refused(login):
    code = DictionaryItem.objects.filter(dictionary__code="gender").first().code
    response = login("sysadmin").post(reverse("manage:dictionary_item_create", args=["gender"]),
                                      {"code": code, "label": "重复", "sort": "0"})
    assert response.status_code == 400 and not DictionaryItem.objects.filter(label="重复").exists()


def test_publish_and_withdraw_a_notice(login):
    client = login("sysadmin")
    response = client.post(reverse("manage:notice_create"),
                           {"title": "停电通知", "body": "周六检修线路。", "audience": "360100"})
    assert response.status_code == 302
    notice = Notice.objects.get(title="停电通知")
    response = client.post(reverse("manage:notice_withdraw", args=[notice.pk]), headers=HTMX)
    assert response.status_code == 200 and f'id="notice-{notice.pk}"' in response.content.decode()
    notice.refresh_from_db()
    assert notice.expires_at is not None and notice.expires_at <= timezone.now()


def test_notice_with_an_expiry_in_the_past_is_refused(login):
    response = login("sysadmin").post(reverse("manage:notice_create"), {
        "title": "过期通知", "body": "内容", "audience": "360100", "expires_at": "2000-01-01T08:00",
    })
    assert response.status_code == 200 and not Notice.objects.filter(title="过期通知").exists()


def test_run_a_registered_job_now(login):
    client = login("sysadmin")
    assert "core.clear_sessions" in client.get(reverse("manage:jobs")).content.decode()
    assert client.post(reverse("manage:job_run", args=["core.clear_sessions"])).status_code == 302
    assert JobSchedule.objects.get(name="core.clear_sessions").last_status == "ok"  # tests run tasks at once
    started = AuditLog.objects.get(action="run_job", object_id="core.clear_sessions")
    assert started.actor.username == "sysadmin"
    assert client.post(reverse("manage:job_run", args=["os.system"])).status_code == 404


def test_jobs_are_for_holders_of_manage_jobs(login):
    assert login("nc_admin").post(reverse("manage:job_run", args=["core.clear_sessions"])).status_code == 403
    assert not JobSchedule.objects.filter(last_status="ok").exists()


def test_flow_step_with_a_name_but_no_role_is_refused(login, business_module):
    response = login("sysadmin").post(reverse("manage:flow_create"), {
        "business_type": "fakebiz.apply", "region": "", "name": "缺角色流程",
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-name": "单位审核", "steps-0-role": "",
    }, headers=ZH)
    assert response.status_code == 200 and "请同时填写环节名称和审批角色" in response.content.decode()
    assert not ApprovalFlow.objects.exists()


def test_dictionary_item_edit_refusal_keeps_the_form_and_works_without_htmx(login):
    client = login("sysadmin")
    item = DictionaryItem.objects.filter(dictionary__code="gender").first()
    page = client.get(reverse("manage:dictionary_item", args=["gender", item.pk])).content.decode()
    assert "<html" in page and f'id="item-{item.pk}"' in page and "<form" in page
    response = client.post(reverse("manage:dictionary_item", args=["gender", item.pk]),
                           {"label": "", "sort": "-1"}, headers=HTMX)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert DictionaryItem.objects.get(pk=item.pk).label == item.label
