"""全省办公用房管理 in the registry: permissions, menus, event types, what built-in roles get."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import (
    KPI,
    ApprovalType,
    Dataset,
    EventType,
    MenuItem,
    ModuleSpec,
    Permission,
    Rule,
    registry,
)

from . import monitoring

VIEW = "officespace.view"
MANAGE = "officespace.manage"
SUPERVISE = "officespace.supervise"
EDIT_STANDARDS = "officespace.edit_standards"


def _application_hook(name: str):
    """An approval outcome of a space application, handled by its service (imported late: it imports this)."""
    def hook(request) -> None:
        from .services import applications

        getattr(applications, name)(request)

    return hook

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
                    MenuItem(_("Inventory campaigns"), "manage:officespace:campaigns", "clipboard-check", VIEW),
                    MenuItem(_("Space applications"), "manage:officespace:applications", "file-plus", VIEW),
                    MenuItem(_("Office adjustment requests"), "manage:officespace:adjustments", "arrows-exchange",
                             MANAGE),
                    MenuItem(_("Major repairs"), "manage:officespace:repairs", "tool", VIEW),
                    MenuItem(_("Statistics report"), "manage:officespace:reports", "report-analytics", SUPERVISE),
                ),
            ),
        ),
        service_menu=(
            MenuItem(_("My office"), "service:officespace:my_office", "building-community"),
            MenuItem(_("Apply for an office adjustment"), "service:officespace:adjustments", "arrows-exchange"),
            MenuItem(_("Report a repair"), "service:officespace:repair_reports", "tool"),
        ),
        event_types=(
            EventType("officespace.recovery_overdue", _("Office space recovery overdue"), sla_hours=240),
            EventType("officespace.violation", _("Office space used against the rules"), sla_hours=120),
            EventType("officespace.campaign_unfinished", _("Inventory campaign not finished by the unit"),
                      sla_hours=720),
        ),
        # The tables the data catalog lists; occupants name people, so that one is personal data.
        datasets=(
            Dataset("officespace.buildings", _("Office buildings"), "officespace.Building"),
            Dataset("officespace.rooms", _("Office rooms"), "officespace.Room"),
            Dataset("officespace.occupancies", _("Office occupants"), "officespace.Occupancy", sensitivity="personal"),
            Dataset("officespace.ownerships", _("Ownership registrations"), "officespace.Ownership"),
            Dataset("officespace.allocation_documents", _("Allocation documents"), "officespace.AllocationDocument"),
            Dataset("officespace.space_applications", _("Space applications"), "officespace.SpaceApplication"),
            Dataset("officespace.repair_requests", _("Major repairs"), "officespace.RepairRequest"),
            Dataset("officespace.statistics_reports", _("Statistics report"), "officespace.StatisticsReport"),
        ),
        approval_types=(
            ApprovalType("officespace.space_application", _("Office space application"),
                         on_approved=_application_hook("on_approved"), on_rejected=_application_hook("on_rejected"),
                         on_returned=_application_hook("on_returned"),
                         on_resubmitted=_application_hook("on_resubmitted"),
                         on_withdrawn=_application_hook("on_withdrawn")),
        ),
        kpis=(
            KPI("officespace.area_by_category", _("Usable area by room category"), "㎡", monitoring.area_by_category,
                monitoring.area_by_category_per_agency),
            KPI("officespace.office_per_capita", _("Office area per person in post"), "㎡",
                monitoring.office_area_per_capita, monitoring.office_area_per_capita_per_agency),
            KPI("officespace.over_standard_count", _("Offices over standard"), _("rooms"),
                monitoring.over_standard_count, monitoring.over_standard_count_per_agency),
            KPI("officespace.over_standard_area", _("Office area over standard"), "㎡", monitoring.over_standard_area,
                monitoring.over_standard_area_per_agency),
            KPI("officespace.idle_area", _("Idle area"), "㎡", monitoring.idle_area, monitoring.idle_area_per_agency),
            KPI("officespace.idle_rate", _("Idle rate"), "%", monitoring.idle_rate, monitoring.idle_rate_per_agency),
            KPI("officespace.overdue_recoveries", _("Overdue recoveries"), _("offices"),
                monitoring.overdue_recoveries, monitoring.overdue_recoveries_per_agency),
        ),
        rules=(
            Rule("officespace.room_over_standard", _("Office over the area standard"), monitoring.rooms_over_standard),
            Rule("officespace.recovery_overdue", _("Office not recovered in time"), monitoring.recoveries_overdue,
                 work_items=("officespace.recovery_overdue",)),
            Rule("officespace.room_idle_6_months", _("Room idle for six months or more"), monitoring.rooms_idle_long),
        ),
        manage_urls="jiguan.modules.officespace.urls_manage",
        service_urls="jiguan.modules.officespace.urls_service",
        api_router="jiguan.modules.officespace.api.router",
        demo_seeder="jiguan.modules.officespace.demo.seed_demo",
        own_requests="jiguan.modules.officespace.services.applications.own_requests",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE, SUPERVISE, EDIT_STANDARDS),
            "unit_admin": (VIEW, MANAGE),
        },
    )
)
