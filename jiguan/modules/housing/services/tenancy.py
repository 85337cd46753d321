"""What every step of a tenancy shares: the region's tenancy rules and the lease's declared state machine.
Signing and check-in live in ``services.leases``, the ledger in ``services.billing``, the ending of a
tenancy (termination, move-out period, overstay, check-out) in ``services.endings``."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from jiguan.core.models import Region
from jiguan.core.statemachine import StateMachine

from ..models import TENANCY_DEFAULTS, LeaseState, TenancyRules
from . import regional_setting

L = LeaseState
LEASE_MACHINE = StateMachine("state", {
    "check_in": {L.SIGNED: L.ACTIVE},  # the check-in inspection is done, the keys handed over
    "end": {L.SIGNED: L.ENDING, L.ACTIVE: L.ENDING},  # terminated, expired or the tenant gave notice
    "overstay": {L.ENDING: L.OVERSTAY},  # still there after the move-out period
    "check_out": {L.ENDING: L.ENDED, L.OVERSTAY: L.ENDED},  # inspected and settled, the flat is vacant again
})
LEASE_ACTIONS = {
    "sign": pgettext_lazy("housing lease action", "Lease signed"),
    "check_in": pgettext_lazy("housing lease action", "Checked in"),
    "renew": pgettext_lazy("housing lease action", "Renewed"),
    "end": pgettext_lazy("housing lease action", "Tenancy ended"),
    "overstay": pgettext_lazy("housing lease action", "Overstaying: market rent charged"),
    "check_out": pgettext_lazy("housing lease action", "Checked out and settled"),
    "remind": pgettext_lazy("housing lease action", "Tenant reminded"),  # services.endings, once per stage
}


def rules_for(region: Region) -> TenancyRules:
    """The tenancy rules of ``region`` (the flat's bureau's region), inherited from above if it set none."""
    return regional_setting(TenancyRules, region, TENANCY_DEFAULTS)
