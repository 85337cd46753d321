"""Fixtures of the service portal tests: two staff members of one unit in 南昌 and a client for each."""

from types import SimpleNamespace

import pytest
from django.test import Client

from jiguan.core.middleware import SESSION_OTP_VERIFIED
from jiguan.core.registry import ModuleSpec, registry
from jiguan.core.testing import make_account, make_department, make_unit


@pytest.fixture
def world(db) -> SimpleNamespace:
    w = SimpleNamespace()
    w.bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    w.unit = make_unit("360100", "南昌市财政局")
    w.office = make_department(w.unit, "办公室")
    w.staff = make_account("zhangsan", roles=("staff",), unit=w.unit)
    w.staff.person.name, w.staff.person.department = "张三", w.office
    w.staff.person.save()
    w.other = make_account("lisi", roles=("staff",), unit=w.unit)
    w.jiujiang = make_unit("360400", "九江市财政局")
    return w


def client_for(account) -> Client:
    """A client signed in as ``account``, past the second factor administrators must give."""
    client = Client()
    client.force_login(account)
    session = client.session
    session[SESSION_OTP_VERIFIED] = True
    session.save()
    return client


@pytest.fixture
def staff_client(world) -> Client:
    return client_for(world.staff)


@pytest.fixture
def register_module():
    """Register fake module specs for one test; they are unregistered afterwards."""
    codes = []

    def register(spec: ModuleSpec) -> ModuleSpec:
        codes.append(spec.code)
        return registry.register(spec)

    yield register
    for code in codes:
        registry.unregister(code)


@pytest.fixture
def no_business_modules():
    """The registry with the kernel only, as on a platform where no module is installed yet."""
    removed = registry.business_modules()
    for spec in removed:
        registry.unregister(spec.code)
    yield
    for spec in removed:
        registry.register(spec)
