"""Check characters of national identifiers and the password policy. Messages say which check failed."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# GB 11643-1999 公民身份号码: ISO 7064 MOD 11-2.
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("The unified social credit code must be 18 characters; %(n)d given.") % {"n": len(code)},
            code="uscc_length",
        )
    if not USCC_PATTERN.match(code):
        raise ValidationError(
            _("The unified social credit code contains characters not allowed by GB 32100 (I, O, Z, S, V are never used)."),
            code="uscc_charset",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character of the unified social credit code is wrong: expected %(e)s, found %(f)s.")
            % {"e": expected, "f": code[17]},
            code="uscc_check",
        )


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError(
            _("The ID number must be 18 characters; %(n)d given.") % {"n": len(number)}, code="id_length"
        )
    if not ID_PATTERN.match(number):
        raise ValidationError(
            _("The ID number must be 17 digits followed by a digit or X."), code="id_charset"
        )
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The date of birth in the ID number (%(d)s) is not a real date.") % {"d": number[6:14]},
            code="id_birthdate",
        ) from None
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check digit of the ID number is wrong: expected %(e)s, found %(f)s.")
            % {"e": expected, "f": number[17]},
            code="id_check",
        )


PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")


def validate_phone(value: str) -> None:
    if not PHONE_PATTERN.match((value or "").strip()):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1, or a landline such as 0791-86123456."),
            code="phone",
        )


class PasswordComplexityValidator:
    """At least three of: upper-case letters, lower-case letters, digits, symbols (等保2.0)."""

    classes = (r"[A-Z]", r"[a-z]", r"\d", r"[^A-Za-z0-9]")

    def validate(self, password: str, user=None) -> None:
        if sum(bool(re.search(p, password)) for p in self.classes) < 3:
            raise ValidationError(self.get_help_text(), code="password_complexity")

    def get_help_text(self) -> str:
        return _(
            "The password must contain at least three of: upper-case letters, lower-case letters, digits and symbols."
        )
