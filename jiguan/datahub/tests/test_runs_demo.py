"""The ingestion demo on a small world: a published run with a few rejected rows, an aborted run, a held
run of 南昌市财政局; datasets the catalog demo did not make are skipped and said so."""

import random

import pytest

from jiguan.core.testing import make_account, make_person
from jiguan.datahub.demo.runs import seed_demo
from jiguan.datahub.models import Run
from jiguan.datahub.services import quality

from .runs_world import build

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_rejects_aborts_and_holds(django_capture_on_commit_callbacks):
    w = build()
    make_account("unit_admin", roles=("unit_admin",), unit=w.finance)
    for unit in (w.finance, w.jiujiang, w.nc_bureau):
        for n in range(15):
            make_person(unit, name=f"{unit.name[:2]}{n}号", gender="F" if n % 2 else "M")
    with django_capture_on_commit_callbacks(execute=True):
        summary = seed_demo("demo", random.Random(7))
    assert "人员信息" in summary and "asset_cards" in summary
    states = sorted(Run.objects.values_list("state", flat=True))
    assert states == ["aborted", "held", "published"]
    published = Run.objects.get(state="published")
    assert published.rows_out > 40 and published.rows_in == published.rows_out + published.rows_rejected
    assert Run.objects.get(state="aborted").error_report
    assert Run.objects.get(state="held").unit == w.finance
    trend = [point["at"] for point in quality.trend(published.dataset)]
    assert trend == sorted(trend) and (trend[-1] - trend[0]).days >= 30  # a history over weeks, not one minute
    assert published.versions.get().created_at.date() == trend[0].date()


def test_seed_demo_without_the_catalog_does_nothing(db):
    make_account("jx_admin", roles=("region_bureau_admin",))
    assert "无可发布的数据集" in seed_demo("demo", random.Random(1))
    assert not Run.objects.exists()
