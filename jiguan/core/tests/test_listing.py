"""The list helper: only declared filters and sorts reach the ORM, pages and exports behave, personal data
stays masked, and every export is access-logged."""

import io

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import translation
from openpyxl import load_workbook

from jiguan.core import listing
from jiguan.core.excel import write_xlsx
from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, Filter, ListSpec
from jiguan.core.models import AccessLog, OrgUnit, Person
from jiguan.core.models.audit import AccessKind
from jiguan.core.models.org import UnitKind
from jiguan.core.testing import make_account, make_person, make_unit

pytestmark = pytest.mark.django_db

UNITS = ListSpec(
    name="units",
    title="单位列表",
    columns=(
        Column("name", "名称", order_by="name"),
        Column("credit_code", "统一社会信用代码", order_by="credit_code"),
        Column("region__name", "行政区划", order_by="region__code"),
        Column("active", "启用"),
    ),
    filters=(
        ChoiceFilter("kind", "类型", "kind", choices=UnitKind.choices),
        BooleanFilter("active", "启用", "active"),
    ),
    search=("name", "credit_code"),
    default_sort="name",
)

PEOPLE = ListSpec(
    name="people",
    title="人员",
    columns=(Column("name", "姓名", order_by="name"), Column("id_number_masked", "身份证号"),
             Column("phone_masked", "手机号码")),
)


@pytest.fixture
def units():
    names = ["丙单位", "甲单位", "乙单位", "丁财政局"]
    made = [make_unit("360100", name) for name in names]
    made[3].active = False
    made[3].save()
    return made


@pytest.fixture
def admin():
    return make_account("lister", roles=("system_admin",))


def bind(spec, query="", queryset=None, user=None):
    request = RequestFactory().get(f"/list/?{query}")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return spec.bind(request, queryset if queryset is not None else OrgUnit.objects.filter(kind=UnitKind.UNIT))


def names(listing_):
    return [unit.name for unit in listing_.page]


def test_default_sort_and_both_directions(units):
    assert names(bind(UNITS)) == sorted(u.name for u in units)
    assert names(bind(UNITS, "sort=-name")) == sorted((u.name for u in units), reverse=True)
    assert bind(UNITS, "sort=-name").descending


@pytest.mark.parametrize("query", [
    "sort=password", "sort=-__class__", "sort=name__icontains", "bogus=1", "credit_code__startswith=9",
    "kind=nonsense", "active=maybe", "per_page=7", "page=abc", "page=999",
])
def test_unknown_or_malformed_parameters_change_nothing(units, query):
    listing_ = bind(UNITS, query)
    assert names(listing_) == sorted(u.name for u in units)  # unfiltered, default order, page 1 = the only page


def test_declared_filters_and_search_narrow_the_rows(units):
    assert names(bind(UNITS, "active=0")) == ["丁财政局"]
    assert set(names(bind(UNITS, "active=1"))) == {"甲单位", "乙单位", "丙单位"}
    assert names(bind(UNITS, "q=财政")) == ["丁财政局"]
    assert names(bind(UNITS, f"q={units[1].credit_code[-6:]}")) == ["甲单位"]
    assert bind(UNITS, "q=财政").is_filtered and not bind(UNITS).is_filtered


def test_filters_never_widen_the_queryset_given(units):
    only_two = OrgUnit.objects.filter(pk__in=[units[0].pk, units[1].pk])
    assert set(names(bind(UNITS, "active=", queryset=only_two))) == {units[0].name, units[1].name}


def test_pagination_with_page_size_options(db):
    for n in range(45):
        make_unit("360100", f"单位{n:02d}")
    first = bind(UNITS)
    assert len(first.page) == 20 and first.page.paginator.num_pages == 3
    assert len(bind(UNITS, "per_page=50").page) == 45
    assert bind(UNITS, "page=3").page.number == 3 and len(bind(UNITS, "page=3").page) == 5
    assert bind(UNITS, "page=999").page.number == 3


def test_headers_toggle_direction_keep_filters_and_reset_the_page(units):
    listing_ = bind(UNITS, "q=单位&page=2&sort=name")
    name_header = listing_.headers[0]
    assert name_header.active and not name_header.descending
    assert "sort=-name" in name_header.url and "q=" in name_header.url and "page=" not in name_header.url
    assert not listing_.headers[3].sortable  # "active" declares no order_by
    assert "export=xlsx" in listing_.export_url and "page=" not in listing_.export_url


def test_a_column_reading_an_encrypted_field_is_refused(db):
    leaky = ListSpec(name="leaky", title="泄露", columns=(Column("id_number", "身份证号"),))
    with pytest.raises(ImproperlyConfigured, match="masked"):
        bind(leaky, queryset=Person.objects.all())


def test_spec_declaration_errors_are_caught_early():
    with pytest.raises(ImproperlyConfigured):
        ChoiceFilter("sort", "排序", "name", choices=())  # a reserved parameter
    with pytest.raises(ImproperlyConfigured):
        Filter("x", "x")  # neither lookup nor method
    with pytest.raises(ImproperlyConfigured):
        ListSpec(name="x", title="x", columns=(Column("name", "名称"),), default_sort="name")  # not sortable


def test_export_streams_all_filtered_rows_with_masked_personal_data_and_logs_it(admin):
    unit = make_unit("360100", "导出测试单位")
    for n in range(25):
        make_person(unit, f"人员{n:02d}")
    person = Person.objects.order_by("pk").first()
    with translation.override("zh-hans"):
        response = bind(PEOPLE, "export=xlsx&per_page=20", queryset=Person.objects.all(), user=admin).export()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "身份证号", "手机号码")
    assert len(rows) == 26  # all pages, not the first 20
    exported_ids = {row[1] for row in rows[1:]}
    assert person.id_number_masked in exported_ids and person.id_number not in exported_ids
    log = AccessLog.objects.get()
    assert log.kind == AccessKind.EXPORT and "people: 25 rows" in log.detail and log.actor_name == "lister"


def test_export_above_the_row_limit_is_refused_with_a_message(units, admin, monkeypatch):
    monkeypatch.setattr(listing, "MAX_EXPORT_ROWS", 2)
    listing_ = bind(UNITS, "export=xlsx&q=单位", user=admin)
    with translation.override("zh-hans"):
        response = listing_.export()
        message = str(next(iter(get_messages(listing_.request))))
    assert response.status_code == 302 and "export" not in response["Location"] and "q=" in response["Location"]
    assert "2" in message and "3" in message
    assert not AccessLog.objects.exists()


def test_excel_keeps_text_that_looks_like_a_formula_as_text():
    buffer = io.BytesIO()
    assert write_xlsx(buffer, "测试", ["名称"], [["=HYPERLINK(\"http://x\")"], [None], [True]]) == 3
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    assert sheet["A3"].value in (None, "") and sheet["A4"].value in ("是", "Yes")
