"""Fixtures for the browser tests: Chromium through sync Playwright against pytest-django's live server.

Each test gets a fresh browser context and a ``Screenshots`` writer whose files land in
``test-results/e2e/<test>/<nn>-<step>.png`` (git ignores ``/test-results/``).
"""

import os
import re

import pytest

from tests.e2e.browser import chromium_path, launch
from tests.e2e.pages import Screenshots

# Chromium in CI answers in well under a second; a slow machine gets 15 s per action before failing.
ACTION_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, bound to 127.0.0.1 (its default is "localhost") on a free port.

    ``E2E_SERVER_ADDRESS`` (e.g. ``127.0.0.1:8123``) picks the port by hand.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(os.environ.get("E2E_SERVER_ADDRESS", "127.0.0.1:0"))
    yield server
    server.stop()


@pytest.fixture
def _playwright(transactional_db):
    """Start sync Playwright for one test, after its database is set up, and stop it before teardown.

    Sync Playwright runs its asyncio loop in greenlets, and while it runs Django sees an "async
    context": it refuses ORM calls (hence ``DJANGO_ALLOW_ASYNC_UNSAFE``, safe here: the test's own setup
    and checks, one at a time, in this thread) and hands out other connection objects than the test
    case's. So Playwright lives inside the test only: those connections are closed and the variable
    unset before pytest-django flushes and restores the database with the test case's own connection.
    """
    if chromium_path() is None:
        pytest.fail("Chromium is not installed: run `make browsers` (apt-get install -y chromium).")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        manager = sync_playwright().start()
        try:
            yield manager
        finally:
            connections.close_all()
            manager.stop()


@pytest.fixture
def browser(_playwright):
    browser = launch(_playwright)
    yield browser
    browser.close()


@pytest.fixture
def e2e_settings(settings):
    """Serve uploaded media from the live server too (DEBUG is off in tests, so shop.urls does not)."""
    settings.ROOT_URLCONF = "tests.e2e.urls"
    return settings


@pytest.fixture
def page(browser, live_server, e2e_settings):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def _output_root(config):
    return config.rootpath / os.environ.get("E2E_OUTPUT_DIR", "test-results/e2e")


@pytest.fixture
def shots(request, page) -> Screenshots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    shots = Screenshots(page=page, folder=_output_root(request.config) / name)
    yield shots
    _TAKEN.extend(shots.taken)


_TAKEN = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say where the screenshots of this run are (the artefacts CI keeps)."""
    if _TAKEN:
        terminalreporter.write_sep("-", f"{len(_TAKEN)} screenshots under {_output_root(config)}")
        for path in _TAKEN:
            terminalreporter.write_line(str(path))
