"""The speaker view: next-step preview, blackout, private overview, outline, timer,
pacing, layouts, and the join page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from tests.e2e.support import (
    DESKTOP,
    Deployment,
    Pages,
    api_state,
    indices,
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
PREVIEW = "presenterLive.previewIndices()"
TABLET = {"width": 768, "height": 1024}


def next_end_shown(presenter: Page) -> bool:
    return presenter.locator("#next-end").is_visible()


def test_next_preview_shows_the_next_fragment_then_the_next_slide(
    server: ServerProcess, pages: Pages
) -> None:
    presenter = pages.presenter(server)
    wait_indices(presenter, 0, 0, expr=CURRENT)
    wait_indices(presenter, 1, 0, -1, expr=PREVIEW)
    assert not next_end_shown(presenter)

    # On "Fragments" with none shown: the preview shows the first one.
    presenter.click("#next")
    wait_indices(presenter, 1, 0, -1, expr=CURRENT)
    wait_indices(presenter, 1, 0, 0, expr=PREVIEW)
    # One shown: the preview shows the second.
    presenter.click("#next")
    wait_indices(presenter, 1, 0, 0, expr=CURRENT)
    wait_indices(presenter, 1, 0, 1, expr=PREVIEW)
    # All shown: the preview shows the next slide.
    presenter.click("#next")
    wait_indices(presenter, 1, 0, 1, expr=CURRENT)
    wait_indices(presenter, 2, 0, expr=PREVIEW)
    assert presenter.evaluate("presenterLive.preview.getCurrentSlide().textContent").strip() == (
        "Stack top"
    )
    # The preview gives reveal.js only the slide it shows (a long deck is not laid out twice).
    assert (
        presenter.evaluate(
            "presenterLive.preview.getSlidesElement().querySelectorAll(':scope > section').length"
        )
        == 1
    )
    # The top of a stack: the preview goes down it.
    presenter.click("#next")
    wait_indices(presenter, 2, 0, expr=CURRENT)
    wait_indices(presenter, 2, 1, expr=PREVIEW)
    assert not next_end_shown(presenter)
    # Going back updates the preview too.
    presenter.click("#prev")
    wait_indices(presenter, 1, 0, 1, expr=CURRENT)
    wait_indices(presenter, 2, 0, expr=PREVIEW)

    # The last slide: there is no next step.
    presenter.click("#last")
    wait_indices(presenter, 3, 0, expr=CURRENT)
    wait_js(presenter, "!document.getElementById('next-end').hidden")
    assert next_end_shown(presenter)
    assert "End" in presenter.inner_text("#next-end")
    # The preview is only a picture: no live connection of its own.
    assert (
        presenter.evaluate(
            "typeof document.getElementById('next-frame').contentWindow.presenterLive"
        )
        == "undefined"
    )
    presenter.click("#first")
    wait_indices(presenter, 0, 0, expr=CURRENT)
    wait_js(presenter, "document.getElementById('next-end').hidden")
    wait_indices(presenter, 1, 0, -1, expr=PREVIEW)


def test_blackout_by_button_and_key(server: ServerProcess, pages: Pages) -> None:
    presenter = pages.presenter(server)
    audience = pages.audience(server)
    presenter.click("#next")
    wait_same(presenter, audience)
    pressed = "(p) => document.getElementById('blackout').getAttribute('aria-pressed') === p"

    presenter.click("#blackout")
    wait_js(audience, "Reveal.isPaused() === true")
    wait_js(presenter, pressed, "true")
    assert api_state(server)["state"] == wire(1, 0, -1, paused=True)
    presenter.click("#blackout")
    wait_js(audience, "Reveal.isPaused() === false")
    wait_js(presenter, pressed, "false")

    presenter.locator("body").click(position={"x": 5, "y": 5})
    for key, paused in [("b", True), ("b", False), ("B", True), (".", False)]:
        presenter.keyboard.press(key)
        wait_js(audience, f"Reveal.isPaused() === {str(paused).lower()}")
        wait_js(presenter, pressed, str(paused).lower())
    assert wait_same(presenter, audience) == {"h": 1, "v": 0, "f": -1}
    assert api_state(server)["state"] == wire(1, 0, -1)


def thumbnail(presenter: Page, h: int, v: int | None = None) -> Locator:
    """A slide's thumbnail in the current frame's overview (``v`` inside a stack)."""
    selector = f'.reveal .slides section[data-index-h="{h}"]'
    if v is not None:
        selector += f'[data-index-v="{v}"]'
    return presenter.frame_locator("#current-frame").locator(selector)


def test_overview_stays_private_unless_shared(server: ServerProcess, pages: Pages) -> None:
    presenter = pages.presenter(server)
    audience = pages.audience(server)
    presenter.click("#next")
    wait_same(presenter, audience)
    seq = api_state(server)["seq"]
    mark = audience.evaluate("window.__e2e.events.length")

    presenter.click("#overview")
    wait_js(presenter, "presenterLive.current.isOverview() === true")
    wait_js(
        presenter, "document.getElementById('overview').getAttribute('aria-pressed') === 'true'"
    )
    # The speaker looks around the overview.
    for move, (h, v) in [("right", (2, 0)), ("right", (3, 0)), ("left", (2, 0)), ("down", (2, 1))]:
        presenter.evaluate(f"presenterLive.current.{move}()")
        wait_indices(presenter, h, v, expr=CURRENT)
    assert presenter.evaluate("presenterLive.current.isOverview()") is True
    # None of it reached the server or the audience.
    assert api_state(server) == {"deck": "md", "seq": seq, "state": wire(1, 0, -1)}
    assert audience.evaluate("Reveal.isOverview()") is False
    assert indices(audience) == {"h": 1, "v": 0, "f": -1}
    assert audience.evaluate("(m) => window.__e2e.events.slice(m)", mark) == []
    assert audience.evaluate("window.presenterLive.following") is True

    # Closing the overview takes everyone to the slide picked in it: the first change
    # since it opened, and the audience's first move (so none before it was sent).
    presenter.click("#overview")
    wait_js(presenter, "presenterLive.current.isOverview() === false")
    wait_indices(audience, 2, 1)
    assert audience.evaluate("Reveal.isOverview()") is False
    wait_js(presenter, "(n) => window.presenterLive.seq === n", seq + 1)
    assert api_state(server) == {"deck": "md", "seq": seq + 1, "state": wire(2, 1)}
    moves = audience.evaluate("(m) => window.__e2e.events.slice(m)", mark)
    assert [(e["h"], e["v"]) for e in moves] == [(2, 1)], f"the audience went by: {moves}"
    wait_text(presenter, "#notes", "SECRET-NOTE-THREE")

    # Shared: the audience sees the overview and follows the speaker around it.
    presenter.check("#share-overview")
    presenter.click("#overview")
    wait_js(audience, "Reveal.isOverview() === true")
    assert api_state(server)["state"]["overview"] is True
    presenter.evaluate("presenterLive.current.left()")
    wait_indices(presenter, 1, 0, expr=CURRENT)
    wait_indices(audience, 1, 0)
    presenter.evaluate("presenterLive.current.slide(3, 0)")
    wait_indices(audience, 3, 0)
    assert audience.evaluate("Reveal.isOverview()") is True
    presenter.click("#overview")
    wait_js(audience, "Reveal.isOverview() === false")
    assert wait_same(presenter, audience) == {"h": 3, "v": 0, "f": None}
    assert api_state(server)["state"] == wire(3, 0)

    # Unsharing while the overview is open takes it off the audience's screens.
    presenter.click("#overview")
    wait_js(audience, "Reveal.isOverview() === true")
    presenter.uncheck("#share-overview")
    wait_js(audience, "Reveal.isOverview() === false")
    assert presenter.evaluate("presenterLive.current.isOverview()") is True
    presenter.click("#overview")
    wait_js(presenter, "presenterLive.current.isOverview() === false")
    assert wait_same(presenter, audience) == {"h": 3, "v": 0, "f": None}


def test_picking_a_thumbnail_moves_the_audience_straight_there(
    server: ServerProcess, pages: Pages
) -> None:
    """Clicking a thumbnail closes the overview and jumps: the audience sees only the pick.

    The slide highlighted in the overview when the click closes it is not shown to anyone.
    """
    presenter = pages.presenter(server)
    audience = pages.audience(server)
    presenter.click("#next")
    wait_same(presenter, audience)
    presenter.click("#overview")
    wait_js(presenter, "presenterLive.current.isOverview() === true")
    presenter.evaluate("presenterLive.current.slide(2, 1)")
    wait_indices(presenter, 2, 1, expr=CURRENT)
    seq = api_state(server)["seq"]
    mark = audience.evaluate("window.__e2e.events.length")

    thumbnail(presenter, 0).click()
    wait_js(presenter, "presenterLive.current.isOverview() === false")
    assert wait_same(presenter, audience) == {"h": 0, "v": 0, "f": None}
    moves = audience.evaluate("(m) => window.__e2e.events.slice(m)", mark)
    assert [(e["h"], e["v"]) for e in moves] == [(0, 0)], f"the audience went by: {moves}"
    snapshot = api_state(server)
    assert snapshot["state"] == wire(0, 0)
    assert snapshot["seq"] == seq + 1, f"more than one change for one pick: {snapshot}"


def test_arrow_keys_in_the_overview_move_by_slide(server: ServerProcess, pages: Pages) -> None:
    """In the overview the arrows move the highlight slide by slide, as in reveal.js.

    They must not step through fragments the speaker cannot see there.
    """
    presenter = pages.presenter(server)
    audience = pages.audience(server)
    presenter.click("#next")
    wait_same(presenter, audience)
    seq = api_state(server)["seq"]
    mark = audience.evaluate("window.__e2e.events.length")
    presenter.click("#overview")
    wait_js(presenter, "presenterLive.current.isOverview() === true")
    for key, (h, v) in [
        ("ArrowRight", (2, 0)),
        ("ArrowDown", (2, 1)),
        ("ArrowUp", (2, 0)),
        ("ArrowLeft", (1, 0)),
        ("ArrowRight", (2, 0)),
    ]:
        presenter.keyboard.press(key)
        wait_indices(presenter, h, v, expr=CURRENT)
    assert indices(audience) == {"h": 1, "v": 0, "f": -1}
    presenter.keyboard.press("o")
    wait_js(presenter, "presenterLive.current.isOverview() === false")
    assert wait_same(presenter, audience) == {"h": 2, "v": 0, "f": None}
    # Closing the overview was the one change: none of the arrow moves was sent.
    wait_js(presenter, "(n) => window.presenterLive.seq === n", seq + 1)
    assert api_state(server) == {"deck": "md", "seq": seq + 1, "state": wire(2, 0)}
    moves = audience.evaluate("(m) => window.__e2e.events.slice(m)", mark)
    assert [(e["h"], e["v"]) for e in moves] == [(2, 0)], f"the audience went by: {moves}"


def test_outline_jumps_to_a_vertical_slide(server: ServerProcess, pages: Pages) -> None:
    presenter = pages.presenter(server)
    audience = pages.audience(server)
    outline = presenter.locator("#outline button")
    titles = [t.strip() for t in outline.all_inner_texts()]
    assert len(titles) == 5, titles
    # Numbered as the slide counter counts; a vertical slide is marked as nested.
    assert titles[0] == "1. First slide"
    assert titles[3] == "4. ↳ Stack below", titles
    assert presenter.locator("#outline button.current").inner_text().strip() == "1. First slide"

    presenter.locator("#outline button", has_text="Stack below").click()
    wait_indices(presenter, 2, 1, expr=CURRENT)
    assert wait_same(presenter, audience) == {"h": 2, "v": 1, "f": None}
    assert api_state(server)["state"] == wire(2, 1)
    wait_js(
        presenter,
        "document.querySelector('#outline button.current')?.textContent.includes('Stack below')",
    )
    assert presenter.locator("#outline button[aria-current=true]").count() == 1
    wait_text(presenter, "#notes", "SECRET-NOTE-THREE")
    wait_text(presenter, "#slide-number", "4 / 5")

    presenter.locator("#outline button", has_text="Last slide").click()
    assert wait_same(presenter, audience) == {"h": 3, "v": 0, "f": None}


def elapsed(page: Page) -> str:
    return page.inner_text("#elapsed").strip()


def test_timer_runs_pauses_resets_and_survives_a_reload(
    server: ServerProcess, pages: Pages
) -> None:
    # The server keeps the timer; the page counts on from its last word. A fake
    # clock in the page moves that counting, never the server's time.
    opened = pages.new("presenter with a clock")
    opened.context.clock.install()
    presenter = opened.page
    presenter.goto(f"{server.base}/decks/md/presenter?token={SECRET}")
    wait_js(presenter, "window.presenterLive && window.presenterLive.current")
    wait_status(presenter, "live")
    toggle = presenter.locator("#timer-toggle")
    wait_text(presenter, "#timer-toggle", "Start")
    assert elapsed(presenter) == "0:00"

    # Stopped: time passes, the timer does not move.
    presenter.clock.fast_forward("02:00")
    presenter.clock.run_for(500)
    assert elapsed(presenter) == "0:00"

    toggle.click()
    wait_text(presenter, "#timer-toggle", "Pause")
    presenter.clock.fast_forward("01:05")
    wait_js(presenter, "/^1:0[5-9]$/.test(document.getElementById('elapsed').textContent)")

    # Paused, it shows what the server counted, and stays there.
    toggle.click()
    wait_text(presenter, "#timer-toggle", "Resume")
    paused_at = elapsed(presenter)
    presenter.clock.fast_forward("03:00")
    presenter.clock.run_for(500)
    assert elapsed(presenter) == paused_at

    # A reload keeps the running timer.
    toggle.click()
    wait_text(presenter, "#timer-toggle", "Pause")
    presenter.reload()
    wait_js(presenter, "window.presenterLive && window.presenterLive.current")
    wait_text(presenter, "#timer-toggle", "Pause")

    # `t` resets it, and a reset survives a reload.
    presenter.locator("body").click(position={"x": 5, "y": 5})
    presenter.keyboard.press("t")
    wait_text(presenter, "#timer-toggle", "Start")
    wait_js(presenter, "document.getElementById('elapsed').textContent === '0:00'")
    presenter.clock.fast_forward("00:30")
    presenter.clock.run_for(500)
    assert elapsed(presenter) == "0:00"
    presenter.reload()
    wait_js(presenter, "window.presenterLive && window.presenterLive.current")
    wait_text(presenter, "#timer-toggle", "Start")
    assert elapsed(presenter) == "0:00"


TIMED_DECK = """\
---
title: Timed deck
revealOptions:
  transition: none
  {budget}
---

# One

---

# Two

---

# Three
"""


@pytest.mark.parametrize("budget", ["totalTime: 60", "defaultTiming: 20"])
def test_pacing_shows_with_a_time_budget(deployment: Deployment, pages: Pages, budget: str) -> None:
    folder: Path = deployment.decks / "timed"
    folder.mkdir()
    (folder / "slides.md").write_text(TIMED_DECK.format(budget=budget), encoding="utf-8")
    server = deployment.start()

    plain = pages.presenter(server)
    assert plain.locator("#pacing").is_hidden()

    opened = pages.new("presenter timed")
    opened.context.clock.install()
    presenter = opened.page
    presenter.goto(f"{server.base}/decks/timed/presenter?token={SECRET}")
    wait_js(presenter, "window.presenterLive && window.presenterLive.current")
    wait_status(presenter, "live")
    pacing = presenter.locator("#pacing")
    status = "(s) => document.getElementById('pacing').dataset.status === s"

    # Three slides of 20 s each. At the start, on the first slide: on time.
    assert pacing.is_visible()
    wait_js(presenter, status, "on-time")
    wait_text(presenter, "#pacing-text", "on time")
    # Straight to the last slide (the timer starts): 40 s ahead.
    presenter.click("#last")
    wait_indices(presenter, 2, 0, expr=CURRENT)
    wait_js(presenter, status, "ahead")
    wait_text(presenter, "#pacing-text", "ahead")
    # Two minutes later: behind.
    presenter.clock.fast_forward("02:00")
    wait_js(presenter, status, "behind")
    wait_text(presenter, "#pacing-text", "behind")
    assert pacing.is_visible()
    # The deck without a budget still shows none.
    assert plain.locator("#pacing").is_hidden()
    assert plain.evaluate("document.getElementById('pacing').dataset.status") == "none"


def assert_fits(page: Page, label: str) -> None:
    """No horizontal scrollbar; the current slide, the notes and Next on screen."""
    sizes = page.evaluate(
        "({ scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth })"
    )
    assert sizes["scroll"] <= sizes["client"], f"{label}: horizontal scrollbar {sizes}"
    width = page.viewport_size["width"]  # type: ignore[index]
    for selector in ("#current-frame", "#notes", "#next"):
        locator = page.locator(selector)
        assert locator.is_visible(), f"{label}: {selector} is not visible"
        found = locator.bounding_box()
        assert found is not None
        assert found["width"] > 40 and found["height"] > 20, f"{label}: {selector} {found}"
        assert found["x"] >= 0 and found["x"] + found["width"] <= width + 0.5, (
            f"{label}: {selector} sticks out sideways: {found}"
        )
    frame = page.locator("#current-frame").bounding_box()
    assert frame is not None and frame["width"] >= 0.45 * width, f"{label}: tiny slide {frame}"
    # Next is reachable without scrolling.
    assert page.locator("#next").evaluate(
        "(el) => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    ), f"{label}: #next is off screen"


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["laptop", "tablet"])
def test_layouts_fit_and_the_choice_is_kept(
    server: ServerProcess, pages: Pages, viewport: dict[str, int]
) -> None:
    presenter = pages.presenter(server, viewport=viewport)
    assert presenter.evaluate("document.body.dataset.layout") == "classic"
    seen = []
    for _ in range(3):
        layout = presenter.evaluate("document.body.dataset.layout")
        seen.append(layout)
        assert presenter.evaluate("(l) => document.body.classList.contains('layout-' + l)", layout)
        assert_fits(presenter, f"{viewport['width']}x{viewport['height']} {layout}")
        presenter.click("#layout-toggle")
        wait_js(presenter, "(l) => document.body.dataset.layout !== l", layout)
    assert sorted(seen) == ["classic", "notes", "wide"]
    assert presenter.evaluate("document.body.dataset.layout") == "classic"

    # Larger notes, kept with the layout.
    size = "parseFloat(getComputedStyle(document.getElementById('notes')).fontSize)"
    before = presenter.evaluate(size)
    presenter.click("#notes-larger")
    presenter.click("#notes-larger")
    larger = presenter.evaluate(size)
    assert larger > before
    presenter.click("#notes-smaller")
    assert before < presenter.evaluate(size) < larger
    kept = presenter.evaluate(size)

    presenter.click("#layout-toggle")
    chosen = presenter.evaluate("document.body.dataset.layout")
    assert chosen != "classic"
    assert chosen in presenter.inner_text("#layout-toggle")
    presenter.reload()
    wait_js(presenter, "window.presenterLive && window.presenterLive.current")
    assert presenter.evaluate("document.body.dataset.layout") == chosen
    assert chosen in presenter.inner_text("#layout-toggle")
    assert presenter.evaluate(size) == kept
    assert_fits(presenter, f"{viewport['width']}x{viewport['height']} {chosen} after reload")


def test_join_page_shows_a_big_qr_code_and_the_url(server: ServerProcess, pages: Pages) -> None:
    page = pages.new("join page").page
    page.goto(f"{server.base}/decks/md/join")
    svg = page.locator(".join-qr svg")
    assert svg.count() == 1
    found = svg.bounding_box()
    assert found is not None
    assert found["width"] >= 300 and found["height"] >= 300, found
    assert found["y"] + found["height"] <= DESKTOP["height"], f"the code runs off screen: {found}"
    url = f"{server.base}/decks/md/"
    assert page.locator(".join-url").inner_text().strip() == url
    assert page.locator(".join-url a").get_attribute("href") == url
    assert "SECRET" not in page.content()
