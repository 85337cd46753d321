"""The pool's demo data, seeded after the kernel's (``manage.py seed``): the 省直 warehouses in 南昌 with their
locations, a few thousand cards with photos, intake and reuse requests in every state, a year of hand-overs
that the measures and the ledger see, and items the demo unit administrator can request."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db.models import F
from django.test import override_settings

from jiguan.core.models import Account, Attachment, CostEntry
from jiguan.core.testing import demo_seeded
from jiguan.modules.warehouse import monitoring
from jiguan.modules.warehouse.models import (
    Asset,
    IntakeRequest,
    PurchaseCheck,
    ReuseRequest,
    StorageLocation,
    Warehouse,
)
from jiguan.modules.warehouse.services import catalogue
from jiguan.modules.warehouse.services.measures import dashboard


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, media):
    """One demo seed shared by this module's tests, rolled back afterwards; its photos go to ``media``."""
    with override_settings(MEDIA_ROOT=media), demo_seeded(django_db_blocker, "warehouse") as (output, _errors):
        yield output


pytestmark = pytest.mark.django_db


def test_warehouses_in_nanchang_with_their_locations(seeded):
    assert "公物仓 warehouse" in seeded
    province = Warehouse.objects.filter(region_id="360000")
    assert sorted(province.values_list("kind", flat=True)) == ["branch", "branch", "central"]
    assert "青山湖区" in province.get(kind="central").address
    assert Warehouse.objects.filter(region_id="360100", unit__name="南昌市机关事务管理局").exists()
    central = StorageLocation.objects.filter(warehouse__in=province.filter(kind="central"))
    assert set(central.values_list("zone", flat=True)) == {"A区", "B区", "C区", "D区"}
    assert central.filter(shelf="12架").count() == 4


def test_a_few_thousand_cards_of_the_category_tree_with_photos(seeded, media):
    assert 2000 <= Asset.objects.count() <= 3000
    assert Asset.objects.values("category").distinct().count() >= 12
    assert {"in_pool", "reserved", "transferred"} <= set(Asset.objects.values_list("state", flat=True))
    assert Asset.objects.filter(classified=True).exists()
    assert Asset.objects.filter(storage_kind="virtual", state="in_pool", warehouse=None).exists()
    assert not Asset.objects.filter(storage_kind="physical", location=None).exists()
    photos = Attachment.objects.filter(subject_type=ContentType.objects.get_for_model(Asset))
    assert photos.count() == Asset.objects.count()
    files = set(photos.values_list("file", flat=True))
    assert 15 <= len(files) <= 60
    stored = FileSystemStorage(location=media)
    assert all(stored.open(name).read(8) == b"\x89PNG\r\n\x1a\n" for name in files)


def test_requests_in_every_state_and_the_savings_of_a_year(seeded):
    assert set(IntakeRequest.objects.values_list("state", flat=True)) == {"submitted", "approved", "received",
                                                                          "rejected", "withdrawn"}
    assert set(ReuseRequest.objects.values_list("state", flat=True)) == {"requested", "approved", "handed_over",
                                                                         "rejected", "withdrawn"}
    handed = ReuseRequest.objects.filter(state="handed_over")
    assert handed.count() == Asset.objects.filter(state="transferred").count() >= 300
    assert not handed.exclude(asset__unit=F("unit")).exists()  # each card moved to its new unit
    savings = CostEntry.objects.filter(module="warehouse")
    assert savings.count() == handed.count()
    assert -sum(savings.values_list("amount", flat=True)) == sum(handed.values_list("asset__original_value", flat=True))
    assert PurchaseCheck.objects.filter(decision="not_fit").exclude(reason_not_fit="").exists()


def test_the_measures_have_history(seeded):
    admin = Account.objects.get(username="jx_admin")
    figures = dashboard(admin)
    assert sum(1 for m in figures.months if m.figures.items_reused) >= 10
    assert figures.total.value_reused > 0 and figures.total.turnover_days > 0
    assert monitoring.items_in_pool("360000") > 1000
    assert 0 < monitoring.pool_fill_rate("360000") <= 100
    assert monitoring.long_in_pool().exists()


def test_the_demo_unit_admin_can_request_items(seeded):
    unit_admin = Account.objects.get(username="unit_admin")
    assert catalogue(unit_admin).count() >= 100
