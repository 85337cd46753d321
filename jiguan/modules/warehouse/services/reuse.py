"""The catalogue, reuse (调剂) and "search before you buy" (先调剂后购置). The only place reuse requests and
purchase checks change, and where a reused item's ownership moves.

A unit requests an item of its region's pool: the item is reserved at once, so it leaves the catalogue. The
bureau keeping the item (APPROVE reaching the card) approves or refuses — refusing frees the item; the
requesting unit may withdraw until the hand-over. At the hand-over (KEEP) the receiver signs, the card moves
to the requesting unit and the item's original value is posted to that unit's cost ledger as a saving: the
purchase the unit did not have to make offsets its running cost, which is how the platform reports money
saved by reuse.

Two units asking for the last item at once: the asset row is locked first, so the second finds it reserved
and is told so (``Conflict``); the partial unique index (one live request per item) backs this up."""

from __future__ import annotations

import base64
import binascii

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import Conflict, ValidationFailed
from jiguan.core.scoping import can_reach, has_permission, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import acts_for_region, permission_holders, use_case
from jiguan.core.services.costs import post_income
from jiguan.core.services.inputs import Errors, bounded_int, choice, find, text
from jiguan.core.statemachine import StateMachine, record

from ..models import (
    Asset,
    AssetCategory,
    AssetState,
    PurchaseCheck,
    PurchaseDecision,
    ReuseRequest,
    ReuseState,
    StorageKind,
)
from ..module import APPROVE, KEEP, OFFER, VIEW
from . import PoolRequestFlow, catalogue, cleared, handled, own_unit

RS = ReuseState
REUSE_MACHINE = StateMachine("state", {
    "approve": {RS.REQUESTED: RS.APPROVED},
    "reject": {RS.REQUESTED: RS.REJECTED},
    "withdraw": {RS.REQUESTED: RS.WITHDRAWN, RS.APPROVED: RS.WITHDRAWN},
    "hand_over": {RS.APPROVED: RS.HANDED_OVER},
})
ASSET_MACHINE = StateMachine("state", {
    "reserve": {AssetState.IN_POOL: AssetState.RESERVED},
    "release": {AssetState.RESERVED: AssetState.IN_POOL},
    "transfer": {AssetState.RESERVED: AssetState.TRANSFERRED},
})
REUSE_ACTIONS = {
    "request": pgettext_lazy("warehouse reuse action", "Requested"),
    "approve": pgettext_lazy("warehouse reuse action", "Approved"),
    "reject": pgettext_lazy("warehouse reuse action", "Refused"),
    "withdraw": pgettext_lazy("warehouse reuse action", "Withdrawn"),
    "hand_over": pgettext_lazy("warehouse reuse action", "Handed over"),
}
SAVING_CATEGORY = "公物仓调剂节约"
SIGNATURE_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 200 * 1024
REQUEST_RELATED = ("asset__category", "asset__source_unit", "asset__unit", "asset__warehouse", "asset__pool_region",
                   "asset__location__warehouse", "unit", "requested_by")
REUSE_FLOW = PoolRequestFlow(REUSE_MACHINE, ASSET_MACHINE, REUSE_ACTIONS,
                             gettext_lazy("The reuse request is “%(state)s”; “%(action)s” is not possible now."),
                             item_related=("unit", "source_unit"))


# --- The catalogue ----------------------------------------------------------------------------------------------


def category_subtree(code: str) -> Q:
    """Rows of category ``code`` and of every category below it: the codes sharing its significant digits
    (``A05010000`` → ``A0501``). An unknown code matches nothing."""
    category = AssetCategory.objects.filter(code=code).first()
    if category is None:
        return Q(pk__in=[])
    return Q(category__code__startswith=category.code[:1 + 2 * category.level])


def _catalogue(user) -> QuerySet:
    return catalogue(user).select_related("unit", "location__warehouse")


def search(user, *, q="", category_code="", condition="", warehouse_id="", storage_kind="") -> QuerySet:
    """The catalogue the user's unit may request from, filtered; newest first. Unknown filter values match
    nothing rather than everything."""
    items = _catalogue(user)
    q = (q or "").strip()
    if q:
        items = items.filter(Q(name__icontains=q) | Q(specification__icontains=q) | Q(number__icontains=q))
    if category_code:
        items = items.filter(category_subtree(category_code))
    if condition:
        items = items.filter(condition=condition)
    if warehouse_id:
        items = items.filter(warehouse_id=warehouse_id) if str(warehouse_id).isdigit() else items.none()
    if storage_kind:
        items = items.filter(storage_kind=storage_kind)
    return items.order_by("-pooled_on", "-pk")


def whereabouts(asset: Asset) -> str:
    """Where the item is: its warehouse and shelf, or the unit it stays at (virtual pool)."""
    if asset.storage_kind == StorageKind.VIRTUAL:
        return _("Stays at %(unit)s") % {"unit": asset.unit.name}
    return str(asset.location or asset.warehouse)


def catalogue_item(user, asset_id) -> Asset:
    """One item of the catalogue; 404 for a card the user may not see or that is no longer in the pool."""
    asset = find(_catalogue(user), asset_id)
    if asset is None:
        raise Http404(_("Not found."))
    return asset


# --- Reuse requests ---------------------------------------------------------------------------------------------


@use_case
def request_reuse(user, asset_id, *, purpose) -> ReuseRequest:
    """The user's unit asks for a free item of its region's pool; the item is reserved for it at once. The
    asset row is locked first, so of two units asking at once the second finds it reserved."""
    unit = own_unit(user)
    errors = Errors()
    purpose = text(errors, "purpose", purpose, label=_("what the item is for"), min_length=4, max_length=1000)
    errors.raise_if_any()
    asset = find(cleared(user, Asset.objects.select_for_update(of=("self",)).filter(
        pool_region_id=unit.region_id)), asset_id)
    if asset is None:
        raise Http404(_("Not found."))
    if asset.state != AssetState.IN_POOL:
        raise Conflict(_("%(asset)s is no longer available (“%(state)s”): another unit may just have requested it.")
                       % {"asset": asset, "state": asset.get_state_display()})
    if asset.source_unit_id == unit.pk:
        raise ValidationFailed(_("%(asset)s came from your own unit; a unit cannot request its own item back.")
                               % {"asset": asset}, field="asset_id")
    reuse = ReuseRequest(asset=asset, unit=unit, purpose=purpose, requested_by=user)
    reuse.save()
    ASSET_MACHINE.transition(asset, "reserve", user, _("Requested by %(unit)s") % {"unit": unit.name})
    record(reuse, "request", "", reuse.state, actor=user, comment=purpose)
    notify.send(permission_holders(asset.org_path, APPROVE, nearest=True),
                _("%(unit)s requests %(asset)s from the pool") % {"unit": unit.name, "asset": asset},
                body=purpose, link=notify.link_to("manage:warehouse:reuse_request", reuse.pk), category="warehouse")
    return reuse


def reuse_in_scope(user) -> QuerySet:
    """The requests the user's role reaches: the bureau's for its region, a unit's for itself."""
    require(user, VIEW)
    return cleared(user, scoped(ReuseRequest.objects.select_related(*REQUEST_RELATED), user, VIEW))


def my_unit_requests(user) -> QuerySet:
    """The requests made by the user's own unit (the service portal's "my reuse requests")."""
    require(user, OFFER)
    return cleared(user, ReuseRequest.objects.filter(unit_id=user.unit_id).select_related(*REQUEST_RELATED))


def _handled_request(user, permission: str, request_id) -> ReuseRequest:
    return handled(user, permission, ReuseRequest.objects.select_related(*REQUEST_RELATED), request_id,
                   others_pool=_("Reuse from the pool of %(region)s is decided by that region's own bureau."))


def _tell_unit(reuse: ReuseRequest, title: str, body: str = "") -> None:
    notify.send([reuse.requested_by, *permission_holders(reuse.unit.org_path, OFFER, nearest=True)], title,
                body=body, link=notify.link_to("service:warehouse:my_reuse", reuse.pk), category="warehouse")


@use_case
def approve_reuse(user, request_id, comment="") -> ReuseRequest:
    reuse = _handled_request(user, APPROVE, request_id)
    comment = REUSE_FLOW.review(user, reuse, "approve", comment)
    _tell_unit(reuse, _("Your request for %(asset)s is approved; it will be handed over") % {"asset": reuse.asset},
               comment)
    return reuse


@use_case
def reject_reuse(user, request_id, comment) -> ReuseRequest:
    reuse = _handled_request(user, APPROVE, request_id)
    comment = REUSE_FLOW.review(user, reuse, "reject", comment)
    _tell_unit(reuse, _("Your request for %(asset)s is refused") % {"asset": reuse.asset}, comment)
    return reuse


@use_case
def withdraw_reuse(user, request_id, comment="") -> ReuseRequest:
    """The requesting unit no longer needs the item (before the hand-over): the item is free again."""
    require(user, OFFER)
    reuse = find(my_unit_requests(user).select_for_update(of=("self",)), request_id)
    if reuse is None:
        raise Http404(_("Not found."))
    comment, asset = REUSE_FLOW.withdraw(user, reuse, comment)
    notify.send(permission_holders(asset.org_path, APPROVE, nearest=True),
                _("%(unit)s withdrew its request for %(asset)s") % {"unit": reuse.unit.name, "asset": asset},
                body=comment, link=notify.link_to("manage:warehouse:reuse_request", reuse.pk), category="warehouse")
    return reuse


def signature_image(errors: Errors, value) -> str:
    """A handwritten signature from a canvas: a PNG data URL of at most 200 KB."""
    value = (value or "").strip()
    if not value:
        errors.add("signature", _("Please have the receiver sign."))
        return value
    if not value.startswith(SIGNATURE_PREFIX):
        errors.add("signature", _("The signature must be a PNG image (a data URL starting with %(prefix)s).")
                   % {"prefix": SIGNATURE_PREFIX})
        return value
    try:
        image = base64.b64decode(value[len(SIGNATURE_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        errors.add("signature", _("The signature image could not be read; please sign again."))
        return value
    if not image.startswith(PNG_MAGIC):
        errors.add("signature", _("The signature image could not be read; please sign again."))
    elif len(image) > MAX_SIGNATURE_BYTES:
        errors.add("signature", _("The signature image is %(size)d KB; at most %(max)d KB is accepted.")
                   % {"size": len(image) // 1024, "max": MAX_SIGNATURE_BYTES // 1024})
    return value


@use_case
def hand_over(user, request_id, *, received_by_name, signature) -> ReuseRequest:
    """Hand the item to the requesting unit: the card becomes the unit's (a "virtual" item at the unit, out of
    any warehouse) and its original value is posted to the unit's ledger as a saving."""
    reuse = _handled_request(user, KEEP, request_id)
    REUSE_FLOW.check(reuse, "hand_over")
    errors = Errors()
    received_by_name = text(errors, "received_by_name", received_by_name, label=_("the receiver's name"),
                            min_length=2, max_length=50)
    signature = signature_image(errors, signature)
    errors.raise_if_any()
    asset = REUSE_FLOW.locked_item(reuse)
    giver = asset.unit
    summary = _("Handed over to %(unit)s, received by %(name)s") % {"unit": reuse.unit.name, "name": received_by_name}
    REUSE_MACHINE.transition(reuse, "hand_over", user, summary, handed_over_at=timezone.now(), handed_over_by=user,
                             received_by_name=received_by_name, signature=signature)
    ASSET_MACHINE.transition(asset, "transfer", user, summary, unit=reuse.unit, storage_kind=StorageKind.VIRTUAL,
                             warehouse=None, location=None)
    # The purchase the receiving unit no longer has to make offsets its running cost: the ledger's "saving".
    post_income(unit=reuse.unit, module="warehouse", category=SAVING_CATEGORY, amount=asset.original_value,
                occurred_on=timezone.localdate(), description=str(asset)[:200], subject=reuse, actor=user)
    title = _("%(asset)s has been handed over to %(unit)s") % {"asset": asset, "unit": reuse.unit.name}
    _tell_unit(reuse, title, summary)
    notify.send([*permission_holders(asset.source_unit.org_path, OFFER, nearest=True),
                 *permission_holders(giver.org_path, OFFER, nearest=True)], title, body=summary, category="warehouse")
    return reuse


def allowed_actions(reuse: ReuseRequest, user) -> set[str]:
    """What ``user`` may do to the request now (the buttons of the portals and the app)."""
    possible = set(REUSE_MACHINE.allowed_actions(reuse))
    actions = set()
    if "withdraw" in possible and reuse.unit_id == user.unit_id and has_permission(user, OFFER):
        actions.add("withdraw")
    if possible & {"approve", "reject"} and can_reach(user, APPROVE, reuse.asset) and acts_for_region(
            user, reuse.asset.pool_region, APPROVE):
        actions |= possible & {"approve", "reject"}
    if "hand_over" in possible and can_reach(user, KEEP, reuse.asset):
        actions.add("hand_over")
    return actions


# --- Search before you buy --------------------------------------------------------------------------------------


def _category(errors: Errors, code) -> AssetCategory | None:
    category = AssetCategory.objects.filter(code=(code or "").strip()).first()
    if category is None:
        errors.add("category_code", _("Please choose an asset category of GB/T 14885."))
    return category


def _purchase_plan(errors: Errors, category_code, planned_item, quantity):
    category = _category(errors, category_code)
    planned_item = text(errors, "planned_item", planned_item, label=_("what the unit plans to buy"), max_length=200)
    quantity = bounded_int(errors, "quantity", quantity, label=_("quantity"), low=1, high=9999)
    return category, planned_item, quantity


def check_before_purchase(user, *, category_code, planned_item, quantity) -> QuerySet:
    """The catalogue items of the category (and its subtree) the unit plans to buy."""
    require(user, OFFER)
    errors = Errors()
    category, _planned, _quantity = _purchase_plan(errors, category_code, planned_item, quantity)
    errors.raise_if_any()
    return search(user, category_code=category.code)


@use_case
def record_purchase_check(user, *, category_code, planned_item, quantity, decision,
                          reason_not_fit="") -> PurchaseCheck:
    """What the unit decided after searching the pool; buying needs a written reason (reported to the bureau)."""
    unit = own_unit(user)
    errors = Errors()
    category, planned_item, quantity = _purchase_plan(errors, category_code, planned_item, quantity)
    decision = choice(errors, "decision", decision, label=_("decision"), choices=PurchaseDecision)
    buying = decision == PurchaseDecision.NOT_FIT
    reason_not_fit = text(errors, "reason_not_fit", reason_not_fit, label=_("why the pool items do not fit"),
                          min_length=10, max_length=1000) if buying else ""
    errors.raise_if_any()
    check = PurchaseCheck(unit=unit, category=category, planned_item=planned_item, quantity=quantity,
                          matches=search(user, category_code=category.code).count(), decision=decision,
                          reason_not_fit=reason_not_fit, checked_by=user)
    check.save()
    return check


def purchase_checks_in_scope(user) -> QuerySet:
    """The bureau sees its region's records, a unit its own."""
    require(user, VIEW)
    return scoped(PurchaseCheck.objects.select_related("unit", "category", "checked_by"), user, VIEW)


def filtered_purchase_checks(user, *, unit_id="", category_code="", decision="") -> QuerySet:
    checks = purchase_checks_in_scope(user)
    if unit_id:
        checks = checks.filter(unit_id=unit_id) if str(unit_id).isdigit() else checks.none()
    if category_code:
        checks = checks.filter(category_subtree(category_code))
    if decision:
        checks = checks.filter(decision=decision)
    return checks
