"""Fixtures the pool's view tests share."""

import pytest


@pytest.fixture
def as_(client, request):
    """``as_(account)``, or ``as_("finance_admin")`` for an account of the test's world ``w`` → the test client
    signed in as that account alone."""
    def sign_in(who):
        account = getattr(request.getfixturevalue("w"), who) if isinstance(who, str) else who
        client.logout()
        client.force_login(account)
        return client

    return sign_in
