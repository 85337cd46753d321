"""Messages: the list, marking one or all read through htmx (with the top-bar badge refreshed), and
opening a message's link."""

from django.urls import reverse

from jiguan.core.models import Notification

HTMX = {"HTTP_HX_REQUEST": "true"}


def _messages(world):
    first = Notification.objects.create(recipient=world.staff, title="请审批：办公用房申请", link="/service/todos/")
    second = Notification.objects.create(recipient=world.staff, title="维修已完成")
    foreign = Notification.objects.create(recipient=world.other, title="李四的消息")
    return first, second, foreign


def test_the_inbox_lists_only_my_messages(world, staff_client):
    _messages(world)
    html = staff_client.get(reverse("service:inbox")).content.decode()
    assert "请审批：办公用房申请" in html and "维修已完成" in html
    assert "李四的消息" not in html


def test_marking_one_message_read_with_htmx_returns_it_and_the_new_badge(world, staff_client):
    first, second, _ = _messages(world)
    response = staff_client.post(reverse("service:inbox_read", args=[second.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{second.pk}"' in html
    assert "service-unread" not in html and 'data-testid="mark-read"' not in html
    assert 'id="unread-badge" class="service-badge" hx-swap-oob="true">1<' in html
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.read_at is not None and first.read_at is None


def test_marking_all_read_with_htmx_returns_the_list_and_an_empty_badge(world, staff_client):
    _, _, foreign = _messages(world)
    response = staff_client.post(reverse("service:inbox_read_all"), **HTMX)
    html = response.content.decode()
    assert 'id="notification-list"' in html
    assert 'class="service-badge d-none" hx-swap-oob="true">0<' in html
    assert not Notification.objects.filter(recipient=world.staff, read_at__isnull=True).exists()
    foreign.refresh_from_db()
    assert foreign.read_at is None  # someone else's messages are untouched


def test_someone_elses_message_cannot_be_marked(world, staff_client):
    _, _, foreign = _messages(world)
    response = staff_client.post(reverse("service:inbox_read", args=[foreign.pk]), **HTMX)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_opening_a_message_marks_it_read_and_follows_its_link(world, staff_client):
    first, _, _ = _messages(world)
    response = staff_client.post(reverse("service:inbox_read", args=[first.pk]), {"next": first.link})
    assert response.status_code == 302 and response["Location"] == "/service/todos/"
    first.refresh_from_db()
    assert first.read_at is not None


def test_a_link_to_another_site_is_not_followed(world, staff_client):
    first, _, _ = _messages(world)
    response = staff_client.post(reverse("service:inbox_read", args=[first.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("service:inbox")


def test_marking_read_needs_a_post(world, staff_client):
    first, _, _ = _messages(world)
    assert staff_client.get(reverse("service:inbox_read", args=[first.pk])).status_code == 405
