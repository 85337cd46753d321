"""Offers (配租): the bureau offers a vacant flat to the applicant next in line; the flat is reserved until
the applicant answers in the service portal or the offer expires. The only place offers change state.

Offers go in the order of the list. Passing over applicants ranked higher is possible — a flat's size may
not suit a large family, an applicant may be on leave — but only with a written reason, recorded on the
offer and its timeline with the number of applicants passed over; they keep their places. An offer not
answered in time expires and counts as a decline; after the region's number of declines the applicant
goes to the end of the list (``ScoringCriteria.declines_before_end``).

Two administrators offering the same flat at once: the flat row is locked first, so the second finds it
reserved and is told so (``Conflict``); a partial unique index (one open offer per flat) backs this up.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import Conflict, StateError, ValidationFailed
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import permission_holders, use_case
from jiguan.core.services.inputs import Errors, find, text
from jiguan.core.statemachine import StateMachine, record

from ..models import Application, ApplicationState, Flat, FlatState, Offer, OfferState
from ..module import REVIEW
from . import move_flat, waiting
from .applications import APPLICATION_MACHINE, USE_SERVICE, check_action

OS = OfferState
OFFER_MACHINE = StateMachine("state", {
    "accept": {OS.OPEN: OS.ACCEPTED},
    "decline": {OS.OPEN: OS.DECLINED},
    "expire": {OS.OPEN: OS.EXPIRED},
})
OFFER_ACTIONS = {
    "offer": pgettext_lazy("housing offer action", "Offered"),
    "accept": pgettext_lazy("housing offer action", "Accepted"),
    "decline": pgettext_lazy("housing offer action", "Declined"),
    "expire": pgettext_lazy("housing offer action", "Expired"),
}


@use_case
def make_offer(user, flat_id, *, application_id=None, skip_reason="") -> Offer:
    """Offer a vacant flat to the applicant next in line on its bureau's list (``application_id`` None), or
    to one further down with ``skip_reason``."""
    flat = get_in_scope(Flat, user, REVIEW, flat_id, lock=True,
                        queryset=Flat.objects.select_related("building__estate", "unit__region"))
    if flat.state != FlatState.VACANT:
        raise Conflict(_("Flat %(flat)s is no longer vacant (“%(state)s”): another administrator may just have "
                         "offered it. Reload the page and choose another flat.")
                       % {"flat": flat, "state": flat.get_state_display()})
    region = flat.unit.region
    application = _offered_to(user, region, application_id)
    place = waiting.position(application)
    errors = Errors()
    skip_reason = text(errors, "skip_reason", skip_reason, label=_("the reason for passing over applicants ranked "
                                                                   "higher"), max_length=1000, required=False)
    if place["ahead"] and len(skip_reason) < 4:
        errors.add("skip_reason", _("%(n)d applicants rank above %(name)s on the list. Offers go in the order of the "
                                    "list; to pass them over, write down why (at least 4 characters).")
                   % {"n": place["ahead"], "name": application.person.name})
    errors.raise_if_any()
    criteria = waiting.criteria_for(region)
    offer = Offer(application=application, flat=flat, offered_by=user, position=place["position"],
                  skip_reason=skip_reason if place["ahead"] else "",
                  expires_on=timezone.localdate() + timedelta(days=criteria.offer_days))
    offer.save()
    move_flat(flat, "reserve", user, _("Offered to %(name)s") % {"name": application.person.name})
    summary = _("%(flat)s, %(layout)s, %(area)s ㎡; answer by %(day)s") % {
        "flat": flat, "layout": flat.layout, "area": flat.floor_area, "day": offer.expires_on}
    if offer.skip_reason:
        summary += _("; %(n)d applicants ranked higher passed over: %(reason)s") % {
            "n": place["ahead"], "reason": offer.skip_reason}
    APPLICATION_MACHINE.transition(application, "offer", user, summary)
    record(offer, "offer", "", offer.state, actor=user, comment=summary)
    notify.send([application.applicant], _("A staff flat is offered to you: %(flat)s") % {"flat": flat},
                body=summary, link=notify.link_to("service:housing:offer", offer.pk), category="housing")
    return offer


def _offered_to(user, region, application_id) -> Application:
    """The locked waiting application the offer goes to: the one named, else the first on the list."""
    listed = waiting.waiting_list(region)
    if application_id in (None, ""):
        first = listed.first()
        if first is None:
            raise StateError(_("No one is waiting on the list of %(region)s.") % {"region": region.name})
        application_id = first.pk
    elif find(scoped(listed, user, REVIEW), application_id) is None:
        raise ValidationFailed(_("The selected applicant is not waiting on the list of %(region)s, or is outside "
                                 "your data scope.") % {"region": region.name}, field="application_id")
    application = get_in_scope(Application, user, REVIEW, application_id, lock=True,
                               queryset=Application.objects.select_related("person", "applicant"))
    check_action(application, "offer")
    return application


# --- The applicant's answer -------------------------------------------------------------------------------------


def my_offers(user) -> QuerySet:
    require(user, USE_SERVICE)
    return (Offer.objects.filter(application__person_id=user.person_id)
            .select_related("flat__building__estate", "application"))


def answerable(offer: Offer) -> bool:
    """The applicant may still accept or decline: the offer is open and its answer date has not passed."""
    return offer.state == OS.OPEN and offer.expires_on >= timezone.localdate()


def _my_open_offer(user, offer_id) -> Offer:
    offer = find(my_offers(user).select_for_update(of=("self",)), offer_id)
    if offer is None:
        raise Http404(_("Not found."))
    if offer.state != OS.OPEN:
        raise StateError(_("This offer is already “%(state)s”.") % {"state": offer.get_state_display()})
    if offer.expires_on < timezone.localdate():
        raise StateError(_("The time to answer this offer ended on %(day)s.") % {"day": offer.expires_on})
    return offer


@use_case
def accept(user, offer_id, comment="") -> Offer:
    """The applicant accepts: the flat stays reserved for the lease, the application waits for signing."""
    offer = _my_open_offer(user, offer_id)
    comment = _answer(comment)
    application = Application.objects.select_for_update().get(pk=offer.application_id)
    OFFER_MACHINE.transition(offer, "accept", user, comment, answered_at=timezone.now(), answer_comment=comment)
    APPLICATION_MACHINE.transition(application, "accept", user, comment)
    flat = Flat.objects.select_for_update().get(pk=offer.flat_id)
    record(flat, "accepted", flat.state, flat.state, actor=user,
           comment=_("Offer accepted by %(name)s; lease to be signed") % {"name": offer.application.person.name})
    notify.send([offer.offered_by, *permission_holders(offer.flat.org_path, REVIEW, nearest=True)],
                _("Offer of %(flat)s accepted: prepare the lease") % {"flat": offer.flat}, body=comment,
                link=notify.link_to("manage:housing:offer", offer.pk), category="housing")
    return offer


@use_case
def decline(user, offer_id, comment="") -> Offer:
    offer = _my_open_offer(user, offer_id)
    _close(offer, "decline", user, _answer(comment))
    return offer


def _answer(comment) -> str:
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=500, required=False)
    errors.raise_if_any()
    return comment


def _close(offer: Offer, action: str, actor, comment: str) -> None:
    """Decline or expiry: the flat is vacant again; the applicant back on the list, counted one decline,
    and sent to the end after the region's number of declines."""
    OFFER_MACHINE.transition(offer, action, actor, comment, answered_at=timezone.now(), answer_comment=comment)
    flat = Flat.objects.select_for_update().get(pk=offer.flat_id)
    move_flat(flat, "release", actor, OFFER_ACTIONS[action])
    application = Application.objects.select_for_update(of=("self",)).select_related("region").get(pk=offer.application_id)
    application.declines += 1
    APPLICATION_MACHINE.transition(application, action, actor, comment)
    limit = waiting.criteria_for(application.region).declines_before_end
    if application.declines >= limit:
        application.declines, application.at_end_since = 0, timezone.now()
        application.save()
        record(application, "to_end", application.state, application.state, actor=actor,
               comment=_("%(n)d offers declined or expired") % {"n": limit})


def expire_offers(today: date | None = None) -> int:
    """Expire open offers past their answer date (the periodic job); each in its own transaction."""
    today = today or timezone.localdate()
    expired = 0
    for offer_id in Offer.objects.filter(state=OS.OPEN, expires_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().filter(pk=offer_id, state=OS.OPEN).first()
            if offer is None:  # answered meanwhile
                continue
            _close(offer, "expire", None, _("Not answered by %(day)s") % {"day": offer.expires_on})
            notify.send([offer.application.applicant], _("The offer of %(flat)s has expired") % {"flat": offer.flat},
                        link=notify.link_to("service:housing:offer", offer.pk), category="housing")
            expired += 1
    return expired


def offer_candidates(user) -> tuple[QuerySet, QuerySet]:
    """What a new offer may pair: the vacant flats and the waiting applicants (in list order) the user
    reaches with REVIEW. ``make_offer`` checks the pair itself."""
    flats = scoped(Flat.objects.select_related("building__estate", "unit"), user, REVIEW).filter(state=FlatState.VACANT)
    applications = scoped(Application.objects.filter(state=ApplicationState.WAITING)
                          .select_related("person", "unit").order_by(*waiting.QUEUE_ORDER), user, REVIEW)
    return flats, applications


def offers_in_scope(user) -> QuerySet:
    return scoped(Offer.objects.select_related("flat__building__estate", "application__person", "application__unit"),
                  user, REVIEW)

