"""Forms of space applications, their allocation and staff members' adjustment requests. They parse input
and name fields as ``services.applications`` takes them; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import OrgUnit, Rank
from jiguan.core.scoping import scoped
from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import RegionField
from jiguan.portals.service.forms import ServiceForm

from ..models import AdjustmentReason, AllocationMethod, Compound, Room
from ..module import SUPERVISE
from ..services import applications as services
from . import area_field

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
COUNT_PREFIX = "count_"


class ApplicationForm(PortalForm):
    """The application with one "people" input per rank of the unit's level (the head-count)."""

    service_names = {"preferred_region": "preferred_region_code"}
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.CharField(label=_("Purpose and reason"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What the space is for and why the present space cannot serve."))
    requested_area = area_field(_("Requested usable area (㎡)"),
                                help_text=_("At most the entitlement of the head-count under the 2014 standard."))
    needed_by = forms.DateField(label=_("Needed by"), **DATE)
    preferred_region = RegionField(label=_("Preferred region"), required=False,
                                   help_text=_("Leave empty for the unit's own region."))
    preferred_compound = forms.ModelChoiceField(label=_("Preferred compound"), queryset=Compound.objects.none(),
                                                required=False)
    attachment = forms.FileField(label=_("Attachment"), required=False,
                                 help_text=_("Optional: e.g. the approval of the staffing (PDF, image, Word or Excel)."))

    def __init__(self, *args, user=None, unit: OrgUnit, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["preferred_compound"].queryset = services.compound_choices(user, unit)
        self.ranks = list(Rank.objects.filter(level__in=services.rank_levels(unit)).order_by("level", "order"))
        for rank in self.ranks:
            self.fields[f"{COUNT_PREFIX}{rank.pk}"] = forms.IntegerField(
                label=rank.name, min_value=0, max_value=services.MAX_PEOPLE_PER_RANK, required=False,
                widget=forms.NumberInput(attrs={"class": "form-control", "placeholder": "0"}),
            )

    def count_fields(self) -> list:
        return [self[f"{COUNT_PREFIX}{rank.pk}"] for rank in self.ranks]

    def field_for(self, service_name: str | None) -> str | None:
        if service_name == "headcount":
            return None  # shown above the head-count table
        return super().field_for(service_name)

    def application_values(self) -> dict:
        names = [n for n in self.fields if not n.startswith(COUNT_PREFIX) and n != "attachment"]
        values = self.service_values(names)
        values["headcount"] = [
            {"rank_id": rank.pk, "count": self.cleaned_data.get(f"{COUNT_PREFIX}{rank.pk}") or 0} for rank in self.ranks
        ]
        return values


class AllocateForm(PortalForm):
    """Rooms are chosen among all rooms in scope (the page lists the idle ones), so a room allocated by
    someone else meanwhile reaches the service, which says what happened."""

    service_names = {"rooms": "room_ids", "returned_rooms": "returned_room_ids"}
    method = forms.ChoiceField(label=_("Allocation method"), choices=AllocationMethod.choices,
                               widget=forms.RadioSelect, initial=AllocationMethod.TRANSFER)
    rooms = forms.ModelMultipleChoiceField(label=_("Idle rooms to allocate"), queryset=Room.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    document_no = forms.CharField(label=_("Allocation document number"), max_length=60, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, help_text=_("Leave empty for today."), **DATE)
    returned_rooms = forms.ModelMultipleChoiceField(label=_("Rooms the unit gives back"), queryset=Room.objects.none(),
                                                    required=False, widget=forms.CheckboxSelectMultiple)
    why_not_transfer = forms.CharField(label=_("Why reallocating idle rooms cannot serve"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    why_not_exchange = forms.CharField(label=_("Why an exchange cannot serve"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    why_not_rent = forms.CharField(label=_("Why renting cannot serve"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    lessor = forms.CharField(label=_("Lessor"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    area = area_field(_("Area (㎡)"), required=False, help_text=_("Rented area, or the planned area of the project."))
    annual_rent = forms.DecimalField(label=_("Annual rent (yuan)"), min_value=0, max_digits=14, decimal_places=2,
                                     required=False)
    lease_start = forms.DateField(label=_("Lease from"), required=False, **DATE)
    lease_end = forms.DateField(label=_("Lease to"), required=False, **DATE)
    project_name = forms.CharField(label=_("Project name"), max_length=100, required=False)
    approval_no = forms.CharField(label=_("Approval document number"), max_length=60, required=False)

    def __init__(self, *args, user=None, application=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        rooms = scoped(Room.objects.filter(retired=False), user, SUPERVISE)
        self.fields["rooms"].queryset = rooms
        self.fields["returned_rooms"].queryset = rooms.filter(unit__in=OrgUnit.objects.filter(
            pk=application.unit_id) | OrgUnit.objects.filter(unit_id=application.unit_id))
        self.fields["returned_rooms"].label_from_instance = lambda room: f"{room}（{room.usable_area} ㎡）"


class AdjustmentDecisionForm(PortalForm):
    comment = forms.CharField(label=_("Reply to the staff member"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required when declining: say why."))


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Remarks"), max_length=500, required=False)


class AdjustmentForm(ServiceForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=AdjustmentReason.choices)
    details = forms.CharField(
        label=_("Details"), required=False, strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What is wrong with your office now, what would help")}),
    )
