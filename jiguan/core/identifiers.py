"""Makers of valid national identifiers, for demo data and tests (validators.py checks them)."""

from datetime import date

from .validators import id_check_digit, uscc_check_char

ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714-1997 组织机构代码


def org_code(serial: int) -> str:
    body = f"{serial % 10**8:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(region_code: str, serial: int, registry: str = "1", kind: str = "1") -> str:
    """GB 32100 code: registration authority (1 = 机构编制), type (1 = 机关), region, org code, check."""
    first17 = registry + kind + region_code + org_code(serial)
    return first17 + uscc_check_char(first17)


def id_number(region_code: str, birth: date, sequence: int, female: bool) -> str:
    """GB 11643 number: region, birth date, 3-digit sequence (odd for men), check digit."""
    seq = sequence % 500 * 2 + (0 if female else 1)
    first17 = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)
