"""Demo reporting: the 南昌 bureau's task "2026年度办公用房基本情况统计" over the agencies of its counties, with
submissions in every state — accepted (one county rolled up and accepted by the city, another submitted to
it), returned with comments, awaiting review, refused rows waiting to be replaced, not started — and an
earlier quarterly task past its deadline whose missing units were flagged late by the job.

Everything goes through the services as the demo's accounts (``nc_admin`` reviews; each county bureau's
clerk, ``report<code>``, submits the county's roll-up). The dataset ``office_stats`` is created here when the
catalog demo has not made it. Each ingestion run is executed at once (``runs.execute``) instead of waiting for
the worker, so the demo shows checked submissions right away.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from jiguan.core.demo.accounts import DEMO_PASSWORD
from jiguan.core.models import Account, DictionaryItem, OrgUnit, Region, Role, RoleAssignment
from jiguan.core.models.org import Level, PersonStatus, UnitKind

from ..models import Dataset, ReportingTask, RollUp, RunState
from ..services import catalog, reporting, runs

CITY = "360100"
DATASET = "office_stats"
FIELDS = [
    {"name": "unit_name", "label": "单位名称", "required": True, "max_length": 100},
    {"name": "unit_category", "label": "单位类别", "dictionary": "unit_category"},
    {"name": "staff_count", "label": "编制内在职人数", "type": "integer", "required": True, "minimum": 0,
     "maximum": 5000},
    {"name": "office_area", "label": "办公室使用面积（㎡）", "type": "decimal", "required": True, "minimum": 0},
    {"name": "service_area", "label": "服务用房面积（㎡）", "type": "decimal", "minimum": 0},
    {"name": "equipment_area", "label": "设备用房面积（㎡）", "type": "decimal", "minimum": 0},
    {"name": "building_area", "label": "办公用房建筑面积（㎡）", "type": "decimal", "required": True, "minimum": 0},
    {"name": "surveyed_on", "label": "填报日期", "type": "date", "required": True},
]
INSTRUCTIONS = ("请各县区机关单位按2026年12月31日口径填报办公用房基本情况：办公室使用面积按房间实测面积合计，"
                "服务用房、设备用房按用途分别填写。数据经县区汇总后报市机关事务管理局。")
RETURN_COMMENT = "办公室使用面积与年中清查盘点结果相差较大，请核实后重新报送。"


def seed_demo(scale: str, rng: random.Random) -> str:
    """The annual task in every state and a late quarterly one (after the kernel's and the catalog's seed)."""
    city_admin = Account.objects.get(username="nc_admin")
    dataset = _dataset()
    counties = [c for c in Region.objects.filter(parent_id=CITY, level=Level.COUNTY).order_by("code")
                if OrgUnit.objects.filter(region=c, kind=UnitKind.UNIT, active=True).exists()]
    today = timezone.localdate()
    task = _task(city_admin, dataset, "office-stats-2026", "办公用房基本情况统计", "2026年度",
                 today + timedelta(days=14), counties)
    staff = _staff_counts(task)
    for position, county in enumerate(counties):
        _county(city_admin, task, county, position, staff, rng)
    late = _task(city_admin, dataset, "office-change-2026q3", "办公用房变动情况", "2026年第3季度",
                 today, counties[:2])
    for assignment in list(late.assignments.select_related("unit").order_by("org_path"))[::2]:
        _accepted(city_admin, late, assignment.unit, staff, rng)
    ReportingTask.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=20))  # shown after its deadline
    flagged = reporting.flag_late_assignments()
    counts = reporting.summary(task)
    return (f"数据上报 reporting: 任务“{task.title}”{sum(counts.values())} 家单位（已接收 {counts['accepted']}、"
            f"待审核 {counts['submitted']}、退回 {counts['returned']}、未报 {counts['pending']}），"
            f"季度任务逾期 {flagged} 家")


def _dataset() -> Dataset:
    existing = Dataset.objects.filter(code=DATASET).first()
    if existing is not None:
        return existing
    admin = Account.objects.get(username="jx_admin")
    return catalog.create_dataset(admin, unit_id=admin.unit_id, code=DATASET, name="办公用房基本情况", layer="topic",
                                  frequency="yearly", fields=FIELDS, dirty_limit_percent="20",
                                  description="各级机关单位逐级上报的办公用房基本情况（人数、各类用房面积）。")


def _task(admin: Account, dataset: Dataset, code: str, title: str, period: str, deadline, counties) -> ReportingTask:
    task = reporting.create_task(admin, dataset_id=dataset.pk, code=code, title=title, period=period,
                                 deadline=deadline, region_codes=[c.code for c in counties], instructions=INSTRUCTIONS)
    return reporting.publish_task(admin, task.pk)


def _staff_counts(task: ReportingTask) -> dict[int, int]:
    units = OrgUnit.objects.filter(pk__in=task.assignments.values("unit_id")).annotate(
        staff=Count("people", filter=Q(people__status=PersonStatus.ACTIVE)))
    return {unit.pk: unit.staff for unit in units}


def _county(city_admin: Account, task: ReportingTask, county: Region, position: int, staff: dict,
            rng: random.Random) -> None:
    """The county's units in the state its position gives: the first two complete (their roll-ups accepted
    and submitted), the third with a return, a pending review and refused rows, the others half done."""
    units = [a.unit for a in task.assignments.filter(region=county).select_related("unit").order_by("org_path")]
    if position < 2:
        for unit in units:
            _accepted(city_admin, task, unit, staff, rng)
        clerk = _county_clerk(county)
        if clerk is not None:
            rollup = reporting.submit_rollup(clerk, RollUp.objects.get(task=task, region=county).pk)
            if position == 0:
                reporting.accept_rollup(city_admin, rollup.pk)
        return
    if position == 2 and len(units) >= 3:
        first = _submitted(task, units[0], staff, rng)
        if first.run.state == RunState.HELD:
            reporting.return_submission(city_admin, first.pk, RETURN_COMMENT)
        _submitted(task, units[1], staff, rng)
        _submitted(task, units[2], staff, rng, bad_row=True)
        units = units[3:]
    else:
        units = units[: max(1, len(units) // 2)]
    for unit in units[:-1]:
        _accepted(city_admin, task, unit, staff, rng)
    if units:
        _submitted(task, units[-1], staff, rng)


def _submitted(task: ReportingTask, unit: OrgUnit, staff: dict, rng: random.Random, *, bad_row: bool = False):
    reporter = _reporter(unit)
    rows = [_row(unit, staff.get(unit.pk, 0), rng)]
    if bad_row:
        rows.append({**_row(unit, staff.get(unit.pk, 0), rng), "unit_name": f"{unit.name}（附属用房）",
                     "office_area": "-35", "building_area": ""})
    submission = reporting.submit_rows(reporter, task.pk, rows=rows, unit_id=unit.pk)
    runs.execute(submission.run_id)
    submission.run.refresh_from_db()
    return submission


def _accepted(city_admin: Account, task: ReportingTask, unit: OrgUnit, staff: dict, rng: random.Random) -> None:
    submission = _submitted(task, unit, staff, rng)
    if submission.run.state == RunState.HELD:
        reporting.accept_submission(city_admin, submission.pk)


def _row(unit: OrgUnit, staff: int, rng: random.Random) -> dict:
    """Plausible figures: 7.5–12.5 ㎡ of office per person, service and equipment rooms in proportion."""
    people = staff or rng.randint(8, 45)
    office = round(people * rng.uniform(7.5, 12.5), 2)
    service = round(office * rng.uniform(0.3, 0.6), 2)
    equipment = round(office * rng.uniform(0.05, 0.15), 2)
    return {
        "unit_name": unit.name, "unit_category": _category_label(unit.category), "staff_count": people,
        "office_area": office, "service_area": service, "equipment_area": equipment,
        "building_area": round((office + service + equipment) / rng.uniform(0.62, 0.75), 2),
        "surveyed_on": (timezone.localdate() - timedelta(days=rng.randint(1, 20))).isoformat(),
    }


def _category_label(code: str) -> str:
    item = DictionaryItem.objects.filter(dictionary__code="unit_category", code=code).first()
    return item.label if item else ""


def _reporter(unit: OrgUnit) -> Account:
    """The unit's own administrator when it has one, else the city bureau submits for it."""
    own = [a for a in reporting.unit_reporters([unit]) if a.unit_id == unit.pk]
    return own[0] if own else Account.objects.get(username="nc_admin")


def _county_clerk(county: Region) -> Account | None:
    """The account acting for the county's bureau: an existing one, or a clerk ``report<code>`` made for it."""
    existing = reporting.bureau_accounts(county)
    if existing:
        return existing[0]
    bureau = (OrgUnit.objects.filter(region=county, is_bureau=True, active=True, kind=UnitKind.UNIT)
              .order_by("org_path").first())
    if bureau is None:
        return None
    person = bureau.people.filter(status=PersonStatus.ACTIVE, account__isnull=True).order_by("pk").first()
    account = Account.objects.create_user(f"report{county.code}", DEMO_PASSWORD, person=person, unit=bureau,
                                          display_name=person.name if person else f"{county.name}数据上报员",
                                          must_change_password=False)
    RoleAssignment.objects.create(account=account, role=Role.objects.get(code="region_bureau_admin"), unit=bureau)
    return account
