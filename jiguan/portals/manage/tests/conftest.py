"""An org tree in 南昌 and 九江, and one account per administrator role, each logged in on demand."""

import pytest

from jiguan.core.models import Account
from jiguan.core.testing import make_account, make_department, make_person, make_unit


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    # Second factors are the auth helper's to test; here the demo setting lets passwords alone sign in.
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def org(db):
    bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    return {
        "bureau": bureau,
        "finance": finance,
        "finance_office": make_department(finance, "办公室"),
        "jiujiang": jiujiang,
        "finance_person": make_person(finance, "张三"),
        "jiujiang_person": make_person(jiujiang, "李四"),
    }


@pytest.fixture
def people(org):
    """Accounts by role: the three separated administrators, two delegated ones and a staff member."""
    return {
        "sysadmin": make_account("sysadmin", roles=("system_admin",), unit=org["bureau"]),
        "secadmin": make_account("secadmin", roles=("security_admin",), unit=org["bureau"]),
        "auditor": make_account("auditor", roles=("audit_admin",), unit=org["bureau"]),
        "nc_admin": make_account("nc_admin", roles=("region_bureau_admin",), unit=org["bureau"]),
        "unit_admin": make_account("unit_admin", roles=("unit_admin",), unit=org["finance"]),
        "staff": make_account("staff", roles=("staff",), unit=org["finance"]),
    }


@pytest.fixture
def login(client, people):
    """``login("auditor")`` → the test client signed in as that account."""

    def sign_in(name):
        client.force_login(people[name] if name in people else Account.objects.get(username=name))
        return client

    return sign_in
