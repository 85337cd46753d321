"""Demo catalog: the province's data sources (the organisation department's HR system, the bureau's asset
system, the cities' reporting, manual uploads), store datasets in layers with real-looking schemas, the
module datasets, and the lineage raw → base → topic → special. Made through the services as the province
bureau's administrator ``jx_admin``; publishing rows is left to the ingestion demo."""

from __future__ import annotations

import random

from jiguan.core.models import Account, OrgUnit

from ..services import catalog
from .systems import database_url

ADMIN = "jx_admin"
HR_OWNER = "中共江西省委组织部"
CREDIT_CODE = {"name": "unit_credit_code", "label": "单位统一社会信用代码", "required": True, "max_length": 18,
               "check_digit": "credit_code", "reference": "unit_credit_code", "standard": "GB 32100-2015"}
PERSON = [
    {"name": "name", "label": "姓名", "required": True, "max_length": 50},
    {"name": "id_number", "label": "公民身份号码", "required": True, "unique": True, "max_length": 18,
     "check_digit": "id_number", "sensitive": True, "standard": "GB 11643-1999"},
    {"name": "gender", "label": "性别", "dictionary": "gender", "standard": "GB/T 2261.1-2003"},
    {"name": "rank", "label": "职级", "max_length": 40, "description": "按《公务员职务与职级并行规定》填写"},
    {**CREDIT_CODE, "label": "所在单位统一社会信用代码"},
    {"name": "phone", "label": "手机号码", "pattern": r"1[3-9][0-9]{9}", "sensitive": True},
    {"name": "entry_date", "label": "参加工作时间", "type": "date"},
]
ASSET_CARD = [
    {"name": "card_no", "label": "资产卡片编号", "required": True, "unique": True, "max_length": 30},
    {"name": "building", "label": "房屋名称", "required": True, "max_length": 100},
    {"name": "building_area", "label": "建筑面积（㎡）", "type": "decimal", "required": True, "minimum": "0.01",
     "maximum": "500000"},
    {"name": "usable_area", "label": "使用面积（㎡）", "type": "decimal", "minimum": "0"},
    {"name": "book_value", "label": "账面价值（元）", "type": "decimal", "minimum": "0"},
    {"name": "acquired_on", "label": "取得日期", "type": "date"},
    CREDIT_CODE,
]
AREA_RULE = {"left": "usable_area", "operator": "<=", "right": "building_area", "message": "使用面积不得大于建筑面积"}
CAR = [
    {"name": "plate", "label": "车牌号", "required": True, "unique": True,
     "pattern": r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}"},
    {"name": "car_type", "label": "车辆类型", "required": True, "max_length": 20, "description": "如：轿车、越野车、中型客车"},
    {"name": "seats", "label": "核定座位数", "type": "integer", "minimum": 2, "maximum": 60},
    {"name": "purchased_on", "label": "购置日期", "type": "date"},
    {**CREDIT_CODE, "label": "使用单位统一社会信用代码"},
]


def seed_demo(scale: str, rng: random.Random) -> str:
    """Sources, datasets and lineage of the demo province; the module datasets synced first."""
    synced = catalog.sync_module_datasets()
    admin = Account.objects.get(username=ADMIN)
    bureau = admin.unit
    sources = _sources(admin, bureau)
    datasets = _datasets(admin, bureau, sources, rng)
    edges = _lineage(admin)
    return f"数据目录 catalog: {len(sources)} 个数据来源, {len(datasets)} 个数据集, {synced} 个模块数据集, {edges} 条血缘"


def _sources(admin, bureau: OrgUnit) -> dict:
    hr_owner = OrgUnit.objects.filter(name=HR_OWNER).first() or bureau
    plans = [
        dict(code="hr_system", name="人事管理系统", kind="system", channel="pull", unit_id=hr_owner.pk,
             contact_name="刘建华", contact_phone="0791-86212345", frequency="daily",
             pull_url=database_url("hr_system"),
             pull_query="SELECT xm AS name, sfzh AS id_number, xb AS gender, zj AS rank, dwdm AS unit_credit_code, "
                        "sjhm AS phone, cjgzsj AS entry_date FROM v_ry_jbxx WHERE zt = '在职'"),
        dict(code="asset_system", name="资产管理系统", kind="system", channel="pull", unit_id=bureau.pk,
             contact_name="陈晓梅", contact_phone="0791-88915678", frequency="weekly",
             pull_url=database_url("asset_system"),
             pull_query="SELECT kpbh AS card_no, fwmc AS building, jzmj AS building_area, symj AS usable_area, "
                        "zmjz AS book_value, qdrq AS acquired_on, dwdm AS unit_credit_code FROM zc_fwkp"),
        dict(code="city_reports", name="各设区市上报", kind="region", channel="api", unit_id=bureau.pk,
             contact_name="王志刚", contact_phone="0791-88917890", frequency="monthly"),
        dict(code="manual_upload", name="手工上传", kind="upload", channel="upload", unit_id=bureau.pk,
             contact_name="李静", contact_phone="0791-88913456", frequency="adhoc"),
    ]
    return {plan["code"]: catalog.create_source(admin, **plan) for plan in plans}


def _datasets(admin, bureau: OrgUnit, sources: dict, rng: random.Random) -> list:
    def make(code, name, layer, fields, *, source=None, rules=(), description="", **extra):
        return catalog.create_dataset(admin, unit_id=bureau.pk, code=code, name=name, layer=layer, fields=fields,
                                      rules=rules, description=description,
                                      source_id=sources[source].pk if source else None, **extra)

    raw_limit = {"dirty_limit_percent": rng.choice(("10", "15", "20"))}
    return [
        make("hr_persons_raw", "人事系统人员原始数据", "raw", PERSON, source="hr_system", frequency="daily",
             sensitivity="sensitive", description="每日从省委组织部人事管理系统抽取的在职人员数据，未经清洗。", **raw_limit),
        make("persons", "人员基础信息", "base", PERSON, source="hr_system", frequency="daily", sensitivity="sensitive",
             dirty_limit_rows=500, dirty_limit_percent="5",
             description="全省机关在职人员基础库：一人一条，身份证号为主键，职级以人事系统为准。"),
        make("asset_cards_raw", "资产系统房屋卡片原始数据", "raw", ASSET_CARD, source="asset_system", frequency="weekly",
             description="每周从资产管理系统抽取的房屋类固定资产卡片。", **raw_limit),
        make("asset_cards", "房屋资产卡片", "base", ASSET_CARD, source="asset_system", rules=[AREA_RULE],
             frequency="weekly", dirty_limit_percent="5",
             description="全省行政事业单位房屋资产卡片基础库，与办公用房台账核对面积和权属单位。"),
        make("official_cars", "公务用车", "base", CAR, source="city_reports", frequency="monthly", dirty_limit_rows=50,
             description="各设区市按月上报的公务用车实有情况。"),
        make("office_resources", "机关办公资源主题库", "topic",
             [{"name": "unit_credit_code", "label": "单位统一社会信用代码", "required": True,
               "check_digit": "credit_code", "reference": "unit_credit_code"},
              {"name": "staff_count", "label": "在职人数", "type": "integer", "minimum": 0},
              {"name": "office_area", "label": "办公室使用面积（㎡）", "type": "decimal", "minimum": 0},
              {"name": "asset_area", "label": "房屋资产建筑面积（㎡）", "type": "decimal", "minimum": 0},
              {"name": "car_count", "label": "公务用车数", "type": "integer", "minimum": 0}],
             frequency="monthly", description="按单位汇总的人员、办公用房、房屋资产和公务用车。"),
        make("per_capita_area", "人均办公面积专题", "special",
             [{"name": "region_code", "label": "行政区划代码", "check_digit": "region_code", "reference": "region_code",
               "standard": "GB/T 2260"},
              {"name": "per_capita_area", "label": "人均办公室面积（㎡）", "type": "decimal", "minimum": 0},
              {"name": "over_standard_units", "label": "超标单位数", "type": "integer", "minimum": 0}],
             frequency="quarterly", description="按地区统计人均办公室面积与超标情况，供领导决策参考。"),
    ]


LINEAGE = (
    ("hr_persons_raw", "persons", "清洗、去重、职级以人事系统为准"),
    ("asset_cards_raw", "asset_cards", "清洗、面积校核"),
    ("persons", "office_resources", "按单位统计在职人数"),
    ("asset_cards", "office_resources", "按单位汇总房屋建筑面积"),
    ("official_cars", "office_resources", "按单位统计车辆数"),
    ("officespace.rooms", "office_resources", "按单位汇总办公室使用面积"),
    ("officespace.occupancies", "office_resources", "按单位统计在用办公室"),
    ("office_resources", "per_capita_area", "按地区计算人均面积"),
)


def _lineage(admin) -> int:
    known = set(catalog.visible_datasets(admin).values_list("code", flat=True))
    edges = [e for e in LINEAGE if e[0] in known and e[1] in known]  # module datasets only when installed
    for origin, target, note in edges:
        catalog.add_lineage(admin, origin_code=origin, target_code=target, note=note)
    return len(edges)
