"""Loans (借用 → 归还): the only place loans change. A unit borrows a free item of its region's pool for a
meeting, an event or a temporary body, until a due date of at most 180 days after the first day.

The item is reserved at the request, so it leaves the catalogue. The pool's bureau (APPROVE reaching the card,
acting for the pool's region) approves or refuses — refusing frees the item; the borrowing unit may withdraw
until the item is lent. The keeper (KEEP) lends it against the collector's signature — the card stays with the
keeper, a loan moves no ownership — and takes it back, inspecting its condition: a worse condition needs a
note, and a damage charge is posted to the borrowing unit's ledger as a cost and to the keeper's as income.
An item that came back broken goes straight to a repairer (``services.repairs``).

The daily job reminds the borrower three days before the due date (once per due date: an extension clears
``reminded_on``) and, once the date has passed, opens one overdue event for the keeping unit; returning the
item, or extending the loan past today, settles it.

Two units borrowing the last item at once: the asset row is locked first, so the second finds it reserved and
is told so (``Conflict``); the partial unique index (one live loan per item) backs this up."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import Conflict, ValidationFailed
from jiguan.core.models import Event
from jiguan.core.scoping import can_reach, has_permission, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import (
    acts_for_region,
    permission_holders,
    region_bureau_accounts,
    subject_reference,
    use_case,
)
from jiguan.core.services.costs import post_cost, post_income
from jiguan.core.services.events import OPEN_STATES, announce_dispatched, open_event, settle_event
from jiguan.core.services.inputs import Errors, choice, date_value, find, text, yuan
from jiguan.core.statemachine import StateMachine, record

from ..models import Asset, AssetState, Condition, Loan, LoanPurpose, LoanState
from ..module import APPROVE, KEEP, OFFER, VIEW
from . import PoolRequestFlow, cleared, handled, own_unit, repairs
from .reuse import signature_image

LS = LoanState
LOAN_MACHINE = StateMachine("state", {
    "approve": {LS.REQUESTED: LS.APPROVED},
    "reject": {LS.REQUESTED: LS.REJECTED},
    "withdraw": {LS.REQUESTED: LS.WITHDRAWN, LS.APPROVED: LS.WITHDRAWN},
    "lend": {LS.APPROVED: LS.LENT},
    "extend": {LS.LENT: LS.LENT},
    "return": {LS.LENT: LS.RETURNED},
})
# What a loan does to its item; reuse has its own machine (``reuse.ASSET_MACHINE``).
LOAN_ASSET_MACHINE = StateMachine("state", {
    "reserve": {AssetState.IN_POOL: AssetState.RESERVED},
    "release": {AssetState.RESERVED: AssetState.IN_POOL},
    "lend": {AssetState.RESERVED: AssetState.ON_LOAN},
    "take_back": {AssetState.ON_LOAN: AssetState.IN_POOL},
})
LOAN_ACTIONS = {
    "request": pgettext_lazy("warehouse loan action", "Requested"),
    "approve": pgettext_lazy("warehouse loan action", "Approved"),
    "reject": pgettext_lazy("warehouse loan action", "Refused"),
    "withdraw": pgettext_lazy("warehouse loan action", "Withdrawn"),
    "lend": pgettext_lazy("warehouse loan action", "Lent"),
    "extend": pgettext_lazy("warehouse loan action", "Extended"),
    "return": pgettext_lazy("warehouse loan action", "Returned"),
    "remind": pgettext_lazy("warehouse loan action", "Reminded"),
}
MAX_LOAN_DAYS = 180
MAX_LEAD_DAYS = 90  # how far ahead a loan may be requested: the item is reserved from the request on
REMIND_DAYS = 3
REMINDERS_LISTED = 10  # loans named in a manager's summary
DAMAGE_CATEGORY = "公物仓借用损坏赔偿"  # stored data, in Chinese like the rest of the cost ledger
OVERDUE_EVENT = "warehouse.loan_overdue"
CONDITION_RANK = {value: rank for rank, value in enumerate(Condition.values)}  # as new … needs repair
LOAN_RELATED = ("asset__category", "asset__source_unit", "asset__unit", "asset__warehouse", "asset__pool_region",
                "asset__location__warehouse", "unit", "requested_by")
LOAN_FLOW = PoolRequestFlow(LOAN_MACHINE, LOAN_ASSET_MACHINE, LOAN_ACTIONS,
                            gettext_lazy("The loan is “%(state)s”; “%(action)s” is not possible now."),
                            item_related=("unit", "pool_region"))


# --- Requesting ---------------------------------------------------------------------------------------------


def _day(errors: Errors, field: str, value, *, label: str) -> date | None:
    if value in (None, ""):
        errors.add(field, _("Please fill in %(field)s.") % {"field": label})
        return None
    return date_value(errors, field, value, label=label)


def latest_due(starts_on: date) -> date:
    return starts_on + timedelta(days=MAX_LOAN_DAYS)


def _check_due(errors: Errors, starts_on: date, due_on: date) -> None:
    if due_on < starts_on:
        errors.add("due_on", _("The due date cannot be before the first day of the loan (%(day)s).")
                   % {"day": starts_on})
    elif due_on > latest_due(starts_on):
        errors.add("due_on", _("A loan lasts at most %(days)d days: from %(start)s it is due back by %(latest)s "
                               "at the latest.") % {"days": MAX_LOAN_DAYS, "start": starts_on,
                                                    "latest": latest_due(starts_on)})


def _period(errors: Errors, starts_on, due_on) -> tuple[date | None, date | None]:
    today = timezone.localdate()
    starts_on = _day(errors, "starts_on", starts_on, label=_("the first day of the loan"))
    due_on = _day(errors, "due_on", due_on, label=_("the due date"))
    if starts_on and starts_on < today:
        errors.add("starts_on", _("A loan cannot start in the past: %(day)s is before today (%(today)s).")
                   % {"day": starts_on, "today": today})
    elif starts_on and starts_on > today + timedelta(days=MAX_LEAD_DAYS):
        errors.add("starts_on", _("A loan can be requested at most %(days)d days ahead: it starts on %(latest)s "
                                  "at the latest.") % {"days": MAX_LEAD_DAYS,
                                                       "latest": today + timedelta(days=MAX_LEAD_DAYS)})
    if starts_on and due_on:
        _check_due(errors, starts_on, due_on)
    return starts_on, due_on


@use_case
def request_loan(user, asset_id, *, purpose_kind, purpose, starts_on, due_on) -> Loan:
    """The user's unit asks to borrow a free item of its region's pool; the item is reserved for it at once.
    The asset row is locked first, so of two units asking at once the second finds it reserved."""
    unit = own_unit(user)
    errors = Errors()
    purpose_kind = choice(errors, "purpose_kind", purpose_kind, label=_("what the item is borrowed for"),
                          choices=LoanPurpose)
    purpose = text(errors, "purpose", purpose, label=_("the purpose of the loan"), min_length=4, max_length=1000)
    starts_on, due_on = _period(errors, starts_on, due_on)
    errors.raise_if_any()
    asset = find(cleared(user, Asset.objects.select_for_update(of=("self",)).filter(
        pool_region_id=unit.region_id)), asset_id)
    if asset is None:
        raise Http404(_("Not found."))
    if asset.state != AssetState.IN_POOL:
        raise Conflict(_("%(asset)s is no longer available (“%(state)s”): another unit may just have requested it.")
                       % {"asset": asset, "state": asset.get_state_display()})
    if asset.source_unit_id == unit.pk:
        raise ValidationFailed(_("%(asset)s came from your own unit; a unit cannot borrow its own item back.")
                               % {"asset": asset}, field="asset_id")
    loan = Loan(asset=asset, unit=unit, purpose_kind=purpose_kind, purpose=purpose, starts_on=starts_on,
                due_on=due_on, requested_by=user)
    loan.save()
    LOAN_ASSET_MACHINE.transition(asset, "reserve", user, _("Loan requested by %(unit)s") % {"unit": unit.name})
    record(loan, "request", "", loan.state, actor=user, comment=purpose)
    notify.send(region_bureau_accounts(asset.pool_region, APPROVE),
                _("%(unit)s asks to borrow %(asset)s from %(start)s to %(due)s")
                % {"unit": unit.name, "asset": asset, "start": starts_on, "due": due_on},
                body=purpose, link=notify.link_to("manage:warehouse:loan", loan.pk), category="warehouse")
    return loan


# --- Who sees which loans -----------------------------------------------------------------------------------


def loans_in_scope(user) -> QuerySet:
    """A bureau sees the loans of the cards it keeps and the loans of the units in its scope; a unit its own
    (and those of the cards it holds)."""
    require(user, VIEW)
    cards = scoped(Asset.objects.all(), user, VIEW).values("pk")
    borrowed = scoped(Loan.objects.all(), user, VIEW).values("pk")
    return cleared(user, Loan.objects.filter(Q(asset__in=cards) | Q(pk__in=borrowed))
                   .select_related(*LOAN_RELATED))


def my_unit_loans(user) -> QuerySet:
    """The loans of the user's own unit (the service portal's "my loans")."""
    require(user, OFFER)
    return cleared(user, Loan.objects.filter(unit_id=user.unit_id).select_related(*LOAN_RELATED))


def overdue(loans: QuerySet, today: date | None = None) -> QuerySet:
    return loans.filter(state=LS.LENT, due_on__lt=today or timezone.localdate())


def days_left(loan: Loan, today: date | None = None) -> int | None:
    """Days until the due date of a lent item (negative when overdue); None when the item is not out."""
    if loan.state != LS.LENT:
        return None
    return (loan.due_on - (today or timezone.localdate())).days


# --- Deciding, lending, extending, returning ----------------------------------------------------------------


def _handled_loan(user, permission: str, loan_id) -> Loan:
    return handled(user, permission, Loan.objects.select_related(*LOAN_RELATED), loan_id,
                   others_pool=_("Loans from the pool of %(region)s are decided by that region's own bureau."))


def _tell_borrower(loan: Loan, title: str, body: str = "") -> None:
    notify.send([loan.requested_by, *permission_holders(loan.unit.org_path, OFFER, nearest=True)], title,
                body=body, link=notify.link_to("service:warehouse:my_loan", loan.pk), category="warehouse")


@use_case
def approve_loan(user, loan_id, comment="") -> Loan:
    loan = _handled_loan(user, APPROVE, loan_id)
    comment = LOAN_FLOW.review(user, loan, "approve", comment)
    _tell_borrower(loan, _("Your loan of %(asset)s is approved; collect it from %(start)s")
                   % {"asset": loan.asset, "start": loan.starts_on}, comment)
    return loan


@use_case
def reject_loan(user, loan_id, comment) -> Loan:
    loan = _handled_loan(user, APPROVE, loan_id)
    comment = LOAN_FLOW.review(user, loan, "reject", comment)
    _tell_borrower(loan, _("Your loan of %(asset)s is refused") % {"asset": loan.asset}, comment)
    return loan


@use_case
def withdraw_loan(user, loan_id, comment="") -> Loan:
    """The borrowing unit no longer needs the item (before it is lent): the item is free again."""
    loan = find(my_unit_loans(user).select_for_update(of=("self",)), loan_id)
    if loan is None:
        raise Http404(_("Not found."))
    comment, asset = LOAN_FLOW.withdraw(user, loan, comment)
    notify.send(region_bureau_accounts(asset.pool_region, APPROVE),
                _("%(unit)s withdrew its loan request for %(asset)s") % {"unit": loan.unit.name, "asset": asset},
                body=comment, link=notify.link_to("manage:warehouse:loan", loan.pk), category="warehouse")
    return loan


@use_case
def lend(user, loan_id, *, received_by_name, signature, condition_out) -> Loan:
    """The borrower's collector signs for the item; the card stays with the keeper."""
    loan = _handled_loan(user, KEEP, loan_id)
    LOAN_FLOW.check(loan, "lend")
    errors = Errors()
    received_by_name = text(errors, "received_by_name", received_by_name, label=_("the collector's name"),
                            min_length=2, max_length=50)
    signature = signature_image(errors, signature)
    condition_out = choice(errors, "condition_out", condition_out, label=_("the condition when lent"),
                           choices=Condition)
    errors.raise_if_any()
    summary = _("Lent to %(unit)s, collected by %(name)s, due back on %(due)s") % {
        "unit": loan.unit.name, "name": received_by_name, "due": loan.due_on}
    LOAN_MACHINE.transition(loan, "lend", user, summary, lent_at=timezone.now(), lent_by=user,
                            received_by_name=received_by_name, signature=signature, condition_out=condition_out)
    LOAN_ASSET_MACHINE.transition(LOAN_FLOW.locked_item(loan), "lend", user, summary, condition=condition_out)
    _tell_borrower(loan, _("%(asset)s has been lent to your unit; due back on %(due)s")
                   % {"asset": loan.asset, "due": loan.due_on}, summary)
    return loan


@use_case
def extend_loan(user, loan_id, *, due_on, comment="") -> Loan:
    """The pool's bureau moves the due date of a lent item later, within 180 days of the first day."""
    loan = _handled_loan(user, APPROVE, loan_id)
    LOAN_FLOW.check(loan, "extend")
    errors = Errors()
    new_due = _day(errors, "due_on", due_on, label=_("the new due date"))
    comment = text(errors, "comment", comment, label=_("review remarks"), max_length=1000, required=False)
    if new_due and new_due <= loan.due_on:
        errors.add("due_on", _("The new due date must be after the current one (%(day)s).") % {"day": loan.due_on})
    elif new_due:
        _check_due(errors, loan.starts_on, new_due)
    errors.raise_if_any()
    summary = _("Due date moved from %(old)s to %(new)s") % {"old": loan.due_on, "new": new_due}
    LOAN_MACHINE.transition(loan, "extend", user, f"{summary}\n{comment}" if comment else summary,
                            due_on=new_due, reminded_on=None)
    if new_due >= timezone.localdate():
        _settle_overdue(loan, summary, user)
    _tell_borrower(loan, _("Your loan of %(asset)s is extended to %(due)s") % {"asset": loan.asset, "due": new_due},
                   comment)
    return loan


def _return_fields(errors: Errors, loan: Loan, *, returned_by_name, condition_back, damage_charge, return_note):
    returned_by_name = text(errors, "returned_by_name", returned_by_name, label=_("the name of who returned it"),
                            min_length=2, max_length=50)
    condition_back = choice(errors, "condition_back", condition_back, label=_("the condition when returned"),
                            choices=Condition)
    return_note = text(errors, "return_note", return_note, label=_("the inspection remarks"), max_length=1000,
                       required=False)
    damage_charge = yuan(errors, "damage_charge", 0 if damage_charge in (None, "") else damage_charge,
                         label=_("the damage charge"), allow_zero=True)
    damage_charge = damage_charge.quantize(repairs.CENT) if damage_charge is not None else None
    if "condition_back" in errors:
        return returned_by_name, condition_back, damage_charge, return_note
    before = loan.condition_out or loan.asset.condition
    worse = CONDITION_RANK[condition_back] > CONDITION_RANK[before]
    labels = {"out": Condition(before).label, "back": Condition(condition_back).label}
    if worse and not return_note:
        errors.add("return_note", _("The item came back in a worse condition than when lent (%(out)s → %(back)s); "
                                    "please note what is damaged.") % labels)
    if damage_charge and not worse:
        errors.add("damage_charge", _("A damage charge needs the item back in a worse condition than when lent "
                                      "(%(out)s).") % labels)
    return returned_by_name, condition_back, damage_charge, return_note


@use_case
def return_loan(user, loan_id, *, returned_by_name, condition_back, damage_charge=0, return_note="",
                send_to_repair=False, repairer="", fault="") -> Loan:
    """The keeper takes the item back and inspects it: it is free in the pool again (or goes straight to a
    repairer); a damage charge is a cost of the borrowing unit and income of the keeping unit."""
    loan = _handled_loan(user, KEEP, loan_id)
    LOAN_FLOW.check(loan, "return")
    errors = Errors()
    returned_by_name, condition_back, damage_charge, return_note = _return_fields(
        errors, loan, returned_by_name=returned_by_name, condition_back=condition_back,
        damage_charge=damage_charge, return_note=return_note)
    today = timezone.localdate()
    repair = repairs.repair_fields(errors, fault=fault, repairer=repairer, sent_on=today) if send_to_repair else None
    errors.raise_if_any()
    summary = _("Returned by %(name)s, condition “%(condition)s”") % {
        "name": returned_by_name, "condition": Condition(condition_back).label}
    LOAN_MACHINE.transition(loan, "return", user, f"{summary}\n{return_note}" if return_note else summary,
                            returned_at=timezone.now(), returned_by_name=returned_by_name, return_checked_by=user,
                            condition_back=condition_back, damage_charge=damage_charge, return_note=return_note)
    asset = LOAN_FLOW.locked_item(loan)
    LOAN_ASSET_MACHINE.transition(asset, "take_back", user, summary, condition=condition_back)
    _settle_overdue(loan, summary, user)
    if damage_charge:
        charge = {"module": "warehouse", "category": DAMAGE_CATEGORY, "amount": damage_charge, "occurred_on": today,
                  "description": str(asset)[:200], "subject": loan, "actor": user}
        post_cost(unit=loan.unit, **charge)
        post_income(unit=asset.unit, **charge)
    if repair is not None:
        repairs.send_to_repair(user, asset.pk, **repair, loan=loan)
    _tell_borrower(loan, _("%(asset)s has been returned") % {"asset": asset},
                   summary + (_("; damage charge %(amount)s yuan") % {"amount": damage_charge} if damage_charge else ""))
    return loan


def allowed_actions(loan: Loan, user) -> set[str]:
    """What ``user`` may do to the loan now (the buttons of the portals and the app)."""
    possible = set(LOAN_MACHINE.allowed_actions(loan))
    actions = set()
    if "withdraw" in possible and loan.unit_id == user.unit_id and has_permission(user, OFFER):
        actions.add("withdraw")
    deciding = possible & {"approve", "reject", "extend"}
    if deciding and can_reach(user, APPROVE, loan.asset) and acts_for_region(user, loan.asset.pool_region, APPROVE):
        actions |= deciding
    keeping = possible & {"lend", "return"}
    if keeping and can_reach(user, KEEP, loan.asset):
        actions |= keeping
    return actions


# --- Reminders and overdue loans (the daily job) ------------------------------------------------------------


def _open_overdue_events(loan: Loan) -> QuerySet:
    content_type, object_id = subject_reference(loan)
    return Event.objects.filter(type=OVERDUE_EVENT, status__in=OPEN_STATES, subject_type=content_type,
                                subject_id=object_id)


def _settle_overdue(loan: Loan, comment: str, actor) -> None:
    for event_id in _open_overdue_events(loan).values_list("pk", flat=True):
        settle_event(event_id, comment, actor=actor)


def _claim(pk: int, **conditions) -> Loan | None:
    return Loan.objects.select_for_update(of=("self",)).select_related(*LOAN_RELATED).filter(
        pk=pk, **conditions).first()


def _mark_reminded(loan: Loan, title: str, today: date) -> None:
    loan.reminded_on = today
    loan.save(update_fields=["reminded_on"])
    record(loan, "remind", loan.state, loan.state, comment=title)


def _tell_borrowers(reminders: list[tuple[Loan, str]], summary, listed: str) -> None:
    """The daily job's reminders, sent once it has gone through every loan: each requester hears of their own
    loan, and the borrowing units' asset managers of theirs — one summary (``summary(n)``, the first titles as
    its body, linking to the loans list filtered by ``listed``) for a manager answering for several, as a
    bureau standing in for units without one does."""
    by_manager = defaultdict(list)
    for loan, title in reminders:
        body = _("%(asset)s, borrowed for: %(purpose)s") % {"asset": loan.asset, "purpose": loan.purpose}
        notify.send([loan.requested_by], title, body=body,
                    link=notify.link_to("service:warehouse:my_loan", loan.pk), category="warehouse")
        for account in permission_holders(loan.unit.org_path, OFFER, nearest=True):
            if account != loan.requested_by:
                by_manager[account].append((loan, title, body))
    for account, own in by_manager.items():
        if len(own) == 1:
            [(loan, title, body)] = own
            notify.send([account], title, body=body, link=notify.link_to("manage:warehouse:loan", loan.pk),
                        category="warehouse")
            continue
        titles = [title for _loan, title, _body in own[:REMINDERS_LISTED]]
        if len(own) > REMINDERS_LISTED:
            titles.append(_("… and %(n)d more") % {"n": len(own) - REMINDERS_LISTED})
        link = notify.link_to("manage:warehouse:loans")
        notify.send([account], summary(len(own)), body="\n".join(titles), link=f"{link}?{listed}" if link else "",
                    category="warehouse")


def remind_due_soon(today: date) -> int:
    """Lent items due within three days: the borrowing unit is reminded once per due date."""
    conditions = {"state": LS.LENT, "due_on__gte": today, "due_on__lte": today + timedelta(days=REMIND_DAYS),
                  "reminded_on__isnull": True}
    reminders = []
    for pk in Loan.objects.filter(**conditions).values_list("pk", flat=True):
        with transaction.atomic():
            loan = _claim(pk, **conditions)
            if loan is None:  # returned or reminded meanwhile
                continue
            title = _("Please return %(asset)s by %(due)s") % {"asset": loan.asset, "due": loan.due_on}
            _mark_reminded(loan, title, today)
            reminders.append((loan, title))
    _tell_borrowers(reminders, lambda n: _("%(n)d borrowed items are due back within %(days)d days")
                    % {"n": n, "days": REMIND_DAYS}, listed=f"state={LS.LENT}")
    return len(reminders)


def flag_overdue(today: date) -> int:
    """Lent items past their due date: one overdue event for the keeping unit per loan, and the borrower told.
    The keeping units' handlers hear once of the events opened together."""
    conditions = {"state": LS.LENT, "due_on__lt": today}
    reminders, opened = [], []
    for pk in Loan.objects.filter(**conditions).values_list("pk", flat=True):
        with transaction.atomic():
            loan = _claim(pk, **conditions)
            if loan is None or _open_overdue_events(loan).exists():
                continue
            event_title = _("%(asset)s lent to %(unit)s was due back on %(due)s") % {
                "asset": loan.asset, "unit": loan.unit.name, "due": loan.due_on}
            keeper = loan.asset.unit
            opened.append(open_event(type=OVERDUE_EVENT, title=event_title[:200], unit=keeper, assignee_unit=keeper,
                                     subject=loan, description=loan.purpose, tell_handlers=False))
            title = _("%(asset)s is overdue: it was due back on %(due)s") % {"asset": loan.asset, "due": loan.due_on}
            _mark_reminded(loan, title, today)
            reminders.append((loan, title))
    announce_dispatched(opened, lambda n: _("%(n)d lent items are overdue: new events to handle") % {"n": n})
    _tell_borrowers(reminders, lambda n: _("%(n)d borrowed items are overdue") % {"n": n}, listed="overdue=1")
    return len(opened)


def run_loan_reminders(today: date | None = None) -> dict[str, int]:
    """The daily job: each loan in its own transaction; a loan changed meanwhile is skipped."""
    today = today or timezone.localdate()
    return {"reminded": remind_due_soon(today), "overdue": flag_overdue(today)}
