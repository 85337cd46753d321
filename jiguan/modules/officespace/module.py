"""全省办公用房管理 in the registry: permissions, menus, event types, what built-in roles get."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import KPI, EventType, MenuItem, ModuleSpec, Permission, Rule, registry

from . import monitoring

VIEW = "officespace.view"
MANAGE = "officespace.manage"
SUPERVISE = "officespace.supervise"
EDIT_STANDARDS = "officespace.edit_standards"

SPEC = registry.register(
    ModuleSpec(
        code="officespace",
        name=_("Office space"),
        description=_("Ledger of compounds, buildings and rooms; area standards; over-standard and idle space; recoveries."),
        icon="building-community",
        permissions=(
            Permission(VIEW, _("View the office-space ledger")),
            Permission(MANAGE, _("Keep the unit's office-space ledger and occupants")),
            Permission(SUPERVISE, _("Supervise office space: recoveries, violations, the bureau's ledger")),
            Permission(EDIT_STANDARDS, _("Set the province's own area standards")),
        ),
        manage_menu=(
            MenuItem(
                _("Office space"), "manage:officespace:ledger", "building-community", VIEW,
                children=(
                    MenuItem(_("Ledger"), "manage:officespace:ledger", "building", VIEW),
                    MenuItem(_("Over standard"), "manage:officespace:over_standard", "alert-triangle", VIEW),
                    MenuItem(_("Idle rooms"), "manage:officespace:idle", "door", VIEW),
                    MenuItem(_("Recoveries"), "manage:officespace:recoveries", "arrow-back-up", VIEW),
                    MenuItem(_("Allocation documents"), "manage:officespace:allocation_documents", "file-certificate",
                             SUPERVISE),
                    MenuItem(_("Area standards"), "manage:officespace:standards", "ruler-measure", VIEW),
                ),
            ),
        ),
        service_menu=(MenuItem(_("My office"), "service:officespace:my_office", "building-community"),),
        event_types=(
            EventType("officespace.recovery_overdue", _("Office space recovery overdue"), sla_hours=240),
            EventType("officespace.violation", _("Office space used against the rules"), sla_hours=120),
        ),
        approval_types=(),
        kpis=(
            KPI("officespace.area_by_category", _("Usable area by room category"), "㎡", monitoring.area_by_category),
            KPI("officespace.office_per_capita", _("Office area per person in post"), "㎡",
                monitoring.office_area_per_capita),
            KPI("officespace.over_standard_count", _("Offices over standard"), _("rooms"),
                monitoring.over_standard_count),
            KPI("officespace.over_standard_area", _("Office area over standard"), "㎡", monitoring.over_standard_area),
            KPI("officespace.idle_area", _("Idle area"), "㎡", monitoring.idle_area),
            KPI("officespace.idle_rate", _("Idle rate"), "%", monitoring.idle_rate),
            KPI("officespace.overdue_recoveries", _("Overdue recoveries"), _("offices"),
                monitoring.overdue_recoveries),
        ),
        rules=(
            Rule("officespace.room_over_standard", _("Office over the area standard"), monitoring.rooms_over_standard),
            Rule("officespace.recovery_overdue", _("Office not recovered in time"), monitoring.recoveries_overdue),
            Rule("officespace.room_idle_6_months", _("Room idle for six months or more"), monitoring.rooms_idle_long),
        ),
        manage_urls="jiguan.modules.officespace.urls_manage",
        service_urls="jiguan.modules.officespace.urls_service",
        api_router="jiguan.modules.officespace.api.router",
        demo_seeder="jiguan.modules.officespace.demo.seed_demo",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE, SUPERVISE, EDIT_STANDARDS),
            "unit_admin": (VIEW, MANAGE),
        },
    )
)
