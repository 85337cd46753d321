"""Built-in roles. The three administrator roles are separated as 等保2.0 requires: the system
administrator runs the platform but cannot read audit logs; the security administrator manages roles
and grants; the audit administrator reads the logs and can change nothing."""

from django.utils.translation import gettext_lazy as _

from .models.accounts import AdminKind
from .scoping import Scope

READ_ORG = ["core.view_units", "core.view_people", "core.view_accounts"]
BUSINESS_ADMIN = READ_ORG + [
    "core.use_service", "core.manage_people", "core.manage_notices", "core.view_events",
    "core.handle_events", "core.view_costs",
]

BUILTIN_ROLES = [
    # code, name, scope, admin kind, permissions (module permissions are added by name prefix below)
    ("system_admin", _("System administrator"), Scope.ALL, AdminKind.SYSTEM, READ_ORG + [
        "core.manage_units", "core.manage_people", "core.manage_accounts", "core.manage_modules",
        "core.manage_dictionaries", "core.manage_notices", "core.manage_flows", "core.manage_jobs",
    ]),
    ("security_admin", _("Security administrator"), Scope.ALL, AdminKind.SECURITY, READ_ORG + [
        "core.manage_roles",
    ]),
    ("audit_admin", _("Audit administrator"), Scope.ALL, AdminKind.AUDIT, ["core.view_audit"]),
    ("region_bureau_admin", _("Bureau administrator (region)"), Scope.REGION, AdminKind.NONE,
     BUSINESS_ADMIN + ["core.manage_units", "core.manage_flows", "core.manage_roles", "core.manage_accounts"]),
    ("unit_admin", _("Unit administrator"), Scope.UNIT_TREE, AdminKind.NONE, BUSINESS_ADMIN + ["core.manage_accounts"]),
    ("staff", _("Staff member"), Scope.SELF, AdminKind.NONE, ["core.use_service"]),
]
