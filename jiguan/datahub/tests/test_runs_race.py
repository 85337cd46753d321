"""Races: two reviewers publishing held runs of two units at once both land (no lost update, each builds on
the other's version); the same held run accepted twice at once is published once."""

import pytest

from jiguan.core.errors import StateError
from jiguan.core.testing import make_unit, run_at_once
from jiguan.datahub.models import DatasetVersion
from jiguan.datahub.services import runs

from .runs_world import build, csv_upload, person_row, published


@pytest.mark.django_db(transaction=True)
def test_held_runs_of_two_units_published_at_once_keep_both():
    w = build()
    other = make_unit("360100", "南昌市审计局")
    runs.submit(w.jx_admin, dataset_id=w.persons.pk, upload=csv_upload([person_row(1, w.jiujiang)]))
    first = runs.submit(w.fin_admin, dataset_id=w.persons.pk, upload=csv_upload([person_row(2, w.finance)]), hold=True)
    second = runs.submit(w.nc_admin, dataset_id=w.persons.pk, unit_id=other.pk, hold=True,
                         upload=csv_upload([person_row(3, other)]))
    results = run_at_once(lambda: runs.publish_held(w.nc_admin, first.pk),
                          lambda: runs.publish_held(w.nc_admin, second.pk))
    assert [r.state for r in results] == ["published", "published"]
    assert sorted(r["name"] for r in published(w.persons)) == ["张1", "张2", "张3"]
    assert DatasetVersion.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_held_run_accepted_twice_at_once_is_published_once():
    w = build()
    held = runs.submit(w.fin_admin, dataset_id=w.persons.pk, upload=csv_upload([person_row(2, w.finance)]), hold=True)
    results = run_at_once(lambda: runs.publish_held(w.nc_admin, held.pk), lambda: runs.publish_held(w.jx_admin, held.pk))
    assert sorted(type(r).__name__ for r in results) == ["Run", "StateError"]
    assert isinstance(next(r for r in results if not hasattr(r, "state")), StateError)
    assert DatasetVersion.objects.count() == 1
