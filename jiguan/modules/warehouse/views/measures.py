"""Management-portal savings dashboard (节约成效): the figures of ``services.measures`` as charts and tables —
reuse savings beside disposal income."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiguan.portals.manage.access import manage_view

from ..module import VIEW
from ..services.measures import dashboard as measures


@require_GET
@manage_view(VIEW)
def dashboard(request):
    figures = measures(request.user)
    months = figures.months
    return render(request, "warehouse/measures/dashboard.html", {
        "dashboard": figures,
        "chart": {"months": [m.label for m in months],
                  "reused": [m.figures.items_reused for m in months],
                  "entered": [m.figures.items_entered for m in months],
                  "savings": [float(m.figures.value_reused) for m in months],
                  "disposal": [float(m.figures.disposal_income) for m in months],
                  "turnover": [float(m.figures.turnover_days) if m.figures.turnover_days is not None else None
                               for m in months],
                  "labels": {"reused": _("Items reused"), "entered": _("Items entered"),
                             "savings": _("Savings (yuan)"), "turnover": _("Average days from intake to reuse"),
                             "disposal": _("Disposal income (yuan)"), "money": _("Savings and disposal income (yuan)"),
                             "items": _("Items reused and entered")}},
    })


manage_urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]
