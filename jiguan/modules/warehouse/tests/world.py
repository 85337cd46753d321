"""A small pool for the tests: the 江西 province bureau keeps the 省直 pool (a central warehouse in 南昌 with
two locations, a branch); two province agencies offer and request items; 南昌's city bureau keeps a pool
of its own apart; a cleared keeper holds the classified permission."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone

from jiguan.core.models import Role, RoleAssignment
from jiguan.core.scoping import Scope
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.modules.warehouse.models import (
    Asset,
    AssetCategory,
    StorageLocation,
    Warehouse,
    WarehouseKind,
)
from jiguan.modules.warehouse.module import CLASSIFIED

_cards = iter(range(1, 1_000_000))


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.finance = make_unit("360000", "江西省财政厅")
    w.education = make_unit("360000", "江西省教育厅")
    w.city_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.city_unit = make_unit("360100", "南昌市财政局")

    w.bureau_admin = make_account("wh_admin", roles=("region_bureau_admin",), unit=w.bureau)
    w.city_admin = make_account("wh_city", roles=("region_bureau_admin",), unit=w.city_bureau)
    w.finance_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.education_admin = make_account("edu_admin", roles=("unit_admin",), unit=w.education)
    w.city_unit_admin = make_account("city_unit_admin", roles=("unit_admin",), unit=w.city_unit)
    w.staff = make_account("staff", roles=("staff",), unit=w.finance, person=make_person(w.finance))
    w.cleared = make_account("cleared_keeper", roles=("region_bureau_admin",), unit=w.bureau)
    role = Role.objects.create(code="classified_keeper", name="涉密资产管理员", permissions=[CLASSIFIED],
                               scope=Scope.REGION)
    RoleAssignment.objects.create(account=w.cleared, role=role, unit=w.bureau)

    w.central = Warehouse.objects.create(unit=w.bureau, name="省直公物仓中心库", kind=WarehouseKind.CENTRAL,
                                         region_id="360000", address="南昌市青山湖区昌东大道1号")
    w.branch = Warehouse.objects.create(unit=w.bureau, name="省直公物仓红谷滩分库", kind=WarehouseKind.BRANCH,
                                        region_id="360000", address="南昌市红谷滩区赣江中大道9号")
    w.shelf = StorageLocation.objects.create(unit=w.bureau, warehouse=w.central, zone="A区", shelf="01架")
    w.shelf2 = StorageLocation.objects.create(unit=w.bureau, warehouse=w.central, zone="B区", shelf="03架")
    w.desk = AssetCategory.objects.get(code="A05010201")  # 办公桌
    w.chair = AssetCategory.objects.get(code="A05010301")  # 办公椅
    w.laptop = AssetCategory.objects.get(code="A02010108")  # 便携式计算机
    return w


def pooled(w, *, category=None, name="办公桌", classified=False, state="in_pool", **changes) -> Asset:
    """An item already in the 省直 pool, on the central warehouse's first shelf (written directly: intake is
    tested with the intake services)."""
    values = {
        "number": f"TEST{next(_cards):06d}", "category": category or w.desk,  # apart from the GWC numbering
        "name": name, "specification": "1.4米 钢木", "original_value": Decimal("1800.00"),
        "purchase_date": date(2020, 5, 1), "condition": "good", "source_unit": w.finance, "source_reason": "reform",
        "classified": classified, "pool_region_id": "360000", "storage_kind": "physical", "warehouse": w.central,
        "location": w.shelf, "state": state, "pooled_on": timezone.localdate(), "unit": w.bureau,
    }
    return Asset.objects.create(**{**values, **changes})


def manage(name, *args) -> str:
    return reverse(f"manage:warehouse:{name}", args=args)


def service(name, *args) -> str:
    return reverse(f"service:warehouse:{name}", args=args)
