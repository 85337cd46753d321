"""The cost ledger: what a module may post."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiguan.core.errors import ValidationFailed
from jiguan.core.models import AuditLog, CostEntry
from jiguan.core.services.costs import post_cost, post_income
from jiguan.core.testing import make_account, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return make_unit("360102")


def test_posting_copies_the_units_place_and_is_audited(unit):
    clerk = make_account(roles=("staff",), unit=unit)
    entry = post_cost(unit=unit, module="core", category="水电费", amount="1280.50", occurred_on="2026-01-05",
                      description="一月水电", subject=unit, actor=clerk)
    entry.refresh_from_db()
    assert (entry.amount, entry.region_id, entry.org_path) == (Decimal("1280.50"), "360102", unit.org_path)
    assert entry.occurred_on == date(2026, 1, 5) and entry.created_by == clerk
    assert AuditLog.objects.get(model="core.CostEntry", object_id=str(entry.pk)).actor == clerk


@pytest.mark.parametrize("field, value, fragment", [
    ("amount", "0", "大于0"),
    ("amount", "-5", "大于0"),
    ("amount", "12.345", "两位小数"),
    ("amount", "十元", "1280.50"),
    ("amount", "NaN", "1280.50"),
    ("amount", "1000000000000", "万亿"),
    ("category", "  ", "请填写费用类别"),
    ("module", "nomodule", "nomodule"),
    ("occurred_on", "2026-13-40", "YYYY-MM-DD"),
    ("occurred_on", date.today() + timedelta(days=2), "晚于今天"),
])
def test_bad_input_is_named_and_nothing_posted(unit, field, value, fragment):
    fields = {"unit": unit, "module": "core", "category": "水电费", "amount": Decimal("10.00"),
              "occurred_on": date(2026, 1, 5), field: value}
    with pytest.raises(ValidationFailed) as excinfo:
        post_cost(**fields)
    assert fragment in excinfo.value.errors[field][0]
    assert not CostEntry.objects.exists()


def test_income_is_posted_as_a_negative_cost(unit):
    clerk = make_account(roles=("staff",), unit=unit)
    entry = post_income(unit=unit, module="core", category="租金收入", amount="856.25", occurred_on="2026-01-05",
                        subject=unit, actor=clerk)
    entry.refresh_from_db()
    assert (entry.amount, entry.org_path, entry.created_by) == (Decimal("-856.25"), unit.org_path, clerk)
    post_cost(unit=unit, module="core", category="水电费", amount="1000.00", occurred_on="2026-01-05")
    assert sum(CostEntry.objects.values_list("amount", flat=True)) == Decimal("143.75")  # net operating cost


@pytest.mark.parametrize("amount", ["0", "-5", "1.001"])
def test_income_is_given_positive_and_checked_like_a_cost(unit, amount):
    with pytest.raises(ValidationFailed) as excinfo:
        post_income(unit=unit, module="core", category="租金收入", amount=amount, occurred_on="2026-01-05")
    assert "amount" in excinfo.value.errors
    assert not CostEntry.objects.exists()
