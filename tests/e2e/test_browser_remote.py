"""The phone remote: one tap one step, swipes, blackout, login, and resync after a wake-up."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.support import (
    PHONE,
    Pages,
    api_state,
    indices,
    mouse_swipe,
    post_state,
    touch_swipe,
    wait_indices,
    wait_js,
    wait_same,
    wait_status,
    wait_text,
    wire,
)
from tests.helpers import SECRET, ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"
# State frames a page sent on its socket.
SENT_STATES = "() => window.__e2e.sent.map((s) => JSON.parse(s)).filter((m) => m.type === 'state')"

# What the browser does when the screen locks or wakes up.
SET_VISIBILITY = """
(state) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}
"""


def wait_seq(page: Page, seq: int) -> None:
    wait_js(page, "(n) => window.presenterLive.seq === n", seq)


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not laid out"
    return found  # type: ignore[return-value]


def step_and_check(
    remote: Page,
    audience: Page,
    server: ServerProcess,
    action: Any,
    seq: int,
    want: dict[str, Any],
) -> None:
    """Do ``action`` on the remote: exactly one step to ``want``, the audience follows."""
    action()
    wait_seq(remote, seq)
    wait_indices(remote, want["indexh"], want["indexv"], want["indexf"], expr=CURRENT)
    wait_same(remote, audience)
    snapshot = api_state(server)
    assert snapshot["seq"] == seq, f"one gesture made more than one step: {snapshot}"
    assert snapshot["state"] == want


def test_remote_taps_one_step_each_and_the_audience_follows(
    server: ServerProcess, pages: Pages
) -> None:
    audience = pages.audience(server)
    remote = pages.remote(server)
    assert remote.evaluate("window.innerWidth") == PHONE["width"]
    assert remote.evaluate("matchMedia('(pointer: coarse)').matches") is True
    wait_text(remote, "#slide-number", "1 / 5")
    wait_text(remote, "#notes", "SECRET-NOTE-ONE")
    assert remote.locator("#current-frame").is_hidden()
    assert api_state(server)["seq"] == 0

    remote.tap("#next")
    wait_seq(remote, 1)
    assert wait_same(remote, audience) == {"h": 1, "v": 0, "f": -1}
    wait_text(remote, "#slide-number", "2 / 5")
    wait_text(remote, "#notes", "SECRET-NOTE-TWO")
    assert "SECRET-NOTE-ONE" not in remote.inner_text("#notes")

    remote.tap("#next")
    wait_seq(remote, 2)
    assert wait_same(remote, audience) == {"h": 1, "v": 0, "f": 0}
    # Two taps, two steps: the second fragment is not shown, nobody went further.
    assert api_state(server) == {"deck": "md", "seq": 2, "state": wire(1, 0, 0)}
    assert [m["state"] for m in remote.evaluate(SENT_STATES)] == [wire(1, 0, -1), wire(1, 0, 0)]
    assert remote.inner_text("#slide-number").strip() == "2 / 5"
    assert indices(audience) == {"h": 1, "v": 0, "f": 0}
    assert audience.evaluate("window.presenterLive.following") is True

    # Blackout from the phone blacks out the room, and back; nobody moves.
    remote.tap("#blackout")
    wait_js(audience, "Reveal.isPaused() === true")
    wait_js(remote, "document.getElementById('blackout').getAttribute('aria-pressed') === 'true'")
    assert api_state(server)["state"] == wire(1, 0, 0, paused=True)
    remote.tap("#blackout")
    wait_js(audience, "Reveal.isPaused() === false")
    wait_js(remote, "document.getElementById('blackout').getAttribute('aria-pressed') === 'false'")
    assert wait_same(remote, audience) == {"h": 1, "v": 0, "f": 0}

    # Quick taps are not lost either: one more fragment, then the stack.
    remote.tap("#next")
    remote.tap("#next")
    wait_seq(remote, 6)
    assert wait_same(remote, audience) == {"h": 2, "v": 0, "f": None}
    assert api_state(server) == {"deck": "md", "seq": 6, "state": wire(2, 0)}
    wait_text(remote, "#slide-number", "3 / 5")
    wait_text(remote, "#notes", "No notes")


def test_remote_swipes_step_forward_and_back(server: ServerProcess, pages: Pages) -> None:
    """A drag of the primary pointer over the big Next button: one step, not also a tap."""
    audience = pages.audience(server)
    remote = pages.remote(server)
    post_state(server, wire(1, 0, 1))
    wait_seq(remote, 1)
    wait_same(remote, audience)

    pad = box(remote, "#next")
    y = pad["y"] + pad["height"] / 2
    right = pad["x"] + pad["width"] - 10
    # Left swipe (150 px), starting and ending on #next: the next slide.
    step_and_check(
        remote, audience, server, lambda: mouse_swipe(remote, y, right, right - 150), 2, wire(2, 0)
    )
    wait_text(remote, "#slide-number", "3 / 5")
    # Right swipe: back to the last fragment of the slide before.
    step_and_check(
        remote,
        audience,
        server,
        lambda: mouse_swipe(remote, y, right - 150, right),
        3,
        wire(1, 0, 1),
    )
    wait_text(remote, "#slide-number", "2 / 5")
    # A short drag is a tap on the button it started on, not a swipe.
    step_and_check(
        remote, audience, server, lambda: mouse_swipe(remote, y, right, right - 20), 4, wire(2, 0)
    )


def test_remote_touch_swipe_steps(server: ServerProcess, pages: Pages) -> None:
    """A finger swipe as a phone reports it: the browser must not take it for a pan.

    With ``touch-action: manipulation`` the browser may pan horizontally, so it
    answers a horizontal swipe with ``pointercancel`` and the remote never sees
    ``pointerup``.
    """
    audience = pages.audience(server)
    remote = pages.remote(server)
    remote.evaluate(
        """() => {
          window.__pointers = [];
          for (const type of ['pointerup', 'pointercancel']) {
            document.addEventListener(type, () => window.__pointers.push(type), true);
          }
        }"""
    )
    pad = box(remote, "#next")
    y = pad["y"] + pad["height"] / 2
    right = pad["x"] + pad["width"] - 10

    touch_swipe(remote, y, right, right - 150)
    wait_js(remote, "window.__pointers.length > 0")
    ended = remote.evaluate("window.__pointers")
    assert ended == ["pointerup"], (
        f"the browser took the swipe for a pan ({ended}): the remote never sees its end"
    )
    wait_seq(remote, 1)
    assert wait_same(remote, audience) == {"h": 1, "v": 0, "f": -1}
    assert api_state(server) == {"deck": "md", "seq": 1, "state": wire(1, 0, -1)}
    step_and_check(
        remote, audience, server, lambda: touch_swipe(remote, y, right - 150, right), 2, wire(0, 0)
    )


def test_remote_needs_the_presenter_login(server: ServerProcess, pages: Pages) -> None:
    page = pages.new("remote without cookie", PHONE, mobile=True).page
    response = page.goto(f"{server.base}/decks/md/remote")
    assert response is not None and response.status == 403
    assert page.locator("input#token[type=password]").is_visible()
    html = page.content()
    assert "SECRET-NOTE" not in html
    assert "presenter-config" not in html
    assert page.evaluate("typeof window.presenterLive") == "undefined"

    # A wrong token: refused again, still no remote.
    page.fill("#token", "not-the-token")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator(".error").is_visible()
    assert "SECRET-NOTE" not in page.content()

    # The right one: the remote, live, as presenter.
    page.fill("#token", SECRET)
    with page.expect_navigation():
        page.click("button[type=submit]")
    wait_js(page, "window.presenterLive && window.presenterLive.current")
    wait_status(page, "live")
    assert page.url.endswith("/decks/md/remote")
    wait_text(page, "#notes", "SECRET-NOTE-ONE")
    assert page.locator("#presenter-alert").is_hidden()


def test_remote_resyncs_after_the_phone_wakes_up(server: ServerProcess, pages: Pages) -> None:
    audience = pages.audience(server)
    remote = pages.remote(server)
    remote.evaluate("window.__loadedOnce = true")
    remote.tap("#next")
    wait_seq(remote, 1)
    wait_same(remote, audience)

    # The screen locks: the page is hidden and the OS drops its socket.
    mark = remote.evaluate("window.__e2e.statuses.length")
    remote.evaluate(SET_VISIBILITY, "hidden")
    remote.evaluate("window.presenterLive.connection.socket.close()")
    wait_js(remote, "(m) => window.__e2e.statuses.slice(m).includes('offline')", mark)
    # Meanwhile the talk goes on from elsewhere.
    moved = post_state(server, wire(2, 1))
    assert moved["seq"] == 2
    wait_js(audience, "window.presenterLive.seq === 2")

    # The phone wakes up: visible again, it reconnects at once and resyncs.
    remote.evaluate(SET_VISIBILITY, "visible")
    wait_status(remote, "live", timeout=3000)
    wait_seq(remote, 2)
    assert remote.evaluate("window.presenterLive.state") == wire(2, 1)
    wait_indices(remote, 2, 1, expr=CURRENT)
    wait_text(remote, "#slide-number", "4 / 5")
    wait_text(remote, "#notes", "SECRET-NOTE-THREE")
    assert remote.evaluate("window.__loadedOnce") is True, "the remote reloaded the page"
    # Waking up did not push the phone's stale slide back to everyone.
    assert api_state(server) == {"deck": "md", "seq": 2, "state": wire(2, 1)}
    assert indices(audience) == {"h": 2, "v": 1, "f": None}

    # A drop without a wake-up event: the backoff reconnects and resyncs too.
    mark = remote.evaluate("window.__e2e.statuses.length")
    remote.evaluate("window.presenterLive.connection.socket.close()")
    wait_js(remote, "(m) => window.__e2e.statuses.slice(m).includes('offline')", mark)
    # The next change after the wake-up: nothing was pushed in between.
    assert post_state(server, wire(3, 0))["seq"] == 3
    wait_js(remote, "(m) => window.__e2e.statuses.slice(m).at(-1) === 'live'", mark)
    wait_seq(remote, 3)
    wait_indices(remote, 3, 0, expr=CURRENT)
    wait_text(remote, "#slide-number", "5 / 5")
    assert remote.evaluate("window.__loadedOnce") is True

    # And it drives again.
    remote.tap("#prev")
    wait_seq(remote, 4)
    assert wait_same(remote, audience) == {"h": 2, "v": 1, "f": None}
