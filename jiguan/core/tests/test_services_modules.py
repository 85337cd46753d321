"""Module enablement per region: nearest setting up the chain wins; the kernel is always on."""

import pytest

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.models import ModuleEnablement
from jiguan.core.registry import ModuleSpec, registry
from jiguan.core.scoping import Scope
from jiguan.core.services import modules
from jiguan.core.testing import make_account, make_unit

from .services_world import make_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_modules():
    specs = [registry.register(ModuleSpec(code="zz_housing", name="周转住房")),
             registry.register(ModuleSpec(code="zz_kinder", name="幼教", default_enabled=False))]
    yield specs
    for spec in specs:
        registry.unregister(spec.code)


def codes(specs):
    return [s.code for s in specs if s.code.startswith("zz_")]


def test_nearest_region_setting_wins(fake_modules):
    sysadmin = make_account(roles=("system_admin",))
    donghu_staff = make_account(roles=("staff",), unit=make_unit("360102"))
    jiujiang_staff = make_account(roles=("staff",), unit=make_unit("360400"))
    assert codes(modules.enabled_modules(donghu_staff)) == ["zz_housing"]  # defaults

    modules.set_module_enabled(sysadmin, region_code="360000", module_code="zz_housing", enabled=False)
    modules.set_module_enabled(sysadmin, region_code="360100", module_code="zz_housing", enabled=True)
    modules.set_module_enabled(sysadmin, region_code="360000", module_code="zz_kinder", enabled=True)
    assert codes(modules.enabled_modules(donghu_staff)) == ["zz_housing", "zz_kinder"]
    assert codes(modules.enabled_modules(jiujiang_staff)) == ["zz_kinder"]
    assert modules.is_enabled("zz_housing", "360102") and not modules.is_enabled("zz_housing", "360400")
    assert modules.is_enabled("core", "360400") and not modules.is_enabled("nope", "360400")


def test_switching_again_updates_the_one_row(fake_modules):
    sysadmin = make_account(roles=("system_admin",))
    modules.set_module_enabled(sysadmin, region_code="360100", module_code="zz_housing", enabled=False)
    row = modules.set_module_enabled(sysadmin, region_code="360100", module_code="zz_housing", enabled=True)
    assert row.enabled and ModuleEnablement.objects.filter(module="zz_housing").count() == 1


def test_refusals(fake_modules):
    sysadmin = make_account(roles=("system_admin",))
    with pytest.raises(ValidationFailed) as excinfo:
        modules.set_module_enabled(sysadmin, region_code="360100", module_code="core", enabled=False)
    assert "不能停用" in excinfo.value.errors["module_code"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        modules.set_module_enabled(sysadmin, region_code="999999", module_code="ghost", enabled=True)
    assert set(excinfo.value.errors) == {"region_code", "module_code"}
    bureau_admin = make_account(roles=("region_bureau_admin",), unit=make_unit("360100"))
    with pytest.raises(NotAllowed):  # enabling modules is the system administrator's
        modules.set_module_enabled(bureau_admin, region_code="360100", module_code="zz_housing", enabled=False)
    assert not ModuleEnablement.objects.exists()


def test_a_regional_module_manager_stays_in_their_region(fake_modules):
    role = make_role("nc_modules", ["core.manage_modules"], Scope.REGION)
    manager = make_account(roles=(role.code,), unit=make_unit("360100"))
    assert modules.set_module_enabled(manager, region_code="360102", module_code="zz_kinder", enabled=True).pk
    for outside in ("360400", "360000"):
        with pytest.raises(NotAllowed):
            modules.set_module_enabled(manager, region_code=outside, module_code="zz_kinder", enabled=True)
    assert ModuleEnablement.objects.count() == 1
