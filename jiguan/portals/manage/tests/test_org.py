"""Units and people through the portal: scope, validation messages, list whitelist, export, revealing personal data."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiguan.core.identifiers import credit_code
from jiguan.core.models import AccessLog, AuditLog, OrgUnit, Person, Role, RoleAssignment
from jiguan.core.models.audit import AccessKind
from jiguan.core.testing import make_account, make_unit

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}


def unit_form(**changes):
    data = {"name": "南昌市新设局", "short_name": "", "region": "360100", "credit_code": credit_code("360100", 777),
            "category": "government", "parent": "", "is_bureau": ""}
    data.update(changes)
    return data


# --- Units ----------------------------------------------------------------------------------------


def test_unit_create_with_a_bad_credit_code_shows_the_chinese_error_and_creates_nothing(login):
    client = login("sysadmin")
    before = OrgUnit.objects.count()
    good = credit_code("360100", 777)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(reverse("manage:unit_create"), unit_form(credit_code=bad), headers=ZH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "统一社会信用代码" in html and "校验" in html  # names the field and the check that failed
    assert 'is-invalid' in html
    assert OrgUnit.objects.count() == before


def test_unit_create_with_a_short_credit_code_says_how_long_it_must_be(login):
    response = login("sysadmin").post(reverse("manage:unit_create"), unit_form(credit_code="91360"), headers=ZH)
    assert "18" in response.content.decode()
    assert not OrgUnit.objects.filter(name="南昌市新设局").exists()


def test_unit_create_then_edit_its_name(login):
    client = login("sysadmin")
    response = client.post(reverse("manage:unit_create"), unit_form())
    unit = OrgUnit.objects.get(name="南昌市新设局")
    assert response.status_code == 302 and response["Location"] == reverse("manage:unit", args=[unit.pk])
    response = client.post(reverse("manage:unit_edit", args=[unit.pk]),
                           unit_form(name="南昌市新设管理局", credit_code=unit.credit_code))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "南昌市新设管理局"


def test_out_of_scope_unit_edit_is_404(login, org):
    client = login("nc_admin")  # manages units in 南昌 and below; 九江 is outside
    assert client.get(reverse("manage:unit_edit", args=[org["jiujiang"].pk])).status_code == 404
    response = client.post(reverse("manage:unit_edit", args=[org["jiujiang"].pk]), unit_form(name="改名"))
    assert response.status_code == 404
    org["jiujiang"].refresh_from_db()
    assert org["jiujiang"].name == "九江市财政局"


def test_region_admin_opens_units_in_scope_only(login, org):
    client = login("nc_admin")
    assert client.get(reverse("manage:unit_edit", args=[org["finance"].pk])).status_code == 200
    assert client.get(reverse("manage:unit", args=[org["jiujiang"].pk])).status_code == 404


def test_unit_list_shows_only_the_scope(login, org):
    html = login("unit_admin").get(reverse("manage:units")).content.decode()
    assert "南昌市财政局" in html and "九江市财政局" not in html


@pytest.mark.parametrize("query", ["sort=password", "sort=-__class__", "sort=org_path__regex", "region__key=36",
                                   "active=perhaps", "kind=<script>", "per_page=100000", "page=-1"])
def test_unit_list_ignores_bogus_parameters(login, org, query):
    response = login("sysadmin").get(f"{reverse('manage:units')}?{query}")
    assert response.status_code == 200
    assert "九江市财政局" in response.content.decode() and "<script>" not in response.content.decode()


def test_unit_list_filters_and_sorts(login, org):
    client = login("sysadmin")
    html = client.get(reverse("manage:units") + "?region=3604").content.decode()
    assert "九江市财政局" in html and "南昌市财政局" not in html
    html = client.get(reverse("manage:units") + "?kind=unit&sort=-name").content.decode().split("<tbody>", 1)[1]
    order = [html.index(name) for name in ("南昌市财政局", "南昌市机关事务管理局", "九江市财政局")]
    assert order == sorted(order)  # Unicode descending: 南 (5357) before 九 (4E5D); 财 (8D22) before 机 (673A)


def test_unit_list_htmx_request_gets_only_the_table(login, org):
    response = login("sysadmin").get(reverse("manage:units") + "?q=九江", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "九江市财政局" in html and "<html" not in html and "南昌市财政局" not in html
    assert "HX-Request" in response["Vary"]


def test_unit_deactivate_inline_returns_the_row(login, org):
    department = org["finance_office"]
    response = login("sysadmin").post(reverse("manage:unit_active", args=[department.pk]), {"active": "0"},
                                      headers={"HX-Request": "true"})
    assert response.status_code == 200 and f'id="unit-{department.pk}"' in response.content.decode()
    assert "jiguan:messages" in response["HX-Trigger"]
    department.refresh_from_db()
    assert not department.active


def test_unit_with_people_in_post_cannot_be_deactivated(login, org):
    response = login("sysadmin").post(reverse("manage:unit_active", args=[org["jiujiang"].pk]), {"active": "0"},
                                      headers={"HX-Request": "true"})
    assert "jiguan:messages" in response["HX-Trigger"] and '"error"' in response["HX-Trigger"]
    org["jiujiang"].refresh_from_db()
    assert org["jiujiang"].active


def test_department_is_added_on_the_units_page(login, org):
    client = login("sysadmin")
    response = client.post(reverse("manage:department_create", args=[org["finance"].pk]), {"name": "财务处"})
    assert response.status_code == 302
    assert OrgUnit.objects.filter(unit=org["finance"], name="财务处", kind="department").exists()
    response = client.post(reverse("manage:department_create", args=[org["finance"].pk]), {"name": ""})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


# --- Export ---------------------------------------------------------------------------------------


def test_unit_export_returns_xlsx_of_the_filtered_list_and_writes_the_access_log(login, org):
    response = login("sysadmin").get(reverse("manage:units") + "?region=3601&kind=unit&export=xlsx", headers=ZH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert "统一社会信用代码" in rows[0]
    assert {row[0] for row in rows[1:]} == {"南昌市机关事务管理局", "南昌市财政局"}
    log = AccessLog.objects.get(kind=AccessKind.EXPORT)
    assert log.actor_name == "sysadmin" and "region=3601" in log.path and "units: 2 rows" in log.detail


def test_people_export_masks_personal_data(login, org):
    person = org["finance_person"]
    response = login("sysadmin").get(reverse("manage:people") + "?export=xlsx")
    content = b"".join(response.streaming_content)
    values = {v for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for v in row}
    assert person.id_number_masked in values and person.phone_masked in values
    assert person.id_number not in values and person.phone not in values


def test_export_needs_the_list_permission(login):
    assert login("auditor").get(reverse("manage:people") + "?export=xlsx").status_code == 403
    assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()


# --- People ---------------------------------------------------------------------------------------


def test_people_list_is_masked(login, org):
    html = login("sysadmin").get(reverse("manage:people")).content.decode()
    person = org["finance_person"]
    assert person.id_number_masked in html and person.id_number not in html and person.phone not in html


def test_reveal_needs_the_personal_data_permission(login, org):
    response = login("sysadmin").post(reverse("manage:person_reveal", args=[org["finance_person"].pk]))
    assert response.status_code == 403
    assert not AccessLog.objects.filter(kind=AccessKind.PERSONAL_DATA).exists()


def test_reveal_shows_full_values_and_is_access_logged(login, org, people):
    role = Role.objects.create(code="pii_reader", name="个人信息查阅", permissions=["core.view_personal_data"],
                               scope="all")
    RoleAssignment.objects.create(account=people["sysadmin"], role=role, unit=org["bureau"])
    client = login("sysadmin")
    person = org["finance_person"]
    edit = client.get(reverse("manage:person_edit", args=[person.pk])).content.decode()
    assert reverse("manage:person_reveal", args=[person.pk]) in edit and person.id_number not in edit
    response = client.post(reverse("manage:person_reveal", args=[person.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert person.id_number in html and person.phone in html and "<html" not in html
    log = AccessLog.objects.get(kind=AccessKind.PERSONAL_DATA)
    assert log.actor_name == "sysadmin" and str(person.pk) in log.detail


def test_person_create_with_a_bad_id_number_names_the_field(login, org):
    client = login("sysadmin")
    count = Person.objects.count()
    response = client.post(reverse("manage:person_create"), {
        "name": "王五", "unit": org["finance"].pk, "status": "active", "id_number": "36010219850301123",
    }, headers=ZH)
    assert response.status_code == 200 and "身份证" in response.content.decode()
    assert Person.objects.count() == count


def test_person_edit_keeps_personal_data_left_empty(login, org):
    person = org["finance_person"]
    id_number, phone = person.id_number, person.phone
    response = login("sysadmin").post(reverse("manage:person_edit", args=[person.pk]), {
        "name": "张三丰", "unit": org["finance"].pk, "status": "active", "gender": person.gender,
        "id_number": "", "phone": "",
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number, person.phone) == ("张三丰", id_number, phone)
    assert AuditLog.objects.filter(model="core.Person", object_id=str(person.pk), action="update").exists()


def test_person_create_refuses_a_unit_outside_the_scope(login, org):
    client = login("unit_admin")
    count = Person.objects.count()
    response = client.post(reverse("manage:person_create"), {
        "name": "越界", "unit": org["jiujiang"].pk, "status": "active",
    }, headers=ZH)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert Person.objects.count() == count


def test_editing_a_unit_keeps_a_parent_above_the_editors_scope(login, org):
    province = make_unit("360000", "江西省财政厅")
    sub = make_unit("360100", "江西省财政厅南昌办事处", parent=province)
    Role.objects.create(code="own_tree_units", name="本单位机构管理", scope="unit_tree",
                        permissions=["core.view_units", "core.manage_units"])
    make_account("sub_admin", roles=("own_tree_units",), unit=sub)  # its scope starts at the sub-unit
    client = login("sub_admin")
    form = client.get(reverse("manage:unit_edit", args=[sub.pk])).content.decode()
    assert 'name="parent"' not in form
    response = client.post(reverse("manage:unit_edit", args=[sub.pk]),
                           unit_form(name="江西省财政厅驻南昌办事处", credit_code=sub.credit_code))
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.name == "江西省财政厅驻南昌办事处" and sub.parent == province
