"""The major-repair screens: who sees the list, the queue and a request; the form posts, the action buttons
shown only to those allowed, the refusals rendered on the page, the Excel export, and the staff's phone
page to report a repair and follow it."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.core.models import Attachment
from jiguan.modules.officespace.models import RepairReport, RepairRequest, RepairState, ReportState, Room
from jiguan.modules.officespace.services import repairs

from .test_repairs_services import repair_world, request_fields, submitted

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    return repair_world()


@pytest.fixture
def as_user(client, w):
    def sign_in(name):
        client.force_login(getattr(w, name))
        return client
    return sign_in


def test_list_shows_the_unit_its_requests_and_exports(as_user, w):
    request = submitted(w)
    page = as_user("fin_admin").get(reverse("manage:officespace:repairs"))
    assert page.status_code == 200 and request.title in page.content.decode()
    export = as_user("fin_admin").get(reverse("manage:officespace:repairs"), {"export": "xlsx"})
    sheet = load_workbook(BytesIO(b"".join(export.streaming_content))).active
    assert sheet.cell(2, 1).value == request.title and sheet.max_row == 2
    other = as_user("jj_admin").get(reverse("manage:officespace:repairs"))
    assert request.title not in other.content.decode()


def test_queue_shows_rank_and_breakdown_to_the_bureau_only(as_user, w):
    submitted(w, building=w.old_building, damage_grade=4, title="附楼消防系统改造")
    submitted(w, title="主楼外墙保温")
    page = as_user("nc_admin").get(reverse("manage:officespace:repair_queue"))
    body = page.content.decode()
    assert page.status_code == 200 and body.index("附楼消防系统改造") < body.index("主楼外墙保温")
    assert 'data-testid="score-breakdown"' in body
    assert as_user("fin_admin").get(reverse("manage:officespace:repair_queue")).status_code == 403


def test_create_form_posts_a_draft_with_a_photo(as_user, w):
    client = as_user("fin_admin")
    url = reverse("manage:officespace:repair_create")
    assert client.get(url, {"building": w.building.pk}).status_code == 200
    data = {**request_fields(w.building), "building": w.building.pk, "rooms": [w.single.pk],
            "attachment": SimpleUploadedFile("roof.png", PNG, content_type="image/png")}
    response = client.post(f"{url}?building={w.building.pk}", data)
    request = RepairRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("manage:officespace:repair", args=[request.pk])
    assert list(request.rooms.all()) == [w.single] and Attachment.objects.get().original_name == "roof.png"
    download = client.get(reverse("manage:officespace:repair_attachment", args=[Attachment.objects.get().pk]))
    assert download.status_code == 200
    assert as_user("jj_admin").get(reverse("manage:officespace:repair_attachment",
                                           args=[Attachment.objects.get().pk])).status_code == 404


def test_create_form_shows_the_services_refusal_and_saves_nothing(as_user, w):
    client = as_user("fin_admin")
    data = {**request_fields(w.building, scope_of_works="修"), "building": w.building.pk}
    response = client.post(reverse("manage:officespace:repair_create"), data)
    assert response.status_code == 200 and not RepairRequest.objects.exists()
    assert "is-invalid" in response.content.decode()


def test_create_form_picks_the_building_by_search_within_the_users_reach(as_user, w):
    url = reverse("manage:officespace:repair_create")

    def building_select(response) -> str:
        body = response.content.decode()
        return body[body.index('name="building"'):].split("</select>")[0]

    client = as_user("fin_admin")
    select = building_select(client.get(url))
    assert "data-picker" in select and "主楼" not in select  # searched for, not listed
    assert 'placeholder="输入关键字搜索"' in select
    assert "主楼" in building_select(client.get(url, {"building": w.building.pk}))  # the chosen one is shown
    client = as_user("jj_admin")  # 九江: the finance bureau's building in 南昌 is out of reach
    response = client.post(url, {**request_fields(w.building), "building": w.building.pk})
    assert response.status_code == 200 and not RepairRequest.objects.exists()
    assert "超出您的数据范围" in response.content.decode()


def test_affected_rooms_are_searched_among_the_chosen_buildings_rooms(as_user, w):
    def picked(client, **params) -> list[str]:
        response = client.get(reverse("manage:picker", args=["officespace.building_room"]),
                              {"perm": "officespace.manage", **params})
        return [row["text"] for row in response.json()["results"]]

    tenant = Room.objects.create(floor=w.floors[3], unit=w.nc_bureau, number="303", category="office",
                                 usable_area=Decimal("20"))  # used by another unit, in the finance bureau's building
    client = as_user("fin_admin")
    assert picked(client, building=w.building.pk, q="30") == ["3F · 301", "3F · 302", f"3F · {tenant.number}"]
    assert picked(client, building=w.old_building.pk, q="30") == []  # 附楼 has no rooms yet
    assert picked(client, q="30") == []  # no building chosen: nothing to pick from
    body = client.get(reverse("manage:officespace:repair_create")).content.decode()
    rooms = body[body.index('name="rooms"'):].split("</select>")[0]
    assert 'data-forward="building"' in rooms
    draft = repairs.create_request(w.fin_admin, **request_fields(w.building))
    edit = client.get(reverse("manage:officespace:repair_edit", args=[draft.pk]))
    body = edit.content.decode()  # the building is fixed, but still forwarded to the rooms picker
    assert f'type="hidden" name="building" value="{w.building.pk}"' in body
    data = {**request_fields(w.building), "building": w.building.pk, "rooms": [tenant.pk]}
    assert client.post(reverse("manage:officespace:repair_create"), data).status_code == 302
    assert list(RepairRequest.objects.latest("pk").rooms.all()) == [tenant]
    assert picked(as_user("jj_admin"), building=w.building.pk, q="30") == []  # out of reach


def test_detail_shows_only_the_viewers_actions(as_user, w):
    request = submitted(w)
    url = reverse("manage:officespace:repair", args=[request.pk])
    unit_page = as_user("fin_admin").get(url).content.decode()
    assert 'data-testid="action-withdraw"' in unit_page and 'data-testid="action-decide"' not in unit_page
    bureau_page = as_user("nc_admin").get(url).content.decode()
    assert 'data-testid="action-decide"' in bureau_page and 'data-testid="score-breakdown"' in bureau_page
    assert as_user("jj_admin").get(url).status_code == 404
    assert as_user("staff").get(url).status_code == 403


def test_bureau_decides_through_the_page_and_a_refusal_stays_on_it(as_user, w):
    request = submitted(w)
    client = as_user("nc_admin")
    action = reverse("manage:officespace:repair_action", args=[request.pk, "decide"])
    refused = client.post(action, {"decision": "reject"})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    assert RepairRequest.objects.get(pk=request.pk).state == RepairState.SUBMITTED
    done = client.post(action, {"decision": "plan", "planned_year": timezone.localdate().year,
                                "approved_budget": "300000"})
    assert done.status_code == 302 and RepairRequest.objects.get(pk=request.pk).state == RepairState.PLANNED


def test_unit_admin_cannot_post_the_bureaus_action(as_user, w):
    request = submitted(w)
    response = as_user("fin_admin").post(reverse("manage:officespace:repair_action", args=[request.pk, "decide"]),
                                         {"decision": "reject", "comment": "自己驳回"})
    assert response.status_code == 403
    assert RepairRequest.objects.get(pk=request.pk).state == RepairState.SUBMITTED
    assert as_user("fin_admin").post(reverse("manage:officespace:repair_action",
                                             args=[request.pk, "explode"])).status_code == 404


def test_staff_report_a_repair_on_the_phone_page_and_follow_it(as_user, w):
    client = as_user("staff")
    url = reverse("service:officespace:repair_reports")
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="report-form"' in page.content.decode()
    response = client.post(url, {"room_id": w.single.pk, "description": "门锁坏了，无法反锁", "urgency": "normal",
                                 "photo": SimpleUploadedFile("lock.png", PNG, content_type="image/png")})
    report = RepairReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("service:officespace:repair_report",
                                                                    args=[report.pk])
    repairs.resolve_report(w.fin_admin, report.pk, "已更换门锁")
    followed = client.get(response.url).content.decode()
    assert "已更换门锁" in followed and "门锁坏了" in followed
    refused = client.post(url, {"room_id": w.shared.pk, "description": "x", "urgency": "normal"})
    assert refused.status_code == 200 and RepairReport.objects.count() == 1
    assert as_user("fin_admin").get(reverse("service:officespace:repair_report", args=[report.pk])
                                    ).status_code in (403, 404)


def test_unit_admin_handles_a_report_and_raises_a_request_from_it(as_user, w):
    report = repairs.report_fault(w.staff, description="屋顶漏水，天花板掉落")
    client = as_user("fin_admin")
    assert report.description in client.get(reverse("manage:officespace:repair_reports")).content.decode()
    detail = client.get(reverse("manage:officespace:repair_report", args=[report.pk]))
    assert 'data-testid="action-resolve"' in detail.content.decode()
    create = f"{reverse('manage:officespace:repair_create')}?report={report.pk}"
    assert report.description in client.get(create).content.decode()
    data = {**request_fields(w.building), "building": w.building.pk}
    assert client.post(create, data).status_code == 302
    assert RepairReport.objects.get(pk=report.pk).state == ReportState.ESCALATED
    assert as_user("jj_admin").get(reverse("manage:officespace:repair_report", args=[report.pk])).status_code == 404

