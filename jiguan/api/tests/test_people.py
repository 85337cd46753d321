"""People: scoped lists without personal data, masked detail, the logged reveal, create and patch, and
the query-count baseline of the list (the benchmarked endpoint)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.core.identifiers import id_number
from jiguan.core.models import AccessLog, Person, Role, RoleAssignment
from jiguan.core.models.audit import AccessKind
from jiguan.core.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(api, region_admin):
    return api.token(region_admin)


def ids(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def test_region_admin_lists_people_of_the_region_only(api, admin_token, org, outsider):
    inside = {make_person(org[key]).pk for key in ("finance", "finance_sub", "donghu")}
    response = api.get("/people", params={"page_size": 100}, token=admin_token)
    assert response.status_code == 200
    assert inside <= ids(response) and outsider.pk not in ids(response)
    item = response.json()["items"][0]
    assert "id_number" not in str(item) and "phone" not in str(item)  # lists carry no personal data


def test_staff_listing_people_sees_only_themself(api, staff, org):
    make_person(org["finance"])
    response = api.get("/people", token=api.token(staff))
    assert ids(response) == {staff.person_id}


def test_people_list_filters_sorts_and_pages(api, admin_token, org):
    make_person(org["finance"], name="张三")
    make_person(org["finance"], name="李四")
    make_person(org["donghu"], name="王五")
    by_unit = api.get("/people", params={"unit": org["finance"].pk, "sort": "name"}, token=admin_token).json()
    assert [p["name"] for p in by_unit["items"]] == sorted(p["name"] for p in by_unit["items"])
    assert {p["unit"]["id"] for p in by_unit["items"]} == {org["finance"].pk}
    searched = api.get("/people", params={"q": "王"}, token=admin_token).json()
    assert [p["name"] for p in searched["items"]] == ["王五"]
    first = api.get("/people", params={"page_size": 2}, token=admin_token).json()
    assert first["has_next"] is True and first["total"] is None and len(first["items"]) == 2
    counted = api.get("/people", params={"page_size": 2, "with_total": True}, token=admin_token).json()
    second = api.get("/people", params={"page_size": 2, "page": 2}, token=admin_token).json()
    assert counted["total"] == Person.objects.filter(org_path__startswith="3601").count()
    assert not ids_of(first) & ids_of(second)


def ids_of(page: dict) -> set[int]:
    return {item["id"] for item in page["items"]}


def test_person_detail_is_masked(api, admin_token, org):
    person = make_person(org["finance_office"].unit, department=org["finance_office"])
    body = api.get(f"/people/{person.pk}", token=admin_token).json()
    assert body["id_number_masked"] == person.id_number_masked != person.id_number
    assert body["phone_masked"] == person.phone_masked and person.phone not in str(body)
    assert body["department"]["id"] == org["finance_office"].pk


def grant_personal_data(account, anchor) -> None:
    viewer = Role.objects.create(code="pii_viewer", name="个人信息查看", permissions=["core.view_personal_data"],
                                 scope="region")
    RoleAssignment.objects.create(account=account, role=viewer, unit=anchor)


def test_out_of_scope_person_is_404(api, admin_token, region_admin, org, outsider):
    grant_personal_data(region_admin, org["bureau"])
    assert api.get(f"/people/{outsider.pk}", token=admin_token).status_code == 404
    assert api.post(f"/people/{outsider.pk}/reveal", token=admin_token).status_code == 404
    assert not AccessLog.objects.filter(kind=AccessKind.PERSONAL_DATA).exists()


def test_reveal_needs_the_right_and_is_access_logged(api, admin_token, region_admin, org):
    person = make_person(org["finance"])
    refused = api.post(f"/people/{person.pk}/reveal", token=admin_token)
    assert refused.status_code == 403
    grant_personal_data(region_admin, org["bureau"])
    response = api.post(f"/people/{person.pk}/reveal", token=admin_token)
    assert response.status_code == 200
    assert response.json() == {"id_number": person.id_number, "phone": person.phone}
    logged = AccessLog.objects.filter(kind=AccessKind.PERSONAL_DATA, actor=region_admin).get()
    assert f"person:{person.pk}" in logged.detail


def test_create_and_patch_person(api, admin_token, org):
    number = id_number("360102", date(1990, 5, 17), 41, female=True)
    response = api.post("/people", {"name": "赵六", "unit_id": org["finance"].pk, "id_number": number,
                                    "phone": "13900001111"}, token=admin_token)
    assert response.status_code == 201
    body = response.json()
    assert body["gender"] == "F" and body["id_number_masked"].endswith(number[-4:])
    patched = api.patch(f"/people/{body['id']}", {"title": "科长"}, token=admin_token)
    assert patched.status_code == 200 and patched.json()["title"] == "科长"
    assert Person.objects.get(pk=body["id"]).id_number == number


def test_duplicate_id_number_is_refused_and_changes_nothing(api, admin_token, org):
    existing = make_person(org["finance"])
    before = Person.objects.count()
    response = api.post("/people", {"name": "重复", "unit_id": org["finance"].pk, "id_number": existing.id_number},
                        token=admin_token)
    assert response.status_code == 400 and response.json()["field"] == "id_number"
    assert Person.objects.count() == before


def test_person_cannot_be_created_outside_scope(api, admin_token, org):
    response = api.post("/people", {"name": "越权", "unit_id": org["jiujiang"].pk}, token=admin_token)
    assert response.status_code == 400 and response.json()["field"] == "unit_id"
    assert not Person.objects.filter(name="越权").exists()


def _list_queries(api, token) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/people", params={"page_size": 50}, token=token)
    assert response.status_code == 200
    return len(queries)


def _people_with_relations(org, count: int) -> None:
    """People with a rank and, for the 财政局 ones, a department: every related column the list shows."""
    for n in range(count):
        if n % 2:
            make_person(org["donghu"], rank="section_director")
        else:
            make_person(org["finance"], rank="bureau_deputy", department=org["finance_office"])


def test_people_list_query_count_does_not_grow_with_rows(api, admin_token, org, django_assert_max_num_queries):
    _people_with_relations(org, 2)  # with the administrator: 3 people
    api.get("/people", token=admin_token)  # the first use stamps the token's last use
    few = _list_queries(api, admin_token)
    _people_with_relations(org, 27)
    many = _list_queries(api, admin_token)
    assert few == many
    # token lookup, grants, the page itself, and the access-log append (transaction, head row, insert, head update)
    with django_assert_max_num_queries(9):
        api.get("/people", token=admin_token)


def test_a_changed_grant_reaches_the_next_list_at_once(api, admin_token, region_admin, org, outsider):
    """Lists of the same shape share one compiled statement; the scope in it is still each request's own."""
    in_donghu = make_person(org["donghu"]).pk
    assert in_donghu in ids(api.get("/people", params={"page_size": 100}, token=admin_token))
    # Re-anchored on 财政局 with the unit-and-below scope: 东湖区 is out of reach from the next request on.
    assignment = RoleAssignment.objects.get(account=region_admin)
    assignment.role = Role.objects.get(code="unit_admin")
    assignment.unit = org["finance"]
    assignment.save()
    after = ids(api.get("/people", params={"page_size": 100}, token=admin_token))
    assert in_donghu not in after and outsider.pk not in after
    assert after == set(Person.objects.filter(org_path__startswith=org["finance"].org_path).values_list("id", flat=True))
