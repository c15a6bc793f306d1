"""Audience pages follow the presenter: step by step, late joiners, back to live."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.e2e.support import (
    DESKTOP,
    PHONE,
    Pages,
    indices,
    presenter_indices,
    wait_indices,
    wait_js,
    wait_same,
    wait_status,
)
from tests.helpers import ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"


def step(presenter: Page, action: Callable[[], object], h: int, v: int, f: int | None) -> None:
    """Do ``action`` on the presenter page and check where its current frame landed."""
    action()
    wait_indices(presenter, h, v, f, expr=CURRENT)


def assert_never_shown_elsewhere(page: Page, h: int, v: int) -> None:
    """The page went through other slides only while hidden (presenter-pending)."""
    shown = page.evaluate("window.__e2e.shown")
    assert shown, "the recorder saw no slide at all"
    assert shown[0]["pending"], f"the first slide was laid out without presenter-pending: {shown}"
    visible = [entry for entry in shown if not entry["pending"]]
    assert visible, f"the page never left presenter-pending: {shown}"
    wrong = [entry for entry in visible if (entry["h"], entry["v"]) != (h, v)]
    assert not wrong, f"visible on another slide before ({h}, {v}): {shown}"
    events = page.evaluate("window.__e2e.events")
    early = [e for e in events if not e["pending"] and (e["h"], e["v"]) != (h, v)]
    assert not early, f"visible slide events elsewhere than ({h}, {v}): {events}"


def test_desktop_and_phone_follow_slides_fragments_stacks_and_blackout(
    server: ServerProcess, pages: Pages
) -> None:
    presenter = pages.presenter(server)
    desktop = pages.audience(server, viewport=DESKTOP)
    phone = pages.audience(server, viewport=PHONE)
    assert phone.evaluate("window.innerWidth") == PHONE["width"]
    audience = (desktop, phone)
    assert wait_same(presenter, *audience) == {"h": 0, "v": 0, "f": None}

    click_next = lambda: presenter.click("#next")  # noqa: E731
    steps: list[tuple[str, Callable[[], object], int, int, int | None]] = [
        ("next slide", click_next, 1, 0, -1),
        ("first fragment", click_next, 1, 0, 0),
        ("second fragment (key)", lambda: presenter.keyboard.press("ArrowRight"), 1, 0, 1),
        ("stack top", click_next, 2, 0, None),
        ("down the stack (key)", lambda: presenter.keyboard.press("ArrowDown"), 2, 1, None),
        (
            "last slide (API)",
            lambda: presenter.evaluate("presenterLive.current.slide(3, 0)"),
            3,
            0,
            None,
        ),
        ("back (#prev)", lambda: presenter.click("#prev"), 2, 1, None),
        (
            "fragment by slide()",
            lambda: presenter.evaluate("presenterLive.current.slide(1, 0, 0)"),
            1,
            0,
            0,
        ),
    ]
    for name, action, h, v, f in steps:
        step(presenter, action, h, v, f)
        try:
            wait_same(presenter, *audience)
        except AssertionError as exc:
            raise AssertionError(f"after {name}: {exc}") from None

    for page in audience:
        # Slide by slide, even on a phone: reveal.js must not have switched to its scroll view.
        assert page.evaluate("Reveal.isScrollView()") is False
        assert page.evaluate("window.presenterLive.following") is True
        assert page.locator("#back-to-live").is_hidden()
        assert page.evaluate("Reveal.getCurrentSlide().textContent").strip().startswith("Fragments")

    presenter.click("#blackout")
    for page in audience:
        wait_js(page, "Reveal.isPaused() === true")
    assert presenter.get_attribute("#blackout", "aria-pressed") == "true"
    presenter.click("#blackout")
    for page in audience:
        wait_js(page, "Reveal.isPaused() === false")
    assert presenter.get_attribute("#blackout", "aria-pressed") == "false"
    # Blackout did not move anybody.
    assert wait_same(presenter, *audience) == {"h": 1, "v": 0, "f": 0}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_late_joiner_starts_on_the_live_slide(
    server: ServerProcess, pages: Pages, viewport: dict[str, int]
) -> None:
    presenter = pages.presenter(server)
    step(presenter, lambda: presenter.evaluate("presenterLive.current.slide(3, 0)"), 3, 0, None)
    wait_js(presenter, "presenterLive.state.indexh === 3 && presenterLive.seq >= 1")

    # Checked as soon as the page follows, before its socket has said anything.
    late = pages.audience(server, viewport=viewport, live=False)
    assert indices(late) == presenter_indices(presenter) == {"h": 3, "v": 0, "f": None}
    assert late.evaluate("Reveal.getCurrentSlide().textContent").strip().startswith("Last slide")
    pending = "document.documentElement.classList.contains('presenter-pending')"
    assert late.evaluate(pending) is False
    wait_status(late, "live")
    assert indices(late) == {"h": 3, "v": 0, "f": None}
    assert_never_shown_elsewhere(late, 3, 0)


def test_back_to_live_after_browsing_alone(server: ServerProcess, pages: Pages) -> None:
    presenter = pages.presenter(server)
    audience = pages.audience(server)
    button = audience.locator("#back-to-live")
    assert button.is_hidden()

    # The viewer browses on their own with the keyboard.
    audience.keyboard.press("ArrowRight")
    wait_js(audience, "window.presenterLive.following === false")
    assert button.is_visible()
    own = indices(audience)
    assert (own["h"], own["v"]) == (1, 0)
    assert presenter_indices(presenter) == {"h": 0, "v": 0, "f": None}

    # The presenter moves twice; the browsing viewer hears of it but stays put.
    step(presenter, lambda: presenter.evaluate("presenterLive.current.slide(2, 1)"), 2, 1, None)
    wait_js(audience, "presenterLive.state.indexh === 2 && presenterLive.state.indexv === 1")
    step(presenter, lambda: presenter.click("#next"), 3, 0, None)
    wait_js(audience, "presenterLive.state.indexh === 3")
    assert indices(audience) == own
    assert button.is_visible()

    button.click()
    assert wait_same(presenter, audience) == {"h": 3, "v": 0, "f": None}
    assert button.is_hidden()
    assert audience.evaluate("window.presenterLive.following") is True

    # Following again: the next presenter change moves the page.
    step(presenter, lambda: presenter.click("#prev"), 2, 1, None)
    wait_same(presenter, audience)

    # Browsing through the API (Reveal.prev()) shows the button too.
    audience.evaluate("Reveal.prev()")
    wait_js(audience, "window.presenterLive.following === false")
    assert button.is_visible()
    assert indices(audience)["v"] == 0
    button.click()
    assert wait_same(presenter, audience) == {"h": 2, "v": 1, "f": None}
    assert button.is_hidden()


def test_html_deck_follows_including_the_vertical_stack(
    server: ServerProcess, pages: Pages
) -> None:
    presenter = pages.presenter(server, deck="html")
    desktop = pages.audience(server, deck="html", viewport=DESKTOP)
    phone = pages.audience(server, deck="html", viewport=PHONE)
    audience = (desktop, phone)
    assert wait_same(presenter, *audience) == {"h": 0, "v": 0, "f": None}

    click_next = lambda: presenter.click("#next")  # noqa: E731
    for h, v, f in [(1, 0, -1), (1, 0, 0), (2, 0, None), (2, 1, None)]:
        step(presenter, click_next, h, v, f)
        wait_same(presenter, *audience)
    for page in audience:
        assert page.evaluate("Reveal.isScrollView()") is False
        assert page.evaluate("Reveal.getCurrentSlide().textContent").strip() == "V1"

    presenter.click("#blackout")
    for page in audience:
        wait_js(page, "Reveal.isPaused() === true")
    presenter.click("#blackout")
    for page in audience:
        wait_js(page, "Reveal.isPaused() === false")

    late = pages.audience(server, deck="html", viewport=PHONE, live=False)
    assert indices(late) == {"h": 2, "v": 1, "f": None}
    assert_never_shown_elsewhere(late, 2, 1)

    step(presenter, lambda: presenter.click("#prev"), 2, 0, None)
    wait_same(presenter, *audience, late)
