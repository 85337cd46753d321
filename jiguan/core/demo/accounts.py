"""The demo accounts: one per built-in role, each tied to a real member of staff of its unit."""

from dataclasses import dataclass

from ..models import Account, OrgUnit, Person, Role, RoleAssignment
from ..models.org import UnitKind

DEMO_PASSWORD = "Jiguan@2026"
PROVINCE_BUREAU = "江西省机关事务管理局"
NANCHANG_BUREAU = "南昌市机关事务管理局"
NANCHANG_FINANCE = "南昌市财政局"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # built-in role code
    unit: str  # name of the unit the account belongs to and its role is anchored at


DEMO_ACCOUNTS = (
    DemoAccount("sysadmin", "system_admin", PROVINCE_BUREAU),
    DemoAccount("secadmin", "security_admin", PROVINCE_BUREAU),
    DemoAccount("auditor", "audit_admin", PROVINCE_BUREAU),
    DemoAccount("jx_admin", "region_bureau_admin", PROVINCE_BUREAU),
    DemoAccount("nc_admin", "region_bureau_admin", NANCHANG_BUREAU),
    DemoAccount("unit_admin", "unit_admin", NANCHANG_FINANCE),
    DemoAccount("staff", "staff", NANCHANG_FINANCE),
)


def create_demo_accounts() -> dict[str, Account]:
    """Create the demo accounts (password ``DEMO_PASSWORD``, no forced change) with their roles."""
    roles = {role.code: role for role in Role.objects.filter(code__in={d.role for d in DEMO_ACCOUNTS})}
    accounts = {}
    for demo in DEMO_ACCOUNTS:
        unit = OrgUnit.objects.get(kind=UnitKind.UNIT, name=demo.unit)
        person = _free_staff_member(unit)
        account = Account.objects.create_user(
            demo.username, DEMO_PASSWORD, person=person, unit=unit, display_name=person.name,
            must_change_password=False,
        )
        RoleAssignment.objects.create(account=account, role=roles[demo.role], unit=unit)
        accounts[demo.username] = account
    return accounts


def _free_staff_member(unit: OrgUnit) -> Person:
    """The first member of staff of ``unit`` (not one of its leaders) who has no account yet."""
    person = Person.objects.filter(unit=unit, account__isnull=True, rank__is_leader=False).order_by("pk").first()
    if person is None:
        raise ValueError(f"{unit.name} has no staff member left to hold a demo account")
    return person
