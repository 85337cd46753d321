"""The quality demo on a small world: elements, measures over the months, and an issue at every stage."""

import random

import pytest

from jiguan.core.demo.accounts import NANCHANG_BUREAU, NANCHANG_FINANCE, PROVINCE_BUREAU
from jiguan.core.testing import make_account, make_person, make_unit
from jiguan.datahub.demo.quality import seed_demo
from jiguan.datahub.models import DataElement, Discrepancy, QualityIssue, QualityMeasure
from jiguan.datahub.services import quality

pytestmark = pytest.mark.django_db


def test_demo_shows_every_stage_and_a_trend():
    province = make_unit("360000", PROVINCE_BUREAU, is_bureau=True)
    bureau = make_unit("360100", NANCHANG_BUREAU, is_bureau=True)
    finance = make_unit("360100", NANCHANG_FINANCE)
    for n in range(12):
        make_person(finance, name=f"财政{n}", rank="bureau_deputy" if n % 2 else "below_bureau")
    make_account("jx_admin", roles=("region_bureau_admin",), unit=province)
    make_account("nc_admin", roles=("region_bureau_admin",), unit=bureau)
    make_account("unit_admin", roles=("unit_admin",), unit=finance)
    summary = seed_demo("small", random.Random(7))
    assert "数据质量" in summary
    assert set(DataElement.objects.values_list("code", flat=True)) == {"person-rank", "unit-credit-code",
                                                                      "room-usable-area"}
    stages = set(QualityIssue.objects.values_list("event__status", flat=True))
    assert {"new", "dispatched", "in_progress", "resolved"} <= stages
    assert Discrepancy.objects.filter(state="open").exists()
    assert QualityMeasure.objects.filter(validity__isnull=False).count() == 6 * 7
    assert len(quality.trend(QualityMeasure.objects.first().dataset)) == 7
