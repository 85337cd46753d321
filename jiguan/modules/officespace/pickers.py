"""Searchable choices of the ledger for forms that reach a whole province: a bureau's form would
otherwise list hundreds of thousands of rooms. The portal's picker endpoint scopes every search."""

from jiguan.portals.manage.pickers import Picker, register_picker

from .models import Building, Compound, Room

register_picker("officespace.compound", Picker(
    lambda: Compound.objects.select_related("region"),
    ("name", "address"),
    lambda compound: f"{compound.name}（{compound.region.name}）",
))
register_picker("officespace.building", Picker(
    lambda: Building.objects.filter(state="in_use").select_related("compound"),
    ("name", "compound__name", "address"),
    lambda building: f"{building.compound.name} · {building.name}",
))
register_picker("officespace.room", Picker(
    lambda: Room.objects.filter(retired=False).select_related("building", "unit"),
    ("number", "building__name", "unit__name"),
    lambda room: f"{room.building.name} {room.number}（{room.unit.name}）",
    forward=("unit",),
))


def building_room_label(room: Room) -> str:
    return f"{room.floor} · {room.number}" + (f"（{room.subtype}）" if room.subtype else "")


# The rooms of the building chosen in the same form, whichever unit uses them: reached through the building.
register_picker("officespace.building_room", Picker(
    lambda: Room.objects.filter(retired=False).select_related("floor"),
    ("number", "subtype"), building_room_label, forward=("building",), forward_required=True,
    reached_through="building",
))
