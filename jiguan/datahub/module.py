"""数据治理中心 in the registry: a kernel part (always on), with its permissions, menus and event types."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import ModuleSpec, Permission, registry

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
        manage_menu=(),
        event_types=(),
        manage_urls="jiguan.datahub.urls_manage",
        api_router="jiguan.datahub.api.router",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE, SUBMIT, REVIEW),
            "unit_admin": (VIEW, SUBMIT),
        },
    )
)
