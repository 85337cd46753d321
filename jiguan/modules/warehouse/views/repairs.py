"""Repairs (维修管理): sending an item from its card's page, the list, and a repair's page with the form taking it
back. Thin: ``services.repairs`` decides."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.core.services.base import get_in_scope
from jiguan.core.services.inputs import find
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, submit

from ..forms.loans import FinishRepairForm, SendToRepairForm
from ..models import Asset, RepairState
from ..module import KEEP, VIEW
from ..services import assets_in_scope
from ..services import repairs as services

REPAIR_LIST = ListSpec(
    name="warehouse.repairs", title=gettext_lazy("Repairs"),
    columns=(
        Column("asset__number", gettext_lazy("Card number"), order_by="asset__number"),
        Column("asset__name", gettext_lazy("Item"), order_by="asset__name"),
        Column("repairer", gettext_lazy("Repairer"), order_by="repairer"),
        Column("sent_on", gettext_lazy("Sent for repair on"), order_by=("sent_on", "pk")),
        Column("expected_back_on", gettext_lazy("Expected back on"), order_by=("expected_back_on", "pk")),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda repair: repair.get_state_display()),
        Column("cost", gettext_lazy("Repair cost (yuan)"), order_by="cost"),
    ),
    filters=(ChoiceFilter("state", gettext_lazy("State"), "state", choices=RepairState.choices),),
    search=("asset__name", "asset__number", "repairer"), search_label=gettext_lazy("Item, card number or repairer"),
    default_sort="-sent_on",
)


@require_GET
@manage_view(KEEP)
def repairs(request):
    listing = REPAIR_LIST.bind(request, services.repairs_in_scope(request.user))
    return listing.response("warehouse/repairs/list.html", "warehouse/repairs/_table.html")


def _visible(user, pk: int):
    repair = find(services.repairs_in_scope(user), pk)
    if repair is None:
        raise Http404(_("Not found."))
    return repair


def _detail(request, repair, form=None, status=200):
    return render(request, "warehouse/repairs/detail.html", {
        "repair": repair, "actions": services.allowed_actions(repair, request.user),
        "form": form or FinishRepairForm(initial={"finished_on": timezone.localdate(), "outcome": "repaired"}),
        "timeline": labelled_timeline(repair, services.REPAIR_ACTIONS, RepairState),
    }, status=status)


@require_GET
@manage_view(KEEP)
def repair(request, pk: int):
    return _detail(request, _visible(request.user, pk))


@require_POST
@manage_view(KEEP)
def finish(request, pk: int):
    repair = _visible(request.user, pk)
    form = FinishRepairForm(request.POST)
    if submit(request, form, lambda: services.finish_repair(request.user, pk, **form.cleaned_data),
              _("The item is back from repair and free in the pool."))[0]:
        return redirect("manage:warehouse:repair", pk)
    return _detail(request, repair, form, status=400)


@manage_view(KEEP)
def send(request, asset_pk: int):
    """Send the item of a card to a repairer (the card's page links here)."""
    asset = get_in_scope(Asset, request.user, VIEW, asset_pk, queryset=assets_in_scope(request.user))
    form = SendToRepairForm(request.POST or None, initial={"sent_on": timezone.localdate()})
    if request.method == "POST":
        done, made = submit(request, form, lambda: services.send_to_repair(request.user, asset_pk, **form.cleaned_data),
                            _("The item has been sent for repair."))
        if done:
            return redirect("manage:warehouse:repair", made.pk)
    return render(request, "warehouse/repairs/send.html", {"asset": asset, "form": form},
                  status=400 if form.errors else 200)


manage_urlpatterns = [
    path("repairs/", repairs, name="repairs"),
    path("repairs/<int:pk>/", repair, name="repair"),
    path("repairs/<int:pk>/finish/", finish, name="repair_finish"),
    path("assets/<int:asset_pk>/repair/", send, name="asset_repair"),
]
