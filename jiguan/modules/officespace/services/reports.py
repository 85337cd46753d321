"""The annual statistics report (统计报告), rolled up and submitted level by level.

A report belongs to a region and a year and is prepared by that region's bureau (an account whose
office-space supervision scope is anchored at exactly that region). Its tables hold the region's own units,
computed from the ledger in a few aggregate queries, plus the frozen tables of the **accepted** reports one
level below: county → city → province. It is submitted to the bureau exactly one level up, which alone may
accept or return it; the figures are frozen at submission. A region's report cannot be submitted while a
report below it has not been accepted.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Case, Count, Q, Sum, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from jiguan.core import audit, notify
from jiguan.core.errors import NotAllowed, StateError
from jiguan.core.models import OrgUnit, Person, Region
from jiguan.core.models.audit import AccessKind
from jiguan.core.models.org import Level, PersonStatus, UnitKind
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import (
    acts_for_region,
    region_bureau_accounts,
    regions_acted_for,
    use_case,
)
from jiguan.core.services.inputs import (
    Errors,
    bounded_int,
    choice,
    find,
    refuse_unknown_fields,
    square_metres,
    text,
    unique,
)
from jiguan.core.statemachine import StateMachine, record

from .. import standards
from ..models import (
    FORBIDDEN_STATES,
    Building,
    BuildingState,
    ConstructionProject,
    ConstructionProjectKind,
    ConstructionProjectStatus,
    Room,
    RoomCategory,
    StatisticsReport,
    StatisticsReportState,
)
from ..module import SUPERVISE

RS = StatisticsReportState
REPORTING_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY)
LEVEL_BELOW = {Level.PROVINCE: Level.CITY, Level.CITY: Level.COUNTY}
FIRST_YEAR = 2000
MAX_INVESTMENT = Decimal("9999999999.99")  # 万元: what the column holds
PROJECT_FIELDS = {"name", "kind", "approved_area", "investment", "status"}
FROZEN = (RS.SUBMITTED, RS.ACCEPTED)

REPORT_MACHINE = StateMachine("state", {
    "compute": {RS.DRAFT: RS.DRAFT},
    "reopen": {RS.RETURNED: RS.DRAFT},
    "submit": {RS.DRAFT: RS.SUBMITTED},
    "accept": {RS.SUBMITTED: RS.ACCEPTED},
    "return": {RS.SUBMITTED: RS.RETURNED},
})

# 技术业务用房: the ledger has no category for them, so a room counts as technical/business space when its
# sub-type names one of these uses (whatever its category). This is the one place the mapping lives.
TECHNICAL_USES = (
    ("command", gettext_lazy("Command and dispatch"), ("指挥中心", "指挥调度", "应急指挥", "监控中心")),
    ("data_centre", gettext_lazy("Data centre and network"), ("数据中心", "网络机房", "信息机房", "服务器机房",
                                                              "中心机房")),
    ("laboratory", gettext_lazy("Laboratory, inspection and testing"), ("实验室", "检验", "检测", "化验")),
    ("petition", gettext_lazy("Petition reception"), ("信访",)),
    ("case_handling", gettext_lazy("Trials and case handling"), ("审判庭", "法庭", "办案", "讯问", "询问")),
    ("archive_store", gettext_lazy("Archive stores"), ("档案库",)),
)


# --- The tables' columns (screen, Excel and API share them) ---------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = "count"  # count · area · money · ratio · text
    group: str | Promise = ""  # a header spanning neighbouring columns
    shown: bool = True  # hidden columns are sums that ratios are derived from


@dataclass(frozen=True)
class Table:
    code: str
    number: str  # 表号
    title: str | Promise
    units: str | Promise  # 计量单位
    columns: tuple[Column, ...]

    @property
    def shown(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.shown)


AREA_GROUP = gettext_lazy("Usable area by category (㎡)")
GROSS_GROUP = gettext_lazy("Gross area by category (㎡)")
OVER_GROUP = gettext_lazy("Over standard")
IDLE_GROUP = gettext_lazy("Idle")
FORBIDDEN_GROUP = gettext_lazy("Rented or lent out (forbidden)")
CATEGORY_COLUMNS = tuple(
    Column(f"{category}_{measure}", label, "area", group)
    for measure, group in (("area", AREA_GROUP), ("gross", GROSS_GROUP))
    for category, label in RoomCategory.choices
)

TABLES = (
    Table("t1", "表1", gettext_lazy("Administrative divisions, agencies and staff"),
          gettext_lazy("agencies, people"), (
              Column("units", pgettext_lazy("statistics table", "Agencies")),
              Column("departments", gettext_lazy("Internal departments")),
              Column("people", gettext_lazy("People in post")),
              Column("leaders", gettext_lazy("of whom in leading posts")),
          )),
    Table("t2", "表2", gettext_lazy("Office space"), gettext_lazy("buildings, rooms, people, ㎡"), (
        Column("buildings", pgettext_lazy("statistics table", "Buildings")),
        Column("building_area", gettext_lazy("Gross floor area of buildings (㎡)"), "area"),
        Column("rooms", pgettext_lazy("statistics table", "Rooms")),
        Column("usable_area", gettext_lazy("Usable area (㎡)"), "area"),
        *CATEGORY_COLUMNS[:4],
        Column("gross_area", gettext_lazy("Gross area of rooms (㎡)"), "area"),
        *CATEGORY_COLUMNS[4:],
        Column("people", gettext_lazy("People in post")),
        Column("per_capita", gettext_lazy("Office area per person (㎡)"), "ratio"),
        Column("standard_per_capita", gettext_lazy("Standard per person (㎡)"), "ratio"),
        Column("ranked_people", "", shown=False),
        Column("entitlement", "", "area", shown=False),
        Column("over_count", pgettext_lazy("statistics table", "Offices"), group=OVER_GROUP),
        Column("over_area", pgettext_lazy("statistics table", "Area (㎡)"), "area", OVER_GROUP),
        Column("idle_count", pgettext_lazy("statistics table", "Rooms"), group=IDLE_GROUP),
        Column("idle_area", pgettext_lazy("statistics table", "Area (㎡)"), "area", IDLE_GROUP),
        Column("forbidden_count", pgettext_lazy("statistics table", "Rooms"), group=FORBIDDEN_GROUP),
        Column("forbidden_area", pgettext_lazy("statistics table", "Area (㎡)"), "area", FORBIDDEN_GROUP),
    )),
    Table("t3", "表3", gettext_lazy("Technical and business rooms"), gettext_lazy("rooms, ㎡"), (
        *(Column(f"{code}_{measure}", label, kind, use)
          for code, use, _words in TECHNICAL_USES
          for measure, label, kind in (("count", pgettext_lazy("statistics table", "Rooms"), "count"),
                                       ("area", pgettext_lazy("statistics table", "Area (㎡)"), "area"))),
        Column("total_count", pgettext_lazy("statistics table", "Rooms"), group=pgettext_lazy("statistics table", "Total")),
        Column("total_area", pgettext_lazy("statistics table", "Area (㎡)"), "area", pgettext_lazy("statistics table", "Total")),
    )),
    Table("t4", "表4", gettext_lazy("Construction projects"), gettext_lazy("projects, ㎡, 10,000 yuan"), (
        Column("name", gettext_lazy("Project name"), "text"),
        Column("kind", gettext_lazy("Project type"), "text"),
        Column("status", gettext_lazy("Project status"), "text"),
        Column("projects", pgettext_lazy("statistics table", "Projects")),
        Column("approved_area", gettext_lazy("Approved area (㎡)"), "area"),
        Column("investment", gettext_lazy("Investment (10,000 yuan)"), "money"),
    )),
)
TABLE_BY_CODE = {table.code: table for table in TABLES}


# --- Figures of a region's own units, straight from the ledger ----------------------------------------


def own_prefix(region: Region) -> str:
    """Org paths of the units of this region itself (``3601/``), not of the regions below it (``360102/``)."""
    return f"{region.key}/"


def agencies_and_staff(region: Region) -> dict:
    """表1: agencies, internal departments, people in post and those in leading posts (two queries)."""
    prefix = own_prefix(region)
    units = OrgUnit.objects.filter(org_path__under=prefix, active=True).aggregate(
        units=Count("pk", filter=Q(kind=UnitKind.UNIT)), departments=Count("pk", filter=Q(kind=UnitKind.DEPARTMENT)),
    )
    people = Person.objects.filter(org_path__under=prefix, status=PersonStatus.ACTIVE).aggregate(
        people=Count("pk"), leaders=Count("pk", filter=Q(rank__is_leader=True)),
    )
    return {**units, **people}


def office_space(region: Region) -> dict:
    """表2: buildings, rooms and areas by category, per-capita office area against the standard, over-standard,
    idle and forbidden space. The over-standard and idle figures are ``standards.analysis`` itself."""
    prefix = own_prefix(region)
    rooms = Room.objects.filter(org_path__under=prefix)
    analysis = standards.analysis(rooms)
    values = {
        "rooms": sum(row["count"] for row in analysis["by_category"].values()),
        "usable_area": analysis["total_area"],
        "over_count": analysis["over_standard_count"], "over_area": analysis["over_standard_area"],
        "idle_count": analysis["idle_count"], "idle_area": analysis["idle_area"],
        **{f"{category}_area": row["area"] for category, row in analysis["by_category"].items()},
    }
    values.update(_gross_and_forbidden(rooms))
    values.update(Building.objects.filter(org_path__under=prefix, state=BuildingState.IN_USE).aggregate(
        buildings=Count("pk"), building_area=Sum("gross_area"),
    ))
    values.update(Person.objects.filter(org_path__under=prefix, status=PersonStatus.ACTIVE)
                  .annotate(limit=standards.person_limit())
                  .aggregate(people=Count("pk"), ranked_people=Count("limit"), entitlement=Sum("limit")))
    return values


def _gross_and_forbidden(rooms) -> dict:
    forbidden = Q(state__in=FORBIDDEN_STATES)
    values = {f"{category}_gross": standards.ZERO for category in RoomCategory.values}
    values.update(forbidden_count=0, forbidden_area=standards.ZERO)
    for row in rooms.filter(retired=False).order_by().values("category").annotate(
        gross=Sum("gross_area"), forbidden_count=Count("pk", filter=forbidden),
        forbidden_area=Sum("usable_area", filter=forbidden),
    ):
        values[f"{row['category']}_gross"] = row["gross"] or standards.ZERO
        values["forbidden_count"] += row["forbidden_count"]
        values["forbidden_area"] += row["forbidden_area"] or standards.ZERO
    values["gross_area"] = sum((values[f"{c}_gross"] for c in RoomCategory.values), standards.ZERO)
    return values


def technical_rooms(region: Region) -> dict:
    """表3: rooms whose sub-type marks them as technical or business space (``TECHNICAL_USES``), one query."""
    use = Case(*(When(subtype__contains=word, then=Value(code)) for code, _label, words in TECHNICAL_USES
                 for word in words), default=Value(""))
    values = {f"{code}_{m}": 0 for code, _label, _words in TECHNICAL_USES for m in ("count", "area")}
    rows = (Room.objects.filter(org_path__under=own_prefix(region), retired=False).annotate(use=use)
            .exclude(use="").order_by().values("use").annotate(count=Count("pk"), area=Sum("usable_area")))
    for row in rows:
        values[f"{row['use']}_count"], values[f"{row['use']}_area"] = row["count"], row["area"]
    values["total_count"] = sum(values[f"{code}_count"] for code, _l, _w in TECHNICAL_USES)
    values["total_area"] = sum((Decimal(values[f"{code}_area"]) for code, _l, _w in TECHNICAL_USES), Decimal(0))
    return values


def project_rows(report: StatisticsReport) -> list[dict]:
    """表4: the construction projects the bureau entered in this report."""
    return [
        {"name": p.name, "kind": p.kind, "status": p.status, "projects": 1, "approved_area": p.approved_area,
         "investment": p.investment}
        for p in report.projects.order_by("pk")
    ]


# --- Composing a report: own figures + the accepted reports below -----------------------------------


def _number(value):
    if value is None:
        return 0
    if isinstance(value, int | str):
        return value
    return float(Decimal(str(value)).quantize(standards.CENT))


def _finish(code: str, values: dict) -> dict:
    """Round sums for JSON and derive the ratios of 表2 from its sums."""
    table = TABLE_BY_CODE[code]
    done = {c.key: _number(values.get(c.key)) for c in table.columns if c.kind != "ratio" and c.key in values}
    if code == "t2":
        done["per_capita"] = _ratio(done["office_area"], done["people"])
        done["standard_per_capita"] = _ratio(done["entitlement"], done["ranked_people"])
    return done


def _ratio(part, whole) -> float | None:
    return float((Decimal(str(part)) / whole).quantize(standards.CENT)) if whole else None


def _sum(code: str, rows: list[dict]) -> dict:
    """The additive columns summed over ``rows``, then finished (ratios derived from the sums)."""
    totals = {}
    for column in TABLE_BY_CODE[code].columns:
        if column.kind in ("count", "area", "money"):
            total = sum((Decimal(str(row["values"].get(column.key, 0))) for row in rows), Decimal(0))
            totals[column.key] = int(total) if column.kind == "count" else total
    return _finish(code, totals)


def _row(region: Region, kind: str, depth: int, values: dict) -> dict:
    return {"region": region.code, "name": region.name, "kind": kind, "depth": depth, "values": values}


def lower_regions(region: Region):
    """The regions one level below whose reports this region's report rolls up."""
    below = LEVEL_BELOW.get(region.level)
    return Region.objects.filter(parent=region, level=below).order_by("code") if below else Region.objects.none()


def compose(report: StatisticsReport) -> dict:
    """The report's four tables now: the region's own units from the ledger, then each region below with the
    frozen tables of its accepted report (a region not yet accepted is left out, and listed in ``missing``)."""
    region = report.region
    below = list(lower_regions(region))
    accepted = {r.region_id: r for r in StatisticsReport.objects.filter(
        region__in=below, year=report.year, state=RS.ACCEPTED)}
    grouped = bool(below)
    own = {"t1": agencies_and_staff(region), "t2": office_space(region), "t3": technical_rooms(region)}
    tables = {}
    for code in ("t1", "t2", "t3"):
        rows = [_row(region, "own" if grouped else "region", 0, _finish(code, own[code]))]
        for lower in below:
            if lower.code in accepted:
                rows += _rows_of(accepted[lower.code], code)
        tables[code] = {"rows": rows, "total": _sum(code, [r for r in rows if r["depth"] == 0])}
    projects = [_finish("t4", values) for values in project_rows(report)]
    own_projects = [_row(region, "own" if grouped else "region", 0, _sum("t4", [{"values": p} for p in projects]))]
    own_projects += [{**_row(region, "project", 1, p), "name": p["name"]} for p in projects]
    for lower in below:
        if lower.code in accepted:
            own_projects += _rows_of(accepted[lower.code], "t4")
    tables["t4"] = {"rows": own_projects, "total": _sum("t4", [r for r in own_projects if r["depth"] == 0])}
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "year": report.year,
        "grouped": grouped,
        "included": [{"code": code, "report": r.pk} for code, r in sorted(accepted.items())],
        "missing": [lower.code for lower in below if lower.code not in accepted],
        "tables": tables,
    }


def _rows_of(lower: StatisticsReport, code: str) -> list[dict]:
    """A lower report's frozen rows as they stand in the report above: a region with regions below it gets
    a subtotal row and its own rows indented beneath."""
    snapshot = lower.tables
    table = snapshot["tables"][code]
    if not snapshot.get("grouped"):
        return table["rows"]
    return [_row(lower.region, "subtotal", 0, table["total"]),
            *({**row, "depth": row["depth"] + 1} for row in table["rows"])]


# --- Who acts --------------------------------------------------------------------------------------------


def bureau_regions(user) -> list[Region]:
    """The regions whose bureau ``user`` acts for: office-space supervision anchored at exactly that region."""
    return list(regions_acted_for(user, SUPERVISE).filter(level__in=REPORTING_LEVELS))


def acts_for(user, region: Region | None) -> bool:
    return acts_for_region(user, region, SUPERVISE)


def allowed_actions(user, report: StatisticsReport) -> set[str]:
    """What the viewer may do with the report now (the buttons shown; the services check again)."""
    actions = {"download"}
    if acts_for(user, report.region) and report.state not in FROZEN:
        actions |= {"compute", "edit_projects", "submit"}
    if acts_for(user, report.region.parent) and report.state == RS.SUBMITTED:
        actions |= {"accept", "return"}
    return actions


def _require_own_bureau(user, report_region: Region) -> None:
    if not acts_for(user, report_region):
        raise NotAllowed(_("Only the bureau of %(region)s prepares and submits its statistics report.")
                         % {"region": report_region.name})


def _require_bureau_above(user, report: StatisticsReport) -> None:
    parent = report.region.parent
    if not acts_for(user, parent):
        raise NotAllowed(_("Only the bureau one level up (%(region)s) can accept or return this report.")
                         % {"region": parent.name if parent else "—"})


def bureau_accounts(region: Region | None) -> list:
    """The accounts acting for the bureau of ``region``: who is told about its reports."""
    return region_bureau_accounts(region, SUPERVISE)


def bureau_unit(region: Region) -> OrgUnit | None:
    """The bureau (机关事务管理局 / 服务中心) of the region: the 填报单位 of its report."""
    return (OrgUnit.objects.filter(region=region, is_bureau=True, active=True, kind=UnitKind.UNIT, parent=None)
            .order_by("org_path").first())


# --- Use cases -------------------------------------------------------------------------------------------


def _report(user, report_id, *, lock: bool = True) -> StatisticsReport:
    queryset = StatisticsReport.objects.select_related("region")  # the nullable parent stays out of FOR UPDATE
    return get_in_scope(StatisticsReport, user, SUPERVISE, report_id, lock=lock, queryset=queryset)


def _label(report: StatisticsReport) -> str:
    return _("%(region)s statistics report %(year)s") % {"region": report.region.name, "year": report.year}


@use_case
def start_report(user, *, region_code, year) -> StatisticsReport:
    """The bureau opens its region's report for a year, as a draft computed from the ledger."""
    require(user, SUPERVISE)
    errors = Errors()
    region = find(Region.objects.filter(level__in=REPORTING_LEVELS), region_code)
    if region is None:
        errors.add("region_code", _("There is no province, city or county with the code “%(code)s”.")
                   % {"code": region_code})
    year = bounded_int(errors, "year", year, label=_("report year"), low=FIRST_YEAR, high=timezone.localdate().year)
    errors.raise_if_any()
    _require_own_bureau(user, region)
    taken = _("The statistics report of %(region)s for %(year)s already exists.") % {"region": region.name,
                                                                                      "year": year}
    if StatisticsReport.objects.filter(region=region, year=year).exists():
        errors.add("year", taken)
        errors.raise_if_any()
    report = StatisticsReport(region=region, year=year)
    with unique("year", taken):
        report.save()
    record(report, "start", "", RS.DRAFT, actor=user)
    _refresh(report)
    return report


def _refresh(report: StatisticsReport) -> None:
    report.tables = compose(report)
    report.computed_at = timezone.now()
    report.save()


def _reopen_if_returned(user, report: StatisticsReport) -> None:
    """Working on a returned report makes it a draft again."""
    if report.state == RS.RETURNED:
        REPORT_MACHINE.transition(report, "reopen", actor=user)
    if report.state in FROZEN:
        raise StateError(_("The report has been %(state)s and its figures are frozen.")
                         % {"state": report.get_state_display()})


@use_case
def compute_report(user, report_id) -> StatisticsReport:
    """Recompute a draft (or returned) report from the ledger and the accepted reports below."""
    report = _report(user, report_id)
    _require_own_bureau(user, report.region)
    _reopen_if_returned(user, report)
    REPORT_MACHINE.transition(report, "compute", actor=user, tables=compose(report), computed_at=timezone.now())
    return report


@use_case
def submit_report(user, report_id) -> StatisticsReport:
    """Freeze the figures and send the report to the bureau one level up. Every report one level below must
    have been accepted first; the province's report is final when submitted (no bureau above it here)."""
    report = _report(user, report_id)
    _require_own_bureau(user, report.region)
    _reopen_if_returned(user, report)
    below = list(lower_regions(report.region))
    states = dict(StatisticsReport.objects.select_for_update().filter(region__in=below, year=report.year)
                  .values_list("region_id", "state"))
    waiting = [lower for lower in below if states.get(lower.code) != RS.ACCEPTED]
    if waiting:
        names = "、".join(f"{lower.name}（{_state_label(states.get(lower.code))}）" for lower in waiting)
        raise StateError(_("The report can be submitted only when every report one level below has been accepted. "
                           "Not accepted yet: %(regions)s.") % {"regions": names})
    now = timezone.now()
    REPORT_MACHINE.transition(report, "submit", actor=user, tables=compose(report), computed_at=now,
                              submitted_at=now, submitted_by=user, decided_at=None, decided_by=None)
    _tell(bureau_accounts(report.region.parent), report,
          _("%(report)s has been submitted for your review.") % {"report": _label(report)})
    return report


def _state_label(state: str | None) -> str:
    return str(RS(state).label) if state else _("not started")


@use_case
def accept_report(user, report_id) -> StatisticsReport:
    report = _report(user, report_id)
    _require_bureau_above(user, report)
    _require_submitted(report)
    REPORT_MACHINE.transition(report, "accept", actor=user, decided_at=timezone.now(), decided_by=user)
    _tell(bureau_accounts(report.region), report, _("%(report)s has been accepted.") % {"report": _label(report)})
    return report


@use_case
def return_report(user, report_id, reason) -> StatisticsReport:
    """Send a submitted report back to its bureau with the reason; it can be corrected and resubmitted."""
    report = _report(user, report_id)
    _require_bureau_above(user, report)
    errors = Errors()
    reason = text(errors, "reason", reason, label=_("reason for return"), max_length=500)
    errors.raise_if_any()
    _require_submitted(report)
    REPORT_MACHINE.transition(report, "return", actor=user, comment=reason, return_reason=reason,
                              decided_at=timezone.now(), decided_by=user)
    _tell(bureau_accounts(report.region), report,
          _("%(report)s has been returned: %(reason)s") % {"report": _label(report), "reason": reason})
    return report


def _require_submitted(report: StatisticsReport) -> None:
    if report.state != RS.SUBMITTED:
        raise StateError(_("Only a submitted report can be accepted or returned; this one is %(state)s.")
                         % {"state": report.get_state_display()})


def _tell(accounts: list, report: StatisticsReport, title: str) -> None:
    notify.send(accounts, title, link=notify.link_to("manage:officespace:report", report.pk),
                category="officespace.report")


# --- 表4: construction projects entered in the report ----------------------------------------------------


@use_case
def add_project(user, report_id, *, name, kind, approved_area, investment, status) -> ConstructionProject:
    report = _report(user, report_id)
    _require_own_bureau(user, report.region)
    project = ConstructionProject(report=report)
    _set_project_fields(project, {"name": name, "kind": kind, "approved_area": approved_area,
                                  "investment": investment, "status": status})
    _reopen_if_returned(user, report)
    project.save()
    record(report, "add_project", actor=user, comment=project.name)
    _refresh(report)
    return project


@use_case
def update_project(user, project_id, **changes) -> ConstructionProject:
    refuse_unknown_fields(changes, PROJECT_FIELDS)
    project, report = _project(user, project_id)
    _set_project_fields(project, changes)
    _reopen_if_returned(user, report)
    project.save()
    record(report, "change_project", actor=user, comment=project.name)
    _refresh(report)
    return project


@use_case
def delete_project(user, project_id) -> StatisticsReport:
    project, report = _project(user, project_id)
    _reopen_if_returned(user, report)
    project.delete()
    record(report, "remove_project", actor=user, comment=project.name)
    _refresh(report)
    return report


def _project(user, project_id) -> tuple[ConstructionProject, StatisticsReport]:
    project = get_in_scope(ConstructionProject, user, SUPERVISE, project_id, lock=True)
    report = _report(user, project.report_id)
    _require_own_bureau(user, report.region)
    project.report = report
    return project, report


def _set_project_fields(project: ConstructionProject, values: dict) -> None:
    errors = Errors()
    if "name" in values:
        project.name = text(errors, "name", values["name"], label=_("project name"), max_length=100)
    if "kind" in values:
        project.kind = choice(errors, "kind", values["kind"], label=_("project type"), choices=ConstructionProjectKind)
    if "approved_area" in values:
        project.approved_area = square_metres(errors, "approved_area", values["approved_area"],
                                              label=_("approved area"))
    if "investment" in values:
        project.investment = _ten_thousand_yuan(errors, "investment", values["investment"])
    if "status" in values:
        project.status = choice(errors, "status", values["status"], label=_("project status"),
                                choices=ConstructionProjectStatus)
    errors.raise_if_any()


def _ten_thousand_yuan(errors: Errors, field: str, value) -> Decimal | None:
    """An investment in 万元: a number of 0 or more with at most two decimals."""
    try:
        number = Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.as_tuple().exponent < -2 or not 0 <= number <= MAX_INVESTMENT:
        errors.add(field, _("The investment must be a number of 10,000 yuan, 0 or more, with at most two decimals."))
        return None
    return number


# --- Reading the tables: screen, API and the workbook share these ----------------------------------------


@dataclass(frozen=True)
class ShownRow:
    label: str
    depth: int
    kind: str  # region · own · subtotal · project · total
    cells: list


def row_label(row: dict) -> str:
    if row["kind"] == "own":
        return _("%(region)s (own units)") % {"region": row["name"]}
    if row["kind"] == "subtotal":
        return _("%(region)s subtotal") % {"region": row["name"]}
    return row["name"]


def _cell(column: Column, values: dict):
    value = values.get(column.key)
    if column.key == "kind" and value:
        return str(ConstructionProjectKind(value).label)
    if column.key == "status" and value:
        return str(ConstructionProjectStatus(value).label)
    return value


def header_groups(table: Table) -> list[tuple[str, int, bool]]:
    """The first header row: ``(label, columns spanned, grouped)``; an ungrouped column spans both rows."""
    groups: list[tuple[str, int, bool]] = []
    for column in table.shown:
        if column.group and groups and groups[-1][2] and groups[-1][0] == str(column.group):
            label, span, _grouped = groups[-1]
            groups[-1] = (label, span + 1, True)
        else:
            groups.append((str(column.group), 1, True) if column.group else (str(column.label), 1, False))
    return groups


def shown_tables(report: StatisticsReport) -> list[dict]:
    """Each table with its header groups, its rows as labelled cells and its 合计 row."""
    snapshot = report.tables.get("tables", {})
    shown = []
    for table in TABLES:
        data = snapshot.get(table.code, {"rows": [], "total": {}})
        shown.append({
            "table": table,
            "first": first_column_label(table),
            "groups": header_groups(table),
            "subheaders": [c for c in table.shown if c.group],
            "rows": [ShownRow(row_label(r), r["depth"], r["kind"], [_cell(c, r["values"]) for c in table.shown])
                     for r in data["rows"]],
            "total": ShownRow(pgettext("statistics table", "Total"), 0, "total", [_cell(c, data["total"]) for c in table.shown]),
        })
    return shown


def is_draft(report: StatisticsReport) -> bool:
    return report.state not in FROZEN


def first_column_label(table: Table) -> str:
    return _("Region / project") if table.code == "t4" else _("Region")


# --- The workbook (national template layout) ----------------------------------------------------------

NUMBER_FORMATS = {"count": "#,##0", "area": "#,##0.00", "money": "#,##0.00", "ratio": "0.00"}
HEADER_ROW = 4  # rows 1–3: title, 表号 · 填报单位 · 年度 · 计量单位, blank


def workbook_name(report: StatisticsReport) -> str:
    suffix = "" if not is_draft(report) else _("(draft)")
    return f"{_label(report)}{suffix}.xlsx"


def workbook_for_download(report: StatisticsReport, address: str):
    """The report's workbook in a temporary file, rewound; the download is access-logged."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    write_workbook(report, spool)
    spool.seek(0)
    audit.log_access(AccessKind.EXPORT, address, detail=f"officespace.report {report.pk}", method="GET", status=200)
    return spool


def write_workbook(report: StatisticsReport, target) -> None:
    """The report as an .xlsx in the template's layout: one sheet per table, title rows, two header rows,
    the region rows (subtotals in bold, lower regions indented) and the 合计 row; numbers formatted."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    bureau = bureau_unit(report.region)
    for shown in shown_tables(report):
        _write_sheet(book, report, shown, bureau.name if bureau else report.region.name)
    book.save(target)


def _write_sheet(book, report: StatisticsReport, shown: dict, filler: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    table: Table = shown["table"]
    sheet = book.create_sheet(f"{table.number} {table.title}"[:31])
    width = len(table.shown) + 1
    title = str(table.title) if not is_draft(report) else _("%(title)s (draft, not submitted)") % {
        "title": table.title}
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    meta = (_("Table no.: %(number)s") % {"number": table.number}, _("Reporting unit: %(unit)s") % {"unit": filler},
            _("Year: %(year)s") % {"year": report.year}, _("Units: %(units)s") % {"units": table.units})
    for column, value in zip((1, 2, max(3, width - 1), max(4, width)), meta, strict=True):
        sheet.cell(2, column, value)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="E8EEF7")
    _write_header(sheet, table, shown["groups"], shown["first"])
    for row in range(HEADER_ROW, HEADER_ROW + 2):
        for column in range(1, width + 1):
            cell = sheet.cell(row, column)
            cell.font, cell.fill, cell.border = Font(bold=True), head_fill, box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    line = HEADER_ROW + 2
    for row in [*shown["rows"], shown["total"]]:
        bold = row.kind in ("subtotal", "total")
        label = sheet.cell(line, 1, row.label)
        label.alignment = Alignment(indent=row.depth * 2)
        for position, (column, value) in enumerate(zip(table.shown, row.cells, strict=True), start=2):
            cell = sheet.cell(line, position, value)
            cell.number_format = NUMBER_FORMATS.get(column.kind, "General")
        for column in range(1, width + 1):
            cell = sheet.cell(line, column)
            cell.border = box
            if bold:
                cell.font = Font(bold=True)
        line += 1
    sheet.column_dimensions["A"].width = 34
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 2, 2)


def _write_header(sheet, table: Table, groups: list[tuple[str, int, bool]], first: str) -> None:
    from openpyxl.utils import get_column_letter

    top, below = HEADER_ROW, HEADER_ROW + 1
    sheet.cell(top, 1, first)
    sheet.merge_cells(start_row=top, start_column=1, end_row=below, end_column=1)
    column = 2
    for label, span, grouped in groups:
        sheet.cell(top, column, label)
        if grouped:
            sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + span - 1)
        else:
            sheet.merge_cells(start_row=top, start_column=column, end_row=below, end_column=column)
        column += span
    for position, spec in enumerate(table.shown, start=2):
        if spec.group:
            sheet.cell(below, position, str(spec.label))
        sheet.column_dimensions[get_column_letter(position)].width = 14
