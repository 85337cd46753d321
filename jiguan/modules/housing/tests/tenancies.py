"""Tenancies for the tests of billing, endings and reviews, built on ``world.build_world()``: an applicant
waits, is offered a flat and accepts through the services; the lease row itself is written directly (its
signing is tested with the leases), dated as the test needs, with the flat occupied."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from jiguan.modules.housing.models import ApplicationState, Flat, FlatState, Lease, LeaseState
from jiguan.modules.housing.services import offers

from . import world


def live_lease(w, *, account=None, flat=None, started_on: date, months: int = 12, state=LeaseState.ACTIVE,
               monthly_rent="856.25", market_rent="2397.50", deposit="1712.50") -> Lease:
    """A lease of ``flat`` (default ``w.flat``) to ``account`` (default ``w.staff``) starting ``started_on``
    for ``months``; checked in on its first day unless ``state`` is ``signed``."""
    account, flat = account or w.staff, flat or w.flat
    application = world.waiting(w, account)
    offer = offers.make_offer(w.nc_admin, flat.pk, application_id=application.pk,
                              skip_reason="测试：指定配租对象")
    offers.accept(account, offer.pk)
    application.refresh_from_db()
    application.state = ApplicationState.HOUSED
    application.save()
    lease = Lease.objects.create(
        number=f"ZZ-TEST-{offer.pk:04d}", offer=offer, application=application, flat=flat, person=application.person,
        tenant=account, unit=application.unit, managing_unit=flat.unit, started_on=started_on,
        ends_on=add_months(started_on, months) - timedelta(days=1), monthly_rent=Decimal(monthly_rent),
        market_rent=Decimal(market_rent), deposit=Decimal(deposit), deposit_paid_on=started_on,
        state=state, signed_by=w.nc_admin,
        checked_in_on=None if state == LeaseState.SIGNED else started_on,
    )
    Flat.objects.filter(pk=flat.pk).update(
        state=FlatState.RESERVED if state == LeaseState.SIGNED else FlatState.OCCUPIED, vacant_since=None)
    return lease


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when that month is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
