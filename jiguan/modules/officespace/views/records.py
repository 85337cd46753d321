"""The rest of the ledger's records: the building page (details, edit, retire, ownership registrations),
editing and retiring a room, and the bureau's allocation documents (使用凭证)."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import Column, ListSpec
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter
from jiguan.portals.manage.views.common import perform, submit

from .. import services
from ..forms import AllocationDocumentForm, BuildingEditForm, OwnershipForm, RoomEditForm
from ..models import AllocationDocument, Building, BuildingState, Room
from ..module import MANAGE, SUPERVISE, VIEW
from .ledger import building_in_view, room_in_view

# --- The building page ----------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def building_detail(request, pk: int):
    return _building_page(request, building_in_view(request.user, pk))


def _building_page(request, building: Building, *, ownership_form=None, status: int = 200):
    user = request.user
    may_manage = scoped(Building.objects.filter(pk=building.pk), user, MANAGE).exists()
    rooms = building.rooms.filter(retired=False).order_by()
    return render(request, "officespace/records/building.html", {
        "building": building,
        "room_totals": rooms.aggregate(count=Count("pk")),
        "ownerships": building.ownerships.order_by("-registered_on", "-pk"),
        "can_manage": has_permission(user, MANAGE) and may_manage and building.state == BuildingState.IN_USE,
        "ownership_form": ownership_form or OwnershipForm(),
        "can_supervise": has_permission(user, SUPERVISE),
    }, status=status)


@manage_view(MANAGE)
def building_edit(request, pk: int):
    building = get_in_scope(Building, request.user, MANAGE, pk)
    initial = {name: getattr(building, name) for name in services.BUILDING_CHANGEABLE}
    form = BuildingEditForm(request.POST or None, initial=initial, user=request.user)
    back = reverse("manage:officespace:building", args=[building.pk])
    if request.method == "POST":
        done, _building = submit(
            request, form, lambda: services.update_building(request.user, building.pk, **form.changed_service_values()),
            _("The changes have been saved."),
        )
        if done:
            return redirect(back)
    return _edit_page(request, form, _("Edit building “%(name)s”") % {"name": building.name}, back)


@require_POST
@manage_view(MANAGE)
def building_retire(request, pk: int):
    building = get_in_scope(Building, request.user, MANAGE, pk)
    perform(request, lambda: services.retire_building(request.user, building.pk),
            _("The building and its rooms have been retired from the ledger."))
    return redirect("manage:officespace:building", building.pk)


@require_POST
@manage_view(MANAGE)
def ownership_register(request, pk: int):
    building = building_in_view(request.user, pk)
    form = OwnershipForm(request.POST)
    done, _ownership = submit(
        request, form,
        lambda: services.register_ownership(request.user, building_id=building.pk, **form.service_values()),
        _("The ownership registration has been recorded."),
    )
    if done:
        return redirect("manage:officespace:building", building.pk)
    return _building_page(request, building, ownership_form=form)


# --- Editing and retiring a room ------------------------------------------------------------------

ROOM_INITIAL = ("number", "category", "subtype", "usable_area", "gross_area", "desks")


@manage_view(MANAGE)
def room_edit(request, pk: int):
    room = get_in_scope(Room, request.user, MANAGE, pk, queryset=Room.objects.filter(retired=False))
    initial = {name: getattr(room, name) for name in ROOM_INITIAL}
    initial.update(floor_number=room.floor.number, unit=room.unit_id)
    form = RoomEditForm(request.POST or None, initial=initial, user=request.user)
    back = reverse("manage:officespace:room", args=[room.pk])
    if request.method == "POST":
        done, _room_saved = submit(
            request, form, lambda: services.update_room(request.user, room.pk, **_room_changes(form)),
            _("The changes have been saved."),
        )
        if done:
            return redirect(back)
    return _edit_page(request, form, _("Edit room %(room)s") % {"room": room}, back)


def _room_changes(form: RoomEditForm) -> dict:
    """Changed fields; an emptied using unit means no change (the form's "empty" is "the building's unit")."""
    return {k: v for k, v in form.changed_service_values().items() if k != "unit_id" or v}


@require_POST
@manage_view(MANAGE)
def room_retire(request, pk: int):
    room = room_in_view(request.user, pk)
    if perform(request, lambda: services.retire_room(request.user, room.pk),
               _("The room has been retired from the ledger.")):
        return redirect("manage:officespace:building", room.building_id)
    return redirect("manage:officespace:room", room.pk)


def _edit_page(request, form, title: str, back: str):
    return render(request, "manage/form.html", {"form": form, "title": title, "cancel_url": back})


# --- Allocation documents -------------------------------------------------------------------------

ALLOCATION_LIST = ListSpec(
    name="officespace.allocation_documents", title=gettext_lazy("Allocation documents"),
    columns=(
        Column("document_no", gettext_lazy("Document number"), order_by="document_no"),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__org_path"),
        Column("issued_on", gettext_lazy("Issued on"), order_by="issued_on"),
        Column("rooms", gettext_lazy("Allocated rooms"), value=lambda doc: "、".join(str(room) for room in doc.rooms.all())),
        Column("note", gettext_lazy("Note")),
    ),
    filters=(region_filter("unit__region"),),
    search=("document_no", "unit__name"), search_label=gettext_lazy("Document number or unit"),
    default_sort="-issued_on",
)


@require_GET
@manage_view(SUPERVISE)
def allocation_documents(request):
    documents = AllocationDocument.objects.select_related("unit").prefetch_related("rooms__building")
    listing = ALLOCATION_LIST.bind(request, scoped(documents, request.user, SUPERVISE))
    return listing.response("officespace/records/allocations.html", "officespace/records/_allocations_table.html")


@manage_view(SUPERVISE)
def allocation_issue(request):
    form = AllocationDocumentForm(request.POST or None, user=request.user)
    back = reverse("manage:officespace:allocation_documents")
    if request.method == "POST":
        done, _document = submit(
            request, form, lambda: services.issue_allocation_document(request.user, **form.service_values()),
            _("The allocation document has been issued."),
        )
        if done:
            return redirect(back)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Issue an allocation document"), "cancel_url": back,
        "submit_label": _("Issue"),
    })
