"""Forms of the statistics-report screens: opening a report, a 建设项目 row, the reason for a return.
They only parse input; ``services.reports`` decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm

from ..models import ConstructionProjectKind, ConstructionProjectStatus
from ..services import reports


class StartReportForm(PortalForm):
    """The regions offered are those whose bureau the user acts for."""

    service_names = {"region": "region_code"}
    region = forms.ChoiceField(label=_("Region"))
    year = forms.IntegerField(label=_("Report year"), min_value=reports.FIRST_YEAR)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in reports.bureau_regions(user)]
        self.fields["year"].initial = timezone.localdate().year - 1


class ProjectForm(PortalForm):
    name = forms.CharField(label=_("Project name"), max_length=100)
    kind = forms.ChoiceField(label=_("Project type"), choices=ConstructionProjectKind.choices)
    approved_area = forms.DecimalField(label=_("Approved area (㎡)"), min_value=0, max_digits=10, decimal_places=2)
    investment = forms.DecimalField(label=_("Investment (10,000 yuan)"), min_value=0, max_digits=12,
                                    decimal_places=2)
    status = forms.ChoiceField(label=_("Project status"), choices=ConstructionProjectStatus.choices)


class ReturnForm(PortalForm):
    reason = forms.CharField(label=_("Reason for return"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
