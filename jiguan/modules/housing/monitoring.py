"""Housing figures for the operation monitor: KPIs ``(region_code, unit_id) -> number`` over the flats kept
by the bureaus of a region (and below) or by one unit, the waiting lists of applicants there and the tenancies
of their staff (arrears, overstays, leases ending soon); and the rules "flat vacant for more than 90 days while
people wait", "tenancy ended but the flat still occupied" and "rent owed for the region's months"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from jiguan.core.models import Region
from jiguan.core.services.common import average, count_by_unit, figure_by_unit, of_place

from .models import (
    LIVE_LEASE_STATES,
    Application,
    ApplicationState,
    Charge,
    Flat,
    FlatState,
    Lease,
    LeaseState,
)

VACANT_ALERT_DAYS = 90
CENT = Decimal("0.01")


VACANT, TAKEN = (FlatState.VACANT,), (FlatState.OCCUPIED, FlatState.RESERVED)


def _in_service() -> QuerySet:
    return Flat.objects.exclude(state=FlatState.RETIRED)


def _shares(states) -> dict:
    return {"total": Count("pk"), "part": Count("pk", filter=Q(state__in=states))}


def _share(counts: dict) -> Decimal:
    if not counts["total"]:
        return Decimal("0.00")
    return (Decimal(100 * counts["part"]) / counts["total"]).quantize(CENT)


def vacancy_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Vacant flats as a percentage of the flats in service (retired ones left out)."""
    return _share(of_place(_in_service(), region_code, unit_id).aggregate(**_shares(VACANT)))


def vacancy_rate_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return figure_by_unit(_in_service(), agency_ids, _share, **_shares(VACANT))


def occupancy_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Occupied or reserved flats as a percentage of the flats in service."""
    return _share(of_place(_in_service(), region_code, unit_id).aggregate(**_shares(TAKEN)))


def occupancy_rate_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    return figure_by_unit(_in_service(), agency_ids, _share, **_shares(TAKEN))


def _waiting(region_code=None, unit_id=None) -> QuerySet:
    return of_place(Application.objects.filter(state=ApplicationState.WAITING), region_code, unit_id)


def waiting_length(region_code: str | None = None, unit_id: int | None = None) -> int:
    return _waiting(region_code, unit_id).count()


def waiting_length_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(_waiting(), agency_ids)


def _mean_days(sinces) -> Decimal:
    today = timezone.localdate()
    return average([(today - since).days for since in sinces if since])


def average_wait(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Average days since eligibility of the people waiting now."""
    return _mean_days(_waiting(region_code, unit_id).values_list("eligible_since", flat=True))


def average_wait_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    sinces = {pk: [] for pk in agency_ids}
    for unit_id, since in _waiting().filter(unit_id__in=agency_ids).values_list("unit_id", "eligible_since"):
        sinces[unit_id].append(since)
    return {pk: _mean_days(days) for pk, days in sinces.items()}


def flats_vacant_while_waiting() -> QuerySet:
    """Flats vacant more than 90 days although someone waits on the list of their bureau's region."""
    limit = timezone.localdate() - timedelta(days=VACANT_ALERT_DAYS)
    waiting_regions = Application.objects.filter(state=ApplicationState.WAITING).values("region_id")
    return (Flat.objects.filter(state=FlatState.VACANT, vacant_since__lt=limit, unit__region_id__in=waiting_regions)
            .annotate(managing_region=F("unit__region_id")).order_by("vacant_since", "pk"))


# --- Tenancies (the ledger's figures come from ``services.billing``, imported late: it needs the registry) ------

LEASE_ENDING_SOON_DAYS = 60


def arrears(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Yuan unpaid after the due day on the tenancies of the region's (or the unit's) staff."""
    from .services.billing import past_due_unpaid

    leases = of_place(Lease.objects.all(), region_code, unit_id)
    return Charge.objects.filter(lease__in=leases).aggregate(total=past_due_unpaid())["total"].quantize(CENT)


def arrears_per_agency(agency_ids: list[int]) -> dict[int, Decimal]:
    from .services.billing import past_due_unpaid

    return figure_by_unit(Charge.objects.all(), agency_ids, lambda row: row["total"].quantize(CENT),
                          unit="lease__unit", total=past_due_unpaid())


def _overstaying() -> QuerySet:
    return Lease.objects.filter(state=LeaseState.OVERSTAY)


def overdue_occupancies(region_code: str | None = None, unit_id: int | None = None) -> int:
    """Tenants still in a flat after their move-out period (overstaying)."""
    return of_place(_overstaying(), region_code, unit_id).count()


def overdue_occupancies_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(_overstaying(), agency_ids)


def _ending_soon() -> QuerySet:
    today = timezone.localdate()
    return Lease.objects.filter(state=LeaseState.ACTIVE, ends_on__gte=today,
                                ends_on__lte=today + timedelta(days=LEASE_ENDING_SOON_DAYS))


def leases_ending_soon(region_code: str | None = None, unit_id: int | None = None) -> int:
    """Tenancies in residence whose term ends within 60 days."""
    return of_place(_ending_soon(), region_code, unit_id).count()


def leases_ending_soon_per_agency(agency_ids: list[int]) -> dict[int, int]:
    return count_by_unit(_ending_soon(), agency_ids)


def leases_ended_still_occupied() -> QuerySet:
    """Tenancies overstaying, or ended and past the move-out day without the overstay recorded yet."""
    today = timezone.localdate()
    return (Lease.objects.filter(Q(state=LeaseState.OVERSTAY) | Q(state=LeaseState.ENDING, move_out_by__lt=today))
            .order_by("move_out_by", "pk"))


def arrears_six_months() -> QuerySet:
    """Tenancies owing past-due rent of at least the region's months (default 6): the ground for ending them.
    The threshold of each bureau's region is put into the query, so one GROUP BY finds them all."""
    from .services.billing import with_balances
    from .services.tenancy import rules_for

    live = Lease.objects.filter(state__in=LIVE_LEASE_STATES)
    regions = Region.objects.filter(code__in=live.values("flat__unit__region_id"))
    months = Case(*(When(flat__unit__region_id=region.code, then=Value(rules_for(region).arrears_months_to_end))
                    for region in regions), default=Value(0), output_field=IntegerField())
    leases = with_balances(live.filter(monthly_rent__gt=0))
    return (leases.annotate(months_to_end=months)
            .filter(months_to_end__gt=0, rent_owed__gte=F("monthly_rent") * F("months_to_end"))
            .order_by("pk"))

