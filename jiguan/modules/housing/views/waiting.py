"""Management-portal pages of the waiting list: a region's list in its order with each score, and the
region's criteria. Thin: the order and the scores come from ``services.waiting``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiguan.core.scoping import scoped
from jiguan.core.services.common import regions_acted_for
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import submit

from ..forms.waiting import POINT_FIELDS, SETTING_FIELDS, CriteriaForm
from ..module import REVIEW
from ..services import waiting as services

PAGE_SIZE = 50


def _region(request):
    """The chosen region among those whose bureau the user acts for (the first by default)."""
    regions = list(regions_acted_for(request.user, REVIEW))
    chosen = next((r for r in regions if r.code == request.GET.get("region")), regions[0] if regions else None)
    return regions, chosen


@require_GET
@manage_view(REVIEW)
def waiting_list(request):
    regions, region = _region(request)
    rows = scoped(services.waiting_list(region), request.user, REVIEW) if region else []
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "housing/waiting/list.html", {
        "regions": regions, "region": region, "page": page, "first_position": page.start_index(),
        "criteria": services.criteria_for(region) if region else None,
    })


@manage_view(REVIEW)
def criteria(request):
    regions, region = _region(request)
    if region is None:
        return render(request, "housing/waiting/criteria.html", {"regions": regions, "region": None})
    current = services.criteria_for(region)
    initial = {name: getattr(current, name) for name in POINT_FIELDS + SETTING_FIELDS}
    form = CriteriaForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        done, _saved = submit(request, form, lambda: services.set_criteria(request.user, region.code,
                                                                           **form.cleaned_data),
                              _("The criteria are saved and the waiting list rescored."))
        if done:
            return redirect(f"{request.path}?region={region.code}")
    return render(request, "housing/waiting/criteria.html", {
        "regions": regions, "region": region, "form": form,
        "inherited": current.pk is None or current.region_id != region.code,
        "inherited_from": current.region if current.pk and current.region_id != region.code else None,
    }, status=400 if form.errors else 200)


manage_urlpatterns = [
    path("", waiting_list, name="waiting"),
    path("criteria/", criteria, name="criteria"),
]
