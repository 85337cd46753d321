"""A small org world for the kernel service tests: Jiangxi province, 南昌 with a county under it, and
九江 apart; the platform administrators and the delegated ones, each in their own place."""

from types import SimpleNamespace

from jiguan.core.models import Account, Role
from jiguan.core.scoping import Scope
from jiguan.core.testing import make_account, make_department, make_unit


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.province_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.finance = make_unit("360100", "南昌市财政局")
    w.finance_sub = make_unit("360100", "南昌市财政局国库支付中心", parent=w.finance)
    w.finance_office = make_department(w.finance, "办公室")
    w.donghu = make_unit("360102", "南昌市东湖区财政局")
    w.jiujiang = make_unit("360400", "九江市财政局")

    w.sysadmin = make_account("sysadmin", roles=("system_admin",))
    w.secadmin = make_account("secadmin", roles=("security_admin",))
    w.auditor = make_account("auditor", roles=("audit_admin",))
    w.nc_admin = make_account("nc_admin", roles=("region_bureau_admin",), unit=w.nc_bureau)
    w.jj_admin = make_account("jj_admin", roles=("region_bureau_admin",), unit=w.jiujiang)
    w.fin_admin = make_account("fin_admin", roles=("unit_admin",), unit=w.finance)
    w.staff = make_account("staff", roles=("staff",), unit=w.finance)
    w.jj_staff = make_account("jj_staff", roles=("staff",), unit=w.jiujiang)
    return w


def make_role(code: str, permissions, scope=Scope.UNIT_TREE, **fields) -> Role:
    return Role.objects.create(code=code, name=code, permissions=list(permissions), scope=scope, **fields)


def fresh(account: Account) -> Account:
    """The account reloaded, so its cached grants reflect roles granted since."""
    return Account.objects.get(pk=account.pk)
