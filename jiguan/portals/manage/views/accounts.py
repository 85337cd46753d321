"""Accounts (create, enable/disable, reset password, unlock, role grants) and roles."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec
from jiguan.core.models import Account, RoleAssignment
from jiguan.core.models.accounts import AdminKind
from jiguan.core.scoping import Scope, has_permission, scoped
from jiguan.core.services import accounts
from jiguan.core.services.base import get_in_scope

from ..access import manage_view
from ..filters import region_filter
from ..forms import AccountForm, GrantForm, PasswordResetForm, RoleForm
from .common import perform, submit

VIEW_ACCOUNTS, MANAGE_ACCOUNTS, MANAGE_ROLES = "core.view_accounts", "core.manage_accounts", "core.manage_roles"


def _role_names(account: Account) -> str:
    return "、".join(sorted({a.role.name for a in account.assignments.all()}))


def _locked(queryset, locked: bool):
    now = timezone.now()
    return queryset.filter(locked_until__gt=now) if locked else queryset.exclude(locked_until__gt=now)


ACCOUNT_LIST = ListSpec(
    name="accounts",
    title=gettext_lazy("Accounts"),
    columns=(
        Column("username", gettext_lazy("Username"), order_by="username"),
        Column("display_name", gettext_lazy("Display name"), value=str),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__name"),
        Column("roles", gettext_lazy("Roles held"), value=_role_names),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
        Column("locked", gettext_lazy("Locked"), value=Account.is_locked),
        Column("last_login", gettext_lazy("Last login"), order_by="last_login"),
    ),
    filters=(
        region_filter("unit__region"),
        BooleanFilter("active", gettext_lazy("Active"), "is_active"),
        BooleanFilter("locked", gettext_lazy("Locked"), method=_locked),
    ),
    search=("username", "display_name", "person__name"),
    search_label=gettext_lazy("Username or name"),
)


@require_GET
@manage_view(VIEW_ACCOUNTS)
def account_list(request):
    queryset = Account.objects.select_related("unit", "person").prefetch_related(
        Prefetch("assignments", queryset=RoleAssignment.objects.select_related("role"))
    )
    return ACCOUNT_LIST.bind(request, scoped(queryset, request.user, VIEW_ACCOUNTS)).response(
        "manage/accounts/list.html", "manage/accounts/_table.html",
        {"can_manage": has_permission(request.user, MANAGE_ACCOUNTS)},
    )


@manage_view(MANAGE_ACCOUNTS)
def account_create(request):
    form = AccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        fields = ("username", "display_name", "person", "unit", "password")
        done, account = submit(request, form, lambda: accounts.create_account(request.user, **form.service_values(fields)),
                               _("The account has been created."))
        if done:
            return redirect("manage:account", account.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("New account"), "cancel_url": reverse("manage:accounts"),
        "intro": _("The user will be asked to change this password at first login."),
    })


@require_GET
@manage_view(VIEW_ACCOUNTS)
def account_detail(request, pk: int):
    return _account_page(request, _account(request, pk))


def _account(request, pk: int) -> Account:
    return get_in_scope(Account, request.user, VIEW_ACCOUNTS, pk,
                        queryset=Account.objects.select_related("unit", "person"))


def _account_page(request, account: Account, *, password_form=None, grant_form=None, status: int = 200):
    user = request.user
    can_grant = has_permission(user, MANAGE_ROLES)
    return render(request, "manage/accounts/detail.html", {
        "account": account,
        "assignments": account.assignments.select_related("role", "unit", "granted_by"),
        "can_manage": has_permission(user, MANAGE_ACCOUNTS),
        "can_grant": can_grant,
        "password_form": password_form or PasswordResetForm(user=user),
        "grant_form": grant_form or (GrantForm(user=user) if can_grant else None),
    }, status=status)


@require_POST
@manage_view(MANAGE_ACCOUNTS)
def account_set_active(request, pk: int):
    active = request.POST.get("active") == "1"
    message = _("The account has been enabled.") if active else _("The account has been disabled.")
    perform(request, lambda: accounts.set_account_active(request.user, pk, active), message)
    return redirect("manage:account", pk)


@require_POST
@manage_view(MANAGE_ACCOUNTS)
def account_reset_password(request, pk: int):
    form = PasswordResetForm(request.POST, user=request.user)
    done, _result = submit(request, form,
                           lambda: accounts.reset_password(request.user, pk, form.cleaned_data["password"]),
                           _("The password has been reset."))
    if done:
        return redirect("manage:account", pk)
    return _account_page(request, _account(request, pk), password_form=form, status=400)


@require_POST
@manage_view(MANAGE_ROLES)
def account_unlock(request, pk: int):
    perform(request, lambda: accounts.unlock_account(request.user, pk), _("The account has been unlocked."))
    return redirect("manage:account", pk)


@require_POST
@manage_view(MANAGE_ROLES)
def account_reset_second_factor(request, pk: int):
    perform(request, lambda: accounts.reset_second_factor(request.user, pk),
            _("The second factor has been reset; the owner sets it up again at the next sign-in."))
    return redirect("manage:account", pk)


@require_POST
@manage_view(MANAGE_ROLES)
def account_grant(request, pk: int):
    form = GrantForm(request.POST, user=request.user)
    done, _assignment = submit(
        request, form, lambda: accounts.grant_role(request.user, account_id=pk, **form.service_values()),
        _("The role has been granted."),
    )
    if done:
        return redirect("manage:account", pk)
    return _account_page(request, _account(request, pk), grant_form=form, status=400)


@require_POST
@manage_view(MANAGE_ROLES)
def account_revoke(request, pk: int, assignment_pk: int):
    perform(request, lambda: accounts.revoke_role(request.user, assignment_pk), _("The role has been revoked."))
    return redirect("manage:account", pk)


# --- Roles ----------------------------------------------------------------------------------------

ROLE_LIST = ListSpec(
    name="roles",
    title=gettext_lazy("Roles"),
    columns=(
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("code", gettext_lazy("Code"), order_by="code"),
        Column("scope", gettext_lazy("Data scope"), order_by="scope"),
        Column("admin_kind", gettext_lazy("Administrator kind")),
        Column("permission_count", gettext_lazy("Permissions"), value=lambda role: len(role.permissions)),
        Column("holders", gettext_lazy("Holders"), order_by="holders"),
        Column("builtin", gettext_lazy("Built in")),
    ),
    filters=(
        ChoiceFilter("scope", gettext_lazy("Data scope"), "scope", choices=Scope.choices),
        ChoiceFilter("admin_kind", gettext_lazy("Administrator kind"), "admin_kind", choices=AdminKind.choices[1:]),
        BooleanFilter("builtin", gettext_lazy("Built in"), "builtin"),
    ),
    search=("code", "name", "description"),
    default_sort="code",
)


@require_GET
@manage_view(MANAGE_ROLES)
def role_list(request):
    roles = accounts.visible_roles(request.user, MANAGE_ROLES).annotate(holders=Count("assignments"))
    return ROLE_LIST.bind(request, roles).response("manage/roles/list.html", "manage/roles/_table.html")


@manage_view(MANAGE_ROLES)
def role_create(request):
    return _role_form(request, None)


@manage_view(MANAGE_ROLES)
def role_edit(request, pk: int):
    return _role_form(request, get_object_or_404(accounts.visible_roles(request.user, MANAGE_ROLES), pk=pk))


def _role_form(request, role):
    initial = {}
    if role is not None:
        initial = {
            "code": role.code, "name": role.name, "description": role.description, "scope": role.scope,
            "permissions": role.permissions, "custom_units": list(role.custom_units.values_list("pk", flat=True)),
        }
    form = RoleForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        done, _role = submit(
            request, form,
            lambda: accounts.save_role(request.user, role_id=role.pk if role else None, **form.service_values()),
            _("The role has been saved."),
        )
        if done:
            return redirect("manage:roles")
    title = _("Edit role “%(name)s”") % {"name": role.name} if role else _("New role")
    return render(request, "manage/roles/form.html", {"form": form, "role": role, "title": title})
