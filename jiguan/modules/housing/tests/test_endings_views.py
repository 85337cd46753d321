"""The pages of the end of a tenancy: the overdue-occupancy list (scope), the termination form, the check-out
form with the furnishings prefilled and its settlement, the tenant's notice; refusals change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.services.inputs import add_months
from jiguan.modules.housing.models import Lease
from jiguan.modules.housing.services import endings

from .tenancies import live_lease
from .world import build_world

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()



@pytest.fixture
def w(db):
    world = build_world()
    world.lease = live_lease(world, started_on=add_months(TODAY, -3))
    return world



def url(name, *args):
    return reverse(f"manage:housing:{name}", args=args)


def state(w):
    return Lease.objects.get(pk=w.lease.pk).state


def test_end_form_refuses_then_ends(login, w):
    client = login("nc_admin")
    page = client.get(url("lease_end", w.lease.pk))
    assert page.status_code == 200 and "转租" in page.content.decode()
    refused = client.post(url("lease_end", w.lease.pk), {"reason": "sublet", "details": "转租"})
    assert refused.status_code == 400 and "10" in refused.content.decode() and state(w) == "active"
    done = client.post(url("lease_end", w.lease.pk), {"reason": "sublet", "details": "现场核查：住房由他人居住，出示转租合同"})
    assert done.status_code == 302 and state(w) == "ending"

    assert login("fin_admin").get(url("lease_end", w.lease.pk)).status_code == 403
    assert login("jj_admin").get(url("lease_end", w.lease.pk)).status_code == 404


def test_overstay_list_by_scope(login, w):
    endings.end_tenancy(w.nc_admin, w.lease.pk, reason="not_eligible", details="已购房")
    Lease.objects.filter(pk=w.lease.pk).update(move_out_by=TODAY - timedelta(days=5), state="overstay")
    page = login("nc_admin").get(url("overstays"))
    content = page.content.decode()
    assert page.status_code == 200 and w.lease.number in content and "逾期占用" in content
    assert '<td class="text-danger fw-bold">5</td>' in content
    assert w.lease.number in login("fin_admin").get(url("overstays")).content.decode()
    assert w.lease.number not in login("jj_admin").get(url("overstays")).content.decode()
    assert login("staff").get(url("overstays")).status_code == 403


def test_check_out_form_prefills_the_furnishings_and_shows_the_settlement(login, w):
    endings.end_tenancy(w.nc_admin, w.lease.pk, reason="not_eligible", details="已购房")
    client = login("nc_admin")
    page = client.get(url("lease_check_out", w.lease.pk))
    content = page.content.decode()
    assert page.status_code == 200 and "床" in content and "空调" in content and "1712.50" in content
    values = {"inspected_on": str(TODAY), "item_0_found": "2", "item_0_condition": "good", "item_1_found": "2",
              "item_1_condition": "damaged", "damage_0_item": "空调", "damage_0_amount": "abc"}
    refused = client.post(url("lease_check_out", w.lease.pk), values)
    assert refused.status_code == 400 and "损坏赔偿第 1 行" in refused.content.decode() and state(w) == "ending"
    done = client.post(url("lease_check_out", w.lease.pk), {**values, "damage_0_amount": "300"})
    assert done.status_code == 302 and state(w) == "ended"
    settled = client.get(url("lease_check_out", w.lease.pk)).content.decode()
    assert "退房结算" in settled and "损坏" in settled and "check-out-form" not in settled


def test_the_tenant_gives_notice_in_the_service_portal(login, w):
    move_out = reverse("service:housing:move_out", args=[w.lease.pk])
    assert login("staff2").get(move_out).status_code == 404
    client = login("staff")
    assert 'data-testid="move-out-form"' in client.get(move_out).content.decode()
    refused = client.post(move_out, {"move_out_on": str(TODAY + timedelta(days=2))})
    assert refused.status_code == 400 and state(w) == "active"
    done = client.post(move_out, {"move_out_on": str(TODAY + timedelta(days=10)), "reason": "调回原单位"})
    assert done.status_code == 302 and state(w) == "ending"
    assert 'data-testid="move-out-form"' not in client.get(move_out).content.decode()
