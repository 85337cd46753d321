"""Forms of the 清查盘点 screens. They parse input and name fields as ``services.campaigns`` takes them;
the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import RegionField

from ..models import Building, CampaignTask, RoomCategory, RoomState
from . import area_field

YES_NO = (("", "—"), ("1", _("Yes")), ("0", _("No")))
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def yes_no_field(label, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda value: value == "1", empty_value=None,
                                  **kwargs)


class CampaignForm(PortalForm):
    service_names = {"region": "region_code"}
    name = forms.CharField(label=_("Name"), max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": _("E.g. 2026 inventory of office space")}))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_INPUT,
                               help_text=_("Units submit their checklists by this date."))
    region = RegionField(label=_("Scope"), required=False,
                         help_text=_("Leave empty for your whole region, or choose a city or county under it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class CorrectForm(PortalForm):
    category = forms.ChoiceField(label=_("Category found"), choices=RoomCategory.choices)
    usable_area = area_field(_("Usable area found (㎡)"))
    state = forms.ChoiceField(label=_("State found"), choices=RoomState.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MissingForm(PortalForm):
    note = forms.CharField(label=_("What was found instead"), max_length=200,
                           help_text=_("E.g. demolished and merged into the corridor."))


class ExtraRoomForm(CorrectForm):
    """A room found on site, not in the ledger, in a building the unit uses or keeps."""

    field_order = ("building", "floor_number", "number", "category", "usable_area", "state", "note")
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    floor_number = forms.IntegerField(label=_("Floor"), min_value=-20, max_value=200,
                                      help_text=_("Negative for basements: -1 is B1."))
    number = forms.CharField(label=_("Room number"), max_length=20)

    def __init__(self, *args, task: CampaignTask, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(
            Q(pk__in=task.rooms.values("building_id")) | Q(pk__in=task.buildings.values("building_id"))
        ).order_by("name")


class BuildingFiguresForm(PortalForm):
    book_area = area_field(_("Book area (㎡)"), help_text=_("From the fixed-asset accounts; 0 if not recorded there."))
    book_value = forms.DecimalField(label=_("Book value (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    certificate_at_hand = yes_no_field(_("Certificate at hand"))
    certificate_matches = yes_no_field(_("Certificate matches the ledger"), required=False,
                                       help_text=_("Holder, location and area on the certificate agree with the "
                                                   "ledger."))
    certificate_area = area_field(_("Area on the certificate (㎡)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CloseForm(PortalForm):
    force = forms.BooleanField(label=_("Close although some units are not accepted"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(PortalForm):
    reason = forms.CharField(label=_("Reason for returning"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(PortalForm):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
