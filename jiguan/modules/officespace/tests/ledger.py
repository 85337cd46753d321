"""A tiny office-space ledger for the tests: 南昌市财政局 with one building — two offices, a meeting room —
its people of each city rank, and the administrators and staff around it; 九江 apart."""

from decimal import Decimal
from types import SimpleNamespace

from jiguan.core.models import Person, Rank
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.modules.officespace.models import Building, Compound, Floor, Room


def build_ledger() -> SimpleNamespace:
    w = SimpleNamespace()
    w.nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.finance = make_unit("360100", "南昌市财政局")
    w.jiujiang = make_unit("360400", "九江市财政局")
    w.director = make_person(w.finance, "张局长", rank="bureau_director")  # 24 ㎡
    w.deputy = make_person(w.finance, "李副局长", rank="bureau_deputy")  # 18 ㎡
    w.clerk = make_person(w.finance, "王科员", rank="below_bureau")  # 9 ㎡
    w.clerk2 = make_person(w.finance, "赵科员", rank="below_bureau")  # 9 ㎡
    w.jj_clerk = make_person(w.jiujiang, "九江科员", rank="below_bureau")

    w.nc_admin = make_account("nc_admin", roles=("region_bureau_admin",), unit=w.nc_bureau)
    w.jj_admin = make_account("jj_admin", roles=("region_bureau_admin",), unit=w.jiujiang)
    w.fin_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.staff = make_account("staff", roles=("staff",), unit=w.finance, person=w.clerk)

    w.compound = Compound.objects.create(unit=w.finance, name="财政大院", region_id="360100", address="南昌市红谷滩区1号")
    w.building = Building.objects.create(compound=w.compound, unit=w.finance, name="主楼", year_built=2005,
                                         floors_above=3, gross_area=Decimal("3000"))
    w.floors = {n: Floor.objects.create(building=w.building, unit=w.finance, number=n) for n in (1, 2, 3)}
    w.single = room(w, "301", "30")  # one desk
    w.shared = room(w, "302", "40", desks=2)
    w.meeting = room(w, "101", "60", category="service", floor=1)
    w.jj_compound = Compound.objects.create(unit=w.jiujiang, name="九江大院", region_id="360400", address="九江市1号")
    return w


def room(w, number, area, *, category="office", floor=3, unit=None, **fields) -> Room:
    return Room.objects.create(floor=w.floors[floor], unit=unit or w.finance, number=number, category=category,
                               usable_area=Decimal(area), **fields)


def person_of_rank(unit, level: str, code: str, name: str = "某人") -> Person:
    """A person holding a rank of any level (township ranks have no region level of their own)."""
    return Person.objects.create(name=name, unit=unit, rank=Rank.objects.get(level=level, code=code))
