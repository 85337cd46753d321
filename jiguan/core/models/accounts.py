"""Accounts (one login for both portals), roles with permissions and a data scope, API tokens, login log."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedTextField
from ..scoping import Grant, Scope, ScopeSpec
from .audit import ChainedRecord
from .base import TrackedModel
from .org import OrgUnit, Person


class AccountManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra):
        account = self.model(username=username, **extra)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(self, username: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **extra)


class Account(TrackedModel, AbstractBaseUser, PermissionsMixin):
    username = models.CharField(_("username"), max_length=40, unique=True)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="account", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("unit")
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret = EncryptedTextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), accounts=("pk",))

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        if self.person_id and not self.unit_id:
            self.unit = self.person.unit
        self.org_path = self.unit.org_path if self.unit_id else ""
        super().save(*args, **kwargs)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class AdminKind(models.TextChoices):
    """The three separated administrator roles required by 等保2.0 (GB/T 22239-2019)."""

    NONE = "", _("Not an administrator role")
    SYSTEM = "system", _("System administrator")
    SECURITY = "security", _("Security administrator")
    AUDIT = "audit", _("Audit administrator")


class Role(TrackedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    permissions = models.JSONField(_("permissions"), default=list)
    # For built-in roles: what the code granted at the last sync, so later syncs add only what is new.
    code_permissions = models.JSONField(default=list, editable=False)
    scope = models.CharField(_("data scope"), max_length=12, choices=Scope.choices, default=Scope.SELF)
    custom_units = models.ManyToManyField(OrgUnit, blank=True, related_name="+", verbose_name=_("custom units"))
    admin_kind = models.CharField(_("administrator kind"), max_length=10, choices=AdminKind.choices, blank=True)
    builtin = models.BooleanField(_("built in"), default=False)
    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The unit that defined this role; empty for platform roles."),
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)

    # Platform roles (org_path "") are visible to every role administrator; unit roles within scope.
    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.owner_unit.org_path if self.owner_unit_id else ""
        super().save(*args, **kwargs)


class RoleAssignment(TrackedModel):
    """An account holds a role, anchored at a unit (defaults to the account's unit) for its data scope."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Where the scope is anchored: its unit, or the region of that unit."),
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    granted_by = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), accounts=("account",))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "role", "unit"], name="assignment_unique")]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path if self.unit_id else ""
        super().save(*args, **kwargs)

    def grant(self) -> Grant:
        unit = self.unit
        return Grant(
            scope=self.role.scope,
            region_key=unit.region.key if unit else "",
            unit_id=unit.agency.pk if unit else None,
            unit_path=unit.agency.org_path if unit else "",
            custom_paths=tuple(self.role.custom_units.values_list("org_path", flat=True))
            if self.role.scope == Scope.CUSTOM
            else (),
        )


class ApiToken(models.Model):
    """A revocable bearer token for the app. Only a digest is stored; the token is shown once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60, default="app")
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    data_scope = ScopeSpec(accounts=("account",))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class LoginOutcome(models.TextChoices):
    SUCCESS = "success", _("Logged in")
    FAILURE = "failure", _("Wrong username or password")
    LOCKED = "locked", _("Account locked")
    INACTIVE = "inactive", _("Account disabled")
    SECOND_FACTOR_FAILED = "otp_failed", _("Wrong verification code")
    LOGOUT = "logout", _("Logged out")
    TIMEOUT = "timeout", _("Session timed out")
    TOKEN_ISSUED = "token", _("API token issued")
    RATE_LIMITED = "rate_limited", _("Too many attempts")


class LoginLog(ChainedRecord):
    username = models.CharField(_("username"), max_length=150)
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=14, choices=LoginOutcome.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)

    data_scope = ScopeSpec(paths=("org_path",))
    chain_fields = ("at", "username", "account_id", "outcome", "ip", "user_agent", "org_path")

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("login log")
        verbose_name_plural = _("login log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.outcome}"

