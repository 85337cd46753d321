"""The big screen: its payload from snapshots, alerts, events and costs built here; who sees which place;
the per-place cache; display tokens (create, use, expire, revoke, nothing else opened); the REST API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.middleware import SESSION_LAST_SEEN
from jiguan.core.models import AuditLog, Event, Region
from jiguan.core.services.costs import post_cost
from jiguan.core.testing import make_account, run_at_once
from jiguan.monitor.models import Alert, DisplayToken, KpiSnapshot
from jiguan.monitor.services import alerts, screen
from jiguan.monitor.services.costs import change

from .alerts_world import KPI, build_world, snap, threshold_rule

pytestmark = pytest.mark.django_db
DATA = "/screen/data/"
HEADER = "HTTP_X_DISPLAY_TOKEN"
AREA = "officespace.idle_area"


def region_snap(code: str, value, at, kpi: str = KPI) -> KpiSnapshot:
    region = Region.objects.get(code=code)
    return KpiSnapshot.objects.create(kpi=kpi, region=region, org_path=f"{region.key}/", taken_at=at,
                                      value=Decimal(str(value)))


@pytest.fixture
def w():
    """The alert world with figures: 南昌 and its districts, 九江 apart; firing alerts in both cities
    (each opens an event), one event closed, costs this year and last."""
    world = build_world()
    now = timezone.now()
    region_snap("360100", 12, now - timedelta(hours=1))
    region_snap("360100", 15, now)
    region_snap("360100", 800, now, kpi=AREA)
    region_snap("360102", 8, now)  # 东湖区
    region_snap("360103", 20, now)  # 西湖区
    region_snap("360400", 30, now)  # 九江 (outside 南昌)
    snap(world.finance, 14.5, now)
    snap(world.dh_unit, 11, now)
    snap(world.jiujiang, 40, now)
    threshold_rule("360100", pending_minutes=0)
    threshold_rule("360400", pending_minutes=0)
    alerts.evaluate_all()
    world.closed = Event.objects.filter(org_path__startswith=world.finance.org_path).first()
    Event.objects.filter(pk=world.closed.pk).update(status="closed", closed_at=now)
    today = timezone.localdate()
    world.this_year = post_cost(unit=world.finance, module="monitor", category="水电", amount="1200.50",
                                occurred_on=today)
    post_cost(unit=world.finance, module="monitor", category="水电", amount="1000", occurred_on=_last_year(today))
    post_cost(unit=world.jiujiang, module="monitor", category="水电", amount="999", occurred_on=today)
    return world


def _last_year(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28))


def data(client, **params):
    return client.get(DATA, params)


# --- The payload -------------------------------------------------------------------------------------


def test_payload_holds_the_figures_of_the_users_place(client, w):
    client.force_login(w.nc_admin)
    response = data(client, kpi=KPI)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["place"] == {"region": "360100", "region_name": "南昌市", "level": "city", "unit": None,
                             "name": "南昌市"}

    cards = {card["kpi"]: card for card in body["kpis"]}
    assert set(cards) == {KPI, AREA}  # the region's own snapshots only, not its units' or districts'
    assert (cards[KPI]["value"], cards[KPI]["previous"], cards[KPI]["change"]) == (15.0, 12.0, 3.0)
    assert cards[AREA]["previous"] is None and cards[AREA]["change"] is None

    # Ranked child regions, largest first; the city's own agencies are not mixed in with them.
    assert body["comparison"]["kpi"] == KPI
    assert [(r["name"], r["value"]) for r in body["comparison"]["rows"]] == [("西湖区", 20.0), ("东湖区", 8.0)]

    firing_here = Alert.objects.filter(state="firing", org_path__startswith="3601")
    assert firing_here.count() >= 2 and Alert.objects.filter(state="firing", org_path__startswith="3604").exists()
    assert {a["title"] for a in body["alerts"]} == {a.title for a in firing_here}
    assert all("九江" not in a["place"] for a in body["alerts"])

    events = body["events"]
    in_scope = Event.objects.filter(org_path__startswith="3601")
    assert len(events["days"]) == 14 and events["days"][-1] == timezone.localdate().isoformat()
    assert events["opened"][-1] == in_scope.count() and sum(events["opened"]) == in_scope.count()
    assert events["closed"][-1] == 1
    states = {s["state"]: s["count"] for s in events["states"]}
    assert states["closed"] == 1 and events["open"] == in_scope.count() - 1

    costs = body["costs"]
    month = timezone.localdate().month
    assert costs["this_year"][month - 1] == 1200.5 and costs["last_year"][month - 1] == 1000.0
    assert costs["ytd_this_year"] == 1200.5  # 九江's 999 is not in it
    assert costs["ytd_change"] == float(change(Decimal("1200.50"), Decimal("1000")))
    assert all(value is None for value in costs["this_year"][month:])


def test_default_headline_kpi_and_an_unknown_one(client, w):
    client.force_login(w.nc_admin)
    first = next(iter(screen.kpis.all_kpis()))
    assert data(client).json()["comparison"]["kpi"] == first
    with translation.override("zh-hans"):
        refused = data(client, kpi="no.such_kpi")
    assert refused.status_code == 400 and "no.such_kpi" in refused.json()["message"]


def test_county_user_sees_only_their_county(client, w):
    client.force_login(w.dh_admin)
    body = data(client, kpi=KPI).json()
    assert body["place"]["region"] == "360102"
    assert [(c["kpi"], c["value"]) for c in body["kpis"]] == [(KPI, 8.0)]
    # A county has no child regions: its agencies are ranked instead.
    assert [r["name"] for r in body["comparison"]["rows"]] == ["东湖区财政局"]
    assert body["alerts"] and all(a["place"].startswith("东湖区") for a in body["alerts"])
    assert sum(body["events"]["opened"]) == Event.objects.filter(org_path__startswith="360102").count()
    assert body["costs"]["ytd_this_year"] == 0.0
    assert data(client, region="360100").status_code == 404
    assert client.get(reverse("screen:home"), {"region": "360100"}).status_code == 404
    assert client.get(reverse("screen:home"), {"region": "360102"}).status_code == 200


def test_unit_administrator_sees_their_unit(client, w):
    client.force_login(w.fin_admin)
    body = data(client).json()
    assert body["place"]["unit"] == w.finance.pk and body["place"]["name"] == "南昌市财政局"
    assert [(c["kpi"], c["value"]) for c in body["kpis"]] == [(KPI, 14.5)]
    assert body["comparison"]["rows"] == []
    assert {a["place"] for a in body["alerts"]} == {"南昌市财政局"}
    assert body["costs"]["ytd_this_year"] == 1200.5


def test_anonymous_and_users_without_the_permission(client, w):
    page = client.get(reverse("screen:home"))
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=/screen/")
    with translation.override("zh-hans"):
        anonymous = data(client)
    assert anonymous.status_code == 401 and "请重新登录" in anonymous.json()["message"]
    client.force_login(w.staff)
    assert client.get(reverse("screen:home")).status_code == 403
    assert data(client).status_code == 403


def test_the_page_polls_its_data_endpoint(client, w):
    client.force_login(w.nc_admin)
    page = client.get(reverse("screen:home"), {"kpi": KPI})
    body = page.content.decode()
    assert page.status_code == 200 and "vendor/echarts/echarts.min.js" in body and "monitor/screen.js" in body
    assert "/screen/data/?region=360100\\u0026kpi=officespace.idle_rate" in body
    assert "manage/base" not in body and 'class="navbar' not in body  # no portal chrome


def test_payload_is_cached_per_place_after_the_scope_is_decided(client, w):
    def idle_rate(**params):
        return next(c["value"] for c in data(client, kpi=KPI, **params).json()["kpis"] if c["kpi"] == KPI)

    client.force_login(w.nc_admin)
    assert idle_rate() == 15.0
    region_snap("360100", 17, timezone.now() + timedelta(seconds=1))
    assert idle_rate() == 15.0  # the same poll window: cached
    client.force_login(w.dh_admin)  # another place is never answered from 南昌's copy
    assert data(client, kpi=KPI).json()["place"]["region"] == "360102"
    client.force_login(w.jx_admin)  # the province administrator asking for 南昌 gets the shared copy
    assert idle_rate(region="360100") == 15.0
    cache.clear()  # the copy expires after a few seconds
    assert idle_rate(region="360100") == 17.0


def test_a_stale_copy_is_served_while_another_request_rebuilds_it(client, w, monkeypatch):
    def idle_rate():
        return next(c["value"] for c in data(client, kpi=KPI).json()["kpis"] if c["kpi"] == KPI)

    client.force_login(w.nc_admin)
    assert idle_rate() == 15.0
    region_snap("360100", 17, timezone.now() + timedelta(seconds=1))
    monkeypatch.setattr(screen, "CACHE_SECONDS", 0)  # the copy is stale at once
    with monkeypatch.context() as busy:
        busy.setattr(screen.cache, "add", lambda *args, **kwargs: False)  # another request is rebuilding
        assert idle_rate() == 15.0
    assert idle_rate() == 17.0  # no one else is: this request rebuilds


def test_event_days_follow_local_midnight(client, w):
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    in_scope = Event.objects.filter(org_path__startswith="3601")
    late, first_today = in_scope.order_by("pk")[:2]
    Event.objects.filter(pk=late.pk).update(created_at=midnight - timedelta(microseconds=1))
    Event.objects.filter(pk=first_today.pk).update(created_at=midnight)
    Event.objects.filter(pk=w.closed.pk).update(closed_at=midnight - timedelta(days=13, microseconds=1))
    client.force_login(w.nc_admin)
    events = data(client).json()["events"]
    assert events["opened"][-2:] == [1, in_scope.count() - 1]
    assert sum(events["closed"]) == 0  # closed the day before the first of the 14 days


def test_polling_is_not_activity_so_an_unattended_screen_signs_out(client, w, monkeypatch):
    client.force_login(w.nc_admin)
    opened = timezone.now()
    assert client.get(reverse("screen:home")).status_code == 200  # opening the screen starts the idle clock
    last_seen = client.session[SESSION_LAST_SEEN]
    for minute in range(2, 30, 2):  # each poll comes long enough after the last to refresh an activity
        monkeypatch.setattr(timezone, "now", lambda minute=minute: opened + timedelta(minutes=minute))
        assert data(client).status_code == 200
    assert client.session[SESSION_LAST_SEEN] == last_seen
    monkeypatch.setattr(timezone, "now", lambda: opened + timedelta(minutes=31))
    response = data(client)
    assert response.status_code == 401 and "_auth_user_id" not in client.session


def test_the_screen_page_itself_is_activity(client, w, monkeypatch):
    client.force_login(w.nc_admin)
    opened = timezone.now()
    for minute in range(0, 40, 10):
        monkeypatch.setattr(timezone, "now", lambda minute=minute: opened + timedelta(minutes=minute))
        assert client.get(reverse("screen:home")).status_code == 200
    assert data(client).status_code == 200


def test_the_viewer_reaches_nothing_outside_its_place(w):
    viewer = screen.place_viewer(screen.Place(Region.objects.get(code="360102")))
    assert {a.org_path[:6] for a in alerts.visible_alerts(viewer)} == {"360102"}
    with pytest.raises(Http404):
        screen.kpis.place_of(viewer, "360100")


# --- Display tokens ----------------------------------------------------------------------------------


def create(user, region="360102", label="三楼大厅显示屏", expires=None):
    expires = expires if expires is not None else timezone.now() + timedelta(days=30)
    return screen.create_token(user, region_code=region, label=label, expires_at=expires)


def test_creating_a_token_validates_everything_and_creates_nothing_when_refused(w):
    now = timezone.now()
    cases = [
        ({"expires": now - timedelta(minutes=1)}, "expires_at", "必须晚于现在"),
        ({"expires": now + timedelta(days=91)}, "expires_at", "90 天"),
        ({"expires": "明天"}, "expires_at", "必须是日期时间"),
        ({"expires": f"{now.year + 1}-02-30 08:00"}, "expires_at", "必须是日期时间"),  # well formed, impossible
        ({"region": "360400"}, "region_code", "数据范围"),
        ({"region": "000000"}, "region_code", "数据范围"),
        ({"label": " "}, "label", "请填写"),
        ({"label": "x" * 61}, "label", "不能超过60个字符"),
    ]
    with translation.override("zh-hans"):
        for change, field, message in cases:
            with pytest.raises(ValidationFailed) as refused:
                create(w.nc_admin, **change)
            assert message in " ".join(refused.value.errors[field]), (change, refused.value.errors)
    assert not DisplayToken.objects.exists()


def test_only_holders_of_manage_create_and_see_tokens(client, w):
    with pytest.raises(NotAllowed):
        create(w.fin_admin, region="360100")
    client.force_login(w.fin_admin)
    assert client.get(reverse("manage:monitor:display_tokens")).status_code == 403
    form = {"label": "大厅", "region": "360100", "expires_at": "2099-01-01T08:00"}
    assert client.post(reverse("manage:monitor:display_token_create"), form).status_code == 403
    assert not DisplayToken.objects.exists()


def test_token_list_within_scope(client, w):
    city, _secret = create(w.nc_admin, region="360100", label="市局大厅")
    county, _secret = create(w.dh_admin, region="360102", label="区局大厅")
    client.force_login(w.dh_admin)
    body = client.get(reverse("manage:monitor:display_tokens")).content.decode()
    assert f"display-token-{county.pk}" in body and f"display-token-{city.pk}" not in body
    client.force_login(w.nc_admin)
    body = client.get(reverse("manage:monitor:display_tokens")).content.decode()
    assert f"display-token-{county.pk}" in body and f"display-token-{city.pk}" in body


def test_the_create_page_shows_the_kiosk_link_once_and_stores_only_a_digest(client, w):
    client.force_login(w.nc_admin)
    with translation.override("zh-hans"):
        past = client.post(reverse("manage:monitor:display_token_create"),
                           {"label": "大厅", "region": "360100", "expires_at": "2020-01-01T08:00"})
    assert past.status_code == 200 and "必须晚于现在" in past.content.decode() and not DisplayToken.objects.exists()
    response = client.post(reverse("manage:monitor:display_token_create"),
                           {"label": "三楼大厅显示屏", "region": "360100",
                            "expires_at": (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    secret = body.split("/screen/kiosk/#", 1)[1].split('"', 1)[0]
    token = DisplayToken.objects.get()
    assert secret.startswith("jgd_") and token.prefix == secret[:10] and secret not in token.digest
    assert token.created_by == w.nc_admin and token.org_path == "3601"
    logged = AuditLog.objects.filter(model="monitor.DisplayToken", object_id=str(token.pk))
    assert logged.filter(action="create").exists() and not any(secret in str(r.after) for r in logged)
    assert secret not in client.get(reverse("manage:monitor:display_tokens")).content.decode()


def test_a_token_opens_its_regions_screen_read_only(client, w):
    token, secret = create(w.nc_admin)
    page = client.get(reverse("screen:kiosk"))
    assert page.status_code == 200 and b'"kiosk": true' in page.content
    response = client.get(DATA, {"kpi": KPI, "region": "360100"}, **{HEADER: secret}, REMOTE_ADDR="10.1.2.3")
    body = response.json()
    assert response.status_code == 200 and body["place"]["region"] == "360102"  # ?region= cannot widen it
    assert [(c["kpi"], c["value"]) for c in body["kpis"]] == [(KPI, 8.0)]
    token.refresh_from_db()
    assert token.last_used_ip == "10.1.2.3" and token.last_used_at is not None


def test_a_token_opens_nothing_else(client, w):
    _token, secret = create(w.nc_admin)
    for path in ("/screen/", "/manage/", "/manage/monitor/", "/service/"):
        response = client.get(path, **{HEADER: secret})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
    for path in ("/api/v1/monitor/screen", "/api/v1/monitor/kpis/latest", "/api/v1/me"):
        assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401, path
        assert client.get(path, **{HEADER: secret}).status_code == 401, path


def test_a_revoked_token_is_refused_at_the_next_poll_though_its_payload_is_cached(client, w):
    token, secret = create(w.nc_admin)
    assert client.get(DATA, **{HEADER: secret}).status_code == 200  # the place's payload is now cached
    screen.revoke_token(w.nc_admin, token.pk)
    assert client.get(DATA, **{HEADER: secret}).status_code == 403
    DisplayToken.objects.filter(pk=token.pk).update(revoked_at=None, expires_at=timezone.now())
    assert client.get(DATA, **{HEADER: secret}).status_code == 403


@pytest.mark.parametrize("how, message", [
    ("expired", "显示令牌已过期，请联系管理员重新生成"), ("revoked", "显示令牌已被撤销"), ("unknown", "显示链接无效"),
])
def test_an_expired_revoked_or_unknown_token_is_refused_with_a_clear_message(client, w, how, message):
    token, secret = create(w.nc_admin)
    if how == "expired":
        DisplayToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif how == "revoked":
        screen.revoke_token(w.nc_admin, token.pk)
    else:
        secret = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")
    with translation.override("zh-hans"):
        response = client.get(DATA, **{HEADER: secret})
    assert response.status_code == 403 and message in response.json()["message"]
    assert "kpis" not in response.json()


def test_revoking(client, w):
    token, _secret = create(w.nc_admin, region="360100")
    client.force_login(w.dh_admin)  # the county administrator cannot reach a city token
    assert client.post(reverse("manage:monitor:display_token_revoke", args=[token.pk])).status_code == 404
    client.force_login(w.nc_admin)
    response = client.post(reverse("manage:monitor:display_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditLog.objects.filter(model="monitor.DisplayToken", object_id=str(token.pk), action="update").exists()
    with translation.override("zh-hans"), pytest.raises(StateError, match="已被撤销"):
        screen.revoke_token(w.nc_admin, token.pk)


@pytest.mark.django_db(transaction=True)
def test_two_revokes_of_one_token_at_once():
    world = build_world()
    token, _secret = create(world.nc_admin)

    def revoke():
        with translation.override("zh-hans"):
            return screen.revoke_token(world.nc_admin, token.pk)

    done, refused = sorted(run_at_once(revoke, revoke), key=lambda result: isinstance(result, Exception))
    assert isinstance(done, DisplayToken) and isinstance(refused, StateError) and "已被撤销" in str(refused)
    assert AuditLog.objects.filter(model="monitor.DisplayToken", object_id=str(token.pk), action="update").count() == 1


# --- REST API ----------------------------------------------------------------------------------------


def test_api_contract(api, w):  # noqa: F811
    admin, unit = api.token(w.nc_admin), api.token(w.fin_admin)
    body = api.get("/monitor/screen", params={"kpi": KPI}, token=admin).json()
    assert body["place"]["region"] == "360100" and body["comparison"]["rows"][0]["name"] == "西湖区"
    assert api.get("/monitor/screen", params={"region": "360400"}, token=admin).status_code == 404
    assert api.get("/monitor/screen", params={"kpi": "nope"}, token=admin).status_code == 400
    assert api.get("/monitor/screen", token=unit).json()["place"]["unit"] == w.finance.pk
    staff = make_account("api_staff", roles=("staff",), unit=w.finance)
    assert api.get("/monitor/screen", token=api.token(staff)).status_code == 403
