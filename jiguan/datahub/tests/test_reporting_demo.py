"""The reporting demo seeder on a small world: 南昌市 with a bureau and agencies in four of its counties, the
province above. It runs the real ingestion pipeline (``runs.execute``), as the demo does."""

import random

import pytest

from jiguan.core.models import Event, Region
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.datahub.demo.reporting import seed_demo
from jiguan.datahub.models import Assignment, ReportingTask, RollUp, Submission
from jiguan.datahub.services import reporting

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    make_account("jx_admin", roles=("region_bureau_admin",), unit=make_unit("360000", "江西省机关事务管理局",
                                                                             is_bureau=True))
    make_account("nc_admin", roles=("region_bureau_admin",), unit=make_unit("360100", "南昌市机关事务管理局",
                                                                             is_bureau=True))
    for county in Region.objects.filter(parent_id="360100").order_by("code")[:4]:
        bureau = make_unit(county.code, f"{county.name}机关事务服务中心", is_bureau=True)
        make_person(bureau, f"{county.name}科员")
        for name in ("财政局", "教育局", "卫生健康委员会"):
            unit = make_unit(county.code, f"{county.name}{name}")
            make_person(unit)
    make_account("dh_fin_admin", roles=("unit_admin",), unit=make_unit("360102", "东湖区审计局"))


def test_the_seeder_leaves_submissions_in_every_state(world):
    summary = seed_demo("demo", random.Random(7))
    task = ReportingTask.objects.get(code="office-stats-2026")
    assert task.state == "published" and task.assignments.count() == 17
    states = set(Assignment.objects.filter(task=task).values_list("state", flat=True))
    assert states == {"pending", "submitted", "accepted", "returned"}
    returned = Submission.objects.get(assignment__task=task, state="returned")
    assert "核实" in returned.comment
    assert Submission.objects.filter(assignment__task=task, run__rows_rejected__gt=0).exists()
    rollups = dict(RollUp.objects.filter(task=task).values_list("region_id", "state"))
    assert (rollups["360102"], rollups["360103"]) == ("accepted", "submitted")
    late = ReportingTask.objects.get(code="office-change-2026q3")
    flagged = Event.objects.filter(type="datahub.report_late")
    assert flagged.count() == late.assignments.exclude(state="accepted").count() > 0
    assert all(state == "late" for state in (reporting.progress_state(a, late) for a in
                                             late.assignments.exclude(state="accepted")))
    assert "数据上报" in summary
