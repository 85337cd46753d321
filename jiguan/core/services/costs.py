"""The cost ledger (机关运行成本动态台账): every module posts what a unit's operation cost, and what its
operation earned (rent received, fees) as income that offsets that cost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ..models import CostEntry, OrgUnit
from ..registry import registry
from .common import attributed_to, subject_reference
from .inputs import Errors, text

MAX_AMOUNT = Decimal("1000000000000")  # the column holds 14 digits, 2 after the point


def post_cost(
    *, unit: OrgUnit, module, category, amount, occurred_on, description="", subject=None, actor=None
) -> CostEntry:
    """Record a cost for ``unit``; called by modules (no permission check: the module's own service checked)."""
    return _post(unit=unit, module=module, category=category, amount=amount, occurred_on=occurred_on,
                 description=description, subject=subject, actor=actor, sign=1)


def post_income(
    *, unit: OrgUnit, module, category, amount, occurred_on, description="", subject=None, actor=None
) -> CostEntry:
    """Record income of ``unit`` (e.g. the rent its flats earned) as a NEGATIVE cost entry: an offset against
    the unit's operating cost, so the ledger's sums are net cost. ``amount`` is given positive and checked as
    ``post_cost`` checks it; no permission check (the module's own service checked)."""
    return _post(unit=unit, module=module, category=category, amount=amount, occurred_on=occurred_on,
                 description=description, subject=subject, actor=actor, sign=-1)


def _post(*, unit, module, category, amount, occurred_on, description, subject, actor, sign: int) -> CostEntry:
    with transaction.atomic(), attributed_to(actor):
        errors = Errors()
        if registry.get(module) is None:
            errors.add("module", _("There is no module “%(code)s” on this platform.") % {"code": module})
        entry = CostEntry(
            unit=unit, module=module, created_by=actor,
            category=text(errors, "category", category, label=_("cost category"), max_length=40),
            amount=_amount(errors, amount),
            occurred_on=_past_date(errors, occurred_on),
            description=text(errors, "description", description, label=_("cost description"), max_length=200,
                             required=False),
        )
        errors.raise_if_any()
        entry.amount *= sign
        if subject is not None:
            entry.subject_type, entry.subject_id = subject_reference(subject)
        entry.save()
        return entry


def _amount(errors: Errors, value) -> Decimal | None:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors.add("amount", _("The amount must be a number of yuan, such as 1280.50."))
    elif amount <= 0:
        errors.add("amount", _("The amount must be greater than 0."))
    elif amount.as_tuple().exponent < -2:
        errors.add("amount", _("The amount can have at most 2 decimal places (fen)."))
    elif amount >= MAX_AMOUNT:
        errors.add("amount", _("The amount must be less than one trillion yuan."))
    else:
        return amount
    return None


def _past_date(errors: Errors, value) -> date | None:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    elif isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        errors.add("occurred_on", _("Enter the date the cost arose, as YYYY-MM-DD."))
        return None
    if value > timezone.localdate():
        errors.add("occurred_on", _("The date of a cost cannot be in the future."))
    return value
