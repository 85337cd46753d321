"""Signed leases for the tests of leases and reviews, built through the services on ``world.build_world()``:
an applicant waits, is offered a flat and accepts; the bureau signs and checks the tenant in."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jiguan.modules.housing import services
from jiguan.modules.housing.services import leases, offers

from . import world


def accepted_offer(w, account=None, flat=None):
    """``account`` (default ``w.staff``) waits, is offered ``flat`` (default ``w.flat``) and accepts."""
    account, flat = account or w.staff, flat or w.flat
    application = world.waiting(w, account)
    offer = offers.make_offer(w.nc_admin, flat.pk, application_id=application.pk, skip_reason="测试：指定配租对象")
    return offers.accept(account, offer.pk)


def water_meter(w, flat=None, last_reading="100"):
    return services.save_meter(w.nc_admin, (flat or w.flat).pk, kind="water", number="SB-1",
                               last_reading=last_reading, read_on=timezone.localdate() - timedelta(days=10))


def inventory_check(flat, **changes) -> list[dict]:
    """Every furnishing of ``flat`` found complete and good; ``changes`` maps an item to changed fields."""
    return [{"item": entry["item"], "found": entry["count"], "condition": "good", "note": "",
             **changes.get(entry["item"], {})} for entry in flat.furnishings]


def signed_lease(w, account=None, flat=None, **terms):
    offer = accepted_offer(w, account, flat)
    values = {"started_on": timezone.localdate(), "months": 12, "deposit_paid_on": timezone.localdate(), **terms}
    return leases.sign(w.nc_admin, offer.pk, **values)


def checked_in(w, account=None, flat=None):
    lease = signed_lease(w, account, flat)
    leases.check_in(w.nc_admin, lease.pk, inspected_on=timezone.localdate(), items=inventory_check(lease.flat),
                    meter_readings={})
    lease.refresh_from_db()
    return lease
