"""The 清查盘点 demo seeder on a small ledger: last year's campaign closed with every unit accepted and some
differences, this year's open with its units' checklists under way."""

import random

import pytest
from django.utils import timezone

from jiguan.modules.officespace.demo.campaigns import seed_demo
from jiguan.modules.officespace.models import Campaign, CampaignRoom
from jiguan.modules.officespace.services import campaigns as cs

from .test_campaigns import campaign_world

pytestmark = pytest.mark.django_db


def test_the_seeder_leaves_a_closed_and_an_open_campaign():
    campaign_world()
    summary = seed_demo("demo", random.Random(7))
    year = timezone.localdate().year
    last, current = Campaign.objects.get(year=year - 1), Campaign.objects.get(year=year)
    assert (last.state, last.closed_on.year, last.deadline.year) == ("closed", year - 1, year - 1)
    assert set(last.tasks.values_list("state", flat=True)) == {"accepted"}
    assert not CampaignRoom.objects.filter(campaign=last, result="pending").exists()
    assert cs.differences(last.tasks.all())  # the units without certificates or documents at least
    assert current.state == "open" and current.deadline > timezone.localdate()
    assert current.tasks.count() == last.tasks.count() == 2
    assert f"{year - 1}年度已结束" in summary and "进行中" in summary
