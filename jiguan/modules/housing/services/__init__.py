"""The housing stock: estates, buildings, flats and meters, and the flat's declared state machine. The only
place stock records change. Applications, the waiting list and offers live in the sibling modules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core.errors import StateError
from jiguan.core.models import OrgUnit, Region
from jiguan.core.models.org import UnitKind
from jiguan.core.scoping import can_reach, scoped
from jiguan.core.services.base import get_in_scope, require, require_path
from jiguan.core.services.common import region_chain, use_case
from jiguan.core.services.inputs import (
    Errors,
    bounded_int,
    choice,
    date_value,
    find,
    square_metres,
    text,
    unique,
    yuan,
)
from jiguan.core.statemachine import StateMachine, record

from ..models import Estate, Flat, FlatState, HousingBuilding, Meter, MeterKind, RentBasis
from ..module import MANAGE_STOCK, REVIEW

MAX_FLAT_AREA = Decimal("500")
MAX_BEDROOMS = 10
MAX_FURNISHING_ITEMS = 60
MAX_FURNISHING_COUNT = 99
MAX_FLOORS = 100
MAX_READING = Decimal("9999999999")

F = FlatState
FLAT_MACHINE = StateMachine("state", {
    "reserve": {F.VACANT: F.RESERVED},  # an offer is made
    "release": {F.RESERVED: F.VACANT},  # the offer is declined, expires or is withdrawn
    "occupy": {F.RESERVED: F.OCCUPIED},  # a lease is signed (next landing)
    "vacate": {F.OCCUPIED: F.VACANT},  # the tenant has moved out (next landing)
    "repair": {F.VACANT: F.MAINTENANCE},
    "repaired": {F.MAINTENANCE: F.VACANT},
    "retire": {F.VACANT: F.RETIRED, F.MAINTENANCE: F.RETIRED},
})
# What an administrator may do to a flat by hand; the others follow offers and leases.
MANUAL_ACTIONS = ("repair", "repaired", "retire")
FLAT_ACTIONS = {
    "create": pgettext_lazy("flat action", "Registered"),
    "reserve": pgettext_lazy("flat action", "Reserved for an offer"),
    "release": pgettext_lazy("flat action", "Released"),
    "occupy": pgettext_lazy("flat action", "Occupied"),
    "vacate": pgettext_lazy("flat action", "Vacated"),
    "repair": pgettext_lazy("flat action", "Taken into maintenance"),
    "repaired": pgettext_lazy("flat action", "Maintenance finished"),
    "retire": pgettext_lazy("flat action", "Retired"),
}


def move_flat(flat: Flat, action: str, actor=None, comment: str = "", on: date | None = None) -> None:
    """Move a locked flat by ``action``; the vacancy date starts whenever it becomes vacant (``on``, the day
    of the check-out inspection, else today)."""
    vacant = FLAT_MACHINE.target(flat, action) == F.VACANT
    FLAT_MACHINE.transition(flat, action, actor, comment,
                            vacant_since=(on or timezone.localdate()) if vacant else None)


def regional_setting(model, region: Region, defaults: dict):
    """The ``model`` row (one per region) of the nearest region up the chain that set its own, else an unsaved
    row of the documented ``defaults``: a county follows its city, the city its province."""
    chain = region_chain(region.code)
    rows = {row.region_id: row for row in model.objects.filter(region_id__in=chain)}
    return next((rows[code] for code in chain if code in rows), None) or model(region=region, **defaults)


# --- Estates ----------------------------------------------------------------------------------------------


def _managing_unit(user, errors: Errors, unit_id) -> OrgUnit | None:
    """A bureau in the user's scope keeps the estate; by default the user's own unit."""
    units = scoped(OrgUnit.objects.filter(active=True, kind=UnitKind.UNIT, is_bureau=True), user, MANAGE_STOCK)
    unit = find(units, unit_id if unit_id not in (None, "") else user.unit_id)
    if unit is None:
        errors.add("unit_id", _("Estates are kept by a government offices administration bureau in your data scope; "
                                "choose one."))
    return unit


@use_case
def save_estate(user, estate_id=None, *, unit_id=None, **values) -> Estate:
    """Create an estate (``estate_id`` None) or change one; values: name, region_code, address, rent_basis,
    rent_per_sqm, rent_per_flat, market_rent_per_sqm."""
    require(user, MANAGE_STOCK)
    errors = Errors()
    if estate_id is None:
        estate = Estate(unit=_managing_unit(user, errors, unit_id))
    else:
        estate = get_in_scope(Estate, user, MANAGE_STOCK, estate_id, lock=True)
    estate.name = text(errors, "name", values.get("name"), label=_("estate name"), max_length=100, min_length=2)
    estate.address = text(errors, "address", values.get("address"), label=_("address"), max_length=200,
                          min_length=4)
    estate.region = _region(errors, estate, values.get("region_code"))
    estate.rent_basis = choice(errors, "rent_basis", values.get("rent_basis"), label=_("rent basis"),
                               choices=RentBasis)
    estate.rent_per_sqm = estate.rent_per_flat = None
    if estate.rent_basis == RentBasis.PER_FLAT:
        estate.rent_per_flat = yuan(errors, "rent_per_flat", values.get("rent_per_flat"),
                                    label=_("monthly rent per flat"))
    elif estate.rent_basis == RentBasis.PER_SQUARE_METRE:
        estate.rent_per_sqm = yuan(errors, "rent_per_sqm", values.get("rent_per_sqm"),
                                   label=_("monthly rent per ㎡"))
    estate.market_rent_per_sqm = yuan(errors, "market_rent_per_sqm", values.get("market_rent_per_sqm"),
                                      label=_("monthly market rent per ㎡"))
    if estate.rent_per_sqm and estate.market_rent_per_sqm and estate.market_rent_per_sqm < estate.rent_per_sqm:
        errors.add("market_rent_per_sqm", _("The market rent (%(market)s yuan/㎡) cannot be below the contract rent "
                                            "(%(rent)s yuan/㎡).")
                   % {"market": estate.market_rent_per_sqm, "rent": estate.rent_per_sqm})
    errors.raise_if_any()
    require_path(user, MANAGE_STOCK, estate.unit.org_path)
    created = estate.pk is None
    with unique("name", _("The unit already keeps an estate named “%(name)s”.") % {"name": estate.name}):
        estate.save()
    record(estate, "create" if created else "edit", actor=user)
    return estate


def _region(errors: Errors, estate: Estate, code) -> Region | None:
    """Where the estate stands: a region within the managing bureau's own region."""
    region = find(Region.objects.all(), code)
    if region is None:
        errors.add("region_code", _("Choose the region (district or county) where the estate stands."))
    elif estate.unit_id and not region.key.startswith(estate.unit.region.key):
        errors.add("region_code", _("The estate must stand within %(region)s, the region of its managing bureau.")
                   % {"region": estate.unit.region.name})
    return region


# --- Buildings ---------------------------------------------------------------------------------------------


@use_case
def save_building(user, building_id=None, *, estate_id=None, **values) -> HousingBuilding:
    require(user, MANAGE_STOCK)
    errors = Errors()
    if building_id is None:
        estate = find(scoped(Estate.objects.select_related("unit"), user, MANAGE_STOCK), estate_id)
        if estate is None:
            errors.add("estate_id", _("The selected estate does not exist or is outside your data scope."))
        building = HousingBuilding(estate=estate, unit=estate.unit if estate else None)
    else:
        building = get_in_scope(HousingBuilding, user, MANAGE_STOCK, building_id, lock=True)
    building.name = text(errors, "name", values.get("name"), label=_("building name"), max_length=50)
    building.floors = bounded_int(errors, "floors", values.get("floors"), label=_("floors"), low=1, high=MAX_FLOORS)
    if building.pk and "floors" not in errors:
        highest = building.flats.order_by("-floor").values_list("floor", flat=True).first()
        if highest and highest > building.floors:
            errors.add("floors", _("Flats are recorded up to floor %(n)d; the building cannot have fewer floors.")
                       % {"n": highest})
    errors.raise_if_any()
    created = building.pk is None
    with unique("name", _("The estate already has a building named “%(name)s”.") % {"name": building.name}):
        building.save()
    record(building, "create" if created else "edit", actor=user)
    return building


# --- Flats -------------------------------------------------------------------------------------------------


@use_case
def save_flat(user, flat_id=None, *, building_id=None, **values) -> Flat:
    """Register a flat (vacant) or change its particulars; values: unit_no, floor, layout, bedrooms,
    floor_area, furnishings ``[{"item", "count"}]``. Its state moves only through ``set_flat_state`` and
    the offer and lease services."""
    require(user, MANAGE_STOCK)
    errors = Errors()
    if flat_id is None:
        building = find(scoped(HousingBuilding.objects.select_related("unit"), user, MANAGE_STOCK), building_id)
        if building is None:
            errors.add("building_id", _("The selected building does not exist or is outside your data scope."))
        flat = Flat(building=building, unit=building.unit if building else None, vacant_since=timezone.localdate())
    else:
        flat = get_in_scope(Flat, user, MANAGE_STOCK, flat_id, lock=True,
                            queryset=Flat.objects.select_related("building"))
    flat.unit_no = text(errors, "unit_no", values.get("unit_no"), label=_("flat number"), max_length=20)
    ceiling = flat.building.floors if flat.building_id else MAX_FLOORS
    flat.floor = bounded_int(errors, "floor", values.get("floor"), label=_("floor"), low=1, high=ceiling)
    flat.layout = text(errors, "layout", values.get("layout"), label=_("layout"), max_length=20, min_length=2)
    flat.bedrooms = bounded_int(errors, "bedrooms", values.get("bedrooms"), label=_("bedrooms"), low=1,
                                high=MAX_BEDROOMS)
    flat.floor_area = square_metres(errors, "floor_area", values.get("floor_area"), label=_("floor area"))
    if flat.floor_area and flat.floor_area > MAX_FLAT_AREA:
        errors.add("floor_area", _("A staff flat has at most %(max)s ㎡ of floor area; %(area)s ㎡ given.")
                   % {"max": MAX_FLAT_AREA, "area": flat.floor_area})
    flat.furnishings = furnishing_items(errors, values.get("furnishings"))
    errors.raise_if_any()
    created = flat.pk is None
    with unique("unit_no", _("The building already has a flat numbered “%(no)s”.") % {"no": flat.unit_no}):
        flat.save()
    record(flat, "create" if created else "edit", "" if created else flat.state, flat.state, actor=user)
    return flat


def furnishing_items(errors: Errors, raw) -> list[dict]:
    """The inventory as ``[{"item": name, "count": n}]``: each item named once, counted 1–99."""
    items, seen = [], set()
    for entry in raw or ():
        name = str((entry or {}).get("item", "") if isinstance(entry, dict) else "").strip()
        count = entry.get("count") if isinstance(entry, dict) else None
        try:
            number = int(count)
        except (TypeError, ValueError):
            number = 0
        if not name or len(name) > 30:
            errors.add("furnishings", _("Each furnishing needs a name of 1 to 30 characters."))
        elif name in seen:
            errors.add("furnishings", _("“%(item)s” is listed twice; give it once with its count.") % {"item": name})
        elif not 1 <= number <= MAX_FURNISHING_COUNT or isinstance(count, bool):
            errors.add("furnishings", _("The count of “%(item)s” must be a whole number from 1 to %(max)d.")
                       % {"item": name, "max": MAX_FURNISHING_COUNT})
        else:
            seen.add(name)
            items.append({"item": name, "count": number})
    if len(items) > MAX_FURNISHING_ITEMS:
        errors.add("furnishings", _("List at most %(max)d kinds of furnishing.") % {"max": MAX_FURNISHING_ITEMS})
    return items


@use_case
def set_flat_state(user, flat_id, *, action, comment="") -> Flat:
    """Take a vacant flat into maintenance, back out of it, or retire it."""
    flat = get_in_scope(Flat, user, MANAGE_STOCK, flat_id, lock=True)
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=500, required=action == "retire")
    if action not in MANUAL_ACTIONS:
        errors.add("action", _("Choose one of: %(allowed)s.")
                   % {"allowed": "、".join(str(FLAT_ACTIONS[a]) for a in MANUAL_ACTIONS)})
    errors.raise_if_any()
    if action not in FLAT_MACHINE.allowed_actions(flat):
        raise StateError(_("The flat is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": flat.get_state_display(), "action": FLAT_ACTIONS[action]})
    move_flat(flat, action, user, comment)
    return flat


# --- Meters ------------------------------------------------------------------------------------------------


@use_case
def save_meter(user, flat_id, *, kind, number, last_reading, read_on=None) -> Meter:
    """Record the meter of one kind of a flat (a second call for the same kind replaces its particulars)."""
    flat = get_in_scope(Flat, user, MANAGE_STOCK, flat_id, lock=True)
    errors = Errors()
    choice(errors, "kind", kind, label=_("meter kind"), choices=MeterKind)
    number = text(errors, "number", number, label=_("meter number"), max_length=40)
    reading = meter_reading(errors, last_reading, field="last_reading")
    day = past_day(errors, "read_on", read_on, _("reading date"))
    errors.raise_if_any()
    meter = Meter.objects.filter(flat=flat, kind=kind).first() or Meter(flat=flat, unit_id=flat.unit_id, kind=kind)
    meter.number, meter.last_reading, meter.read_on = number, reading, day
    meter.save()
    record(flat, "meter", flat.state, flat.state, actor=user,
           comment=f"{meter.get_kind_display()} {number}: {reading}")
    return meter


def meter_reading(errors: Errors, value, *, field: str = "reading") -> Decimal | None:
    """A meter reading: 0 or more, at most two decimals."""
    try:
        reading = Decimal(str(value).strip()) if value not in (None, "") else None
    except ArithmeticError:
        reading = None
    if reading is None or not reading.is_finite() or reading < 0 or reading.as_tuple().exponent < -2 \
            or reading >= MAX_READING:
        errors.add(field, _("The reading must be a number from 0 to %(max)s with at most two decimals.")
                   % {"max": MAX_READING})
        return None
    return reading.quantize(Decimal("0.01"))


def past_day(errors: Errors, field: str, value, label: str) -> date | None:
    """A date (empty: today) that is not in the future."""
    day = date_value(errors, field, value, label=label)
    if day and day > timezone.localdate():
        errors.add(field, _("%(field)s cannot be in the future.") % {"field": label})
    return day


def flat_actions(user, flat: Flat) -> set[str]:
    """What ``user`` may do with ``flat``: keep its particulars and meters ("manage", with the manual state
    actions allowed now) and offer it while vacant ("offer")."""
    allowed = set()
    if can_reach(user, MANAGE_STOCK, flat):
        allowed |= {"manage", *(a for a in MANUAL_ACTIONS if a in FLAT_MACHINE.allowed_actions(flat))}
    if flat.state == F.VACANT and can_reach(user, REVIEW, flat):
        allowed.add("offer")
    return allowed


def flats_in_scope(user, permission: str) -> QuerySet:
    return scoped(Flat.objects.select_related("building__estate", "unit"), user, permission)
