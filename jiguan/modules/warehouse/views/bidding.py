"""The service portal's 公物竞价 (mobile first): the bidder's registration (or the button to register a unit), the
lots open for bidding with a photo and a countdown, a lot's page with the bid form, and "my bids" with the lots
won and the day to pay by. Thin: ``services.bidding`` decides what may be shown and accepted."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiguan.portals.service.forms import call_service

from ..forms.disposal import BidForm, UnitBidderForm
from ..services import bidding as services
from ..services.disposal import items_of
from ..services.intake import photos_of


def _first_photos(lots) -> list[tuple]:
    """Each lot with its first item and that item's first photo (or None)."""
    shown = []
    for lot in lots:
        item = items_of(lot).order_by("pk").first()
        shown.append((lot, item, photos_of(item).first() if item else None))
    return shown


def home(request):
    user = request.user
    form = UnitBidderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.register_unit_bidder, user) is not None:
            messages.success(request, _("Your unit's registration has been sent to the pool's bureau."))
            return redirect("service:warehouse:bidding")
    return render(request, "warehouse/service/bidding.html", {
        "tab": "work", "form": form, "registrations": services.my_registrations(user),
        "may_register": user.unit_id is not None and not services.my_registrations(user).filter(
            pool_region_id=user.unit.region_id, state__in=services.LIVE).exists(),
        "lots": _first_photos(services.open_lots(user)[:30]), "bids": services.my_bids(user)[:30],
        "won": services.won_lots(user),
    }, status=400 if form.errors else 200)


def lot(request, pk: int):
    form = BidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.place_bid, request.user, pk) is not None:
            messages.success(request, _("Your bid has been accepted."))
            return redirect("service:warehouse:bidding_lot", pk)
    shown = services.bidder_lot(request.user, pk)
    items = [(item, list(photos_of(item))) for item in items_of(shown).order_by("pk")]
    return render(request, "warehouse/service/bidding_lot.html", {
        "tab": "work", "lot": shown, "view": services.lot_view(request.user, shown), "items": items, "form": form,
    }, status=400 if form.errors else 200)


@require_GET
def photo(request, pk: int, asset_pk: int, photo_pk: int):
    item = items_of(services.bidder_lot(request.user, pk)).filter(pk=asset_pk).first()
    if item is None:
        raise Http404(_("Not found."))
    stored = get_object_or_404(photos_of(item), pk=photo_pk)
    return FileResponse(stored.file.open("rb"), content_type=stored.mime_type)


service_urlpatterns = [
    path("bidding/", home, name="bidding"),
    path("bidding/lots/<int:pk>/", lot, name="bidding_lot"),
    path("bidding/lots/<int:pk>/items/<int:asset_pk>/photos/<int:photo_pk>/", photo, name="bidding_photo"),
]
