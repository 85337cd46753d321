"""Platform health (system administrator) and the security watch (security administrator) in the
management portal; each page refuses the other administrator (three-administrator separation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.access import is_htmx
from jiguan.core.errors import ValidationFailed
from jiguan.portals.manage.access import manage_view

from ..module import PLATFORM, SECURITY
from ..services import health


@require_GET
@manage_view(PLATFORM)
def platform(request: HttpRequest) -> HttpResponse:
    """The cards; the panel inside reloads itself every 30 s through htmx (``?part=panel``)."""
    context = {"health": health.platform_health(request.user)}
    partial = is_htmx(request) and request.GET.get("part") == "panel"
    return render(request, "monitor/health/_panel.html" if partial else "monitor/health/platform.html", context)


@require_GET
@manage_view(SECURITY)
def security(request: HttpRequest) -> HttpResponse:
    try:
        watch = health.security_watch(request.user, request.GET.get("threshold"))
        error = ""
    except ValidationFailed as exc:
        watch, error = health.security_watch(request.user), exc.message
    return render(request, "monitor/health/security.html", {"watch": watch, "threshold_error": error})


@require_POST
@manage_view(SECURITY)
def verify(request: HttpRequest) -> HttpResponse:
    verification = health.verify_audit(request.user)
    if verification.intact:
        messages.success(request, _("The audit chains are intact."))
    else:
        messages.error(request, _("The audit chains show %(count)s problem(s): records were altered, inserted or "
                                  "deleted outside the platform.") % {"count": verification.problem_count})
    return redirect("manage:monitor:security")


manage_urlpatterns = [
    path("", platform, name="health"),
    path("security/", security, name="security"),
    path("security/verify/", verify, name="security_verify"),
]
