"""Tokens and grants are remembered between requests, and every change that matters forgets them."""

import pytest

from jiguan.core import authcache
from jiguan.core.models import Account, Role, RoleAssignment
from jiguan.core.scoping import has_permission
from jiguan.core.services.auth import authenticate_token, issue_token, revoke_token
from jiguan.core.testing import PASSWORD, make_account, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(rf, settings):
    settings.REQUIRE_ADMIN_2FA = False  # the second factor is tested elsewhere; here only the cache
    account = make_account("cached", roles=("unit_admin",), unit=make_unit())
    _token, raw = issue_token(rf.post("/api/v1/auth/token"), username="cached", password=PASSWORD)
    return account, raw


def test_a_remembered_token_costs_no_query(token, django_assert_num_queries):
    account, raw = token
    assert has_permission(authenticate_token(raw), "core.view_people")  # first request: read and remembered
    with django_assert_num_queries(0):
        user = authenticate_token(raw)
        assert has_permission(user, "core.view_people")


def test_each_request_gets_its_own_account_object(token):
    _account, raw = token
    first, second = authenticate_token(raw), authenticate_token(raw)
    assert first == second and first is not second
    has_permission(first, "core.view_people")
    assert "_grant_cache" not in second.__dict__


def test_revoking_takes_effect_at_once(token):
    account, raw = token
    assert authenticate_token(raw) == account
    revoke_token(account, raw=raw)
    assert authenticate_token(raw) is None


def test_disabling_the_account_takes_effect_at_once(token):
    account, raw = token
    assert authenticate_token(raw) == account
    fresh = Account.objects.get(pk=account.pk)
    fresh.is_active = False
    fresh.save(update_fields=["is_active"])
    assert authenticate_token(raw) is None


def test_role_changes_take_effect_on_the_next_request(token):
    account, raw = token
    assert not has_permission(authenticate_token(raw), "core.view_audit")
    RoleAssignment.objects.create(account=account, role=Role.objects.get(code="audit_admin"))
    assert has_permission(authenticate_token(raw), "core.view_audit")
    RoleAssignment.objects.filter(account=account, role__code="audit_admin").delete()
    assert not has_permission(authenticate_token(raw), "core.view_audit")


def test_role_permission_edits_take_effect_on_the_next_request(token):
    account, raw = token
    role = Role.objects.get(code="unit_admin")
    assert has_permission(authenticate_token(raw), "core.view_people")
    role.permissions = [p for p in role.permissions if p != "core.view_people"]
    role.save()
    assert not has_permission(authenticate_token(raw), "core.view_people")


def test_another_process_notices_through_the_shared_generation(token):
    """What a second server sees: its memory holds an old generation, the shared cache a newer one."""
    account, raw = token
    authenticate_token(raw)
    authcache._entries.clear()  # this process forgets nothing else, as another process would not
    authenticate_token(raw)
    from django.core.cache import cache

    cache.incr(authcache.GENERATION_KEY)  # a change made elsewhere
    RoleAssignment.objects.filter(account=account).update(role=Role.objects.get(code="staff"))
    assert not has_permission(authenticate_token(raw), "core.view_people")


def test_a_flushed_cache_never_revives_old_entries(token):
    """After the shared cache is flushed the generation restarts from a new value, not from 1."""
    from django.core.cache import cache

    account, raw = token
    assert has_permission(authenticate_token(raw), "core.view_people")
    cache.clear()
    RoleAssignment.objects.filter(account=account).update(role=Role.objects.get(code="staff"))  # no signal
    assert not has_permission(authenticate_token(raw), "core.view_people")
