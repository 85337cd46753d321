"""The statistics-report screens: the list with the progress of the level below, the report page and its
buttons for each viewer, the actions as form posts (with their refusals), the download, and denials."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiguan.core.models import AccessLog
from jiguan.modules.officespace.models import ConstructionProject, StatisticsReport
from jiguan.modules.officespace.services import reports

from .test_reports import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def as_user(client):
    def sign_in(account):
        client.force_login(account)
        return client
    return sign_in


def url(name: str, *args) -> str:
    return reverse(f"manage:officespace:{name}", args=args)


def test_the_city_sees_its_counties_progress(w, as_user):
    report = reports.start_report(w.ys, region_code="360502", year=2025)
    reports.submit_report(w.ys, report.pk)
    page = as_user(w.xy).get(url("reports"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="progress"' in html and "渝水区" in html and "分宜县" in html
    progress = page.context["progress"]
    assert [(p["region"].code, p["accepted"], len(p["lower"])) for p in progress] == [("360500", 0, 2)]
    assert [item["report"].state if item["report"] else None for item in progress[0]["lower"]] == ["submitted", None]
    outsider = as_user(w.jj).get(url("reports"))
    assert outsider.context["listing"].page.paginator.count == 0
    export = as_user(w.xy).get(url("reports"), {"export": "xlsx"})
    assert export.status_code == 200


def test_the_report_page_shows_the_tables_and_the_viewers_buttons(w, as_user):
    report = reports.start_report(w.ys, region_code="360502", year=2025)
    own = as_user(w.ys).get(url("report", report.pk)).content.decode()
    assert 'data-testid="table-t2"' in own and 'data-testid="submit"' in own and 'data-testid="project-form"' in own
    assert 'data-testid="accept"' not in own
    reports.submit_report(w.ys, report.pk)
    above = as_user(w.xy).get(url("report", report.pk)).content.decode()
    assert 'data-testid="accept"' in above and 'data-testid="return-form"' in above and 'data-testid="submit"' not in above
    province = as_user(w.jx).get(url("report", report.pk)).content.decode()
    assert 'data-testid="accept"' not in province and 'data-testid="download"' in province
    assert as_user(w.jj).get(url("report", report.pk)).status_code == 404
    assert as_user(w.ys_unit_admin).get(url("report", report.pk)).status_code == 403


def test_the_journey_through_the_forms(w, as_user):
    client = as_user(w.ys)
    response = client.post(url("report_start"), {"region": "360502", "year": "2025"})
    report = StatisticsReport.objects.get(region_id="360502", year=2025)
    assert response.status_code == 302 and response["Location"] == url("report", report.pk)
    bad = client.post(url("report_project_add", report.pk), {"name": "", "kind": "new", "approved_area": "-5",
                                                             "investment": "1", "status": "under_way"})
    assert bad.status_code == 400 and not ConstructionProject.objects.exists()
    client.post(url("report_project_add", report.pk), {"name": "渝水区行政中心改扩建工程", "kind": "extension",
                                                       "approved_area": "5600", "investment": "2300",
                                                       "status": "under_way"})
    project = ConstructionProject.objects.get()
    edit = client.post(url("report_project_edit", project.pk), {"name": project.name, "kind": "extension",
                                                                "approved_area": "5600", "investment": "2450",
                                                                "status": "under_way"})
    assert edit.status_code == 302 and ConstructionProject.objects.get().investment == 2450
    client.post(url("report_compute", report.pk))
    client.post(url("report_submit", report.pk))
    assert StatisticsReport.objects.get(pk=report.pk).state == "submitted"
    refused = as_user(w.xy).post(url("report_return", report.pk), {"reason": ""})
    assert refused.status_code == 400
    as_user(w.xy).post(url("report_return", report.pk), {"reason": "投资额与批复不符"})
    page = as_user(w.ys).get(url("report", report.pk)).content.decode()
    assert "投资额与批复不符" in page and 'data-testid="return-reason"' in page
    as_user(w.ys).post(url("report_project_delete", project.pk))
    assert not ConstructionProject.objects.exists()
    assert StatisticsReport.objects.get(pk=report.pk).state == "draft"


def test_refusals_become_messages_and_change_nothing(w, as_user):
    city = reports.start_report(w.xy, region_code="360500", year=2025)
    response = as_user(w.xy).post(url("report_submit", city.pk), follow=True)
    assert "渝水区" in response.content.decode() and StatisticsReport.objects.get(pk=city.pk).state == "draft"
    county = reports.start_report(w.ys, region_code="360502", year=2025)
    reports.submit_report(w.ys, county.pk)
    denied = as_user(w.jx).post(url("report_accept", county.pk))
    assert denied.status_code == 403 and "新余市" in denied.content.decode() and StatisticsReport.objects.get(pk=county.pk).state == "submitted"
    assert as_user(w.jj).post(url("report_accept", county.pk)).status_code == 404


def test_the_workbook_download_equals_the_page(w, as_user):
    report = reports.start_report(w.ys, region_code="360502", year=2025)
    response = as_user(w.xy).get(url("report_excel", report.pk))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    total = [sheet.cell(sheet.max_row, column).value for column in range(2, 6)]
    assert total == [2, 1, 6, 1] == reports.shown_tables(report)[0]["total"].cells
    assert AccessLog.objects.filter(detail=f"officespace.report {report.pk}").exists()
