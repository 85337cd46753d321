"""Fixtures of the housing page tests: administrators sign in with a password alone, and ``login(name)``
signs the client in as the account ``w.<name>`` of the test's world (each test file builds its ``w``)."""

import pytest


@pytest.fixture(autouse=True)
def _password_suffices(settings):
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def login(client, w):
    def sign_in(name):
        client.logout()
        client.force_login(getattr(w, name))
        return client

    return sign_in
