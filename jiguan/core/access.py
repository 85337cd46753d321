"""What both portals' view guards share: who may enter the management portal, the htmx-aware login
redirect, "is this module open for the user's region", and wrapping a module's URL patterns in a gate."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, reverse

from .registry import registry
from .scoping import held_permissions

SERVICE_PERMISSION = "core.use_service"


def may_manage(user) -> bool:
    """The management portal is for those who administer, approve or handle something: any permission
    beyond those of the service portal."""
    if not getattr(user, "is_authenticated", False):
        return False
    service_only = {code for code, permission in registry.permissions().items() if permission.service_only}
    return user.is_superuser or bool(held_permissions(user) - service_only - {SERVICE_PERMISSION})


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def redirect_page(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``. An htmx request for a fragment gets HX-Redirect instead of a 302,
    which htmx would follow and swap into the fragment (a login page inside a table cell)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def url_with_next(url_name: str, next_url: str, **params) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url, **params})}"


def login_redirect(request: HttpRequest) -> HttpResponse:
    """To the login page and back: for htmx, back to the page the fragment belongs to."""
    here = request.headers.get("HX-Current-URL", request.get_full_path()) if is_htmx(request) else request.get_full_path()
    return redirect_page(request, redirect_to_login(here).url)


def module_open_for(user, module_code: str) -> bool:
    """Kernel parts (the data center, the monitor) are always open; a business module when enabled for
    the user's region."""
    from .registry import registry
    from .services.modules import enabled_modules

    spec = registry.get(module_code)
    if spec is not None and spec.core:
        return True
    return any(spec.code == module_code for spec in enabled_modules(user))


def guard_urls(patterns: list, gate: Callable) -> list:
    """Copies of ``patterns`` (nested includes too) whose views all pass ``gate`` first: a module's pages
    mounted in a portal are behind the portal's checks whatever the module's own views remember."""
    return [
        URLResolver(p.pattern, guard_urls(p.url_patterns, gate), p.default_kwargs, p.app_name, p.namespace)
        if isinstance(p, URLResolver)
        else URLPattern(p.pattern, gate(p.callback), p.default_args, p.name)
        for p in patterns
    ]
