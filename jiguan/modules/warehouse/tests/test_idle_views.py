"""The idle-asset pages of the management portal: the list with its due badge and scope, declaring, settling
a row, and the refusals (permission 403, out of scope 404, bad input 400 changing nothing)."""

import pytest
from django.urls import reverse

from jiguan.modules.warehouse.models import IdleAsset

from .test_idle import declared, intake, months_ago
from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w():
    return build_world()


def test_the_list_shows_months_idle_and_the_due_badge_in_scope(client, w):
    declared(w, name="旧会议桌")
    declared(w, name="新近闲置的椅子", idle_since=months_ago(2))
    declared(w, user=w.education_admin, name="教育厅投影仪")
    client.force_login(w.finance_admin)
    page = client.get(reverse("manage:warehouse:idle_assets"))
    body = page.content.decode()
    assert page.status_code == 200 and "旧会议桌" in body and "新近闲置的椅子" in body
    assert "教育厅投影仪" not in body and body.count('data-testid="due"') == 1
    assert 'data-testid="declare-idle"' in body and reverse("manage:warehouse:intake_new") in body
    due_only = client.get(reverse("manage:warehouse:idle_assets"), {"due": "1"}).content.decode()
    assert "旧会议桌" in due_only and "新近闲置的椅子" not in due_only
    client.force_login(w.bureau_admin)
    assert "教育厅投影仪" in client.get(reverse("manage:warehouse:idle_assets")).content.decode()
    client.force_login(w.staff)
    assert client.get(reverse("manage:warehouse:idle_assets")).status_code == 403


def test_declaring_through_the_form(client, w):
    client.force_login(w.finance_admin)
    url = reverse("manage:warehouse:idle_new")
    assert client.get(url).status_code == 200
    future = client.post(url, {"name": "会议桌", "quantity": "1", "idle_since": "2999-01-01"})
    assert future.status_code == 400 and "不能" in future.content.decode() and not IdleAsset.objects.exists()
    made = client.post(url, {"name": "会议桌", "category_code": "A05010201", "quantity": "3",
                             "idle_since": months_ago(7).isoformat(), "note": ""})
    idle = IdleAsset.objects.get()
    assert made.status_code == 302 and made.url == reverse("manage:warehouse:idle_asset", args=[idle.pk])
    assert (idle.unit, idle.quantity) == (w.finance, 3)


def test_settling_a_row_on_its_page(client, w):
    idle = declared(w)
    offer = intake(w)
    client.force_login(w.finance_admin)
    page = client.get(reverse("manage:warehouse:idle_asset", args=[idle.pk])).content.decode()
    assert 'data-testid="offered-form"' in page and offer.number in page
    bad = client.post(reverse("manage:warehouse:idle_offered", args=[idle.pk]), {"intake_request": ""})
    assert bad.status_code == 400
    done = client.post(reverse("manage:warehouse:idle_offered", args=[idle.pk]), {"intake_request": offer.pk})
    assert done.status_code == 302
    idle.refresh_from_db()
    assert idle.state == "offered"
    page = client.get(reverse("manage:warehouse:idle_asset", args=[idle.pk])).content.decode()
    assert 'data-testid="in-use-form"' not in page and offer.number in page


def test_refusals_on_the_pages(client, w):
    idle = declared(w)
    client.force_login(w.bureau_admin)
    page = client.get(reverse("manage:warehouse:idle_asset", args=[idle.pk])).content.decode()
    assert 'data-testid="in-use-form"' not in page  # the bureau sees, the unit decides
    assert client.post(reverse("manage:warehouse:idle_in_use", args=[idle.pk]),
                       {"comment": "分配给新处室"}).status_code == 403
    client.force_login(w.education_admin)
    assert client.get(reverse("manage:warehouse:idle_asset", args=[idle.pk])).status_code == 404
    assert client.post(reverse("manage:warehouse:idle_in_use", args=[idle.pk]),
                       {"comment": "分配给新处室"}).status_code == 404
    client.force_login(w.finance_admin)
    assert client.post(reverse("manage:warehouse:idle_in_use", args=[idle.pk]), {"comment": ""}).status_code == 400
    assert client.post(reverse("manage:warehouse:idle_in_use", args=[idle.pk]),
                       {"comment": "分配给新处室"}).status_code == 302
    idle.refresh_from_db()
    assert idle.state == "in_use"
