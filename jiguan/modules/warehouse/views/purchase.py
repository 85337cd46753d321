"""Search before you buy (先调剂后购置): a unit administrator names the category it plans to buy, sees the
matching pool items, and requests one or records why none fits; the bureau reads (and exports) the records.
Thin: ``services.reuse`` decides."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.errors import ServiceError
from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import UnitFilter
from jiguan.portals.manage.views.common import submit

from ..forms.reuse import PurchaseCheckForm, PurchasePlanForm, category_choices
from ..models import PurchaseDecision
from ..module import OFFER, VIEW
from ..services import reuse as services

MAX_MATCHES_SHOWN = 50


def _in_category(queryset, code):
    return queryset.filter(services.category_subtree(code))


def check_list(user) -> ListSpec:
    return ListSpec(
        name="warehouse.purchase_checks", title=gettext_lazy("Purchase checks"),
        columns=(
            Column("checked_at", pgettext_lazy("purchase check", "Checked at"), order_by="checked_at",
                   value=lambda c: timezone.localtime(c.checked_at).date()),
            Column("unit__name", gettext_lazy("Unit"), order_by="org_path"),
            Column("category", gettext_lazy("Category"), order_by="category__code", value=lambda c: str(c.category)),
            Column("planned_item", gettext_lazy("What the unit plans to buy")),
            Column("quantity", gettext_lazy("Quantity"), order_by="quantity"),
            Column("matches", gettext_lazy("Pool items found"), order_by="matches"),
            Column("decision", pgettext_lazy("purchase check", "Decision"), order_by="decision",
                   value=lambda c: c.get_decision_display()),
            Column("reason_not_fit", gettext_lazy("Why the pool items do not fit")),
        ),
        filters=(
            UnitFilter("unit", gettext_lazy("Unit"), "unit_id", user=user, permission=VIEW),
            ChoiceFilter("category", gettext_lazy("Category"), method=_in_category,
                         choices=lambda: category_choices(3)),
            ChoiceFilter("decision", pgettext_lazy("purchase check", "Decision"), "decision", choices=PurchaseDecision.choices),
        ),
        search=("planned_item", "reason_not_fit"), search_label=gettext_lazy("Planned item or reason"),
        default_sort="-checked_at",
    )


@require_GET
@manage_view(VIEW)
def purchase_checks(request):
    listing = check_list(request.user).bind(request, services.purchase_checks_in_scope(request.user))
    return listing.response("warehouse/purchase/list.html", "warehouse/purchase/_table.html")


def _matches(user, data):
    """The pool items matching a plan, or None while the plan is incomplete."""
    plan = PurchasePlanForm(data)
    if not plan.is_valid():
        return None
    try:
        return services.check_before_purchase(user, **plan.cleaned_data)[:MAX_MATCHES_SHOWN]
    except ServiceError:
        return None


@manage_view(OFFER)
def purchase_check(request):
    """GET with a plan shows the matching pool items; POST records the decision."""
    if request.method == "POST":
        form = PurchaseCheckForm(request.POST)
        done, _check = submit(request, form, lambda: services.record_purchase_check(request.user, **form.cleaned_data),
                              _("The purchase check is recorded."))
        if done:
            return redirect("manage:warehouse:purchase_checks")
        data = request.POST
    else:
        data = request.GET if "category_code" in request.GET else None
        form = PurchaseCheckForm(initial=data.dict() if data else None)
    return render(request, "warehouse/purchase/check.html", {
        "form": form, "matches": _matches(request.user, data) if data else None,
    }, status=400 if form.errors else 200)


manage_urlpatterns = [
    path("purchase-checks/", purchase_checks, name="purchase_checks"),
    path("purchase-checks/new/", purchase_check, name="purchase_check"),
]
