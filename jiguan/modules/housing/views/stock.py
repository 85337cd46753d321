"""Management-portal pages of the stock: estates, their buildings and flats, a flat with its furnishings,
meters, state and offers. Thin: every change goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.scoping import can_reach, has_permission, scoped
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter
from jiguan.portals.manage.views.common import labelled_timeline, perform, submit

from .. import services
from ..forms import BuildingForm, EstateForm, FlatForm, FlatStateForm, MeterForm, furnishing_text
from ..models import Estate, Flat, FlatState, HousingBuilding, RentBasis
from ..module import MANAGE_STOCK, VIEW
from . import estate_choices


def _estates(user):
    return scoped(Estate.objects.select_related("unit", "region"), user, VIEW).annotate(
        flat_count=Count("buildings__flats", distinct=True),
        vacant_count=Count("buildings__flats", filter=Q(buildings__flats__state=FlatState.VACANT), distinct=True))


def _rent(estate) -> str:
    if estate.rent_basis == RentBasis.PER_FLAT:
        return _("%(rent)s yuan per flat") % {"rent": estate.rent_per_flat}
    return _("%(rent)s yuan per ㎡") % {"rent": estate.rent_per_sqm}


ESTATE_LIST = ListSpec(
    name="housing.estates", title=gettext_lazy("Estates"),
    columns=(
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("region__name", gettext_lazy("Region"), order_by="region_id"),
        Column("address", gettext_lazy("Address")),
        Column("unit__name", gettext_lazy("Managing unit"), order_by="unit__org_path"),
        Column("rent", gettext_lazy("Monthly rent"), value=_rent),
        Column("flat_count", pgettext_lazy("count", "Flats"), order_by="flat_count"),
        Column("vacant_count", gettext_lazy("Vacant"), order_by="vacant_count"),
    ),
    filters=(region_filter("region"),),
    search=("name", "address"), search_label=gettext_lazy("Name or address"), default_sort="name",
)


@require_GET
@manage_view(VIEW)
def estates(request):
    listing = ESTATE_LIST.bind(request, _estates(request.user))
    return listing.response("housing/stock/estates.html", "housing/stock/_estates_table.html", {
        "can_manage": has_permission(request.user, MANAGE_STOCK)})


@manage_view(MANAGE_STOCK)
def estate_edit(request, pk: int | None = None):
    estate = get_in_scope(Estate, request.user, MANAGE_STOCK, pk) if pk else None
    initial = {} if estate is None else {
        "name": estate.name, "region": estate.region_id, "address": estate.address, "rent_basis": estate.rent_basis,
        "rent_per_sqm": estate.rent_per_sqm, "rent_per_flat": estate.rent_per_flat,
        "market_rent_per_sqm": estate.market_rent_per_sqm}
    form = EstateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        done, saved = submit(request, form, lambda: services.save_estate(request.user, pk, **form.service_values()),
                             _("The estate has been saved."))
        if done:
            return redirect("manage:housing:estate", saved.pk)
    back = reverse("manage:housing:estate", args=[pk]) if pk else reverse("manage:housing:estates")
    return render(request, "manage/form.html", {
        "form": form, "title": _("Edit estate") if pk else _("New estate"), "cancel_url": back,
    }, status=400 if form.errors else 200)


@manage_view(VIEW)
def estate_detail(request, pk: int):
    estate = get_in_scope(Estate, request.user, VIEW, pk, queryset=_estates(request.user))
    may_manage = can_reach(request.user, MANAGE_STOCK, estate)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied(_("You do not have the permission for this action."))
    form = BuildingForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, _building = submit(request, form, lambda: services.save_building(
            request.user, estate_id=estate.pk, **form.service_values()), _("The building has been added."))
        if done:
            return redirect("manage:housing:estate", pk)
    buildings = HousingBuilding.objects.filter(estate=estate).annotate(flat_count=Count("flats"))
    return render(request, "housing/stock/estate.html", {
        "estate": estate, "buildings": buildings, "form": form, "can_manage": may_manage,
    }, status=400 if form.errors else 200)


# --- Flats ------------------------------------------------------------------------------------------------------


def flat_list(user) -> ListSpec:
    return ListSpec(
        name="housing.flats", title=gettext_lazy("Flats"),
        columns=(
            Column("flat", gettext_lazy("Flat"), value=str,
                   order_by=("building__estate__name", "building__name", "floor", "unit_no")),
            Column("layout", gettext_lazy("Layout"), order_by="layout"),
            Column("floor_area", gettext_lazy("Floor area (㎡)"), order_by="floor_area"),
            Column("rent", gettext_lazy("Monthly rent (yuan)"), value=lambda flat: flat.monthly_rent()),
            Column("state", gettext_lazy("State"), order_by="state", value=lambda flat: flat.get_state_display()),
            Column("vacant_since", gettext_lazy("Vacant since"), order_by="vacant_since"),
            Column("unit__name", gettext_lazy("Managing unit")),
        ),
        filters=(
            region_filter("building__estate__region"),
            ChoiceFilter("state", gettext_lazy("State"), "state", choices=FlatState.choices),
            ChoiceFilter("estate", gettext_lazy("Estate"), "building__estate_id", choices=estate_choices(user),
                         attrs={"data-searchable": "1"}),
        ),
        search=("building__estate__name", "building__name", "unit_no", "layout"),
        search_label=gettext_lazy("Estate, building, number or layout"), default_sort="flat",
    )


@require_GET
@manage_view(VIEW)
def flats(request):
    listing = flat_list(request.user).bind(request, services.flats_in_scope(request.user, VIEW))
    return listing.response("housing/stock/flats.html", "housing/stock/_flats_table.html")


@manage_view(MANAGE_STOCK)
def flat_new(request, building_pk: int):
    building = get_in_scope(HousingBuilding, request.user, MANAGE_STOCK, building_pk)
    form = FlatForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, flat = submit(request, form, lambda: services.save_flat(
            request.user, building_id=building.pk, **form.service_values()), _("The flat has been registered."))
        if done:
            return redirect("manage:housing:flat", flat.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("New flat in %(building)s") % {"building": building},
        "cancel_url": reverse("manage:housing:estate", args=[building.estate_id]),
    }, status=400 if form.errors else 200)


@manage_view(MANAGE_STOCK)
def flat_edit(request, pk: int):
    flat = get_in_scope(Flat, request.user, MANAGE_STOCK, pk)
    initial = {"unit_no": flat.unit_no, "floor": flat.floor, "layout": flat.layout, "bedrooms": flat.bedrooms,
               "floor_area": flat.floor_area, "furnishings": furnishing_text(flat.furnishings)}
    form = FlatForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        done, _flat = submit(request, form, lambda: services.save_flat(request.user, pk, **form.service_values()),
                             _("The changes have been saved."))
        if done:
            return redirect("manage:housing:flat", pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Edit flat %(flat)s") % {"flat": flat},
        "cancel_url": reverse("manage:housing:flat", args=[pk]),
    }, status=400 if form.errors else 200)


@manage_view(VIEW)
def flat_detail(request, pk: int):
    flat = get_in_scope(Flat, request.user, VIEW, pk, queryset=services.flats_in_scope(request.user, VIEW))
    actions = services.flat_actions(request.user, flat)
    may_manage = "manage" in actions
    if request.method == "POST" and not may_manage:
        raise PermissionDenied(_("You do not have the permission for this action."))
    meter_form = MeterForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, _meter = submit(request, meter_form, lambda: services.save_meter(
            request.user, pk, **meter_form.service_values()), _("The meter has been recorded."))
        if done:
            return redirect("manage:housing:flat", pk)
    return render(request, "housing/stock/flat.html", {
        "flat": flat, "meters": flat.meters.all(), "meter_form": meter_form, "can_manage": may_manage,
        "actions": [(a, services.FLAT_ACTIONS[a]) for a in services.MANUAL_ACTIONS if a in actions],
        "can_offer": "offer" in actions,
        "offers": flat.offers.select_related("application__person").order_by("-offered_at"),
        "timeline": labelled_timeline(flat, services.FLAT_ACTIONS, FlatState),
    }, status=400 if meter_form.errors else 200)


@require_POST
@manage_view(MANAGE_STOCK)
def flat_state(request, pk: int):
    form = FlatStateForm(request.POST, user=request.user)
    if form.is_valid():
        perform(request, lambda: services.set_flat_state(request.user, pk, **form.cleaned_data),
                _("The state of the flat has been changed."))
    else:
        messages.error(request, _("Choose one of the actions offered on the page."))
    return redirect("manage:housing:flat", pk)


manage_urlpatterns = [
    path("", flats, name="flats"),
    path("flats/<int:pk>/", flat_detail, name="flat"),
    path("flats/<int:pk>/edit/", flat_edit, name="flat_edit"),
    path("flats/<int:pk>/state/", flat_state, name="flat_state"),
    path("buildings/<int:building_pk>/flats/new/", flat_new, name="flat_new"),
    path("estates/", estates, name="estates"),
    path("estates/new/", estate_edit, name="estate_new"),
    path("estates/<int:pk>/", estate_detail, name="estate"),
    path("estates/<int:pk>/edit/", estate_edit, name="estate_edit"),
]
