"""What every workflow of the pool shares: who sees which asset cards, the catalogue a unit browses, and
card numbers. Intake lives in ``services.intake`` (with the warehouses in ``services.warehouses``), reuse
and purchase checks in ``services.reuse``; what a loan and a reuse request share is ``PoolRequestFlow``.

Classified (涉密) cards are handled apart: without ``warehouse.classified`` a user does not see them at all
— not in lists, not in the catalogue, not by number (404) — whatever else their role reaches."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core.errors import Conflict, NotAllowed, StateError, ValidationFailed
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import require
from jiguan.core.services.common import acts_for_region
from jiguan.core.services.inputs import Errors, find, text
from jiguan.core.statemachine import StateMachine

from ..models import Asset, AssetState
from ..module import APPROVE, CLASSIFIED, OFFER, VIEW

NUMBER_ATTEMPTS = 5


def cleared(user, queryset: QuerySet) -> QuerySet:
    """``queryset`` of asset cards (or of rows with an ``asset``) without the classified ones unless the user
    holds the classified permission."""
    if has_permission(user, CLASSIFIED):
        return queryset
    field = "classified" if queryset.model is Asset else "asset__classified"
    return queryset.filter(**{field: False})


def assets_in_scope(user, permission: str = VIEW) -> QuerySet:
    """The cards the user's role reaches through ``permission`` (the holding unit's org path)."""
    assets = Asset.objects.select_related("category", "source_unit", "unit", "warehouse", "location", "pool_region")
    return cleared(user, scoped(assets, user, permission))


def catalogue(user) -> QuerySet:
    """The items a unit may request: in the pool of its own region and free. Any unit of the region browses
    the pool, not only those in the keeping bureau's scope, so this is a rule of its own rather than
    ``scoped()``."""
    require(user, VIEW)
    unit = user.unit
    if unit is None:
        return Asset.objects.none()
    items = Asset.objects.filter(pool_region_id=unit.region_id, state=AssetState.IN_POOL).select_related(
        "category", "source_unit", "warehouse", "location")
    return cleared(user, items)


def save_numbered(rows: list, prefix: str, field: str = "number") -> None:
    """Save ``rows`` (new, or existing ones given a number now) with consecutive numbers
    ``<prefix><year><seq:06d>``. Numbers drawn at the same moment by another writer lose the unique index and
    the batch draws again; any other refusal stands."""
    model = type(rows[0])
    new = [row._state.adding for row in rows]
    stem = f"{prefix}{timezone.localdate().year}"
    for _attempt in range(NUMBER_ATTEMPTS):
        last = (model.objects.filter(**{f"{field}__startswith": stem}).order_by(f"-{field}")
                .values_list(field, flat=True).first())
        start = int(last[len(stem):]) + 1 if last else 1
        numbers = [f"{stem}{start + offset:06d}" for offset in range(len(rows))]
        for row, number in zip(rows, numbers, strict=True):
            setattr(row, field, number)
        try:
            with transaction.atomic():
                for row in rows:
                    row.save()
            return
        except IntegrityError:
            if not model.objects.filter(**{f"{field}__in": numbers}).exists():
                raise
            for row, was_new in zip(rows, new, strict=True):  # the rolled-back inserts gave them keys
                if was_new:
                    row.pk, row._state.adding = None, True
    raise Conflict(_("Too many records are being numbered at this moment; please try again."))


def own_unit(user):
    """The unit the user acts for when requesting, declaring or checking: their account's."""
    require(user, OFFER)
    if user.unit is None:
        raise ValidationFailed(_("Your account belongs to no unit, so it cannot act for one."))
    return user.unit


def review_comment(comment, *, required: bool, label=None) -> str:
    """The remarks of a decision (approve, refuse, cancel…): required where a refusal must say why."""
    errors = Errors()
    comment = text(errors, "comment", comment, label=label or _("review remarks"), max_length=1000,
                   required=required)
    errors.raise_if_any()
    return comment


def handled(user, permission: str, rows: QuerySet, pk, *, others_pool: str):
    """The locked row of ``rows`` (requests of an ``asset``) whose item the user reaches through ``permission``;
    404 otherwise. Deciding (APPROVE) is the pool's own bureau's: anyone else is refused with ``others_pool``,
    formatted with the pool region's name."""
    require(user, permission)
    reachable = scoped(Asset.objects.all(), user, permission).values("pk")
    row = find(cleared(user, rows.select_for_update(of=("self",)).filter(asset__in=reachable)), pk)
    if row is None:
        raise Http404(_("Not found."))
    if permission == APPROVE and not acts_for_region(user, row.asset.pool_region, APPROVE):
        raise NotAllowed(others_pool % {"region": row.asset.pool_region.name})
    return row


@dataclass(frozen=True)
class PoolRequestFlow:
    """A unit's request that reserves a pool item — a loan or a reuse: the keeping bureau approves or refuses
    it, the unit may withdraw it, and refusing or withdrawing frees the item. ``not_now`` is the refusal of an
    action the request's state does not allow (formatted with ``state`` and ``action``)."""

    machine: StateMachine
    item_machine: StateMachine
    actions: dict
    not_now: str
    item_related: tuple[str, ...]

    def check(self, request, action: str) -> None:
        if action not in self.machine.allowed_actions(request):
            raise StateError(self.not_now % {"state": request.get_state_display(), "action": self.actions[action]})

    def locked_item(self, request) -> Asset:
        return Asset.objects.select_for_update(of=("self",)).select_related(*self.item_related).get(
            pk=request.asset_id)

    def review(self, user, request, action: str, comment) -> str:
        """Approve or refuse (a refusal must say why, and frees the item); returns the remarks."""
        self.check(request, action)
        comment = review_comment(comment, required=action == "reject")
        self.machine.transition(request, action, user, comment, reviewed_by=user, reviewed_at=timezone.now(),
                                review_comment=comment)
        if action == "reject":
            self._free(user, request, action)
        return comment

    def withdraw(self, user, request, comment) -> tuple[str, Asset]:
        """The requesting unit no longer needs the item: it is free again. Returns the remarks and the item."""
        self.check(request, "withdraw")
        comment = review_comment(comment, required=False)
        self.machine.transition(request, "withdraw", user, comment)
        return comment, self._free(user, request, "withdraw")

    def _free(self, user, request, action: str) -> Asset:
        item = self.locked_item(request)
        self.item_machine.transition(item, "release", user, self.actions[action])
        return item
