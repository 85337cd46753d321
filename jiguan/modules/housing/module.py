"""省直周转住房管理 in the registry: permissions, menus, event types, KPIs, rules, datasets, role grants."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import KPI, Dataset, EventType, MenuItem, ModuleSpec, Permission, Rule, registry

from . import monitoring

VIEW = "housing.view"
MANAGE_STOCK = "housing.manage_stock"
CONFIRM = "housing.confirm"
REVIEW = "housing.review"
LEASES = "housing.manage_leases"
BILLING = "housing.billing"

SPEC = registry.register(
    ModuleSpec(
        code="housing",
        name=_("Staff housing"),
        description=_("Turnover flats for staff: the stock, applications, the waiting list, offers, leases, "
                      "rent and the annual review."),
        icon="home",
        permissions=(
            Permission(VIEW, _("View staff housing and applications")),
            Permission(MANAGE_STOCK, _("Keep the housing stock: estates, buildings, flats and meters")),
            Permission(CONFIRM, _("Confirm the unit's housing applications")),
            Permission(REVIEW, _("Review eligibility, keep the waiting list and offer flats")),
            Permission(LEASES, _("Sign, renew and end leases; inspect flats at check-in and check-out; "
                                 "run the annual review")),
            Permission(BILLING, _("Read meters, bill rent and utilities, record payments and follow arrears")),
        ),
        event_types=(
            EventType("housing.repair", _("Problem with a staff flat"), sla_hours=72),
            EventType("housing.move_out_due", _("Tenancy ended: tenant to move out")),
            EventType("housing.overstay", _("Staff flat occupied after the move-out deadline"), sla_hours=240),
        ),
        manage_menu=(
            MenuItem(
                _("Staff housing"), "manage:housing:flats", "home", VIEW,
                children=(
                    MenuItem(_("Flats"), "manage:housing:flats", "door", VIEW),
                    MenuItem(_("Estates"), "manage:housing:estates", "building-estate", VIEW),
                    MenuItem(_("Housing applications"), "manage:housing:applications", "file-plus", VIEW),
                    MenuItem(_("Waiting list"), "manage:housing:waiting", "list-numbers", REVIEW),
                    MenuItem(_("Offers"), "manage:housing:offers", "key", REVIEW),
                    MenuItem(_("Leases"), "manage:housing:leases", "file-certificate", VIEW),
                    MenuItem(_("Annual reviews"), "manage:housing:reviews", "clipboard-check", LEASES),
                    MenuItem(_("Overdue occupancy"), "manage:housing:overstays", "clock-exclamation", VIEW),
                    MenuItem(_("Billing and arrears"), "manage:housing:billing", "receipt", VIEW),
                    MenuItem(_("Housing dashboard"), "manage:housing:dashboard", "chart-line", VIEW),
                    MenuItem(_("Waiting-list criteria"), "manage:housing:criteria", "adjustments", REVIEW),
                ),
            ),
        ),
        service_menu=(
            MenuItem(_("Apply for a staff flat"), "service:housing:home", "home"),
            MenuItem(_("My lease"), "service:housing:leases", "file-certificate"),
            MenuItem(_("My bills"), "service:housing:bills", "receipt"),
        ),
        kpis=(
            KPI("housing.vacancy_rate", _("Flats vacant"), "%", monitoring.vacancy_rate,
                monitoring.vacancy_rate_per_agency),
            KPI("housing.occupancy_rate", _("Flats occupied or reserved"), "%", monitoring.occupancy_rate,
                monitoring.occupancy_rate_per_agency),
            KPI("housing.waiting_length", _("People on the waiting list"), _("people"), monitoring.waiting_length,
                monitoring.waiting_length_per_agency),
            KPI("housing.average_wait", _("Average wait on the list"), _("days"), monitoring.average_wait,
                monitoring.average_wait_per_agency),
            KPI("housing.arrears", _("Rent and utilities in arrears"), _("yuan"), monitoring.arrears,
                monitoring.arrears_per_agency),
            KPI("housing.overdue_occupancies", _("Flats occupied after the move-out deadline"), _("flats"),
                monitoring.overdue_occupancies, monitoring.overdue_occupancies_per_agency),
            KPI("housing.leases_ending_soon", _("Leases ending within 60 days"), _("leases"),
                monitoring.leases_ending_soon, monitoring.leases_ending_soon_per_agency),
        ),
        rules=(
            Rule("housing.flat_vacant_while_waiting", _("Flat vacant over 90 days while people wait"),
                 monitoring.flats_vacant_while_waiting),
            Rule("housing.lease_ended_still_occupied", _("Tenancy ended but the flat is still occupied"),
                 monitoring.leases_ended_still_occupied, work_items=("housing.move_out_due", "housing.overstay")),
            Rule("housing.arrears_six_months", _("Rent owed for the months that end a tenancy"),
                 monitoring.arrears_six_months),
        ),
        # Applications and offers name people: personal data in the catalog.
        datasets=(
            Dataset("housing.estates", _("Housing estates"), "housing.Estate"),
            Dataset("housing.flats", _("Staff flats"), "housing.Flat"),
            Dataset("housing.applications", _("Housing applications"), "housing.Application", sensitivity="personal"),
            Dataset("housing.offers", _("Flat offers"), "housing.Offer", sensitivity="personal"),
            Dataset("housing.charges", _("Tenancy charges"), "housing.Charge", sensitivity="personal"),
            Dataset("housing.payments", _("Tenancy payments"), "housing.Payment", sensitivity="personal"),
        ),
        manage_urls="jiguan.modules.housing.urls_manage",
        service_urls="jiguan.modules.housing.urls_service",
        api_router="jiguan.modules.housing.api.router",
        demo_seeder="jiguan.modules.housing.demo.seed_demo",
        own_requests="jiguan.modules.housing.services.applications.own_requests",
        role_grants={
            "region_bureau_admin": (VIEW, MANAGE_STOCK, REVIEW, CONFIRM, LEASES, BILLING),
            "unit_admin": (VIEW, CONFIRM),
        },
    )
)
