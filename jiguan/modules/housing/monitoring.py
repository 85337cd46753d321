"""Housing figures for the operation monitor: KPIs ``(region_code, unit_id) -> number`` over the flats kept
by the bureaus of a region (and below) or by one unit, and the waiting lists of applicants there; and the
rule "flat vacant for more than 90 days while people wait"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from jiguan.core.models.org import region_key

from .models import Application, ApplicationState, Flat, FlatState

VACANT_ALERT_DAYS = 90
CENT = Decimal("0.01")


def _narrowed(queryset: QuerySet, region_code: str | None, unit_id: int | None) -> QuerySet:
    if region_code:
        queryset = queryset.filter(org_path__under=region_key(region_code))
    if unit_id:
        queryset = queryset.filter(unit_id=unit_id)
    return queryset


def _share(region_code, unit_id, states) -> Decimal:
    flats = _narrowed(Flat.objects.exclude(state=FlatState.RETIRED), region_code, unit_id)
    counts = flats.aggregate(total=Count("pk"), part=Count("pk", filter=Q(state__in=states)))
    if not counts["total"]:
        return Decimal("0.00")
    return (Decimal(100 * counts["part"]) / counts["total"]).quantize(CENT)


def vacancy_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Vacant flats as a percentage of the flats in service (retired ones left out)."""
    return _share(region_code, unit_id, (FlatState.VACANT,))


def occupancy_rate(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Occupied or reserved flats as a percentage of the flats in service."""
    return _share(region_code, unit_id, (FlatState.OCCUPIED, FlatState.RESERVED))


def _waiting(region_code, unit_id) -> QuerySet:
    return _narrowed(Application.objects.filter(state=ApplicationState.WAITING), region_code, unit_id)


def waiting_length(region_code: str | None = None, unit_id: int | None = None) -> int:
    return _waiting(region_code, unit_id).count()


def average_wait(region_code: str | None = None, unit_id: int | None = None) -> Decimal:
    """Average days since eligibility of the people waiting now."""
    today = timezone.localdate()
    days = [(today - since).days for since in _waiting(region_code, unit_id).values_list("eligible_since", flat=True)
            if since]
    return (Decimal(sum(days)) / len(days)).quantize(CENT) if days else Decimal("0.00")


def flats_vacant_while_waiting() -> QuerySet:
    """Flats vacant more than 90 days although someone waits on the list of their bureau's region."""
    limit = timezone.localdate() - timedelta(days=VACANT_ALERT_DAYS)
    waiting_regions = Application.objects.filter(state=ApplicationState.WAITING).values("region_id")
    return (Flat.objects.filter(state=FlatState.VACANT, vacant_since__lt=limit, unit__region_id__in=waiting_regions)
            .annotate(managing_region=F("unit__region_id")).order_by("vacant_since", "pk"))

