"""KPI snapshots: every registered KPI computed per region and per agency (``compute_all``, run hourly by
the ``monitor.kpis`` job), thinned out with age (``tidy``), and read back within the user's scope: the
newest value of each KPI for a place, its trend, and the values of the places one level down."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import audit
from jiguan.core.jobs import registered_jobs
from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.org import Level, UnitKind
from jiguan.core.registry import KPI, registry
from jiguan.core.scoping import Scope, grants_for, path_in_scope, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import NATIONAL_CODE, region_chain
from jiguan.core.tasks import run_job_now

from ..models import KpiSnapshot
from ..module import MANAGE, VIEW

logger = logging.getLogger(__name__)

JOB = "monitor.kpis"
HOURLY_DAYS = 30  # hourly snapshots are kept this long, then one a day
PRECISION = Decimal("0.0001")  # the snapshot column's four decimal places
BATCH = 2000


@dataclass(frozen=True)
class Place:
    """Where a snapshot belongs: a region (and below) or one agency."""

    region: Region
    unit: OrgUnit | None = None

    @property
    def path(self) -> str:
        return self.unit.org_path if self.unit else f"{self.region.key}/"

    @property
    def name(self) -> str:
        return self.unit.name if self.unit else self.region.name

    def snapshots(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(org_path=self.path)


def all_kpis() -> dict[str, KPI]:
    return {kpi.code: kpi for spec in registry for kpi in spec.kpis}


# --- Computing ---------------------------------------------------------------------------------------


def compute_all(now: datetime | None = None) -> int:
    """One pass: every KPI for each region below the national level that has agencies and for each agency,
    stamped with one ``taken_at`` and bulk-inserted. A KPI failing for one place is logged and skipped.
    Returns how many snapshots were stored."""
    taken_at = now or timezone.now()
    places = _regions_with_agencies() + _agencies()
    rows = [_snapshot(kpi, place, result, taken_at) for kpi in all_kpis().values()
            for place, result in _results(kpi, places)]
    with transaction.atomic():
        KpiSnapshot.objects.bulk_create(rows, batch_size=BATCH)
        audit.log_bulk(KpiSnapshot, f"KPI snapshots taken at {taken_at:%Y-%m-%d %H:%M}", len(rows))
    return len(rows)


def _regions_with_agencies() -> list[Place]:
    used = OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True).values_list("region_id", flat=True).distinct()
    codes = {code for region in used for code in region_chain(region)} - {NATIONAL_CODE}
    regions = Region.objects.filter(code__in=codes).exclude(level=Level.NATIONAL).order_by("code")
    return [Place(region) for region in regions]


def _agencies() -> list[Place]:
    units = OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True).select_related("region").order_by("org_path")
    return [Place(unit.region, unit) for unit in units]


def _results(kpi: KPI, places: list[Place]) -> Iterator[tuple[Place, object]]:
    """Each place with the KPI's result for it; the agencies in one call when the KPI offers it. A place whose
    computation fails is logged and left out: one broken KPI or place must not cost the whole pass."""
    batch = _per_agency(kpi, [place.unit.pk for place in places if place.unit])
    for place in places:
        if place.unit is not None and place.unit.pk in batch:
            yield place, batch[place.unit.pk]
            continue
        # An agency's rows all lie in its region: passing the region lets the KPI's query use the org-path
        # index instead of scanning the province (40× faster on the province bench).
        try:
            result = kpi.compute(place.region.code, place.unit.pk if place.unit else None)
        except Exception:
            logger.exception("KPI %s failed for %s", kpi.code, place.path)
            continue
        yield place, result


def _per_agency(kpi: KPI, agency_ids: list[int]) -> dict:
    """The KPI's values for the agencies at once, or {} (without that form, or when it fails: the agencies
    are then computed one by one)."""
    if kpi.per_agency is None or not agency_ids:
        return {}
    try:
        return kpi.per_agency(agency_ids)
    except Exception:
        logger.exception("KPI %s failed for the agencies at once; computing them one by one", kpi.code)
        return {}


def _snapshot(kpi: KPI, place: Place, result, taken_at: datetime) -> KpiSnapshot:
    value, parts = _stored(result)
    return KpiSnapshot(kpi=kpi.code, region=place.region, unit=place.unit, org_path=place.path,
                       taken_at=taken_at, value=value, parts=parts)


def _stored(result) -> tuple[Decimal | None, dict | None]:
    """A number as the value; a breakdown as ``parts`` with its sum as the value."""
    if isinstance(result, Mapping):
        parts = {str(key): float(part or 0) for key, part in result.items()}
        return _decimal(sum(Decimal(str(part or 0)) for part in result.values())), parts
    return (None if result is None else _decimal(result)), None


def _decimal(number) -> Decimal:
    return Decimal(str(number)).quantize(PRECISION)


def tidy(now: datetime | None = None) -> int:
    """Retention: past ``HOURLY_DAYS`` keep only each day's last pass. Returns how many rows went."""
    cutoff = (now or timezone.now()) - timedelta(days=HOURLY_DAYS)
    old = KpiSnapshot.objects.filter(taken_at__lt=cutoff)
    last_of_day: dict = {}
    for taken_at in old.values_list("taken_at", flat=True).distinct().order_by("taken_at"):
        last_of_day[timezone.localdate(taken_at)] = taken_at
    with transaction.atomic():
        deleted, _ = old.exclude(taken_at__in=list(last_of_day.values())).delete()
        if deleted:
            audit.log_bulk(KpiSnapshot, "KPI snapshots thinned to one a day", deleted)
    return deleted


def recompute(user) -> str:
    """Queue a pass now for the worker (a MANAGE holder's button), audited as a job started by hand."""
    require(user, MANAGE)
    audit.log_job_started(JOB, str(registered_jobs()[JOB].label))
    run_job_now.enqueue(JOB, user.pk)
    return JOB


# --- Places in scope ---------------------------------------------------------------------------------


def home_place(user) -> Place:
    """The widest place the user's VIEW reaches: their broadest region, the province for an
    all-data grant, else their unit."""
    require(user, VIEW)
    grants = grants_for(user, VIEW)
    if any(g.scope == Scope.ALL for g in grants):
        region = Region.objects.filter(level=Level.PROVINCE, units__isnull=False).order_by("code").first()
        region = region or Region.objects.filter(level=Level.PROVINCE).order_by("code").first()
        return Place(region)
    keys = sorted({g.region_key for g in grants if g.scope == Scope.REGION}, key=len)
    if keys:
        return Place(Region.objects.filter(key=keys[0]).exclude(level=Level.NATIONAL).get())
    unit = OrgUnit.objects.select_related("region").get(pk=next(g.unit_id for g in grants if g.unit_id))
    return Place(unit.region, unit)


def place_of(user, region_code: str | None = None, unit_id: int | None = None) -> Place:
    """The place named (a unit wins over a region), or the user's home place; 404 outside the scope."""
    require(user, VIEW)
    if unit_id is not None:
        unit = OrgUnit.objects.select_related("region").filter(pk=unit_id, kind=UnitKind.UNIT).first()
        place = Place(unit.region, unit) if unit else None
    elif region_code:
        region = Region.objects.exclude(level=Level.NATIONAL).filter(code=region_code).first()
        place = Place(region) if region else None
    else:
        return home_place(user)
    if place is None or not path_in_scope(user, VIEW, place.path):
        raise Http404(_("Not found."))
    return place


def _visible(user) -> QuerySet:
    return scoped(KpiSnapshot.objects.all(), user, VIEW)


def _newest(queryset: QuerySet) -> QuerySet:
    """Each row that is its KPI's newest snapshot for its place."""
    newest = (KpiSnapshot.objects.filter(kpi=OuterRef("kpi"), org_path=OuterRef("org_path"))
              .order_by("-taken_at").values("taken_at")[:1])
    return queryset.filter(taken_at=Subquery(newest))


def _known_kpi(kpi: str) -> KPI:
    found = all_kpis().get(kpi)
    if found is None:
        raise Http404(_("Not found."))
    return found


# --- Reads -------------------------------------------------------------------------------------------


def latest(user, region_code: str | None = None, unit_id: int | None = None) -> list[KpiSnapshot]:
    """The newest snapshot of each KPI for a place in the user's scope, in registry order."""
    place = place_of(user, region_code, unit_id)
    rows = {row.kpi: row for row in _newest(place.snapshots(_visible(user)))}
    return [rows[code] for code in all_kpis() if code in rows]


def value_before(user, place: Place, kpi: str, moment: datetime) -> Decimal | None:
    """The KPI's value for the place as it stood at ``moment`` (its last snapshot then)."""
    return (place.snapshots(_visible(user)).filter(kpi=kpi, taken_at__lte=moment)
            .order_by("-taken_at").values_list("value", flat=True).first())


def series(user, kpi: str, place: Place, days: int) -> list[tuple[datetime, Decimal | None]]:
    """The KPI's snapshots for a place over the last ``days`` days, oldest first."""
    _known_kpi(kpi)
    if not path_in_scope(user, VIEW, place.path):
        raise Http404(_("Not found."))
    since = timezone.now() - timedelta(days=days)
    rows = place.snapshots(_visible(user)).filter(kpi=kpi, taken_at__gte=since).order_by("taken_at")
    return list(rows.values_list("taken_at", "value"))


def children(user, kpi: str, region: Region) -> list[KpiSnapshot]:
    """Drill-down one level: the latest value of the KPI for each child region and for each agency of
    ``region`` itself, inside the user's scope; regions first, then agencies, largest value first."""
    _known_kpi(kpi)
    place_of(user, region_code=region.code)
    below = Q(region__parent=region, unit__isnull=True) | Q(region=region, unit__isnull=False)
    rows = _newest(_visible(user).filter(below, kpi=kpi)).select_related("region", "unit")
    return sorted(rows, key=lambda row: (row.unit_id is not None, -(row.value or 0), row.org_path))
