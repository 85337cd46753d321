"""One source per fact: reconciliation against master data, its history, issues per run and element in the
event closed loop, settling by a corrected submission, and the quality measures of a crafted run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Event
from jiguan.datahub import store
from jiguan.datahub.models import (
    DataElement,
    Discrepancy,
    ElementCarrier,
    MasterValue,
    QualityIssue,
    QualityMeasure,
    Run,
)
from jiguan.datahub.services import quality

from .test_quality_world import build, dataset, load, make_run, submit

pytestmark = pytest.mark.django_db
PEOPLE = [("360102198501010011", "张三", "一级主任科员"), ("360102198601010022", "李四", "二级主任科员"),
          ("36010219870101003X", "王五", "四级调研员")]


@pytest.fixture
def w(db):
    world = build()
    world.authority = submit(world.personnel, world.bureau, PEOPLE)
    return world


def current(w) -> dict:
    return dict(MasterValue.objects.filter(element=w.rank, valid_to__isnull=True).values_list("key", "value"))


# --- reconciliation --------------------------------------------------------------------------------------


def test_authority_run_fills_master_data(w):
    assert current(w) == {key: rank for key, _name, rank in PEOPLE}
    assert not Discrepancy.objects.exists()


def test_a_deliberate_discrepancy_is_found_alone_and_the_authority_wins(w):
    rows = [PEOPLE[0], (PEOPLE[1][0], "李四", "一级主任科员"), PEOPLE[2]]
    run = submit(w.payroll, w.finance, rows)
    [found] = Discrepancy.objects.all()
    assert (found.key, found.authoritative_value, found.other_value, found.row) == (
        PEOPLE[1][0], "二级主任科员", "一级主任科员", 2)
    assert (found.run, found.dataset, found.org_path) == (run, w.payroll, w.finance.org_path)
    assert current(w)[PEOPLE[1][0]] == "二级主任科员"  # the other side changes nothing in master data
    assert MasterValue.objects.count() == 3
    measure = QualityMeasure.objects.get(run=run)
    assert (measure.checked_values, measure.agreeing_values) == (3, 2)


def test_authority_update_closes_the_previous_value(w):
    before = MasterValue.objects.get(element=w.rank, key=PEOPLE[0][0])
    run = submit(w.personnel, w.bureau, [(PEOPLE[0][0], "张三", "三级调研员"), PEOPLE[1]])
    history = list(MasterValue.objects.filter(element=w.rank, key=PEOPLE[0][0]).order_by("valid_from"))
    assert [(h.value, h.valid_to is None) for h in history] == [("一级主任科员", False), ("三级调研员", True)]
    assert history[0].pk == before.pk and history[0].valid_to == history[1].valid_from
    assert history[1].run == run
    assert current(w)[PEOPLE[2][0]] == "四级调研员"  # a key the run did not bring keeps its value
    assert MasterValue.objects.count() == 4  # unchanged keys are not rewritten


def test_one_issue_per_run_and_element_not_per_row(w):
    wrong = [(key, name, "科员") for key, name, _rank in PEOPLE]
    run = submit(w.payroll, w.finance, wrong)
    [issue] = QualityIssue.objects.all()
    assert (issue.run, issue.element, issue.unit, issue.found) == (run, w.rank, w.finance, 3)
    assert issue.discrepancies.count() == 3
    event = Event.objects.get(type=quality.ISSUE_EVENT)
    assert (event.pk, event.unit, event.status) == (issue.event_id, w.finance, "new")


def test_a_corrected_submission_settles_what_it_fixes_and_then_the_issue(w):
    submit(w.payroll, w.finance, [(key, name, "科员") for key, name, _rank in PEOPLE[:2]])
    issue = QualityIssue.objects.get()
    partly = submit(w.payroll, w.finance, [PEOPLE[0], (PEOPLE[1][0], "李四", "科员")])
    assert list(Discrepancy.objects.filter(state="open").values_list("key", flat=True)) == [PEOPLE[1][0]]
    assert Discrepancy.objects.get(key=PEOPLE[0][0]).settled_by == partly
    assert QualityIssue.objects.count() == 1  # the still-wrong key is not found twice
    assert Event.objects.get(pk=issue.event_id).status == "new"
    submit(w.payroll, w.finance, PEOPLE[:2])
    assert not Discrepancy.objects.filter(state="open").exists()
    assert Event.objects.get(pk=issue.event_id).status == "resolved"


def test_values_are_compared_by_type(w):
    areas = dataset("rooms", "房间", w.bureau)
    other = dataset("rooms-fin", "房间（财政）", w.finance)
    quality.DatasetField.objects.filter(dataset__in=[areas, other], name="rank").update(type="decimal")
    area = quality.create_element(w.jx_admin, code="room-area", name="房间使用面积", entity="房间（编号）",
                                  dataset_id=areas.pk, field="rank", key_field="id_number")
    quality.add_carrier(w.jx_admin, area.pk, dataset_id=other.pk, field="rank", key_field="id_number")
    submit(areas, w.bureau, [("A-101", "", "20.50"), ("A-102", "", "18")])
    submit(other, w.finance, [(" A-101 ", "", "20.5"), ("A-102", "", "18.00"), ("A-103", "", "9")])
    assert not Discrepancy.objects.filter(element=area).exists()
    assert QualityMeasure.objects.get(run__dataset=other).checked_values == 2  # A-103 has no master value


def test_a_hostile_table_name_is_refused(w):
    run = make_run(w.payroll, w.finance)
    with pytest.raises(ValueError):
        quality.reconcile(store.connect(), run, 'clean"; DROP TABLE x; --')


# --- quality issues in the closed loop ---------------------------------------------------------------------


@pytest.fixture
def issue(w):
    submit(w.payroll, w.finance, [(PEOPLE[0][0], "张三", "科员")])
    return QualityIssue.objects.get()


def test_closed_loop_new_acknowledged_assigned_resolved(w, issue):
    assert quality.issue_actions(w.nc_admin, issue) == ["acknowledge"]
    assert quality.issue_actions(w.fin_admin, issue) == []  # a unit does not acknowledge its own issue
    quality.acknowledge_issue(w.nc_admin, issue.pk, "请财政局核实")
    issue.event.refresh_from_db()
    assert (issue.event.status, issue.event.assignee_unit) == ("dispatched", w.finance)
    assert quality.issue_actions(w.fin_admin, issue) == ["assign"]
    quality.assign_issue(w.fin_admin, issue.pk)
    issue.event.refresh_from_db()
    assert (issue.event.status, issue.event.assignee) == ("in_progress", w.fin_admin)
    quality.resolve_issue(w.fin_admin, issue.pk, reason="late_update", comment="已在工资系统更正")
    issue.refresh_from_db()
    assert issue.event.status == "resolved" and issue.reason.label == "更新不及时"
    assert issue.discrepancies.get().state == "closed"
    assert quality.issues_by_reason(w.nc_admin) == [{"reason": "更新不及时", "count": 1}]


def test_resolving_needs_a_reason_from_the_list(w, issue):
    quality.acknowledge_issue(w.nc_admin, issue.pk)
    quality.assign_issue(w.fin_admin, issue.pk)
    for reason in ("", "made-up"):
        with pytest.raises(ValidationFailed) as refused:
            quality.resolve_issue(w.fin_admin, issue.pk, reason=reason, comment="已更正")
        assert "reason" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        quality.resolve_issue(w.fin_admin, issue.pk, reason="other", comment=" ")
    assert "comment" in refused.value.errors
    assert Event.objects.get(pk=issue.event_id).status == "in_progress"


def test_a_retired_reason_cannot_be_chosen(w, issue):
    quality.issue_reasons().filter(code="other").update(active=False)
    quality.acknowledge_issue(w.nc_admin, issue.pk)
    quality.assign_issue(w.fin_admin, issue.pk)
    with pytest.raises(ValidationFailed):
        quality.resolve_issue(w.fin_admin, issue.pk, reason="other", comment="已更正")


def test_steps_out_of_order_are_refused(w, issue):
    with pytest.raises(StateError):
        quality.resolve_issue(w.nc_admin, issue.pk, reason="other", comment="x")
    with pytest.raises(StateError):
        quality.assign_issue(w.nc_admin, issue.pk)
    quality.acknowledge_issue(w.nc_admin, issue.pk)
    with pytest.raises(StateError):
        quality.acknowledge_issue(w.nc_admin, issue.pk)


def test_refusals_by_permission_and_scope(w, issue):
    with pytest.raises(PermissionDenied):
        quality.acknowledge_issue(w.fin_admin, issue.pk)  # no review permission
    with pytest.raises(PermissionDenied):
        quality.assign_issue(w.staff, issue.pk)
    submit(w.jj_payroll, w.jiujiang, [(PEOPLE[0][0], "张三", "科员")])
    elsewhere = QualityIssue.objects.get(unit=w.jiujiang)
    with pytest.raises(Http404):
        quality.acknowledge_issue(w.nc_admin, elsewhere.pk)
    quality.acknowledge_issue(w.jx_admin, elsewhere.pk)  # the province reaches 九江
    with pytest.raises(Http404):
        quality.assign_issue(w.fin_admin, elsewhere.pk)
    quality.assign_issue(w.jj_admin, elsewhere.pk)


def test_assigning_a_colleague_who_cannot_handle_it_is_refused(w, issue):
    quality.acknowledge_issue(w.nc_admin, issue.pk)
    with pytest.raises(ValidationFailed) as refused:
        quality.assign_issue(w.fin_admin, issue.pk, assignee_id=w.jj_admin.pk)
    assert "assignee_id" in refused.value.errors
    quality.assign_issue(w.nc_admin, issue.pk, assignee_id=w.fin_admin.pk)
    assert Event.objects.get(pk=issue.event_id).assignee == w.fin_admin


# --- data elements ---------------------------------------------------------------------------------------


def test_an_element_has_exactly_one_authority(w):
    with pytest.raises(IntegrityError):
        ElementCarrier.objects.create(element=w.rank, dataset=dataset("other", "其他", w.bureau), field="rank",
                                      key_field="id_number", authoritative=True)


def test_element_validation_names_each_bad_field(w):
    with pytest.raises(ValidationFailed) as refused:
        quality.create_element(w.jx_admin, code="person-rank", name="", entity="人员", dataset_id=w.personnel.pk,
                               field="grade", key_field="id_number")
    assert set(refused.value.errors) == {"code", "name", "field"}
    assert DataElement.objects.count() == 1


def test_carrier_columns_and_types_are_checked(w):
    other = dataset("other", "其他", w.bureau)
    quality.DatasetField.objects.filter(dataset=other, name="rank").update(type="date")
    with pytest.raises(ValidationFailed) as refused:
        quality.add_carrier(w.jx_admin, w.rank.pk, dataset_id=other.pk, field="rank", key_field="id_number")
    assert set(refused.value.errors) == {"field"}
    with pytest.raises(ValidationFailed) as refused:
        quality.add_carrier(w.jx_admin, w.rank.pk, dataset_id=w.payroll.pk, field="rank", key_field="nope")
    assert set(refused.value.errors) == {"dataset_id", "key_field"}


def test_element_management_permissions(w):
    with pytest.raises(PermissionDenied):
        quality.update_element(w.fin_admin, w.rank.pk, name="职级", entity="人员")
    with pytest.raises(ValidationFailed):  # 九江's payroll is outside 南昌's scope
        quality.add_carrier(w.nc_admin, w.rank.pk, dataset_id=w.jj_payroll.pk, field="rank", key_field="id_number")
    authority = w.rank.carriers.get(authoritative=True)
    with pytest.raises(StateError):
        quality.remove_carrier(w.jx_admin, authority.pk)
    carrier = w.rank.carriers.get(dataset=w.jj_payroll)
    with pytest.raises(Http404):
        quality.remove_carrier(w.nc_admin, carrier.pk)
    quality.remove_carrier(w.jx_admin, carrier.pk)
    assert not w.rank.carriers.filter(dataset=w.jj_payroll).exists()


# --- quality measures --------------------------------------------------------------------------------------


def test_measures_of_a_crafted_run(w):
    """4 rows read, 1 rejected; 3 columns → 12 cells of which 10 filled; 3 distinct id numbers; 3 values
    checked against master data, 2 agreeing."""
    run = make_run(w.payroll, w.finance)
    con = store.connect()
    load(con, "staged", [PEOPLE[0], (PEOPLE[1][0], "", "科员"), (PEOPLE[2][0], "王五", None), PEOPLE[0]],
         w.finance.org_path)
    load(con, "clean", [PEOPLE[0], (PEOPLE[1][0], "李四", "科员"), PEOPLE[2]], w.finance.org_path)
    quality.reconcile(con, run, "clean")
    quality.measure(con, run, staged="staged", good="clean", rejected_rows=1)
    m = QualityMeasure.objects.get(run=run)
    assert (m.completeness, m.validity, m.uniqueness) == (Decimal("83.33"), Decimal("75.00"), Decimal("75.00"))
    assert (m.consistency, m.timeliness, m.rows, m.rows_kept) == (Decimal("66.67"), 100, 4, 3)
    [point] = quality.trend(w.payroll)
    assert point["validity"] == 75.0 and point["consistency"] == pytest.approx(66.67)


def test_consistency_is_100_without_carried_values(w):
    run = make_run(w.jj_payroll, w.jiujiang)
    con = store.connect()
    load(con, "staged", [("360400199001010011", "赵六", "科员")], w.jiujiang.org_path)
    quality.reconcile(con, run, "staged")
    quality.measure(con, run, staged="staged", good="staged", rejected_rows=0)
    assert QualityMeasure.objects.get(run=run).consistency == 100


@pytest.mark.parametrize(("days", "expected"), [(20, "100.00"), (31, "100.00"), (38.75, "75.00"), (62, "0.00"),
                                                (90, "0.00")])
def test_timeliness_decays_after_one_period(w, days, expected):
    w.payroll.frequency = "monthly"
    w.payroll.save()
    first = make_run(w.payroll, w.finance, state="published")
    late = make_run(w.payroll, w.finance)
    Run.objects.filter(pk=late.pk).update(created_at=first.created_at + timedelta(days=days))
    late.refresh_from_db()
    assert quality.timeliness(late) == Decimal(expected)


def test_overview_lists_worst_first_with_history(w):
    for dataset_, validity in ((w.payroll, 50), (w.personnel, 90)):
        for months in (2, 1):
            run = make_run(dataset_, w.finance)
            QualityMeasure.objects.create(run=run, dataset=dataset_, org_path=w.finance.org_path,
                                          measured_at=timezone.now() - timedelta(days=30 * months),
                                          completeness=100, validity=validity, uniqueness=100, consistency=100,
                                          timeliness=100)
    rows = quality.overview(w.nc_admin)
    assert [r["dataset"].code for r in rows] == ["payroll", "personnel"]
    assert rows[0]["overall"] == 90.0 and rows[0]["history"] == [90.0, 90.0]
    assert [r["dataset"].code for r in quality.overview(w.jj_admin)] == []
