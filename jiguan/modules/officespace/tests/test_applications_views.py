"""The space-application screens: the list (filters, export), the new-application form, the detail page,
the allocation page, denials, the adjustment pages of both portals."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiguan.core.models import AccessLog, ModuleEnablement
from jiguan.modules.officespace.models import OfficeAdjustment, SpaceApplication
from jiguan.modules.officespace.services import applications as apps

from .test_applications import application_values, approved, build_world, city_rank, draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def login(client, w):
    def sign_in(name):
        client.force_login(getattr(w, name))
        return client

    return sign_in


def url(name, *args):
    return reverse(f"manage:officespace:{name}", args=args)


def test_list_filters_exports_and_scope(login, w):
    application = approved(w)
    body = login("nc_admin").get(url("applications") + "?state=approved").content.decode()
    assert application.title in body and "已批准待调配" in body
    body = login("nc_admin").get(url("applications") + "?state=draft").content.decode()
    assert application.title not in body
    assert application.title not in login("jj_admin").get(url("applications")).content.decode()
    response = login("fin_admin").get(url("applications") + "?export=xlsx")
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming
                                      else response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "标题" and rows[1][0] == application.title
    assert AccessLog.objects.filter(kind="export").exists()
    assert login("staff").get(url("applications")).status_code == 403


def test_new_application_form_refuses_too_much_area_and_saves_a_draft(login, w):
    values = {"title": "新增人员用房", "purpose": "新增编制人员需要办公用房。", "needed_by": "2099-01-01",
              "requested_area": "50", f"count_{city_rank('bureau_director').pk}": 1,
              f"count_{city_rank('below_bureau').pk}": 2}
    response = login("fin_admin").post(url("application_new"), values)
    body = response.content.decode()
    assert response.status_code == 200 and "超过所报人员按标准核定的面积 42.00 ㎡" in body and "5年内" in body
    assert not SpaceApplication.objects.exists()
    response = login("fin_admin").post(url("application_new"), {**values, "requested_area": "40",
                                                                 "needed_by": str(application_values()["needed_by"])})
    application = SpaceApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == url("application", application.pk)
    assert application.entitlement == 42


def test_detail_page_and_actions(login, w):
    assert login("fin_admin").get(url("application_new")).status_code == 200
    application = draft(w)
    assert login("fin_admin").get(url("application_edit", application.pk)).status_code == 200
    body = login("fin_admin").get(url("application", application.pk)).content.decode()
    assert "42.00" in body and "提交审批" in body and "调配用房" not in body
    response = login("fin_admin").post(url("application_submit", application.pk))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "submitted"
    assert login("jj_admin").get(url("application", application.pk)).status_code == 404
    assert login("staff").get(url("application", application.pk)).status_code == 403


def test_allocation_page_lists_idle_rooms_and_allocates(login, w):
    application = approved(w)
    page = login("nc_admin").get(url("application_allocate", application.pk))
    body = page.content.decode()
    assert page.status_code == 200 and "501" in body and "502" in body and "合计 54" in body
    assert body.index("501") < body.index("502")
    response = login("nc_admin").post(url("application_allocate", application.pk), {
        "method": "rent", "lessor": "某公司", "address": "某地", "area": "40", "annual_rent": "1000",
        "lease_start": "2026-01-01", "lease_end": "2027-01-01", "why_not_transfer": "面积不够大", "why_not_exchange": "无可置换用房",
    })
    assert response.status_code == 200 and "可供调剂" in response.content.decode()
    response = login("nc_admin").post(url("application_allocate", application.pk), {
        "method": "transfer", "rooms": [w.idle_big.pk], "document_no": "洪机管调〔2026〕7号"})
    assert response.status_code == 302
    body = login("fin_admin").get(url("application", application.pk)).content.decode()
    assert "洪机管调〔2026〕7号" in body and "调剂" in body


def test_allocation_page_denials(login, w):
    application = approved(w)
    assert login("fin_admin").get(url("application_allocate", application.pk)).status_code == 403
    assert login("jj_admin").get(url("application_allocate", application.pk)).status_code == 404


def test_adjustments_in_both_portals(login, w, client):
    client.force_login(w.staff)
    response = client.post(reverse("service:officespace:adjustments"),
                           {"reason": "too_small", "details": "办公室太小放不下档案柜。"})
    adjustment = OfficeAdjustment.objects.get()
    assert response.status_code == 302
    assert "待单位处理" in client.get(reverse("service:officespace:adjustments")).content.decode()
    assert client.get(reverse("service:officespace:adjustment", args=[adjustment.pk])).status_code == 200
    assert client.get(url("adjustments")).status_code == 403

    other = apps.request_adjustment(w.fin_admin, reason="other", details="需要靠近档案室办公")
    assert client.get(reverse("service:officespace:adjustment", args=[other.pk])).status_code == 404

    admin = login("fin_admin")
    assert "办公室太小" in admin.get(url("adjustments")).content.decode()
    response = admin.post(url("adjustment", adjustment.pk), {"decision": "decline", "comment": ""})
    assert response.status_code == 400 and "请填写" in response.content.decode()
    response = admin.post(url("adjustment", adjustment.pk), {"decision": "accept", "comment": "下周调到305室"})
    assert response.status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.state == "accepted"
    assert login("jj_admin").get(url("adjustment", adjustment.pk)).status_code == 404


def test_an_adjustment_request_is_among_my_applications_in_the_service_portal(w, client):
    adjustment = apps.request_adjustment(w.staff, reason="too_small", details="办公室太小放不下档案柜。")
    client.force_login(w.staff)
    page = client.get(reverse("service:applications"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "办公室调整：" in page and "待单位处理" in page
    assert reverse("service:officespace:adjustment", args=[adjustment.pk]) in page
    ModuleEnablement.objects.create(region_id=w.staff.unit.region_id, module="officespace", enabled=False)
    page = client.get(reverse("service:applications"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "办公室调整：" not in page  # a module switched off for the region lists nothing
