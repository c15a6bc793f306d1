"""Framing and script policies in a real browser.

* Another site cannot frame the speaker view, even in a browser that holds the
  presenter cookie (clickjacking), nor the other pages it has no business framing.
* The audience page is framed by this origin (the speaker view's previews) and
  by ``--allow-origin`` ones, by nobody else.
* Our pages and the repository's decks run without a single CSP violation.
"""

from __future__ import annotations

import html
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Frame, Page
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.support import (
    PHONE,
    TIMEOUT_MS,
    Deployment,
    Opened,
    Pages,
    api_state,
    post_state,
    presenter_indices,
    wait_indices,
    wait_js,
    wait_same,
    wait_status,
    wire,
)
from tests.helpers import ROOT, SECRET, ServerProcess, start_server

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"

# Runs before any script of every page and frame: keeps every CSP violation the
# document reports. Init scripts are not subject to the page's CSP.
CSP_RECORDER = """
(() => {
  const seen = [];
  Object.defineProperty(window, '__cspViolations', { value: seen });
  window.addEventListener('securitypolicyviolation', (e) => {
    seen.push([
      location.href, e.effectiveDirective, 'blocked=' + e.blockedURI,
      'at=' + e.sourceFile + ':' + e.lineNumber, 'sample=' + e.sample,
    ].join(' | '));
  }, true);
})();
"""


# --- another site ------------------------------------------------------------------------


class Site:
    """A plain web server on another port of 127.0.0.1: somebody else's site.

    ``pages`` maps a path to the HTML served there.
    """

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def frame(self, path: str, src: str) -> str:
        """Serve at ``path`` a page holding ``src`` in a full-viewport iframe; its URL."""
        self.pages[path] = (
            "<!doctype html><html><head><title>Somebody else's site</title></head>"
            '<body style="margin:0">'
            f'<iframe id="victim" src="{html.escape(src)}" '
            'onload="window.loads = (window.loads || 0) + 1" '
            'style="display:block;border:0;width:100vw;height:100vh"></iframe>'
            "</body></html>"
        )
        return self.origin + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def sites() -> Iterator[Callable[[], Site]]:
    """Start other sites; all are stopped afterwards."""
    started: list[Site] = []

    def start() -> Site:
        site = Site()
        started.append(site)
        return site

    try:
        yield start
    finally:
        for site in started:
            site.close()


def login(opened: Opened, server: ServerProcess, deck: str = "md") -> Page:
    """Sign ``opened``'s context in as presenter; its page shows the live speaker view."""
    opened.page.goto(f"{server.base}/decks/{deck}/presenter?token={SECRET}")
    wait_js(opened.page, "window.presenterLive && window.presenterLive.current")
    wait_status(opened.page, "live")
    return opened.page


def open_other_site(context: BrowserContext, url: str, console: list[str]) -> tuple[Page, Frame]:
    """Open ``url`` (a page of :class:`Site`) in a new tab once its frame has loaded."""
    page = context.new_page()
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.goto(url)
    wait_js(page, "window.loads >= 1")
    children = page.main_frame.child_frames
    assert len(children) == 1, [f.url for f in children]
    return page, children[0]


def wait_frame(frame: Frame, expression: str, arg: Any = None) -> None:
    """Wait (bounded) until ``expression`` is truthy in ``frame`` (no eval: see poll_js)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        try:
            if frame.evaluate(expression, arg):
                return
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting in {frame.url} for: {expression}")
        frame.page.wait_for_timeout(20)


def wait_console(page: Page, console: list[str], text: str) -> None:
    """Wait (bounded) until a console line of ``page`` includes ``text``."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not any(text in line for line in console):
        if time.monotonic() >= deadline:
            raise AssertionError(f"no console message with {text!r}; got {console}")
        page.wait_for_timeout(20)


def assert_refused(frame: Frame, target: str, page: Page, console: list[str], policy: str) -> None:
    """The frame shows the browser's error page, not ``target``, and the console says why."""
    assert frame.url != target
    assert frame.url.startswith("chrome-error://"), frame.url
    assert frame.evaluate("document.querySelector('#next, .reveal, form') === null")
    wait_console(page, console, f'"frame-ancestors {policy}"')


# --- (a) clickjacking -----------------------------------------------------------------------


def test_another_site_cannot_frame_the_speaker_view_of_a_signed_in_browser(
    server: ServerProcess, pages: Pages, sites: Callable[[], Site]
) -> None:
    speaker_url = f"{server.base}/decks/md/presenter"
    other = sites()
    attack_url = other.frame("/", speaker_url)
    signed_in = pages.new("signed-in browser")
    speaker = login(signed_in, server)
    wait_indices(speaker, 0, 0, expr=CURRENT)
    box = speaker.locator("#next").bounding_box()
    assert box is not None

    # Another origin (same site: the SameSite=Lax cookie goes along with the frame request).
    console: list[str] = []
    attacker, frame = open_other_site(signed_in.context, attack_url, console)
    assert_refused(frame, speaker_url, attacker, console, "'none'")

    # A click where the speaker view's Next button would be, over the frame.
    before = api_state(server)
    attacker.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert api_state(server)["seq"] == before["seq"]

    # Then a different step by the real speaker view (to the last slide, where Next
    # would have gone to the second): the first change since, and the only one.
    speaker.bring_to_front()
    speaker.click("#last")
    wait_indices(speaker, 3, 0, expr=CURRENT)
    wait_js(
        speaker,
        "(n) => window.presenterLive.seq === n && window.presenterLive.state.indexh === 3",
        before["seq"] + 1,
    )
    after = api_state(server)
    assert after == {"deck": "md", "seq": before["seq"] + 1, "state": wire(3, 0)}, (before, after)
    assert frame.url.startswith("chrome-error://")


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/decks/md/remote", "'none'"),
        ("/decks/html/presenter", "'none'"),
        ("/decks/md/", "'self'"),
        ("/decks/md/?view=embed", "'self'"),
        ("/decks/md/join", "'self'"),
        ("/", "'self'"),
    ],
)
def test_another_site_cannot_frame_our_pages(
    server: ServerProcess, pages: Pages, sites: Callable[[], Site], path: str, policy: str
) -> None:
    target = server.base + path
    signed_in = pages.new("signed-in browser")
    login(signed_in, server)
    console: list[str] = []
    page, frame = open_other_site(signed_in.context, sites().frame("/", target), console)
    assert_refused(frame, target, page, console, policy)


# --- (b) who may frame the audience page ----------------------------------------------------


@pytest.mark.parametrize("deck", ["md", "html"])
def test_speaker_view_previews_show_the_deck(
    server: ServerProcess, pages: Pages, deck: str
) -> None:
    speaker = pages.presenter(server, deck)
    # The current slide, and the next step (the preview holds only the slide it shows).
    shown = {
        "current-frame": ("embed", "First slide" if deck == "md" else "Hand one"),
        "next-frame": ("preview", "Fragments" if deck == "md" else "Hand two"),
    }
    for frame_id, (view, heading) in shown.items():
        handle = speaker.locator(f"#{frame_id}").element_handle()
        assert handle is not None
        frame = handle.content_frame()
        assert frame is not None
        assert frame.url == f"{server.base}/decks/{deck}/?view={view}"
        wait_frame(frame, "typeof Reveal !== 'undefined' && Reveal.isReady()")
        wait_frame(
            frame,
            "(heading) => Reveal.getCurrentSlide().querySelector('h1, h2').textContent === heading",
            heading,
        )
    console = pages.opened[-1].console
    assert not [line for line in console if "frame-ancestors" in line], console


def test_allowed_origin_frames_the_audience_page_and_no_other_page(
    deployment: Deployment, pages: Pages, sites: Callable[[], Site]
) -> None:
    allowed, other = sites(), sites()
    server = start_server(
        deployment.decks,
        "--state-dir",
        str(deployment.state_dir),
        "--allow-origin",
        allowed.origin,
    )
    deployment.servers.append(server)
    audience_url = f"{server.base}/decks/md/"
    browser = pages.new("signed-in browser")
    login(browser, server)

    # The allowed origin shows the audience page, live and following the presenter.
    console: list[str] = []
    page, frame = open_other_site(browser.context, allowed.frame("/", audience_url), console)
    assert frame.url == audience_url
    wait_frame(frame, "window.presenterLive && window.presenterLive.following")
    wait_frame(frame, "document.getElementById('presenter-connection').dataset.status === 'live'")
    assert frame.evaluate("document.querySelector('.reveal .slides h1').textContent") == (
        "First slide"
    )
    post_state(server, wire(2))
    wait_frame(frame, "Reveal.getIndices().h === 2")
    assert not [line for line in console if "frame-ancestors" in line], console

    # Not the previews, nor the presenter pages, from the allowed origin.
    for path, target, policy in [
        ("/embed", f"{audience_url}?view=embed", "'self'"),
        ("/speaker", f"{server.base}/decks/md/presenter", "'none'"),
        ("/remote", f"{server.base}/decks/md/remote", "'none'"),
    ]:
        console = []
        page, frame = open_other_site(browser.context, allowed.frame(path, target), console)
        assert_refused(frame, target, page, console, policy)

    # Nor the audience page from an origin not given.
    console = []
    page, frame = open_other_site(browser.context, other.frame("/", audience_url), console)
    assert_refused(frame, audience_url, page, console, f"'self' {allowed.origin}")


# --- (c) no CSP violations in normal use -----------------------------------------------------


def open_recorded(
    pages: Pages,
    name: str,
    url: str,
    viewport: dict[str, int] | None = None,
    *,
    mobile: bool = False,
    context: BrowserContext | None = None,
) -> Page:
    """Open ``url`` in a new page (in ``context``, else a fresh one) with the CSP recorder."""
    if context is None:
        opened = pages.new(name, viewport, mobile=mobile)
        opened.context.add_init_script(CSP_RECORDER)
        page = opened.page
    else:
        page = context.new_page()
        found = next(o for o in pages.opened if o.context is context)
        page.on("console", lambda msg: found.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: found.errors.append(str(exc)))
    page.goto(url)
    return page


def violations(pages: Pages, extra: list[Page]) -> list[str]:
    """Every violation recorded by every frame of the open pages, and every console
    line about the CSP."""
    found: list[str] = []
    live = [o for o in pages.opened if not o.page.is_closed()]
    for page in [o.page for o in live] + extra:
        for frame in page.frames:
            found += frame.evaluate(
                "() => window.__cspViolations ? [...window.__cspViolations]"
                " : ['no recorder in ' + location.href]"
            )
    for opened in live:
        found += [
            f"{opened.name}: {line}"
            for line in opened.console
            if "Content Security Policy" in line or "Refused to" in line
        ]
    return found


def step_and_follow(
    driver: Page, audience: Page, selector: str = "#next", *, tap: bool = False
) -> None:
    """One step from ``driver`` (speaker view or remote); wait until the audience shows it."""
    before = presenter_indices(driver)
    if tap:
        driver.tap(selector)
    else:
        driver.click(selector)
    wait_js(
        driver,
        """(b) => {
          const i = presenterLive.current.getIndices();
          return i.h !== b.h || i.v !== b.v || i.f !== b.f;
        }""",
        before,
    )
    wait_same(driver, audience)


def test_no_csp_violations_on_our_pages_and_the_repository_decks(
    deployment: Deployment, pages: Pages, tmp_path: Path
) -> None:
    slides = tmp_path / "slides"
    shutil.copytree(ROOT / "slides", slides, ignore=shutil.ignore_patterns(".presenter"))
    server = start_server(slides, "--state-dir", str(tmp_path / "slides-state"))
    deployment.servers.append(server)
    decks = sorted(p.name for p in slides.iterdir() if p.is_dir())
    assert len(decks) >= 2, decks

    # The recorder works: an inline script added to one of our pages is refused and reported.
    control = open_recorded(pages, "control", f"{server.base}/")
    control.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.injected = true;';
          document.head.appendChild(script);
        }"""
    )
    wait_js(control, "window.__cspViolations.some((v) => v.includes('script-src-elem'))")
    assert control.evaluate("window.injected") is None
    pages.close(control)

    extra: list[Page] = []
    open_recorded(pages, "listing", f"{server.base}/")
    for deck in decks:
        audience = open_recorded(pages, f"audience {deck}", f"{server.base}/decks/{deck}/")
        wait_js(audience, "window.presenterLive && window.presenterLive.following")
        wait_status(audience, "live")
        # Every slide, so lazy media and every fragment of the deck's HTML are loaded.
        shape = audience.evaluate(
            "[...document.querySelectorAll('.reveal .slides > section')]"
            ".map((s) => s.querySelectorAll(':scope > section').length)"
        )
        assert shape, f"no slides in {deck}"
        for h, stack in enumerate(shape):
            for v in range(max(stack, 1)):
                post_state(server, wire(h, v), deck)
                wait_indices(audience, h, v)
        post_state(server, wire(0), deck)
        wait_indices(audience, 0, 0)

        speaker = open_recorded(
            pages, f"speaker {deck}", f"{server.base}/decks/{deck}/presenter?token={SECRET}"
        )
        wait_js(speaker, "window.presenterLive && window.presenterLive.current")
        wait_status(speaker, "live")
        wait_indices(speaker, 0, 0, expr=CURRENT)
        for _ in range(3):
            step_and_follow(speaker, audience)
        step_and_follow(speaker, audience, "#prev")

        if deck == decks[-1]:
            context = next(o.context for o in pages.opened if o.page is speaker)
            join = open_recorded(pages, "join", f"{server.base}/decks/{deck}/join", context=context)
            extra.append(join)
            remote = open_recorded(
                pages,
                f"remote {deck}",
                f"{server.base}/decks/{deck}/remote?token={SECRET}",
                PHONE,
                mobile=True,
            )
            wait_js(remote, "window.presenterLive && window.presenterLive.current")
            wait_status(remote, "live")
            wait_same(remote, audience)
            for _ in range(2):
                step_and_follow(remote, audience, tap=True)
            step_and_follow(remote, audience, "#prev", tap=True)

    login_page = open_recorded(pages, "login page", f"{server.base}/decks/{decks[0]}/presenter")
    assert login_page.locator("form").count() == 1
    missing = open_recorded(pages, "404 page", f"{server.base}/decks/no-such-deck/")
    assert missing.locator("body").inner_text()

    found = violations(pages, extra)
    assert not found, "CSP violations:\n" + "\n".join(found)
