"""Request context for the audit log, the 30-minute idle timeout, and the administrators' second factor."""

import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .context import acting

SESSION_LAST_SEEN = "jiguan_last_seen"
SESSION_OTP_VERIFIED = "jiguan_otp_verified"


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


class IdleTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_TIMEOUT (等保: 30 minutes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.audit_context.actor = user
            now = timezone.now().timestamp()
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                from .services.auth import record_timeout

                record_timeout(request, user)
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('core:login')}?next={request.path}&timeout=1")
            request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """An administrator who must use TOTP reaches nothing but the second-factor pages until verified."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_OTP_VERIFIED)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            from .services.auth import second_factor_required

            if second_factor_required(user):
                return redirect(f"{reverse('core:second_factor')}?next={request.path}")
        return self.get_response(request)
