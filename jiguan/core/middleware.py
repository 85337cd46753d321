"""Request context for the audit log, the 30-minute idle timeout, and the sign-in gates: an account
owing its second factor, or a new password, reaches nothing but the pages that settle that."""

import uuid
from functools import cached_property

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import redirect_page, url_with_next
from .context import acting

SESSION_LAST_SEEN = "jiguan_last_seen"
SESSION_OTP_VERIFIED = "jiguan_otp_verified"
# Writing the last-seen time on every request would save the session on every request; a minute's
# slack in a 30-minute timeout is harmless.
LAST_SEEN_RESOLUTION = 60


def client_ip(request) -> str | None:
    # Behind the reverse proxy the app trusts X-Real-IP set by it (docs/deploy.md); else the peer.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Give every request an id (echoed as X-Request-ID) shared by every audit record it causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = str(uuid.uuid4())
        with acting(ip=client_ip(request), request_id=request_id) as ctx:
            request.audit_context = ctx
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def not_user_activity(view):
    """Mark a view whose requests a page sends by itself (a screen polling its data): they do not count as
    the user's activity, so they do not keep an unattended session alive against the idle timeout."""
    view.not_user_activity = True
    return view


def _is_user_activity(request) -> bool:
    match = getattr(request, "resolver_match", None)  # set once the URL is resolved
    return not (match and getattr(match.func, "not_user_activity", False))


class IdleTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_TIMEOUT (等保: 30 minutes). The last-seen time
    is refreshed after the response, once the view is known: requests of views marked
    ``not_user_activity`` leave it as it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        refresh_at = None
        if user is not None and user.is_authenticated:
            request.audit_context.actor = user
            now = timezone.now().timestamp()
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                from .services.auth import record_timeout

                record_timeout(request, user)
                logout(request)
                request.audit_context.actor = None
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # the API answers 401 to the now anonymous request
                return redirect_page(request, url_with_next("core:login", request.get_full_path(), timeout=1))
            if SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now  # the idle clock starts whatever the request
            elif now - last_seen >= LAST_SEEN_RESOLUTION:
                refresh_at = now
        response = self.get_response(request)
        if refresh_at is not None and _is_user_activity(request) and request.user.is_authenticated:
            request.session[SESSION_LAST_SEEN] = refresh_at
        return response


class SignInGate:
    """Base of the gates: a signed-in user the gate has ``blocked`` is sent to ``url_name`` (the API gets a
    JSON 403) until that is settled; the sign-in pages themselves and static files stay reachable.
    (services.auth imports this module, so the gates import it inside their methods.)"""

    url_name = ""
    open_url_names: tuple[str, ...] = ("core:login", "core:logout", "core:second_factor", "core:totp_setup")
    open_prefixes = ("/static/", "/i18n/", "/healthz")
    api_code = ""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> frozenset[str]:
        return frozenset(reverse(name) for name in self.open_url_names)

    def blocked(self, request, user) -> bool:
        raise NotImplementedError

    def api_message(self) -> str:
        raise NotImplementedError

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path not in self.open_paths
            and not request.path.startswith(self.open_prefixes)
            and self.blocked(request, user)
        ):
            if request.path.startswith("/api/"):  # the API's one error shape
                body = {"code": self.api_code, "message": self.api_message(), "field": None, "errors": []}
                return JsonResponse(body, status=403)
            return redirect_page(request, url_with_next(self.url_name, request.get_full_path()))
        return self.get_response(request)


class SecondFactorMiddleware(SignInGate):
    """An account that must use TOTP reaches nothing but the second-factor pages until verified."""

    url_name = "core:second_factor"
    api_code = "second_factor_required"

    def blocked(self, request, user) -> bool:
        if request.session.get(SESSION_OTP_VERIFIED):
            return False
        from .services.auth import second_factor_required

        return second_factor_required(user)

    def api_message(self) -> str:
        return _("Enter the verification code from your authenticator app in the web portal first.")


class PasswordExpiryMiddleware(SignInGate):
    """An account whose password expired, or that must change it, reaches only the change page."""

    url_name = "core:password_change"
    open_url_names = (*SignInGate.open_url_names, "core:password_change")
    api_code = "password_expired"

    def blocked(self, request, user) -> bool:
        from .services.auth import password_expired

        return password_expired(user)

    def api_message(self) -> str:
        return _("Your password has expired. Change it in the web portal first.")
