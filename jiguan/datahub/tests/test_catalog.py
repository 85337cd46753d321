"""The catalog's services: sources, schema definitions (each bad input refused, naming the column),
schema changes once data is published, module datasets, search, lineage, and the data service's scope,
masking and export log."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from openpyxl import load_workbook

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import AccessLog, Dictionary, OrgUnit, Person, TimelineEntry
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.datahub import store
from jiguan.datahub.demo.systems import database_url
from jiguan.datahub.models import Dataset, DatasetField, Lineage, Source
from jiguan.datahub.services import catalog

pytestmark = pytest.mark.django_db


@dataclass
class World:
    province: OrgUnit
    nc_bureau: OrgUnit
    finance: OrgUnit
    jiujiang: OrgUnit
    jx_admin: object
    nc_admin: object
    unit_admin: object
    staff: object


def build_world() -> World:
    province = make_unit("360000", "江西省机关事务管理局", is_bureau=True)
    nc_bureau = make_unit("360100", "南昌市机关事务管理局", is_bureau=True)
    finance = make_unit("360100", "南昌市财政局")
    jiujiang = make_unit("360400", "九江市财政局")
    Dictionary.objects.get_or_create(code="gender", defaults={"name": "性别"})
    return World(
        province, nc_bureau, finance, jiujiang,
        jx_admin=make_account("t_jx", roles=("region_bureau_admin",), unit=province),
        nc_admin=make_account("t_nc", roles=("region_bureau_admin",), unit=nc_bureau),
        unit_admin=make_account("t_unit", roles=("unit_admin",), unit=finance),
        staff=make_account("t_staff", roles=("staff",), unit=finance),
    )


PERSON_FIELDS = [
    {"name": "name", "label": "姓名", "type": "text", "required": True, "max_length": 50},
    {"name": "id_number", "label": "身份证号", "type": "text", "required": True, "unique": True,
     "check_digit": "id_number", "sensitive": True},
    {"name": "gender", "label": "性别", "type": "text", "dictionary": "gender"},
    {"name": "phone", "label": "手机号", "type": "text", "pattern": r"1[3-9]\d{9}", "sensitive": True},
    {"name": "age", "label": "年龄", "type": "integer", "minimum": 18, "maximum": 70},
    {"name": "entry_date", "label": "入职日期", "type": "date"},
]


def make_dataset(w: World, code: str = "persons", *, unit=None, fields=PERSON_FIELDS, rules=(), layer="base",
                 **extra) -> Dataset:
    return catalog.create_dataset(w.jx_admin, unit_id=(unit or w.province).pk, code=code, name="人员基础信息",
                                  layer=layer, fields=fields, rules=rules, **extra)


def publish(dataset: Dataset, rows: list[tuple]) -> None:
    """Publish rows (name, id_number, gender, phone, age, entry_date, org_path) as the next version."""
    con = store.connect()
    con.execute("CREATE TABLE t (name VARCHAR, id_number VARCHAR, gender VARCHAR, phone VARCHAR, age BIGINT, "
                "entry_date DATE, org_path VARCHAR)").fetchall()
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    store.publish(con, dataset, "SELECT * FROM t")


@pytest.fixture
def w() -> World:
    return build_world()


@pytest.fixture
def persons(w) -> Dataset:
    dataset = make_dataset(w)
    publish(dataset, [
        ("张伟", "360102198503011234", "1", "13800001111", 40, "2010-07-01", w.finance.org_path),
        ("李娜", "360102199001021235", "2", "13900002222", 35, "2015-09-01", w.nc_bureau.org_path),
        ("王芳", "360402198812031236", "2", "13700003333", 37, "2012-03-01", w.jiujiang.org_path),
        ("刘洋", "360002197705041237", "1", "13600004444", 48, "2001-08-01", w.province.org_path),
    ])
    return dataset


# --- Sources ----------------------------------------------------------------------------------------


def test_a_pull_source_keeps_its_url_encrypted_and_masked(w):
    source = catalog.create_source(
        w.jx_admin, unit_id=w.province.pk, code="hr", name="人事管理系统", kind="system", channel="pull",
        pull_url="postgresql://reader:S3cret@10.1.2.3:5432/hr?sslmode=require", pull_query="SELECT * FROM staff;",
        contact_name="赵敏", contact_phone="0791-88912345", frequency="daily",
    )
    source.refresh_from_db()
    assert source.pull_query == "SELECT * FROM staff" and source.org_path == w.province.org_path
    assert catalog.mask_url(source.pull_url) == "postgresql://reader:****@10.1.2.3:5432/hr"
    catalog.update_source(w.jx_admin, source.pk, name="人事系统", pull_url="")
    source.refresh_from_db()
    assert source.name == "人事系统" and "S3cret" in source.pull_url  # an empty URL keeps the recorded one


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": "HR system"}, "code"),
    ({"kind": "satellite"}, "kind"),
    ({"channel": "pull", "pull_url": "mysql://x/y", "pull_query": "SELECT 1"}, "pull_url"),
    ({"channel": "pull", "pull_url": "sqlite:///hr.db", "pull_query": "DELETE FROM staff"}, "pull_query"),
    ({"channel": "pull", "pull_url": "sqlite:///hr.db", "pull_query": "SELECT 1; DROP TABLE x"}, "pull_query"),
    ({"channel": "pull"}, "pull_url"),
    ({"channel": "pull", "pull_url": "postgresql://u:p#w@db/x", "pull_query": "SELECT 1"}, "pull_url"),
    ({"contact_phone": "call me"}, "contact_phone"),
])
def test_bad_source_input_is_refused_by_field(w, changes, field):
    values = {"unit_id": w.province.pk, "code": "hr", "name": "人事管理系统", "kind": "system", **changes}
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_source(w.jx_admin, **values)
    assert field in refused.value.errors
    assert not Source.objects.exists()


def test_sources_are_managed_within_scope_and_deactivated_once(w):
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_source(w.nc_admin, unit_id=w.jiujiang.pk, code="jj", name="九江上报", kind="region")
    assert "unit_id" in refused.value.errors
    with pytest.raises(PermissionDenied):
        catalog.create_source(w.unit_admin, unit_id=w.finance.pk, code="f", name="财政", kind="upload")
    source = catalog.create_source(w.nc_admin, unit_id=w.nc_bureau.pk, code="nc", name="南昌上报", kind="region")
    with pytest.raises(Http404):
        catalog.deactivate_source(make_account(roles=("region_bureau_admin",), unit=w.jiujiang), source.pk)
    catalog.deactivate_source(w.nc_admin, source.pk, comment="系统停用")
    with pytest.raises(StateError):
        catalog.deactivate_source(w.nc_admin, source.pk)
    with pytest.raises(StateError):
        catalog.update_source(w.nc_admin, source.pk, name="新名")
    assert TimelineEntry.objects.filter(object_id=str(source.pk), action="deactivate").count() == 1


# --- Dataset definitions ----------------------------------------------------------------------------


def test_a_dataset_is_created_with_every_kind_of_rule(w):
    rules = [{"left": "age", "operator": "<=", "right": "age_limit", "message": "年龄不得超过上限"}]
    fields = [*PERSON_FIELDS, {"name": "age_limit", "label": "年龄上限", "type": "decimal"}]
    dataset = make_dataset(w, fields=fields, rules=rules, sensitivity="sensitive", dirty_limit_rows=100,
                           dirty_limit_percent="5.5")
    stored = catalog.field_values(dataset)
    assert [f["name"] for f in stored] == ["name", "id_number", "gender", "phone", "age", "entry_date", "age_limit"]
    assert stored[1]["check_digit"] == "id_number" and stored[1]["sensitive"]
    assert stored[4]["minimum"] == 18 and stored[4]["maximum"] == 70
    assert catalog.rule_values(dataset) == rules
    assert dataset.sensitivity == "sensitive" and str(dataset.dirty_limit_percent) == "5.5"


BAD_FIELDS = [
    ({"name": "Name"}, "fields.0.name", "Name"),
    ({"name": "1st"}, "fields.0.name", "1st"),
    ({"name": "org_path"}, "fields.0.name", "org_path"),
    ({"label": ""}, "fields.0.label", "name"),
    ({"type": "json"}, "fields.0.type", "name"),
    ({"type": "integer", "minimum": 10, "maximum": 5}, "fields.0.minimum", "name"),
    ({"minimum": 1}, "fields.0.minimum", "name"),
    ({"type": "integer", "max_length": 5}, "fields.0.max_length", "name"),
    ({"max_length": 0}, "fields.0.max_length", "name"),
    ({"pattern": "([a-z"}, "fields.0.pattern", "name"),
    ({"pattern": r"(?=a)b"}, "fields.0.pattern", "name"),  # Python accepts it; DuckDB's RE2 does not
    ({"dictionary": "no_such"}, "fields.0.dictionary", "no_such"),
    ({"reference": "building_code"}, "fields.0.reference", "name"),
    ({"check_digit": "isbn"}, "fields.0.check_digit", "name"),
    ({"colour": "red"}, "fields.0.colour", ""),
]


@pytest.mark.parametrize(("change", "key", "named"), BAD_FIELDS, ids=[k + str(i) for i, (_c, k, _n) in
                                                                      enumerate(BAD_FIELDS)])
def test_each_bad_field_definition_is_refused_and_names_the_column(w, change, key, named):
    fields = [{"name": "name", "label": "姓名", "type": "text", **change}, PERSON_FIELDS[1]]
    with pytest.raises(ValidationFailed) as refused:
        make_dataset(w, fields=fields)
    assert key in refused.value.errors, refused.value.errors
    assert named in " ".join(refused.value.errors[key])
    assert not Dataset.objects.exists()


def test_duplicate_names_and_labels_and_bad_rules_are_refused(w):
    fields = [{"name": "area", "label": "面积", "type": "decimal"}, {"name": "area", "label": "面积", "type": "text"},
              {"name": "note", "label": "备注"}]
    rules = [{"left": "area", "operator": "<=", "right": "nope", "message": "x"},
             {"left": "area", "operator": "~", "right": "note", "message": ""},
             {"left": "note", "operator": "=", "right": "note", "message": "同列"}]
    with pytest.raises(ValidationFailed) as refused:
        make_dataset(w, fields=fields, rules=rules)
    errors = refused.value.errors
    assert {"fields.1.name", "fields.1.label", "rules.0.right", "rules.1.operator", "rules.1.message",
            "rules.2.right"} <= set(errors)
    assert "area" in errors["fields.1.name"][0] and "nope" in errors["rules.0.right"][0]


def test_dataset_codes_owners_and_limits_are_checked(w):
    make_dataset(w)
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_dataset(w.nc_admin, unit_id=w.province.pk, code="persons", name="x", layer="attic",
                               dirty_limit_percent="120", dirty_limit_rows=-1)
    assert {"code", "unit_id", "layer", "dirty_limit_percent", "dirty_limit_rows"} <= set(refused.value.errors)


# --- Schema changes once published ---------------------------------------------------------------------


def test_published_data_allows_optional_columns_and_relaxed_rules(w, persons):
    fields = [dict(f) for f in catalog.field_values(persons)]
    fields[0]["max_length"] = 100  # longer
    fields[4]["minimum"], fields[4]["maximum"] = 16, None  # wider
    fields[3]["pattern"] = ""  # dropped
    fields[2]["dictionary"] = ""
    fields[1]["required"] = False
    fields[1]["label"] = "公民身份号码"
    fields.append({"name": "title", "label": "职务", "type": "text"})
    catalog.save_schema(w.jx_admin, persons.pk, fields=fields)
    assert [f.name for f in persons.fields.all()][-1] == "title"
    page = catalog.query(w.jx_admin, persons)  # the old version lacks "title": read as empty
    assert {row["title"] for row in page["rows"]} == {None}


@pytest.mark.parametrize(("change", "key"), [
    (lambda f: f.pop(5), "fields"),
    (lambda f: f[5].update(name="joined_on"), "fields"),
    (lambda f: f[4].update(type="decimal"), "fields.4.type"),
    (lambda f: f[2].update(required=True), "fields.2.required"),
    (lambda f: f[0].update(unique=True), "fields.0.unique"),
    (lambda f: f[0].update(max_length=10), "fields.0.max_length"),
    (lambda f: f[4].update(minimum=20), "fields.4.minimum"),
    (lambda f: f[4].update(maximum=60), "fields.4.maximum"),
    (lambda f: f[3].update(pattern=r"1\d{10}"), "fields.3.pattern"),
    (lambda f: f[0].update(dictionary="gender"), "fields.0.dictionary"),
    (lambda f: f.append({"name": "title", "label": "职务", "required": True}), "fields.6.required"),
])
def test_published_data_refuses_changes_that_break_it(w, persons, change, key):
    fields = [dict(f) for f in catalog.field_values(persons)]
    change(fields)
    with pytest.raises(ValidationFailed) as refused:
        catalog.save_schema(w.jx_admin, persons.pk, fields=fields)
    assert key in refused.value.errors
    assert "published" in refused.value.errors[key][0] or "发布" in refused.value.errors[key][0]
    assert [f["name"] for f in catalog.field_values(persons)] == [f["name"] for f in PERSON_FIELDS]


def test_a_new_cross_field_rule_is_refused_once_published_but_allowed_before(w, persons):
    rule = [{"left": "age", "operator": ">=", "right": "age", "message": "x"}]
    fresh = make_dataset(w, code="draft")
    fields = catalog.field_values(fresh) + [{"name": "retire_age", "label": "退休年龄", "type": "integer"}]
    catalog.save_schema(w.jx_admin, fresh.pk, fields=fields,
                        rules=[{"left": "age", "operator": "<", "right": "retire_age", "message": "年龄须小于退休年龄"}])
    assert fresh.rules.count() == 1
    fields = catalog.field_values(persons)
    with pytest.raises(ValidationFailed) as refused:
        catalog.save_schema(w.jx_admin, persons.pk, fields=fields, rules=rule)
    assert "rules.0.operator" in refused.value.errors or "rules.0.right" in refused.value.errors


def test_schema_edits_need_manage_in_scope(w, persons):
    with pytest.raises(Http404):
        catalog.save_schema(w.nc_admin, persons.pk, fields=catalog.field_values(persons))
    with pytest.raises(PermissionDenied):
        catalog.save_schema(w.unit_admin, persons.pk, fields=catalog.field_values(persons))


# --- Module datasets ---------------------------------------------------------------------------------


def test_module_datasets_are_synced_idempotently(w):
    assert catalog.sync_module_datasets() > 0
    assert catalog.sync_module_datasets() == 0
    rooms = Dataset.objects.get(code="officespace.rooms")
    assert (rooms.storage, rooms.model_label, rooms.module, rooms.layer) == ("model", "officespace.Room",
                                                                             "officespace", "base")
    assert rooms.unit == w.province and rooms.sensitivity == "internal"
    labels = {f.name: (f.label, f.type) for f in rooms.fields.all()}
    assert labels["number"] == ("房间号", "text") and labels["usable_area"][1] == "decimal"
    assert "org_path" not in labels and labels["unit_id"][1] == "integer"
    assert Dataset.objects.get(code="officespace.occupancies").sensitivity == "sensitive"
    rooms.fields.filter(name="number").update(label="旧")
    assert catalog.sync_module_datasets() == 1
    assert rooms.fields.get(name="number").label == "房间号"
    with pytest.raises(StateError):
        catalog.save_schema(w.jx_admin, rooms.pk, fields=[])


def test_without_a_bureau_nothing_is_synced(db):
    assert catalog.sync_module_datasets() == 0


# --- Search and visibility ------------------------------------------------------------------------------


def test_catalog_search_reads_names_codes_descriptions_and_field_labels(w, persons):
    make_dataset(w, code="asset_cards", fields=[{"name": "building", "label": "建筑物名称"}],
                 description="房屋资产卡片，来自资产管理系统")
    visible = catalog.visible_datasets(w.jx_admin)
    assert [d.code for d in catalog.search(visible, "身份证")] == ["persons"]
    assert [d.code for d in catalog.search(visible, "资产管理")] == ["asset_cards"]
    assert [d.code for d in catalog.search(visible, "ASSET")] == ["asset_cards"]
    assert catalog.search(visible, "建筑物").count() == 1


def test_the_catalog_lists_own_datasets_and_the_bureaus_above(w, persons):
    make_dataset(w, code="nc_topic", unit=w.nc_bureau)
    make_dataset(w, code="finance_own", unit=w.finance)
    make_dataset(w, code="jj_own", unit=w.jiujiang)

    def codes(user):
        return sorted(catalog.visible_datasets(user).values_list("code", flat=True))

    assert codes(w.jx_admin) == ["finance_own", "jj_own", "nc_topic", "persons"]
    assert codes(w.nc_admin) == ["finance_own", "nc_topic", "persons"]
    assert codes(w.unit_admin) == ["finance_own", "nc_topic", "persons"]
    assert codes(w.staff) == []
    with pytest.raises(Http404):
        catalog.dataset_in_view(w.unit_admin, "jj_own")


# --- Lineage ------------------------------------------------------------------------------------------


def test_lineage_edges_are_managed_and_the_graph_is_scoped(w, persons):
    raw = make_dataset(w, code="hr_raw", layer="raw")
    jj = make_dataset(w, code="jj_raw", unit=w.jiujiang, layer="raw")
    edge = catalog.add_lineage(w.jx_admin, origin_code="hr_raw", target_code="persons", note="清洗入库")
    catalog.add_lineage(w.jx_admin, origin_code="jj_raw", target_code="persons")
    with pytest.raises(ValidationFailed) as refused:
        catalog.add_lineage(w.jx_admin, origin_code="hr_raw", target_code="persons")
    assert "target_code" in refused.value.errors
    with pytest.raises(ValidationFailed):
        catalog.add_lineage(w.jx_admin, origin_code="persons", target_code="persons")
    with pytest.raises(ValidationFailed) as refused:  # the province's dataset is not the city's to wire
        catalog.add_lineage(w.nc_admin, origin_code="hr_raw", target_code="persons")
    assert "target_code" in refused.value.errors
    graph = catalog.lineage_graph(w.unit_admin)
    assert {n["code"] for n in graph["nodes"]} == {"persons", "hr_raw"}
    assert [(e["origin"], e["target"]) for e in graph["edges"]] == [("hr_raw", "persons")]
    assert len(catalog.lineage_graph(w.jx_admin)["edges"]) == 2
    assert [e.origin for e in catalog.neighbours(w.unit_admin, persons)["upstream"]] == [raw]
    with pytest.raises(PermissionDenied):
        catalog.lineage_graph(w.staff)
    with pytest.raises(Http404):
        catalog.remove_lineage(w.nc_admin, edge.pk)
    catalog.remove_lineage(w.jx_admin, edge.pk)
    assert list(Lineage.objects.values_list("origin", flat=True)) == [jj.pk]


# --- The data service ---------------------------------------------------------------------------------


def names(page) -> list[str]:
    return sorted(row["name"] for row in page["rows"])


def test_store_queries_keep_to_the_users_scope(w, persons):
    assert names(catalog.query(w.jx_admin, persons)) == ["刘洋", "张伟", "李娜", "王芳"]
    assert names(catalog.query(w.nc_admin, persons)) == ["张伟", "李娜"]
    assert names(catalog.query(w.unit_admin, persons)) == ["张伟"]
    with pytest.raises(PermissionDenied):
        catalog.query(w.staff, persons)


def test_store_queries_filter_sort_page_and_mask(w, persons):
    page = catalog.query(w.jx_admin, persons, {"gender": "2"}, sort="-age")
    assert [r["name"] for r in page["rows"]] == ["王芳", "李娜"] and page["total"] == 2
    assert page["rows"][0]["id_number"] == "360402********1236" and page["rows"][0]["phone"] == "137****3333"
    assert names(catalog.query(w.jx_admin, persons, {"name": "张"})) == ["张伟"]
    assert names(catalog.query(w.jx_admin, persons, {"entry_date": "2001-08-01"})) == ["刘洋"]
    assert names(catalog.query(w.jx_admin, persons, {"id_number": "360102198503011234"})) == ["张伟"]
    assert catalog.query(w.jx_admin, persons, {"id_number": "3601"})["total"] == 0  # personal: exact match only
    second = catalog.query(w.jx_admin, persons, page=2, page_size=3, sort="age")
    assert [r["name"] for r in second["rows"]] == ["刘洋"] and not second["has_next"]


@pytest.mark.parametrize(("filters", "sort", "key"), [
    ({"salary": "1"}, "", "salary"),
    ({"age": "forty"}, "", "age"),
    ({"entry_date": "2024年3月1日"}, "", "entry_date"),
    ({}, "phone", "sort"),
    ({}, "org_path", "sort"),
    ({}, "name; DROP TABLE t", "sort"),
])
def test_bad_query_input_is_refused(w, persons, filters, sort, key):
    with pytest.raises(ValidationFailed) as refused:
        catalog.query(w.jx_admin, persons, filters, sort=sort)
    assert key in refused.value.errors


def test_a_dataset_without_a_published_version_has_no_rows(w):
    assert catalog.query(w.jx_admin, make_dataset(w))["rows"] == []


def test_model_queries_are_scoped_and_mask_encrypted_fields(w):
    catalog.sync_module_datasets()
    make_person(w.finance, name="陈静", id_number="360102199203041238", phone="13512345678")
    make_person(w.jiujiang, name="周强")
    dataset = Dataset.objects.create(code="people", name="人员", layer="base", storage="model",
                                     model_label="core.Person", unit=w.province)
    columns = catalog.model_columns(Person)
    catalog._write_schema(dataset, catalog.Schema(
        [DatasetField(position=i + 1, **c) for i, c in enumerate(columns)], []))
    everyone = {r["name"] for r in catalog.query(w.jx_admin, dataset, page_size=100)["rows"]}
    assert {"陈静", "周强"} <= everyone
    finance = catalog.query(w.unit_admin, dataset, {"name": "陈"})
    assert [(r["name"], r["id_number"], r["phone"]) for r in finance["rows"]] == [
        ("陈静", "360102********1238", "135****5678")]
    assert "周强" not in {r["name"] for r in catalog.query(w.nc_admin, dataset, page_size=100)["rows"]}
    with pytest.raises(ValidationFailed) as refused:
        catalog.query(w.jx_admin, dataset, {"id_number": "360102199203041238"})
    assert "id_number" in refused.value.errors


def test_exports_are_scoped_masked_and_access_logged(w, persons):
    spool, filename = catalog.export(w.nc_admin, persons, {}, "name", "/manage/datahub/datasets/persons/data/")
    sheet = load_workbook(spool).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("姓名", "身份证号") and len(rows) == 3 and filename.startswith("人员基础信息-")
    assert all("*" in row[1] for row in rows[1:])
    log = AccessLog.objects.get(kind="export")
    assert log.actor == w.nc_admin and "persons: 2 rows" in log.detail


def test_an_export_over_the_cap_is_refused_and_says_so(w, persons, monkeypatch):
    monkeypatch.setattr(catalog, "MAX_EXPORT_ROWS", 3)
    with pytest.raises(ValidationFailed, match="3"):
        catalog.export(w.jx_admin, persons, {}, "", "/x")
    assert not AccessLog.objects.filter(kind="export").exists()


def test_every_declared_reference_is_looked_up_by_ingestion():
    from jiguan.datahub.models import Reference
    from jiguan.datahub.services.rules import REFERENCES

    assert set(REFERENCES) == set(Reference.values)


# --- Demo --------------------------------------------------------------------------------------------


def test_the_demo_seeds_sources_datasets_and_lineage(w):
    import random

    from jiguan.core.models import Account
    from jiguan.datahub.demo.catalog import seed_demo

    Account.objects.filter(pk=w.jx_admin.pk).update(username="jx_admin")
    summary = seed_demo("demo", random.Random(7))
    assert summary.startswith("数据目录 catalog: 4 个数据来源, 7 个数据集")
    persons = Dataset.objects.get(code="persons")
    assert persons.fields.get(name="id_number").sensitive and persons.source.code == "hr_system"
    assert Dataset.objects.get(code="asset_cards").rules.count() == 1
    assert Dataset.objects.filter(storage="model").exists()
    graph = catalog.lineage_graph(w.jx_admin)
    assert ("officespace.rooms", "office_resources") in {(e["origin"], e["target"]) for e in graph["edges"]}
    assert Source.objects.get(code="hr_system").pull_url == database_url("hr_system")  # the demo's HR system


def test_the_demo_pull_sources_read_their_systems_and_are_not_due_again(w, settings, tmp_path,
                                                                          django_capture_on_commit_callbacks):
    import random
    import sqlite3

    from jiguan.core.models import Account, Person
    from jiguan.core.testing import make_person
    from jiguan.datahub.demo import catalog as catalog_demo
    from jiguan.datahub.demo import systems
    from jiguan.datahub.models import Run
    from jiguan.datahub.services import runs

    settings.DATAHUB_DEMO_SOURCES = tmp_path / "systems"
    Account.objects.filter(pk=w.jx_admin.pk).update(username="jx_admin")
    for n in range(40):
        make_person(w.finance if n % 2 else w.jiujiang, name=f"职工{n}号", gender="F" if n % 3 else "M")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_demo.seed_demo("demo", random.Random(7))
        summary = systems.seed_demo("demo", random.Random(7))
    with sqlite3.connect(tmp_path / "systems" / "hrms.sqlite3") as hr:
        serving = hr.execute("SELECT count(*) FROM v_ry_jbxx WHERE zt = '在职'").fetchone()[0]
        genders = {row[0] for row in hr.execute("SELECT DISTINCT xb FROM v_ry_jbxx")}
    people = Person.objects.count()  # the 40 and the accounts' own: fewer than the sample's size
    assert 0 < serving < people and genders <= {"1", "2"}  # who has left is not pulled
    pulled = {run.dataset.code: run for run in Run.objects.filter(channel="pull").select_related("dataset")}
    assert set(pulled) == {"hr_persons_raw", "persons", "asset_cards_raw", "asset_cards"}
    assert {run.state for run in pulled.values()} == {"published"}
    assert pulled["hr_persons_raw"].rows_in == serving and pulled["asset_cards"].rows_in == people
    assert "人事管理系统 → 人员基础信息：入库" in summary
    assert runs.pull_due() == 0  # the worker's first round pulls nothing again (and reaches no network)
