"""Reuse requests (调剂申请): the management portal's list and a request's page — approve, refuse, withdraw,
and the hand-over with the receiver signing on a canvas — and the service portal's "my reuse requests".
Thin: ``services.reuse`` decides."""

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
from jiguan.portals.service.views import timeline_steps

from ..forms.reuse import HandOverForm, ReviewForm
from ..models import ReuseState
from ..module import VIEW
from ..services import reuse as services

REUSE_LIST = ListSpec(
    name="warehouse.reuse", title=gettext_lazy("Reuse requests"),
    columns=(
        Column("asset__number", gettext_lazy("Card number"), order_by="asset__number"),
        Column("asset__name", gettext_lazy("Item"), order_by="asset__name"),
        Column("unit__name", gettext_lazy("Requesting unit"), order_by="org_path"),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda r: r.get_state_display()),
        Column("requested_at", gettext_lazy("Requested at"), order_by="requested_at",
               value=lambda r: timezone.localtime(r.requested_at).date()),
        Column("asset__original_value", gettext_lazy("Original value (yuan)")),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=ReuseState.choices),),
    search=("asset__name", "asset__number", "unit__name"), search_label=gettext_lazy("Item, card number or unit"),
    default_sort="-requested_at",
)

DECISIONS = {
    "approve": (services.approve_reuse, gettext_lazy("The request is approved; the unit is informed.")),
    "reject": (services.reject_reuse, gettext_lazy("The request is refused; the item is back in the catalogue.")),
    "withdraw": (services.withdraw_reuse,
                 gettext_lazy("The request is withdrawn; the item is back in the catalogue.")),
}


@require_GET
@manage_view(VIEW)
def reuse_requests(request):
    listing = REUSE_LIST.bind(request, services.reuse_in_scope(request.user))
    return listing.response("warehouse/reuse/list.html", "warehouse/reuse/_table.html")


def _visible(user, pk: int):
    reuse = find(services.reuse_in_scope(user), pk)
    if reuse is None:
        raise Http404(_("Not found."))
    return reuse


def _detail(request, reuse, review_form=None, hand_over_form=None, status=200):
    return render(request, "warehouse/reuse/detail.html", {
        "reuse": reuse, "actions": services.allowed_actions(reuse, request.user),
        "where": services.whereabouts(reuse.asset),
        "review_form": review_form or ReviewForm(), "hand_over_form": hand_over_form or HandOverForm(),
        "timeline": labelled_timeline(reuse, services.REUSE_ACTIONS, ReuseState),
    }, status=status)


@require_GET
@manage_view(VIEW)
def reuse_request(request, pk: int):
    return _detail(request, _visible(request.user, pk))


@require_POST
@manage_view(VIEW)
def decide(request, pk: int):
    """Approve, refuse or withdraw, by the button pressed."""
    reuse = _visible(request.user, pk)
    service, success = DECISIONS.get(request.POST.get("action"), (None, None))
    form = ReviewForm(request.POST)
    if service is not None and submit(request, form, lambda: service(request.user, pk, form.cleaned_data["comment"]),
                                      str(success))[0]:
        return redirect("manage:warehouse:reuse_request", pk)
    return _detail(request, reuse, review_form=form, status=400)


@require_POST
@manage_view(VIEW)
def hand_over(request, pk: int):
    reuse = _visible(request.user, pk)
    form = HandOverForm(request.POST)
    done, _result = submit(request, form, lambda: services.hand_over(request.user, pk, **form.cleaned_data),
                           _("Handed over: the item now belongs to %(unit)s.") % {"unit": reuse.unit.name})
    if done:
        return redirect("manage:warehouse:reuse_request", pk)
    return _detail(request, reuse, hand_over_form=form, status=400)


manage_urlpatterns = [
    path("reuse/", reuse_requests, name="reuse_requests"),
    path("reuse/<int:pk>/", reuse_request, name="reuse_request"),
    path("reuse/<int:pk>/decide/", decide, name="reuse_decide"),
    path("reuse/<int:pk>/hand-over/", hand_over, name="reuse_hand_over"),
]


# --- Service portal ---------------------------------------------------------------------------------------------


@require_GET
def my_requests(request):
    return render(request, "warehouse/service/my_requests.html", {
        "tab": "work", "requests": services.my_unit_requests(request.user)[:50]})


@require_GET
def my_request(request, pk: int):
    reuse = find(services.my_unit_requests(request.user), pk)
    if reuse is None:
        raise Http404(_("Not found."))
    return render(request, "warehouse/service/my_request.html", {
        "tab": "work", "reuse": reuse, "where": services.whereabouts(reuse.asset),
        "can_withdraw": "withdraw" in services.allowed_actions(reuse, request.user),
        "timeline": timeline_steps(reuse, services.REUSE_ACTIONS, ReuseState)})


@require_POST
def withdraw(request, pk: int):
    try:
        services.withdraw_reuse(request.user, pk, request.POST.get("comment", ""))
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("service:warehouse:my_reuse", pk)


service_urlpatterns = [
    path("requests/", my_requests, name="my_reuse_requests"),
    path("requests/<int:pk>/", my_request, name="my_reuse"),
    path("requests/<int:pk>/withdraw/", withdraw, name="withdraw_reuse"),
]
