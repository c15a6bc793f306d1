"""An audience page behind a network that blocks WebSockets falls back to Server-Sent Events."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.support import (
    Deployment,
    Pages,
    api_state,
    indices,
    post_state,
    wait_indices,
    wait_js,
    wait_same,
    wait_status,
    wire,
)
from tests.helpers import MARKDOWN_DECK, TIMEOUT_FACTOR, ServerProcess

pytestmark = pytest.mark.browser

# Two failed WebSocket attempts (the second after a backoff under 1 s), then SSE.
FALLBACK_MS = 8_000 * TIMEOUT_FACTOR
# A restarted server is found again by EventSource's own retry (2 s) and our backoff.
RECONNECT_MS = 15_000 * TIMEOUT_FACTOR

# A WebSocket that never opens: it fires `error` and `close` soon after it is made,
# as behind a proxy that drops the upgrade. Every attempt is counted.
BLOCK_WEBSOCKETS = """
(() => {
  const attempts = [];
  Object.defineProperty(window, '__wsAttempts', { value: attempts });
  class BlockedWebSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = String(url);
      this.readyState = BlockedWebSocket.CONNECTING;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      attempts.push(this.url);
      setTimeout(() => {
        this.readyState = BlockedWebSocket.CLOSED;
        const error = new Event('error');
        this.dispatchEvent(error);
        if (this.onerror) this.onerror(error);
        const close = new CloseEvent('close', { code: 1006, wasClean: false });
        this.dispatchEvent(close);
        if (this.onclose) this.onclose(close);
      }, 30);
    }
    send() { throw new DOMException('not open', 'InvalidStateError'); }
    close() {}
  }
  for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) {
    BlockedWebSocket[name] = value;
    BlockedWebSocket.prototype[name] = value;
  }
  window.WebSocket = BlockedWebSocket;
})();
"""

TRANSPORT = "document.getElementById('presenter-connection').dataset.transport"
LABEL = "document.querySelector('#presenter-connection .presenter-connection-label').textContent"
SLIDES_TEXT = "document.querySelector('.reveal .slides').textContent"


def blocked_audience(pages: Pages, server: ServerProcess, deck: str = "md") -> Page:
    """An audience page whose WebSockets never open."""
    opened = pages.new(f"blocked audience {deck}")
    opened.page.add_init_script(BLOCK_WEBSOCKETS)
    opened.page.goto(f"{server.base}/decks/{deck}/")
    wait_js(opened.page, "window.presenterLive && window.presenterLive.following")
    wait_status(opened.page, "live", timeout=FALLBACK_MS)
    return opened.page


def save(path: Path, text: str) -> None:
    """Save as an editor does: write a dotfile, rename it over the old one."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_blocked_websockets_fall_back_to_sse_and_follow_the_presenter(
    server: ServerProcess, pages: Pages, tmp_path: Path
) -> None:
    page = blocked_audience(pages, server)
    assert page.evaluate(TRANSPORT) == "sse"
    assert "SSE" in page.evaluate(LABEL)
    assert "Server-Sent Events" in (page.get_attribute("#presenter-connection", "title") or "")
    attempts = page.evaluate("window.__wsAttempts")
    assert len(attempts) >= 2, attempts
    assert all(url.endswith("/decks/md/ws?as=audience") for url in attempts), attempts

    # The HTTP API moves everyone, the SSE page included.
    post_state(server, wire(3))
    wait_indices(page, 3, 0)
    post_state(server, wire(2, 1))
    wait_indices(page, 2, 1)

    # A presenter page (on a WebSocket) drives it too.
    presenter = pages.presenter(server)
    presenter.click("#next")
    want = wait_same(presenter, page)
    assert api_state(server)["state"]["indexh"] == want["h"]
    assert page.evaluate(TRANSPORT) == "sse"
    # No WebSocket was tried again once on SSE.
    assert page.evaluate("window.__wsAttempts.length") == len(attempts)


def test_an_sse_page_gets_live_reload(server: ServerProcess, pages: Pages, tmp_path: Path) -> None:
    page = blocked_audience(pages, server)
    post_state(server, wire(1))
    wait_indices(page, 1, 0)
    page.evaluate("window.__sameDocument = true")
    save(
        tmp_path / "decks" / "md" / "slides.md",
        MARKDOWN_DECK.replace("## Fragments", "## Fragments edited over SSE"),
    )
    wait_js(
        page,
        f"(t) => ({SLIDES_TEXT}).includes(t)",
        "Fragments edited over SSE",
        5_000 * TIMEOUT_FACTOR,
    )
    # Swapped in place, on the same slide, still on SSE.
    assert page.evaluate("window.__sameDocument === true")
    assert indices(page)["h"] == 1
    assert page.evaluate(TRANSPORT) == "sse"
    wait_status(page, "live")


def test_an_unblocked_page_uses_the_websocket(server: ServerProcess, pages: Pages) -> None:
    page = pages.audience(server)
    assert page.evaluate(TRANSPORT) == "websocket"
    assert "SSE" not in page.evaluate(LABEL)
    post_state(server, wire(2))
    wait_indices(page, 2, 0)
    assert page.evaluate(TRANSPORT) == "websocket"


def test_an_sse_page_reconnects_after_a_restart(deployment: Deployment, pages: Pages) -> None:
    server = deployment.start()
    page = blocked_audience(pages, server)
    before = post_state(server, wire(2, 1))
    wait_indices(page, 2, 1)
    mark = page.evaluate("window.__e2e.statuses.length")
    server.stop()
    wait_js(page, "(m) => window.__e2e.statuses.slice(m).some((s) => s !== 'live')", mark)

    restarted = deployment.start(port=server.port)
    # EventSource reconnects by itself (retry: 2000) and the welcome resyncs the page.
    wait_js(
        page,
        "(m) => { const s = window.__e2e.statuses.slice(m); return s[s.length - 1] === 'live'; }",
        mark,
        timeout=RECONNECT_MS,
    )
    assert page.evaluate("window.presenterLive.seq") == before["seq"]
    assert page.evaluate(TRANSPORT) == "sse"
    after = post_state(restarted, wire(1))
    assert after["seq"] == before["seq"] + 1
    wait_indices(page, 1, 0)
