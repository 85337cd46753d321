"""Tenancies for the tests of billing, endings and reviews, built on ``world.build_world()``: an applicant
waits, is offered a flat and accepts through the services (``leasing.accepted_offer``); the lease row itself
is written directly (its signing is tested with the leases), dated as the test needs, with the flat occupied."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from jiguan.core.services.inputs import add_months
from jiguan.modules.housing.models import Application, ApplicationState, Flat, FlatState, Lease, LeaseState

from .leasing import accepted_offer


def live_lease(w, *, account=None, flat=None, started_on: date, months: int = 12, state=LeaseState.ACTIVE,
               monthly_rent="856.25", market_rent="2397.50", deposit="1712.50") -> Lease:
    """A lease of ``flat`` (default ``w.flat``) to ``account`` (default ``w.staff``) starting ``started_on``
    for ``months``; checked in on its first day unless ``state`` is ``signed``."""
    account, flat = account or w.staff, flat or w.flat
    offer = accepted_offer(w, account, flat)
    application = Application.objects.get(pk=offer.application_id)
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

