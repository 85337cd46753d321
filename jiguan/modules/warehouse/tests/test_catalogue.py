"""The catalogue: filters, the category subtree, newest first; what is not in the pool, another region's pool
and classified items (without clearance) are invisible, also by number."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jiguan.modules.warehouse.services import reuse

from .world import build_world, pooled

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    today = timezone.localdate()
    world.desk_item = pooled(world, pooled_on=today - timedelta(days=30))
    world.chair_item = pooled(world, category=world.chair, name="人体工学椅", specification="网布 可升降", condition="new",
                         pooled_on=today - timedelta(days=2))
    world.laptop_item = pooled(world, category=world.laptop, name="笔记本电脑", specification="ThinkPad X1",
                               storage_kind="virtual", warehouse=None, location=None, unit=world.education,
                               source_unit=world.education, pooled_on=today - timedelta(days=10))
    world.branch_desk = pooled(world, name="会议桌", warehouse=world.branch, location=None,
                               pooled_on=today - timedelta(days=5))
    return world


def ids(items):
    return [item.pk for item in items]


def test_newest_first(w):
    assert ids(reuse.search(w.finance_admin)) == [w.chair_item.pk, w.branch_desk.pk, w.laptop_item.pk, w.desk_item.pk]


@pytest.mark.parametrize(("code", "expected"), [
    ("A05000000", ["chair_item", "branch_desk", "desk_item"]),  # 家具用具 … level 1
    ("A05010000", ["chair_item", "branch_desk", "desk_item"]),  # 家具, level 2
    ("A05010200", ["branch_desk", "desk_item"]),  # 桌类, level 3
    ("A05010301", ["chair_item"]),  # 办公椅, level 4
    ("A02000000", ["laptop_item"]),
    ("A01000000", []),
    ("A99999999", []),  # not a category: nothing rather than everything
])
def test_a_category_matches_its_whole_subtree(w, code, expected):
    assert ids(reuse.search(w.finance_admin, category_code=code)) == [getattr(w, name).pk for name in expected]


def test_text_condition_warehouse_and_storage_filters(w):
    assert ids(reuse.search(w.finance_admin, q="thinkpad")) == [w.laptop_item.pk]
    assert ids(reuse.search(w.finance_admin, q=w.desk_item.number)) == [w.desk_item.pk]
    assert ids(reuse.search(w.finance_admin, condition="new")) == [w.chair_item.pk]
    assert ids(reuse.search(w.finance_admin, warehouse_id=w.branch.pk)) == [w.branch_desk.pk]
    assert ids(reuse.search(w.finance_admin, warehouse_id="x")) == []
    assert ids(reuse.search(w.finance_admin, storage_kind="virtual")) == [w.laptop_item.pk]
    assert ids(reuse.search(w.finance_admin, q="椅", category_code="A05000000", condition="new")) == [w.chair_item.pk]


def test_only_free_items_of_the_own_regions_pool(w):
    reserved = pooled(w, state="reserved")
    gone = pooled(w, state="transferred", storage_kind="virtual", warehouse=None, location=None, unit=w.finance)
    listed = ids(reuse.search(w.finance_admin))
    assert reserved.pk not in listed and gone.pk not in listed
    assert not reuse.search(w.city_unit_admin).exists()
    for item in (reserved, gone):
        with pytest.raises(Http404):
            reuse.catalogue_item(w.finance_admin, item.pk)
    with pytest.raises(Http404):
        reuse.catalogue_item(w.city_unit_admin, w.desk_item.pk)
    with pytest.raises(Http404):
        reuse.catalogue_item(w.finance_admin, "not-a-number")


def test_classified_items_only_with_clearance(w):
    secret = pooled(w, classified=True, name="涉密笔记本电脑", category=w.laptop)
    assert secret.pk not in ids(reuse.search(w.finance_admin))
    assert secret.pk not in ids(reuse.search(w.bureau_admin, q="涉密"))
    with pytest.raises(Http404):
        reuse.catalogue_item(w.finance_admin, secret.pk)
    assert secret.pk in ids(reuse.search(w.cleared, q="涉密"))
    assert reuse.catalogue_item(w.cleared, secret.pk) == secret


def test_staff_without_a_role_are_refused(w):
    with pytest.raises(PermissionDenied):
        reuse.search(w.staff)


def test_whereabouts(w):
    assert reuse.whereabouts(w.desk_item) == "省直公物仓中心库 A区-01架"
    assert reuse.whereabouts(w.branch_desk) == "省直公物仓红谷滩分库"
    assert "江西省教育厅" in reuse.whereabouts(w.laptop_item)
