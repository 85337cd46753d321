"""Warehouses (仓库) and their storage locations (库位: zone and shelf). A bureau keeps them for the pool of
a region — its own or one below it; each region has at most one active central warehouse (a partial unique
index backs the check up). A warehouse is retired by deactivating it, never deleted: cards point at it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.org import UnitKind
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import use_case
from jiguan.core.services.inputs import Errors, choice, find, text, unique
from jiguan.core.statemachine import record

from ..models import StorageLocation, Warehouse, WarehouseKind
from ..module import KEEP, VIEW


def warehouses_in_scope(user, permission: str = VIEW) -> QuerySet:
    require(user, permission)
    return scoped(Warehouse.objects.select_related("unit", "region"), user, permission)


def locations_in_scope(user, permission: str = VIEW) -> QuerySet:
    require(user, permission)
    return scoped(StorageLocation.objects.select_related("warehouse"), user, permission)


@use_case
def save_warehouse(user, warehouse_id=None, *, unit_id=None, **values) -> Warehouse:
    """Create a warehouse (``warehouse_id`` None) or change one; values: name, kind, region_code, address.
    The keeping bureau is chosen on creation (by default the user's own unit) and stays."""
    require(user, KEEP)
    errors = Errors()
    if warehouse_id is None:
        warehouse = Warehouse(unit=_keeping_bureau(user, errors, unit_id))
    else:
        warehouse = get_in_scope(Warehouse, user, KEEP, warehouse_id, lock=True)
    warehouse.name = text(errors, "name", values.get("name"), label=_("warehouse name"), max_length=100,
                          min_length=2)
    warehouse.kind = choice(errors, "kind", values.get("kind"), label=_("warehouse kind"), choices=WarehouseKind)
    warehouse.address = text(errors, "address", values.get("address"), label=_("address"), max_length=200,
                             min_length=4)
    warehouse.region = _pool_region(errors, warehouse, values.get("region_code"))
    if warehouse.region and warehouse.kind == WarehouseKind.CENTRAL and warehouse.active:
        _check_one_central(errors, warehouse)
    errors.raise_if_any()
    created = warehouse.pk is None
    with unique("name", _("The bureau already keeps a warehouse named “%(name)s”.") % {"name": warehouse.name}):
        warehouse.save()
    record(warehouse, "create" if created else "edit", actor=user)
    return warehouse


@use_case
def set_warehouse_active(user, warehouse_id, *, active: bool) -> Warehouse:
    """Take a warehouse out of use (it takes no new intake) or back into use."""
    warehouse = get_in_scope(Warehouse, user, KEEP, warehouse_id, lock=True)
    if active and not warehouse.active and warehouse.kind == WarehouseKind.CENTRAL:
        errors = Errors()
        warehouse.active = True
        _check_one_central(errors, warehouse)
        errors.raise_if_any()
    warehouse.active = active
    warehouse.save()
    record(warehouse, "activate" if active else "deactivate", actor=user)
    return warehouse


@use_case
def save_location(user, location_id=None, *, warehouse_id=None, zone=None, shelf="") -> StorageLocation:
    """Create a storage location in a warehouse (``location_id`` None) or rename one; zone and shelf are
    unique together within the warehouse."""
    require(user, KEEP)
    errors = Errors()
    if location_id is None:
        warehouse = find(scoped(Warehouse.objects.select_related("unit"), user, KEEP), warehouse_id)
        if warehouse is None:
            errors.add("warehouse_id", _("The selected warehouse does not exist or is outside your data scope."))
        location = StorageLocation(warehouse=warehouse, unit=warehouse.unit if warehouse else None)
    else:
        location = get_in_scope(StorageLocation, user, KEEP, location_id, lock=True)
    location.zone = text(errors, "zone", zone, label=_("zone"), max_length=20)
    location.shelf = text(errors, "shelf", shelf, label=_("shelf"), max_length=20, required=False)
    errors.raise_if_any()
    label = f"{location.zone}{('-' + location.shelf) if location.shelf else ''}"
    with unique("zone", _("The warehouse already has the location %(location)s.") % {"location": label}):
        location.save()
    return location


def _keeping_bureau(user, errors: Errors, unit_id) -> OrgUnit | None:
    """A bureau in the user's scope keeps the warehouse; by default the user's own unit."""
    bureaus = scoped(OrgUnit.objects.filter(active=True, kind=UnitKind.UNIT, is_bureau=True).select_related("region"),
                     user, KEEP)
    unit = find(bureaus, unit_id if unit_id not in (None, "") else user.unit_id)
    if unit is None:
        errors.add("unit_id", _("Warehouses are kept by a government offices administration bureau in your data "
                                "scope; choose one."))
    return unit


def _pool_region(errors: Errors, warehouse: Warehouse, code) -> Region | None:
    """The pool the warehouse serves: the keeping bureau's region or one below it."""
    region = find(Region.objects.all(), code)
    if region is None:
        errors.add("region_code", _("Choose the region whose pool the warehouse serves."))
    elif warehouse.unit_id and not region.key.startswith(warehouse.unit.region.key):
        errors.add("region_code", _("The warehouse must serve a pool within %(region)s, the region of its keeping "
                                    "bureau.") % {"region": warehouse.unit.region.name})
    return region


def _check_one_central(errors: Errors, warehouse: Warehouse) -> None:
    others = Warehouse.objects.filter(region=warehouse.region, kind=WarehouseKind.CENTRAL, active=True)
    other = others.exclude(pk=warehouse.pk).first()
    if other is not None:
        errors.add("kind", _("The pool of %(region)s already has a central warehouse in use (%(name)s); make this "
                             "one a branch or take that one out of use first.")
                   % {"region": warehouse.region.name, "name": other.name})
