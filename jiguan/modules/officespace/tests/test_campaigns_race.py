"""Races of 清查盘点: two bureaus opening over one region at once, and a unit submitting while a colleague
still corrects a room: the task's row lock makes each outcome consistent."""

import pytest
from django.utils import timezone

from jiguan.core.errors import ServiceError, StateError
from jiguan.core.testing import run_at_once
from jiguan.modules.officespace.models import Campaign, CampaignBuilding, CampaignRoom, CampaignTask
from jiguan.modules.officespace.services import campaigns as cs

from .test_campaigns import DEADLINE, campaign_world, open_nanchang

pytestmark = pytest.mark.django_db(transaction=True)  # the racers need committed rows


def test_two_bureaus_opening_over_one_region_at_once_give_one_campaign():
    w = campaign_world()
    year = timezone.localdate().year
    results = run_at_once(
        lambda: open_nanchang(w),
        lambda: cs.open_campaign(w.province_admin, name="南昌市办公用房专项清查", year=year, deadline=DEADLINE,
                                 region_code="360100"),
    )
    winners = [r for r in results if isinstance(r, Campaign)]
    assert len(winners) == 1 and isinstance(next(r for r in results if r not in winners), ServiceError), results
    assert Campaign.objects.count() == 1
    assert CampaignTask.objects.filter(campaign__in=winners).count() == 2


def test_a_submission_and_a_late_correction_never_leave_an_unchecked_room_submitted():
    w = campaign_world()
    campaign = open_nanchang(w)
    task = CampaignTask.objects.get(campaign=campaign, unit=w.finance)
    last = CampaignRoom.objects.get(campaign=campaign, number="301")
    cs.confirm_rooms(w.fin_admin, task.pk, list(task.rooms.exclude(pk=last.pk).values_list("pk", flat=True)))
    cs.correct_room(w.fin_admin, last.pk, category="office", usable_area="30", state="in_use")
    building = CampaignBuilding.objects.get(task=task)
    cs.save_building_figures(w.fin_admin, building.pk, book_area="3000", book_value="1", certificate_at_hand=False)

    results = run_at_once(
        lambda: cs.submit_task(w.fin_admin, task.pk),
        lambda: cs.correct_room(w.fin_admin2, last.pk, category="office", usable_area="28.5", state="in_use"),
    )

    assert isinstance(results[0], CampaignTask), results
    correction = CampaignRoom.objects.get(pk=last.pk)
    if isinstance(results[1], StateError):  # the submission came first: the checklist was frozen
        assert correction.found_usable_area is None and correction.result == "confirmed"
    else:  # the correction came first and was submitted with the rest
        assert correction.found_usable_area == 28.5
