"""Management-portal pages of disposal (处置与竞价) and bidders (竞买人): the lists, a new lot by card numbers, a
lot's page with its items, bids (sealed amounts hidden until the close), timeline and the forms of each step,
and the bidders' pages with "register an outside buyer". Thin: ``services.disposal`` and ``services.bidding``
decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.errors import ServiceError
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.services.inputs import find
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, submit

from ..forms.disposal import CommentForm, LotForm, OutsideBidderForm, PaymentForm, ScrapForm
from ..models import BidderKind, DisposalMethod, LotState, RegistrationState
from ..module import APPROVE, KEEP, VIEW
from ..services import bidding
from ..services import disposal as services


def _highest(lot) -> str:
    if lot.method != DisposalMethod.BIDDING:
        return "—"
    shown = lot.highest if bidding.amounts_visible(lot) and lot.highest is not None else "—"
    return f"{shown} / {lot.bid_count}"


LOT_LIST = ListSpec(
    name="warehouse.lots", title=gettext_lazy("Disposal lots"),
    columns=(
        Column("number", gettext_lazy("Lot number"), order_by="number"),
        Column("title", gettext_lazy("Title"), order_by="title"),
        Column("method", gettext_lazy("Disposal method"), order_by="method", value=lambda lot: lot.get_method_display()),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda lot: lot.get_state_display()),
        Column("reserve_price", gettext_lazy("Reserve price (yuan)"), order_by="reserve_price"),
        Column("highest", gettext_lazy("Highest bid / bids"), value=_highest),
        Column("ends_at", gettext_lazy("Bidding ends at"), order_by=("ends_at", "pk"),
               value=lambda lot: timezone.localtime(lot.ends_at).strftime("%Y-%m-%d %H:%M") if lot.ends_at else ""),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=LotState.choices),
             ChoiceFilter("method", gettext_lazy("Disposal method"), "method", choices=DisposalMethod.choices)),
    search=("number", "title"), search_label=gettext_lazy("Lot number or title"),
    default_sort="-number",
)

LOT_DECISIONS = {
    "approve": (services.approve_lot, gettext_lazy("The lot is approved.")),
    "reject": (services.reject_lot, gettext_lazy("The lot is refused; its items are back in the pool.")),
    "cancel": (services.cancel_lot, gettext_lazy("The lot is cancelled; its items are back in the pool.")),
    "pass_on": (bidding.pass_to_next_bidder, gettext_lazy("The winner's bid is set aside; the lot goes to the next "
                                                           "bidder, or closes unsold.")),
}


@require_GET
@manage_view(VIEW)
def lots(request):
    listing = LOT_LIST.bind(request, services.lots_in_scope(request.user))
    return listing.response("warehouse/disposal/list.html", "warehouse/disposal/_table.html")


@manage_view(KEEP)
def lot_new(request):
    form = LotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        def prepare():
            asset_ids = services.card_ids(request.user, form.cleaned_data["card_numbers"])
            return services.prepare_lot(request.user, asset_ids=asset_ids, **form.service_kwargs())

        done, made = submit(request, form, prepare, _("The lot has been submitted for approval."))
        if done:
            return redirect("manage:warehouse:lot", made.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "warehouse/disposal/new.html", {"form": form}, status=status)


def _visible(request, pk: int):
    """The lot, closed first if its bidding has ended (the first to look need not wait for the job)."""
    lot = services.visible_lot(request.user, pk)
    if bidding.close_if_due(lot.pk):
        lot = services.visible_lot(request.user, pk)
    return lot


def _detail(request, lot, status=200, **forms):
    forms = {"comment_form": CommentForm(), "scrap_form": ScrapForm(), "payment_form": PaymentForm(), **forms}
    return render(request, "warehouse/disposal/detail.html", {
        "lot": lot, "items": services.items_of(lot), "view": bidding.lot_view(request.user, lot),
        "actions": services.allowed_actions(lot, request.user),
        "timeline": labelled_timeline(lot, services.LOT_ACTIONS, LotState), **forms,
    }, status=status)


@require_GET
@manage_view(VIEW)
def lot(request, pk: int):
    return _detail(request, _visible(request, pk))


@require_POST
@manage_view(VIEW)
def lot_decide(request, pk: int):
    """Approve, refuse, cancel or pass on to the next bidder, by the button pressed."""
    shown = services.visible_lot(request.user, pk)
    service, success = LOT_DECISIONS.get(request.POST.get("action"), (None, None))
    form = CommentForm(request.POST)
    if service is not None and submit(request, form, lambda: service(request.user, pk, form.cleaned_data["comment"]),
                                      str(success))[0]:
        return redirect("manage:warehouse:lot", pk)
    return _detail(request, shown, status=400, comment_form=form)


@require_POST
@manage_view(KEEP)
def lot_scrap(request, pk: int):
    shown = services.visible_lot(request.user, pk)
    form = ScrapForm(request.POST)
    if submit(request, form, lambda: services.record_scrapping(request.user, pk, **form.cleaned_data),
              _("The scrapping is recorded; the items are disposed of."))[0]:
        return redirect("manage:warehouse:lot", pk)
    return _detail(request, shown, status=400, scrap_form=form)


@require_POST
@manage_view(KEEP)
def lot_payment(request, pk: int):
    shown = services.visible_lot(request.user, pk)
    form = PaymentForm(request.POST)
    if submit(request, form, lambda: bidding.confirm_payment(request.user, pk, **form.cleaned_data),
              _("The payment is recorded; the lot is sold."))[0]:
        return redirect("manage:warehouse:lot", pk)
    return _detail(request, shown, status=400, payment_form=form)


# --- Bidders ------------------------------------------------------------------------------------------------------


BIDDER_LIST = ListSpec(
    name="warehouse.bidders", title=gettext_lazy("Bidders"),
    columns=(
        Column("name", gettext_lazy("Bidder name"), order_by="name"),
        Column("kind", gettext_lazy("Bidder kind"), order_by="kind", value=lambda r: r.get_kind_display()),
        Column("contact_name", gettext_lazy("Contact person")),
        Column("phone_masked", gettext_lazy("Contact phone"), value=lambda r: bidding.masked(r)["phone"]),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda r: r.get_state_display()),
        Column("requested_at", gettext_lazy("Registered at"), order_by="requested_at",
               value=lambda r: timezone.localtime(r.requested_at).date()),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=RegistrationState.choices),
             ChoiceFilter("kind", gettext_lazy("Bidder kind"), "kind", choices=BidderKind.choices)),
    search=("name", "contact_name"), search_label=gettext_lazy("Bidder or contact person"),
    default_sort="-requested_at",
)

REGISTRATION_DECISIONS = {
    "approve": (bidding.approve_registration, gettext_lazy("The bidder is approved and may bid.")),
    "reject": (bidding.reject_registration, gettext_lazy("The registration is refused.")),
    "revoke": (bidding.revoke_registration, gettext_lazy("The registration is revoked; the bidder may bid no more.")),
}


@require_GET
@manage_view(APPROVE)
def bidders(request):
    listing = BIDDER_LIST.bind(request, bidding.registrations_in_scope(request.user))
    return listing.response("warehouse/disposal/bidders.html", "warehouse/disposal/_bidders_table.html")


def _bidder_page(request, registration, status=200, form=None, password=""):
    return render(request, "warehouse/disposal/bidder.html", {
        "registration": registration, "masked": bidding.masked(registration), "password": password,
        "actions": bidding.registration_actions(registration, request.user), "form": form or CommentForm(),
        "timeline": labelled_timeline(registration, bidding.REGISTRATION_ACTIONS, RegistrationState),
    }, status=status)


def _registration(user, pk: int):
    registration = find(bidding.registrations_in_scope(user), pk)
    if registration is None:
        raise Http404(_("Not found."))
    return registration


@require_GET
@manage_view(APPROVE)
def bidder(request, pk: int):
    return _bidder_page(request, _registration(request.user, pk))


@require_POST
@manage_view(APPROVE)
def bidder_decide(request, pk: int):
    registration = _registration(request.user, pk)
    service, success = REGISTRATION_DECISIONS.get(request.POST.get("action"), (None, None))
    form = CommentForm(request.POST)
    if service is not None and submit(request, form, lambda: service(request.user, pk, form.cleaned_data["comment"]),
                                      str(success))[0]:
        return redirect("manage:warehouse:bidder", pk)
    return _bidder_page(request, registration, status=400, form=form)


@manage_view(APPROVE)
def bidder_new(request):
    """Register an outside buyer. The first password is shown on this one answer and never again."""
    form = OutsideBidderForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            registration, password = bidding.register_outside_bidder(request.user, **form.cleaned_data)
        except ServiceError as error:
            form.apply_service_error(error)
        else:
            messages.success(request, _("%(name)s is registered and approved; hand over the account below.")
                             % {"name": registration.name})
            response = _bidder_page(request, registration, password=password)
            response["Cache-Control"] = "no-store"  # the password must not linger in a cache
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "warehouse/disposal/bidder_new.html", {"form": form}, status=status)


manage_urlpatterns = [
    path("lots/", lots, name="lots"),
    path("lots/new/", lot_new, name="lot_new"),
    path("lots/<int:pk>/", lot, name="lot"),
    path("lots/<int:pk>/decide/", lot_decide, name="lot_decide"),
    path("lots/<int:pk>/scrap/", lot_scrap, name="lot_scrap"),
    path("lots/<int:pk>/payment/", lot_payment, name="lot_payment"),
    path("bidders/", bidders, name="bidders"),
    path("bidders/new/", bidder_new, name="bidder_new"),
    path("bidders/<int:pk>/", bidder, name="bidder"),
    path("bidders/<int:pk>/decide/", bidder_decide, name="bidder_decide"),
]
