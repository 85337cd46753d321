"""数据治理中心 in the registry: a kernel part (always on), with its permissions, menus and event types."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import EventType, MenuItem, ModuleSpec, Permission, registry

VIEW = "datahub.view"  # browse the catalog and query published data in one's scope
MANAGE = "datahub.manage"  # sources, datasets, rules, runs, data elements
SUBMIT = "datahub.submit"  # submit data and reports for one's unit
REVIEW = "datahub.review"  # review reporting submissions, handle quality issues

SPEC = registry.register(
    ModuleSpec(
        code="datahub",
        name=_("Data governance center"),
        description=_("Sources, catalog and lineage; ingestion with validation; one source per fact; quality; "
                      "reporting up the levels."),
        icon="database",
        core=True,
        permissions=(
            Permission(VIEW, _("View the data catalog and published data")),
            Permission(MANAGE, _("Manage data sources, datasets and ingestion")),
            Permission(SUBMIT, _("Submit data and reports for one's unit")),
            Permission(REVIEW, _("Review reported data and handle quality issues")),
        ),
        manage_menu=(
            MenuItem(
                _("Data center"), "manage:datahub:catalog", "database", VIEW,
                children=(
                    MenuItem(_("Catalog"), "manage:datahub:catalog", "books", VIEW),
                    MenuItem(_("Data sources"), "manage:datahub:sources", "plug-connected", MANAGE),
                    MenuItem(_("Ingestion runs"), "manage:datahub:runs", "transfer-in", SUBMIT),
                    MenuItem(_("Lineage"), "manage:datahub:lineage", "hierarchy-2", VIEW),
                    MenuItem(_("Data quality"), "manage:datahub:quality_overview", "chart-line", VIEW),
                    MenuItem(_("Data elements"), "manage:datahub:elements", "key", VIEW),
                    MenuItem(_("Discrepancies"), "manage:datahub:discrepancies", "arrows-diff", VIEW),
                    MenuItem(_("Quality issues"), "manage:datahub:quality_issues", "alert-octagon", VIEW),
                    MenuItem(_("Reporting tasks"), "manage:datahub:reporting_tasks", "report-analytics", VIEW),
                    MenuItem(_("Reporting packages"), "manage:datahub:reporting_packages", "package", MANAGE),
                ),
            ),
        ),
        event_types=(
            EventType("datahub.quality_issue", _("Data quality issue"), sla_hours=120),
            EventType("datahub.report_late", _("Reporting submission late"), sla_hours=72),
        ),
        manage_urls="jiguan.datahub.urls_manage",
        api_router="jiguan.datahub.api.router",
        demo_seeder="jiguan.datahub.demo.seed_demo",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE, SUBMIT, REVIEW),
            "unit_admin": (VIEW, SUBMIT),
        },
    )
)
