"""Importing a unit's rooms from the Excel template (one sheet 房间, one 说明).

Every row goes through ``services.create_room`` — the ledger's own rules — inside one transaction; the
file is read to the end even after a bad row, and if any row was refused the transaction is rolled back
and the user gets every refusal by row and column. So a file is imported entirely or not at all.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.excel_import import ImportColumn, ImportRejected, RowError, read_rows, template_workbook
from jiguan.core.models import OrgUnit
from jiguan.core.scoping import scoped
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import use_case

from . import services
from .models import Building, Compound, RoomCategory, RoomState
from .module import MANAGE

ROOM_SHEET = pgettext_lazy("import sheet", "Rooms")
NOTES_SHEET = pgettext_lazy("import sheet", "Notes")
IMPORTABLE_STATES = (RoomState.IN_USE, RoomState.IDLE, RoomState.REPAIR)


def room_columns() -> tuple[ImportColumn, ...]:
    """The template's columns; their headers are what the uploaded sheet's first row must say."""
    return (
        ImportColumn("compound", str(pgettext_lazy("import column", "Compound name")),
                     help=_("The name of a compound already in the ledger (within your data scope).")),
        ImportColumn("building", str(pgettext_lazy("import column", "Building name")),
                     help=_("The name of a building of that compound already in the ledger.")),
        ImportColumn("floor_number", str(pgettext_lazy("import column", "Floor")),
                     help=_("A floor of the building: 1, 2, 3 …; basements as negative numbers (-1 is B1).")),
        ImportColumn("number", str(pgettext_lazy("import column", "Room number")),
                     help=_("Unique within the building, at most 20 characters, e.g. 301.")),
        ImportColumn("category", str(pgettext_lazy("import column", "Category")),
                     help=_("What the room is for (2017 office-space rules)."),
                     choices=tuple(str(label) for label in RoomCategory.labels)),
        ImportColumn("subtype", str(pgettext_lazy("import column", "Sub-type")), required=False,
                     help=_("Optional, at most 40 characters, e.g. meeting room, archive, canteen.")),
        ImportColumn("usable_area", str(pgettext_lazy("import column", "Usable area (㎡)")),
                     help=_("Square metres, greater than 0, at most two decimals.")),
        ImportColumn("gross_area", str(pgettext_lazy("import column", "Gross area (㎡)")), required=False,
                     help=_("Optional; square metres, not smaller than the usable area.")),
        ImportColumn("desks", str(pgettext_lazy("import column", "Desks")), required=False,
                     help=_("Work places in an office, 1 to 500; empty means 1.")),
        ImportColumn("state", str(pgettext_lazy("import column", "State")), required=False,
                     help=_("Empty means in use."), choices=tuple(str(s.label) for s in IMPORTABLE_STATES)),
    )


def room_template() -> bytes:
    return template_workbook(str(ROOM_SHEET), room_columns(), str(NOTES_SHEET))


@use_case
def import_rooms(user, uploaded_file, *, unit_id) -> int:
    """Create the rooms of the file for the using unit ``unit_id``; returns how many. Raises
    ``ImportRejected`` (nothing imported) when any row is wrong, ``ValidationFailed`` for a bad file."""
    require(user, MANAGE)
    unit = get_in_scope(OrgUnit, user, MANAGE, unit_id)
    columns = room_columns()
    rows = list(read_rows(uploaded_file, str(ROOM_SHEET), columns))
    if not rows:
        raise ValidationFailed({"file": [_("The sheet “%(sheet)s” holds no rooms below its header row.")
                                         % {"sheet": ROOM_SHEET}]})
    importer = _RowImporter(user, unit, {c.field: c.header for c in columns})
    for number, row in rows:
        importer.add(number, row)
    if importer.problems:
        raise ImportRejected(importer.problems)
    return len(rows)


class _RowImporter:
    """Creates the rows one by one, noting each refusal against its row and column."""

    def __init__(self, user, unit: OrgUnit, headers: dict[str, str]):
        self.user, self.unit, self.headers = user, unit, headers
        self.problems: list[RowError] = []
        self.compound_names = set(scoped(Compound.objects.all(), user, MANAGE).values_list("name", flat=True))
        self.buildings: dict[tuple[str, str], list[int]] = {}
        for pk, compound, name in scoped(Building.objects.all(), user, MANAGE).values_list("pk", "compound__name",
                                                                                            "name"):
            self.buildings.setdefault((compound, name), []).append(pk)
        self.first_row: dict[tuple[int, str], int] = {}  # (building, room number) → row that gave it first

    def add(self, number: int, row: dict) -> None:
        building_id = self._building(number, row)
        if building_id is None:
            return
        key = (building_id, str(row["number"] or ""))
        if key[1] and key in self.first_row:
            self._fail(number, row, "number", _("Room number %(number)s of this building already appears in row "
                                                "%(row)d of the file.") % {"number": key[1],
                                                                          "row": self.first_row[key]})
            return
        self.first_row[key] = number
        try:
            services.create_room(
                self.user, building_id=building_id, unit_id=self.unit.pk,
                floor_number=row["floor_number"], number=row["number"], subtype=row["subtype"],
                category=_code(row["category"], RoomCategory), usable_area=row["usable_area"],
                gross_area=row["gross_area"], desks=row["desks"] or 1,
                state=_code(row["state"], RoomState) or RoomState.IN_USE,
            )
        except ValidationFailed as refusal:
            for field, messages in refusal.errors.items():
                for message in messages:
                    self._fail(number, row, field, message)
        except StateError as refusal:  # e.g. a retired building
            self._fail(number, row, "building", refusal.message)

    def _building(self, number: int, row: dict) -> int | None:
        compound, name = str(row["compound"] or ""), str(row["building"] or "")
        if compound not in self.compound_names:
            self._fail(number, row, "compound", _("There is no compound named “%(name)s” in your data scope; add "
                                                  "it to the ledger first.") % {"name": compound})
            return None
        found = self.buildings.get((compound, name), [])
        if len(found) != 1:
            self._fail(number, row, "building", (
                _("Compound “%(compound)s” has no building named “%(name)s” in your data scope; add it to the "
                  "ledger first.") if not found else
                _("More than one compound named “%(compound)s” has a building “%(name)s”; rename one of them "
                  "in the ledger first.")) % {"compound": compound, "name": name})
            return None
        return found[0]

    def _fail(self, number: int, row: dict, field: str, reason: str) -> None:
        value = row.get(field)
        self.problems.append(RowError(number, self.headers.get(field, ""), "" if value is None else str(value),
                                      str(reason)))


def _code(label, choices) -> str:
    """The stored code for a label shown in the template (办公室 → office); anything else is passed on
    unchanged, so the service's refusal lists what is allowed."""
    by_label = {str(choice.label): choice.value for choice in choices}
    return by_label.get(str(label or ""), label or "")
