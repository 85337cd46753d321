"""Who is told of a place's business: the nearest holders of a permission — the unit's own, failing those the
bureau of its county, then of its city, then of the province; never every level at once."""

import pytest

from jiguan.core.services.common import permission_holders
from jiguan.core.services.events import HANDLE_EVENTS
from jiguan.core.testing import make_account, make_unit

from .services_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    world.province_admin = make_account("jx_admin", roles=("region_bureau_admin",), unit=world.province_bureau)
    world.donghu_bureau = make_unit("360102", "南昌市东湖区机关事务管理局", is_bureau=True)
    world.donghu_admin = make_account("dh_admin", roles=("region_bureau_admin",), unit=world.donghu_bureau)
    world.provincial = make_unit("360000", "江西省财政厅")
    world.xinjian = make_unit("360112", "南昌市新建区财政局")
    return world


def nearest(unit) -> set[str]:
    return {a.username for a in permission_holders(unit.org_path, HANDLE_EVENTS, nearest=True)}


def test_a_unit_with_its_own_handler_is_its_own(w):
    assert nearest(w.finance) == {"fin_admin"}
    assert nearest(w.finance_sub) == {"fin_admin"}  # a sub-unit within the unit's tree


def test_without_one_the_nearest_bureau_answers_and_no_level_above_it(w):
    assert nearest(w.donghu) == {"dh_admin"}
    assert nearest(w.xinjian) == {"nc_admin"}  # a county without a bureau account: its city's
    assert nearest(w.provincial) == {"jx_admin"}


def test_all_holders_are_still_found_when_not_asking_for_the_nearest(w):
    everyone = {a.username for a in permission_holders(w.donghu.org_path, HANDLE_EVENTS)}
    assert {"dh_admin", "nc_admin", "jx_admin"} <= everyone
