"""The housing screens of both portals: lists with filters and Excel export, the forms and their refusals
(nothing changed), the permission matrix (own application only for staff, own unit for its administrator,
the region for its bureau; out of scope answers 404), and the pages applicants see."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.core.models import Attachment
from jiguan.core.testing import make_account, make_unit
from jiguan.modules.housing.models import Application, Estate, Flat, Meter, Offer
from jiguan.modules.housing.services import applications as apps
from jiguan.modules.housing.services import offers

from .world import application_values, applied, build_world, confirmed, estate_values, spouse, waiting

pytestmark = pytest.mark.django_db



@pytest.fixture
def w(db):
    return build_world()



def url(name, *args):
    return reverse(f"manage:housing:{name}", args=args)


def service(name, *args):
    return reverse(f"service:housing:{name}", args=args)


# --- The stock -------------------------------------------------------------------------------------------------


def test_flat_list_filters_searches_and_exports(login, w):
    client = login("nc_admin")
    Flat.objects.filter(pk=w.flat2.pk).update(state="maintenance")
    page = client.get(url("flats"), {"state": "maintenance"})
    assert page.status_code == 200 and "102" in page.content.decode() and ">101<" not in page.content.decode()
    assert "201" in client.get(url("flats"), {"q": "201"}).content.decode()
    export = client.get(url("flats"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(b"".join(export.streaming_content))).active.values)
    assert rows[0][:2] == ("住房", "户型") and len(rows) == 4
    assert login("jj_admin").get(url("flats")).content.decode().count("青山湖周转公寓") == 0


def test_estate_form_refuses_bad_input_and_saves_good(login, w):
    client = login("nc_admin")
    bad = client.post(url("estate_new"), {**estate_values(name="新小区", rent_per_sqm="abc"), "region": "360111"})
    assert bad.status_code == 400 and Estate.objects.count() == 1
    bad = client.post(url("estate_new"), {**estate_values(name="新小区", market_rent_per_sqm="5"), "region": "360111"})
    assert bad.status_code == 400 and "市场租金" in bad.content.decode()
    good = client.post(url("estate_new"), {**estate_values(name="新小区"), "region": "360111"})
    assert good.status_code == 302 and Estate.objects.filter(name="新小区").exists()
    estate = Estate.objects.get(name="新小区")
    zh = {"Accept-Language": "zh-hans"}
    assert "住房套数" in client.get(url("estates"), headers=zh).content.decode()  # a count, not the 住房 menu
    assert "住房套数" in client.get(url("estate", estate.pk), headers=zh).content.decode()
    assert login("fin_admin").get(url("estate_new")).status_code == 403


def test_flat_forms_and_meter(login, w):
    client = login("nc_admin")
    form = {"unit_no": "301", "floor": 3, "layout": "两室一厅", "bedrooms": 2, "floor_area": "70",
            "furnishings": "床 2\n空调"}
    bad = client.post(url("flat_new", w.building.pk), form)
    assert bad.status_code == 400 and "“空调”" in bad.content.decode()
    bad = client.post(url("flat_new", w.building.pk), {**form, "furnishings": "床 2", "floor": 9})
    assert bad.status_code == 400 and Flat.objects.count() == 3
    assert client.post(url("flat_new", w.building.pk), {**form, "furnishings": "床 2"}).status_code == 302
    assert Flat.objects.get(unit_no="301").furnishings == [{"item": "床", "count": 2}]
    bad = client.post(url("flat", w.flat.pk), {"kind": "water", "number": "SB1", "last_reading": "-1"})
    assert bad.status_code == 400 and not Meter.objects.exists()
    assert client.post(url("flat", w.flat.pk), {"kind": "water", "number": "SB1", "last_reading": "12"}).status_code == 302
    page = client.get(url("flat", w.flat.pk)).content.decode()
    assert "SB1" in page and "空调" in page
    client.post(url("flat_state", w.flat.pk), {"action": "repair"})
    w.flat.refresh_from_db()
    assert w.flat.state == "maintenance"
    assert login("jj_admin").get(url("flat", w.flat.pk)).status_code == 404


# --- Applications: the permission matrix -------------------------------------------------------------------------

# role × page → status for an application of 南昌市财政局 (in scope of fin_admin and nc_admin only)
MATRIX = [
    ("nc_admin", 200), ("fin_admin", 200), ("audit_admin", 404), ("jj_admin", 404), ("donghu_admin", 404),
    ("staff", 403),
]


@pytest.mark.parametrize(("who", "status"), MATRIX)
def test_who_sees_an_application_in_the_management_portal(login, w, who, status):
    application = applied(w, w.staff2)
    assert login(who).get(url("application", application.pk)).status_code == status


@pytest.mark.parametrize(("who", "status"), [("donghu_admin", 200), ("nc_admin", 200), ("jj_admin", 404),
                                             ("fin_admin", 404)])
def test_a_county_application_is_seen_by_the_county_and_the_city_bureau(login, w, who, status):
    county_unit = make_unit("360102", "东湖区财政局")
    account = make_account("donghu_staff", roles=("staff",), unit=county_unit)
    application = apps.apply(account, **application_values())
    assert application.region_id == "360102"
    assert login(who).get(url("application", application.pk)).status_code == status


@pytest.mark.parametrize(("who", "status"), [("staff2", 200), ("staff", 404), ("deputy_account", 404),
                                             ("fin_admin", 404)])
def test_only_the_applicant_sees_it_in_the_service_portal(login, w, who, status):
    application = applied(w, w.staff2)
    assert login(who).get(service("application", application.pk)).status_code == status


def test_lists_are_scoped(login, w):
    applied(w, w.staff)
    applied(w, w.auditor_account)

    def names(who):
        return login(who).get(url("applications")).content.decode()

    assert "王科员" in names("fin_admin") and "钱审计" not in names("fin_admin")
    assert "王科员" in names("nc_admin") and "钱审计" in names("nc_admin")
    assert "王科员" not in names("jj_admin") and "王科员" not in names("donghu_admin")
    assert login("fin_admin").get(url("waiting")).status_code == 403
    assert login("fin_admin").get(url("offer_new")).status_code == 403


def test_unit_confirms_and_bureau_reviews_on_the_page(login, w):
    application = applied(w, family=[spouse()])
    client = login("fin_admin")
    page = client.get(url("application", application.pk)).content.decode()
    assert "confirm-form" in page and "review" not in page and spouse()["id_number"] not in page
    assert client.post(url("application", application.pk), {"decision": "confirm"}).status_code == 302
    client = login("nc_admin")
    page = client.get(url("application", application.pk)).content.decode()
    assert "平台可核查的各项均符合" in page
    bad = client.post(url("application", application.pk), {"decision": "approve", "approve-hardship_level": "7"})
    assert bad.status_code == 400
    bad = client.post(url("application", application.pk), {"decision": "reject", "reject-refusal": "other",
                                                            "reject-comment": ""})
    assert bad.status_code == 400
    application.refresh_from_db()
    assert application.state == "confirmed"
    done = client.post(url("application", application.pk), {"decision": "approve", "approve-hardship_level": "2"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.hardship_level) == ("waiting", 2)
    assert client.post(url("application", application.pk), {"decision": "nonsense"}).status_code == 404


def test_waiting_list_offer_and_criteria_pages(login, w):
    first = waiting(w, w.staff, hardship_level=1)
    second = waiting(w, w.staff2)
    client = login("nc_admin")
    page = client.get(url("waiting")).content.decode()
    assert page.index("王科员") < page.index("赵科员")
    bad = client.post(url("offer_new"), {"flat": w.flat.pk, "application": second.pk})
    assert bad.status_code == 400 and "写明理由" in bad.content.decode() and not Offer.objects.exists()
    made = client.post(url("offer_new"), {"flat": w.flat.pk})
    assert made.status_code == 302 and Offer.objects.get().application == first
    assert client.get(url("offer", Offer.objects.get().pk)).status_code == 200
    assert "王科员" in client.get(url("offers")).content.decode()
    bad = client.post(url("criteria"), {"points_per_rank_step": "2", "points_per_family_member": "5",
                                        "points_per_month_waited": "1", "points_per_hardship_level": "10",
                                        "category_window_months": "24", "offer_days": "0", "declines_before_end": "2"})
    assert bad.status_code == 400
    good = client.post(url("criteria"), {"points_per_rank_step": "2", "points_per_family_member": "5",
                                         "points_per_month_waited": "1", "points_per_hardship_level": "30",
                                         "category_window_months": "24", "offer_days": "5", "declines_before_end": "2"})
    assert good.status_code == 302
    first.refresh_from_db()
    assert first.score == 30


# --- The service portal -----------------------------------------------------------------------------------------


def apply_form(**changes) -> dict:
    values = {"category": "recruited", "category_date": str(timezone.localdate()), "hardship_notes": "",
              "no_home_declared": "on", "family_1_name": "配偶", "family_1_relation": "spouse",
              "family_1_id_number": spouse()["id_number"]}
    return {**values, **changes}


def test_apply_in_the_service_portal(login, w):
    client = login("staff")
    assert client.get(service("home")).status_code == 200
    bad = client.post(service("apply"), apply_form(no_home_declared=""))
    assert bad.status_code == 400 and "无住房" in bad.content.decode() and not Application.objects.exists()
    bad = client.post(service("apply"), apply_form(family_1_id_number="3601021990"))
    assert bad.status_code == 400 and not Application.objects.exists()
    upload = SimpleUploadedFile("调令.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    done = client.post(service("apply"), {**apply_form(), "attachment": upload})
    application = Application.objects.get()
    assert done.status_code == 302 and done["Location"] == service("application", application.pk)
    assert Attachment.objects.filter(subject_id=str(application.pk)).count() == 1
    page = client.get(service("application", application.pk)).content.decode()
    assert "待单位确认" in page and spouse()["id_number"] not in page
    mine = client.get(reverse("service:applications"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "周转住房申请：" in mine and "待单位确认" in mine and service("application", application.pk) in mine


def test_the_family_rows_are_labelled_boxes(login, w):
    form = login("staff").get(service("apply")).content.decode()
    for name, label in (("family_1_name", "姓名"), ("family_4_id_number", "身份证号")):
        box = form[form.rindex("<input", 0, form.index(f'name="{name}"')):]
        box = box[:box.index(">")]
        assert 'class="form-control"' in box and f'placeholder="{label}"' in box and f'aria-label="{label}"' in box


def test_position_and_why_are_shown(login, w):
    waiting(w, w.staff, hardship_level=1)
    mine = waiting(w, w.staff2, family=[spouse()])
    page = login("staff2").get(service("application", mine.pk)).content.decode()
    assert "您当前排第 2 位" in page and "您前面有 1 人，共 2 人轮候" in page
    assert "随迁家庭成员" in page and "5.00" in page
    assert "您当前排第 2 位" in login("staff2").get(service("home")).content.decode()


def test_answer_an_offer_in_the_service_portal(login, w):
    application = waiting(w, w.staff)
    offer = offers.make_offer(w.nc_admin, w.flat.pk)
    assert login("staff2").get(service("offer", offer.pk)).status_code == 404
    client = login("staff")
    bad = client.post(service("offer", offer.pk), {"answer": "accept", "comment": "很" * 501})
    assert bad.status_code == 400
    assert client.post(service("offer", offer.pk), {"answer": "decline", "comment": "太远"}).status_code == 302
    application.refresh_from_db()
    assert (application.state, application.declines) == ("waiting", 1)


def test_revise_a_returned_application(login, w):
    application = confirmed(w)
    apps.return_application(w.nc_admin, application.pk, "请补充调令")
    client = login("staff")
    assert client.get(service("revise", application.pk)).status_code == 200
    assert client.post(service("revise", application.pk), apply_form(category="exchanged")).status_code == 302
    application.refresh_from_db()
    assert (application.state, application.category) == ("submitted", "exchanged")
