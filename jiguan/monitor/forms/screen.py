"""The display-token form: it parses input and names fields as ``services.screen.create_token`` takes them;
the service decides what is allowed (the region in scope, the expiry's bounds)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.manage.pickers import RegionField

from ..services.screen import LABEL_MAX

DEFAULT_LIFETIME = timedelta(days=30)


class DisplayTokenForm(PortalForm):
    service_names = {"region": "region_code"}
    label = forms.CharField(label=_("Label"), max_length=LABEL_MAX,
                            help_text=_("Where the screen stands, e.g. 三楼大厅显示屏."))
    region = RegionField(label=_("Region"), help_text=_("The screen shows this region and everything below it."))
    expires_at = forms.DateTimeField(
        label=_("Expires at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("At most 90 days from now; the screen stops showing data then."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("expires_at", timezone.localtime() + DEFAULT_LIFETIME)
