"""The waiting list (轮候): scores from each region's criteria, the order of the list, an applicant's position
and why. The only place scores and criteria change.

Score = rank steps × weight + family members × weight + full months since eligibility × weight + hardship
level × weight. The list is ordered by score (highest first); ties go to the earlier eligibility date, then
the earlier application. Applicants sent to the end of the list (too many declined offers) follow everyone
else, in the order they were sent there. Months waited grow daily, so the stored scores are refreshed by
a daily job, and at once for a region whose criteria change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core import audit
from jiguan.core.errors import ValidationFailed
from jiguan.core.models import Rank, Region
from jiguan.core.services.base import require, require_path
from jiguan.core.services.common import use_case
from jiguan.core.services.inputs import Errors, bounded_int, find
from jiguan.core.statemachine import record

from ..models import DEFAULTS, Application, ApplicationState, ScoringCriteria
from ..module import REVIEW
from . import regional_setting

QUEUE_ORDER = (F("at_end_since").asc(nulls_first=True), "-score", "eligible_since", "pk")
SCORED_STATES = (ApplicationState.WAITING, ApplicationState.OFFERED)
MAX_POINTS = Decimal("1000")
CENT = Decimal("0.01")

FACTORS = {
    "rank": gettext_lazy("Rank steps above the lowest rank"),
    "family": gettext_lazy("Family members"),
    "waited": gettext_lazy("Full months waited since eligibility"),
    "hardship": gettext_lazy("Hardship level assessed by the bureau"),
}
WEIGHTS = {"rank": "points_per_rank_step", "family": "points_per_family_member",
           "waited": "points_per_month_waited", "hardship": "points_per_hardship_level"}
SETTINGS = {"category_window_months": (1, 120), "offer_days": (1, 60), "declines_before_end": (1, 10)}


def criteria_for(region: Region) -> ScoringCriteria:
    """The criteria of the nearest region up the chain that set its own, else the documented defaults."""
    return regional_setting(ScoringCriteria, region, DEFAULTS)


def rank_steps(person) -> int:
    """Steps of the person's rank above the lowest rank of its ladder (the ladder is data: ``Rank.order``)."""
    if person.rank_id is None:
        return 0
    lowest = Rank.objects.filter(level=person.rank.level).order_by("-order").values_list("order", flat=True).first()
    return max(lowest - person.rank.order, 0)


def full_months(start: date | None, end: date) -> int:
    if start is None or end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def score(application: Application, criteria: ScoringCriteria, today: date | None = None) -> None:
    """Set the application's score and its breakdown (not saved). Needs ``person__rank`` and the family."""
    today = today or timezone.localdate()
    quantities = {
        "rank": rank_steps(application.person),
        "family": application.family.count(),
        "waited": full_months(application.eligible_since, today),
        "hardship": application.hardship_level,
    }
    items = []
    for factor, quantity in quantities.items():
        weight = Decimal(getattr(criteria, WEIGHTS[factor])).quantize(CENT)
        items.append({"factor": factor, "quantity": quantity, "weight": str(weight), "points": str(quantity * weight)})
    application.score = sum((Decimal(item["points"]) for item in items), Decimal("0"))
    application.score_breakdown = {"items": items, "total": str(application.score), "on": today.isoformat()}


def explained(application: Application) -> list[dict]:
    """The stored breakdown with each factor's label in the reader's language."""
    return [{**item, "label": str(FACTORS[item["factor"]])} for item in application.score_breakdown.get("items", ())]


def rescore(region: Region, today: date | None = None) -> int:
    """Recompute the scores of everyone waiting (or holding an offer) on the region's list."""
    criteria = criteria_for(region)
    applications = list(Application.objects.filter(region=region, state__in=SCORED_STATES)
                        .select_related("person__rank").prefetch_related("family"))
    for application in applications:
        score(application, criteria, today)
    Application.objects.bulk_update(applications, ["score", "score_breakdown"], batch_size=500)
    if applications:
        audit.log_bulk(Application, _("Waiting list of %(region)s rescored") % {"region": region.name},
                       len(applications), org_path=f"{region.key}/")
    return len(applications)


def rescore_all(today: date | None = None) -> int:
    codes = Application.objects.filter(state__in=SCORED_STATES).values_list("region_id", flat=True).distinct()
    return sum(rescore(region, today) for region in Region.objects.filter(code__in=list(codes)))


def waiting_list(region: Region) -> QuerySet:
    """The region's list in its order (the first row is next in line)."""
    return (Application.objects.filter(region=region, state=ApplicationState.WAITING)
            .select_related("person__rank", "unit", "region").order_by(*QUEUE_ORDER))


def ahead_of(application: Application) -> Q:
    """Rows placed before ``application`` in ``QUEUE_ORDER``."""
    s, e, pk = application.score, application.eligible_since, application.pk
    same_group_ahead = Q(score__gt=s) | Q(score=s, eligible_since__lt=e) | Q(score=s, eligible_since=e, pk__lt=pk)
    if application.at_end_since is None:
        return Q(at_end_since__isnull=True) & same_group_ahead
    t = application.at_end_since
    return Q(at_end_since__isnull=True) | Q(at_end_since__lt=t) | (Q(at_end_since=t) & same_group_ahead)


def position(application: Application) -> dict | None:
    """Where a waiting application stands: ``{"position", "ahead", "total"}``; None off the list."""
    if application.state != ApplicationState.WAITING:
        return None
    waiting = Application.objects.filter(region_id=application.region_id, state=ApplicationState.WAITING)
    ahead = waiting.filter(ahead_of(application)).count()
    return {"position": ahead + 1, "ahead": ahead, "total": waiting.count()}


@use_case
def set_criteria(user, region_code, **values) -> ScoringCriteria:
    """The bureau sets its region's weights and offer rules; the region's list (and those below it that
    inherit them) is rescored at once."""
    require(user, REVIEW)
    region = find(Region.objects.all(), region_code)
    if region is None:
        raise ValidationFailed(_("There is no region with the code “%(code)s”.") % {"code": region_code},
                               field="region_code")
    require_path(user, REVIEW, f"{region.key}/")
    criteria = ScoringCriteria.objects.select_for_update().filter(region=region).first() \
        or ScoringCriteria(region=region, **DEFAULTS)
    errors = Errors()
    for field in WEIGHTS.values():
        setattr(criteria, field, _points(errors, field, values.get(field, getattr(criteria, field)),
                                         str(ScoringCriteria._meta.get_field(field).verbose_name)))
    for field, (low, high) in SETTINGS.items():
        setattr(criteria, field, bounded_int(errors, field, values.get(field, getattr(criteria, field)),
                                             label=str(ScoringCriteria._meta.get_field(field).verbose_name),
                                             low=low, high=high))
    errors.raise_if_any()
    criteria.save()
    record(criteria, "edit", actor=user, comment=", ".join(f"{field}={getattr(criteria, field)}"
                                                          for field in (*WEIGHTS.values(), *SETTINGS)))
    for affected in Region.objects.filter(key__startswith=region.key,
                                          code__in=Application.objects.filter(state__in=SCORED_STATES)
                                          .values("region_id")):
        rescore(affected)
    return criteria


def _points(errors: Errors, field: str, value, label: str) -> Decimal | None:
    try:
        points = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError:
        points = None
    if points is None or not points.is_finite() or points < 0 or points > MAX_POINTS \
            or points.as_tuple().exponent < -2:
        errors.add(field, _("%(field)s must be a number from 0 to %(max)s with at most two decimals.")
                   % {"field": label, "max": MAX_POINTS})
        return None
    return points
