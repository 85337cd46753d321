"""综合运行监测中心 in the registry: a kernel part (always on), with its permissions, menus and event types."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import ModuleSpec, Permission, registry

VIEW = "monitor.view"  # dashboards, KPIs and alerts in one's scope
MANAGE = "monitor.manage"  # rule thresholds, routing, silences, recomputing, display tokens
PLATFORM = "monitor.platform"  # the platform's own health (database, worker, disk, requests)
SECURITY = "monitor.security"  # the security watch (failed logins, lockouts, mass access to personal data)

SPEC = registry.register(
    ModuleSpec(
        code="monitor",
        name=_("Operation monitoring center"),
        description=_("KPIs over time, warnings carried to their resolution, the big screen, the cost ledger, "
                      "platform health and security watch."),
        icon="activity-heartbeat",
        core=True,
        permissions=(
            Permission(VIEW, _("View monitoring dashboards, KPIs and alerts")),
            Permission(MANAGE, _("Manage alert rules, routing, silences and display tokens")),
            Permission(PLATFORM, _("Watch the platform's health")),
            Permission(SECURITY, _("Watch security: failed logins, lockouts, unusual access")),
        ),
        manage_menu=(),
        event_types=(),
        manage_urls="jiguan.monitor.urls_manage",
        api_router="jiguan.monitor.api.router",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE),
            "unit_admin": (VIEW,),
            "system_admin": (PLATFORM,),
            "security_admin": (SECURITY,),
        },
    )
)
