"""Who may use the service portal, and the decorator every page behind its login goes through."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _

from jiguan.core.listing import is_htmx
from jiguan.core.registry import ModuleSpec
from jiguan.core.scoping import has_permission
from jiguan.core.services.modules import enabled_modules
from jiguan.portals.manage.access import can_enter as can_manage

SERVICE_PERMISSION = "core.use_service"

__all__ = ["SERVICE_PERMISSION", "can_manage", "guarded", "module_page", "service_page"]


def service_page(view):
    """Login, then ``core.use_service``, then the view; a refusal (``PermissionDenied``, as services
    raise it) is shown as a friendly page. An administrator without ``core.use_service`` (e.g. the
    system administrator, who lands here after login by default) is sent on to the management portal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request)
        if not has_permission(request.user, SERVICE_PERMISSION):
            return redirect("manage:home") if can_manage(request.user) else _refused(request)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as refusal:
            return _refused(request, str(refusal) or _("You do not have the permission for this action."))

    return wrapper


def _login_redirect(request) -> HttpResponse:
    if is_htmx(request):  # a fragment cannot show the login page (e.g. after the idle timeout)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?next={request.path}"
        return response
    return redirect_to_login(request.get_full_path())


def _refused(request, message: str = "") -> HttpResponse:
    return render(request, "service/forbidden.html", {"message": message}, status=403)


def module_page(spec: ModuleSpec):
    """``service_page``, and the module must be enabled for the user's region."""

    def decorate(view):
        @service_page
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(enabled.code == spec.code for enabled in enabled_modules(request.user)):
                raise PermissionDenied(_("“%(name)s” is not open for your region.") % {"name": spec.name})
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def guarded(patterns: list, gate) -> list:
    """Copies of ``patterns`` (nested includes too) whose views all pass ``gate`` first: a module's pages
    mounted in the portal are behind its login whatever the module's own views remember to check."""
    return [
        URLResolver(p.pattern, guarded(p.url_patterns, gate), p.default_kwargs, p.app_name, p.namespace)
        if isinstance(p, URLResolver)
        else URLPattern(p.pattern, gate(p.callback), p.default_args, p.name)
        for p in patterns
    ]
