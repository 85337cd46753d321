"""The kernel's own entry in the registry: its permissions, menus and event types."""

from django.utils.translation import gettext_lazy as _

from .registry import EventType, MenuItem, ModuleSpec, Permission, registry

P = Permission
CORE = registry.register(
    ModuleSpec(
        code="core",
        name=_("Platform"),
        core=True,
        permissions=(
            P("core.use_service", _("Use the service portal")),
            P("core.view_units", _("View units")),
            P("core.manage_units", _("Manage units and departments")),
            P("core.view_people", _("View people")),
            P("core.manage_people", _("Manage people")),
            P("core.view_personal_data", _("View full ID numbers and phone numbers")),
            P("core.view_accounts", _("View accounts")),
            P("core.manage_accounts", _("Manage accounts")),
            P("core.manage_roles", _("Manage roles and grant them")),
            P("core.manage_modules", _("Enable modules for regions")),
            P("core.manage_dictionaries", _("Manage dictionaries")),
            P("core.manage_notices", _("Publish notices")),
            P("core.manage_flows", _("Configure approval flows")),
            P("core.view_events", _("View events")),
            P("core.handle_events", _("Dispatch and handle events")),
            P("core.view_costs", _("View the cost ledger")),
            P("core.manage_jobs", _("Run scheduled jobs")),
            P("core.view_audit", _("Read audit logs")),
        ),
        manage_menu=(
            MenuItem(_("Approvals"), "manage:approvals", "checklist"),
            MenuItem(_("Event center"), "manage:events", "bell-ringing", "core.view_events"),
            MenuItem(
                _("System"),
                "manage:units",
                "settings",
                children=(
                    MenuItem(_("Regions"), "manage:regions", "map", "core.view_units"),
                    MenuItem(_("Units"), "manage:units", "building", "core.view_units"),
                    MenuItem(_("People"), "manage:people", "users", "core.view_people"),
                    MenuItem(_("Accounts"), "manage:accounts", "user-circle", "core.view_accounts"),
                    MenuItem(_("Roles"), "manage:roles", "shield-lock", "core.manage_roles"),
                    MenuItem(_("Modules"), "manage:modules", "apps", "core.manage_modules"),
                    MenuItem(_("Approval flows"), "manage:flows", "git-branch", "core.manage_flows"),
                    MenuItem(_("Dictionaries"), "manage:dictionaries", "book", "core.manage_dictionaries"),
                    MenuItem(_("Notices"), "manage:notices", "speakerphone", "core.manage_notices"),
                    MenuItem(_("Scheduled jobs"), "manage:jobs", "clock", "core.manage_jobs"),
                ),
            ),
            MenuItem(
                _("Audit"),
                "manage:audit_changes",
                "file-search",
                "core.view_audit",
                children=(
                    MenuItem(_("Change log"), "manage:audit_changes", "history", "core.view_audit"),
                    MenuItem(_("Login log"), "manage:audit_logins", "login", "core.view_audit"),
                    MenuItem(_("Access log"), "manage:audit_access", "eye", "core.view_audit"),
                ),
            ),
        ),
        event_types=(
            EventType("core.feedback", _("Feedback"), sla_hours=72),
            EventType("core.general", _("General matter"), sla_hours=120),
        ),
    )
)
