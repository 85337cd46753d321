"""Forms of the warehouse pages: a warehouse, a storage location and a card's photo."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm, RegionField

from ..models import WarehouseKind


class WarehouseForm(PortalForm):
    service_names = {"region": "region_code"}
    name = forms.CharField(label=_("Warehouse name"), max_length=100)
    kind = forms.ChoiceField(label=_("Warehouse kind"), choices=WarehouseKind.choices)
    region = RegionField(label=_("Pool served"))
    address = forms.CharField(label=_("Address"), max_length=200)


class LocationForm(PortalForm):
    zone = forms.CharField(label=_("Zone"), max_length=20)
    shelf = forms.CharField(label=_("Shelf"), max_length=20, required=False)


class PhotoForm(PortalForm):
    file = forms.ImageField(label=_("Photo (JPEG or PNG)"),
                            widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png"}))
