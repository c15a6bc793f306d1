"""Live reload while the author writes: every open page shows the edit where it stands.

The server watches the deck folders; a Markdown deck's pages swap their slides in
place, an HTML deck's pages reload; a broken edit keeps the last good version on
screen and tells the speaker where the fault is.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.support import (
    Pages,
    api_state,
    indices,
    post_state,
    wait_indices,
    wait_js,
    wait_same,
    wait_status,
    wait_text,
    wire,
)
from tests.helpers import HTML_DECK, MARKDOWN_DECK, TIMEOUT_FACTOR, ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"
# From saving a file to every page showing it (the watcher debounces 150 ms).
SHOWN_MS = 3_000 * TIMEOUT_FACTOR
RELOAD_MS = 5_000 * TIMEOUT_FACTOR
SLIDES_TEXT = "document.querySelector('.reveal .slides').textContent"
CURRENT_TEXT = "presenterLive.current.getSlidesElement().textContent"
# Set before an edit; still there afterwards unless the page was loaded again.
MARK = "window.__sameDocument = true"
SAME_DOCUMENT = "window.__sameDocument === true"

BROKEN = """\
---
title: [oops
---

# Half written
"""


def save(path: Path, text: str) -> None:
    """Save as an editor does: a temporary file (a dotfile, ignored) renamed over the old one."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def has(page: Page, text: str, expr: str = SLIDES_TEXT, timeout: float = SHOWN_MS) -> None:
    wait_js(page, f"(t) => ({expr}).includes(t)", text, timeout)


def lacks(page: Page, text: str, expr: str = SLIDES_TEXT) -> None:
    assert text not in page.evaluate(expr)


def test_markdown_edits_show_in_place_and_broken_edits_are_kept_off_screen(
    server: ServerProcess, pages: Pages, tmp_path: Path
) -> None:
    source = tmp_path / "decks" / "md" / "slides.md"
    assert source.read_text(encoding="utf-8") == MARKDOWN_DECK
    audience = pages.audience(server)
    presenter = pages.presenter(server)
    remote = pages.remote(server)
    everyone = (audience, presenter, remote)
    presenter.click("#next")
    wait_indices(presenter, 1, 0, -1, expr=CURRENT)
    wait_same(presenter, audience)
    wait_indices(remote, 1, 0, -1, expr=CURRENT)
    seq = api_state(server)["seq"]
    for page in everyone:
        page.evaluate(MARK)

    # A heading and a note change.
    edited = MARKDOWN_DECK.replace("## Fragments", "## Fragments EDITED").replace(
        "Note: SECRET-NOTE-TWO", "Note: SECRET-NOTE-TWO-EDITED"
    )
    save(source, edited)
    has(audience, "Fragments EDITED")
    assert indices(audience) == {"h": 1, "v": 0, "f": -1}
    assert (
        audience.evaluate("Reveal.getCurrentSlide().textContent")
        .strip()
        .startswith("Fragments EDITED")
    )
    assert audience.evaluate("window.presenterLive.following") is True
    assert audience.evaluate("Reveal.getSlideNotes()") in (None, "")
    assert "SECRET-NOTE" not in audience.content()
    has(presenter, "Fragments EDITED", CURRENT_TEXT)
    wait_text(presenter, "#notes", "SECRET-NOTE-TWO-EDITED")
    wait_text(presenter, "#outline", "Fragments EDITED")
    assert (
        presenter.locator("#outline button.current").inner_text().strip() == "2. Fragments EDITED"
    )
    has(presenter, "Fragments EDITED", "presenterLive.preview.getSlidesElement().textContent")
    wait_indices(presenter, 1, 0, 0, expr="presenterLive.previewIndices()")
    wait_text(remote, "#notes", "SECRET-NOTE-TWO-EDITED")
    for page in everyone:
        assert page.evaluate(SAME_DOCUMENT), f"{page.url} was loaded again"
        wait_status(page, "live")
    wait_indices(presenter, 1, 0, -1, expr=CURRENT)
    wait_indices(remote, 1, 0, -1, expr=CURRENT)
    assert presenter.locator("#deck-error").is_hidden()
    # A reload is not a move.
    assert api_state(server)["seq"] == seq

    # The speaker goes on with the edited deck: the first change since the edit, so
    # no page sent one when it swapped its slides.
    presenter.click("#next")
    assert wait_same(presenter, audience) == {"h": 1, "v": 0, "f": 0}
    wait_js(presenter, "(n) => window.presenterLive.seq === n", seq + 1)
    assert api_state(server) == {"deck": "md", "seq": seq + 1, "state": wire(1, 0, 0)}

    # A broken edit: the audience keeps the last good version; the speaker is told where.
    save(source, BROKEN)
    wait_js(presenter, "!document.getElementById('deck-error').hidden", timeout=RELOAD_MS)
    wait_text(presenter, "#deck-error", "slides.md:2")
    wait_js(remote, "!document.getElementById('deck-error').hidden", timeout=RELOAD_MS)
    wait_text(remote, "#deck-error", "slides.md:2")
    for page in everyone:
        assert page.evaluate(SAME_DOCUMENT), f"{page.url} was loaded again"
    has(audience, "Fragments EDITED")
    lacks(audience, "Half written")
    has(presenter, "Fragments EDITED", CURRENT_TEXT)
    assert indices(audience) == {"h": 1, "v": 0, "f": 0}
    assert audience.locator("#presenter-connection").get_attribute("data-status") == "live"
    # The speaker can still present the last good version.
    presenter.click("#next")
    assert wait_same(presenter, audience) == {"h": 1, "v": 0, "f": 1}

    # A speaker view opened while the deck is broken says so at once; a new
    # audience page gets the last good version.
    late = pages.presenter(server)
    assert late.locator("#deck-error").is_visible()
    assert "slides.md:2" in late.inner_text("#deck-error")
    newcomer = pages.audience(server)
    assert indices(newcomer) == {"h": 1, "v": 0, "f": 1}
    has(newcomer, "Fragments EDITED")
    lacks(newcomer, "Half written")

    # The fix: the error goes, the fixed text shows, still in place.
    fixed = edited.replace("## Fragments EDITED", "## Fragments FIXED")
    save(source, fixed)
    for page in (presenter, remote, late):
        wait_js(page, "document.getElementById('deck-error').hidden", timeout=RELOAD_MS)
    has(audience, "Fragments FIXED", timeout=RELOAD_MS)
    lacks(audience, "EDITED")
    has(presenter, "Fragments FIXED", CURRENT_TEXT)
    wait_text(presenter, "#outline", "Fragments FIXED")
    for page in everyone:
        assert page.evaluate(SAME_DOCUMENT), f"{page.url} was loaded again"
    assert wait_same(presenter, audience) == {"h": 1, "v": 0, "f": 1}

    # Slides removed under the speaker's feet: everyone goes to the nearest one left.
    presenter.evaluate("presenterLive.current.slide(2, 1)")
    assert wait_same(presenter, audience) == {"h": 2, "v": 1, "f": None}
    shorter = fixed.replace("----\n\n## Stack below\n\nNote: SECRET-NOTE-THREE\n\n", "")
    assert shorter != fixed
    save(source, shorter)
    wait_indices(presenter, 2, 0, expr=CURRENT, timeout=RELOAD_MS)
    wait_indices(audience, 2, 0, timeout=RELOAD_MS)
    wait_indices(remote, 2, 0, expr=CURRENT, timeout=RELOAD_MS)
    wait_js(presenter, "window.presenterLive.state.indexv === 0")
    assert api_state(server)["state"] == wire(2, 0)
    wait_text(presenter, "#slide-number", "3 / 4")
    wait_text(remote, "#slide-number", "3 / 4")

    # Standing on the last slide when it is deleted: the new last slide.
    presenter.click("#last")
    assert wait_same(presenter, audience) == {"h": 3, "v": 0, "f": None}
    shortest = shorter[: shorter.index("---\n\n## Last slide")].rstrip() + "\n"
    save(source, shortest)
    wait_indices(presenter, 2, 0, expr=CURRENT, timeout=RELOAD_MS)
    wait_indices(audience, 2, 0, timeout=RELOAD_MS)
    wait_indices(remote, 2, 0, expr=CURRENT, timeout=RELOAD_MS)
    assert audience.evaluate("Reveal.getCurrentSlide().textContent").strip() == "Stack top"
    wait_js(presenter, "window.presenterLive.state.indexh === 2")
    assert api_state(server)["state"] == wire(2, 0)
    wait_text(presenter, "#slide-number", "3 / 3")
    wait_js(presenter, "!document.getElementById('next-end').hidden")
    assert presenter.locator("#outline button").count() == 3
    for page in everyone:
        assert page.evaluate(SAME_DOCUMENT), f"{page.url} was loaded again"
    assert audience.evaluate("window.presenterLive.following") is True


def test_deleting_slides_without_a_presenter_open(
    server: ServerProcess, pages: Pages, tmp_path: Path
) -> None:
    """Only the audience is open: it still lands on a slide that exists, and stays live."""
    post_state(server, wire(3, 0))
    audience = pages.audience(server)
    assert indices(audience) == {"h": 3, "v": 0, "f": None}
    audience.evaluate(MARK)
    source = tmp_path / "decks" / "md" / "slides.md"
    save(source, MARKDOWN_DECK[: MARKDOWN_DECK.index("---\n\n## Last slide")])
    wait_indices(audience, 2, 0, timeout=RELOAD_MS)
    assert audience.evaluate(SAME_DOCUMENT)
    assert audience.evaluate("window.presenterLive.following") is True
    # The presenter comes back and moves: the audience follows as before.
    post_state(server, wire(1, 0, 0))
    wait_indices(audience, 1, 0, 0)


def test_html_deck_reloads_and_lands_on_the_current_slide(
    server: ServerProcess, pages: Pages, tmp_path: Path
) -> None:
    source = tmp_path / "decks" / "html" / "index.html"
    audience = pages.audience(server, deck="html")
    presenter = pages.presenter(server, deck="html")
    presenter.click("#next")
    presenter.click("#next")
    wait_indices(presenter, 1, 0, 0, expr=CURRENT)
    assert wait_same(presenter, audience) == {"h": 1, "v": 0, "f": 0}
    for page in (audience, presenter):
        page.evaluate(MARK)

    save(source, HTML_DECK.replace("<h2>Hand two</h2>", "<h2>Hand two EDITED</h2>"))
    # A full load this time, landing on the live slide with the new content.
    wait_js(audience, "window.__sameDocument === undefined", timeout=RELOAD_MS)
    wait_js(audience, "window.presenterLive && window.presenterLive.following")
    wait_status(audience, "live")
    wait_indices(audience, 1, 0, 0)
    has(audience, "Hand two EDITED")
    assert (
        audience.evaluate("Reveal.getCurrentSlide().textContent")
        .strip()
        .startswith("Hand two EDITED")
    )
    assert "SECRET-DATA-NOTE" not in audience.content()
    # The speaker view too.
    wait_js(presenter, "window.__sameDocument === undefined", timeout=RELOAD_MS)
    wait_js(presenter, "window.presenterLive && window.presenterLive.current")
    wait_status(presenter, "live")
    wait_indices(presenter, 1, 0, 0, expr=CURRENT)
    has(presenter, "Hand two EDITED", CURRENT_TEXT)
    assert api_state(server, "html")["state"] == wire(1, 0, 0)

    # And it is still driven from the speaker view.
    presenter.click("#next")
    assert wait_same(presenter, audience) == {"h": 2, "v": 0, "f": None}
