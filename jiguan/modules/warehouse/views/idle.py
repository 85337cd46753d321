"""Idle assets (闲置资产) in the management portal: the list with how long each asset has been idle and which
are due to be offered, declaring one, and an asset's page where its unit says it is back in use or offered
to the pool. Thin: ``services.idle`` decides."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec
from jiguan.core.scoping import has_permission
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, submit

from ..forms.idle import DeclareIdleForm, InUseForm, OfferedForm
from ..models import IDLE_MONTHS, IdleSource, IdleState
from ..module import OFFER, VIEW
from ..services import idle as services

IDLE_LIST = ListSpec(
    name="warehouse.idle", title=gettext_lazy("Idle assets"),
    columns=(
        Column("name", gettext_lazy("Asset name"), order_by="name"),
        Column("unit__name", gettext_lazy("Unit"), order_by="org_path"),
        Column("quantity", gettext_lazy("Quantity")),
        Column("idle_since", gettext_lazy("Idle since"), order_by=("idle_since", "pk")),
        Column("months_idle", gettext_lazy("Months idle"), value=lambda r: services.months_idle(r.idle_since)),
        Column("source", gettext_lazy("Source"), order_by="source", value=lambda r: r.get_source_display()),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda r: r.get_state_display()),
    ),
    filters=(
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=IdleState.choices),
        BooleanFilter("due", gettext_lazy("Due to be offered"), method=services.only_due),
        ChoiceFilter("source", gettext_lazy("Source"), "source", choices=IdleSource.choices),
    ),
    search=("name", "unit__name"), search_label=gettext_lazy("Asset or unit"),
    default_sort="idle_since",
)


@require_GET
@manage_view(VIEW)
def idle_assets(request):
    listing = IDLE_LIST.bind(request, services.idle_in_scope(request.user))
    listing_context = {"due_months": IDLE_MONTHS, "can_declare": _can_declare(request.user)}
    return listing.response("warehouse/idle/list.html", "warehouse/idle/_table.html", listing_context)


def _can_declare(user) -> bool:
    return user.unit_id is not None and has_permission(user, OFFER)


@manage_view(OFFER)
def idle_new(request):
    form = DeclareIdleForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, made = submit(request, form, lambda: services.declare_idle(request.user, **form.cleaned_data),
                            _("The idle asset is declared."))
        if done:
            return redirect("manage:warehouse:idle_asset", made.pk)
    return render(request, "warehouse/idle/new.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request, idle, in_use_form=None, offered_form=None, status=200):
    return render(request, "warehouse/idle/detail.html", {
        "idle": idle, "actions": services.allowed_actions(idle, request.user), "due_months": IDLE_MONTHS,
        "months": services.months_idle(idle.idle_since),
        "in_use_form": in_use_form or InUseForm(),
        "offered_form": offered_form or OfferedForm(requests=services.offerable_requests(idle)),
        "timeline": labelled_timeline(idle, services.IDLE_ACTIONS, IdleState),
    }, status=status)


@require_GET
@manage_view(VIEW)
def idle_asset(request, pk: int):
    return _detail(request, services.get_idle(request.user, pk))


@require_POST
@manage_view(OFFER)
def idle_in_use(request, pk: int):
    idle = services.get_idle(request.user, pk)
    form = InUseForm(request.POST)
    if submit(request, form, lambda: services.mark_in_use(request.user, pk, form.cleaned_data["comment"]),
              _("The asset is recorded as back in use."))[0]:
        return redirect("manage:warehouse:idle_asset", pk)
    return _detail(request, idle, in_use_form=form, status=400)


@require_POST
@manage_view(OFFER)
def idle_offered(request, pk: int):
    idle = services.get_idle(request.user, pk)
    form = OfferedForm(request.POST, requests=services.offerable_requests(idle))
    if submit(request, form, lambda: services.mark_offered(request.user, pk, form.cleaned_data["intake_request"]),
              _("The asset is recorded as offered to the pool."))[0]:
        return redirect("manage:warehouse:idle_asset", pk)
    return _detail(request, idle, offered_form=form, status=400)


manage_urlpatterns = [
    path("idle/", idle_assets, name="idle_assets"),
    path("idle/new/", idle_new, name="idle_new"),
    path("idle/<int:pk>/", idle_asset, name="idle_asset"),
    path("idle/<int:pk>/in-use/", idle_in_use, name="idle_in_use"),
    path("idle/<int:pk>/offered/", idle_offered, name="idle_offered"),
]
