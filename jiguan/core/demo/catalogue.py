"""The agencies (机关单位) of each government level, in order of precedence, and their internal
departments. ``{r}`` in a name stands for the region's name (南昌市, 东湖区 …); ``{d}`` in a department
name for the level's word for a division (处 at province, 科 at city, 股 at county level).

The most important bodies come first: a demo seed takes the first few of each list, a province-scale
seed all of them.
"""

from dataclasses import dataclass

from ..models.org import UnitCategory as C


@dataclass(frozen=True)
class Body:
    name: str
    category: str
    head: str  # the head's post: 厅长, 局长, 主任 …
    bureau: bool = False  # the 机关事务管理局 / 机关事务服务中心 of its region
    # Heads that rank as the level's deputy leader: 党委常委 heading a party department, court presidents,
    # chief procurators.
    senior_head: bool = False
    departments: tuple[str, ...] = ()  # empty: the usual set for its category
    subordinates: tuple["Body", ...] = ()


GENERAL_DEPARTMENTS = ("办公室", "综合{d}", "财务{d}", "人事{d}", "政策法规{d}", "规划发展{d}", "督查{d}", "机关党委")
BUREAU_DEPARTMENTS = (
    "办公室", "公共机构节能管理{d}", "资产管理{d}", "办公用房管理{d}", "财务{d}", "人事{d}", "后勤服务{d}", "机关党委",
)
COURT_DEPARTMENTS = ("办公室", "立案庭", "刑事审判庭", "民事审判庭", "行政审判庭", "执行局", "政治部")
PROCURATORATE_DEPARTMENTS = ("办公室", "第一检察部", "第二检察部", "第三检察部", "第四检察部", "政治部")
DEPARTMENTS_BY_CATEGORY = {C.COURT: COURT_DEPARTMENTS, C.PROCURATORATE: PROCURATORATE_DEPARTMENTS}

KINDERGARTEN = ("办公室", "保教部", "卫生保健室", "后勤保障部")
WAREHOUSE = ("办公室", "仓储管理部", "调剂处置部")
PRINT_SHOP = ("办公室", "印制部", "设计排版部")


def departments_of(body: Body) -> tuple[str, ...]:
    if body.departments:
        return body.departments
    if body.bureau:
        return BUREAU_DEPARTMENTS
    return DEPARTMENTS_BY_CATEGORY.get(body.category, GENERAL_DEPARTMENTS)


PROVINCE_BODIES: tuple[Body, ...] = (
    Body("江西省机关事务管理局", C.GOVERNMENT, "局长", bureau=True, subordinates=(
        Body("江西省省直机关幼儿园", C.INSTITUTION, "园长", departments=KINDERGARTEN),
        Body("江西省机关事务管理局公物仓管理中心", C.INSTITUTION, "主任", departments=WAREHOUSE),
        Body("江西省机关事务管理局文印中心", C.INSTITUTION, "主任", departments=PRINT_SHOP),
    )),
    Body("中共江西省委办公厅", C.PARTY, "主任"),
    Body("江西省人大常委会办公厅", C.PEOPLES_CONGRESS, "主任"),
    Body("江西省人民政府办公厅", C.GOVERNMENT, "主任"),
    Body("江西省政协办公厅", C.CPPCC, "主任"),
    Body("江西省发展和改革委员会", C.GOVERNMENT, "主任"),
    Body("江西省教育厅", C.GOVERNMENT, "厅长"),
    Body("江西省科学技术厅", C.GOVERNMENT, "厅长"),
    Body("江西省公安厅", C.GOVERNMENT, "厅长"),
    Body("江西省财政厅", C.GOVERNMENT, "厅长"),
    Body("江西省人力资源和社会保障厅", C.GOVERNMENT, "厅长"),
    Body("江西省自然资源厅", C.GOVERNMENT, "厅长"),
    Body("江西省生态环境厅", C.GOVERNMENT, "厅长"),
    Body("江西省住房和城乡建设厅", C.GOVERNMENT, "厅长"),
    Body("江西省交通运输厅", C.GOVERNMENT, "厅长"),
    Body("江西省水利厅", C.GOVERNMENT, "厅长"),
    Body("江西省农业农村厅", C.GOVERNMENT, "厅长"),
    Body("江西省商务厅", C.GOVERNMENT, "厅长"),
    Body("江西省文化和旅游厅", C.GOVERNMENT, "厅长"),
    Body("江西省卫生健康委员会", C.GOVERNMENT, "主任"),
    Body("江西省审计厅", C.GOVERNMENT, "厅长"),
    Body("江西省高级人民法院", C.COURT, "院长", senior_head=True),
    Body("江西省人民检察院", C.PROCURATORATE, "检察长", senior_head=True),
    Body("中共江西省委组织部", C.PARTY, "部长", senior_head=True),
    Body("中共江西省委宣传部", C.PARTY, "部长", senior_head=True),
    Body("中共江西省委统战部", C.PARTY, "部长", senior_head=True),
    Body("中共江西省委政法委员会", C.PARTY, "书记", senior_head=True),
    Body("中共江西省委政策研究室", C.PARTY, "主任"),
    Body("中共江西省委机构编制委员会办公室", C.PARTY, "主任"),
    Body("中共江西省委网络安全和信息化委员会办公室", C.PARTY, "主任"),
    Body("中共江西省直属机关工作委员会", C.PARTY, "书记"),
    Body("中共江西省委老干部局", C.PARTY, "局长"),
    Body("江西省工业和信息化厅", C.GOVERNMENT, "厅长"),
    Body("江西省民族宗教事务局", C.GOVERNMENT, "局长"),
    Body("江西省民政厅", C.GOVERNMENT, "厅长"),
    Body("江西省司法厅", C.GOVERNMENT, "厅长"),
    Body("江西省退役军人事务厅", C.GOVERNMENT, "厅长"),
    Body("江西省应急管理厅", C.GOVERNMENT, "厅长"),
    Body("江西省人民政府外事办公室", C.GOVERNMENT, "主任"),
    Body("江西省人民政府国有资产监督管理委员会", C.GOVERNMENT, "主任"),
    Body("江西省市场监督管理局", C.GOVERNMENT, "局长"),
    Body("江西省广播电视局", C.GOVERNMENT, "局长"),
    Body("江西省体育局", C.GOVERNMENT, "局长"),
    Body("江西省统计局", C.GOVERNMENT, "局长"),
    Body("江西省林业局", C.GOVERNMENT, "局长"),
    Body("江西省医疗保障局", C.GOVERNMENT, "局长"),
    Body("江西省信访局", C.GOVERNMENT, "局长"),
    Body("江西省粮食和物资储备局", C.GOVERNMENT, "局长"),
    Body("江西省能源局", C.GOVERNMENT, "局长"),
    Body("江西省监狱管理局", C.GOVERNMENT, "局长"),
    Body("江西省药品监督管理局", C.GOVERNMENT, "局长"),
    Body("江西省地方金融管理局", C.GOVERNMENT, "局长"),
    Body("江西省数据局", C.GOVERNMENT, "局长"),
    Body("江西省总工会", C.MASS_ORGANISATION, "主席"),
    Body("共青团江西省委员会", C.MASS_ORGANISATION, "书记"),
    Body("江西省妇女联合会", C.MASS_ORGANISATION, "主席"),
    Body("江西省科学技术协会", C.MASS_ORGANISATION, "主席"),
    Body("江西省文学艺术界联合会", C.MASS_ORGANISATION, "主席"),
    Body("江西省残疾人联合会", C.MASS_ORGANISATION, "理事长"),
    Body("江西省归国华侨联合会", C.MASS_ORGANISATION, "主席"),
    Body("江西省社会科学院", C.INSTITUTION, "院长"),
    Body("江西省农业科学院", C.INSTITUTION, "院长"),
    Body("江西省档案馆", C.INSTITUTION, "馆长"),
)

CITY_BODIES: tuple[Body, ...] = (
    Body("{r}机关事务管理局", C.GOVERNMENT, "局长", bureau=True, subordinates=(
        Body("{r}机关幼儿园", C.INSTITUTION, "园长", departments=KINDERGARTEN),
        Body("{r}公物仓管理中心", C.INSTITUTION, "主任", departments=WAREHOUSE),
    )),
    Body("中共{r}委办公室", C.PARTY, "主任"),
    Body("{r}人大常委会办公室", C.PEOPLES_CONGRESS, "主任"),
    Body("{r}人民政府办公室", C.GOVERNMENT, "主任"),
    Body("政协{r}委员会办公室", C.CPPCC, "主任"),
    Body("{r}发展和改革委员会", C.GOVERNMENT, "主任"),
    Body("{r}财政局", C.GOVERNMENT, "局长"),
    Body("{r}教育局", C.GOVERNMENT, "局长"),
    Body("{r}公安局", C.GOVERNMENT, "局长"),
    Body("{r}人力资源和社会保障局", C.GOVERNMENT, "局长"),
    Body("{r}自然资源局", C.GOVERNMENT, "局长"),
    Body("{r}住房和城乡建设局", C.GOVERNMENT, "局长"),
    Body("{r}交通运输局", C.GOVERNMENT, "局长"),
    Body("{r}卫生健康委员会", C.GOVERNMENT, "主任"),
    Body("{r}审计局", C.GOVERNMENT, "局长"),
    Body("{r}中级人民法院", C.COURT, "院长", senior_head=True),
    Body("{r}人民检察院", C.PROCURATORATE, "检察长", senior_head=True),
    Body("中共{r}委组织部", C.PARTY, "部长", senior_head=True),
    Body("中共{r}委宣传部", C.PARTY, "部长", senior_head=True),
    Body("中共{r}委统战部", C.PARTY, "部长", senior_head=True),
    Body("中共{r}委政法委员会", C.PARTY, "书记", senior_head=True),
    Body("中共{r}委政策研究室", C.PARTY, "主任"),
    Body("中共{r}委机构编制委员会办公室", C.PARTY, "主任"),
    Body("中共{r}直属机关工作委员会", C.PARTY, "书记"),
    Body("{r}科学技术局", C.GOVERNMENT, "局长"),
    Body("{r}工业和信息化局", C.GOVERNMENT, "局长"),
    Body("{r}民政局", C.GOVERNMENT, "局长"),
    Body("{r}司法局", C.GOVERNMENT, "局长"),
    Body("{r}生态环境局", C.GOVERNMENT, "局长"),
    Body("{r}城市管理局", C.GOVERNMENT, "局长"),
    Body("{r}水利局", C.GOVERNMENT, "局长"),
    Body("{r}农业农村局", C.GOVERNMENT, "局长"),
    Body("{r}商务局", C.GOVERNMENT, "局长"),
    Body("{r}文化广电新闻出版旅游局", C.GOVERNMENT, "局长"),
    Body("{r}退役军人事务局", C.GOVERNMENT, "局长"),
    Body("{r}应急管理局", C.GOVERNMENT, "局长"),
    Body("{r}市场监督管理局", C.GOVERNMENT, "局长"),
    Body("{r}统计局", C.GOVERNMENT, "局长"),
    Body("{r}医疗保障局", C.GOVERNMENT, "局长"),
    Body("{r}林业局", C.GOVERNMENT, "局长"),
    Body("{r}体育局", C.GOVERNMENT, "局长"),
    Body("{r}信访局", C.GOVERNMENT, "局长"),
    Body("{r}行政审批局", C.GOVERNMENT, "局长"),
    Body("{r}人民政府国有资产监督管理委员会", C.GOVERNMENT, "主任"),
    Body("{r}总工会", C.MASS_ORGANISATION, "主席"),
    Body("共青团{r}委员会", C.MASS_ORGANISATION, "书记"),
    Body("{r}妇女联合会", C.MASS_ORGANISATION, "主席"),
    Body("{r}科学技术协会", C.MASS_ORGANISATION, "主席"),
    Body("{r}残疾人联合会", C.MASS_ORGANISATION, "理事长"),
    Body("{r}档案馆", C.INSTITUTION, "馆长"),
)

COUNTY_BODIES: tuple[Body, ...] = (
    # At county level the bureau's work is done by a public institution, the 机关事务服务中心.
    Body("{r}机关事务服务中心", C.INSTITUTION, "主任", bureau=True),
    Body("中共{r}委办公室", C.PARTY, "主任"),
    Body("{r}人民政府办公室", C.GOVERNMENT, "主任"),
    Body("{r}人大常委会办公室", C.PEOPLES_CONGRESS, "主任"),
    Body("政协{r}委员会办公室", C.CPPCC, "主任"),
    Body("{r}财政局", C.GOVERNMENT, "局长"),
    Body("{r}发展和改革委员会", C.GOVERNMENT, "主任"),
    Body("{r}教育体育局", C.GOVERNMENT, "局长"),
    Body("{r}人力资源和社会保障局", C.GOVERNMENT, "局长"),
    Body("{r}自然资源局", C.GOVERNMENT, "局长"),
    Body("{r}住房和城乡建设局", C.GOVERNMENT, "局长"),
    Body("{r}交通运输局", C.GOVERNMENT, "局长"),
    Body("{r}水利局", C.GOVERNMENT, "局长"),
    Body("{r}农业农村局", C.GOVERNMENT, "局长"),
    Body("{r}卫生健康委员会", C.GOVERNMENT, "主任"),
    Body("{r}审计局", C.GOVERNMENT, "局长"),
    Body("{r}市场监督管理局", C.GOVERNMENT, "局长"),
    Body("{r}民政局", C.GOVERNMENT, "局长"),
    Body("{r}司法局", C.GOVERNMENT, "局长"),
    Body("{r}应急管理局", C.GOVERNMENT, "局长"),
    Body("{r}统计局", C.GOVERNMENT, "局长"),
    Body("{r}退役军人事务局", C.GOVERNMENT, "局长"),
    Body("{r}医疗保障局", C.GOVERNMENT, "局长"),
    Body("{r}林业局", C.GOVERNMENT, "局长"),
    Body("{r}工业和信息化局", C.GOVERNMENT, "局长"),
    Body("{r}商务局", C.GOVERNMENT, "局长"),
    Body("{r}文化广电新闻出版旅游局", C.GOVERNMENT, "局长"),
    Body("{r}行政审批局", C.GOVERNMENT, "局长"),
    Body("{r}人民法院", C.COURT, "院长", senior_head=True),
    Body("{r}人民检察院", C.PROCURATORATE, "检察长", senior_head=True),
    Body("中共{r}委组织部", C.PARTY, "部长", senior_head=True),
    Body("中共{r}委宣传部", C.PARTY, "部长", senior_head=True),
    Body("中共{r}委统战部", C.PARTY, "部长", senior_head=True),
    Body("中共{r}委政法委员会", C.PARTY, "书记", senior_head=True),
    Body("{r}总工会", C.MASS_ORGANISATION, "主席"),
    Body("共青团{r}委员会", C.MASS_ORGANISATION, "书记"),
    Body("{r}妇女联合会", C.MASS_ORGANISATION, "主席"),
)

BODIES_BY_LEVEL = {"province": PROVINCE_BODIES, "city": CITY_BODIES, "county": COUNTY_BODIES}
DIVISION_WORD = {"province": "处", "city": "科", "county": "股"}
