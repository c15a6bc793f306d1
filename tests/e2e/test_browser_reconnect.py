"""Open pages survive a server restart: they reconnect and land on the persisted state."""

from __future__ import annotations

import pytest

from tests.e2e.support import (
    PHONE,
    TIMEOUT_MS,
    Deployment,
    Pages,
    api_state,
    indices,
    post_state,
    presenter_indices,
    wait_indices,
    wait_js,
    wait_same,
    wire,
)

pytestmark = pytest.mark.browser

# Reconnects back off with jitter (first retry within 1 s, then 2 s, 4 s ...), so a
# restart that takes a second or two may be noticed several seconds later.
RECONNECT_MS = 2.5 * TIMEOUT_MS

# True once the page went offline after its first `mark` statuses and is live again.
BACK_LIVE = """
(mark) => {
  const after = window.__e2e.statuses.slice(mark);
  return after.includes('offline') && after[after.length - 1] === 'live';
}
"""


def test_pages_reconnect_after_restart_and_land_on_new_state(
    deployment: Deployment, pages: Pages
) -> None:
    server = deployment.start()
    presenter = pages.presenter(server)
    desktop = pages.audience(server)
    phone = pages.audience(server, viewport=PHONE)
    everyone = (presenter, desktop, phone)

    before = post_state(server, wire(2, 1))
    assert before["seq"] == 1
    wait_indices(presenter, 2, 1, expr="presenterLive.current.getIndices()")
    wait_same(presenter, desktop, phone)

    marks = [page.evaluate("window.__e2e.statuses.length") for page in everyone]
    server.stop()
    for page in everyone:
        wait_js(page, "window.__e2e.statuses.includes('offline')")
        assert page.evaluate("document.getElementById('presenter-connection').dataset.status") in (
            "offline",
            "connecting",
        )

    restarted = deployment.start(port=server.port)
    assert api_state(restarted) == before, "the restarted server lost the persisted state"
    for page, mark in zip(everyone, marks, strict=True):
        wait_js(page, BACK_LIVE, mark, timeout=RECONNECT_MS)
        # Right after reconnecting: on the persisted state, with the persisted seq.
        assert page.evaluate("window.presenterLive.seq") == before["seq"]
        assert page.evaluate("window.presenterLive.state") == before["state"]
    assert presenter_indices(presenter) == {"h": 2, "v": 1, "f": None}
    for page in (desktop, phone):
        assert indices(page) == {"h": 2, "v": 1, "f": None}
        assert page.evaluate("window.presenterLive.following") is True
    # Still signed in as presenter after the restart (the cookie survives it).
    assert presenter.locator("#presenter-alert").is_hidden()

    after = post_state(restarted, wire(1, 0, 0))
    assert after["seq"] == before["seq"] + 1
    wait_indices(presenter, 1, 0, 0, expr="presenterLive.current.getIndices()")
    assert wait_same(presenter, desktop, phone) == {"h": 1, "v": 0, "f": 0}

    # And the reconnected presenter drives the restarted server.
    presenter.click("#next")
    wait_indices(presenter, 1, 0, 1, expr="presenterLive.current.getIndices()")
    wait_same(presenter, desktop, phone)
    wait_js(presenter, "(n) => window.presenterLive.seq === n", after["seq"] + 1)
    assert api_state(restarted) == {
        "deck": "md",
        "seq": after["seq"] + 1,
        "state": wire(1, 0, 1),
    }
