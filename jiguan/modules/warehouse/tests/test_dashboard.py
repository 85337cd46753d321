"""The savings dashboard: figures per month, unit and region from the hand-overs and the items entered,
scoped to the user (a unit administrator sees its own unit, another region's bureau nothing), classified
cards counted only for cleared users; the page and its refusals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.services.inputs import add_months
from jiguan.core.testing import make_unit
from jiguan.modules.warehouse.models import DisposalItem
from jiguan.modules.warehouse.services.measures import dashboard, month_labels

from .test_monitoring import handed_over
from .test_rules import lot
from .world import build_world, pooled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w():
    w = build_world()
    today = timezone.localdate()
    desk = pooled(w, state="transferred", pooled_on=today - timedelta(days=40), original_value=Decimal("1800.00"))
    laptop = pooled(w, state="transferred", pooled_on=today - timedelta(days=20), original_value=Decimal("6000.00"),
                    source_unit=w.education)
    secret = pooled(w, state="transferred", pooled_on=today - timedelta(days=10), original_value=Decimal("9000.00"),
                    classified=True)
    handed_over(w, desk, w.education, days_ago=10)
    handed_over(w, laptop, w.finance)
    handed_over(w, secret, w.finance)
    old = pooled(w, state="transferred", pooled_on=today - timedelta(days=500))
    handed_over(w, old, w.finance, days_ago=400)  # over 12 months ago
    return w


def test_month_labels_run_twelve_months_to_this_one():
    labels = month_labels(timezone.localdate().replace(month=3, day=31))
    assert len(labels) == 12 and labels[-1].endswith("-03") and labels[0].endswith("-04")


def test_the_bureau_sees_its_region_by_month_unit_and_region(w):
    board = dashboard(w.bureau_admin)
    assert board.total.items_reused == 2 and board.total.value_reused == Decimal("7800.00")
    assert board.total.items_entered == 2  # neither the classified card nor the one entered 500 days ago
    assert board.total.turnover_days == Decimal("25.00")  # (30 + 20) / 2
    assert [(line.label, line.figures.value_reused) for line in board.units] == [
        ("江西省财政厅", Decimal("6000.00")), ("江西省教育厅", Decimal("1800.00"))]
    assert [line.label for line in board.regions] == ["江西省本级"]  # the province's own units, not its total
    this_month = f"{timezone.localdate():%Y-%m}"
    assert sum(m.figures.items_reused for m in board.months) == 2
    assert board.months[-1].label == this_month


def test_classified_cards_count_for_cleared_users_only(w):
    board = dashboard(w.cleared)
    assert board.total.items_reused == 3 and board.total.value_reused == Decimal("16800.00")


def test_a_unit_admin_sees_its_own_unit_and_another_region_nothing(w):
    board = dashboard(w.education_admin)
    assert board.total.items_reused == 1 and board.total.value_reused == Decimal("1800.00")
    assert board.total.items_entered == 1  # the laptop it offered
    assert [line.label for line in board.units] == ["江西省教育厅"]
    other = dashboard(w.city_admin)
    assert other.total.items_reused == 0 and other.units == [] and other.regions == []


def test_the_page_shows_the_figures_and_refuses_staff(client, w):
    client.force_login(w.bureau_admin)
    page = client.get(reverse("manage:warehouse:dashboard"))
    assert page.status_code == 200
    assert "7,800.00" in page.content.decode() and "vendor/echarts/echarts.min.js" in page.content.decode()
    assert "江西省教育厅" in page.content.decode()
    client.force_login(w.staff)
    assert client.get(reverse("manage:warehouse:dashboard")).status_code == 403


def test_the_window_starts_on_the_first_day_eleven_months_back(w):
    first = add_months(timezone.localdate().replace(day=1), -11)
    assert dashboard(w.bureau_admin).months[0].label == f"{first:%Y-%m}"


def test_disposal_income_and_items_disposed_beside_the_savings(w):
    now = timezone.now()
    sold = lot(w, state="sold", proceeds=Decimal("1200.00"), paid_at=now)
    DisposalItem.objects.create(lot=sold, asset=pooled(w, state="disposed"))
    lot(w, state="scrapped", method="scrap", salvage_value=Decimal("80.00"),
        scrapped_on=timezone.localdate() - timedelta(days=40))
    lot(w, state="sold", proceeds=Decimal("500.00"), paid_at=now, classified=True)
    lot(w, state="sold", proceeds=Decimal("700.00"), paid_at=now - timedelta(days=400))  # over 12 months ago
    lot(w, state="awarded")  # not paid yet
    board = dashboard(w.bureau_admin)
    assert (board.total.items_disposed, board.total.disposal_income) == (3, Decimal("1280.00"))
    assert board.months[-1].figures.disposal_income == Decimal("1200.00")
    assert [(line.label, line.figures.disposal_income) for line in board.units if line.figures.items_disposed] == [
        ("江西省机关事务管理局", Decimal("1280.00"))]
    assert board.regions[0].figures.disposal_income == Decimal("1280.00")
    assert dashboard(w.cleared).total.disposal_income == Decimal("1780.00")
    assert dashboard(w.education_admin).total.disposal_income == Decimal("0.00")  # the bureau's lots


def test_the_page_charts_the_disposal_income(client, w):
    lot(w, state="sold", proceeds=Decimal("4321.00"), paid_at=timezone.now())
    client.force_login(w.bureau_admin)
    page = client.get(reverse("manage:warehouse:dashboard")).content.decode()
    assert "4,321.00" in page and '"disposal": [' in page and "4321.0]" in page


def test_regions_are_listed_in_code_order_the_province_and_cities_as_their_own_units(w):
    district = make_unit("360102", "南昌市东湖区财政局")
    handed_over(w, pooled(w, state="transferred", original_value=Decimal("300.00")), district)
    board = dashboard(w.bureau_admin)
    assert [(line.label, line.figures.items_reused) for line in board.regions] == [("江西省本级", 2), ("东湖区", 1)]
