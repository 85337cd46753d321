"""A small housing world for the tests: the 南昌 city bureau keeps one estate with three flats; 南昌市财政局
has staff of several ranks, each with a service account; 九江 and 东湖区 (a county) sit apart for scope."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from jiguan.core.identifiers import id_number
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.modules.housing import services
from jiguan.modules.housing.services import applications as apps


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.finance = make_unit("360100", "南昌市财政局")
    w.audit = make_unit("360100", "南昌市审计局")
    w.jj_bureau = make_unit("360400", "九江市机关事务管理局", is_bureau=True)
    w.donghu_bureau = make_unit("360102", "东湖区机关事务管理局", is_bureau=True)

    w.nc_admin = make_account("nc_admin", roles=("region_bureau_admin",), unit=w.nc_bureau)
    w.jj_admin = make_account("jj_admin", roles=("region_bureau_admin",), unit=w.jj_bureau)
    w.donghu_admin = make_account("donghu_admin", roles=("region_bureau_admin",), unit=w.donghu_bureau)
    w.fin_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.audit_admin = make_account("audit_admin", roles=("unit_admin",), unit=w.audit)

    w.deputy = make_person(w.finance, "李副局长", rank="bureau_deputy")  # 1 step above the lowest city rank
    w.clerk = make_person(w.finance, "王科员", rank="below_bureau")
    w.clerk2 = make_person(w.finance, "赵科员", rank="below_bureau")
    w.auditor = make_person(w.audit, "钱审计", rank="below_bureau")
    w.deputy_account = make_account("deputy", roles=("staff",), unit=w.finance, person=w.deputy)
    w.staff = make_account("staff", roles=("staff",), unit=w.finance, person=w.clerk)
    w.staff2 = make_account("staff2", roles=("staff",), unit=w.finance, person=w.clerk2)
    w.auditor_account = make_account("auditor", roles=("staff",), unit=w.audit, person=w.auditor)

    w.estate = services.save_estate(w.nc_admin, **estate_values())
    w.building = services.save_building(w.nc_admin, estate_id=w.estate.pk, name="1栋", floors=6)
    w.flat = services.save_flat(w.nc_admin, building_id=w.building.pk, **flat_values(unit_no="101", floor=1))
    w.flat2 = services.save_flat(w.nc_admin, building_id=w.building.pk, **flat_values(unit_no="102", floor=1))
    w.flat3 = services.save_flat(w.nc_admin, building_id=w.building.pk, **flat_values(unit_no="201", floor=2))
    return w


def estate_values(**changes) -> dict:
    values = {"name": "青山湖周转公寓", "region_code": "360111", "address": "南昌市青山湖区北京东路1号",
              "rent_basis": "per_sqm", "rent_per_sqm": "12.50", "market_rent_per_sqm": "35"}
    return {**values, **changes}


def flat_values(**changes) -> dict:
    values = {"unit_no": "101", "floor": 1, "layout": "两室一厅", "bedrooms": 2, "floor_area": "68.5",
              "furnishings": [{"item": "床", "count": 2}, {"item": "空调", "count": 2}]}
    return {**values, **changes}


def spouse(n: int = 1, **changes) -> dict:
    member = {"name": "配偶", "relation": "spouse",
              "id_number": id_number("360102", date(1990, 1, n), 500 + n, female=True)}
    return {**member, **changes}


def application_values(**changes) -> dict:
    values = {"category": "transferred", "category_date": timezone.localdate() - timedelta(days=60),
              "no_home_declared": True, "hardship_notes": "", "family": []}
    return {**values, **changes}


def applied(w, account=None, **changes):
    return apps.apply(account or w.staff, **application_values(**changes))


def confirmed(w, account=None, **changes):
    application = applied(w, account, **changes)
    admin = w.audit_admin if application.unit_id == w.audit.pk else w.fin_admin
    return apps.confirm(admin, application.pk)


def waiting(w, account=None, hardship_level=0, **changes):
    application = confirmed(w, account, **changes)
    return apps.approve(w.nc_admin, application.pk, hardship_level=hardship_level)
