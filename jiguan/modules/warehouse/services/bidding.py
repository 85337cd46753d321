"""Public bidding (公开竞价) of approved disposal lots: bidder registration with the pool's bureau, bids, the close,
payment, and the lot passing to the next bidder when a winner does not pay.

Bids serialise on the lot row: ``place_bid`` locks it first and takes ``placed_at`` from the server clock inside
the lock, so of two equal open bids placed at the same moment the second finds the first already there and
must beat it by the increment. Sealed bids show no amount to anyone — bidders, the bureau, the API — until the
lot is closed, only how many there are. Ranking is amount, then the earlier bid, then the lower id."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.crypto import mask_id_number, mask_phone
from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Account, OrgUnit, Role, RoleAssignment
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.accounts import USERNAME_PATTERN
from jiguan.core.services.base import require
from jiguan.core.services.common import acts_for_region, region_bureau_accounts, use_case
from jiguan.core.services.costs import post_income
from jiguan.core.services.inputs import Errors, choice, date_time_value, find, text, unique, yuan
from jiguan.core.statemachine import StateMachine, record
from jiguan.core.validators import validate_credit_code, validate_id_number, validate_phone

from ..models import (
    Bid,
    BidderKind,
    BidderRegistration,
    BidState,
    DisposalLot,
    DisposalMethod,
    LotState,
    RegistrationState,
)
from ..module import APPROVE, BID, KEEP
from ..reference import BIDDER_ROLE
from . import review_comment
from .disposal import (
    INCOME_CATEGORY,
    LOT_MACHINE,
    check,
    dispose_items,
    locked_lot,
    release_items,
    tell_keepers,
)

RS = RegistrationState
REGISTRATION_MACHINE = StateMachine("state", {
    "approve": {RS.PENDING: RS.APPROVED},
    "reject": {RS.PENDING: RS.REJECTED},
    "revoke": {RS.APPROVED: RS.REVOKED},
})
REGISTRATION_ACTIONS = {
    "register": pgettext_lazy("warehouse bidder action", "Registered"),
    "approve": pgettext_lazy("warehouse bidder action", "Approved"),
    "reject": pgettext_lazy("warehouse bidder action", "Refused"),
    "revoke": pgettext_lazy("warehouse bidder action", "Revoked"),
}
LIVE = (RS.PENDING, RS.APPROVED)
CLOSED_STATES = (LotState.AWARDED, LotState.SOLD, LotState.UNSOLD)
PASSWORD_LENGTH = 12


# --- Registration ------------------------------------------------------------------------------------------------


def _contact(errors: Errors, contact_name, phone) -> tuple[str, str]:
    contact_name = text(errors, "contact_name", contact_name, label=_("contact person"), min_length=2, max_length=50)
    phone = (phone or "").strip()
    errors.check("phone", validate_phone, phone)
    return contact_name, phone


def _pool_bureau(region) -> OrgUnit:
    bureau = OrgUnit.objects.filter(region=region, is_bureau=True, active=True).order_by("pk").first()
    if bureau is None:
        raise ValidationFailed(_("%(region)s has no government offices bureau running a pool yet.")
                               % {"region": region.name})
    return bureau


def _not_the_pools_bureau(unit: OrgUnit, region) -> None:
    """The bureau runs its pool's bidding, so it may not bid in it."""
    if unit.is_bureau and _pool_bureau(region).pk == unit.pk:
        raise NotAllowed(_("%(unit)s runs the pool's public bidding and cannot bid in it.") % {"unit": unit.name})


@use_case
def register_unit_bidder(user, *, contact_name, phone) -> BidderRegistration:
    """A unit administrator registers their unit as a bidder of its region's pool; the bureau approves."""
    require(user, BID)
    unit = user.unit
    if unit is None:
        raise ValidationFailed(_("Your account belongs to no unit, so it cannot register one."))
    _not_the_pools_bureau(unit, unit.region)
    errors = Errors()
    contact_name, phone = _contact(errors, contact_name, phone)
    errors.raise_if_any()
    live = BidderRegistration.objects.select_related("account").filter(
        pool_region_id=unit.region_id, state__in=LIVE).filter(Q(account=user) | Q(bidder_unit=unit)).first()
    if live is not None:
        raise Conflict(_("%(unit)s is already registered with the pool (“%(state)s”, account %(account)s).")
                       % {"unit": unit.name, "state": live.get_state_display(), "account": live.account})
    registration = BidderRegistration(unit=_pool_bureau(unit.region), pool_region=unit.region, kind=BidderKind.UNIT,
                                      bidder_unit=unit, name=unit.name, contact_name=contact_name, phone=phone,
                                      account=user)
    with unique("__all__", _("Your account is already registered with this pool.")):
        registration.save()
    record(registration, "register", "", registration.state, actor=user)
    notify.send(region_bureau_accounts(unit.region, APPROVE),
                _("%(unit)s asks to bid in the pool's public bidding") % {"unit": unit.name},
                link=notify.link_to("manage:warehouse:bidder", registration.pk), category="warehouse")
    return registration


class _OutsideKind:
    """The kinds the bureau registers itself (units register themselves)."""

    choices = [(k, v) for k, v in BidderKind.choices if k != BidderKind.UNIT]


def _bureau_region(user):
    """The pool whose bureau the user acts for (registering outside buyers)."""
    require(user, APPROVE)
    region = user.unit.region if user.unit_id else None
    if not acts_for_region(user, region, APPROVE):
        raise NotAllowed(_("Only the bureau running a pool registers its outside bidders."))
    return region


def _credential(errors: Errors, kind: str, value) -> str:
    value = (value or "").strip().upper()
    if kind == BidderKind.COMPANY:
        errors.check("credential", validate_credit_code, value)
    elif kind == BidderKind.INDIVIDUAL:
        errors.check("credential", validate_id_number, value)
    return value


def _username(errors: Errors, value) -> str:
    username = (value or "").strip()
    if not USERNAME_PATTERN.match(username):
        errors.add("username", _("The username must be 3–40 characters: letters, digits, “.”, “_” or “-”."))
    elif Account.objects.filter(username__iexact=username).exists():
        errors.add("username", _("The username “%(name)s” is already taken.") % {"name": username})
    return username


def initial_password() -> str:
    """A random first password meeting the platform's policy; the buyer must change it at first sign-in."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _n in range(PASSWORD_LENGTH))
        try:
            validate_password(password)
        except ValidationError:
            continue
        return password


def bidder_role() -> Role:
    """The role of outside buyers: the service portal and bidding, nothing else (ensured after every migrate)."""
    return Role.objects.get(code=BIDDER_ROLE)


@use_case
def register_outside_bidder(user, *, kind, name, credential, contact_name, phone,
                            username) -> tuple[BidderRegistration, str]:
    """The bureau, having checked the papers, registers a company or a person as a bidder of its pool: a login
    is made for them and the registration is approved at once. Returns it and the one-time first password."""
    region = _bureau_region(user)
    errors = Errors()
    kind = choice(errors, "kind", kind, label=_("bidder kind"), choices=_OutsideKind)
    name = text(errors, "name", name, label=_("bidder name"), min_length=2, max_length=100)
    credential = _credential(errors, kind, credential)
    contact_name, phone = _contact(errors, contact_name, phone)
    username = _username(errors, username)
    errors.raise_if_any()
    outside = BidderRegistration.objects.filter(pool_region=region, state__in=LIVE).exclude(kind=BidderKind.UNIT)
    if any(other.credential == credential for other in outside.only("credential")):  # stored encrypted
        raise Conflict(_("A bidder with this credit code or ID number is already registered with the pool."),
                       field="credential")
    password = initial_password()
    account = Account(username=username, display_name=name[:50], must_change_password=True)
    account.set_password(password)
    with unique("username", _("The username “%(name)s” is already taken.") % {"name": username}):
        account.save()
    RoleAssignment.objects.create(account=account, role=bidder_role(), unit=None)
    now = timezone.now()
    registration = BidderRegistration.objects.create(
        unit=user.unit, pool_region=region, kind=kind, name=name, credential=credential, contact_name=contact_name,
        phone=phone, account=account, state=RS.APPROVED, reviewed_by=user, reviewed_at=now)
    record(registration, "register", "", RS.PENDING, actor=user)
    record(registration, "approve", RS.PENDING, RS.APPROVED, actor=user, comment=_("Papers checked by the bureau"))
    return registration, password


def registrations_in_scope(user) -> QuerySet:
    """The bidders the user's bureau keeps (APPROVE reaching the registration's bureau)."""
    require(user, APPROVE)
    return scoped(BidderRegistration.objects.select_related("account", "bidder_unit", "pool_region", "reviewed_by"),
                  user, APPROVE)


def my_registrations(user) -> QuerySet:
    return BidderRegistration.objects.filter(account=user).select_related("pool_region", "bidder_unit")


def masked(registration: BidderRegistration) -> dict:
    """Phone and credential as they may be shown."""
    credential = registration.credential
    return {"phone": mask_phone(registration.phone),
            "credential": mask_id_number(credential) if registration.kind == BidderKind.INDIVIDUAL else credential}


def _reviewed_registration(user, registration_id, action: str) -> BidderRegistration:
    registration = find(registrations_in_scope(user).select_for_update(of=("self",)), registration_id)
    if registration is None:
        raise Http404(_("Not found."))
    if not acts_for_region(user, registration.pool_region, APPROVE):
        raise NotAllowed(_("Bidders of the pool of %(region)s are approved by that region's own bureau.")
                         % {"region": registration.pool_region.name})
    if action not in REGISTRATION_MACHINE.allowed_actions(registration):
        raise StateError(_("The registration is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": registration.get_state_display(), "action": REGISTRATION_ACTIONS[action]})
    return registration


def _decide_registration(user, registration_id, action: str, comment, *, required: bool) -> BidderRegistration:
    registration = _reviewed_registration(user, registration_id, action)
    comment = review_comment(comment, required=required)
    REGISTRATION_MACHINE.transition(registration, action, user, comment, reviewed_by=user,
                                    reviewed_at=timezone.now(), review_comment=comment)
    notify.send([registration.account], _("Your bidder registration with the pool of %(region)s: %(what)s")
                % {"region": registration.pool_region.name, "what": REGISTRATION_ACTIONS[action]}, body=comment,
                link=notify.link_to("service:warehouse:bidding"), category="warehouse")
    return registration


@use_case
def approve_registration(user, registration_id, comment="") -> BidderRegistration:
    return _decide_registration(user, registration_id, "approve", comment, required=False)


@use_case
def reject_registration(user, registration_id, comment) -> BidderRegistration:
    return _decide_registration(user, registration_id, "reject", comment, required=True)


@use_case
def revoke_registration(user, registration_id, comment) -> BidderRegistration:
    """The bidder may bid no more (their bids already made stand)."""
    return _decide_registration(user, registration_id, "revoke", comment, required=True)


def registration_actions(registration: BidderRegistration, user) -> set[str]:
    if not (can_reach(user, APPROVE, registration) and acts_for_region(user, registration.pool_region, APPROVE)):
        return set()
    return set(REGISTRATION_MACHINE.allowed_actions(registration))


# --- Seeing lots and bids ----------------------------------------------------------------------------------------


def _pools_of(user) -> list[str]:
    """The pools a bidder follows: those they registered with (pending or approved), and their unit's region."""
    pools = set(BidderRegistration.objects.filter(account=user, state__in=LIVE).values_list("pool_region_id",
                                                                                         flat=True))
    if user.unit_id:
        pools.add(user.unit.region_id)
    return sorted(pools)


def bidding_lots(user) -> QuerySet:
    """Published bidding lots of the pools the user follows, open or closed (404 for any other)."""
    require(user, BID)
    return DisposalLot.objects.filter(
        method=DisposalMethod.BIDDING, pool_region_id__in=_pools_of(user),
        state__in=(LotState.APPROVED, *CLOSED_STATES)).select_related("pool_region", "winning_bid__bidder")


def open_lots(user) -> QuerySet:
    """The lots the user may bid on now or soon: published and not yet ended, ending first."""
    return bidding_lots(user).filter(state=LotState.APPROVED, ends_at__gt=timezone.now()).order_by("ends_at", "pk")


def bidder_lot(user, lot_id) -> DisposalLot:
    """One lot for a bidder, closed first if its end has passed (bidders may be the first to look)."""
    lot = find(bidding_lots(user), lot_id)
    if lot is None:
        raise Http404(_("Not found."))
    if close_if_due(lot.pk):
        lot = bidding_lots(user).get(pk=lot.pk)
    return lot


def ranked(lot: DisposalLot) -> QuerySet:
    """Valid bids, best first: amount, then the earlier bid, then the lower id."""
    return lot.bids.filter(state=BidState.VALID).select_related("bidder").order_by("-amount", "placed_at", "pk")


def amounts_visible(lot: DisposalLot) -> bool:
    """Open bids are public; sealed ones only once the lot is closed."""
    return not lot.sealed or lot.state in CLOSED_STATES


@dataclass(frozen=True)
class LotView:
    """What may be shown of a lot's bidding: ``highest`` and ``ranking`` are None while sealing hides them;
    ``ranking`` also only for the bureau (bidders never see who else bid)."""

    lot: DisposalLot
    bid_count: int
    highest: Decimal | None
    minimum_bid: Decimal | None
    ranking: list | None
    open_now: bool
    ended: bool
    mine: list
    leading: bool
    registration: BidderRegistration | None


def _minimum_bid(lot: DisposalLot, top: Bid | None) -> Decimal:
    return lot.reserve_price if top is None or lot.sealed else top.amount + lot.min_increment


def lot_view(user, lot: DisposalLot) -> LotView:
    now = timezone.now()
    bids = list(ranked(lot))
    visible = amounts_visible(lot)
    top = bids[0] if bids else None
    bureau = can_reach(user, KEEP, lot) or can_reach(user, APPROVE, lot)
    bidding_on = lot.method == DisposalMethod.BIDDING and lot.state == LotState.APPROVED
    open_now = bidding_on and lot.starts_at <= now < lot.ends_at
    return LotView(
        lot=lot, bid_count=len(bids), highest=top.amount if top and visible else None,
        minimum_bid=_minimum_bid(lot, top) if open_now else None,
        ranking=bids if visible and bureau else None, open_now=open_now,
        ended=not bidding_on or now >= lot.ends_at,
        mine=[bid for bid in bids if bid.bidder.account_id == user.pk],
        leading=bool(top and visible and top.bidder.account_id == user.pk),
        registration=BidderRegistration.objects.filter(account=user, pool_region_id=lot.pool_region_id,
                                                       state__in=LIVE).first())


def my_bids(user) -> QuerySet:
    """The user's bids, newest first, with their lots (the won ones show what to pay by when)."""
    return Bid.objects.filter(bidder__account=user).select_related("lot__winning_bid", "lot__pool_region").order_by(
        "-placed_at", "-pk")


def won_lots(user) -> QuerySet:
    return DisposalLot.objects.filter(winning_bid__bidder__account=user,
                                      state__in=(LotState.AWARDED, LotState.SOLD)).select_related("winning_bid")


# --- Bidding ------------------------------------------------------------------------------------------------------


class BiddingOver(StateError):
    """A bid came after the end: refused, and the lot is closed right after (in a transaction of its own)."""


def _approved_registration(user, lot: DisposalLot) -> BidderRegistration:
    if user.unit is not None:
        _not_the_pools_bureau(user.unit, lot.pool_region)
    registration = BidderRegistration.objects.filter(account=user, pool_region_id=lot.pool_region_id,
                                                     state__in=LIVE).first()
    if registration is None:
        raise NotAllowed(_("Register as a bidder with the pool of %(region)s first.") % {"region": lot.pool_region.name})
    if registration.state != RS.APPROVED:
        raise NotAllowed(_("Your bidder registration is still awaiting the bureau's approval."))
    return registration


@use_case
def _place_bid(user, lot_id, amount) -> Bid:
    require(user, BID)
    lot = find(bidding_lots(user).select_for_update(of=("self",)), lot_id)  # bids on one lot queue here
    if lot is None:
        raise Http404(_("Not found."))
    registration = _approved_registration(user, lot)
    now = timezone.now()
    if lot.state != LotState.APPROVED or now >= lot.ends_at:
        raise BiddingOver(_("Bidding on lot %(lot)s has ended.") % {"lot": lot.number})
    if now < lot.starts_at:
        raise StateError(_("Bidding on lot %(lot)s starts at %(start)s.")
                         % {"lot": lot.number, "start": timezone.localtime(lot.starts_at).strftime("%Y-%m-%d %H:%M")})
    errors = Errors()
    amount = yuan(errors, "amount", amount, label=_("your bid"), allow_zero=True)
    errors.raise_if_any()
    top = ranked(lot).first()
    if lot.sealed and lot.bids.filter(bidder=registration).exists():
        raise Conflict(_("Sealed bidding takes one bid per bidder, and you have made yours."))
    minimum = _minimum_bid(lot, top)
    if amount < minimum:
        raise ValidationFailed(
            _("The bid must be at least the reserve price, %(minimum)s yuan.") % {"minimum": minimum}
            if top is None or lot.sealed else
            _("Someone has bid %(top)s yuan; the next bid must be at least %(minimum)s yuan.")
            % {"top": top.amount, "minimum": minimum}, field="amount")
    bid = Bid.objects.create(lot=lot, bidder=registration, amount=amount, placed_at=now)
    _hold_off_snipers(lot, now, user)
    if top is not None and not lot.sealed and top.bidder_id != registration.pk:
        notify.send([top.bidder.account], _("You have been outbid on lot %(lot)s") % {"lot": lot},
                    body=_("The highest bid is now %(amount)s yuan.") % {"amount": amount},
                    link=notify.link_to("service:warehouse:bidding_lot", lot.pk), category="warehouse")
    return bid


def _hold_off_snipers(lot: DisposalLot, now, user) -> None:
    """An open bid in the last minutes moves the end to that many minutes after it, so others can answer."""
    extension = timedelta(minutes=lot.sniping_minutes)
    if lot.sealed or lot.ends_at - now >= extension:
        return
    lot.ends_at = now + extension
    lot.save()
    record(lot, "extend", lot.state, lot.state, actor=user,
           comment=_("Now ends at %(end)s") % {"end": timezone.localtime(lot.ends_at).strftime("%Y-%m-%d %H:%M:%S")})


def place_bid(user, lot_id, amount) -> Bid:
    """A bid of ``amount`` yuan on an open lot by the user's approved registration with its pool."""
    try:
        return _place_bid(user, lot_id, amount)
    except BiddingOver:
        close_if_due(lot_id)
        raise


# --- Closing, payment, default ---------------------------------------------------------------------------------


def _award(lot: DisposalLot, bid: Bid, action: str, actor=None, comment: str = "") -> None:
    now = timezone.now()
    LOT_MACHINE.transition(lot, action, actor, comment or _("%(amount)s yuan by %(bidder)s")
                           % {"amount": bid.amount, "bidder": bid.bidder.name},
                           winning_bid=bid, awarded_at=now, pay_by=now + timedelta(days=lot.pay_days))
    pay_by = timezone.localtime(lot.pay_by).strftime("%Y-%m-%d %H:%M")
    notify.send([bid.bidder.account], _("You won lot %(lot)s") % {"lot": lot},
                body=_("Your bid of %(amount)s yuan won. Please pay by %(pay_by)s.")
                % {"amount": bid.amount, "pay_by": pay_by},
                link=notify.link_to("service:warehouse:bidding_lot", lot.pk), category="warehouse")
    tell_keepers(lot, _("Lot %(lot)s is awarded; payment due by %(pay_by)s") % {"lot": lot, "pay_by": pay_by})


def _unsold(lot: DisposalLot, actor=None, comment: str = "") -> None:
    LOT_MACHINE.transition(lot, "unsold", actor, comment, winning_bid=None, closed_at=timezone.now())
    release_items(lot, actor, "unsold")
    tell_keepers(lot, _("Lot %(lot)s closed unsold; its items are back in the pool") % {"lot": lot}, comment)


def close_lot(lot: DisposalLot) -> None:
    """Close a locked lot whose bidding has ended: award it to the best bid at or above the reserve, or unsold."""
    if lot.state != LotState.APPROVED or timezone.now() < lot.ends_at:
        return
    best = ranked(lot).filter(amount__gte=lot.reserve_price).first()
    if best is None:
        _unsold(lot, comment=_("No bid reached the reserve price."))
    else:
        _award(lot, best, "award")


def _pass_on(lot: DisposalLot, actor, comment: str) -> None:
    """The winner did not pay: their bid is defaulted and the best bid of another bidder (at or above the reserve)
    is offered the lot; with none left the lot closes unsold."""
    defaulted = lot.winning_bid
    defaulted.state = BidState.DEFAULTED
    defaulted.save(update_fields=["state"])
    gone = lot.bids.filter(state=BidState.DEFAULTED).values("bidder_id")
    following = ranked(lot).filter(amount__gte=lot.reserve_price).exclude(bidder_id__in=gone).first()
    if following is None:
        _unsold(lot, actor, comment)
    else:
        _award(lot, following, "pass_on", actor, comment)


def close_if_due(lot_id) -> bool:
    """Close (or pass on) one lot whose time has come, in a transaction of its own; True if it changed."""
    with transaction.atomic():
        lot = DisposalLot.objects.select_for_update(of=("self",)).select_related(
            "pool_region", "unit", "prepared_by", "winning_bid__bidder__account").filter(pk=lot_id).first()
        if lot is None:
            return False
        now = timezone.now()
        if lot.state == LotState.APPROVED and lot.method == DisposalMethod.BIDDING and now >= lot.ends_at:
            close_lot(lot)
            return True
        if lot.state == LotState.AWARDED and now > lot.pay_by:
            _pass_on(lot, None, _("Not paid by %(pay_by)s") % {
                "pay_by": timezone.localtime(lot.pay_by).strftime("%Y-%m-%d %H:%M")})
            return True
    return False


def close_due_lots(now=None) -> int:
    """The periodic job: close lots whose bidding has ended and pass on those whose winner did not pay in time."""
    now = now or timezone.now()
    due = DisposalLot.objects.filter(Q(state=LotState.APPROVED, method=DisposalMethod.BIDDING, ends_at__lte=now)
                                     | Q(state=LotState.AWARDED, pay_by__lt=now)).values_list("pk", flat=True)
    return sum(close_if_due(pk) for pk in list(due))


@use_case
def confirm_payment(user, lot_id, *, payment_reference, paid_at) -> DisposalLot:
    """The winner paid the treasury: the lot is sold, the proceeds recorded and posted as the keeping unit's
    income, and the items disposed of."""
    lot = locked_lot(user, KEEP, lot_id)
    check(lot, "pay")
    errors = Errors()
    payment_reference = text(errors, "payment_reference", payment_reference,
                             label=_("treasury payment reference"), min_length=4, max_length=40)
    paid_at = date_time_value(errors, "paid_at", paid_at, label=_("paid at"))
    if paid_at and not lot.awarded_at - timedelta(minutes=1) <= paid_at <= timezone.now() + timedelta(minutes=1):
        errors.add("paid_at", _("The payment must be dated between the award (%(awarded)s) and now.")
                   % {"awarded": timezone.localtime(lot.awarded_at).strftime("%Y-%m-%d %H:%M")})
    errors.raise_if_any()
    bid = lot.winning_bid
    summary = _("%(amount)s yuan paid by %(bidder)s, reference %(reference)s") % {
        "amount": bid.amount, "bidder": bid.bidder.name, "reference": payment_reference}
    LOT_MACHINE.transition(lot, "pay", user, summary, paid_at=paid_at, payment_reference=payment_reference,
                           proceeds=bid.amount, closed_at=timezone.now())
    dispose_items(lot, user, summary)
    post_income(unit=lot.unit, module="warehouse", category=INCOME_CATEGORY, amount=bid.amount,
                occurred_on=timezone.localdate(paid_at), description=str(lot)[:200], subject=lot, actor=user)
    notify.send([bid.bidder.account], _("Your payment for lot %(lot)s is received") % {"lot": lot},
                link=notify.link_to("service:warehouse:bidding_lot", lot.pk), category="warehouse")
    return lot


@use_case
def pass_to_next_bidder(user, lot_id, comment) -> DisposalLot:
    """The bureau gives up on a winner who did not pay by the deadline."""
    lot = locked_lot(user, KEEP, lot_id)
    check(lot, "pass_on")
    if timezone.now() <= lot.pay_by:
        raise StateError(_("The winner has until %(pay_by)s to pay.")
                         % {"pay_by": timezone.localtime(lot.pay_by).strftime("%Y-%m-%d %H:%M")})
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=1000)
    errors.raise_if_any()
    _pass_on(lot, user, comment)
    return lot
