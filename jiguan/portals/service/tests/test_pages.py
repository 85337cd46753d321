"""The service portal's gate, home, notices and profile."""

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.models import ModuleEnablement, Notice, Notification
from jiguan.core.registry import MenuItem, ModuleSpec
from jiguan.core.testing import make_account

from .conftest import client_for

PAGES = ["home", "applications", "todos", "inbox", "notices", "feedback", "events", "profile"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_login(client, name):
    url = reverse(f"service:{name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next={url}"


@pytest.mark.django_db
def test_an_htmx_request_without_a_login_sends_the_browser_to_the_login_page(client):
    response = client.post(reverse("service:inbox_read_all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("core:login"))


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_staff_member(staff_client, name):
    response = staff_client.get(reverse(f"service:{name}"))
    assert response.status_code == 200
    assert 'class="service-tabbar"' in response.content.decode()


def test_an_account_without_the_service_permission_is_refused(world):
    response = client_for(make_account("norole", roles=(), unit=world.unit)).get(reverse("service:home"))
    assert response.status_code == 403
    assert "服务入口未对您的账号开放" in response.content.decode()


def test_an_administrator_without_the_service_permission_is_sent_to_the_management_portal(world):
    response = client_for(make_account("sys", roles=("system_admin",))).get(reverse("service:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("manage:home")


def test_home_greets_by_name_and_unit_and_counts_unread_messages(world, staff_client):
    Notification.objects.create(recipient=world.staff, title="会议通知")
    Notification.objects.create(recipient=world.staff, title="已读", read_at=timezone.now())
    Notification.objects.create(recipient=world.other, title="别人的")
    html = staff_client.get(reverse("service:home")).content.decode()
    assert "您好，张三" in html
    assert "南昌市财政局 · 办公室" in html
    assert 'data-testid="unread-count">1<' in html
    assert 'id="unread-badge" class="service-badge">1<' in html
    assert 'data-testid="todo-count">0<' in html


def test_home_shows_the_tiles_of_enabled_modules_only(world, staff_client, register_module):
    def module(code, label, **fields):
        return register_module(ModuleSpec(
            code=code, name=code, service_menu=(MenuItem(label, "service:notices", "home"),), **fields
        ))

    module("zz_on", "开着的服务")
    module("zz_off_by_default", "默认关闭的服务", default_enabled=False)
    module("zz_off_for_jiangxi", "本省关闭的服务")
    module("zz_on_for_nanchang", "南昌开通的服务", default_enabled=False)
    register_module(ModuleSpec(code="zz_restricted", name="zz", service_menu=(
        MenuItem("仅限管理员的服务", "service:notices", permission="core.manage_units"),
    )))
    ModuleEnablement.objects.create(region_id="360000", module="zz_off_for_jiangxi", enabled=False)
    ModuleEnablement.objects.create(region_id="360000", module="zz_on_for_nanchang", enabled=False)
    ModuleEnablement.objects.create(region_id="360100", module="zz_on_for_nanchang", enabled=True)

    html = staff_client.get(reverse("service:home")).content.decode()
    assert "开着的服务" in html
    assert "南昌开通的服务" in html  # the nearest region's setting wins
    assert "默认关闭的服务" not in html
    assert "本省关闭的服务" not in html
    assert "仅限管理员的服务" not in html  # the item needs a permission the staff member lacks
    assert 'data-testid="no-modules"' not in html


def test_home_without_any_business_module_says_so(staff_client, no_business_modules):
    response = staff_client.get(reverse("service:home"))
    assert response.status_code == 200
    assert "暂未开通业务服务" in response.content.decode()


def _notice(world, title, region="360000", **fields):
    return Notice.objects.create(
        title=title, body="正文第一段\n\n正文第二段", publisher=world.bureau, audience_id=region,
        published_at=timezone.now(), created_by=world.other, **fields,
    )


def test_notices_addressed_to_my_region_are_listed_and_readable(world, staff_client):
    mine = _notice(world, "全省节能通知")
    elsewhere = _notice(world, "九江停水通知", region="360400")
    home = staff_client.get(reverse("service:home")).content.decode()
    listing = staff_client.get(reverse("service:notices")).content.decode()
    assert "全省节能通知" in home and "全省节能通知" in listing
    assert "九江停水通知" not in home and "九江停水通知" not in listing

    detail = staff_client.get(reverse("service:notice", args=[mine.pk]))
    assert "<p>正文第二段</p>" in detail.content.decode()
    assert staff_client.get(reverse("service:notice", args=[elsewhere.pk])).status_code == 404


def test_profile_shows_masked_personal_data_only(world, staff_client):
    person = world.staff.person
    html = staff_client.get(reverse("service:profile")).content.decode()
    assert person.id_number_masked in html and person.phone_masked in html
    assert person.id_number not in html and person.phone not in html
    assert reverse("core:password_change") in html
    assert reverse("core:totp_setup") in html
    assert f'action="{reverse("core:logout")}"' in html
    assert 'data-testid="manage-link"' not in html  # a staff member has nothing to manage


def test_profile_links_to_the_management_portal_for_holders_of_more_permissions(world):
    admin = make_account("unitadmin", roles=("unit_admin",), unit=world.unit)
    html = client_for(admin).get(reverse("service:profile")).content.decode()
    assert 'data-testid="manage-link"' in html


def test_the_language_can_be_switched_to_english(staff_client):
    staff_client.post(reverse("set_language"), {"language": "en", "next": reverse("service:profile")})
    html = staff_client.get(reverse("service:profile")).content.decode()
    assert "Log out" in html and '<html lang="en">' in html
