"""Which business modules each region has joined (加盟): the setting nearest up the region chain wins,
else the module's default. The kernel itself (``core``) is always on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import ModuleEnablement, Region
from ..registry import ModuleSpec, registry
from .base import require, require_path
from .common import region_chain, use_case
from .inputs import Errors, find, unique

MANAGE_MODULES = "core.manage_modules"


def enabled_modules(user) -> list[ModuleSpec]:
    """The business modules switched on for the region of the user's unit, in registry order."""
    unit = getattr(user, "unit", None)
    switches = _switches(unit.region_id if unit else None)
    return [spec for spec in registry.business_modules() if switches.get(spec.code, spec.default_enabled)]


def is_enabled(module_code: str, region: Region | str | None) -> bool:
    spec = registry.get(module_code)
    if spec is None:
        return False
    if spec.core:
        return True
    region_code = region.pk if isinstance(region, Region) else region
    return _switches(region_code).get(module_code, spec.default_enabled)


def _switches(region_code: str | None) -> dict[str, bool]:
    """module code → enabled, taken from the nearest region up the chain that has a setting for it."""
    chain = region_chain(region_code)
    rows = ModuleEnablement.objects.filter(region_id__in=chain).values_list("region_id", "module", "enabled")
    switches: dict[str, bool] = {}
    for _region, module, enabled in sorted(rows, key=lambda row: chain.index(row[0]), reverse=True):
        switches[module] = enabled  # nearer regions come later and win
    return switches


@use_case
def set_module_enabled(user, *, region_code, module_code, enabled: bool) -> ModuleEnablement:
    require(user, MANAGE_MODULES)
    errors = Errors()
    region = find(Region.objects.all(), region_code)
    if region is None:
        errors.add("region_code", _("There is no region with the code “%(code)s”.") % {"code": region_code})
    spec = registry.get(module_code)
    if spec is None:
        errors.add("module_code", _("There is no module “%(code)s” on this platform.") % {"code": module_code})
    elif spec.core:
        errors.add("module_code", _("The platform kernel is always on and cannot be switched off."))
    errors.raise_if_any()
    require_path(user, MANAGE_MODULES, region.key)
    row = ModuleEnablement.objects.select_for_update().filter(region=region, module=module_code).first()
    if row is None:
        with unique("module_code", _("This module was just set for this region by someone else; try again.")):
            return ModuleEnablement.objects.create(region=region, module=module_code, enabled=bool(enabled))
    if row.enabled != bool(enabled):
        row.enabled = bool(enabled)
        row.save()
    return row
