"""Who is calling: a bearer token (the app) or the browser's session cookie (CSRF enforced).

Both answer ``None`` for "not signed in" so the API replies 401; a session request that fails the CSRF
check is refused with 403.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from jiguan.core.context import set_actor
from jiguan.core.errors import NotAllowed
from jiguan.core.services.auth import authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer jg_…`` issued by ``POST /auth/token``."""

    def authenticate(self, request: HttpRequest, token: str):
        account = authenticate_token(token)
        if account is None:
            return None
        set_actor(account)  # the audit records of this request name the token's owner
        request.api_token = token
        return account


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, as used by the portals' own scripts. CSRF is checked on unsafe
    methods only once we know there is a session, so an anonymous call gets 401, not a CSRF error.
    A session still owing its second factor or a new password is stopped earlier, by the sign-in
    gates in ``jiguan.core.middleware``."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, after the session is known

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise NotAllowed(_("The CSRF check failed. Reload the page and try again."))
        return user


AUTH = [TokenAuth(), SessionAuth()]
