"""The demo seeder of space applications, run on the small ledger world: applications in every state,
one allocated by 调剂 with its allocation document, one by 租用 with its rent cost, adjustment requests."""

import random

import pytest

from jiguan.core.models import CostEntry, OrgUnit
from jiguan.core.testing import make_account
from jiguan.modules.officespace.demo.applications import seed_demo
from jiguan.modules.officespace.models import OfficeAdjustment, SpaceApplication

from .test_applications import build_world

pytestmark = pytest.mark.django_db


def test_the_demo_seeder_makes_applications_in_every_state():
    w = build_world()
    make_account("unit_admin", roles=("unit_admin",), unit=w.finance)
    make_account("jx_admin", roles=("region_bureau_admin",), unit=OrgUnit.objects.create(
        name="江西省机关事务管理局", region_id="360000", credit_code="11360000MB1234567X", is_bureau=True))

    summary = seed_demo("demo", random.Random(7))

    states = set(SpaceApplication.objects.values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "rejected", "approved", "allocated", "closed"}
    transfer = SpaceApplication.objects.filter(allocation__method="transfer").first()
    assert transfer.allocation.document.rooms.exists()
    assert all(room.unit_id == w.finance.pk and room.state == "in_use" for room in transfer.allocation.rooms.all())
    rent = SpaceApplication.objects.get(allocation__method="rent")
    assert CostEntry.objects.get(pk=rent.allocation.cost_id).category == "房屋租金"
    assert all(a.entitlement >= a.requested_area for a in SpaceApplication.objects.all())
    assert sorted(OfficeAdjustment.objects.values_list("state", flat=True)) == ["completed", "declined", "submitted"]
    assert "8 项申请" in summary
