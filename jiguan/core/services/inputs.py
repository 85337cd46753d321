"""Input checks shared by the kernel services: each problem is collected against the field at fault,
so one answer names every bad field, and nothing is written until all fields pass."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from ..errors import ValidationFailed

MAX_AREA = Decimal("99999999.99")  # ㎡: what a DecimalField(10, 2) holds
MAX_YUAN = Decimal("1000000000000")

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class Errors:
    """Field errors of one call. ``raise_if_any()`` turns them into one ``ValidationFailed``."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(str(message))

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def check(self, field: str, validator: Callable[[str], None], value: str) -> bool:
        """Run a Django-style validator (e.g. ``validate_credit_code``); its messages say which check failed."""
        try:
            validator(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.add(field, message)
            return False
        return True

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


def text(
    errors: Errors, field: str, value, *, label: str, max_length: int, min_length: int = 1, required: bool = True
) -> str:
    """The stripped text of ``value``; empty, too short or too long is an error naming ``label``."""
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            errors.add(field, _("Please fill in %(field)s.") % {"field": label})
        return value
    if len(value) < min_length:
        errors.add(
            field,
            _("%(field)s must be at least %(min)d characters; %(n)d given.")
            % {"field": label, "min": min_length, "n": len(value)},
        )
    elif len(value) > max_length:
        errors.add(
            field,
            _("%(field)s must be at most %(max)d characters; %(n)d given.")
            % {"field": label, "max": max_length, "n": len(value)},
        )
    return value


def choice(errors: Errors, field: str, value, *, label: str, choices) -> str:
    """``value`` if it is one of the ``choices`` (a TextChoices class); else an error listing what is allowed."""
    allowed = dict(choices.choices)
    if value not in allowed:
        errors.add(
            field,
            _("“%(value)s” is not a valid %(field)s; choose one of: %(allowed)s.")
            % {"value": value, "field": label, "allowed": "、".join(str(v) for v in allowed.values())},
        )
    return value


def code(errors: Errors, field: str, value, *, label: str, max_length: int) -> str:
    """A short identifier: letters, digits, ``.``, ``_`` and ``-`` only."""
    value = text(errors, field, value, label=label, max_length=max_length)
    if value and field not in errors and not CODE_PATTERN.match(value):
        errors.add(
            field,
            _("%(field)s may contain only letters, digits, “.”, “_” and “-”.") % {"field": label},
        )
    return value


def positive_int(errors: Errors, field: str, value, *, label: str) -> int:
    try:
        number = -1 if isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        errors.add(field, _("%(field)s must be a whole number of 0 or more.") % {"field": label})
    return number


def ids(errors: Errors, field: str, values: Iterable, *, label: str) -> list[int]:
    """A list of database ids; anything that is not a whole number is an error."""
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        errors.add(field, _("%(field)s must be a list of record numbers.") % {"field": label})
        return []


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end: 31 Jan + 1 month = 28 (29) Feb."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

def square_metres(errors: Errors, field: str, value, *, label: str, required: bool = True, positive: bool = True):
    """A square-metre figure with at most two decimals; returns None when absent or wrong."""
    if value in (None, ""):
        if required:
            errors.add(field, _("Please fill in %(field)s.") % {"field": label})
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.as_tuple().exponent < -2:
        errors.add(field, _("%(field)s must be a number of square metres with at most two decimals.")
                   % {"field": label})
        return None
    if number < 0 or (positive and number == 0) or number > MAX_AREA:
        errors.add(field, _("%(field)s must be greater than 0 and at most %(max)s ㎡.")
                   % {"field": label, "max": MAX_AREA} if positive else
                   _("%(field)s must be 0 or more and at most %(max)s ㎡.") % {"field": label, "max": MAX_AREA})
        return None
    return number


def yuan(errors: Errors, field: str, value, *, label: str, allow_zero: bool = False) -> Decimal | None:
    """An amount of yuan with at most two decimals (fen): greater than 0, or 0 too with ``allow_zero``."""
    if value in (None, ""):
        errors.add(field, _("Please fill in %(field)s.") % {"field": label})
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent < -2:
        errors.add(field, _("%(field)s must be a number of yuan with at most two decimals, such as 1280.50.")
                   % {"field": label})
    elif not (0 <= amount if allow_zero else 0 < amount) or amount >= MAX_YUAN:
        errors.add(field, (_("%(field)s must be 0 or more and less than one trillion yuan.") if allow_zero
                           else _("%(field)s must be greater than 0 and less than one trillion yuan."))
                   % {"field": label})
    else:
        return amount
    return None


def bounded_int(errors: Errors, field: str, value, *, label: str, low: int, high: int) -> int:
    number = positive_int(errors, field, value, label=label)
    if field not in errors and not low <= number <= high:
        errors.add(field, _("%(field)s must be between %(low)d and %(high)d.")
                   % {"field": label, "low": low, "high": high})
    return number

def date_value(errors: Errors, field: str, value, *, label: str) -> date | None:
    """A date (``date`` or ``YYYY-MM-DD``); empty means today."""
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, date):
        return value
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(field, _("%(field)s must be a date such as 2026-03-01.") % {"field": label})
    return parsed


def date_time_value(errors: Errors, field: str, value, *, label: str) -> datetime | None:
    """A moment (``datetime`` or ``YYYY-MM-DD HH:MM``, in the current time zone unless it says otherwise)."""
    try:
        moment = value if isinstance(value, datetime) else parse_datetime(str(value or ""))
    except ValueError:  # well formed but impossible, such as 2026-02-30 08:00
        moment = None
    if moment is None:
        errors.add(field, _("%(field)s must be a date and time such as 2026-03-01 08:00.") % {"field": label})
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def refuse_unknown_fields(changes: dict, allowed: set[str]) -> None:
    """An update names only fields its use case may change; any other is refused by name."""
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationFailed({name: [_("This field cannot be changed here.")] for name in unknown})


def find(queryset, pk):
    """The row with primary key ``pk`` in ``queryset``, or None — also for ids that are not even well-formed."""
    if pk in (None, ""):
        return None
    try:
        return queryset.filter(pk=pk).first()
    except (TypeError, ValueError, ValidationError):
        return None


@contextmanager
def unique(field: str, message: str):
    """Turn a unique-constraint violation inside the block into a field error.

    Services check uniqueness first for a friendly answer; this covers the race where another request
    inserts the same value between that check and the insert. The savepoint keeps the outer transaction usable.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        raise ValidationFailed({field: [message]}) from None


def _is_unique_violation(exc: IntegrityError) -> bool:
    # PostgreSQL reports SQLSTATE 23505; SQLite only says so in the message.
    return getattr(exc.__cause__, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc)
