"""Feedback: a fixed set of categories, 5–2000 characters, routed to the nearest bureau."""

import pytest

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.models import Event
from jiguan.core.services.feedback import submit_feedback
from jiguan.core.testing import make_account, make_unit

from .services_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def test_goes_to_the_bureau_of_the_region(w):
    event = submit_feedback(w.staff, category="suggestion", content="建议食堂增加晚餐供应")
    assert (event.type, event.status, event.reporter) == ("core.feedback", "dispatched", w.staff)
    assert event.assignee_unit == w.nc_bureau and event.title == "【建议】建议食堂增加晚餐供应"
    assert abs((event.due_at - event.created_at).total_seconds() - 72 * 3600) < 60


def test_without_a_bureau_in_the_region_the_next_one_up(w):
    county_staff = make_account(roles=("staff",), unit=make_unit("360121"))  # 南昌县: no bureau of its own
    assert submit_feedback(county_staff, category="投诉", content="办公楼电梯经常故障").assignee_unit == w.nc_bureau
    assert submit_feedback(w.jj_staff, category="inquiry", content="周转房申请需要哪些材料?").assignee_unit == (
        w.province_bureau)


def test_bad_input_creates_nothing(w):
    with pytest.raises(ValidationFailed) as excinfo:
        submit_feedback(w.staff, category="表扬", content="很好")
    errors = excinfo.value.errors
    assert "建议、投诉、咨询、其他" in errors["category"][0] and "至少需5个字符" in errors["content"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        submit_feedback(w.staff, category="other", content="长" * 2001)
    assert "2000" in excinfo.value.errors["content"][0]
    with pytest.raises(NotAllowed):
        submit_feedback(w.sysadmin, category="other", content="系统管理员没有服务入口")
    assert not Event.objects.exists()
