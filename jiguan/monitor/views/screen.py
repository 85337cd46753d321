"""The big screen (大屏) at /screen/ — for a signed-in user's place, or for a kiosk holding a display token
— with the JSON endpoint its page polls; and the display-token pages of the management portal, under
/manage/monitor/screen/. Thin: ``services.screen`` decides who sees which place and builds the figures.

The kiosk's secret travels in the URL's fragment (``/screen/kiosk/#jgd_…``), which browsers never send to
a server: it cannot end up in an access log, a proxy log or a Referer header. The page reads it and sends
it in the ``X-Display-Token`` header of each data request, the only request that accepts it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.access import login_redirect
from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.middleware import client_ip, not_user_activity
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import perform, submit

from ..forms.screen import DisplayTokenForm
from ..module import MANAGE
from ..services import kpis, screen

TOKEN_HEADER = "X-Display-Token"
# Polling rather than server-sent events: a plain GET every few seconds passes every proxy and
# gateway of a government intranet unchanged, holds no worker thread per open screen, and the
# payload is cached per place, so a hundred screens cost one build per place per poll.
POLL_SECONDS = 10
KPI_PAGE_SECONDS = 8  # how long each page of the KPI strip shows when there are more than fit
SIGNED_OUT_MESSAGE = gettext_lazy("You are no longer signed in. Sign in again to see the screen.")


def _status_label(token) -> str:
    return {"active": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}[
        screen.token_status(token, timezone.now())]


TOKEN_LIST = ListSpec(
    name="monitor.display_tokens", title=gettext_lazy("Display tokens"),
    columns=(
        Column("label", gettext_lazy("Label"), order_by="label"),
        Column("region__name", gettext_lazy("Region"), order_by="org_path"),
        Column("status", gettext_lazy("Status"), value=_status_label),
        Column("expires_at", gettext_lazy("Expires at"), order_by="expires_at"),
        Column("last_used_at", gettext_lazy("Last used at"), order_by="last_used_at"),
        Column("last_used_ip", gettext_lazy("Last used from")),
        Column("created_by", gettext_lazy("Created by"), value=lambda t: str(t.created_by)),
        Column("created_at", gettext_lazy("Created at"), order_by="created_at"),
    ),
    filters=(
        ChoiceFilter("status", gettext_lazy("Status"), method=lambda qs, v: _by_status(qs, v),
                     choices=[("active", gettext_lazy("Valid")), ("expired", gettext_lazy("Expired")),
                              ("revoked", gettext_lazy("Revoked"))]),
    ),
    search=("label",), search_label=gettext_lazy("Label"), default_sort="-created_at",
)


def _by_status(queryset, value):
    now = timezone.now()
    if value == "revoked":
        return queryset.filter(revoked_at__isnull=False)
    live = queryset.filter(revoked_at__isnull=True)
    return live.filter(expires_at__gt=now) if value == "active" else live.filter(expires_at__lte=now)


# --- The screen ---------------------------------------------------------------------------------


def _message(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "monitor/screen/message.html", {"message": message}, status=status)


def _page(request: HttpRequest, *, kiosk: bool, title: str, query: dict) -> HttpResponse:
    config = {
        "kiosk": kiosk, "poll_seconds": POLL_SECONDS, "kpi_page_seconds": KPI_PAGE_SECONDS, "token_header": TOKEN_HEADER,
        "data_url": reverse("screen:data") + (f"?{urlencode(query)}" if query else ""), "labels": _labels(),
    }
    return render(request, "monitor/screen/screen.html", {"title": title, "config": config})


def _labels() -> dict:
    """The words the page's script writes (it builds the panels from the JSON it polls)."""
    return {
        "title": _("Operation monitoring"), "comparison": _("Region comparison"),
        "nothing_to_compare": _("Nothing below this place to compare."), "no_kpis": _(
            "No KPI figures yet for this place: they are taken every hour."),
        "no_previous": _("No earlier snapshot"), "vs_previous": _("against the previous snapshot"),
        "no_alerts": _("No alert is firing."), "overdue": _("Past the SLA deadline"),
        "opened": _("Events opened"), "closed": _("Events closed"), "yuan": _("yuan"), "month": _("Month %(month)s"),
        "this_year": _("%(year)s (this year)"), "last_year": _("%(year)s (last year)"),
        "ytd_change": _("Year to date: %(change)s against last year"),
        "refused": _("The screen cannot show this data. Ask an administrator."),
        "missing_token": _("This display link has no token. Ask an administrator for the full link."),
        "signed_out": SIGNED_OUT_MESSAGE,
        "weekdays": [str(WEEKDAYS[6]), *(str(WEEKDAYS[day]) for day in range(6))],  # Sunday first, as in JS
    }


def _wanted(request: HttpRequest, *names: str) -> dict:
    return {name: request.GET[name] for name in names if request.GET.get(name)}


@require_GET
def screen_page(request: HttpRequest) -> HttpResponse:
    """A signed-in user's screen: their own place, or ``?region=`` within their scope (404 outside)."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    try:
        place = kpis.place_of(request.user, request.GET.get("region") or None)
    except NotAllowed as refusal:
        return _message(request, str(refusal), 403)
    return _page(request, kiosk=False, title=place.name, query={"region": place.region.code,
                                                                 **_wanted(request, "kpi")})


@require_GET
def kiosk_page(request: HttpRequest) -> HttpResponse:
    """The kiosk's page: the same screen; its place comes with the data, from the token."""
    return _page(request, kiosk=True, title=_("Operation monitoring"), query=_wanted(request, "kpi"))


@not_user_activity  # the page polls by itself: an unattended screen must still time out
@never_cache
@require_GET
def screen_data(request: HttpRequest) -> HttpResponse:
    """The payload of every panel. A display token (header) opens its own region only; otherwise the
    signed-in user's scope decides. Refusals are JSON with a message the page shows full-screen."""
    secret = request.headers.get(TOKEN_HEADER)
    try:
        if secret is not None:
            place = screen.token_place(secret, client_ip(request))
        elif request.user.is_authenticated:
            place = kpis.place_of(request.user, request.GET.get("region") or None)
        else:
            return JsonResponse({"message": SIGNED_OUT_MESSAGE}, status=401)
        return HttpResponse(screen.screen_json(place, request.GET.get("kpi") or None), content_type="application/json")
    except NotAllowed as refusal:
        return JsonResponse({"message": str(refusal)}, status=403)
    except Http404:
        return JsonResponse({"message": _("There is no such region in your data scope.")}, status=404)
    except ValidationFailed as error:
        return JsonResponse({"message": error.message, "field": error.field}, status=400)


screen_urlpatterns = [
    path("", screen_page, name="home"),
    path("kiosk/", kiosk_page, name="kiosk"),
    path("data/", screen_data, name="data"),
]


# --- Display tokens in the management portal ----------------------------------------------------


@require_GET
@manage_view(MANAGE)
def token_list(request: HttpRequest) -> HttpResponse:
    listing = TOKEN_LIST.bind(request, screen.visible_tokens(request.user))
    return listing.response("monitor/screen/tokens.html", "monitor/screen/_tokens_table.html",
                            {"now": timezone.now()})


@never_cache  # the answer to a successful POST holds the secret
@manage_view(MANAGE)
def token_create(request: HttpRequest) -> HttpResponse:
    form = DisplayTokenForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, created = submit(request, form, lambda: screen.create_token(request.user, **form.service_values()),
                               _("The display token has been created."))
        if done:
            token, secret = created
            # Shown in this response only: not in a message (kept in the session) nor in a redirect.
            kiosk_url = request.build_absolute_uri(reverse("screen:kiosk")) + f"#{secret}"
            return render(request, "monitor/screen/token_created.html", {"token": token, "kiosk_url": kiosk_url})
    return render(request, "monitor/screen/token_form.html", {"form": form})


@require_POST
@manage_view(MANAGE)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    perform(request, lambda: screen.revoke_token(request.user, pk),
            _("The display token has been revoked: its screen stops at its next refresh."))
    return redirect("manage:monitor:display_tokens")


manage_urlpatterns = [
    path("tokens/", token_list, name="display_tokens"),
    path("tokens/new/", token_create, name="display_token_create"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="display_token_revoke"),
]
