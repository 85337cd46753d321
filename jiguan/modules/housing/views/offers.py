"""Management-portal pages of offers (配租): the list, a new offer of a vacant flat to the first on the list
(or, with a reason, to one further down), and an offer's page. Thin: ``services.offers`` decides."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.services.base import get_in_scope
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, submit

from ..forms.offers import OfferForm
from ..models import Offer, OfferState
from ..module import REVIEW
from ..services import offers as services

OFFER_LIST = ListSpec(
    name="housing.offers", title=gettext_lazy("Offers"),
    columns=(
        Column("flat", gettext_lazy("Flat"), value=lambda offer: str(offer.flat)),
        Column("application__person__name", gettext_lazy("Applicant"), order_by="application__person__name"),
        Column("application__unit__name", gettext_lazy("Unit")),
        Column("position", gettext_lazy("Position when offered"), order_by="position"),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda offer: offer.get_state_display()),
        Column("offered_at", gettext_lazy("Offered at"), order_by="offered_at", value=lambda o: o.offered_at.date()),
        Column("expires_on", gettext_lazy("Answer by"), order_by="expires_on"),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=OfferState.choices),),
    search=("application__person__name", "flat__building__estate__name", "flat__unit_no"),
    search_label=gettext_lazy("Applicant or flat"), default_sort="-offered_at",
)


@require_GET
@manage_view(REVIEW)
def offers(request):
    listing = OFFER_LIST.bind(request, services.offers_in_scope(request.user))
    return listing.response("housing/offers/list.html", "housing/offers/_table.html")


@manage_view(REVIEW)
def offer_new(request):
    flats, applications = services.offer_candidates(request.user)
    form = OfferForm(request.POST or None, user=request.user, flats=flats, applications=applications,
                     initial={"flat": request.GET.get("flat")})
    if request.method == "POST":
        def offer():
            values = form.service_values()
            return services.make_offer(request.user, values.pop("flat_id"), **values)

        done, made = submit(request, form, offer, _("The flat has been offered; the applicant is informed."))
        if done:
            return redirect("manage:housing:offer", made.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Offer a flat"), "cancel_url": reverse("manage:housing:offers"),
        "intro": _("Offers go in the order of the waiting list. To offer the flat to someone further down, "
                   "write down why the applicants ranked higher are passed over; they keep their places."),
        "submit_label": _("Offer the flat"),
    }, status=400 if form.errors else 200)


@require_GET
@manage_view(REVIEW)
def offer_detail(request, pk: int):
    offer = get_in_scope(Offer, request.user, REVIEW, pk, queryset=services.offers_in_scope(request.user))
    return render(request, "housing/offers/detail.html", {
        "offer": offer, "timeline": labelled_timeline(offer, services.OFFER_ACTIONS, OfferState)})


manage_urlpatterns = [
    path("", offers, name="offers"),
    path("new/", offer_new, name="offer_new"),
    path("<int:pk>/", offer_detail, name="offer"),
]
