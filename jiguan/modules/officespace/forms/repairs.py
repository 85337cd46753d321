"""Forms of the major-repair screens (大中修) and the staff's fault report. They parse input and name
fields as ``services.repairs`` takes them; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.core.scoping import scoped
from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import MultiPickerField, PickerField
from jiguan.portals.service.forms import ServiceForm

from ..models import (
    Building,
    DamageGrade,
    RepairKind,
    RepairRequest,
    RepairState,
    Room,
    Urgency,
)
from ..module import MANAGE

YUAN_DIGITS = {"max_digits": 14, "decimal_places": 2}
DATE = forms.DateInput(attrs={"type": "date"})
DAMAGE_HELP = _("1 slight: wear that does not affect use · 2 moderate: parts affect use · 3 severe: main "
                "functions fail or safety is at risk · 4 dangerous: structural or fire danger, works are urgent.")


def yuan_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, **YUAN_DIGITS, **kwargs)


class RepairRequestForm(PortalForm):
    service_names = {"rooms": "room_ids"}
    building = PickerField("officespace.building", MANAGE, label=_("Building"))  # a province has thousands
    kind = forms.ChoiceField(label=_("Kind of repair"), choices=RepairKind.choices)
    title = forms.CharField(label=_("Project name"), max_length=100,
                            help_text=_("E.g. “Main building roof waterproofing”."))
    scope_of_works = forms.CharField(label=_("Scope of works"), max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 4}))
    damage_grade = forms.TypedChoiceField(label=_("Damage grade"), choices=DamageGrade.choices, coerce=int,
                                          help_text=DAMAGE_HELP)
    damage_description = forms.CharField(label=_("Damage assessment"), max_length=2000,
                                         widget=forms.Textarea(attrs={"rows": 4}))
    estimated_cost = yuan_field(_("Estimated cost (yuan)"))
    annual_energy_kwh = forms.IntegerField(label=_("Annual energy use of the building (kWh)"), min_value=1,
                                           help_text=_("Compared per ㎡ of gross area with the other buildings "
                                                       "in the queue."))
    rooms = MultiPickerField("officespace.building_room", MANAGE, label=_("Affected rooms"), required=False,
                             help_text=_("They are under repair while the works run."))
    attachment = forms.FileField(label=_("Photo or document"), required=False,
                                 help_text=_("Optional: a photo of the damage, an assessment report."))

    def __init__(self, *args, user=None, building: Building | None = None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["building"].limit_to(user)
        self.fields["rooms"].limit_to(user)
        chosen = building or self._chosen_building(self.fields["building"].queryset)
        rooms = self.fields["rooms"].queryset
        self.fields["rooms"].queryset = rooms.filter(building=chosen) if chosen else rooms.none()

    def _chosen_building(self, buildings) -> Building | None:
        pk = self.data.get("building") or self.initial.get("building")
        return buildings.filter(pk=pk).first() if str(pk or "").isdigit() else None

    def request_values(self) -> dict:
        values = self.service_values([name for name in self.fields if name != "attachment"])
        values["files"] = [self.cleaned_data["attachment"]] if self.cleaned_data.get("attachment") else []
        return values


class RepairEditForm(RepairRequestForm):
    """The request form with its building fixed (a request stays on the building it was raised for): kept
    as a hidden, disabled field only so that the rooms picker searches that building's rooms."""

    def __init__(self, *args, building: Building, **kwargs):
        super().__init__(*args, building=building, **kwargs)
        self.fields["building"] = forms.IntegerField(widget=forms.HiddenInput, disabled=True, initial=building.pk)

    def changed_request_values(self) -> dict:
        values = self.request_values()
        changed = {self.service_name(name) for name in self.changed_data}
        return {key: value for key, value in values.items() if key in changed or key == "files"}


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(PortalForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=(
        ("plan", _("Accept into the repair plan")), ("return", _("Return for more information")),
        ("reject", _("Reject")),
    ))
    planned_year = forms.IntegerField(label=_("Planned year"), required=False)
    approved_budget = yuan_field(_("Approved budget (yuan)"), required=False)
    comment = forms.CharField(label=_("Comment or reason"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required when returning or rejecting."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_year"].initial = timezone.localdate().year + 1


class StartForm(PortalForm):
    started_on = forms.DateField(label=_("Works start date"), required=False, widget=DATE,
                                 help_text=_("Leave empty for today."))
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class CompleteForm(PortalForm):
    actual_cost = yuan_field(_("Actual cost (yuan)"),
                             help_text=_("Posted to the cost ledger of the unit."))
    completed_on = forms.DateField(label=_("Completion date"), required=False, widget=DATE,
                                   help_text=_("Leave empty for today."))
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class ResolveForm(PortalForm):
    note = forms.CharField(label=_("How it was handled"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class LinkForm(PortalForm):
    service_names = {"repair": "repair_id"}
    repair = forms.ModelChoiceField(label=_("Major repair request"), queryset=RepairRequest.objects.none())

    def __init__(self, *args, user=None, building_id: int | None = None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        open_requests = RepairRequest.objects.filter(building_id=building_id).exclude(
            state__in=(RepairState.REJECTED, RepairState.WITHDRAWN))
        self.fields["repair"].queryset = scoped(open_requests, user, MANAGE)


class ReportForm(ServiceForm):
    """The staff's fault report (service portal): field names are the service's keywords."""

    room_id = forms.TypedChoiceField(label=_("Office"), coerce=int)
    description = forms.CharField(label=_("The fault"), strip=True, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 4, "placeholder": _(
                                      "E.g. the window leaks when it rains, the air conditioner does not cool")}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    photo = forms.FileField(label=_("Photo"), required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/*", "capture": "environment"}))

    def __init__(self, *args, offices: list[Room], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_id"].choices = [(room.pk, f"{room.building.name} {room.number}") for room in offices]
