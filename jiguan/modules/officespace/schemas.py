"""The office-space API's contract: query filters, request bodies and responses (pydantic / ninja).

Field titles are English msgids (``gettext_noop``): the API's error translator names a bad field by them.
Areas are square metres as JSON numbers. The busiest lists (rooms, over-standard, idle) are built as
plain dicts and validated as ``Row`` models, like the kernel's people list.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop as N_
from ninja import Field, Schema

from jiguan.api.pagination import CountedPageQuery, PageQuery, sort_by
from jiguan.api.schemas import Choice, ChoiceRow, Input, RegionRef, Row, UnitRef, UnitRow, choice
from jiguan.api.timeline import TimelineOut

from .models import BuildingState, RecoveryState, RoomCategory, RoomState

ROOM_ORDER = {
    "location": ("building_id", "floor__number", "number", "id"),
    "number": ("number", "id"),
    "area": ("usable_area", "id"),
    "-area": ("-usable_area", "-id"),
}
OVER_STANDARD_ORDER = {"-excess": ("-excess", "id"), "location": ("building_id", "floor__number", "number", "id")}
IDLE_ORDER = {"idle_since": ("idle_since", "id"), "-area": ("-usable_area", "-id"),
              "location": ("building_id", "floor__number", "number", "id")}
COMPOUND_ORDER = {"org": ("org_path", "name", "id"), "name": ("name", "id")}
BUILDING_ORDER = {"compound": ("compound_id", "name", "id"), "name": ("name", "id"),
                  "year_built": ("year_built", "id"), "-year_built": ("-year_built", "-id")}
RECOVERY_ORDER = {"due_on": ("due_on", "id"), "-opened_on": ("-opened_on", "-id")}


# --- reference data --------------------------------------------------------------------------------


class RankOut(Schema):
    id: int
    code: str
    name: str


class StandardOut(Schema):
    id: int
    level: Choice = Field(description="政府层级：national 中央 / province 省级 / city 市级 / county 县级 / township 乡级")
    rank: RankOut
    area: float = Field(description="办公室使用面积标准（㎡/人）")
    region: RegionRef | None = Field(description="本省自定标准的行政区划；全国标准为 null")
    source: str = Field(description="依据")

    @staticmethod
    def resolve_level(standard) -> dict:
        return choice(standard.rank, "level")


# --- the ledger: compounds and buildings ---------------------------------------------------------


class CompoundFilter(PageQuery):
    unit: int | None = Field(None, title=N_("Unit"), description="管理单位 ID")
    region: str | None = Field(None, pattern=r"^\d{6}$", title=N_("Region"), description="所在行政区划代码")
    sort: sort_by(COMPOUND_ORDER) = "org"


class CompoundRef(Schema):
    id: int
    name: str


class CompoundOut(Schema):
    id: int
    name: str
    unit: UnitRef = Field(description="管理单位")
    region: RegionRef
    address: str
    land_area: float | None = Field(description="占地面积（㎡）")
    building_count: int = Field(description="楼栋数")


class BuildingFilter(PageQuery):
    compound: int | None = Field(None, title=N_("Compound"), description="院落 ID")
    unit: int | None = Field(None, title=N_("Unit"), description="登记台账的单位 ID")
    state: BuildingState | None = Field(None, title=N_("State"))
    sort: sort_by(BUILDING_ORDER) = "compound"


class BuildingOut(Schema):
    id: int
    name: str
    compound: CompoundRef
    unit: UnitRef = Field(description="登记台账的单位")
    address: str
    year_built: int = Field(description="建成年份")
    floors_above: int = Field(description="地上层数")
    floors_below: int = Field(description="地下层数")
    gross_area: float = Field(description="建筑面积（㎡）")
    structure: Choice
    state: Choice

    @staticmethod
    def resolve_structure(building) -> dict:
        return choice(building, "structure")

    @staticmethod
    def resolve_state(building) -> dict:
        return choice(building, "state")


class FloorOut(Schema):
    number: int = Field(description="楼层，负数为地下层（-1 即 B1）")
    label: str = Field(description="如 3F、B1")
    rooms: int = Field(description="房间数")


class BuildingDetailOut(BuildingOut):
    floors: list[FloorOut]


class CompoundDetailOut(CompoundOut):
    building_list: list[BuildingOut] = Field(description="院内楼栋")


# --- rooms ---------------------------------------------------------------------------------------


class RoomFilter(CountedPageQuery):
    unit: int | None = Field(None, title=N_("Unit"), description="使用单位 ID")
    building: int | None = Field(None, title=N_("Building"), description="楼栋 ID")
    category: RoomCategory | None = Field(None, title=N_("Category"))
    state: RoomState | None = Field(None, title=N_("State"))
    number: str | None = Field(None, max_length=20, title=N_("Room number"), description="房间号（前缀匹配）")
    sort: sort_by(ROOM_ORDER) = "location"


class RoomSetFilter(PageQuery):
    """The over-standard and idle lists: a page of the caller's rooms, optionally of one unit."""

    unit: int | None = Field(None, title=N_("Unit"), description="使用单位 ID")


class OverStandardFilter(RoomSetFilter):
    sort: sort_by(OVER_STANDARD_ORDER) = "-excess"


class IdleFilter(RoomSetFilter):
    sort: sort_by(IDLE_ORDER) = "idle_since"


class BuildingRow(Row):
    id: int
    name: str


class RoomOut(Row):
    id: int
    number: str
    building: BuildingRow
    floor: int = Field(description="楼层，负数为地下层")
    unit: UnitRow = Field(description="使用单位")
    category: ChoiceRow
    subtype: str = Field(description="具体用途，如会议室、档案室")
    usable_area: float = Field(description="使用面积（㎡）")
    desks: int = Field(description="办公室工位数")
    occupants: int = Field(description="当前在用人数")
    state: ChoiceRow
    idle_since: date | None = Field(description="闲置起始日期")


class OverStandardOut(RoomOut):
    entitlement: float = Field(description="核定面积：在用人员标准之和（㎡）")
    excess: float = Field(description="超标面积（㎡）")


class PersonRef(Schema):
    id: int
    name: str


class OccupantOut(Schema):
    occupancy_id: int
    person: PersonRef
    rank: str | None = Field(description="职级")
    limit: float | None = Field(description="本人办公室使用面积标准（㎡）；未登记职级为 null")
    start: date
    concurrent_post: bool = Field(description="是否为兼职办公室")


class RoomDetailOut(RoomOut):
    gross_area: float | None = Field(description="建筑面积（㎡）")
    retired: bool = Field(description="是否已注销")
    entitlement: float = Field(description="核定面积：在用人员标准之和（㎡）")
    excess: float = Field(description="超标面积（㎡），不超标为 0")
    occupant_list: list[OccupantOut] = Field(description="当前使用人")
    timeline: list[TimelineOut] = Field(description="状态变更与使用人变动记录")


class RoomCreateIn(Input):
    building_id: int = Field(title=N_("Building"))
    floor_number: int = Field(ge=-5, le=200, title=N_("Floor"), description="楼层，负数为地下层")
    number: str = Field(max_length=20, title=N_("Room number"))
    category: RoomCategory = Field(title=N_("Category"))
    usable_area: float = Field(gt=0, le=100000, title=N_("Usable area"), description="使用面积（㎡）")
    unit_id: int | None = Field(None, title=N_("Unit"), description="使用单位；不填为楼栋的登记单位")
    subtype: str = Field("", max_length=40, title=N_("Sub-type"))
    gross_area: float | None = Field(None, gt=0, le=100000, title=N_("Gross area"), description="建筑面积（㎡）")
    state: RoomState = Field(RoomState.IN_USE, title=N_("State"))


class RoomPatchIn(Input):
    """Only the fields sent are changed; the state has its own endpoint."""

    number: str = Field(None, max_length=20, title=N_("Room number"))
    category: RoomCategory = Field(None, title=N_("Category"))
    usable_area: float = Field(None, gt=0, le=100000, title=N_("Usable area"))
    unit_id: int = Field(None, title=N_("Unit"))
    subtype: str = Field(None, max_length=40, title=N_("Sub-type"))
    gross_area: float | None = Field(None, gt=0, le=100000, title=N_("Gross area"))
    desks: int = Field(None, ge=0, le=50, title=N_("Desks"))


class RoomStateIn(Input):
    state: RoomState = Field(title=N_("State"), description="出租、出借、经营为违规使用：记录并生成违规事件")
    comment: str = Field("", max_length=500, title=N_("Remarks"), description="变更说明")


# --- occupancies and recoveries -------------------------------------------------------------------


class RoomRef(Schema):
    id: int
    label: str = Field(description="楼栋与房间号")

    @staticmethod
    def resolve_label(room) -> str:
        return str(room)


class OccupancyIn(Input):
    room_id: int = Field(title=N_("Room"))
    person_id: int = Field(title=N_("Person"))
    start: date | None = Field(None, title=N_("Start date"), description="起用日期；不填为今天")
    concurrent_post: bool = Field(False, title=N_("Office of a concurrent post"),
                                  description="已有办公室的人员另占兼职办公室时为 true")


class ReleaseIn(Input):
    end: date | None = Field(None, title=N_("End date"), description="停用日期；不填为今天")


class OccupancyOut(Schema):
    id: int
    room: RoomRef
    person: PersonRef
    start: date
    end: date | None
    concurrent_post: bool


class RecoveryFilter(PageQuery):
    state: RecoveryState | None = Field(None, title=N_("State"))
    unit: int | None = Field(None, title=N_("Unit"), description="使用单位 ID")
    sort: sort_by(RECOVERY_ORDER) = "due_on"


class RecoveryOut(Schema):
    id: int
    person: PersonRef
    room: RoomRef
    unit: UnitRef
    reason: Choice
    state: Choice
    opened_on: date
    due_on: date = Field(description="应腾退日期")
    recovered_on: date | None
    event_id: int | None = Field(description="逾期时生成的事件 ID")

    @staticmethod
    def resolve_person(recovery):
        return recovery.occupancy.person

    @staticmethod
    def resolve_room(recovery):
        return recovery.occupancy.room

    @staticmethod
    def resolve_reason(recovery) -> dict:
        return choice(recovery, "reason")

    @staticmethod
    def resolve_state(recovery) -> dict:
        return choice(recovery, "state")


# --- analysis and my office -------------------------------------------------------------------------


class CategoryTotal(Schema):
    category: Choice
    count: int
    area: float = Field(description="使用面积合计（㎡）")


class AnalysisOut(Schema):
    by_category: list[CategoryTotal]
    total_area: float = Field(description="使用面积合计（㎡）")
    office_area: float = Field(description="办公室使用面积（㎡）")
    office_entitlement: float = Field(description="按在用人员标准核定的办公室面积（㎡）")
    over_standard_count: int = Field(description="超标办公室间数")
    over_standard_area: float = Field(description="超标面积（㎡）")
    idle_count: int = Field(description="闲置房间数")
    idle_area: float = Field(description="闲置面积（㎡）")
    idle_rate: float = Field(description="闲置率（闲置面积 / 使用面积，0–1）")


class MyOfficeOut(Schema):
    room: RoomRef
    building: str
    address: str
    floor: str
    usable_area: float = Field(description="使用面积（㎡）")
    co_occupants: int = Field(description="同室其他人数")
    my_limit: float | None = Field(description="本人办公室使用面积标准（㎡）")
    entitlement: float = Field(description="本室核定面积（㎡）")
    concurrent_post: bool
    start: date
