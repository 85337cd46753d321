"""Annual review (年审): the bureau opens a year's review over the tenancies in residence in its region; each
tenant declares whether they still qualify (still in post, no home in the city, changes in the household);
the bureau compares the declaration with what the platform holds about the person and passes or fails it.
A failed review ends the tenancy as no longer eligible (``services.endings``). The only place reviews change.

A tenant who has not declared by the deadline can be failed; one who has declared is decided on the
declaration. A campaign closes once every review in it is decided.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import Conflict, StateError
from jiguan.core.models import Region
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import acts_for_region, use_case
from jiguan.core.services.inputs import Errors, bounded_int, date_value, find, text, unique
from jiguan.core.statemachine import StateMachine, record

from ..models import EndReason, Lease, LeaseState, Refusal, ReviewCampaign, ReviewState, TenancyReview
from ..module import LEASES, VIEW
from . import endings
from .applications import USE_SERVICE, eligibility_problems

DECLARE_DAYS_MAX = 180
MAX_TEXT = 2000

R = ReviewState
REVIEW_MACHINE = StateMachine("state", {
    "declare": {R.PENDING: R.DECLARED},
    "pass": {R.DECLARED: R.PASSED},
    "fail": {R.DECLARED: R.FAILED, R.PENDING: R.FAILED},  # from pending only after the deadline
})
REVIEW_ACTIONS = {
    "open": pgettext_lazy("housing review action", "Review opened"),
    "declare": pgettext_lazy("housing review action", "Declared by the tenant"),
    "pass": pgettext_lazy("housing review action", "Passed"),
    "fail": pgettext_lazy("housing review action", "Failed: no longer eligible"),
    "close": pgettext_lazy("housing review action", "Review closed"),
}
UNDECIDED = (R.PENDING, R.DECLARED)


# --- The campaign ------------------------------------------------------------------------------------------


@use_case
def open_campaign(user, region_code, year, declare_by) -> ReviewCampaign:
    """Open the review of ``year`` over every tenancy in residence in a flat kept in the region (and the
    regions below it); each tenant is asked to declare by ``declare_by``."""
    require(user, LEASES)
    today = timezone.localdate()
    errors = Errors()
    region = find(Region.objects.all(), region_code)
    if region is None or not region.key or not acts_for_region(user, region, LEASES):
        errors.add("region_code", _("Choose a region whose bureau you act for."))
    year = bounded_int(errors, "year", year, label=_("year"), low=today.year - 1, high=today.year + 1)
    deadline = date_value(errors, "declare_by", declare_by, label=_("declaration deadline"))
    if deadline and not today < deadline <= today + timedelta(days=DECLARE_DAYS_MAX):
        errors.add("declare_by", _("The declaration deadline falls after today and at most %(n)d days ahead "
                                   "(by %(last)s).") % {"n": DECLARE_DAYS_MAX,
                                                        "last": today + timedelta(days=DECLARE_DAYS_MAX)})
    errors.raise_if_any()
    already = _("The annual review of %(year)d for %(region)s is already open.") % {"year": year,
                                                                                      "region": region.name}
    if ReviewCampaign.objects.filter(region=region, year=year).exists():
        raise Conflict(already, field="year")
    leases = list(Lease.objects.filter(state=LeaseState.ACTIVE, flat__unit__region__key__startswith=region.key)
                  .select_related("tenant").order_by("pk"))
    if not leases:
        raise StateError(_("No tenancy is in residence in %(region)s; there is nothing to review.")
                         % {"region": region.name})
    campaign = ReviewCampaign(unit=user.unit, region=region, year=year, declare_by=deadline, opened_by=user)
    with unique("year", already):
        campaign.save()
    record(campaign, "open", actor=user, comment=_("%(n)d tenancies to review") % {"n": len(leases)})
    for lease in leases:
        review = TenancyReview.objects.create(campaign=campaign, lease=lease)
        record(review, "open", "", review.state, actor=user)
        notify.send([lease.tenant], _("Annual review of your staff flat: declare by %(day)s") % {"day": deadline},
                    link=notify.link_to("service:housing:review", review.pk), category="housing")
    return campaign


@use_case
def close_campaign(user, campaign_id) -> ReviewCampaign:
    """Close a campaign once every review in it is decided."""
    campaign = get_in_scope(ReviewCampaign, user, LEASES, campaign_id, lock=True)
    if campaign.closed_at:
        raise StateError(_("This annual review is already closed."))
    undecided = campaign.reviews.filter(state__in=UNDECIDED).count()
    if undecided:
        raise StateError(_("%(n)d reviews are not decided yet; decide every review before closing.")
                         % {"n": undecided})
    campaign.closed_at = timezone.now()
    campaign.save()
    record(campaign, "close", actor=user)
    return campaign


def campaigns_in_scope(user) -> QuerySet:
    """The campaigns the user sees, each with its count of reviews by state."""
    counts = {f"n_{state}": Count("reviews", filter=Q(reviews__state=state)) for state in R.values}
    return scoped(ReviewCampaign.objects.select_related("region", "unit"), user, VIEW).annotate(
        n_total=Count("reviews"), **counts)


def reviews_in_scope(user, permission: str = VIEW) -> QuerySet:
    return scoped(TenancyReview.objects.select_related(
        "campaign__region", "lease__flat__building__estate", "lease__person", "lease__unit"), user, permission)


# --- The tenant's declaration --------------------------------------------------------------------------------


def my_reviews(user) -> QuerySet:
    require(user, USE_SERVICE)
    return (TenancyReview.objects.filter(lease__person_id=user.person_id)
            .select_related("campaign__region", "lease__flat__building__estate", "lease__person"))


def my_review(user, review_id, *, lock: bool = False) -> TenancyReview:
    reviews = my_reviews(user)
    review = find(reviews.select_for_update(of=("self",)) if lock else reviews, review_id)
    if review is None:
        raise Http404(_("Not found."))
    return review


@use_case
def declare(user, review_id, *, still_employed, owns_home, household_changes="") -> TenancyReview:
    """The tenant declares, by the deadline, whether they still work at the unit and own no home in the city."""
    review = my_review(user, review_id, lock=True)
    refusal = _declaration_refusal(review)
    if refusal:
        raise StateError(refusal)
    errors = Errors()
    _yes_or_no(errors, "still_employed", still_employed)
    _yes_or_no(errors, "owns_home", owns_home)
    changes = text(errors, "household_changes", household_changes, label=_("changes in the household"),
                   max_length=MAX_TEXT, required=False)
    errors.raise_if_any()
    REVIEW_MACHINE.transition(review, "declare", user, changes, still_employed=still_employed, owns_home=owns_home,
                              household_changes=changes, declared_at=timezone.now())
    return review


def _declaration_refusal(review: TenancyReview) -> str:
    if review.campaign.closed_at:
        return _("This annual review is closed.")
    if review.state != R.PENDING:
        return _("You have already declared for this review (“%(state)s”).") % {"state": review.get_state_display()}
    if timezone.localdate() > review.campaign.declare_by:
        return _("The declaration was due by %(day)s; please contact the housing office.") % {
            "day": review.campaign.declare_by}
    return ""


def _yes_or_no(errors: Errors, field: str, value) -> None:
    if not isinstance(value, bool):
        errors.add(field, _("Answer yes or no."))


# --- The bureau's decision ---------------------------------------------------------------------------------


def held_records(review: TenancyReview) -> list[str]:
    """What the platform holds that speaks against the tenant still qualifying — a home found owned, the
    person no longer in post, a family member on another application — by the eligibility checks of the
    applications (the time window of the category counts only when applying)."""
    return [reason for code, reason in eligibility_problems(review.lease.application) if code != Refusal.CATEGORY]


@use_case
def decide(user, review_id, *, passed, findings="") -> TenancyReview:
    """The bureau passes or fails a review (failing needs its findings); a failure ends the tenancy as no
    longer eligible."""
    review = get_in_scope(TenancyReview, user, LEASES, review_id, lock=True,
                          queryset=TenancyReview.objects.select_related("campaign", "lease__tenant"))
    errors = Errors()
    _yes_or_no(errors, "passed", passed)
    findings = text(errors, "findings", findings, label=_("findings"), max_length=MAX_TEXT, min_length=4,
                    required=passed is False)
    errors.raise_if_any()
    action = "pass" if passed else "fail"
    refusal = _decision_refusal(review, action)
    if refusal:
        raise StateError(refusal)
    REVIEW_MACHINE.transition(review, action, user, findings, findings=findings, decided_by=user,
                              decided_at=timezone.now())
    if not passed:
        endings.end_tenancy(user, review.lease_id, reason=EndReason.NOT_ELIGIBLE, details=findings)
    notify.send([review.lease.tenant], _("Annual review of your staff flat: %(result)s")
                % {"result": review.get_state_display()}, body=findings,
                link=notify.link_to("service:housing:review", review.pk), category="housing")
    return review


def _decision_refusal(review: TenancyReview, action: str) -> str:
    if review.campaign.closed_at:
        return _("This annual review is closed.")
    if action not in REVIEW_MACHINE.allowed_actions(review):
        return _("The review is “%(state)s”; it cannot be decided now.") % {"state": review.get_state_display()}
    if review.state == R.PENDING and timezone.localdate() <= review.campaign.declare_by:
        return _("The tenant may declare until %(day)s; a review without a declaration can be failed only after "
                 "that.") % {"day": review.campaign.declare_by}
    return ""


def review_actions(review: TenancyReview, user) -> set[str]:
    """What ``user`` may do with the review now: the tenant declares, the bureau passes or fails."""
    actions = set()
    if user.person_id and review.lease.person_id == user.person_id and not _declaration_refusal(review):
        actions.add("declare")
    if can_reach(user, LEASES, review):
        actions |= {action for action in ("pass", "fail") if not _decision_refusal(review, action)}
    return actions


def campaign_actions(campaign: ReviewCampaign, user) -> set[str]:
    if campaign.closed_at is None and can_reach(user, LEASES, campaign):
        return {"close"}
    return set()
