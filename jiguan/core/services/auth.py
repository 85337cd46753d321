"""Authentication (统一身份入口) as 等保2.0 level 3 asks: passwords with lockout, the TOTP second factor,
password expiry, API tokens and per-IP rate limits. Every sign-in attempt lands in the chained login log.

Bookkeeping counters (failed logins, TOTP step, token last use) are written with ``QuerySet.update``:
atomic under concurrency, and the login log — not the change log — is their audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import audit, authcache
from ..errors import ServiceError, StateError, ValidationFailed
from ..middleware import client_ip
from ..models import Account, ApiToken, LoginLog, RoleAssignment
from ..models.accounts import LoginOutcome

TOTP_DIGITS = 6
TOTP_INTERVAL = 30  # seconds per step; one step of clock drift is allowed either way
TOTP_CODE = re.compile(r"[0-9]{6}")
TOKEN_PREFIX = "jg_"
TOKEN_NAME_MAX = 60
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)  # last_used_at is written at most this often
# Holding any of these (or a role with an administrator kind) makes an account an administrator.
ADMIN_PERMISSIONS = frozenset({"core.manage_roles", "core.manage_accounts", "core.view_audit"})


class LoginFailed(ServiceError):
    """A sign-in refused. ``code`` tells the API client why: invalid_credentials, account_locked,
    account_disabled, otp_required, otp_invalid, otp_setup_required or password_expired."""

    status = 401
    code = "login_failed"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after  # seconds, for a Retry-After header


# --- The login log -------------------------------------------------------------------------------


def _request_ip(request) -> str | None:
    # The proxy's header is trusted (docs/deploy.md), but a malformed value must not break the log.
    try:
        return str(ipaddress.ip_address(client_ip(request) or ""))
    except ValueError:
        return None


def _log(request, outcome: str, *, username: str, account: Account | None = None) -> None:
    audit.append(
        LoginLog,
        username=username[:150],
        account=account,
        outcome=outcome,
        ip=_request_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        org_path=account.org_path if account else "",
    )


def record_timeout(request, user: Account) -> None:
    """The idle-timeout middleware ends a session: say so in the login log."""
    _log(request, LoginOutcome.TIMEOUT, username=user.get_username(), account=user)


def record_logout(request, user: Account) -> None:
    _log(request, LoginOutcome.LOGOUT, username=user.get_username(), account=user)


# --- Passwords and lockout -----------------------------------------------------------------------


def _wrong_credentials() -> LoginFailed:
    # One message for unknown usernames and wrong passwords, so neither reveals which accounts exist.
    return LoginFailed(_("The username or password is wrong."), code="invalid_credentials")


def _locked(until: datetime) -> LoginFailed:
    return LoginFailed(
        _(
            "Too many failed attempts: the account is locked until %(time)s. Try again after that, "
            "or ask the security administrator to unlock it."
        )
        % {"time": date_format(timezone.localtime(until), "Y-m-d H:i")},
        code="account_locked",
    )


def _register_failure(request, account: Account, outcome: str) -> LoginFailed:
    """Count a failed attempt; the LOGIN_MAX_FAILURES-th in a row locks the account for LOGIN_LOCKOUT.
    Returns the error to raise (the lock message once the account is locked)."""
    until = timezone.now() + settings.LOGIN_LOCKOUT
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(failed_logins=F("failed_logins") + 1)
        locked = Account.objects.filter(
            pk=account.pk, failed_logins__gte=settings.LOGIN_MAX_FAILURES, locked_until__isnull=True
        ).update(locked_until=until)
    _log(request, outcome, username=account.username, account=account)
    if locked:
        return _locked(until)
    if outcome == LoginOutcome.SECOND_FACTOR_FAILED:
        return LoginFailed(_("The verification code is wrong or has expired."), code="otp_invalid")
    return _wrong_credentials()


def _release_expired_lock(account: Account) -> None:
    """A lock that has run out starts the count afresh."""
    if account.locked_until and not account.is_locked():
        Account.objects.filter(pk=account.pk, locked_until=account.locked_until).update(
            failed_logins=0, locked_until=None
        )
        account.failed_logins, account.locked_until = 0, None


def _succeed(request, account: Account, outcome: str) -> None:
    if account.failed_logins or account.locked_until:
        Account.objects.filter(pk=account.pk).update(failed_logins=0, locked_until=None)
        account.failed_logins, account.locked_until = 0, None
    _log(request, outcome, username=account.username, account=account)


def _check_password(request, username: str, password: str) -> Account:
    """The account whose password this is, or LoginFailed (logged, counted towards the lockout)."""
    username = (username or "").strip()
    account = Account.objects.filter(username=username).first()
    if account is None:
        make_password(password)  # costs what a real check costs: timing does not reveal unknown usernames
        _log(request, LoginOutcome.FAILURE, username=username)
        raise _wrong_credentials()
    _release_expired_lock(account)
    if account.is_locked():
        make_password(password)
        _log(request, LoginOutcome.LOCKED, username=username, account=account)
        raise _locked(account.locked_until)
    if not account.check_password(password):
        raise _register_failure(request, account, LoginOutcome.FAILURE)
    if not account.is_active:  # said only to someone who knows the password
        _log(request, LoginOutcome.INACTIVE, username=username, account=account)
        raise LoginFailed(
            _("This account has been disabled. Please contact your unit administrator."), code="account_disabled"
        )
    return account


def authenticate_password(request, username: str, password: str) -> Account:
    """First step of a web sign-in. When no second factor is due the sign-in is complete: the failure
    count is reset and the success logged; otherwise ``check_second_factor`` does both."""
    account = _check_password(request, username, password)
    if not second_factor_required(account):
        _succeed(request, account, LoginOutcome.SUCCESS)
    return account


def password_expired(user: Account) -> bool:
    """Must this account change its password before doing anything else?"""
    if user.must_change_password:
        return True
    changed = user.password_changed_at
    # No date means the password was never set through set_password (no usable password): nothing to age.
    return bool(changed and timezone.now() - changed > settings.PASSWORD_MAX_AGE)


def change_password(user: Account, *, old_password: str, new_password: str) -> Account:
    if not user.check_password(old_password):
        raise ValidationFailed({"old_password": [_("The current password is wrong.")]})
    if new_password == old_password:
        raise ValidationFailed({"new_password": [_("The new password must differ from the current one.")]})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed({"new_password": list(exc.messages)}) from None
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    revoke_all_tokens(user)
    return user


def revoke_all_tokens(account: Account) -> int:
    """End every app sign-in of ``account``: its tokens were issued against a password that is gone."""
    count = ApiToken.objects.filter(account=account, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        authcache.invalidate()
    return count


# --- Administrators and the second factor --------------------------------------------------------


def _role_rows(user: Account) -> list[tuple[str, list[str]]]:
    return list(RoleAssignment.objects.filter(account=user).values_list("role__admin_kind", "role__permissions"))


def holds_admin_role(user: Account) -> bool:
    """An administrator role: any role with an administrator kind, or one managing roles, accounts or
    reading the audit logs."""
    return user.is_superuser or any(kind or ADMIN_PERMISSIONS.intersection(perms) for kind, perms in _role_rows(user))


def second_factor_required(user: Account) -> bool:
    """Must this account present a TOTP code to sign in? Yes once it has enrolled (voluntarily or not),
    and for administrators whenever REQUIRE_ADMIN_2FA is on (they must enrol first)."""
    if user.totp_confirmed_at:
        return True
    return settings.REQUIRE_ADMIN_2FA and holds_admin_role(user)


def _current_step() -> int:
    return int(timezone.now().timestamp()) // TOTP_INTERVAL


def verify_totp(user: Account, code: str) -> bool:
    """Is ``code`` valid for the account's secret (±1 step)? A step once accepted is never accepted again,
    even by a concurrent request: the conditional update below lets exactly one of them claim it."""
    code = (code or "").replace(" ", "")
    if not user.totp_secret or not TOTP_CODE.fullmatch(code):
        return False
    totp = pyotp.TOTP(user.totp_secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    current = _current_step()
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = Account.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
            if claimed:
                user.totp_last_step = step
            return bool(claimed)
    return False


def check_second_factor(request, user: Account, code: str) -> None:
    """Second step of a sign-in. A wrong code counts as a failed login, so the lockout applies to it."""
    _release_expired_lock(user)
    if user.is_locked():
        _log(request, LoginOutcome.LOCKED, username=user.username, account=user)
        raise _locked(user.locked_until)
    if not verify_totp(user, code):
        raise _register_failure(request, user, LoginOutcome.SECOND_FACTOR_FAILED)
    _succeed(request, user, LoginOutcome.SUCCESS)


def start_totp_enrolment(user: Account) -> str:
    """The secret to show on the setup page: the pending one if the user came back, else a new one."""
    if user.totp_confirmed_at:
        raise StateError(_("Two-factor authentication is already enabled for this account."))
    if not user.totp_secret:
        # Only the first of two concurrent requests stores a secret, so both pages show the same one.
        Account.objects.filter(pk=user.pk, totp_secret="").update(totp_secret=pyotp.random_base32())
        user.refresh_from_db(fields=["totp_secret"])
    return user.totp_secret


def totp_provisioning_uri(user: Account) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    totp = pyotp.TOTP(user.totp_secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    return totp.provisioning_uri(name=user.username, issuer_name=str(settings.PLATFORM_NAME))


def confirm_totp_enrolment(user: Account, code: str) -> Account:
    """Enrolment ends when the user proves the app produces the right codes."""
    if user.totp_confirmed_at:
        raise StateError(_("Two-factor authentication is already enabled for this account."))
    if not verify_totp(user, code):
        raise ValidationFailed(
            {"code": [_("The verification code does not match. Check the time on your phone and try the newest code.")]}
        )
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_confirmed_at"])
    return user


# --- API tokens ----------------------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_token_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= TOKEN_NAME_MAX:
        raise ValidationFailed(
            {"name": [_("The token name must be 1 to %(max)d characters.") % {"max": TOKEN_NAME_MAX}]}
        )
    return name


def issue_token(request, *, username: str, password: str, otp: str | None = None, name: str = "app"):
    """A new API token for the app: the same password, lockout and second-factor rules as the web
    sign-in. Returns ``(ApiToken, raw)``; the raw token is shown once and only its digest is stored."""
    name = _clean_token_name(name)
    account = _check_password(request, username, password)
    if second_factor_required(account):
        if not account.totp_confirmed_at:
            raise LoginFailed(
                _("Set up two-factor authentication in the web portal before signing in to the app."),
                code="otp_setup_required",
            )
        if not otp:
            raise LoginFailed(
                _("Enter the 6-digit verification code from your authenticator app."), field="otp", code="otp_required"
            )
        if not verify_totp(account, otp):
            raise _register_failure(request, account, LoginOutcome.SECOND_FACTOR_FAILED)
    if password_expired(account):
        raise LoginFailed(
            _("Your password has expired. Change it in the web portal, then sign in to the app again."),
            code="password_expired",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)  # 40 URL-safe characters, 240 random bits
    token = ApiToken.objects.create(
        account=account,
        name=name,
        prefix=raw[:8],
        digest=_digest(raw),
        expires_at=timezone.now() + settings.API_TOKEN_LIFETIME,
    )
    _succeed(request, account, LoginOutcome.TOKEN_ISSUED)
    return token, raw


def authenticate_token(raw: str | None) -> Account | None:
    """The active account a live (not revoked, not expired) token belongs to, in one indexed query."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    now = timezone.now()
    token = authcache.remembered(("token", _digest(raw)), lambda: _live_token(_digest(raw), now))
    if token is None or token.expires_at <= now or not token.account.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return authcache.fresh_copy(token.account)


def _live_token(digest: str, now: datetime) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("account")
        .filter(digest=digest, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )


def revoke_token(user: Account, token_id: int | None = None, raw: str | None = None) -> ApiToken:
    """Revoke one of the user's own tokens, named by id or by the raw token. Revoking twice is harmless."""
    if (token_id is None) == (raw is None):
        raise ValueError("name the token by exactly one of token_id or raw")
    own = ApiToken.objects.filter(account=user)
    try:
        token = own.get(pk=token_id) if token_id is not None else own.get(digest=_digest(raw))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such token.")) from None
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        authcache.invalidate()
        token.refresh_from_db(fields=["revoked_at"])
    return token


# --- Rate limit ----------------------------------------------------------------------------------


def check_rate_limit(request, scope: str = "auth", *, username: str = "") -> None:
    """At most AUTH_RATE_LIMIT = (count, seconds) attempts per client IP and scope, counted in fixed
    windows in the shared cache (Redis when several app servers run). Raises RateLimited."""
    limit, window = settings.AUTH_RATE_LIMIT
    now = int(timezone.now().timestamp())
    key = f"jiguan:rate:{scope}:{_request_ip(request) or 'unknown'}:{now // window}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count <= limit:
        return
    if count == limit + 1:  # the first refusal of a window is logged, not every request of a flood
        _log(request, LoginOutcome.RATE_LIMITED, username=username)
    retry_after = window - now % window
    raise RateLimited(
        ngettext(
            "Too many attempts from your network address. Try again in %(seconds)d second.",
            "Too many attempts from your network address. Try again in %(seconds)d seconds.",
            retry_after,
        )
        % {"seconds": retry_after},
        retry_after,
    )
