"""Who may use the service portal, and the decorator every page behind its login goes through."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiguan.core.access import SERVICE_PERMISSION, login_redirect, may_manage, module_open_for
from jiguan.core.registry import ModuleSpec
from jiguan.core.scoping import has_permission

__all__ = ["module_page", "service_page"]


def service_page(view):
    """Login, then ``core.use_service``, then the view; a refusal (``PermissionDenied``, as services
    raise it) is shown as a friendly page. An administrator without ``core.use_service`` (e.g. the
    system administrator, who lands here after login by default) is sent on to the management portal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return login_redirect(request)
        if not has_permission(request.user, SERVICE_PERMISSION):
            return redirect("manage:home") if may_manage(request.user) else _refused(request)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as refusal:
            return _refused(request, str(refusal) or _("You do not have the permission for this action."))

    return wrapper


def _refused(request, message: str = "") -> HttpResponse:
    return render(request, "service/forbidden.html", {"message": message}, status=403)


def module_page(spec: ModuleSpec):
    """``service_page``, and the module must be enabled for the user's region."""

    def decorate(view):
        @service_page
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not module_open_for(request.user, spec.code):
                raise PermissionDenied(_("“%(name)s” is not open for your region.") % {"name": spec.name})
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
