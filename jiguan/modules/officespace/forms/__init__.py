"""Forms of the office-space screens. They parse input and name fields as ``services.py`` takes them
(``region`` → ``region_code``, a chosen building → ``building_id``); the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm, RankField
from jiguan.portals.manage.pickers import MultiPickerField, PickerField, RegionField

from .. import pickers  # noqa: F401  (registers the ledger's picker kinds before the fields below)
from ..models import (
    AREA,
    FORBIDDEN_STATES,
    RecoveryReason,
    RoomCategory,
    RoomState,
    Structure,
)
from ..module import MANAGE, SUPERVISE

AREA_DIGITS = {"max_digits": AREA["max_digits"], "decimal_places": AREA["decimal_places"]}


def area_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, **AREA_DIGITS, **kwargs)


class CompoundForm(PortalForm):
    service_names = {"region": "region_code"}
    unit = PickerField("unit", MANAGE, label=_("Managing unit"))
    name = forms.CharField(label=_("Name"), max_length=100)
    region = RegionField(label=_("Region"))
    address = forms.CharField(label=_("Address"), max_length=200)
    land_area = area_field(_("Land area (㎡)"), required=False)


class BuildingForm(PortalForm):
    compound = PickerField("officespace.compound", MANAGE, label=_("Compound"))
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False,
                              help_text=_("Leave empty when it is the compound's address."))
    year_built = forms.IntegerField(label=_("Year built"), min_value=1900, max_value=2100)
    floors_above = forms.IntegerField(label=_("Floors above ground"), min_value=1, max_value=200)
    floors_below = forms.IntegerField(label=_("Floors below ground"), min_value=0, max_value=20, initial=0)
    gross_area = area_field(_("Gross floor area (㎡)"))
    structure = forms.ChoiceField(label=_("Structure"), choices=Structure.choices, initial=Structure.FRAME)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compound"].limit_to(user)


class RoomForm(PortalForm):
    building = PickerField("officespace.building", MANAGE, label=_("Building"))
    floor_number = forms.IntegerField(label=_("Floor"), min_value=-20, max_value=200,
                                      help_text=_("Negative for basements: -1 is B1."))
    number = forms.CharField(label=_("Room number"), max_length=20)
    category = forms.ChoiceField(label=_("Category"), choices=RoomCategory.choices, initial=RoomCategory.OFFICE)
    subtype = forms.CharField(label=_("Sub-type"), max_length=40, required=False,
                              help_text=_("E.g. meeting room, archive, print room, canteen, garage."))
    usable_area = area_field(_("Usable area (㎡)"))
    gross_area = area_field(_("Gross area (㎡)"), required=False)
    desks = forms.IntegerField(label=_("Desks"), min_value=1, max_value=99, initial=1,
                               help_text=_("Work places in an office."))
    unit = PickerField("unit", MANAGE, label=_("Using unit"), required=False,
                       help_text=_("Leave empty when the unit keeping the building uses the room."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)


class AssignForm(PortalForm):
    person = PickerField("person", MANAGE, label=_("Person"))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("Leave empty for today."))
    concurrent_post = forms.BooleanField(label=_("Office of a concurrent post"), required=False)


class ReleaseForm(PortalForm):
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("Leave empty for today."))


class RoomStateForm(PortalForm):
    state = forms.ChoiceField(label=_("State"), choices=RoomState.choices)
    comment = forms.CharField(label=_("Comment"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("state") in FORBIDDEN_STATES and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Describe the forbidden use found: it opens a violation event for the unit."))
        return cleaned


class RecoveryForm(PortalForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=RecoveryReason.choices)


class AreaStandardForm(PortalForm):
    service_names = {"region": "region_code"}
    rank = RankField(label=_("Rank"))
    region = RegionField(label=_("Region"), help_text=_("The province, or a region below it, the row applies to."))
    area = area_field(_("Office area per person (㎡)"))


# --- Building page, room edit, allocation documents ------------------------------------------------


class BuildingEditForm(BuildingForm):
    """The building form without its compound: a building does not move between compounds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["compound"]


class RoomEditForm(RoomForm):
    """The room form without its building: a room does not move between buildings."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["building"]


class OwnershipForm(PortalForm):
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=60)
    holder = forms.CharField(label=_("Registered holder"), max_length=100, required=False,
                             help_text=_("Leave empty to register the bureau of the building's region."))
    registered_on = forms.DateField(label=_("Registered on"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    exception_reason = forms.CharField(label=_("Reason for another holder"), max_length=200, required=False,
                                       help_text=_("Required when the holder is not the bureau."))


class AllocationDocumentForm(PortalForm):
    service_names = {"rooms": "room_ids"}
    unit = PickerField("unit", SUPERVISE, label=_("Unit"))
    document_no = forms.CharField(label=_("Document number"), max_length=60)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))
    rooms = MultiPickerField("officespace.room", SUPERVISE, label=_("Allocated rooms"),
                             help_text=_("Rooms used by the unit that the document allocates."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
