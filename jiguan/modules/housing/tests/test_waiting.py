"""The waiting list: the score and its stored breakdown, tie-breaking, the position an applicant is shown,
criteria per region (validation, scope) and the rescoring when criteria change or months pass."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.jobs import run_job
from jiguan.modules.housing.models import Application, ScoringCriteria
from jiguan.modules.housing.services import waiting as waiting_service

from .world import build_world, spouse, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def order(w) -> list[str]:
    region = w.finance.region
    return [a.person.name for a in waiting_service.waiting_list(region)]


def test_score_breakdown_is_stored_and_explained(w):
    child = spouse(2, relation="child", name="孩子")
    application = waiting(w, w.deputy_account, hardship_level=2, family=[spouse(), child])
    items = {item["factor"]: item for item in waiting_service.explained(application)}
    assert (items["rank"]["quantity"], items["rank"]["points"]) == (1, "2.00")  # 副局(处)级: one step up
    assert (items["family"]["quantity"], items["family"]["points"]) == (2, "10.00")
    assert (items["hardship"]["quantity"], items["hardship"]["points"]) == (2, "20.00")
    assert items["waited"]["quantity"] == 0
    assert application.score == Decimal("32") and items["family"]["label"] == "随迁家庭成员"


def test_months_waited_count_after_the_daily_job(w):
    application = waiting(w)
    Application.objects.filter(pk=application.pk).update(eligible_since=timezone.localdate() - timedelta(days=95))
    assert run_job("housing.waiting_scores") == "ok: 1 rescored"
    application.refresh_from_db()
    assert application.score == 3 and application.score_breakdown["items"][2]["quantity"] == 3


def test_ties_go_to_the_earlier_eligibility_then_the_earlier_application(w):
    first = waiting(w, w.staff)
    second = waiting(w, w.staff2)
    third = waiting(w, w.auditor_account)
    assert first.score == second.score == third.score == 0
    assert order(w) == ["王科员", "赵科员", "钱审计"]  # same day: by application
    Application.objects.filter(pk=third.pk).update(eligible_since=timezone.localdate() - timedelta(days=3))
    assert order(w) == ["钱审计", "王科员", "赵科员"]  # earlier eligibility first (the stored score unchanged)


def test_position_says_how_many_are_ahead(w):
    waiting(w, w.staff, hardship_level=1)
    mine = waiting(w, w.staff2)
    assert waiting_service.position(mine) == {"position": 2, "ahead": 1, "total": 2}
    first = Application.objects.get(person=w.clerk)
    assert waiting_service.position(first)["position"] == 1
    assert waiting_service.position(Application(state="submitted")) is None


def test_criteria_change_rescores_the_list(w):
    waiting(w, w.deputy_account)  # 2 points for the rank
    waiting(w, w.staff, family=[spouse()])  # 5 points for the spouse
    assert order(w) == ["王科员", "李副局长"]
    waiting_service.set_criteria(w.nc_admin, "360100", points_per_rank_step="10")
    assert order(w) == ["李副局长", "王科员"]
    assert Application.objects.get(person=w.deputy).score == 10


def test_criteria_are_inherited_from_the_region_above(w):
    ScoringCriteria.objects.create(region_id="360000", points_per_family_member=Decimal("7"))
    assert waiting_service.criteria_for(w.finance.region).points_per_family_member == 7
    assert waiting_service.criteria_for(w.jj_bureau.region).offer_days == 7  # the documented default


@pytest.mark.parametrize(("field", "value"), [
    ("points_per_rank_step", "-1"), ("points_per_family_member", "1001"), ("points_per_month_waited", "abc"),
    ("points_per_hardship_level", "1.234"), ("offer_days", 0), ("declines_before_end", 11),
    ("category_window_months", "十二"),
])
def test_bad_criteria_are_refused_and_change_nothing(w, field, value):
    with pytest.raises(ValidationFailed) as refusal:
        waiting_service.set_criteria(w.nc_admin, "360100", **{field: value})
    assert field in refusal.value.errors
    assert not ScoringCriteria.objects.exists()


def test_criteria_only_for_regions_in_scope(w):
    with pytest.raises(NotAllowed):
        waiting_service.set_criteria(w.jj_admin, "360100", offer_days=3)
    with pytest.raises(NotAllowed):
        waiting_service.set_criteria(w.fin_admin, "360100", offer_days=3)
    with pytest.raises(ValidationFailed):
        waiting_service.set_criteria(w.nc_admin, "999999", offer_days=3)
    assert not ScoringCriteria.objects.exists()
