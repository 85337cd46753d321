"""The stock through the services: estates, buildings, flats and meters — validation that names the field
and changes nothing, scope, the flat's declared state machine and its timeline."""

import pytest
from django.http import Http404

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.statemachine import timeline
from jiguan.modules.housing import services
from jiguan.modules.housing.models import Estate, Flat, HousingBuilding, Meter

from .world import build_world, estate_values, flat_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "A"}, "name"), ({"address": ""}, "address"), ({"region_code": "360402"}, "region_code"),
    ({"region_code": "000001"}, "region_code"), ({"rent_basis": "per_room"}, "rent_basis"),
    ({"rent_per_sqm": "-3"}, "rent_per_sqm"), ({"rent_per_sqm": "1.234"}, "rent_per_sqm"),
    ({"rent_basis": "per_flat", "rent_per_flat": ""}, "rent_per_flat"), ({"market_rent_per_sqm": "5"}, "market_rent_per_sqm"),
    ({"name": "青山湖周转公寓"}, "name"),
])
def test_estate_validation(w, changes, field):
    with pytest.raises(ValidationFailed) as refusal:
        services.save_estate(w.nc_admin, **estate_values(**changes))
    assert field in refusal.value.errors
    assert Estate.objects.count() == 1


def test_estate_only_by_a_bureau_in_scope(w):
    with pytest.raises(NotAllowed):
        services.save_estate(w.fin_admin, **estate_values(name="财政周转房"))
    with pytest.raises(ValidationFailed) as refusal:  # the unit is no bureau in the user's scope
        services.save_estate(w.nc_admin, unit_id=w.jj_bureau.pk, **estate_values(name="九江周转房"))
    assert "unit_id" in refusal.value.errors
    with pytest.raises(Http404):
        services.save_estate(w.jj_admin, w.estate.pk, **estate_values())
    per_flat = services.save_estate(w.nc_admin, w.estate.pk, **estate_values(rent_basis="per_flat", rent_per_flat="800"))
    assert (per_flat.rent_per_sqm, per_flat.rent_per_flat) == (None, 800)
    assert Flat.objects.select_related("building__estate").get(pk=w.flat.pk).monthly_rent() == 800


@pytest.mark.parametrize(("changes", "field"), [
    ({"unit_no": ""}, "unit_no"), ({"floor": 0}, "floor"), ({"floor": 7}, "floor"), ({"layout": "两"}, "layout"),
    ({"bedrooms": 11}, "bedrooms"), ({"floor_area": "0"}, "floor_area"), ({"floor_area": "501"}, "floor_area"),
    ({"floor_area": "abc"}, "floor_area"), ({"furnishings": [{"item": "床", "count": 0}]}, "furnishings"),
    ({"furnishings": [{"item": "床", "count": 1}, {"item": "床", "count": 2}]}, "furnishings"),
    ({"furnishings": [{"item": "", "count": 1}]}, "furnishings"), ({"furnishings": ["床"]}, "furnishings"),
    ({"unit_no": "101"}, "unit_no"),
])
def test_flat_validation(w, changes, field):
    with pytest.raises(ValidationFailed) as refusal:
        services.save_flat(w.nc_admin, building_id=w.building.pk, **flat_values(**{"unit_no": "601", "floor": 6, **changes}))
    assert field in refusal.value.errors
    assert Flat.objects.count() == 3


def test_building_floors_cannot_drop_below_its_flats(w):
    with pytest.raises(ValidationFailed):
        services.save_building(w.nc_admin, w.building.pk, name="1栋", floors=1)
    with pytest.raises(ValidationFailed):
        services.save_building(w.nc_admin, estate_id=w.estate.pk, name="1栋", floors=3)
    assert HousingBuilding.objects.get(pk=w.building.pk).floors == 6


def test_flat_state_machine(w):
    with pytest.raises(ValidationFailed):  # only maintenance and retirement by hand
        services.set_flat_state(w.nc_admin, w.flat.pk, action="reserve")
    with pytest.raises(StateError):
        services.set_flat_state(w.nc_admin, w.flat.pk, action="repaired")
    services.set_flat_state(w.nc_admin, w.flat.pk, action="repair", comment="卫生间漏水")
    w.flat.refresh_from_db()
    assert (w.flat.state, w.flat.vacant_since) == ("maintenance", None)
    with pytest.raises(ValidationFailed):  # retiring needs a reason
        services.set_flat_state(w.nc_admin, w.flat.pk, action="retire")
    services.set_flat_state(w.nc_admin, w.flat.pk, action="repaired")
    w.flat.refresh_from_db()
    assert w.flat.state == "vacant" and w.flat.vacant_since is not None
    assert [e.action for e in timeline(w.flat)] == ["create", "repair", "repaired"]
    with pytest.raises(Http404):
        services.set_flat_state(w.jj_admin, w.flat.pk, action="repair")


def test_what_an_administrator_may_do_with_a_flat(w):
    assert services.flat_actions(w.nc_admin, w.flat) == {"manage", "repair", "retire", "offer"}
    services.set_flat_state(w.nc_admin, w.flat.pk, action="repair", comment="卫生间漏水")
    w.flat.refresh_from_db()
    assert services.flat_actions(w.nc_admin, w.flat) == {"manage", "repaired", "retire"}
    assert services.flat_actions(w.fin_admin, w.flat) == set()  # a unit administrator only reads
    assert services.flat_actions(w.jj_admin, w.flat) == set()  # another city's bureau


def test_meters_one_per_kind(w):
    services.save_meter(w.nc_admin, w.flat.pk, kind="electricity", number="DB1", last_reading="100")
    services.save_meter(w.nc_admin, w.flat.pk, kind="electricity", number="DB2", last_reading="0")
    assert list(Meter.objects.values_list("number", flat=True)) == ["DB2"]
    for bad in ({"kind": "steam"}, {"last_reading": "-1"}, {"read_on": "2999-01-01"}, {"number": ""}):
        with pytest.raises(ValidationFailed) as refusal:
            services.save_meter(w.nc_admin, w.flat.pk, **{"kind": "water", "number": "SB1", "last_reading": "1", **bad})
        assert set(refusal.value.errors) <= {"kind", "last_reading", "read_on", "number"}
    assert Meter.objects.count() == 1
