"""Warehouses and locations: kept by a bureau in scope, for a pool within its region, one central warehouse
in use per pool, unique locations; bad input changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiguan.core.errors import ValidationFailed
from jiguan.modules.warehouse.models import StorageLocation, Warehouse
from jiguan.modules.warehouse.services import warehouses

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def values(**changes):
    return {"name": "省直公物仓新建分库", "kind": "branch", "region_code": "360000",
            "address": "南昌市新建区长堎大道1号", **changes}


def test_a_bureau_registers_warehouses_for_pools_of_its_region(w):
    made = warehouses.save_warehouse(w.bureau_admin, **values())
    assert (made.unit, made.region_id, made.org_path) == (w.bureau, "360000", w.bureau.org_path)
    city = warehouses.save_warehouse(w.city_admin, **values(name="南昌市公物仓", kind="central", region_code="360100"))
    assert city.unit == w.city_bureau
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_warehouse(w.city_admin, **values(name="省级库", region_code="360000"))
    assert set(refused.value.errors) == {"region_code"}
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_warehouse(w.bureau_admin, **values(name="", kind="huge", address=""))
    assert set(refused.value.errors) == {"name", "kind", "address"}
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_warehouse(w.bureau_admin, **values(name="省直公物仓中心库"))
    assert set(refused.value.errors) == {"name"}
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_warehouse(w.bureau_admin, unit_id=w.finance.pk, **values(name="财政厅库"))
    assert set(refused.value.errors) == {"unit_id"}
    assert Warehouse.objects.count() == 4


def test_one_central_warehouse_in_use_per_pool(w):
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_warehouse(w.bureau_admin, **values(kind="central"))
    assert "省直公物仓中心库" in refused.value.errors["kind"][0]
    with pytest.raises(ValidationFailed):
        warehouses.save_warehouse(w.bureau_admin, w.branch.pk, **values(name=w.branch.name, kind="central"))
    warehouses.set_warehouse_active(w.bureau_admin, w.central.pk, active=False)
    warehouses.save_warehouse(w.bureau_admin, w.branch.pk, **values(name=w.branch.name, kind="central"))
    with pytest.raises(ValidationFailed):
        warehouses.set_warehouse_active(w.bureau_admin, w.central.pk, active=True)
    w.central.refresh_from_db()
    assert not w.central.active


def test_locations_are_unique_within_a_warehouse(w):
    made = warehouses.save_location(w.bureau_admin, warehouse_id=w.branch.pk, zone="A区", shelf="01架")
    assert (made.unit, made.warehouse) == (w.bureau, w.branch)
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_location(w.bureau_admin, warehouse_id=w.central.pk, zone="A区", shelf="01架")
    assert set(refused.value.errors) == {"zone"}
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_location(w.bureau_admin, warehouse_id=w.central.pk, zone="")
    assert set(refused.value.errors) == {"zone"}
    with pytest.raises(ValidationFailed) as refused:
        warehouses.save_location(w.city_admin, warehouse_id=w.central.pk, zone="C区")
    assert set(refused.value.errors) == {"warehouse_id"}
    assert StorageLocation.objects.count() == 3


def test_who_may_keep_warehouses(w):
    with pytest.raises(PermissionDenied):
        warehouses.save_warehouse(w.finance_admin, **values())
    with pytest.raises(PermissionDenied):
        warehouses.save_location(w.finance_admin, warehouse_id=w.central.pk, zone="C区")
    with pytest.raises(Http404):
        warehouses.set_warehouse_active(w.city_admin, w.central.pk, active=False)
    with pytest.raises(PermissionDenied):
        warehouses.warehouses_in_scope(w.staff)
    assert set(warehouses.warehouses_in_scope(w.bureau_admin)) == {w.central, w.branch}
    assert not warehouses.warehouses_in_scope(w.city_admin).exists()
