"""Helpers for the browser tests: opening pages, bounded waits, the HTTP API."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
from playwright.sync_api import Error as PlaywrightError

from tests.helpers import (
    SECRET,
    TIMEOUT_FACTOR,
    ServerProcess,
    start_server,
)

# Every wait is bounded by this (milliseconds); PRESENTER_TEST_TIMEOUT_FACTOR stretches it.
TIMEOUT_MS = 10_000 * TIMEOUT_FACTOR
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Runs before any script of every page (and frame): records what the page went
# through, so tests can assert on history rather than poll for fleeting states.
#   events:   reveal.js `ready` / `slidechanged`, with whether the page was still hidden
#   shown:    every distinct (pending, h, v) the DOM went through
#   statuses: every distinct #presenter-connection data-status, in order
#   sent:     every frame the page sent on a WebSocket
RECORDER = """
(() => {
  const log = { events: [], shown: [], statuses: [], sent: [] };
  Object.defineProperty(window, '__e2e', { value: log });
  const pending = () => document.documentElement.classList.contains('presenter-pending');
  const position = () => {
    const tops = [...document.querySelectorAll('.reveal .slides > section')];
    const h = tops.findIndex((s) => s.classList.contains('present'));
    if (h < 0) return null;
    const stack = [...tops[h].querySelectorAll(':scope > section')];
    const v = stack.findIndex((s) => s.classList.contains('present'));
    return { h, v: Math.max(v, 0) };
  };
  for (const type of ['ready', 'slidechanged']) {
    document.addEventListener(type, (e) => {
      log.events.push({ type, h: e.indexh, v: e.indexv, pending: pending() });
    }, true);
  }
  const observe = () => {
    const el = document.getElementById('presenter-connection');
    const status = el ? el.dataset.status : undefined;
    if (status && log.statuses[log.statuses.length - 1] !== status) log.statuses.push(status);
    const at = position();
    if (at) {
      const entry = { pending: pending(), h: at.h, v: at.v };
      const last = log.shown[log.shown.length - 1];
      if (!last || last.pending !== entry.pending || last.h !== entry.h || last.v !== entry.v) {
        log.shown.push(entry);
      }
    }
  };
  new MutationObserver(observe).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['class', 'data-status'],
  });
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    log.sent.push(String(data));
    return send.call(this, data);
  };
})();
"""

# (h, v, f) compared with an expression giving indices; f None means "whatever
# reveal.js reports". Built as source (Playwright evaluates it over the DevTools
# protocol) rather than with eval(), which the pages' CSP forbids.
_INDICES_MATCH = """
([h, v, f]) => {
  const i = (%s);
  return !!i && i.h === h && i.v === v && (f === null || i.f === f);
}
"""


@dataclass
class Deployment:
    """A tmp copy of the test decks, a state dir, and the servers started on them."""

    decks: Path
    state_dir: Path
    servers: list[ServerProcess] = field(default_factory=list)

    def start(self, port: int | None = None) -> ServerProcess:
        """Start ``presenter serve`` on the decks (on ``port`` if given)."""
        server = start_server(self.decks, "--state-dir", str(self.state_dir), port=port)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


@dataclass
class Opened:
    """A page in its own browser context (own cookies), with its console kept."""

    page: Page
    context: BrowserContext
    name: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Pages:
    """Opens pages for one test and closes them all afterwards."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.opened: list[Opened] = []

    def new(
        self, name: str, viewport: dict[str, int] | None = None, *, mobile: bool = False
    ) -> Opened:
        """A blank page in a fresh context, the recorder installed.

        ``mobile`` makes it a touch phone (``has_touch`` and ``is_mobile``).
        """
        context = self.browser.new_context(
            viewport=viewport or DESKTOP,  # type: ignore[arg-type]
            has_touch=mobile,
            is_mobile=mobile,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORDER)
        page = context.new_page()
        opened = Opened(page, context, name)

        def on_console(msg: ConsoleMessage) -> None:
            opened.console.append(f"{msg.type}: {msg.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
        self.opened.append(opened)
        return opened

    def audience(
        self,
        server: ServerProcess,
        deck: str = "md",
        viewport: dict[str, int] | None = None,
        *,
        live: bool = True,
    ) -> Page:
        """An audience page of ``deck``, following (and, unless ``live`` is false, live)."""
        opened = self.new(f"audience {deck} {len(self.opened)}", viewport)
        opened.page.goto(f"{server.base}/decks/{deck}/")
        wait_js(opened.page, "window.presenterLive && window.presenterLive.following")
        if live:
            wait_status(opened.page, "live")
        return opened.page

    def presenter(
        self, server: ServerProcess, deck: str = "md", viewport: dict[str, int] | None = None
    ) -> Page:
        """A presenter page of ``deck``, signed in with the token and live."""
        opened = self.new(f"presenter {deck} {len(self.opened)}", viewport)
        opened.page.goto(f"{server.base}/decks/{deck}/presenter?token={SECRET}")
        assert "token=" not in opened.page.url
        wait_js(opened.page, "window.presenterLive && window.presenterLive.current")
        wait_status(opened.page, "live")
        return opened.page

    def remote(self, server: ServerProcess, deck: str = "md") -> Page:
        """The phone remote of ``deck`` on a touch phone, signed in with the token and live."""
        opened = self.new(f"remote {deck} {len(self.opened)}", PHONE, mobile=True)
        opened.page.goto(f"{server.base}/decks/{deck}/remote?token={SECRET}")
        assert "token=" not in opened.page.url
        wait_js(opened.page, "window.presenterLive && window.presenterLive.current")
        wait_status(opened.page, "live")
        return opened.page

    def close(self, page: Page) -> None:
        """Close one page's context (as a viewer closing the tab)."""
        for opened in self.opened:
            if opened.page is page:
                opened.context.close()

    def close_all(self) -> None:
        for opened in self.opened:
            with contextlib.suppress(PlaywrightError):
                opened.context.close()

    def report(self) -> str:
        """Console output and uncaught errors of every page, for a failure report."""
        lines = []
        for opened in self.opened:
            lines.append(f"[{opened.name}]")
            lines += [f"  console {line}" for line in opened.console]
            lines += [f"  UNCAUGHT {line}" for line in opened.errors]
        return "\n".join(lines)

    def uncaught(self) -> list[str]:
        return [f"{o.name}: {e}" for o in self.opened for e in o.errors]


def poll_js(page: Page, expression: str, arg: Any = None, timeout: float | None = None) -> bool:
    """Evaluate ``expression`` (or call it with ``arg``) until it is truthy or time is up.

    Our pages forbid eval() by their Content-Security-Policy, and Playwright's
    ``wait_for_function`` polls with it; ``page.evaluate`` goes through the
    DevTools protocol instead. An evaluation cut short by a navigation is retried.
    """
    deadline = time.monotonic() + (timeout or TIMEOUT_MS) / 1000
    while True:
        try:
            if page.evaluate(expression, arg):
                return True
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() >= deadline:
            return False
        page.wait_for_timeout(20)


def wait_js(page: Page, expression: str, arg: Any = None, timeout: float | None = None) -> None:
    """Wait (bounded) until ``expression`` is truthy in ``page``; fail with its source."""
    if not poll_js(page, expression, arg, timeout):
        raise AssertionError(f"timed out waiting for: {expression} (arg={arg!r})")


def wait_status(page: Page, status: str, timeout: float | None = None) -> None:
    """Wait until the page's connection indicator says ``status``."""
    wait_js(
        page,
        "(s) => document.getElementById('presenter-connection').dataset.status === s",
        status,
        timeout,
    )


def indices(page: Page) -> dict[str, Any]:
    """The audience page's ``Reveal.getIndices()``."""
    return page.evaluate("Reveal.getIndices()")  # type: ignore[no-any-return]


def presenter_indices(page: Page) -> dict[str, Any]:
    """The presenter page's current frame ``getIndices()``."""
    return page.evaluate("presenterLive.current.getIndices()")  # type: ignore[no-any-return]


def wait_indices(
    page: Page,
    h: int,
    v: int = 0,
    f: int | None = None,
    *,
    expr: str = "Reveal.getIndices()",
    timeout: float | None = None,
) -> None:
    """Wait until ``expr`` (a getIndices() call) gives h, v and (unless None) f."""
    if not poll_js(page, _INDICES_MATCH % expr, [h, v, f], timeout):
        actual = page.evaluate(
            f"(() => {{ try {{ return {expr}; }} catch (e) {{ return String(e); }} }})()"
        )
        raise AssertionError(
            f"{page.url}: expected {expr} to be h={h} v={v} f={f}, still {actual}"
        ) from None


def wait_same(presenter: Page, *audience: Page) -> dict[str, Any]:
    """Wait until every audience page shows the presenter's current indices; return them."""
    want = presenter_indices(presenter)
    for page in audience:
        wait_indices(page, want["h"], want["v"], want["f"])
        assert indices(page) == want
    return want


def api_state(server: ServerProcess, deck: str = "md") -> dict[str, Any]:
    """``GET /decks/<deck>/api/state``."""
    with urllib.request.urlopen(f"{server.base}/decks/{deck}/api/state", timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def post_state(server: ServerProcess, state: dict[str, Any], deck: str = "md") -> dict[str, Any]:
    """``POST /decks/<deck>/api/state`` with the bearer token; returns the new snapshot."""
    request = urllib.request.Request(
        f"{server.base}/decks/{deck}/api/state",
        data=json.dumps({"state": state}).encode(),
        headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def wire(h: int, v: int = 0, f: int | None = None, paused: bool = False) -> dict[str, Any]:
    """A wire state."""
    return {"indexh": h, "indexv": v, "indexf": f, "paused": paused, "overview": False}


def wait_text(page: Page, selector: str, text: str, timeout: float | None = None) -> None:
    """Wait until the element at ``selector`` exists and its text content includes ``text``."""
    wait_js(
        page,
        """([selector, text]) => {
          const el = document.querySelector(selector);
          return !!el && el.textContent.includes(text);
        }""",
        [selector, text],
        timeout,
    )


def touch_swipe(page: Page, y: float, x_from: float, x_to: float, steps: int = 10) -> None:
    """A one-finger horizontal swipe as a touch screen reports it (through CDP).

    Unlike ``page.mouse`` this goes through the browser's gesture handling, so a
    swipe the page lets the browser pan with ends in ``pointercancel``, as on a phone.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        point = {"x": x_from, "y": y}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
        for i in range(1, steps + 1):
            x = x_from + (x_to - x_from) * i / steps
            cdp.send(
                "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
            )
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def mouse_swipe(page: Page, y: float, x_from: float, x_to: float) -> None:
    """A horizontal drag with the primary pointer (pointerdown ... pointerup)."""
    page.mouse.move(x_from, y)
    page.mouse.down()
    page.mouse.move(x_to, y, steps=5)
    page.mouse.up()
