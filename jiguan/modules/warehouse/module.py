"""公物仓 in the registry: permissions, menus, KPIs, rules, datasets, role grants."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import KPI, Dataset, EventType, MenuItem, ModuleSpec, Permission, Rule, registry

from . import monitoring

VIEW = "warehouse.view"
OFFER = "warehouse.offer"
APPROVE = "warehouse.approve"
KEEP = "warehouse.keep"
CLASSIFIED = "warehouse.classified"
BID = "warehouse.bid"

SPEC = registry.register(
    ModuleSpec(
        code="warehouse",
        name=_("Public property pool"),
        description=_("Surplus public property: intake into the pool, the catalogue, reuse by other units, "
                      "search before you buy, loans, repairs and disposal by public bidding or scrapping."),
        icon="building-warehouse",
        permissions=(
            Permission(VIEW, _("View the pool and its catalogue")),
            Permission(OFFER, _("Offer the unit's items to the pool, request pool items and record purchase "
                                "checks")),
            Permission(APPROVE, _("Approve intake and reuse requests of the pool")),
            Permission(KEEP, _("Keep the warehouses: locations, receiving and handing over")),
            Permission(CLASSIFIED, _("See and handle classified (涉密) assets")),
            Permission(BID, _("Register as a bidder and bid in the pool's public bidding"), service_only=True),
        ),
        datasets=(
            Dataset("warehouse.categories", _("Asset categories (GB/T 14885-2022)"), "warehouse.AssetCategory"),
            Dataset("warehouse.assets", _("Pool asset cards"), "warehouse.Asset"),
            Dataset("warehouse.intake_requests", _("Pool intake requests"), "warehouse.IntakeRequest"),
            Dataset("warehouse.reuse_requests", _("Pool reuse requests"), "warehouse.ReuseRequest"),
            Dataset("warehouse.disposal_lots", _("Pool disposal lots"), "warehouse.DisposalLot"),
            Dataset("warehouse.loans", _("Pool loans"), "warehouse.Loan"),
            Dataset("warehouse.repairs", _("Pool repairs"), "warehouse.Repair"),
            Dataset("warehouse.idle_assets", _("Idle assets of units"), "warehouse.IdleAsset"),
        ),
        kpis=(
            KPI("warehouse.items_in_pool", _("Items in the pool"), _("items"), monitoring.items_in_pool,
                monitoring.items_in_pool_per_agency),
            KPI("warehouse.value_reused", _("Original value reused this year (savings)"), _("yuan"),
                monitoring.value_reused, monitoring.value_reused_per_agency),
            KPI("warehouse.items_reused", _("Items reused this year"), _("items"), monitoring.items_reused,
                monitoring.items_reused_per_agency),
            KPI("warehouse.pool_fill_rate", _("Storage locations in use"), "%", monitoring.pool_fill_rate,
                monitoring.pool_fill_rate_per_agency),
            KPI("warehouse.turnover_days", _("Average days from intake to reuse"), _("days"),
                monitoring.turnover_days, monitoring.turnover_days_per_agency),
            KPI("warehouse.disposal_income", _("Disposal income this year"), _("yuan"), monitoring.disposal_income,
                monitoring.disposal_income_per_agency),
            KPI("warehouse.items_on_loan", _("Items on loan"), _("items"), monitoring.items_on_loan,
                monitoring.items_on_loan_per_agency),
            KPI("warehouse.loans_overdue", _("Loans overdue"), _("items"), monitoring.loans_overdue,
                monitoring.loans_overdue_per_agency),
        ),
        rules=(
            Rule("warehouse.long_in_pool", _("Item in the pool for more than 12 months"), monitoring.long_in_pool),
            Rule("warehouse.loan_overdue", _("Borrowed item not returned by its due date"), monitoring.loan_overdue,
                 work_items=("warehouse.loan_overdue",)),
            Rule("warehouse.lot_no_bids", _("Disposal lot with no bids"), monitoring.lot_no_bids),
            Rule("warehouse.buying_held_category", _("Unit buying a category the pool holds"),
                 monitoring.buying_held_category),
            Rule("warehouse.idle_not_offered", _("Asset idle for 6 months not offered to the pool"),
                 monitoring.declared_idle_not_offered),
        ),
        event_types=(
            EventType("warehouse.loan_overdue", _("Pool item not returned by its due date"), sla_hours=72),
        ),
        # Each workflow adds its pages to the group.
        manage_menu=(
            MenuItem(
                _("Public property pool"), "manage:warehouse:intake_requests", "building-warehouse", VIEW,
                children=(
                    MenuItem(_("Intake requests"), "manage:warehouse:intake_requests", "package-import", VIEW),
                    MenuItem(_("Warehouses"), "manage:warehouse:warehouses", "building-warehouse", KEEP),
                    MenuItem(_("Pool catalogue"), "manage:warehouse:catalogue", "list-search", VIEW),
                    MenuItem(_("Reuse requests"), "manage:warehouse:reuse_requests", "arrows-exchange", VIEW),
                    MenuItem(_("Loans"), "manage:warehouse:loans", "calendar-time", VIEW),
                    MenuItem(_("Repairs"), "manage:warehouse:repairs", "tool", KEEP),
                    MenuItem(_("Disposal and bidding"), "manage:warehouse:lots", "gavel", VIEW),
                    MenuItem(_("Bidders"), "manage:warehouse:bidders", "users", APPROVE),
                    MenuItem(_("Search before you buy"), "manage:warehouse:purchase_check", "shopping-cart-search",
                             OFFER),
                    MenuItem(_("Purchase checks"), "manage:warehouse:purchase_checks", "report-search", VIEW),
                    MenuItem(_("Pool savings dashboard"), "manage:warehouse:dashboard", "chart-bar", VIEW),
                    MenuItem(_("Idle assets"), "manage:warehouse:idle_assets", "zzz", VIEW),
                ),
            ),
        ),
        service_menu=(
            MenuItem(_("Public property pool"), "service:warehouse:home", "building-warehouse", VIEW),
            MenuItem(_("Public bidding"), "service:warehouse:bidding", "gavel", BID),
        ),
        manage_urls="jiguan.modules.warehouse.urls_manage",
        service_urls="jiguan.modules.warehouse.urls_service",
        api_router="jiguan.modules.warehouse.api.router",
        demo_seeder="jiguan.modules.warehouse.demo.seed_demo",
        role_grants={
            # BID so that bureau administrators may confer the unit administrator role; the bureau running a
            # pool is refused as a bidder in it by the bidding service.
            "region_bureau_admin": (VIEW, OFFER, APPROVE, KEEP, BID),
            "unit_admin": (VIEW, OFFER, BID),
        },
    )
)
