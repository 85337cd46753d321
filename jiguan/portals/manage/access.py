"""Who may enter the management portal and each of its pages, and how a refusal looks.

Every view of the portal — its own and those a module mounts under ``/manage/<code>/`` — goes through
``manage_view``: login, the portal gate (some permission beyond ``core.use_service``), the page's
permission, a friendly 403 page for any ``PermissionDenied`` (including services' ``NotAllowed``), and
for htmx requests the pending messages handed to the page as an ``HX-Trigger`` event (shown as toasts).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from jiguan.core.access import guard_urls, is_htmx, login_redirect, may_manage, module_open_for
from jiguan.core.registry import ModuleSpec
from jiguan.core.scoping import has_permission

MESSAGES_EVENT = "jiguan:messages"


def denied(request: HttpRequest, message: str = "") -> HttpResponse:
    """The friendly 403 page; it points those who cannot enter to the service portal."""
    if is_htmx(request):
        messages.error(request, message or _("You do not have the permission for this action."))
        return with_messages_event(request, HttpResponse(status=403))
    context = {"message": message, "can_enter": may_manage(request.user)}
    return TemplateResponse(request, "manage/denied.html", context, status=403).render()


def with_messages_event(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Hand the pending messages to htmx as an event; a fragment has no place to render them."""
    pending = [{"level": m.level_tag, "text": str(m)} for m in messages.get_messages(request)]
    if pending:
        triggers = _triggers(response.headers.get("HX-Trigger", ""))
        triggers[MESSAGES_EVENT] = pending
        response["HX-Trigger"] = json.dumps(triggers)  # ASCII-escaped: header values must be Latin-1
    return response


def _triggers(header: str) -> dict:
    """The events a view already set: htmx takes a JSON object or a comma-separated list of names."""
    try:
        value = json.loads(header)
    except ValueError:
        return {name.strip(): None for name in header.split(",") if name.strip()}
    return value if isinstance(value, dict) else {}


def manage_view(permission: str | None = None, *, check: Callable[[HttpRequest], str | None] | None = None):
    """Decorate a portal view: login, the portal gate, ``permission`` (if given) and ``check(request)``
    (returns a refusal message or None) — then the view, with refusals rendered as the 403 page."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return login_redirect(request)
            if not may_manage(request.user):
                return denied(request)
            if permission and not has_permission(request.user, permission):
                return denied(request, _("You do not have the permission for this page."))
            refusal = check(request) if check else None
            if refusal:
                return denied(request, refusal)
            try:
                response = view(request, *args, **kwargs)
            except PermissionDenied as exc:
                return denied(request, str(exc))
            patch_vary_headers(response, ("HX-Request",))  # a fragment and its page share one URL
            return with_messages_event(request, response) if is_htmx(request) else response

        return wrapper

    return decorate


def module_enabled_check(spec: ModuleSpec) -> Callable[[HttpRequest], str | None]:
    def check(request: HttpRequest) -> str | None:
        if module_open_for(request.user, spec.code):
            return None
        return _("The module “%(name)s” is not enabled for your region.") % {"name": spec.name}

    return check


def guard_module_urls(patterns: list, spec: ModuleSpec) -> list:
    """A module's URL patterns, each view behind the portal gate and the module's enablement."""
    return guard_urls(patterns, manage_view(check=module_enabled_check(spec)))
