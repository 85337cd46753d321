"""The cost ledger: exact aggregates per unit, head and ㎡, this year against last, scope, exports logged,
the API contract and the pages."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from jiguan.api.tests.conftest import _api_settings, api, openapi_document  # noqa: F401 (fixtures)
from jiguan.core.errors import ValidationFailed
from jiguan.core.models import AccessLog, CostEntry
from jiguan.core.testing import make_account, make_department, make_person, make_unit
from jiguan.modules.officespace.models import Building, Compound, Floor, Room
from jiguan.monitor.services import costs

pytestmark = pytest.mark.django_db
THIS, LAST = date.today().year, date.today().year - 1


def cost(unit, amount, day, category="水电费"):
    return CostEntry.objects.create(unit=unit, module="officespace", category=category, amount=Decimal(amount),
                                    occurred_on=day)


@pytest.fixture
def w(db):
    bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    for _n in range(4):  # with the two account holders below: 6 in post
        make_person(finance)
    make_person(finance, status="retired")
    compound = Compound.objects.create(unit=finance, name="财政院", region_id="360100", address="1号")
    building = Building.objects.create(unit=finance, compound=compound, name="财政楼", year_built=2000,
                                       floors_above=3, gross_area=Decimal("900"))
    floor = Floor.objects.create(building=building, unit=finance, number=1)
    Room.objects.create(floor=floor, unit=finance, number="101", category="office", usable_area=Decimal("100"))
    cost(finance, "1000", date(THIS, 1, 10))
    cost(make_department(finance), "200", date(THIS, 1, 20), "物业费")  # a department counts for its agency
    cost(finance, "800", date(LAST, 1, 5))
    cost(finance, "500", date(LAST, 12, 5))
    cost(jiujiang, "300", date(THIS, 1, 3))
    return {
        "finance": finance, "jiujiang": jiujiang,
        "jx": make_account("jx_admin", roles=("region_bureau_admin",), unit=bureau),
        "nc": make_account("nc_admin", roles=("region_bureau_admin",), unit=nc_bureau),
        "fin": make_account("fin_admin", roles=("unit_admin",), unit=finance),
        "jj": make_account("jj_admin", roles=("unit_admin",), unit=jiujiang),
        "staff": make_account("staff1", roles=("staff",), unit=finance),
        "sysadmin": make_account("sys1", roles=("system_admin",)),
    }


def test_per_unit_per_head_and_per_square_metre(w):
    query = costs.cost_query(w["jx"], start=date(THIS, 1, 1))
    rows = {r["name"]: r for r in costs.by_unit(w["jx"], query)}
    fin = rows["南昌市财政局"]
    assert (fin["total"], fin["count"], fin["heads"], fin["area"]) == (Decimal("1200.00"), 2, 6, Decimal("100.00"))
    assert (fin["per_head"], fin["per_sqm"]) == (Decimal("200.00"), Decimal("12.00"))
    assert rows["九江市财政局"]["per_sqm"] is None  # no office space recorded
    summary = costs.summary(list(rows.values()))
    assert summary["total"] == Decimal("1500.00") and summary["heads"] == 6 + 1


def test_the_people_of_an_agencys_departments_are_its_heads(w):
    office = make_department(w["finance"], "综合科")
    make_person(office)
    make_person(office, status="retired")
    query = costs.cost_query(w["jx"], start=date(THIS, 1, 1))
    fin = {r["name"]: r for r in costs.by_unit(w["jx"], query)}["南昌市财政局"]
    assert (fin["heads"], fin["per_head"]) == (7, Decimal("171.43"))  # 1,200 yuan over 6 + 1 in post


def test_the_unit_rows_take_the_same_queries_however_many_units(w, django_assert_max_num_queries):
    for n in range(15):  # each with costs: the province's cost ledger lists thousands of agencies
        cost(make_unit("360100", f"南昌市某局{n}"), "100", date(THIS, 2, 1))
    query = costs.cost_query(w["jx"], start=date(THIS, 1, 1))
    with django_assert_max_num_queries(8):  # was one area query per unit
        rows = costs.by_unit(w["jx"], query)
    assert len(rows) == 17 and {r["area"] for r in rows} == {Decimal("100.00"), None}


def test_by_region_category_and_month(w):
    query = costs.cost_query(w["jx"])
    # the province alone at the top: its cities are shown
    assert [(r["name"], r["total"]) for r in costs.by_region(w["jx"], query)] == [
        ("南昌市", Decimal("2500.00")), ("九江市", Decimal("300.00"))]
    # a city's bureau: down to the city's own units (and its districts, had they any costs)
    assert [(r["name"], r["total"], r["drillable"]) for r in costs.by_region(w["nc"], costs.cost_query(w["nc"]))] == [
        ("南昌市本级", Decimal("2500.00"), False)]
    province = costs.cost_query(w["jx"], region="360000")
    assert [(r["name"], r["total"], r["drillable"]) for r in costs.by_region(w["jx"], province)] == [
        ("南昌市", Decimal("2500.00"), True), ("九江市", Decimal("300.00"), True)]
    city = costs.cost_query(w["jx"], region="360100")
    assert [(r["code"], r["drillable"]) for r in costs.by_region(w["jx"], city)] == [("360100", False)]
    assert costs.by_category(w["jx"], query)[0] == {"category": "水电费", "total": Decimal("2600.00"), "count": 4}
    assert costs.by_month(w["jx"], costs.cost_query(w["jx"], category="水电费", start=date(THIS, 1, 1)))[0][
        "total"] == Decimal("1300.00")


def test_this_year_against_last(w):
    figures = costs.trend(w["nc"], costs.cost_query(w["nc"]), THIS)
    january = figures["months"][0]
    assert (january["this_year"], january["last_year"], january["change"]) == (
        Decimal("1200.00"), Decimal("800.00"), Decimal("50.0"))
    assert figures["months"][11]["last_year"] == Decimal("500.00")
    assert figures["ytd_this_year"] == Decimal("1200.00")
    last_full = costs.trend(w["nc"], costs.cost_query(w["nc"]), LAST)
    assert last_full["ytd_this_year"] == Decimal("1300.00") and last_full["ytd_change"] is None
    with pytest.raises(ValidationFailed):
        costs.trend(w["nc"], costs.cost_query(w["nc"]), THIS + 1)


def test_scope_unit_city_and_no_permission(w):
    totals = {name: costs.summary(costs.by_unit(w[name], costs.cost_query(w[name])))["total"]
              for name in ("fin", "jj", "nc", "jx")}
    assert totals == {"fin": Decimal("2500.00"), "jj": Decimal("300.00"), "nc": Decimal("2500.00"),
                      "jx": Decimal("2800.00")}
    with pytest.raises(Http404):
        costs.cost_query(w["fin"], unit=w["jiujiang"].pk)
    for name in ("staff", "sysadmin"):
        with pytest.raises(PermissionDenied):
            costs.cost_query(w[name])


def test_filters_are_validated(w):
    with pytest.raises(ValidationFailed) as refused:
        costs.cost_query(w["jx"], region="999999", module="nope", start="2025-02-01", end="2025-01-01")
    assert set(refused.value.errors) == {"region", "module", "end"}


def test_pages_exports_and_denials(client, w, settings):
    settings.REQUIRE_ADMIN_2FA = False
    client.force_login(w["nc"])
    page = client.get(reverse("manage:monitor:costs"))
    assert page.status_code == 200 and "南昌市财政局" in page.content.decode()
    assert client.get(reverse("manage:monitor:costs_trend"), {"year": THIS}).status_code == 200
    assert client.get(reverse("manage:monitor:costs_entries"), {"unit": w["finance"].pk}).status_code == 200
    for name in ("units", "regions", "categories", "months"):
        response = client.get(reverse("manage:monitor:costs"), {"export": name})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    client.get(reverse("manage:monitor:costs_trend"), {"export": "trend"})
    logged = AccessLog.objects.filter(kind="export", actor=w["nc"]).values_list("detail", flat=True)
    assert {d.split(":")[0] for d in logged} == {"monitor.costs.units", "monitor.costs.regions",
                                                 "monitor.costs.categories", "monitor.costs.months",
                                                 "monitor.costs.trend"}
    client.force_login(w["sysadmin"])
    assert client.get(reverse("manage:monitor:costs")).status_code == 403


def test_the_unit_filter_is_a_searching_picker_limited_to_the_scope(client, w, settings):
    settings.REQUIRE_ADMIN_2FA = False
    client.force_login(w["nc"])
    body = client.get(reverse("manage:monitor:costs")).content.decode()
    unit_select = body[body.index('name="unit"'):].split("</select>")[0]
    assert "data-picker" in unit_select and "<option" in unit_select
    assert "南昌市财政局" not in unit_select  # only the chosen unit is rendered; the rest is searched for
    body = client.get(reverse("manage:monitor:costs"), {"unit": w["finance"].pk}).content.decode()
    assert "南昌市财政局" in body[body.index('name="unit"'):].split("</select>")[0]
    body = client.get(reverse("manage:monitor:costs"), {"unit": w["jiujiang"].pk}).content.decode()
    assert "不存在或超出您的数据范围" in body and "九江市财政局" not in body  # refused, and nothing of it shown


def test_api_contract_and_scope(api, w):  # noqa: F811
    token = api.token(w["fin"])
    body = api.get("/monitor/costs/ledger", token=token, params={"start": f"{THIS}-01-01"}).json()
    assert float(body["units"][0]["per_head"]) == 200
    assert api.get("/monitor/costs/ledger", token=token, params={"unit": w["jiujiang"].pk}).status_code == 404
    trend = api.get("/monitor/costs/trend", token=token, params={"year": THIS}).json()
    assert float(trend["months"][0]["change"]) == 50.0
    bad = api.get("/monitor/costs/ledger", token=token, params={"module": "nope"})
    assert bad.status_code == 400
    assert api.get("/monitor/costs/ledger", token=api.token(w["staff"])).status_code == 403


def test_entry_amounts_are_shown_with_thousands_separators_and_exported_as_numbers(client, w, settings):
    settings.REQUIRE_ADMIN_2FA = False
    cost(w["finance"], "10690.65", date(THIS, 2, 1), "差旅费")
    client.force_login(w["fin"])
    html = client.get(reverse("manage:monitor:costs_entries"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "<td>10,690.65</td>" in html
    exported = client.get(reverse("manage:monitor:costs_entries"), {"export": "xlsx"})
    sheet = load_workbook(BytesIO(b"".join(exported.streaming_content))).active
    amounts = [row[5] for row in sheet.iter_rows(values_only=True)]
    assert 10690.65 in amounts  # a number Excel can sum, not the grouped text
