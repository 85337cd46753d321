"""The annual statistics report: table figures against a small ledger computed by hand, the roll-up
county → city from frozen figures, never skipping a level, return and resubmit, scope, projects (表4) and
the workbook. The world: 新余市 (360500) with its two counties 渝水区 and 分宜县, the province above, 九江 apart."""

from datetime import date
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from openpyxl import load_workbook

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Notification, Region
from jiguan.core.models.org import PersonStatus
from jiguan.core.statemachine import timeline
from jiguan.core.testing import make_account, make_department, make_person, make_unit, run_at_once
from jiguan.modules.officespace.models import (
    Building,
    Compound,
    ConstructionProject,
    Floor,
    Occupancy,
    Room,
    StatisticsReport,
    StatisticsReportState,
)
from jiguan.modules.officespace.services import reports

pytestmark = pytest.mark.django_db
YEAR = 2025


def _room(floor: Floor, unit, number: str, area: str, category: str = "office", **fields) -> Room:
    return Room.objects.create(floor=floor, unit=unit, number=number, category=category, usable_area=Decimal(area),
                               **fields)


def _building(unit, region: str, name: str, gross: str) -> Floor:
    compound = Compound.objects.create(unit=unit, name=f"{name}院", region_id=region, address=f"{name}路1号")
    building = Building.objects.create(compound=compound, unit=unit, name=name, year_built=2000, floors_above=3,
                                       gross_area=Decimal(gross))
    return Floor.objects.create(building=building, unit=unit, number=1)


def build_world() -> SimpleNamespace:
    """渝水区 holds the ledger computed by hand in ``test_county_tables_match_the_ledger``."""
    w = SimpleNamespace()
    w.province_bureau = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    w.city_bureau = make_unit("360500", "新余市机关事务管理局", is_bureau=True)
    w.ys_bureau = make_unit("360502", "渝水区机关事务服务中心", is_bureau=True)
    w.fy_bureau = make_unit("360521", "分宜县机关事务服务中心", is_bureau=True)
    w.jj_bureau = make_unit("360400", "九江市机关事务管理局", is_bureau=True)
    admin = ("region_bureau_admin",)
    w.jx = make_account("jx_admin", roles=admin, unit=w.province_bureau)
    w.xy = make_account("xy_admin", roles=admin, unit=w.city_bureau)
    w.ys = make_account("ys_admin", roles=admin, unit=w.ys_bureau)
    w.fy = make_account("fy_admin", roles=admin, unit=w.fy_bureau)
    w.jj = make_account("jj_admin", roles=admin, unit=w.jj_bureau)

    # 渝水区: 2 agencies, 1 department; 5 people in post (the administrator has no rank), 1 leader.
    w.ys_finance = make_unit("360502", "渝水区财政局")
    make_department(w.ys_finance)
    w.ys_unit_admin = make_account("ys_unit_admin", roles=("unit_admin",), unit=w.ys_finance)  # 6th person, no rank
    deputy = make_person(w.ys_finance, "副县长", rank="vice_county")  # 24 ㎡, leader
    make_person(w.ys_finance, "正科长", rank="section_director")  # 18 ㎡
    clerks = [make_person(w.ys_finance, f"科员{n}", rank="below_section") for n in (1, 2)]  # 9 ㎡ each
    make_person(w.ys_finance, "已调离", rank="below_section", status=PersonStatus.TRANSFERRED)
    floor = _building(w.ys_bureau, "360502", "渝水区行政中心", "5000")
    over = _room(floor, w.ys_finance, "201", "30")  # 30 - 24 = 6 ㎡ over
    shared = _room(floor, w.ys_finance, "202", "18", gross_area=Decimal("22"))  # 9 + 9: not over
    _room(floor, w.ys_finance, "203", "15", state="idle", idle_since=date(2025, 3, 1))
    _room(floor, w.ys_finance, "101", "50", "service", subtype="会议室", gross_area=Decimal("60"))
    _room(floor, w.ys_finance, "102", "25", "service", subtype="信访接待室")
    _room(floor, w.ys_bureau, "B01", "40", "equipment", subtype="配电室")
    _room(floor, w.ys_finance, "104", "120", "ancillary", subtype="食堂", state="rented")
    _room(floor, w.ys_finance, "105", "99", retired=True)
    for person, room in ((deputy, over), (clerks[0], shared), (clerks[1], shared)):
        Occupancy.objects.create(person=person, room=room, start=date(2024, 1, 1))

    # 分宜县 and 新余市本级: one office each.
    w.fy_finance = make_unit("360521", "分宜县财政局")
    fy_clerk = make_person(w.fy_finance, "分宜科员", rank="below_section")
    fy_office = _room(_building(w.fy_bureau, "360521", "分宜县行政中心", "2000"), w.fy_finance, "301", "12")
    Occupancy.objects.create(person=fy_clerk, room=fy_office, start=date(2024, 1, 1))
    w.xy_finance = make_unit("360500", "新余市财政局")
    director = make_person(w.xy_finance, "局长", rank="bureau_director")  # 24 ㎡, leader
    xy_office = _room(_building(w.city_bureau, "360500", "新余市行政中心", "8000"), w.xy_finance, "501", "20")
    Occupancy.objects.create(person=director, room=xy_office, start=date(2024, 1, 1))
    return w


@pytest.fixture
def w(db):
    return build_world()


def start(account, code: str, year: int = YEAR) -> StatisticsReport:
    return reports.start_report(account, region_code=code, year=year)


def accepted_county(w, account, code: str) -> StatisticsReport:
    report = start(account, code)
    reports.submit_report(account, report.pk)
    return reports.accept_report(w.xy, report.pk)


def own_row(report: StatisticsReport, code: str) -> dict:
    return report.tables["tables"][code]["rows"][0]["values"]


# --- the tables ----------------------------------------------------------------------------------------


def test_county_tables_match_the_ledger(w):
    report = start(w.ys, "360502")
    assert report.state == StatisticsReportState.DRAFT and report.org_path == "360502/"
    assert own_row(report, "t1") == {"units": 2, "departments": 1, "people": 6, "leaders": 1}
    t2 = own_row(report, "t2")
    assert {k: t2[k] for k in ("buildings", "building_area", "rooms", "usable_area")} == {
        "buildings": 1, "building_area": 5000.0, "rooms": 7, "usable_area": 298.0}
    assert (t2["office_area"], t2["service_area"], t2["equipment_area"], t2["ancillary_area"]) == (63, 75, 40, 120)
    assert (t2["gross_area"], t2["office_gross"], t2["service_gross"]) == (82, 22, 60)
    assert (t2["people"], t2["per_capita"], t2["standard_per_capita"]) == (6, 10.5, 15.0)  # 63/6; (24+18+9+9)/4
    assert (t2["over_count"], t2["over_area"], t2["idle_count"], t2["idle_area"]) == (1, 6, 1, 15)
    assert (t2["forbidden_count"], t2["forbidden_area"]) == (1, 120)
    t3 = own_row(report, "t3")
    assert (t3["petition_count"], t3["petition_area"], t3["total_count"], t3["total_area"]) == (1, 25, 1, 25)
    rows = report.tables["tables"]["t1"]["rows"]
    assert [(r["name"], r["kind"]) for r in rows] == [("渝水区", "region")]  # a county has nothing below it
    assert report.tables["tables"]["t1"]["total"] == own_row(report, "t1")
    assert report.tables["tables"]["t4"]["total"] == {"projects": 0, "approved_area": 0, "investment": 0}


def test_the_city_rolls_up_the_frozen_county_figures(w):
    ys_report = accepted_county(w, w.ys, "360502")
    accepted_county(w, w.fy, "360521")
    floor = Floor.objects.get(building__name="渝水区行政中心")
    _room(floor, w.ys_finance, "999", "500")  # the ledger moves after acceptance …
    city = start(w.xy, "360500")
    t2 = city.tables["tables"]["t2"]
    assert [(r["name"], r["kind"], r["values"]["usable_area"]) for r in t2["rows"]] == [
        ("新余市", "own", 20.0), ("渝水区", "region", 298.0), ("分宜县", "region", 12.0)]  # … the report does not
    assert t2["total"]["usable_area"] == 330.0 and t2["total"]["people"] == 1 + 1 + 6 + 1 + 1
    assert city.tables["tables"]["t1"]["total"]["units"] == 2 + 2 + 2
    ys_report.refresh_from_db()
    assert own_row(ys_report, "t2")["usable_area"] == 298.0


def test_the_province_shows_each_city_with_a_subtotal(w):
    accepted_county(w, w.ys, "360502")
    accepted_county(w, w.fy, "360521")
    city = start(w.xy, "360500")
    reports.submit_report(w.xy, city.pk)
    StatisticsReport.objects.filter(pk=city.pk).update(state=StatisticsReportState.ACCEPTED)  # no one accepts it in this world
    province = start(w.jx, "360000")
    rows = province.tables["tables"]["t2"]["rows"]
    assert [(r["name"], r["kind"], r["depth"]) for r in rows] == [
        ("江西省", "own", 0), ("新余市", "subtotal", 0), ("新余市", "own", 1), ("渝水区", "region", 1),
        ("分宜县", "region", 1)]
    assert rows[1]["values"]["usable_area"] == 330.0
    assert sorted(province.tables["missing"]) == sorted(
        Region.objects.filter(parent_id="360000").exclude(code="360500").values_list("code", flat=True))


# --- level by level -------------------------------------------------------------------------------------


def test_a_county_submits_to_its_city_only(w):
    report = reports.submit_report(w.ys, start(w.ys, "360502").pk)
    assert report.state == StatisticsReportState.SUBMITTED and report.submitted_by == w.ys
    told = set(Notification.objects.filter(category="officespace.report").values_list("recipient__username", flat=True))
    assert told == {"xy_admin"}  # not the province: a report never skips a level
    with pytest.raises(PermissionDenied, match="新余市"):
        reports.accept_report(w.jx, report.pk)
    with pytest.raises(PermissionDenied):
        reports.accept_report(w.ys, report.pk)  # nor can it accept its own
    reports.accept_report(w.xy, report.pk)
    assert StatisticsReport.objects.get(pk=report.pk).state == StatisticsReportState.ACCEPTED
    assert Notification.objects.filter(recipient=w.ys, title__contains="渝水区").exists()


def test_a_city_cannot_submit_while_a_county_is_not_accepted(w):
    accepted_county(w, w.ys, "360502")
    fy_report = start(w.fy, "360521")
    reports.submit_report(w.fy, fy_report.pk)
    city = start(w.xy, "360500")
    with pytest.raises(StateError) as refusal:
        reports.submit_report(w.xy, city.pk)
    assert "分宜县" in refusal.value.message and "渝水区" not in refusal.value.message
    assert StatisticsReport.objects.get(pk=city.pk).state == StatisticsReportState.DRAFT
    reports.accept_report(w.xy, fy_report.pk)
    assert reports.submit_report(w.xy, city.pk).state == StatisticsReportState.SUBMITTED


def test_the_province_report_is_final_when_submitted(w):
    for code in Region.objects.filter(parent_id="360000").values_list("code", flat=True):
        region = Region.objects.get(code=code)
        lower = StatisticsReport.objects.create(region=region, year=YEAR, state=StatisticsReportState.ACCEPTED)
        lower.tables = reports.compose(lower)
        lower.save()
    province = reports.submit_report(w.jx, start(w.jx, "360000").pk)
    assert province.state == StatisticsReportState.SUBMITTED
    with pytest.raises(PermissionDenied):
        reports.accept_report(w.jx, province.pk)
    assert reports.allowed_actions(w.jx, province) == {"download"}


def test_a_returned_report_is_recomputed_and_resubmitted(w):
    report = start(w.ys, "360502")
    reports.submit_report(w.ys, report.pk)
    with pytest.raises(ValidationFailed) as refusal:
        reports.return_report(w.xy, report.pk, "  ")
    assert "reason" in refusal.value.errors
    reports.return_report(w.xy, report.pk, "闲置面积与清查结果不符，请核实后重报。")
    report.refresh_from_db()
    assert report.state == StatisticsReportState.RETURNED and report.return_reason.startswith("闲置面积")
    assert Notification.objects.filter(recipient=w.ys, title__contains="闲置面积").exists()
    with pytest.raises(StateError):
        reports.accept_report(w.xy, report.pk)
    reports.compute_report(w.ys, report.pk)
    reports.submit_report(w.ys, report.pk)
    reports.accept_report(w.xy, report.pk)
    steps = [(e.action, e.to_state) for e in timeline(report)]
    assert steps == [("start", "draft"), ("submit", "submitted"), ("return", "returned"), ("reopen", "draft"),
                     ("compute", "draft"), ("submit", "submitted"), ("accept", "accepted")]
    assert timeline(report)[2].comment.startswith("闲置面积") and timeline(report)[2].actor == w.xy


def test_submitted_figures_are_frozen(w):
    report = start(w.ys, "360502")
    reports.submit_report(w.ys, report.pk)
    for action in (lambda: reports.compute_report(w.ys, report.pk), lambda: reports.submit_report(w.ys, report.pk),
                   lambda: reports.add_project(w.ys, report.pk, name="某项目", kind="new", approved_area="100",
                                               investment="10", status="under_way")):
        with pytest.raises(StateError):
            action()
    reports.accept_report(w.xy, report.pk)
    with pytest.raises(StateError):
        reports.return_report(w.xy, report.pk, "再看看")


# --- scope and who may act --------------------------------------------------------------------------------


def test_reports_outside_the_scope_are_not_found(w):
    report = start(w.ys, "360502")
    for action in (reports.compute_report, reports.submit_report, reports.accept_report):
        with pytest.raises(Http404):
            action(w.jj, report.pk)
    with pytest.raises(Http404):
        reports.compute_report(w.fy, report.pk)  # a neighbouring county
    with pytest.raises(PermissionDenied):
        reports.compute_report(w.ys_unit_admin, report.pk)  # a unit administrator has no report permission


def test_only_the_regions_bureau_starts_and_prepares_its_report(w):
    with pytest.raises(PermissionDenied):
        start(w.xy, "360502")  # the city does not prepare a county's report
    report = start(w.ys, "360502")
    with pytest.raises(PermissionDenied):
        reports.compute_report(w.xy, report.pk)
    with pytest.raises(ValidationFailed) as refusal:
        start(w.ys, "360502")
    assert "year" in refusal.value.errors
    with pytest.raises(ValidationFailed) as refusal:
        reports.start_report(w.ys, region_code="999999", year=1999)
    assert set(refusal.value.errors) == {"region_code", "year"}


# --- 表4 construction projects --------------------------------------------------------------------------


def test_projects_are_validated_and_rolled_up(w):
    report = start(w.ys, "360502")
    with pytest.raises(ValidationFailed) as refusal:
        reports.add_project(w.ys, report.pk, name="", kind="palace", approved_area="-1", investment="1.234",
                            status="dreaming")
    assert set(refusal.value.errors) == {"name", "kind", "approved_area", "investment", "status"}
    assert not ConstructionProject.objects.exists()
    project = reports.add_project(w.ys, report.pk, name="渝水区行政中心维修改造工程", kind="major_repair",
                                  approved_area="3200", investment="480.5", status="under_way")
    reports.update_project(w.ys, project.pk, investment="500")
    report.refresh_from_db()
    t4 = report.tables["tables"]["t4"]
    assert t4["total"] == {"projects": 1, "approved_area": 3200.0, "investment": 500.0}
    assert t4["rows"][1]["name"] == "渝水区行政中心维修改造工程" and t4["rows"][1]["depth"] == 1
    with pytest.raises(ValidationFailed):
        reports.update_project(w.ys, project.pk, report_id=99)
    reports.submit_report(w.ys, report.pk)
    reports.accept_report(w.xy, report.pk)
    with pytest.raises(StateError):
        reports.delete_project(w.ys, project.pk)
    city = start(w.xy, "360500")
    names = [r["name"] for r in city.tables["tables"]["t4"]["rows"]]
    assert names == ["新余市", "渝水区", "渝水区行政中心维修改造工程"]


# --- the workbook -----------------------------------------------------------------------------------------


def test_the_workbook_has_the_templates_layout(w):
    report = start(w.ys, "360502")
    reports.add_project(w.ys, report.pk, name="档案库房购置", kind="purchase", approved_area="800", investment="600",
                        status="completed")
    report.refresh_from_db()
    buffer = BytesIO()
    reports.write_workbook(report, buffer)
    book = load_workbook(BytesIO(buffer.getvalue()))
    assert [s.title[:2] for s in book.worksheets] == ["表1", "表2", "表3", "表4"]
    sheet = book.worksheets[1]
    assert "草稿" in sheet["A1"].value or "draft" in sheet["A1"].value
    assert "渝水区机关事务服务中心" in sheet["B2"].value and "2025" in "".join(str(c.value) for c in sheet[2])
    assert [c.value for c in sheet[4]][:3] == ["行政区划", "楼栋数", "楼栋建筑面积（㎡）"]
    assert sheet.cell(5, 6).value == "办公室"  # the second header row under "使用面积（分类）"
    last = sheet.max_row
    assert sheet.cell(last, 1).font.bold
    shown = reports.shown_tables(report)[1]
    totals = [sheet.cell(last, column).value for column in range(2, len(shown["total"].cells) + 2)]
    assert totals == shown["total"].cells
    assert sheet.cell(last, 5).number_format == "#,##0.00"


# --- races -------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_accepting_and_returning_at_once_one_wins():
    w = build_world()
    report = start(w.ys, "360502")
    reports.submit_report(w.ys, report.pk)
    other = make_account("xy_admin2", roles=("region_bureau_admin",), unit=w.city_bureau)
    results = run_at_once(lambda: reports.accept_report(w.xy, report.pk),
                          lambda: reports.return_report(other, report.pk, "数据有误"))
    assert sum(isinstance(r, StatisticsReport) for r in results) == 1
    assert sum(isinstance(r, StateError) for r in results) == 1
