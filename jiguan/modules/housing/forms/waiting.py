"""The form of a region's waiting-list criteria; ``services.waiting.set_criteria`` checks the ranges."""

from django import forms

from jiguan.portals.manage.forms import PortalForm

from ..models import ScoringCriteria

POINT_FIELDS = ("points_per_rank_step", "points_per_family_member", "points_per_month_waited",
                "points_per_hardship_level")
SETTING_FIELDS = ("category_window_months", "offer_days", "declines_before_end")


class CriteriaForm(PortalForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in POINT_FIELDS + SETTING_FIELDS:
            model_field = ScoringCriteria._meta.get_field(name)
            field = forms.DecimalField(decimal_places=2, max_digits=6) if name in POINT_FIELDS \
                else forms.IntegerField()
            field.label, field.help_text = model_field.verbose_name.capitalize(), model_field.help_text
            field.widget.attrs["class"] = "form-control"
            self.fields[name] = field
