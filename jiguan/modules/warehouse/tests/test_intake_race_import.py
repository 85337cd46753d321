"""Two keepers receiving the same request at once: one issues the cards, the other is told it is done.
Excel intake: the template round-trips, and a file with bad rows writes nothing and reports row and column."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiguan.core.errors import StateError
from jiguan.core.excel_import import ImportRejected
from jiguan.core.testing import make_account, run_at_once
from jiguan.modules.warehouse.models import (
    Asset,
    Condition,
    IntakeItem,
    IntakeRequest,
    SourceReason,
    StorageKind,
)
from jiguan.modules.warehouse.services import intake

from .test_intake import approved, line
from .world import build_world


@pytest.mark.django_db(transaction=True)  # the racers need committed rows
def test_two_keepers_receive_the_same_request_once():
    w = build_world()
    request = approved(w, line(w, quantity=3))
    other_keeper = make_account("wh_keeper2", roles=("region_bureau_admin",), unit=w.bureau)
    lines = {request.items.get().pk: w.shelf.pk}

    results = run_at_once(lambda: intake.receive(w.bureau_admin, request.pk, lines=lines),
                          lambda: intake.receive(other_keeper, request.pk, lines=lines))

    assert sum(isinstance(r, IntakeRequest) for r in results) == 1, results
    assert sum(isinstance(r, StateError) for r in results) == 1, results
    assert Asset.objects.count() == 3
    request.refresh_from_db()
    assert request.state == "received" and request.receipt_number


def workbook(*rows) -> SimpleUploadedFile:
    book = load_workbook(BytesIO(intake.item_template()))
    sheet = book["物品明细"]
    for row in rows:
        sheet.append(row)
    output = BytesIO()
    book.save(output)
    return SimpleUploadedFile("items.xlsx", output.getvalue())


def good() -> list:
    return ["A05010201", "办公桌", "1.4米", 2, 1800, "2019-06-30", str(Condition.GOOD.label),
            str(SourceReason.REFORM.label), "否", "", ""]


@pytest.mark.django_db
def test_a_good_workbook_becomes_one_request():
    w = build_world()
    chair = ["A05010301", "办公椅", "", 4, "350.5", "2020-01-15", str(Condition.NEW.label),
             str(SourceReason.IDLE.label), "", str(StorageKind.VIRTUAL.label), "会议室"]
    request = intake.import_items(w.finance_admin, reason="机构改革后闲置", upload=workbook(good(), chair))
    assert request.unit == w.finance and request.state == "submitted"
    assert list(request.items.values_list("name", "quantity", "condition", "storage_kind", "note")) == [
        ("办公桌", 2, "good", "physical", ""), ("办公椅", 4, "new", "virtual", "会议室")]


@pytest.mark.django_db
def test_a_workbook_with_bad_rows_writes_nothing_and_names_row_and_column():
    w = build_world()
    bad = ["A05000000", "", "", 0, 1800, "2019-06-30", "很好", str(SourceReason.IDLE.label), "否", "", ""]
    with pytest.raises(ImportRejected) as refused:
        intake.import_items(w.finance_admin, reason="机构改革后闲置", upload=workbook(good(), bad))
    problems = {(e.row, e.column) for e in refused.value.row_errors}
    assert problems == {(3, "分类代码"), (3, "物品名称"), (3, "数量"), (3, "成新状况")}
    assert IntakeRequest.objects.count() == IntakeItem.objects.count() == 0
    with pytest.raises(PermissionDenied):
        intake.import_items(w.finance_admin, reason="涉密设备", upload=workbook([*good()[:8], "是", "", ""]))
    assert IntakeRequest.objects.count() == 0
