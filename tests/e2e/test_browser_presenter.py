"""The presenter page: speaker notes, several presenter windows, the audience count."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.support import (
    PHONE,
    Pages,
    api_state,
    indices,
    post_state,
    wait_indices,
    wait_js,
    wait_same,
    wire,
)
from tests.helpers import ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"
MD_NOTES = [
    "SECRET-NOTE-ONE",
    "SECRET-NOTE-TWO",
    "SECRET-NOTE-THREE",
    "SECRET-NOTE-ASIDE",
]
HTML_NOTES = ["SECRET-HTML-NOTE", "SECRET-DATA-NOTE"]


def notes_text(presenter: Page) -> str:
    return presenter.inner_text("#notes")


def wait_notes(presenter: Page, expected: str | None, all_notes: list[str]) -> None:
    """Wait until #notes shows ``expected`` (None: the no-notes message) and no other note."""
    wait_js(
        presenter,
        """([want, all]) => {
          const text = document.getElementById('notes').textContent;
          const others = all.filter((n) => n !== want && text.includes(n));
          const shown = want === null ? /No notes/.test(text) : text.includes(want);
          return others.length === 0 && shown;
        }""",
        [expected, all_notes],
    )


def assert_no_notes(page: Page, all_notes: list[str]) -> None:
    html = page.evaluate("document.documentElement.outerHTML")
    leaked = [note for note in all_notes if note in html]
    assert not leaked, f"speaker notes in the audience page's DOM: {leaked}"
    assert "SECRET-NOTE" not in html and "SECRET-HTML" not in html and "SECRET-DATA" not in html


@pytest.mark.parametrize(
    ("deck", "all_notes", "walk"),
    [
        (
            "md",
            MD_NOTES,
            [
                ((2, 0), None),
                ((2, 1), "SECRET-NOTE-THREE"),
                ((3, 0), "SECRET-NOTE-ASIDE"),
            ],
        ),
        ("html", HTML_NOTES, [((2, 0), None), ((2, 1), None)]),
    ],
)
def test_notes_on_presenter_page_only(
    server: ServerProcess,
    pages: Pages,
    deck: str,
    all_notes: list[str],
    walk: list[tuple[tuple[int, int], str | None]],
) -> None:
    presenter = pages.presenter(server, deck=deck)
    audience = pages.audience(server, deck=deck)

    wait_notes(presenter, all_notes[0], all_notes)
    assert_no_notes(audience, all_notes)

    presenter.click("#next")
    wait_indices(presenter, 1, 0, expr=CURRENT)
    wait_notes(presenter, all_notes[1], all_notes)
    wait_same(presenter, audience)
    assert_no_notes(audience, all_notes)

    for (h, v), expected in walk:
        presenter.evaluate("([h, v]) => presenterLive.current.slide(h, v)", [h, v])
        wait_indices(presenter, h, v, expr=CURRENT)
        wait_notes(presenter, expected, all_notes)
        wait_same(presenter, audience)
        assert_no_notes(audience, all_notes)

    # Browsing on its own to the slides that have notes shows none either.
    audience.evaluate("Reveal.slide(0, 0)")
    audience.evaluate("Reveal.slide(1, 0)")
    assert_no_notes(audience, all_notes)
    assert audience.evaluate("Reveal.getSlideNotes()") in (None, "")


def test_two_presenter_windows_agree_without_echo(server: ServerProcess, pages: Pages) -> None:
    first = pages.presenter(server)
    second = pages.presenter(server)
    audience = pages.audience(server)
    start = api_state(server)["seq"]
    assert start == 0

    # Quick clicks in the first window: four distinct changes.
    for _ in range(4):
        first.click("#next")
    # Two key presses as fast as they come: down the stack, then the last slide.
    first.keyboard.press("ArrowRight")
    first.keyboard.press("ArrowRight")
    changes = 6

    for page in (first, second):
        wait_indices(page, 3, 0, expr=CURRENT)
        wait_js(page, "(n) => window.presenterLive.seq === n", start + changes)
    assert api_state(server) == {"deck": "md", "seq": start + changes, "state": wire(3, 0)}
    wait_same(first, audience)

    sent = """() => window.__e2e.sent.map((s) => JSON.parse(s)).filter((m) => m.type === 'state')"""
    # The second window applied every change without sending any of them back.
    assert second.evaluate(sent) == []
    first_sent = first.evaluate(sent)
    assert len(first_sent) == changes, first_sent
    assert [m["state"]["indexh"] for m in first_sent] == [1, 1, 1, 2, 2, 3]

    # The other way round: the second window drives, the first follows, nothing echoes.
    second.click("#prev")
    for page in (first, second):
        wait_indices(page, 2, 1, expr=CURRENT)
        wait_js(page, "(n) => window.presenterLive.seq === n", start + changes + 1)
    wait_same(second, audience)
    assert api_state(server)["seq"] == start + changes + 1
    assert indices(audience) == {"h": 2, "v": 1, "f": None}
    # A change from elsewhere, which both windows apply: whatever either window
    # would have sent back before it, it sent by the time this is applied.
    post_state(server, wire(0, 0))
    for page in (first, second):
        wait_js(page, "(n) => window.presenterLive.seq === n", start + changes + 2)
        wait_indices(page, 0, 0, expr=CURRENT)
    assert len(first.evaluate(sent)) == changes
    assert len(second.evaluate(sent)) == 1
    assert api_state(server)["seq"] == start + changes + 2


def test_audience_count(server: ServerProcess, pages: Pages) -> None:
    presenter = pages.presenter(server)
    count = "(n) => document.getElementById('audience-count').textContent.trim() === String(n)"
    wait_js(presenter, count, 0)

    one = pages.audience(server)
    wait_js(presenter, count, 1)
    two = pages.audience(server, viewport=PHONE)
    wait_js(presenter, count, 2)
    # Another presenter window is not audience, and learns the count when it connects.
    second = pages.presenter(server)
    wait_js(second, count, 2)
    assert one.evaluate("window.presenterLive.following") is True

    pages.close(two)
    wait_js(presenter, count, 1)
    assert presenter.inner_text("#audience-count").strip() == "1"
