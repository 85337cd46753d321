"""Two bureaus acknowledge the same quality issue at once: exactly one moves it, the other is told."""

import pytest

from jiguan.core.errors import StateError
from jiguan.core.models import TimelineEntry
from jiguan.core.testing import run_at_once
from jiguan.datahub.models import QualityIssue
from jiguan.datahub.services import quality

from .test_quality_world import build, submit


@pytest.mark.django_db(transaction=True)
def test_one_acknowledgement_wins():
    w = build()
    submit(w.personnel, w.bureau, [("360102198501010011", "张三", "一级主任科员")])
    submit(w.payroll, w.finance, [("360102198501010011", "张三", "科员")])
    issue = QualityIssue.objects.get()
    results = run_at_once(lambda: quality.acknowledge_issue(w.nc_admin, issue.pk),
                          lambda: quality.acknowledge_issue(w.jx_admin, issue.pk))
    assert sorted(type(r).__name__ for r in results) == ["QualityIssue", "StateError"]
    assert any(isinstance(r, StateError) for r in results)
    assert TimelineEntry.objects.filter(object_id=str(issue.event_id), action="dispatch").count() == 1
