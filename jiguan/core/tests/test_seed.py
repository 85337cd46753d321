"""``manage.py seed`` and ``demo_accounts``: valid national codes on every row, correct org paths, the
demo accounts log in with their roles and scopes, ``--if-empty`` is idempotent, the run is deterministic."""

import random
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Value as V
from django.db.models.functions import Concat
from django.test import override_settings

from jiguan.core.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from jiguan.core.demo.org import SCALES, demo_regions, plan_agencies
from jiguan.core.demo.seeding import SEED
from jiguan.core.models import (
    Account,
    ApprovalFlow,
    AuditLog,
    Event,
    ModuleEnablement,
    Notice,
    OrgUnit,
    Person,
    Region,
)
from jiguan.core.models.org import UnitKind
from jiguan.core.registry import ApprovalType, ModuleSpec, registry
from jiguan.core.scoping import scoped
from jiguan.core.statemachine import timeline
from jiguan.core.testing import demo_seeded
from jiguan.core.validators import validate_credit_code, validate_id_number, validate_phone

# A business module with a type of application, so the seed has a module to switch on and a flow to set.
FAKE_MODULE = ModuleSpec(
    code="seedtest", name="测试模块", approval_types=(ApprovalType("seedtest.apply", "测试申请"),)
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One demo seed of the kernel shared by this module's tests, rolled back afterwards. The modules'
    demo data is each tested with its module (``seed --modules <code>``), so it is left out here."""
    registry.register(FAKE_MODULE)
    try:
        with demo_seeded(django_db_blocker, "") as output:
            yield output
    finally:
        registry.unregister(FAKE_MODULE.code)


def invalid(validator, values) -> list[tuple[str, str]]:
    errors = []
    for value in values:
        try:
            validator(value)
        except ValidationError as error:
            errors.append((value, error.messages[0]))
    return errors


@pytest.mark.django_db
def test_every_agency_has_a_valid_unique_credit_code(seeded):
    agencies = OrgUnit.objects.filter(kind=UnitKind.UNIT)
    codes = list(agencies.values_list("credit_code", flat=True))
    assert len(codes) > 700
    assert invalid(validate_credit_code, codes) == []
    assert len(set(codes)) == len(codes)
    assert not OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, credit_code__isnull=False).exists()


@pytest.mark.django_db
def test_every_person_has_a_valid_unique_id_number_and_phone(seeded):
    people = list(Person.objects.select_related("unit__region", "rank"))
    assert len(people) > 5000
    assert invalid(validate_id_number, [p.id_number for p in people]) == []
    assert invalid(validate_phone, [p.phone for p in people]) == []
    assert len({p.id_number for p in people}) == len(people)
    for person in people:
        birth_year = int(person.id_number[6:10])
        assert 1962 <= birth_year <= 2001, person.id_number
        assert (int(person.id_number[16]) % 2 == 0) == (person.gender == "F"), person.id_number
        assert person.rank.level == person.unit.region.level, (person.name, person.unit.name)
        assert person.id_number[:4] == person.unit.region.code[:4] or person.unit.region.level == "province"


@pytest.mark.django_db
def test_org_paths_follow_the_tree_and_people_sit_on_their_department(seeded):
    for unit in OrgUnit.objects.select_related("parent", "region"):
        assert unit.org_path == unit.compute_path(), unit.name
    mismatched = [
        p.name for p in Person.objects.select_related("unit", "department")
        if p.org_path != (p.department or p.unit).org_path or (p.department and p.department.unit_id != p.unit_id)
    ]
    assert mismatched == []


@pytest.mark.django_db
def test_every_region_has_its_bureau_and_a_plausible_rank_pyramid(seeded):
    regions_with_bureau = set(OrgUnit.objects.filter(is_bureau=True).values_list("region_id", flat=True))
    assert regions_with_bureau == set(Region.objects.exclude(level="national").values_list("code", flat=True))
    assert OrgUnit.objects.get(name="江西省机关事务管理局").is_bureau
    assert OrgUnit.objects.get(name="东湖区机关事务服务中心").category == "institution"
    assert OrgUnit.objects.get(name="中共江西省委办公厅").category == "party"
    assert OrgUnit.objects.get(name="政协南昌市委员会办公室").category == "cppcc"
    leaders = Counter(Person.objects.values_list("rank__is_leader", flat=True))
    assert 0 < leaders[True] < leaders[False]


@pytest.mark.django_db
def test_bulk_writes_are_in_the_change_log(seeded):
    bulk = set(AuditLog.objects.filter(action="bulk").values_list("model", flat=True))
    assert {"core.OrgUnit", "core.Person"} <= bulk  # installed modules add their own tables
    # Accounts are made one by one through the services (modules add a few, e.g. county bureaus): each is logged.
    accounts = Account.objects.count()
    assert accounts >= len(DEMO_ACCOUNTS)
    assert AuditLog.objects.filter(model="core.Account", action="create").count() == accounts


@pytest.mark.django_db
@pytest.mark.parametrize("demo", DEMO_ACCOUNTS, ids=lambda d: d.username)
def test_demo_account_logs_in_with_its_role(seeded, demo):
    account = authenticate(username=demo.username, password=DEMO_PASSWORD)
    assert account is not None
    assert not account.must_change_password
    assert account.person is not None and account.person.unit.name == demo.unit
    assert [(a.role.code, a.unit.name) for a in account.assignments.select_related("role", "unit")] == [
        (demo.role, demo.unit)
    ]
    assert authenticate(username=demo.username, password="wrong-password") is None


@pytest.mark.django_db
def test_region_administrators_see_their_region_only(seeded):
    nanchang = scoped(Person.objects.all(), Account.objects.get(username="nc_admin"), "core.view_people")
    province = scoped(Person.objects.all(), Account.objects.get(username="jx_admin"), "core.view_people")
    assert nanchang.exists()
    assert not nanchang.exclude(org_path__startswith="3601").exists()
    assert province.count() == Person.objects.count()


@pytest.mark.django_db
@override_settings(DEMO=True)
def test_if_empty_leaves_a_seeded_database_alone(seeded):
    counts = (OrgUnit.objects.count(), Person.objects.count(), Account.objects.count(), AuditLog.objects.count())
    out = StringIO()
    call_command("seed", scale="demo", if_empty=True, stdout=out)
    assert "跳过" in out.getvalue()
    with pytest.raises(CommandError, match="--if-empty"):
        call_command("seed", scale="demo", stdout=StringIO(), stderr=StringIO())
    assert counts == (OrgUnit.objects.count(), Person.objects.count(), Account.objects.count(),
                      AuditLog.objects.count())


@pytest.mark.django_db
def test_seed_is_refused_outside_demo_mode(settings):
    settings.DEMO = settings.DEBUG = False
    counts = (OrgUnit.objects.count(), Account.objects.count())
    with pytest.raises(CommandError, match="JIGUAN_DEMO=1"):
        call_command("seed", scale="demo", stdout=StringIO(), stderr=StringIO())
    assert counts == (OrgUnit.objects.count(), Account.objects.count())


@pytest.mark.django_db
def test_unknown_module_is_refused_before_anything_is_seeded(settings):
    settings.DEMO = True
    units = OrgUnit.objects.count()
    with pytest.raises(CommandError, match="没有这些模块的演示数据:nosuch") as refused:
        call_command("seed", scale="demo", modules="officespace,nosuch", stdout=StringIO(), stderr=StringIO())
    assert "officespace" in str(refused.value)  # the known codes are listed
    assert OrgUnit.objects.count() == units


@pytest.mark.django_db
def test_progress_and_summary_are_reported(seeded):
    out, err = seeded
    assert "人员 people" in err and "100%" in err
    assert "演示数据已生成" in out


@pytest.mark.django_db
def test_demo_accounts_command_prints_roles_scopes_and_entrances(seeded):
    out = StringIO()
    call_command("demo_accounts", base_url="http://example.test:9000/", stdout=out)
    lines = out.getvalue().splitlines()
    for demo in DEMO_ACCOUNTS:
        row = next(line for line in lines if line.startswith(demo.username + " "))
        entrance = "/service/" if demo.role == "staff" else "/manage/"
        assert row.endswith("http://example.test:9000" + entrance), row
        assert demo.unit in row
    assert "http://example.test:9000/accounts/login/" in lines[-1]


@pytest.mark.django_db
def test_demo_accounts_command_says_which_accounts_are_missing(seeded):
    Account.objects.filter(username__in=[d.username for d in DEMO_ACCOUNTS]).update(username=Concat("username", V("-old")))
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert out.getvalue().count("未创建 not created") == len(DEMO_ACCOUNTS)


@pytest.mark.django_db
def test_province_scale_plans_3000_agencies_and_200000_people_deterministically():
    regions = demo_regions()
    plan = plan_agencies(SCALES["province"], regions, random.Random(SEED))
    again = plan_agencies(SCALES["province"], regions, random.Random(SEED))
    assert [(a.name, a.headcount, a.departments) for a in plan] == [(a.name, a.headcount, a.departments) for a in again]
    assert len(plan) >= 3000
    assert sum(a.headcount for a in plan) >= 200_000
    codes = [a.credit_code for a in plan]
    assert len(set(codes)) == len(codes)
    assert invalid(validate_credit_code, codes) == []


@pytest.mark.django_db
def test_demo_events_are_in_every_state_with_their_timeline(seeded):
    statuses = set(Event.objects.filter(type="core.general").values_list("status", flat=True))
    assert statuses == {"new", "dispatched", "in_progress", "resolved", "closed", "rejected"}
    closed = Event.objects.get(status="closed")
    assert closed.rating == 5
    assert [t.action for t in timeline(closed)][-4:] == [
        "dispatch", "start", "resolve", "close",
    ]


@pytest.mark.django_db
def test_demo_notices_reach_their_audience(seeded):
    assert Notice.objects.filter(audience_id="360000").count() == 2
    assert Notice.objects.get(audience_id="360100").publisher.name == "南昌市机关事务管理局"


@pytest.mark.django_db
def test_feedback_goes_to_the_bureau_of_the_reporters_city(seeded):
    event = Event.objects.get(type="core.feedback")
    assert event.reporter.username == "staff"
    assert event.assignee_unit.name == "南昌市机关事务管理局"


@pytest.mark.django_db
def test_business_modules_are_switched_on_and_their_flows_set_for_the_province(seeded):
    assert ModuleEnablement.objects.get(module="seedtest").region_id == "360000"
    flow = ApprovalFlow.objects.get(business_type="seedtest.apply")
    assert flow.region_id == "360000" and flow.name == "测试申请审批流程"
    assert [(s.name, s.role.code) for s in flow.steps.order_by("order")] == [
        ("单位审核", "unit_admin"), ("机关事务管理局审批", "region_bureau_admin"),
    ]


@pytest.mark.django_db
def test_settled_inboxes_keep_only_the_newest_notifications_unread():
    from datetime import timedelta

    from django.utils import timezone

    from jiguan.core.demo.activity import settle_inboxes
    from jiguan.core.models import Notification
    from jiguan.core.testing import make_account

    busy, quiet = make_account("busy"), make_account("quiet")
    start = timezone.now() - timedelta(days=30)
    for day in range(15):
        note = Notification.objects.create(recipient=busy, title=f"第{day}天")
        Notification.objects.filter(pk=note.pk).update(created_at=start + timedelta(days=day))
    for n in range(3):
        Notification.objects.create(recipient=quiet, title=f"消息{n}")
    settle_inboxes(keep=10)
    unread = Notification.objects.filter(recipient=busy, read_at__isnull=True)
    assert sorted(unread.values_list("title", flat=True)) == sorted(f"第{day}天" for day in range(5, 15))
    read = Notification.objects.filter(recipient=busy, read_at__isnull=False)
    assert read.count() == 5 and all(note.read_at == note.created_at for note in read)
    assert Notification.objects.filter(recipient=quiet, read_at__isnull=True).count() == 3
