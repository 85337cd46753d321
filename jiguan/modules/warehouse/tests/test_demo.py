"""The pool's demo data, seeded after the kernel's (``manage.py seed``): the 省直 warehouses in 南昌 with their
locations, a few thousand cards with photos, intake and reuse requests in every state, a year of hand-overs
that the measures and the ledger see, and items the demo unit administrator can request."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from jiguan.core.models import Account, Attachment, CostEntry
from jiguan.core.testing import demo_seeded
from jiguan.modules.warehouse import monitoring
from jiguan.modules.warehouse.models import (
    Asset,
    DisposalLot,
    IdleAsset,
    IntakeRequest,
    Loan,
    PurchaseCheck,
    Repair,
    ReuseRequest,
    StorageLocation,
    Warehouse,
)
from jiguan.modules.warehouse.services import bidding, catalogue
from jiguan.modules.warehouse.services.disposal import INCOME_CATEGORY
from jiguan.modules.warehouse.services.measures import dashboard
from jiguan.modules.warehouse.services.reuse import SAVING_CATEGORY


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
    savings = CostEntry.objects.filter(module="warehouse", category=SAVING_CATEGORY)
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


def test_every_card_on_loan_or_in_repair_has_its_record(seeded):
    on_loan = Asset.objects.filter(state="on_loan")
    assert on_loan.exists() and Loan.objects.filter(state="lent").count() == on_loan.count()
    assert not on_loan.exclude(loans__state="lent").exists()
    assert Loan.objects.filter(state="lent", due_on__lt=timezone.localdate()).exists()  # some are overdue
    assert Loan.objects.filter(state="returned", damage_charge__gt=0).exists()
    in_repair = Asset.objects.filter(state="in_repair")
    assert Repair.objects.filter(state="in_repair").count() == in_repair.count() > 0
    assert CostEntry.objects.filter(category="公物仓资产维修", amount__gt=0).exists()
    reserved = Asset.objects.filter(state="reserved")  # by a live reuse request or a loan request, never both
    assert reserved.count() == (ReuseRequest.objects.filter(state__in=("requested", "approved")).count()
                                + Loan.objects.filter(state__in=("requested", "approved")).count())


def test_running_bidding_the_demo_unit_can_join(seeded):
    now = timezone.now()
    running = DisposalLot.objects.filter(state="approved", method="bidding", starts_at__lte=now, ends_at__gt=now)
    assert running.filter(sealed=False, bids__isnull=False).exists() and running.filter(sealed=True).exists()
    assert set(DisposalLot.objects.values_list("state", flat=True)) >= {
        "submitted", "approved", "awarded", "sold", "unsold", "scrapped"}
    disposing = Asset.objects.filter(state="disposing")
    assert not disposing.exclude(disposal_items__lot__state__in=("submitted", "approved", "awarded")).exists()
    sold = DisposalLot.objects.filter(state__in=("sold", "scrapped"))
    income = CostEntry.objects.filter(category=INCOME_CATEGORY)
    assert income.count() == sold.count() and all(entry.amount < 0 for entry in income)
    unit_admin = Account.objects.get(username="unit_admin")
    assert bidding.open_lots(unit_admin).exists()  # the demo unit is an approved bidder of the 南昌 pool
    outside = Account.objects.get(username="bidder_hengxin")
    assert bidding.open_lots(outside).exists()


def test_idle_assets_some_due_for_the_pool(seeded):
    due = IdleAsset.objects.filter(state="idle", idle_since__lte=timezone.localdate().replace(day=1) - timedelta(days=200))
    assert due.exists()
    assert set(IdleAsset.objects.values_list("state", flat=True)) == {"idle", "offered", "in_use"}
