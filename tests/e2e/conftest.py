"""Fixtures for the browser tests: one headless Chromium, a real server per test.

Run these in their own pytest invocation (``pytest tests/e2e``): they use the
sync Playwright API, which must not share a process with asyncio tests.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.e2e.support import Deployment, Pages
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, ServerProcess, write_decks

_servers_key = pytest.StashKey[list[ServerProcess]]()
_pages_key = pytest.StashKey[Pages]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach every server's output and every page's console to the report."""
    report = yield
    if report.failed:
        for server in item.stash.get(_servers_key, []):
            report.sections.append((f"presenter serve :{server.port}", server.output()))
        pages = item.stash.get(_pages_key, None)
        if pages is not None and pages.opened:
            report.sections.append(("browser console", pages.report()))
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium, or PRESENTER_CHROMIUM)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """Servers for one test; all of them are stopped afterwards, whatever happens."""
    found = Deployment(write_decks(tmp_path / "decks"), tmp_path / "state")
    request.node.stash[_servers_key] = found.servers
    try:
        yield found
    finally:
        found.stop_all()


@pytest.fixture
def server(deployment: Deployment) -> ServerProcess:
    """A ``presenter serve`` subprocess on 127.0.0.1 serving the ``md`` and ``html`` decks."""
    return deployment.start()


@pytest.fixture
def pages(
    request: pytest.FixtureRequest, browser: Browser, deployment: Deployment
) -> Iterator[Pages]:
    """Opens pages, each in its own context; fails the test on an uncaught page error.

    Depends on ``deployment`` so pages close before the servers stop.
    """
    opened = Pages(browser)
    request.node.stash[_pages_key] = opened
    try:
        yield opened
        uncaught = opened.uncaught()
        assert not uncaught, "uncaught errors in pages:\n" + "\n".join(uncaught)
    finally:
        opened.close_all()
