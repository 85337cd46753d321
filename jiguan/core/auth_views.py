"""The sign-in pages shared by both portals: login, second factor, TOTP setup, password change, logout.
Thin: the forms check the input's shape, services/auth.py decides."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .access import may_manage, url_with_next
from .errors import ServiceError, ValidationFailed
from .forms import LoginForm, PasswordChangeForm, VerificationCodeForm
from .middleware import SESSION_LAST_SEEN, SESSION_OTP_VERIFIED
from .services import auth

# The accounts `manage.py demo_accounts` creates, listed on the login page of a demo installation.
DEMO_ACCOUNTS = (
    ("sysadmin", gettext_lazy("System administrator: units, people, accounts, modules")),
    ("secadmin", gettext_lazy("Security administrator: roles and grants")),
    ("auditor", gettext_lazy("Audit administrator: reads the audit logs")),
    ("jx_admin", gettext_lazy("Provincial bureau administrator: the whole province")),
    ("nc_admin", gettext_lazy("City bureau administrator: Nanchang and its counties")),
    ("unit_admin", gettext_lazy("Unit administrator: one unit and its departments")),
    ("staff", gettext_lazy("Staff member: the service portal")),
)
# Service-layer input names that the password change form calls differently.
PASSWORD_FORM_FIELDS = {"old_password": "old_password", "new_password": "new_password1"}


def _safe_next(request) -> str | None:
    """``next`` when it points back into this site; anything else (another host, a scheme) is ignored."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _home(request) -> str:
    return _safe_next(request) or reverse("service:home")


def _landing(request, account, portal: str) -> str:
    """After the password: ``next``, else the portal chosen — the management one only for those who may."""
    if portal == LoginForm.MANAGE and not _safe_next(request) and may_manage(account):
        return reverse("manage:home")
    return _home(request)


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"core/auth/{template}", {"next": _safe_next(request) or "", **context}, status=status)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            auth.check_rate_limit(request, username=data["username"])
            account = auth.authenticate_password(request, data["username"], data["password"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
            status = exc.status if isinstance(exc, auth.RateLimited) else 200
        else:
            login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_LAST_SEEN] = timezone.now().timestamp()
            # The sign-in gates (middleware) send the user on to the second factor or a new password.
            return redirect(_landing(request, account, data["portal"]))
    context = {
        "form": form,
        "timed_out": request.GET.get("timeout") == "1",
        "idle_minutes": int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60),
        "demo_accounts": DEMO_ACCOUNTS if settings.DEMO else (),
    }
    return _render(request, "login.html", context, status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        auth.record_logout(request, request.user)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("core:login")


def _second_factor_passed(request) -> None:
    request.session.cycle_key()  # a new session id once the sign-in is complete
    request.session[SESSION_OTP_VERIFIED] = True


@sensitive_post_parameters("code")
@login_required
@never_cache
def second_factor_view(request):
    user = request.user
    if request.session.get(SESSION_OTP_VERIFIED) or not auth.second_factor_required(user):
        return redirect(_home(request))
    if not user.totp_confirmed_at:
        return redirect(url_with_next("core:totp_setup", _home(request)))
    form = VerificationCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            auth.check_rate_limit(request, "otp", username=user.username)
            auth.check_second_factor(request, user, form.cleaned_data["code"])
        except auth.LoginFailed as exc:
            if exc.code == "account_locked":
                logout(request)
                messages.error(request, exc.message)
                return redirect("core:login")
            form.add_error("code", exc.message)
        except auth.RateLimited as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            _second_factor_passed(request)
            return redirect(_home(request))
    return _render(request, "second_factor.html", {"form": form}, status)


def _qr_svg(uri: str) -> str:
    # Drawn locally (no network on government intranets); the SVG is built from our own URI, so safe.
    return mark_safe(segno.make(uri, error="m").svg_inline(border=2, omitsize=True, svgclass="totp-qr"))


@sensitive_post_parameters("code")
@login_required
@never_cache
def totp_setup_view(request):
    user = request.user
    if user.totp_confirmed_at:
        return _render(request, "totp_enabled.html", {"enabled_at": user.totp_confirmed_at})
    secret = auth.start_totp_enrolment(user)
    form = VerificationCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            auth.check_rate_limit(request, "otp", username=user.username)
            auth.confirm_totp_enrolment(user, form.cleaned_data["code"])
        except ValidationFailed as exc:
            form.add_error("code", exc.errors["code"])
        except auth.RateLimited as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            _second_factor_passed(request)
            messages.success(request, _("Two-factor authentication is now enabled."))
            return redirect(_home(request))
    context = {
        "form": form,
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "qr_svg": _qr_svg(auth.totp_provisioning_uri(user)),
        "required": auth.second_factor_required(user),
    }
    return _render(request, "totp_setup.html", context, status)


@sensitive_post_parameters()
@login_required
@never_cache
def password_change_view(request):
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            auth.check_rate_limit(request, "password", username=user.username)
            auth.change_password(user, old_password=data["old_password"], new_password=data["new_password1"])
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                form.add_error(PASSWORD_FORM_FIELDS.get(field), errors)
        except auth.RateLimited as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            update_session_auth_hash(request, user)  # keep this session; others of the account end
            messages.success(request, _("Your password has been changed."))
            return redirect(_home(request))
    context = {
        "form": form,
        "forced": auth.password_expired(user),
        "must_change": user.must_change_password,
        "max_age_days": settings.PASSWORD_MAX_AGE.days,
    }
    return _render(request, "password_change.html", context, status)
