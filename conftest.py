"""Suite-wide fixtures: fast hashing, immediate tasks, and a headless Chromium for browser journeys."""

import os
import shutil

import pytest
from django.core.cache import cache

from jiguan.core.testing import FAST_HASHERS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

BROWSER_SKIPPED: list[str] = []


def chromium_path() -> str | None:
    return os.environ.get("JIGUAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # every test client is 127.0.0.1: rate-limit counts must not carry over


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium); browser journeys cannot run.")
        BROWSER_SKIPPED.append("chromium not found")
        pytest.skip("Chromium not installed: browser journeys did not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def pytest_terminal_summary(terminalreporter):
    if BROWSER_SKIPPED:
        terminalreporter.write_line(
            "!! BROWSER TESTS DID NOT RUN: Chromium is not installed (apt-get install chromium). !!",
            red=True, bold=True,
        )
