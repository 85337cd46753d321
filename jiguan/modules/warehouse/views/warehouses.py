"""Management-portal pages of the warehouses: the list, a new warehouse, a warehouse's page with its storage
locations, and an asset card's page with its photos. Cards are read through ``services.assets_in_scope``
(classified cards only for cleared users)."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiguan.core.scoping import can_reach, has_permission
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import perform, submit

from ..forms.warehouses import LocationForm, PhotoForm, WarehouseForm
from ..models import Asset, Warehouse
from ..module import KEEP, VIEW
from ..services import assets_in_scope
from ..services import intake as intake_services
from ..services import warehouses as services


@manage_view(VIEW)
def warehouses(request):
    return render(request, "warehouse/warehouses/list.html", {
        "warehouses": services.warehouses_in_scope(request.user), "may_keep": has_permission(request.user, KEEP)})


@manage_view(KEEP)
def warehouse_new(request):
    form = WarehouseForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, made = submit(request, form, lambda: services.save_warehouse(request.user, **form.service_values()),
                            _("The warehouse has been registered."))
        if done:
            return redirect("manage:warehouse:warehouse", made.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Register a warehouse"), "cancel_url": reverse("manage:warehouse:warehouses"),
    }, status=400 if form.errors else 200)


@manage_view(VIEW)
def warehouse_detail(request, pk: int):
    warehouse = get_in_scope(Warehouse, request.user, VIEW, pk, queryset=services.warehouses_in_scope(request.user))
    may_keep = has_permission(request.user, KEEP) and can_reach(request.user, KEEP, warehouse)
    form = LocationForm(request.POST or None, user=request.user) if may_keep else None
    if request.method == "POST" and form is not None:
        done, _location = submit(request, form, lambda: services.save_location(
            request.user, warehouse_id=pk, **form.cleaned_data), _("The storage location has been added."))
        if done:
            return redirect("manage:warehouse:warehouse", pk)
    assets = assets_in_scope(request.user).filter(warehouse=warehouse)
    return render(request, "warehouse/warehouses/detail.html", {
        "warehouse": warehouse, "locations": warehouse.locations.all(), "form": form, "may_keep": may_keep,
        "assets": assets[:50], "asset_count": assets.count(),
    }, status=400 if form is not None and form.errors else 200)


@require_POST
@manage_view(KEEP)
def warehouse_active(request, pk: int):
    active = request.POST.get("active") == "1"
    perform(request, lambda: services.set_warehouse_active(request.user, pk, active=active),
            _("The warehouse is in use again.") if active else _("The warehouse has been taken out of use."))
    return redirect("manage:warehouse:warehouse", pk)


@manage_view(VIEW)
def asset_detail(request, pk: int):
    asset = get_in_scope(Asset, request.user, VIEW, pk, queryset=assets_in_scope(request.user))
    may_keep = has_permission(request.user, KEEP) and can_reach(request.user, KEEP, asset)
    form = PhotoForm(request.POST or None, request.FILES or None, user=request.user) if may_keep else None
    if request.method == "POST" and form is not None:
        done, _photo = submit(request, form, lambda: intake_services.add_photo(request.user, pk,
                                                                               form.cleaned_data["file"]),
                              _("The photo has been added to the card."))
        if done:
            return redirect("manage:warehouse:asset", pk)
    return render(request, "warehouse/warehouses/asset.html", {
        "asset": asset, "photos": intake_services.photos_of(asset), "form": form,
    }, status=400 if form is not None and form.errors else 200)


@manage_view(VIEW)
def asset_photo(request, pk: int, photo_pk: int):
    asset = get_in_scope(Asset, request.user, VIEW, pk, queryset=assets_in_scope(request.user))
    photo = get_object_or_404(intake_services.photos_of(asset), pk=photo_pk)
    return FileResponse(photo.file.open("rb"), content_type=photo.mime_type, filename=photo.original_name)


manage_urlpatterns = [
    path("warehouses/", warehouses, name="warehouses"),
    path("warehouses/new/", warehouse_new, name="warehouse_new"),
    path("warehouses/<int:pk>/", warehouse_detail, name="warehouse"),
    path("warehouses/<int:pk>/active/", warehouse_active, name="warehouse_active"),
    path("assets/<int:pk>/", asset_detail, name="asset"),
    path("assets/<int:pk>/photos/<int:photo_pk>/", asset_photo, name="asset_photo"),
]
