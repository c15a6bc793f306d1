"""A real talk in Chromium: counting the audience, blackouts, the outline, the shared timer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.support import (
    Deployment,
    Pages,
    post_state,
    wait_indices,
    wait_js,
    wait_status,
    wait_text,
    wire,
)
from tests.helpers import SECRET, ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"


def test_an_audience_tab_of_the_presenter_is_counted_as_audience(
    server: ServerProcess, pages: Pages
) -> None:
    speaker = pages.presenter(server)
    # The same browser (same cookie) opens the audience page in another tab.
    tab = speaker.context.new_page()
    tab.goto(f"{server.base}/decks/md/")
    wait_js(tab, "window.presenterLive && window.presenterLive.following")
    wait_status(tab, "live")
    wait_text(speaker, "#audience-count", "1")
    # It says how to reach the speaker view, and it follows rather than drives.
    wait_js(tab, "!document.getElementById('presenter-hint').hidden")
    tab.keyboard.press("ArrowRight")
    wait_js(tab, "window.presenterLive.following === false")
    assert post_state(server, wire(0))["seq"] == 0  # nothing was sent: still the first slide
    tab.close()
    wait_text(speaker, "#audience-count", "0")


def test_while_following_only_the_presenter_ends_a_blackout(
    server: ServerProcess, pages: Pages
) -> None:
    audience = pages.audience(server)
    post_state(server, wire(1, paused=True))
    wait_js(audience, "Reveal.isPaused()")
    # reveal.js's resume button is not offered, and its keys are undone.
    assert not audience.locator(".pause-overlay .resume-button").is_visible()
    audience.keyboard.press("b")
    audience.keyboard.press(".")
    wait_js(audience, "Reveal.isPaused() && window.presenterLive.following")
    # The presenter ends it.
    post_state(server, wire(1))
    wait_js(audience, "!Reveal.isPaused() && window.presenterLive.following")
    # A viewer browsing on their own may do as they like.
    post_state(server, wire(1, paused=True))
    wait_js(audience, "Reveal.isPaused()")
    audience.evaluate("Reveal.slide(0, 0)")  # leaves live mode
    wait_js(audience, "window.presenterLive.following === false")
    audience.evaluate("Reveal.togglePause(false)")
    wait_js(audience, "!Reveal.isPaused() && window.presenterLive.following === false")


LONG_DECK = "\n\n---\n\n".join(
    f"## Slide {n} topic {'even' if n % 2 else 'odd'}" for n in range(60)
)


def test_the_outline_follows_jumps_and_filters(deployment: Deployment, pages: Pages) -> None:
    folder: Path = deployment.decks / "long"
    folder.mkdir()
    (folder / "slides.md").write_text(LONG_DECK + "\n", encoding="utf-8")
    server = deployment.start()
    speaker = pages.presenter(server, "long")
    in_view = """() => {
      const list = document.getElementById('outline');
      const item = list.querySelector('button.current');
      if (!item) return false;
      const a = list.getBoundingClientRect(), b = item.getBoundingClientRect();
      return b.top >= a.top - 1 && b.bottom <= a.bottom + 1;
    }"""
    # Jump to slide 50 by number: the deck goes there and its entry is in view.
    speaker.fill("#outline-jump", "50")
    speaker.press("#outline-jump", "Enter")
    wait_indices(speaker, 49, 0, expr=CURRENT)
    wait_js(speaker, in_view)
    assert "Slide 49" in speaker.inner_text("#outline button.current")
    # Keys typed in the field do not drive the deck; a number past the end is refused.
    speaker.fill("#outline-jump", "61")
    speaker.press("#outline-jump", "Enter")
    wait_js(speaker, "document.getElementById('outline-jump').classList.contains('invalid')")
    wait_indices(speaker, 49, 0, expr=CURRENT)
    # Stepping keeps the current entry in view.
    speaker.click("#first")
    wait_indices(speaker, 0, 0, expr=CURRENT)
    wait_js(speaker, in_view)
    # The filter keeps matching titles only.
    speaker.fill("#outline-filter", "Slide 1")
    shown = speaker.evaluate(
        "[...document.querySelectorAll('#outline li')].filter((li) => !li.hidden).length"
    )
    assert shown == 11  # Slide 1, Slide 10 ... Slide 19
    speaker.fill("#outline-filter", "")
    assert speaker.evaluate("document.querySelectorAll('#outline li:not([hidden])').length") == 60


TIMED = "---\nrevealOptions:\n  totalTime: 600\n---\n\n# One\n\n---\n\n# Two\n"


def test_the_timer_is_the_same_on_every_presenter_device(
    deployment: Deployment, pages: Pages
) -> None:
    folder: Path = deployment.decks / "timed"
    folder.mkdir()
    (folder / "slides.md").write_text(TIMED, encoding="utf-8")
    server = deployment.start()
    speaker = pages.presenter(server, "timed")
    remote = pages.remote(server, "timed")
    wait_text(speaker, "#timer-toggle", "Start")
    wait_text(remote, "#timer-toggle", "Start timer")
    # The deck plans ten minutes: both count down.
    wait_text(speaker, "#remaining", "10:00 left")
    wait_text(remote, "#remaining", "10:00 left")
    remote.click("#timer-toggle")
    wait_text(speaker, "#timer-toggle", "Pause")
    wait_text(remote, "#timer-toggle", "Pause timer")
    speaker.click("#timer-toggle")
    wait_text(remote, "#timer-toggle", "Resume timer")
    shown = speaker.inner_text("#elapsed")
    wait_text(remote, "#elapsed", shown)
    # A third device signing in later gets it too.
    late = pages.presenter(server, "timed")
    wait_text(late, "#timer-toggle", "Resume")
    wait_text(late, "#elapsed", shown)
    late.click("#timer-reset")
    wait_text(speaker, "#timer-toggle", "Start")
    wait_text(remote, "#timer-toggle", "Start timer")
    assert speaker.inner_text("#elapsed") == "0:00"
    assert SECRET not in remote.content()


def test_print_pdf_lays_out_every_step_as_a_page_without_following(
    server: ServerProcess, pages: Pages
) -> None:
    post_state(server, wire(2))
    opened = pages.new("print")
    # reveal.js says when it has laid out the last page.
    opened.context.add_init_script(
        "document.addEventListener('pdf-ready', () => { window.pdfReady = true; })"
    )
    page = opened.page
    page.goto(f"{server.base}/decks/md/?print-pdf")
    wait_js(page, "window.pdfReady === true && Reveal.isPrintView()")
    wait_js(page, "!document.documentElement.classList.contains('presenter-pending')")
    # One page per slide, and one per fragment step of "Fragments" (reveal.js's
    # pdfSeparateFragments): the first slide, three steps, the stack's two, the last.
    headings = page.evaluate(
        "[...document.querySelectorAll('.pdf-page')].map("
        "(p) => p.querySelector('h1, h2').textContent.trim())"
    )
    assert headings == [
        "First slide",
        "Fragments",
        "Fragments",
        "Fragments",
        "Stack top",
        "Stack below",
        "Last slide",
    ]
    # Nothing of ours is on the pages, nothing follows, and no notes are there to print.
    assert page.locator(".presenter-ui").count() == 0
    assert page.evaluate("typeof window.presenterLive") == "undefined"
    assert "SECRET-NOTE" not in page.content()
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == len(headings)
