"""The 清查盘点 pages: who sees which page, the forms' posts and refusals, the htmx rows of a checklist,
the exports, and a campaign page whose query count does not grow with the number of units."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiguan.core.testing import make_account, make_unit
from jiguan.modules.officespace.models import (
    Building,
    Campaign,
    CampaignRoom,
    CampaignTask,
    Compound,
    Floor,
    Room,
)
from jiguan.modules.officespace.services import campaigns as cs

from .test_campaigns import DEADLINE, campaign_world, open_nanchang

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    world = campaign_world()
    world.campaign = open_nanchang(world)
    world.task = CampaignTask.objects.get(campaign=world.campaign, unit=world.finance)
    return world


@pytest.fixture
def login(client, w):
    def sign_in(name):
        client.force_login(getattr(w, name))
        return client

    return sign_in


def url(name, *args):
    return reverse(f"manage:officespace:{name}", args=args)


def rows_of(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))


def test_pages_render_for_the_bureau_and_the_unit_and_refuse_staff(login, w):
    for name, args in (("campaigns", ()), ("campaign", (w.campaign.pk,)), ("campaign_differences", (w.campaign.pk,)),
                       ("campaign_task", (w.task.pk,))):
        assert login("nc_admin").get(url(name, *args)).status_code == 200
        assert login("fin_admin").get(url(name, *args)).status_code == 200
        assert login("staff").get(url(name, *args)).status_code == 403
    listed = login("nc_admin").get(url("campaigns"), headers={"Accept-Language": "zh-hans"}).content.decode()
    shown = login("nc_admin").get(url("campaign", w.campaign.pk), headers={"Accept-Language": "zh-hans"})
    assert "<th>单位数</th>" in listed and "单位数" in shown.content.decode()  # a count, not the 单位管理 menu


def test_out_of_scope_pages_answer_404(login, w):
    bureau_task = CampaignTask.objects.get(campaign=w.campaign, unit=w.nc_bureau)
    assert login("fin_admin").get(url("campaign_task", bureau_task.pk)).status_code == 404
    assert login("jj_admin").get(url("campaign", w.campaign.pk)).status_code == 404
    response = login("fin_admin").post(url("campaign_confirm", bureau_task.pk), {"all": "1"})
    assert response.status_code == 404
    assert CampaignRoom.objects.get(campaign=w.campaign, number="201").result == "pending"


def test_only_the_bureau_opens_a_campaign(login, w):
    assert login("fin_admin").get(url("campaign_open")).status_code == 403
    Campaign.objects.update(state="closed")
    response = login("nc_admin").post(url("campaign_open"), {"name": "2027年度办公用房清查盘点", "year": "2026",
                                                            "deadline": DEADLINE.isoformat(), "region": ""})
    campaign = Campaign.objects.get(name="2027年度办公用房清查盘点")
    assert response.status_code == 302 and response["Location"] == url("campaign", campaign.pk)


def test_the_open_form_shows_a_refusal_on_its_field(login, w):
    response = login("nc_admin").post(url("campaign_open"), {"name": "2026年度办公用房清查盘点", "year": "2026",
                                                            "deadline": DEADLINE.isoformat(), "region": "360400"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


def test_checklist_rows_are_confirmed_and_corrected_through_htmx(login, w):
    client = login("fin_admin")
    row = CampaignRoom.objects.get(campaign=w.campaign, number="301")
    response = client.post(url("campaign_room_confirm", row.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and f'id="croom-{row.pk}"' in response.content.decode()
    form_row = client.get(url("campaign_room_correct", row.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'name="usable_area"' in form_row and 'hx-include="closest tr"' in form_row
    bad = client.post(url("campaign_room_correct", row.pk), {"category": "office", "usable_area": "-1",
                                                            "state": "idle"}, HTTP_HX_REQUEST="true")
    assert 'name="usable_area"' in bad.content.decode() and "invalid-feedback" in bad.content.decode()
    client.post(url("campaign_room_correct", row.pk), {"category": "office", "usable_area": "28", "state": "in_use",
                                                      "note": "实测"}, HTTP_HX_REQUEST="true")
    row.refresh_from_db()
    assert (row.result, row.found_usable_area) == ("corrected", Decimal("28.00"))
    unchecked = client.get(url("campaign_task", w.task.pk) + "?show=unchecked", HTTP_HX_REQUEST="true")
    assert "301" not in unchecked.content.decode() and "302" in unchecked.content.decode()


def test_confirm_all_building_figures_submit_and_the_bureau_accepts(login, w):
    client = login("fin_admin")
    client.post(url("campaign_confirm", w.task.pk), {"all": "1"})
    building = w.task.buildings.get()
    response = client.post(url("campaign_building", building.pk), {"book_area": "3000", "book_value": "900000",
                                                                   "certificate_at_hand": "0"})
    assert response.status_code == 302
    client.post(url("campaign_submit", w.task.pk))
    assert CampaignTask.objects.get(pk=w.task.pk).state == "submitted"
    assert 'data-testid="decision"' not in client.get(url("campaign_task", w.task.pk)).content.decode()
    assert client.post(url("campaign_accept", w.task.pk)).status_code == 403
    bureau = login("nc_admin")
    assert 'data-testid="decision"' in bureau.get(url("campaign_task", w.task.pk)).content.decode()
    bureau.post(url("campaign_accept", w.task.pk), {"comment": "同意"})
    assert CampaignTask.objects.get(pk=w.task.pk).state == "accepted"


def test_submit_with_unchecked_rooms_shows_how_many(login, w):
    response = login("fin_admin").post(url("campaign_submit", w.task.pk), follow=True)
    assert "5" in response.content.decode()
    assert CampaignTask.objects.get(pk=w.task.pk).state == "pending"


def test_close_refused_then_forced(login, w):
    client = login("nc_admin")
    client.post(url("campaign_close", w.campaign.pk), {})
    assert Campaign.objects.get(pk=w.campaign.pk).state == "open"
    client.post(url("campaign_close", w.campaign.pk), {"force": "on", "reason": "年度工作结束，另行督办"})
    assert Campaign.objects.get(pk=w.campaign.pk).state == "closed"


def test_differences_and_progress_export_to_excel(login, w):
    row = CampaignRoom.objects.get(campaign=w.campaign, number="302", building=w.building)
    cs.correct_room(w.fin_admin, row.pk, category="office", usable_area="38.5", state="in_use")
    client = login("nc_admin")
    rows = rows_of(client.get(url("campaign_differences", w.campaign.pk) + "?kind=physical&export=xlsx"))
    assert len(rows) == 2 and rows[1][2] == "主楼 302" and float(rows[1][6]) == -1.5
    progress = rows_of(client.get(url("campaign", w.campaign.pk) + "?export=xlsx"))
    assert {r[0] for r in progress[1:]} == {"南昌市财政局", "南昌市机关事务管理局"}


def test_the_campaign_page_runs_a_fixed_number_of_queries(login, w, django_assert_max_num_queries):
    client = login("nc_admin")
    client.get(url("campaign", w.campaign.pk))  # fills the session and grant caches
    for n in range(8):
        unit = make_unit("360100", f"南昌市测试局{n}")
        compound = Compound.objects.create(unit=unit, name=f"测试院{n}", region_id="360100", address="南昌市1号")
        building = Building.objects.create(compound=compound, unit=unit, name="办公楼", year_built=2000,
                                           floors_above=1, gross_area=Decimal("800"))
        floor = Floor.objects.create(building=building, unit=unit, number=1)
        Room.objects.create(floor=floor, unit=unit, number="101", category="office", usable_area=Decimal("18"))
    Campaign.objects.update(state="closed")
    many = open_nanchang(w)
    assert many.tasks.count() == 10
    with django_assert_max_num_queries(20) as captured:
        client.get(url("campaign", w.campaign.pk))
    few = len(captured)
    with django_assert_max_num_queries(few):
        assert client.get(url("campaign", many.pk)).status_code == 200


def test_a_unit_admin_of_another_unit_cannot_reach_the_checklist(login, w, client):
    other = make_account("other_admin", roles=("unit_admin",), unit=make_unit("360100", "南昌市教育局"))
    client.force_login(other)
    assert client.get(url("campaign_task", w.task.pk)).status_code == 404
