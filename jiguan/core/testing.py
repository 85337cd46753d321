"""Factories for tests: real Jiangxi regions (loaded by migrate), valid codes, accounts with roles."""

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from io import StringIO

from django.core.management import call_command
from django.db import connections, transaction
from django.test import override_settings

from .identifiers import credit_code, id_number
from .models import Account, OrgUnit, Person, Rank, Role, RoleAssignment
from .models.org import UnitKind

_serial = itertools.count(1000)
PASSWORD = "Jiguan@2026"
# Argon2 is the production hasher (tested in core/tests/test_auth.py); tests hash quickly.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_unit(region: str = "360100", name: str | None = None, parent: OrgUnit | None = None, **fields) -> OrgUnit:
    n = next(_serial)
    return OrgUnit.objects.create(
        name=name or f"测试单位{n}", region_id=region, parent=parent, credit_code=credit_code(region, n), **fields
    )


def make_department(unit: OrgUnit, name: str = "办公室") -> OrgUnit:
    return OrgUnit.objects.create(name=name, kind=UnitKind.DEPARTMENT, region=unit.region, parent=unit, unit=unit)


def make_person(unit: OrgUnit, name: str | None = None, rank: str | None = None, **fields) -> Person:
    n = next(_serial)
    fields.setdefault("id_number", id_number(unit.region_id, date(1985, 3, 1 + n % 28), n, female=n % 2 == 0))
    fields.setdefault("phone", f"138{n:08d}"[:11])
    rank_obj = Rank.objects.get(level=unit.region.level, code=rank) if rank else None
    return Person.objects.create(name=name or f"测试{n}", unit=unit, rank=rank_obj, **fields)


def make_account(
    username: str | None = None, *, roles: tuple[str, ...] = ("staff",), unit: OrgUnit | None = None,
    person: Person | None = None, anchor: OrgUnit | None = None, password: str = PASSWORD, **fields,
) -> Account:
    """An account holding ``roles`` (built-in role codes), each anchored at ``anchor`` or its unit."""
    if person is None and unit is not None:
        person = make_person(unit)
    account = Account.objects.create_user(
        username or f"user{next(_serial)}", password, person=person, unit=unit, **fields
    )
    for code in roles:
        RoleAssignment.objects.create(account=account, role=Role.objects.get(code=code), unit=anchor or unit)
    return account


def run_at_once(*functions) -> list:
    """Call each function in its own thread (its own database connection), released together; returns
    each one's result or the exception it raised. The test database is a real file (WAL, IMMEDIATE
    writes), so racing writers queue exactly as they do in production.
    Use with ``@pytest.mark.django_db(transaction=True)``."""
    results: list = [None] * len(functions)
    start = threading.Barrier(len(functions))

    def run(index, function):
        try:
            connections["default"].ensure_connection()
            start.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # the outcome under test, examined by the caller
            results[index] = exc
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@contextmanager
def demo_seeded(django_db_blocker, modules: str) -> Iterator[tuple[str, str]]:
    """The demo data of ``modules`` (comma-separated codes; empty for the kernel alone) seeded inside a
    transaction that is rolled back on leaving; yields the seed's output and error text. The body of a
    module-scoped fixture, so one seed serves every test of a file."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS, DEMO=True), \
            transaction.atomic():
        out, err = StringIO(), StringIO()
        call_command("seed", scale="demo", modules=modules, stdout=out, stderr=err)
        yield out.getvalue(), err.getvalue()
        transaction.set_rollback(True)


def browser_sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form in a Playwright page (an account without a second factor)."""
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def per_agency_figures(kpis, agencies) -> dict[str, dict]:
    """Each KPI's figures for ``agencies`` from its ``per_agency`` form, asserted equal to computing each agency
    in turn (the hourly pass takes the grouped form): ``{kpi code: {agency id: figure}}``."""
    ids = [agency.pk for agency in agencies]
    figures = {}
    for kpi in kpis:
        assert kpi.per_agency is not None, f"{kpi.code} has no per_agency form"
        figures[kpi.code] = kpi.per_agency(ids)
        assert figures[kpi.code] == {a.pk: kpi.compute(a.region_id, a.pk) for a in agencies}, kpi.code
    return figures
