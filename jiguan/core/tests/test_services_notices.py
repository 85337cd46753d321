"""Notices: published to a region inside the publisher's scope; seen by everyone at or below it."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Notice
from jiguan.core.services import notices
from jiguan.core.testing import make_account

from .services_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    world.jx_admin = make_account("jx_admin", roles=("region_bureau_admin",), unit=world.province_bureau)
    return world


def titles(user):
    return {n.title for n in notices.visible_notices(user)}


def test_each_sees_their_region_and_those_above(w):
    notices.publish_notice(w.jx_admin, title="全省通知", body="内容", audience_region_code="360000")
    nc = notices.publish_notice(w.nc_admin, title="南昌通知", body="内容", audience_region_code="360100", pinned=True)
    notices.publish_notice(w.jj_admin, title="九江通知", body="内容", audience_region_code="360400")
    assert nc.publisher == w.nc_bureau and nc.org_path == w.nc_bureau.org_path
    assert titles(w.staff) == {"全省通知", "南昌通知"}
    assert titles(w.jj_staff) == {"全省通知", "九江通知"}
    assert titles(w.sysadmin) == set()  # no unit, no region: only national notices
    assert notices.visible_notices(w.staff)[0].title == "南昌通知"  # pinned first


def test_expired_and_withdrawn_are_hidden(w):
    soon = notices.publish_notice(w.nc_admin, title="临时通知", body="内容", audience_region_code="360100",
                                  expires_at=timezone.now() + timedelta(seconds=1))
    Notice.objects.filter(pk=soon.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    kept = notices.publish_notice(w.nc_admin, title="停水通知", body="内容", audience_region_code="360100")
    assert titles(w.staff) == {"停水通知"}
    notices.withdraw_notice(w.nc_admin, kept.pk)
    assert titles(w.staff) == set()
    with pytest.raises(StateError):
        notices.withdraw_notice(w.nc_admin, kept.pk)
    with pytest.raises(Http404):
        notices.withdraw_notice(w.jj_admin, soon.pk)


def test_publishing_refusals(w):
    with pytest.raises(ValidationFailed) as excinfo:
        notices.publish_notice(w.nc_admin, title="", body="", audience_region_code="360000",
                               expires_at=timezone.now() - timedelta(days=1))
    assert set(excinfo.value.errors) == {"title", "body", "audience_region_code", "expires_at"}
    assert "不在您的管理范围内" in excinfo.value.errors["audience_region_code"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        notices.publish_notice(w.sysadmin, title="通知", body="内容", audience_region_code="360000")
    assert "__all__" in excinfo.value.errors
    with pytest.raises(NotAllowed):
        notices.publish_notice(w.staff, title="通知", body="内容", audience_region_code="360100")
    assert not Notice.objects.exists()
