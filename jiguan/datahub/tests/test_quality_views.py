"""The quality pages: status codes for each role, denials, scope on the lists, the export, and form posts
(an element, a carrier, the steps of an issue)."""

import pytest
from django.urls import reverse

from jiguan.core.testing import PASSWORD
from jiguan.datahub.models import DataElement, QualityIssue

from .test_quality_world import build, submit

pytestmark = pytest.mark.django_db
PEOPLE = [("360102198501010011", "张三", "一级主任科员"), ("360102198601010022", "李四", "二级主任科员")]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    world = build()
    submit(world.personnel, world.bureau, PEOPLE)
    submit(world.payroll, world.finance, [(PEOPLE[0][0], "张三", "科员")])
    submit(world.jj_payroll, world.jiujiang, [(PEOPLE[1][0], "李四", "科员")])
    world.issue = QualityIssue.objects.get(unit=world.finance)
    return world


def login(client, account):
    assert client.login(username=account.username, password=PASSWORD)
    return client


PAGES = ["quality_overview", "elements", "discrepancies", "quality_issues"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_open_for_viewers_and_deny_staff(client, w, page):
    url = reverse(f"manage:datahub:{page}")
    for account in (w.jx_admin, w.nc_admin, w.fin_admin):
        assert login(client, account).get(url).status_code == 200
    assert login(client, w.staff).get(url).status_code == 403


def test_lists_are_scoped(client, w):
    nanchang = login(client, w.nc_admin).get(reverse("manage:datahub:discrepancies")).content.decode()
    assert PEOPLE[0][0] in nanchang and PEOPLE[1][0] not in nanchang
    province = login(client, w.jx_admin).get(reverse("manage:datahub:discrepancies")).content.decode()
    assert PEOPLE[0][0] in province and PEOPLE[1][0] in province
    issues = login(client, w.jj_admin).get(reverse("manage:datahub:quality_issues")).content.decode()
    theirs = QualityIssue.objects.get(unit=w.jiujiang)
    assert reverse("manage:datahub:quality_issue", args=[theirs.pk]) in issues
    assert reverse("manage:datahub:quality_issue", args=[w.issue.pk]) not in issues
    assert client.get(reverse("manage:datahub:quality_issue", args=[w.issue.pk])).status_code == 404


def test_the_dataset_filters_offer_the_datasets_in_ones_catalog(client, w):
    option = f'<option value="{w.payroll.pk}">{w.payroll.name}</option>'
    for page in ("discrepancies", "quality_issues"):
        assert option in login(client, w.nc_admin).get(reverse(f"manage:datahub:{page}")).content.decode()
        assert option not in login(client, w.jj_admin).get(reverse(f"manage:datahub:{page}")).content.decode()


def test_discrepancies_export_to_excel(client, w):
    response = login(client, w.nc_admin).get(reverse("manage:datahub:discrepancies"), {"export": "xlsx"})
    assert response.status_code == 200 and "spreadsheet" in response["Content-Type"]


def test_issue_page_shows_only_allowed_actions_and_walks_the_loop(client, w):
    url = reverse("manage:datahub:quality_issue", args=[w.issue.pk])
    page = login(client, w.fin_admin).get(url).content.decode()
    assert 'data-testid="action-acknowledge"' not in page
    page = login(client, w.nc_admin).get(url).content.decode()
    assert 'data-testid="action-acknowledge"' in page
    action = reverse("manage:datahub:quality_issue_action", args=[w.issue.pk, "acknowledge"])
    assert client.post(action, {"acknowledge-comment": "请核实"}).status_code == 302
    login(client, w.fin_admin)
    client.post(reverse("manage:datahub:quality_issue_action", args=[w.issue.pk, "assign"]), {})
    resolve = reverse("manage:datahub:quality_issue_action", args=[w.issue.pk, "resolve"])
    refused = client.post(resolve, {"resolve-comment": "已更正"})
    assert refused.status_code == 400
    done = client.post(resolve, {"resolve-reason": "source_entry", "resolve-comment": "已更正"})
    assert done.status_code == 302
    w.issue.refresh_from_db()
    assert w.issue.reason.code == "source_entry" and w.issue.event.status == "resolved"


def test_element_pages_and_posts(client, w):
    login(client, w.fin_admin)
    assert client.get(reverse("manage:datahub:element_create")).status_code == 403
    assert client.get(reverse("manage:datahub:element", args=[w.rank.pk])).status_code == 200
    login(client, w.jx_admin)
    created = client.post(reverse("manage:datahub:element_create"), {
        "code": "unit-credit", "name": "单位统一社会信用代码", "entity": "单位（名称）", "dataset": w.personnel.pk,
        "field": "name", "key_field": "id_number"})
    element = DataElement.objects.get(code="unit-credit")
    assert created.status_code == 302 and element.authority.dataset == w.personnel
    bad = client.post(reverse("manage:datahub:carrier_add", args=[element.pk]), {
        "carrier-dataset": w.payroll.pk, "carrier-field": "nope", "carrier-key_field": "id_number"})
    assert bad.status_code == 400 and element.carriers.count() == 1
    page = client.get(reverse("manage:datahub:element", args=[w.rank.pk])).content.decode()
    assert "工资发放名册" in page and "九江工资名册" in page
