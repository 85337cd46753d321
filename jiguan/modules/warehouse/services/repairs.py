"""Repairs (修复 → 在仓): the only place repairs change. The keeper (KEEP over the card) sends a free item of
the pool — or one just returned damaged from a loan — to a repairer; the item is out of the catalogue until
it comes back. Repaired, it is free again in the condition the keeper found; beyond repair, it is free again
marked "needs repair" with a note that it is for disposal. What the repair cost is posted to the keeping
unit's ledger against its invoice.

One live repair per item: the asset row is locked first, so a second sending finds it under repair; the
partial unique index backs this up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core.errors import StateError
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import use_case
from jiguan.core.services.costs import post_cost
from jiguan.core.services.inputs import Errors, choice, date_value, find, text, yuan
from jiguan.core.statemachine import StateMachine, record

from ..models import Asset, AssetState, Condition, Repair, RepairState
from ..module import KEEP, VIEW
from . import cleared

RS = RepairState
REPAIR_MACHINE = StateMachine("state", {  # the action is the outcome
    RS.REPAIRED: {RS.IN_REPAIR: RS.REPAIRED},
    RS.BEYOND_REPAIR: {RS.IN_REPAIR: RS.BEYOND_REPAIR},
})
REPAIR_ASSET_MACHINE = StateMachine("state", {
    "send_to_repair": {AssetState.IN_POOL: AssetState.IN_REPAIR},
    "back_from_repair": {AssetState.IN_REPAIR: AssetState.IN_POOL},
})
REPAIR_ACTIONS = {
    "send": pgettext_lazy("warehouse repair action", "Sent for repair"),
    RS.REPAIRED: pgettext_lazy("warehouse repair action", "Repaired"),
    RS.BEYOND_REPAIR: pgettext_lazy("warehouse repair action", "Found beyond repair"),
}
class _Outcome:
    """The two ways a repair ends, for ``choice()``."""

    choices = [(RS.REPAIRED.value, RS.REPAIRED.label), (RS.BEYOND_REPAIR.value, RS.BEYOND_REPAIR.label)]


CENT = Decimal("0.01")  # amounts are stored, and answered, in fen
REPAIR_CATEGORY = "公物仓资产维修"  # stored data, in Chinese like the rest of the cost ledger
REPAIR_RELATED = ("asset__category", "asset__source_unit", "asset__unit", "asset__warehouse", "asset__pool_region",
                  "asset__location__warehouse", "unit", "loan__unit", "sent_by")


def _past_day(errors: Errors, field: str, value, *, label: str, not_before: date | None = None) -> date | None:
    """A day that is not in the future (empty: today), and not before ``not_before``."""
    day = date_value(errors, field, value, label=label)
    if day and day > timezone.localdate():
        errors.add(field, _("%(field)s cannot be in the future.") % {"field": label})
    elif day and not_before and day < not_before:
        errors.add(field, _("%(field)s cannot be before %(day)s.") % {"field": label, "day": not_before})
    return day


def repair_fields(errors: Errors, *, fault, repairer, sent_on, expected_back_on=None) -> dict:
    """The checked details of a repair to be opened (shared with the return of a loan, so one answer names
    every bad field)."""
    fields = {
        "fault": text(errors, "fault", fault, label=_("the fault"), min_length=2, max_length=1000),
        "repairer": text(errors, "repairer", repairer, label=_("the repairer"), min_length=2, max_length=100),
        "sent_on": _past_day(errors, "sent_on", sent_on, label=_("the day it is sent for repair")),
        "expected_back_on": None,
    }
    if expected_back_on not in (None, ""):
        back = date_value(errors, "expected_back_on", expected_back_on, label=_("the expected day back"))
        if back and fields["sent_on"] and back < fields["sent_on"]:
            errors.add("expected_back_on", _("The expected day back cannot be before the day it is sent (%(day)s).")
                       % {"day": fields["sent_on"]})
        fields["expected_back_on"] = back
    return fields


def _kept_asset(user, asset_id) -> Asset:
    """The locked card the user keeps; 404 otherwise."""
    require(user, KEEP)
    assets = cleared(user, scoped(Asset.objects.select_for_update(of=("self",)), user, KEEP))
    asset = find(assets.select_related("unit"), asset_id)
    if asset is None:
        raise Http404(_("Not found."))
    return asset


@use_case
def send_to_repair(user, asset_id, *, fault, repairer, sent_on=None, expected_back_on=None, loan=None) -> Repair:
    """Send a free item of the pool to a repairer (``loan``: the loan whose return found the damage)."""
    asset = _kept_asset(user, asset_id)
    errors = Errors()
    fields = repair_fields(errors, fault=fault, repairer=repairer, sent_on=sent_on, expected_back_on=expected_back_on)
    errors.raise_if_any()
    if asset.state != AssetState.IN_POOL:
        raise StateError(_("%(asset)s is “%(state)s”; only an item free in the pool can be sent for repair.")
                         % {"asset": asset, "state": asset.get_state_display()})
    repair = Repair(asset=asset, unit=asset.unit, loan=loan, sent_by=user, **fields)
    repair.save()
    summary = _("Sent to %(repairer)s: %(fault)s") % fields
    REPAIR_ASSET_MACHINE.transition(asset, "send_to_repair", user, summary)
    record(repair, "send", "", repair.state, actor=user, comment=summary)
    return repair


def repairs_in_scope(user) -> QuerySet:
    """The repairs of the cards the user's role reaches (``unit`` is the keeping unit)."""
    require(user, VIEW)
    return cleared(user, scoped(Repair.objects.select_related(*REPAIR_RELATED), user, VIEW))


def _cost(errors: Errors, outcome: str, cost, invoice_number) -> tuple:
    if cost in (None, "") and outcome == RS.BEYOND_REPAIR:
        amount = None
    else:
        amount = yuan(errors, "cost", cost, label=_("the repair cost"), allow_zero=True)
        amount = amount.quantize(CENT) if amount is not None else None
    invoice_number = text(errors, "invoice_number", invoice_number, label=_("the invoice number"), max_length=40,
                          required=bool(amount))
    return amount, invoice_number


@use_case
def finish_repair(user, repair_id, *, outcome, finished_on=None, cost=None, invoice_number="", condition_after="",
                  outcome_note="") -> Repair:
    """The item is back from the repairer: free in the pool again, repaired or marked for disposal; the cost
    is posted to the keeping unit's ledger."""
    require(user, KEEP)
    reachable = scoped(Asset.objects.all(), user, KEEP).values("pk")
    repairs = Repair.objects.select_for_update(of=("self",)).select_related(*REPAIR_RELATED)
    repair = find(cleared(user, repairs.filter(asset__in=reachable)), repair_id)
    if repair is None:
        raise Http404(_("Not found."))
    if repair.state != RS.IN_REPAIR:
        raise StateError(_("The repair is “%(state)s”; it has already been finished.")
                         % {"state": repair.get_state_display()})
    errors = Errors()
    outcome = choice(errors, "outcome", outcome, label=_("the outcome"), choices=_Outcome)
    finished_on = _past_day(errors, "finished_on", finished_on, label=_("the day it came back"),
                            not_before=repair.sent_on)
    amount, invoice_number = _cost(errors, outcome, cost, invoice_number)
    beyond = outcome == RS.BEYOND_REPAIR
    condition_after = Condition.POOR if beyond else choice(
        errors, "condition_after", condition_after, label=_("the condition after repair"), choices=Condition)
    outcome_note = text(errors, "outcome_note", outcome_note, label=_("the outcome remarks"), max_length=1000,
                        required=beyond)
    errors.raise_if_any()
    summary = outcome_note or REPAIR_ACTIONS[outcome]
    REPAIR_MACHINE.transition(repair, outcome, user, summary, finished_on=finished_on, finished_by=user, cost=amount,
                              invoice_number=invoice_number, condition_after=condition_after,
                              outcome_note=outcome_note)
    asset = Asset.objects.select_for_update(of=("self",)).get(pk=repair.asset_id)
    changes = {"condition": condition_after}
    if beyond:  # the card says so wherever it is read, for whoever makes up the next disposal lot
        mark = _("Beyond repair (%(day)s), for disposal: %(note)s") % {"day": finished_on, "note": outcome_note}
        changes["note"] = f"{asset.note}\n{mark}".strip()
    REPAIR_ASSET_MACHINE.transition(asset, "back_from_repair", user, summary, **changes)
    if amount:
        post_cost(unit=repair.unit, module="warehouse", category=REPAIR_CATEGORY, amount=amount,
                  occurred_on=finished_on, description=f"{asset} {repair.repairer}"[:200], subject=repair, actor=user)
    return repair


def allowed_actions(repair: Repair, user) -> set[str]:
    return {"finish"} if repair.state == RS.IN_REPAIR and can_reach(user, KEEP, repair.asset) else set()
