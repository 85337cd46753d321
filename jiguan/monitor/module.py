"""综合运行监测中心 in the registry: a kernel part (always on), with its permissions, menus and event types."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import EventType, MenuItem, ModuleSpec, Permission, registry

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
        manage_menu=(
            MenuItem(
                _("Operation monitoring"), "manage:monitor:home", "activity-heartbeat",
                children=(
                    MenuItem(_("Monitoring overview"), "manage:monitor:home", "dashboard", VIEW),
                    MenuItem(_("Alerts"), "manage:monitor:alerts", "alert-triangle", VIEW),
                    MenuItem(_("Alert rules"), "manage:monitor:alert_rules", "adjustments-alt", VIEW),
                    MenuItem(_("Silences"), "manage:monitor:silences", "bell-off", VIEW),
                    MenuItem(_("Cost ledger"), "manage:monitor:costs", "report-money", VIEW),
                    MenuItem(_("Big screen"), "screen:home", "device-desktop", VIEW),
                    MenuItem(_("Display tokens"), "manage:monitor:display_tokens", "key", MANAGE),
                    MenuItem(_("Platform health"), "manage:monitor:health", "heart-rate-monitor", PLATFORM),
                    MenuItem(_("Security watch"), "manage:monitor:security", "shield-lock", SECURITY),
                ),
            ),
        ),
        event_types=(
            EventType("monitor.alert", _("Monitoring alert"), sla_hours=72),
        ),
        manage_urls="jiguan.monitor.urls_manage",
        api_router="jiguan.monitor.api.router",
        demo_seeder="jiguan.monitor.demo.seed_demo",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE),
            "unit_admin": (VIEW,),
            "system_admin": (PLATFORM,),
            "security_admin": (SECURITY,),
        },
    )
)
