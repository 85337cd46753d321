"""Importing rooms from the Excel template: all or nothing, refusals by row and column, and who may."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.excel_import import ImportRejected
from jiguan.core.testing import make_account
from jiguan.modules.officespace.imports import import_rooms, room_columns
from jiguan.modules.officespace.models import Room

from .ledger import build_ledger

pytestmark = pytest.mark.django_db

HEADERS = ["院落名称", "楼栋名称", "楼层", "房间号", "用途类别", "细分用途", "使用面积(㎡)", "建筑面积(㎡)", "工位数", "状态"]
GOOD_ROWS = [
    ["财政大院", "主楼", 2, "201", "办公室", "", 18, 22.5, 1, "在用"],
    ["财政大院", "主楼", 2, 202, "办公室", "", 30.25, "", 2, ""],
    ["财政大院", "主楼", 1, "102", "服务用房", "档案室", 40, "", "", "闲置"],
]


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def w():
    return build_ledger()


def xlsx(rows, headers=HEADERS, sheet="房间", name="rooms.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.title = sheet
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    output = BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def test_template_headers_are_the_ones_read(w, client):
    assert [c.header for c in room_columns()] == HEADERS
    client.force_login(w.fin_admin)
    response = client.get(reverse("manage:officespace:import_template"))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["房间", "说明"]
    assert [c.value for c in workbook["房间"][1]] == HEADERS
    notes = "\n".join(str(row[2]) for row in workbook["说明"].iter_rows(min_row=2, values_only=True))
    assert "办公室、服务用房、设备用房、附属用房" in notes and "在用、闲置、维修中" in notes


def test_good_file_imports_every_room(w):
    before = Room.objects.count()
    assert import_rooms(w.fin_admin, xlsx(GOOD_ROWS), unit_id=w.finance.pk) == 3
    assert Room.objects.count() == before + 3
    archive = Room.objects.get(building=w.building, number="102")
    assert (archive.category, archive.subtype, archive.state, archive.floor.number) == ("service", "档案室", "idle", 1)
    assert archive.idle_since is not None
    shared = Room.objects.get(building=w.building, number="202")
    assert (shared.usable_area, shared.desks, shared.state, shared.unit) == (Decimal("30.25"), 2, "in_use", w.finance)


def test_bad_rows_import_nothing_and_are_reported_by_row_and_column(w):
    rows = [
        GOOD_ROWS[0],
        ["财政大院", "副楼", 2, "203", "办公室", "", 18, "", 1, ""],  # row 3: no such building
        ["财政大院", "主楼", 2, "204", "办公室", "", "十八", "", 1, ""],  # row 4: area not a number
        ["财政大院", "主楼", 2, "201", "办公室", "", 18, "", 1, ""],  # row 5: 201 again (row 2)
        ["财政大院", "主楼", 3, "301", "办公室", "", 18, "", 1, ""],  # row 6: already in the building
    ]
    before = Room.objects.count()
    with pytest.raises(ImportRejected) as rejected:
        import_rooms(w.fin_admin, xlsx(rows), unit_id=w.finance.pk)
    assert Room.objects.count() == before
    found = [(e.row, e.column, e.value) for e in rejected.value.row_errors]
    assert found == [(3, "楼栋名称", "副楼"), (4, "使用面积(㎡)", "十八"), (5, "房间号", "201"), (6, "房间号", "301")]
    reasons = [e.reason for e in rejected.value.row_errors]
    assert "副楼" in reasons[0] and "第2行" in reasons[2].replace(" ", "")
    assert "4" in rejected.value.message


def test_bad_values_are_explained(w):
    rows = [["财政大院", "主楼", 9, "205", "会议室", "", 18, 10, 1, "出租"], ["无此大院", "主楼", 2, "206", "办公室", "", 18, "", 1, ""]]
    with pytest.raises(ImportRejected) as rejected:
        import_rooms(w.fin_admin, xlsx(rows), unit_id=w.finance.pk)
    columns = {(e.row, e.column): e.reason for e in rejected.value.row_errors}
    assert set(columns) == {(2, "楼层"), (2, "用途类别"), (2, "建筑面积(㎡)"), (2, "状态"), (3, "院落名称")}
    assert "办公室、服务用房" in columns[(2, "用途类别")]
    assert "无此大院" in columns[(3, "院落名称")]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("rooms.xls", b"\xd0\xcf\x11\xe0", "xlsx"),
    ("rooms.xlsx", b"not a zip at all", "不符"),
    ("rooms.xlsx", b"", "空"),
])
def test_wrong_files_are_refused_with_a_clear_message(w, name, content, expected):
    with pytest.raises(ValidationFailed) as refused:
        import_rooms(w.fin_admin, SimpleUploadedFile(name, content), unit_id=w.finance.pk)
    assert expected in refused.value.errors["file"][0]


def test_too_large_and_wrong_layout_are_refused(w, monkeypatch):
    monkeypatch.setattr("jiguan.core.excel_import.IMPORT_MAX_BYTES", 100)
    with pytest.raises(ValidationFailed) as refused:
        import_rooms(w.fin_admin, xlsx(GOOD_ROWS), unit_id=w.finance.pk)
    assert "最多" in refused.value.errors["file"][0]
    monkeypatch.undo()
    with pytest.raises(ValidationFailed) as refused:
        import_rooms(w.fin_admin, xlsx(GOOD_ROWS, sheet="Sheet1"), unit_id=w.finance.pk)
    assert "房间" in refused.value.errors["file"][0]
    with pytest.raises(ValidationFailed) as refused:
        import_rooms(w.fin_admin, xlsx(GOOD_ROWS, headers=HEADERS[:6]), unit_id=w.finance.pk)
    assert "使用面积(㎡)" in refused.value.errors["file"][0]


def test_out_of_scope_unit_is_not_found_and_staff_are_refused(w):
    with pytest.raises(Http404):
        import_rooms(w.fin_admin, xlsx(GOOD_ROWS), unit_id=w.jiujiang.pk)
    with pytest.raises(NotAllowed):
        import_rooms(w.staff, xlsx(GOOD_ROWS), unit_id=w.finance.pk)


def test_other_unit_buildings_are_unknown(w):
    """九江's administrator cannot place rooms in 南昌's building by naming it."""
    with pytest.raises(ImportRejected) as rejected:
        import_rooms(w.jj_admin, xlsx(GOOD_ROWS[:1]), unit_id=w.jiujiang.pk)
    assert [(e.row, e.column) for e in rejected.value.row_errors] == [(2, "院落名称")]


# --- The pages ------------------------------------------------------------------------------------


def test_page_imports_and_says_how_many(w, client):
    client.force_login(w.fin_admin)
    url = reverse("manage:officespace:import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"unit": w.finance.pk, "file": xlsx(GOOD_ROWS)}, follow=True)
    assert "已导入 3 个房间" in response.content.decode().replace("\u00a0", " ")
    assert Room.objects.filter(building=w.building).count() == 6


def test_page_lists_refused_rows_and_offers_the_report(w, client):
    client.force_login(w.fin_admin)
    rows = [GOOD_ROWS[0], ["财政大院", "副楼", 2, "203", "办公室", "", 18, "", 1, ""]]
    response = client.post(reverse("manage:officespace:import"), {"unit": w.finance.pk, "file": xlsx(rows)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "副楼" in page and "没有导入" in page.replace(" ", "")
    assert not Room.objects.filter(number="201").exists()
    report = client.get(reverse("manage:officespace:import_report"))
    sheet = load_workbook(BytesIO(b"".join(report.streaming_content))).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1][:3] == [3, "楼栋名称", "副楼"]


def test_page_shows_file_refusal_on_the_field(w, client):
    client.force_login(w.fin_admin)
    response = client.post(reverse("manage:officespace:import"),
                           {"unit": w.finance.pk, "file": SimpleUploadedFile("rooms.csv", b"a,b")})
    assert response.status_code == 400
    assert "rooms.csv" in response.content.decode()


def test_page_refuses_an_out_of_scope_unit_and_answers_403_without_manage(w, client):
    client.force_login(w.fin_admin)
    url = reverse("manage:officespace:import")
    refused = client.post(url, {"unit": w.jiujiang.pk, "file": xlsx(GOOD_ROWS)})
    assert refused.status_code == 400 and "超出您的数据范围" in refused.content.decode()
    viewer = make_account("viewer", roles=("staff",), unit=w.finance)
    viewer.assignments.create(role=_view_only_role(), unit=w.finance)
    client.force_login(viewer)
    for name in ("import", "import_template", "import_report"):
        assert client.get(reverse(f"manage:officespace:{name}")).status_code == 403
    assert client.post(url, {"unit": w.finance.pk, "file": xlsx(GOOD_ROWS)}).status_code == 403
    assert not Room.objects.filter(number="201").exists()


def _view_only_role():
    from jiguan.core.models import Role
    from jiguan.core.scoping import Scope

    return Role.objects.create(code="os_viewer", name="台账查看", permissions=["officespace.view"],
                               scope=Scope.UNIT_TREE)
