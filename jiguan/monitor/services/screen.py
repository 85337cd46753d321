"""The big screen (大屏): one payload for all its panels — headline KPIs with their change, the ranked
comparison of the places one level down, firing alerts, the event flow and the cost trend — read from
precomputed data only (KPI snapshots, alert rows, event and cost aggregates) and cached per place for a
few seconds, since every wall display of a place polls the same figures.

Who may see which place is decided *before* the cache is consulted: a signed-in user through their own
scope (``kpis.place_of``), a kiosk through its display token. The payload itself is read through a
``place_viewer`` confined to that place, so it depends on the place alone and one cached copy serves
everyone admitted to it. Display tokens are created and revoked here too."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
import time
from datetime import datetime, timedelta
from datetime import time as day_start

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiguan.core.errors import NotAllowed, StateError
from jiguan.core.models import Event, Region
from jiguan.core.models.events import EventStatus
from jiguan.core.models.org import Level
from jiguan.core.scoping import Grant, GrantedPrincipal, Scope, path_in_scope, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import use_case
from jiguan.core.services.events import OPEN_STATES
from jiguan.core.services.inputs import Errors, date_time_value, find, text

from ..models import DisplayToken
from ..module import MANAGE, VIEW
from . import alerts, costs, kpis
from .kpis import Place

VIEW_EVENTS = "core.view_events"
CACHE_SECONDS = 5  # the page polls every 10 s: each place's payload is built at most once per poll
KEEP_SECONDS = 120  # an older copy is still served while it is being rebuilt
REBUILD_TIMEOUT = 60  # a rebuild that died leaves its mark this long at most
ALERT_ROWS = 20
COMPARISON_ROWS = 15
EVENT_DAYS = 14
SECRET_PREFIX = "jgd_"  # tells a display secret from an API token ("jg_") at a glance
MAX_LIFETIME = timedelta(days=90)
LABEL_MAX = 60
TOUCH_INTERVAL = timedelta(minutes=1)  # last use is written at most this often per token


def place_viewer(place: Place) -> GrantedPrincipal:
    """A read-only principal reaching one place and nothing else, with the grants a role assignment there
    would give for VIEW and for viewing events. The screen's figures are read through it with the same
    service functions and ``scoped()`` as the portal, so a payload cannot hold anything outside its place
    whoever asked for it."""
    if place.unit is not None:
        grant = Grant(Scope.UNIT, unit_id=place.unit.pk, unit_path=place.unit.org_path)
    else:
        grant = Grant(Scope.REGION, region_key=place.region.key)
    return GrantedPrincipal({VIEW: [grant], VIEW_EVENTS: [grant]})


# --- The payload -----------------------------------------------------------------------------------


def headline_kpi(code: str | None) -> str | None:
    """The KPI the region comparison ranks: the one asked for, else the first registered."""
    known = kpis.all_kpis()
    if not code:
        return next(iter(known), None)
    if code not in known:
        errors = Errors()
        errors.add("kpi", _("There is no KPI with the code “%(code)s”.") % {"code": code})
        errors.raise_if_any()
    return code


def screen_json(place: Place, kpi: str | None = None) -> bytes:
    """The screen's payload, as JSON, for a place the caller has already been admitted to (see the module
    doc). It is serialised once per build and cached as bytes: a poll is answered with those bytes as they
    are, with nothing to encode or copy but the bytes. Once the cached copy is older than ``CACHE_SECONDS``,
    one request rebuilds it while the others keep answering with the copy they have, so that screens
    polling at that moment do not all build it at once."""
    kpi = headline_kpi(kpi)
    key = f"monitor:screen:{translation.get_language()}:{place.path}:{kpi}"
    cached = cache.get(key)  # (built at, JSON)
    if cached is not None and (time.time() - cached[0] < CACHE_SECONDS
                               or not cache.add(f"{key}:building", 1, REBUILD_TIMEOUT)):
        return cached[1]
    try:
        body = json.dumps(build(place, kpi), cls=DjangoJSONEncoder).encode()
        cache.set(key, (time.time(), body), KEEP_SECONDS)
    finally:
        cache.delete(f"{key}:building")
    return body


def screen_data(place: Place, kpi: str | None = None) -> dict:
    """The same payload as data, for the REST API (which checks it against its schema)."""
    return json.loads(screen_json(place, kpi))


def build(place: Place, kpi: str | None) -> dict:
    viewer = place_viewer(place)
    now = timezone.localtime()
    return {
        "place": {"region": place.region.code, "region_name": place.region.name, "level": place.region.level,
                  "unit": place.unit.pk if place.unit else None, "name": place.name},
        "generated_at": now,
        "kpis": _kpi_cards(viewer, place),
        "comparison": _comparison(viewer, place, kpi),
        "alerts": _alerts(viewer),
        "events": _event_flow(viewer, now),
        "costs": _cost_trend(viewer, place),
    }


def _number(value) -> float | None:
    return None if value is None else float(value)


def _kpi_cards(viewer: GrantedPrincipal, place: Place) -> list[dict]:
    """Each KPI's newest value and its change against the snapshot before it."""
    known = kpis.all_kpis()
    cards = []
    for row in kpis.latest(viewer, place.region.code, place.unit.pk if place.unit else None):
        before = kpis.value_before(viewer, place, row.kpi, row.taken_at - timedelta(microseconds=1))
        change = None if before is None or row.value is None else row.value - before
        cards.append({"kpi": row.kpi, "label": str(known[row.kpi].label), "measure": str(known[row.kpi].unit),
                      "value": _number(row.value), "previous": _number(before), "change": _number(change),
                      "taken_at": timezone.localtime(row.taken_at)})
    return cards


def _comparison(viewer: GrantedPrincipal, place: Place, kpi: str | None) -> dict:
    """The headline KPI across the child regions, largest first; a county (no child regions) ranks its
    agencies instead. A unit's screen has nothing below it to rank."""
    if kpi is None:
        return {"kpi": None, "label": "", "measure": "", "rows": []}
    spec = kpis.all_kpis()[kpi]
    rows = kpis.children(viewer, kpi, place.region) if place.unit is None else []
    regions = [row for row in rows if row.unit_id is None]
    ranked = (regions or rows)[:COMPARISON_ROWS]
    return {"kpi": kpi, "label": str(spec.label), "measure": str(spec.unit),
            "rows": [{"name": row.unit.name if row.unit_id else row.region.name, "region": row.region_id,
                      "value": _number(row.value)} for row in ranked]}


def _alerts(viewer: GrantedPrincipal) -> list[dict]:
    return [{"title": a["title"], "severity": a["severity"], "severity_label": str(a["severity_label"]),
             "place": a["place"], "since": timezone.localtime(a["since"]) if a["since"] else None}
            for a in alerts.firing(viewer, ALERT_ROWS)]


def _event_flow(viewer: GrantedPrincipal, now: datetime) -> dict:
    """Events opened and closed per day over the last ``EVENT_DAYS`` days, and how many are in each state:
    every figure is a conditional count of one pass over the place's events (one query, no per-row date
    conversion), with each day's bounds computed here in local time."""
    events: QuerySet = scoped(Event.objects.all(), viewer, VIEW_EVENTS).order_by()
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(EVENT_DAYS - 1, -1, -1)]
    starts = [timezone.make_aware(datetime.combine(day, day_start.min)) for day in (*days, today + timedelta(days=1))]
    counts = {}
    for n in range(EVENT_DAYS):
        counts[f"opened{n}"] = Count("pk", filter=Q(created_at__gte=starts[n], created_at__lt=starts[n + 1]))
        counts[f"closed{n}"] = Count("pk", filter=Q(closed_at__gte=starts[n], closed_at__lt=starts[n + 1]))
    for code in EventStatus.values:
        counts[f"state_{code}"] = Count("pk", filter=Q(status=code))
    counts["overdue"] = Count("pk", filter=Q(status__in=OPEN_STATES, due_at__lt=now))
    totals = events.aggregate(**counts)
    return {
        "days": [day.isoformat() for day in days],
        "opened": [totals[f"opened{n}"] for n in range(EVENT_DAYS)],
        "closed": [totals[f"closed{n}"] for n in range(EVENT_DAYS)],
        "states": [{"state": code, "label": str(label), "count": totals[f"state_{code}"]}
                   for code, label in EventStatus.choices],
        "open": sum(totals[f"state_{code}"] for code in OPEN_STATES), "overdue": totals["overdue"],
    }


def _cost_trend(viewer: GrantedPrincipal, place: Place) -> dict:
    """Cost per month this year against last year; this year's months still to come have no value."""
    query = costs.CostQuery(unit=place.unit) if place.unit else costs.CostQuery(region=place.region)
    trend = costs.trend(viewer, query)
    month_now = timezone.localdate().month
    return {
        "year": trend["year"], "months": [m["month"] for m in trend["months"]],
        "this_year": [float(m["this_year"]) if m["month"] <= month_now else None for m in trend["months"]],
        "last_year": [float(m["last_year"]) for m in trend["months"]],
        "ytd_this_year": float(trend["ytd_this_year"]), "ytd_last_year": float(trend["ytd_last_year"]),
        "ytd_change": _number(trend["ytd_change"]),
    }


# --- Display tokens --------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_tokens(user) -> QuerySet:
    """The display tokens of the regions the user manages."""
    require(user, MANAGE)
    return scoped(DisplayToken.objects.select_related("region", "created_by"), user, MANAGE)


@use_case
def create_token(user, *, region_code, label, expires_at) -> tuple[DisplayToken, str]:
    """A display token for a region in the user's scope, valid until ``expires_at`` (in the future, at
    most ``MAX_LIFETIME`` away). Returns the token and its secret, which is shown once and not stored."""
    require(user, MANAGE)
    errors = Errors()
    region = find(Region.objects.exclude(level=Level.NATIONAL), region_code) if region_code else None
    if region is None or not path_in_scope(user, MANAGE, region.key):
        errors.add("region_code", _("The selected region does not exist or is outside your data scope."))
    label = text(errors, "label", label, label=_("label"), max_length=LABEL_MAX, min_length=2)
    expires = date_time_value(errors, "expires_at", expires_at, label=_("expiry"))
    now = timezone.now()
    if expires is not None and not now < expires <= now + MAX_LIFETIME:
        errors.add("expires_at", _("The expiry must be in the future and at most %(days)d days from now.")
                   % {"days": MAX_LIFETIME.days})
    errors.raise_if_any()
    secret = SECRET_PREFIX + secrets.token_urlsafe(30)  # 240 random bits
    token = DisplayToken.objects.create(label=label, region=region, prefix=secret[:10], digest=_digest(secret),
                                        expires_at=expires, created_by=user)
    return token, secret


@use_case
def revoke_token(user, token_id) -> DisplayToken:
    """Revoke a token now: its screen shows the revocation at its next poll."""
    token = get_in_scope(DisplayToken, user, MANAGE, token_id, lock=True)
    if token.revoked_at is not None:
        raise StateError(_("The display token has already been revoked."))
    token.revoked_at = timezone.now()
    token.save()
    return token


def token_place(secret: str | None, ip: str | None) -> Place:
    """The place a kiosk's secret opens, noting when and from where it was last used. An unknown,
    revoked or expired secret is refused with a message the screen shows as it is."""
    token = None
    if secret and secret.startswith(SECRET_PREFIX) and len(secret) <= 100:
        token = _by_key(DisplayToken, "digest", _digest(secret))
    if token is None:
        raise NotAllowed(_("This display link is not valid. Ask an administrator for a new display token."))
    if token.revoked_at is not None:
        raise NotAllowed(_("The display token has been revoked. Ask an administrator to create a new one."))
    now = timezone.now()
    if token.expires_at <= now:
        raise NotAllowed(_("The display token has expired. Ask an administrator to create a new one."))
    ip = _valid_ip(ip)
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL or token.last_used_ip != ip:
        # A plain UPDATE: a kiosk polling all day must not fill the change log.
        DisplayToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    return Place(_by_key(Region, "code", token.region_id))


def _by_key(model, column: str, value):
    """The row whose unique ``column`` is ``value``, by a plain parameterised query. Every poll of every
    kiosk reads its token and region: the ORM would spend several times longer composing the filtered
    (and joined) query than the database spends running it, most of the cost of a poll."""
    table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(column)
    return next(iter(model.objects.raw(f"SELECT * FROM {table} WHERE {column} = %s", [value])), None)  # noqa: S608


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:  # a malformed forwarded header is not worth refusing the screen over
        return None


def token_status(token: DisplayToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"
