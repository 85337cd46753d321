"""Disposal lots (处置): the keeping bureau gathers items the pool cannot place into a lot — for public
bidding (公开竞价) or scrapping (报废) — and another officer of the pool's bureau approves it (four eyes).
The only place lots change state outside bidding itself (``services.bidding``).

An item is in one live lot at a time: preparing a lot locks the asset rows first, so a reuse or loan
request made at the same moment, or another lot, finds the item no longer free and is told so
(``Conflict``). Refusing or cancelling a lot, or bidding ending unsold, puts its items back in the pool;
scrapping or a paid sale disposes of them, and any money goes to the treasury (recorded on the lot and as
income of the keeping unit's ledger)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import acts_for_region, permission_holders, region_bureau_accounts, use_case
from jiguan.core.services.costs import post_income
from jiguan.core.services.inputs import (
    Errors,
    bounded_int,
    choice,
    date_time_value,
    date_value,
    find,
    ids,
    text,
    yuan,
)
from jiguan.core.statemachine import StateMachine, record

from ..models import Asset, AssetState, DisposalItem, DisposalLot, DisposalMethod, LotState
from ..module import APPROVE, KEEP, VIEW
from . import cleared, review_comment, save_numbered

LS = LotState
LOT_MACHINE = StateMachine("state", {
    "approve": {LS.SUBMITTED: LS.APPROVED},
    "reject": {LS.SUBMITTED: LS.REJECTED},
    "cancel": {LS.SUBMITTED: LS.CANCELLED, LS.APPROVED: LS.CANCELLED},
    "scrap": {LS.APPROVED: LS.SCRAPPED},
    "award": {LS.APPROVED: LS.AWARDED},
    "pass_on": {LS.AWARDED: LS.AWARDED},
    "pay": {LS.AWARDED: LS.SOLD},
    "unsold": {LS.APPROVED: LS.UNSOLD, LS.AWARDED: LS.UNSOLD},
})
ITEM_MACHINE = StateMachine("state", {
    "put_in_lot": {AssetState.IN_POOL: AssetState.DISPOSING},
    "back_from_lot": {AssetState.DISPOSING: AssetState.IN_POOL},
    "dispose": {AssetState.DISPOSING: AssetState.DISPOSED},
})
LOT_ACTIONS = {
    "prepare": pgettext_lazy("warehouse lot action", "Prepared"),
    "approve": pgettext_lazy("warehouse lot action", "Approved"),
    "reject": pgettext_lazy("warehouse lot action", "Refused"),
    "cancel": pgettext_lazy("warehouse lot action", "Cancelled"),
    "scrap": pgettext_lazy("warehouse lot action", "Scrapped"),
    "extend": pgettext_lazy("warehouse lot action", "End extended by a last-minute bid"),
    "award": pgettext_lazy("warehouse lot action", "Awarded to the highest bid"),
    "pass_on": pgettext_lazy("warehouse lot action", "Offered to the next bidder"),
    "pay": pgettext_lazy("warehouse lot action", "Payment received"),
    "unsold": pgettext_lazy("warehouse lot action", "Closed unsold"),
}
INCOME_CATEGORY = "公物仓处置收入"
MAX_ITEMS = 200
MIN_BIDDING_HOURS = 1
# A form filled a moment ago may name "now" as the start; this much in the past still counts as now.
START_GRACE = timedelta(minutes=5)
BIDDING_TERMS = ("reserve_price", "min_increment", "starts_at", "ends_at")
DEFAULT_TERMS = {"sniping_minutes": 5, "pay_days": 5}
LOT_RELATED = ("unit", "pool_region", "prepared_by", "reviewed_by", "winning_bid__bidder")


# --- Reading -----------------------------------------------------------------------------------------------------


def lots_in_scope(user) -> QuerySet:
    """The lots the user's role reaches (the keeping bureau's org path), with their bid count and the highest
    valid bid — which the portals show only where sealing allows (``bidding.amounts_visible``)."""
    require(user, VIEW)
    lots = DisposalLot.objects.select_related(*LOT_RELATED).annotate(
        bid_count=Count("bids", distinct=True), highest=Max("bids__amount"))
    return scoped(lots, user, VIEW)


def visible_lot(user, lot_id) -> DisposalLot:
    lot = find(lots_in_scope(user), lot_id)
    if lot is None:
        raise Http404(_("Not found."))
    return lot


def items_of(lot: DisposalLot) -> QuerySet:
    return Asset.objects.filter(disposal_items__lot=lot).select_related("category", "warehouse", "location")


def card_ids(user, numbers) -> list[int]:
    """The asset ids of the card numbers a keeper typed (one per line, or separated by spaces or commas);
    each number that names no card the user keeps gets its own message."""
    require(user, KEEP)
    wanted = list(dict.fromkeys(str(numbers or "").replace(",", " ").replace("，", " ").split()))
    if not wanted:
        raise ValidationFailed(_("Please list the card numbers of the items to dispose of."), field="card_numbers")
    found = dict(cleared(user, scoped(Asset.objects.all(), user, KEEP)).filter(number__in=wanted)
                 .values_list("number", "pk"))
    errors = Errors()
    for number in wanted:
        if number not in found:
            errors.add("card_numbers", _("%(number)s: no such card among the items you keep.") % {"number": number})
    errors.raise_if_any()
    return [found[number] for number in wanted]


# --- Preparing a lot ---------------------------------------------------------------------------------------------


def _given(value) -> bool:
    return value not in (None, "")


def _bidding_terms(errors: Errors, terms: dict) -> dict:
    """The bidding terms, checked: reserve ≥ 0, increment > 0, a start not in the past, an end at least an hour
    later, the anti-sniping extension and the days to pay within their bounds."""
    reserve = yuan(errors, "reserve_price", terms["reserve_price"], label=_("reserve price"), allow_zero=True)
    increment = yuan(errors, "min_increment", terms["min_increment"], label=_("minimum increment"))
    now = timezone.now()
    starts_at = (date_time_value(errors, "starts_at", terms["starts_at"], label=_("start of bidding"))
                 if _given(terms["starts_at"]) else now)
    ends_at = date_time_value(errors, "ends_at", terms["ends_at"], label=_("end of bidding"))
    if starts_at and starts_at < now - START_GRACE:
        errors.add("starts_at", _("Bidding cannot start in the past; leave the start empty to start on approval "
                                  "or choose a later time."))
    if starts_at and ends_at and ends_at < starts_at + timedelta(hours=MIN_BIDDING_HOURS):
        errors.add("ends_at", _("Bidding must last at least %(hours)d hour: end it after %(earliest)s.")
                   % {"hours": MIN_BIDDING_HOURS,
                      "earliest": timezone.localtime(starts_at + timedelta(hours=MIN_BIDDING_HOURS))
                      .strftime("%Y-%m-%d %H:%M")})
    sniping = bounded_int(errors, "sniping_minutes", terms["sniping_minutes"],
                          label=_("extension against last-minute bids (minutes)"), low=1, high=60)
    pay_days = bounded_int(errors, "pay_days", terms["pay_days"], label=_("days the winner has to pay"),
                           low=1, high=30)
    return {"reserve_price": reserve, "min_increment": increment, "starts_at": starts_at, "ends_at": ends_at,
            "original_ends_at": ends_at, "sniping_minutes": sniping, "pay_days": pay_days,
            "sealed": bool(terms["sealed"])}


def _no_bidding_terms(errors: Errors, terms: dict) -> dict:
    """A scrap lot takes none of the bidding terms: any given is refused rather than silently dropped."""
    for name in BIDDING_TERMS:
        if _given(terms[name]):
            errors.add(name, _("Scrapping has no bidding: leave this empty."))
    for name, default in DEFAULT_TERMS.items():
        if _given(terms[name]) and str(terms[name]) != str(default):
            errors.add(name, _("Scrapping has no bidding: leave this empty."))
    if terms["sealed"]:
        errors.add("sealed", _("Scrapping has no bidding: leave this empty."))
    return {}


def _free_items(user, errors: Errors, asset_ids) -> list[Asset]:
    """The named cards, locked, in id order (so two lots naming the same items queue rather than deadlock).
    Each card must be one the user keeps, free in the pool, unclassified, and all of one pool."""
    wanted = ids(errors, "asset_ids", asset_ids or [], label=_("items"))
    wanted = list(dict.fromkeys(wanted))
    if "asset_ids" in errors:
        return []
    if not wanted:
        errors.add("asset_ids", _("Please choose at least one item for the lot."))
        return []
    if len(wanted) > MAX_ITEMS:
        errors.add("asset_ids", _("A lot holds at most %(max)d items; %(n)d chosen.") % {"max": MAX_ITEMS,
                                                                                         "n": len(wanted)})
        return []
    kept = cleared(user, scoped(Asset.objects.all(), user, KEEP))
    items = list(kept.select_for_update(of=("self",)).select_related("pool_region").filter(pk__in=wanted)
                 .order_by("pk"))
    if len(items) != len(wanted):
        raise Http404(_("Not found."))
    for item in items:
        if item.classified:
            errors.add("asset_ids", _("%(asset)s is classified (涉密): classified items are disposed of apart, under "
                                      "the secrecy rules, not in a public lot.") % {"asset": item})
        elif item.state != AssetState.IN_POOL:
            raise Conflict(_("%(asset)s is no longer free in the pool (“%(state)s”): a unit may just have requested "
                             "it, or another lot taken it.") % {"asset": item, "state": item.get_state_display()})
    if len({item.pool_region_id for item in items}) > 1:
        errors.add("asset_ids", _("The items belong to different pools; a lot holds the items of one pool."))
    return items


@use_case
def prepare_lot(user, *, title, method, reason, asset_ids, reserve_price=None, min_increment=None, starts_at=None,
                ends_at=None, sniping_minutes=5, sealed=False, pay_days=5) -> DisposalLot:
    """A lot of free pool items, submitted to the pool's bureau for approval; its items leave the pool at once."""
    require(user, KEEP)
    errors = Errors()
    title = text(errors, "title", title, label=_("title"), min_length=2, max_length=100)
    method = choice(errors, "method", method, label=_("disposal method"), choices=DisposalMethod)
    reason = text(errors, "reason", reason, label=_("why the items are disposed of"), min_length=4, max_length=1000)
    terms = {"reserve_price": reserve_price, "min_increment": min_increment, "starts_at": starts_at,
             "ends_at": ends_at, "sniping_minutes": sniping_minutes, "sealed": sealed, "pay_days": pay_days}
    terms = _bidding_terms(errors, terms) if method == DisposalMethod.BIDDING else _no_bidding_terms(errors, terms)
    items = _free_items(user, errors, asset_ids)
    errors.raise_if_any()
    pool = items[0].pool_region
    if user.unit is None or not acts_for_region(user, pool, KEEP):
        raise NotAllowed(_("Disposal from the pool of %(region)s is run by that region's own bureau.")
                         % {"region": pool.name})
    lot = DisposalLot(unit=user.unit, title=title, method=method, reason=reason, pool_region=pool, prepared_by=user,
                      **terms)
    save_numbered([lot], f"CZ{pool.code}")
    DisposalItem.objects.bulk_create([DisposalItem(lot=lot, asset=item) for item in items])
    for item in items:
        ITEM_MACHINE.transition(item, "put_in_lot", user, _("In disposal lot %(number)s") % {"number": lot.number})
    record(lot, "prepare", "", lot.state, actor=user, comment=reason)
    notify.send([a for a in region_bureau_accounts(pool, APPROVE) if a.pk != user.pk],
                _("Disposal lot %(lot)s awaits approval") % {"lot": lot}, body=reason,
                link=notify.link_to("manage:warehouse:lot", lot.pk), category="warehouse")
    return lot


# --- Deciding and running a lot ----------------------------------------------------------------------------------


def locked_lot(user, permission: str, lot_id) -> DisposalLot:
    """The lot, row-locked, if the user's ``permission`` reaches it; 404 otherwise."""
    require(user, permission)
    lot = find(scoped(DisposalLot.objects.select_for_update(of=("self",)).select_related("pool_region", "unit"),
                      user, permission), lot_id)
    if lot is None:
        raise Http404(_("Not found."))
    return lot


def check(lot: DisposalLot, action: str) -> None:
    if action not in LOT_MACHINE.allowed_actions(lot):
        raise StateError(_("The lot is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": lot.get_state_display(), "action": LOT_ACTIONS[action]})


def _reviewed_lot(user, lot_id, action: str) -> DisposalLot:
    """A lot for the pool's bureau to decide — by someone other than who prepared it (four eyes)."""
    lot = locked_lot(user, APPROVE, lot_id)
    if not acts_for_region(user, lot.pool_region, APPROVE):
        raise NotAllowed(_("Disposal from the pool of %(region)s is decided by that region's own bureau.")
                         % {"region": lot.pool_region.name})
    if lot.prepared_by_id == user.pk:
        raise NotAllowed(_("You prepared this lot; another officer of the bureau must approve or refuse it "
                           "(four-eyes rule)."))
    check(lot, action)
    return lot


def release_items(lot: DisposalLot, actor, action: str) -> None:
    """The lot's items go back to the pool (refused, cancelled, unsold)."""
    for item in items_of(lot).select_for_update(of=("self",)).order_by("pk"):
        ITEM_MACHINE.transition(item, "back_from_lot", actor, _("Lot %(number)s: %(what)s")
                                % {"number": lot.number, "what": LOT_ACTIONS[action]})


def dispose_items(lot: DisposalLot, actor, summary: str) -> None:
    for item in items_of(lot).select_for_update(of=("self",)).order_by("pk"):
        ITEM_MACHINE.transition(item, "dispose", actor, summary)


def tell_keepers(lot: DisposalLot, title: str, body: str = "") -> None:
    notify.send([lot.prepared_by, *permission_holders(lot.org_path, KEEP, nearest=True)], title, body=body,
                link=notify.link_to("manage:warehouse:lot", lot.pk), category="warehouse")


@use_case
def approve_lot(user, lot_id, comment="") -> DisposalLot:
    """Approve: a scrap lot may be scrapped; a bidding lot is published and bidders may bid from its start."""
    lot = _reviewed_lot(user, lot_id, "approve")
    comment = review_comment(comment, required=False)
    if lot.method == DisposalMethod.BIDDING and lot.ends_at <= timezone.now():
        raise StateError(_("The bidding period of this lot ended on %(end)s; refuse it and prepare it again with "
                           "new dates.") % {"end": timezone.localtime(lot.ends_at).strftime("%Y-%m-%d %H:%M")})
    LOT_MACHINE.transition(lot, "approve", user, comment, reviewed_by=user, reviewed_at=timezone.now(),
                           review_comment=comment)
    tell_keepers(lot, _("Disposal lot %(lot)s is approved") % {"lot": lot}, comment)
    return lot


@use_case
def reject_lot(user, lot_id, comment) -> DisposalLot:
    lot = _reviewed_lot(user, lot_id, "reject")
    comment = review_comment(comment, required=True)
    LOT_MACHINE.transition(lot, "reject", user, comment, reviewed_by=user, reviewed_at=timezone.now(),
                           review_comment=comment, closed_at=timezone.now())
    release_items(lot, user, "reject")
    tell_keepers(lot, _("Disposal lot %(lot)s is refused; its items are back in the pool") % {"lot": lot}, comment)
    return lot


def _cancellable(lot: DisposalLot) -> bool:
    return lot.state == LS.SUBMITTED or (lot.state == LS.APPROVED and lot.method == DisposalMethod.BIDDING
                                         and not lot.bids.exists())


@use_case
def cancel_lot(user, lot_id, comment) -> DisposalLot:
    """Withdraw a lot before it is decided, or a published bidding lot nobody has bid on yet."""
    lot = locked_lot(user, KEEP, lot_id)
    if not _cancellable(lot):
        raise StateError(_("Lot %(lot)s can no longer be cancelled: only a lot awaiting approval, or a bidding lot "
                           "without bids, can be.") % {"lot": lot})
    comment = review_comment(comment, required=True, label=_("why the lot is cancelled"))
    LOT_MACHINE.transition(lot, "cancel", user, comment, closed_at=timezone.now())
    release_items(lot, user, "cancel")
    notify.send(region_bureau_accounts(lot.pool_region, APPROVE), _("Disposal lot %(lot)s is cancelled") % {"lot": lot},
                body=comment, link=notify.link_to("manage:warehouse:lot", lot.pk), category="warehouse")
    return lot


@use_case
def record_scrapping(user, lot_id, *, recycler_name, recycler_licence, scrapped_on, scrap_certificate,
                     salvage_value) -> DisposalLot:
    """An approved scrap lot went to a licensed recycler: its items are disposed of; salvage income, if any, goes
    to the treasury and into the keeping unit's ledger."""
    lot = locked_lot(user, KEEP, lot_id)
    if lot.method != DisposalMethod.SCRAP:
        raise StateError(_("Lot %(lot)s is sold by bidding, not scrapped.") % {"lot": lot})
    check(lot, "scrap")
    errors = Errors()
    recycler_name = text(errors, "recycler_name", recycler_name, label=_("recycler"), min_length=2, max_length=100)
    recycler_licence = text(errors, "recycler_licence", recycler_licence, label=_("recycler's licence number"),
                            max_length=50)
    scrapped_on = date_value(errors, "scrapped_on", scrapped_on, label=_("scrapped on"))
    if scrapped_on and (scrapped_on > timezone.localdate() or scrapped_on < timezone.localdate(lot.reviewed_at)):
        errors.add("scrapped_on", _("The scrapping date must be between the approval (%(approved)s) and today.")
                   % {"approved": timezone.localdate(lot.reviewed_at)})
    scrap_certificate = text(errors, "scrap_certificate", scrap_certificate,
                             label=_("recycling certificate number"), max_length=50)
    salvage_value = yuan(errors, "salvage_value", salvage_value, label=_("salvage income"), allow_zero=True)
    errors.raise_if_any()
    summary = _("Scrapped by %(recycler)s, certificate %(certificate)s") % {"recycler": recycler_name,
                                                                           "certificate": scrap_certificate}
    LOT_MACHINE.transition(lot, "scrap", user, summary, recycler_name=recycler_name, recycler_licence=recycler_licence,
                           scrapped_on=scrapped_on, scrap_certificate=scrap_certificate, salvage_value=salvage_value,
                           closed_at=timezone.now())
    dispose_items(lot, user, summary)
    if salvage_value:
        post_income(unit=lot.unit, module="warehouse", category=INCOME_CATEGORY, amount=salvage_value,
                    occurred_on=scrapped_on, description=str(lot)[:200], subject=lot, actor=user)
    return lot


def allowed_actions(lot: DisposalLot, user) -> set[str]:
    """What ``user`` may do to the lot now (the buttons of the portal and the app)."""
    possible = set(LOT_MACHINE.allowed_actions(lot))
    actions = set()
    if (possible & {"approve", "reject"} and lot.prepared_by_id != user.pk and can_reach(user, APPROVE, lot)
            and acts_for_region(user, lot.pool_region, APPROVE)):
        actions |= possible & {"approve", "reject"}
    if can_reach(user, KEEP, lot):
        if _cancellable(lot):
            actions.add("cancel")
        if "scrap" in possible and lot.method == DisposalMethod.SCRAP:
            actions.add("scrap")
        if lot.state == LS.AWARDED:
            actions.add("pay")
            if lot.pay_by and timezone.now() > lot.pay_by:
                actions.add("pass_on")
    return actions
