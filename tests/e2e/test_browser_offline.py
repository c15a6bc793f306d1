"""Decks need nothing from the internet: every sample deck and every theme with all
requests to other hosts blocked; math, plugins, deck CSS and scripts, highlight themes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from presenter.starter import write_starter
from tests.e2e.support import TIMEOUT_MS, wait_js
from tests.helpers import ROOT, SECRET, ServerProcess, running_server

THEMES = sorted(p.stem for p in (ROOT / "node_modules/reveal.js/dist/theme").glob("*.css"))
# Theme -> a family it imports from Google Fonts upstream, which must load from here
# (some themes import a family they no longer use, so it is loaded on purpose).
THEME_FONTS = {
    "beige": "Lato",
    "blood": "Ubuntu",
    "league": "Lato",
    "moon": "Lato",
    "night": "Open Sans",
    "simple": "News Cycle",
    "sky": "Quicksand",
    "solarized": "Lato",
}

MATH_DECK = """\
---
title: Math
plugins: [math, zoom, search]
highlightTheme: github
css: look.css
scripts: [hello.js]
---

# Sums $a_1 + b_1$

Inline \\(x^2\\), and `$not math$` in code. It costs \\$5, or \\$10 with a drink.

$$
\\frac{a}{b} \\\\ c_{1}
$$

```python
print("hi")
```
"""


def write_deck(folder: Path, text: str) -> Path:
    """``folder`` made a Markdown deck of ``text``."""
    folder.mkdir(parents=True)
    (folder / "slides.md").write_text(text, encoding="utf-8")
    return folder


@dataclass
class Offline:
    """A browser context where every request to another host is aborted and listed
    in ``elsewhere``; :meth:`open` opens a page of the server."""

    context: BrowserContext
    base: str
    elsewhere: list[str] = field(default_factory=list)

    def open(self, path: str, *, settle: bool = True) -> Page:
        page = self.context.new_page()
        page.goto(self.base + path)
        if settle:
            settled(page)
        return page


@contextmanager
def offline(browser: Browser, server: ServerProcess) -> Iterator[Offline]:
    """An :class:`Offline` context for ``server``, closed afterwards."""
    site = Offline(browser.new_context(viewport={"width": 1280, "height": 720}), server.base)

    def route(route_: object) -> None:
        request = route_.request  # type: ignore[attr-defined]
        if request.url.startswith(server.base + "/"):
            route_.continue_()  # type: ignore[attr-defined]
        else:
            site.elsewhere.append(request.url)
            route_.abort()  # type: ignore[attr-defined]

    site.context.route("**/*", route)
    try:
        yield site
    finally:
        site.context.close()


def settled(page: Page) -> None:
    """Every stylesheet, font and image the page asked for is in (or failed)."""
    wait_js(page, "window.presenterLive && document.readyState === 'complete'")
    page.evaluate("document.fonts.ready.then(() => true)")


@pytest.fixture(scope="module")
def sample_server() -> Iterator[ServerProcess]:
    with running_server(ROOT / "slides", "--no-watch") as server:
        yield server


@pytest.mark.parametrize(
    "deck", sorted(p.name for p in (ROOT / "slides").iterdir() if (p / "slides.md").is_file())
)
def test_every_sample_deck_needs_no_other_host(
    browser: Browser, sample_server: ServerProcess, deck: str
) -> None:
    with offline(browser, sample_server) as site:
        page = site.open(f"/decks/{deck}/")
        # Through every slide, so every image and background is asked for.
        page.evaluate("(() => { while (!Reveal.isLastSlide()) Reveal.next(); })()")
        assert page.evaluate("Reveal.isLastSlide()")
        settled(page)
        assert site.elsewhere == []


@pytest.fixture(scope="module")
def theme_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("themes")
    for theme in THEMES:
        (root / theme).mkdir()
        (root / theme / "slides.md").write_text(
            f"---\ntheme: {theme}\n---\n\n# {theme}\n\nText *in italics* and **bold**.\n",
            encoding="utf-8",
        )
    with running_server(root, "--no-watch") as server:
        yield server


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_loads_its_fonts_from_this_server(
    browser: Browser, theme_server: ServerProcess, theme: str
) -> None:
    with offline(browser, theme_server) as site:
        page = site.open(f"/decks/{theme}/")
        family = THEME_FONTS.get(theme)
        if family is not None:
            # The family the theme imports loads, from this server.
            loaded = page.evaluate(
                'async (f) => (await document.fonts.load(`40px "${f}"`)).map((x) => x.status)',
                family,
            )
            assert loaded and set(loaded) == {"loaded"}, (family, loaded)
        failed = page.evaluate("[...document.fonts].filter((f) => f.status === 'error').length")
        assert failed == 0
        assert site.elsewhere == []


@pytest.fixture
def math_server(tmp_path: Path) -> Iterator[ServerProcess]:
    folder = write_deck(tmp_path / "decks" / "math", MATH_DECK)
    (folder / "look.css").write_text(".reveal h1 { color: rgb(1, 2, 3); }\n", encoding="utf-8")
    (folder / "hello.js").write_text("window.helloFromDeck = 42;\n", encoding="utf-8")
    with running_server(tmp_path / "decks", "--no-watch") as server:
        yield server


def test_math_plugins_css_and_scripts_of_a_markdown_deck(
    browser: Browser, math_server: ServerProcess
) -> None:
    with offline(browser, math_server) as site:
        page = site.open("/decks/math/")
        wait_js(page, "document.querySelectorAll('.katex').length === 3", timeout=TIMEOUT_MS)
        tex = page.evaluate(
            "[...document.querySelectorAll('annotation')].map((a) => a.textContent.trim())"
        )
        # The TeX reaches KaTeX as written: no backslash or underscore eaten by Markdown.
        assert tex == ["a_1 + b_1", "x^2", "\\frac{a}{b} \\\\ c_{1}"]
        text = page.evaluate("document.querySelector('.reveal .slides').textContent")
        assert "$not math$" in text
        # Escaped dollars are dollars, not the edges of a formula.
        assert "It costs $5, or $10 with a drink." in text
        assert page.evaluate("[Reveal.hasPlugin('zoom'), Reveal.hasPlugin('search')]") == [
            True,
            True,
        ]
        assert page.evaluate("window.helloFromDeck") == 42
        color = page.evaluate("getComputedStyle(document.querySelector('.reveal h1')).color")
        assert color == "rgb(1, 2, 3)"
        sheets = page.evaluate("[...document.styleSheets].map((s) => s.href || '')")
        assert any(s.endswith("/vendor/highlight.js/styles/github.css") for s in sheets)
        assert site.elsewhere == []


DIAGRAM_DECK = """\
---
plugins: [mermaid]
---

# Flow

```mermaid
graph LR
  A[Speaker] --> B(Server)
```

---

# Later

```mermaid
sequenceDiagram
  Alice->>Bob: Hi
```
"""


def test_mermaid_diagrams_are_drawn_on_every_slide_and_again_after_a_reload(
    browser: Browser, tmp_path: Path
) -> None:
    folder = write_deck(tmp_path / "decks" / "flow", DIAGRAM_DECK)
    with running_server(tmp_path / "decks") as server, offline(browser, server) as site:
        page = site.open("/decks/flow/")
        wait_js(page, "document.querySelectorAll('.presenter-diagram svg').length === 2")
        # Drawn with a size, also on the slide that is not shown.
        widths = page.evaluate(
            "[...document.querySelectorAll('.presenter-diagram svg')]"
            ".map((svg) => svg.viewBox.baseVal.width)"
        )
        assert all(width > 50 for width in widths), widths
        text = page.evaluate("document.querySelector('.presenter-diagram').textContent")
        assert "Speaker" in text and "Server" in text
        edited = DIAGRAM_DECK.replace("A[Speaker]", "A[Author]")
        (folder / "slides.md").write_text(edited, encoding="utf-8")
        wait_js(
            page,
            "document.querySelectorAll('.presenter-diagram svg').length === 2 && "
            "document.querySelector('.presenter-diagram').textContent.includes('Author')",
        )
        assert site.elsewhere == []


def test_the_starter_deck_serves_as_it_is(browser: Browser, tmp_path: Path) -> None:
    write_starter(tmp_path / "decks" / "talk")
    with running_server(tmp_path / "decks") as server, offline(browser, server) as site:
        page = site.open("/decks/talk/")
        wait_js(
            page,
            "document.querySelectorAll('.katex').length >= 2"
            " && document.querySelectorAll('.presenter-diagram svg').length === 1"
            " && document.querySelectorAll('.presenter-poll button').length >= 4",
        )
        assert site.elsewhere == []


def test_the_slide_menu_lists_the_slides_with_its_icons_from_here(
    browser: Browser, tmp_path: Path
) -> None:
    write_deck(tmp_path / "decks" / "menu", "---\nplugins: [menu]\n---\n\n# One\n\n---\n\n# Two\n")
    with (
        running_server(tmp_path / "decks", "--no-watch") as server,
        offline(browser, server) as site,
    ):
        page = site.open("/decks/menu/")
        wait_js(page, "Reveal.hasPlugin('menu') && document.querySelector('.slide-menu')")
        page.keyboard.press("m")
        wait_js(page, "document.querySelector('.slide-menu.active')")
        items = page.evaluate(
            "[...document.querySelectorAll('.slide-menu-item')].map((e) => e.textContent.trim())"
        )
        assert items == ["One", "Two"]
        # Jumping with the menu on an audience page is browsing on one's own.
        page.click(".slide-menu-item[data-slide-h='1']")
        wait_js(page, "Reveal.getIndices().h === 1 && !window.presenterLive.following")
        icons = page.evaluate(
            "[...document.fonts]"
            ".filter((f) => /awesome/i.test(f.family) && f.status === 'loaded').length"
        )
        assert icons > 0
        assert site.elsewhere == []


DRAWING_DECK = """\
---
plugins: [chalkboard, customcontrols, notes]
revealOptions:
  customcontrols:
    controls:
      - id: pen
        title: Toggle notes canvas (C)
        icon: '<i class="fa fa-pen"></i>'
        action: RevealChalkboard.toggleNotesCanvas();
---

# One

Note: DRAWING-DECK-NOTE

---

# Two
"""

# Counts drawn pixels of the notes canvas (the one drawn on top of the slides).
INKED = """() => {
  const canvas = document.querySelector('#notescanvas canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) inked += 1;
  return inked;
}"""

# Runs before the page's scripts: keeps every CSP violation.
CSP_RECORDER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.sample || e.blockedURI}`);
});
"""


def test_chalkboard_and_custom_controls_draw_on_this_page_only(
    browser: Browser, tmp_path: Path
) -> None:
    write_deck(tmp_path / "decks" / "draw", DRAWING_DECK)
    with (
        running_server(tmp_path / "decks", "--no-watch") as server,
        offline(browser, server) as site,
    ):
        site.context.add_init_script(CSP_RECORDER)
        page, other = site.open("/decks/draw/"), site.open("/decks/draw/")
        for each in (page, other):
            wait_js(
                each,
                "Reveal.hasPlugin('RevealChalkboard') && document.querySelector('#customcontrols')",
            )
        before = page.evaluate(INKED)
        # The control's action runs (its onclick is allowed by hash), and
        # the pen draws on the slide.
        page.click("#pen button")
        wait_js(
            page,
            "getComputedStyle(document.querySelector('#notescanvas')).pointerEvents !== 'none'",
        )
        page.mouse.move(300, 300)
        page.mouse.down()
        page.mouse.move(600, 420, steps=12)
        page.mouse.up()
        wait_js(page, f"({INKED})() > {before}")
        # Presenter-local: what one page draws no other page shows.
        assert other.evaluate(INKED) == before
        icons = page.evaluate(
            "[...document.fonts]"
            ".filter((f) => /awesome/i.test(f.family) && f.status === 'loaded').length"
        )
        assert icons > 0
        # S opens the speaker view (which asks for the secret here); the
        # audience page itself never had the notes.
        with site.context.expect_page() as opened:
            other.keyboard.press("s")
        speaker = opened.value
        speaker.wait_for_load_state()
        assert speaker.url.split("?")[0] == f"{site.base}/decks/draw/presenter"
        assert "DRAWING-DECK-NOTE" not in other.content()
        # The speaker view's slide frames have no drawing and no buttons.
        other.goto(f"{site.base}/decks/draw/?view=embed")
        wait_js(other, "window.presenterReady && Reveal.isReady()")
        assert (
            other.evaluate(
                "Reveal.hasPlugin('RevealChalkboard')"
                " || !!document.querySelector('#customcontrols')"
            )
            is False
        )
        assert page.evaluate("window.__csp") == []
        assert other.evaluate("window.__csp") == []
        assert site.elsewhere == []


MATH_SLIDES = """\
---
plugins: [math, mermaid]
---

# First $x^2$

---

# Second

$$
\\frac{a}{b}
$$

```mermaid
graph LR
  A[Bad -->
```
"""


def test_math_is_typeset_after_a_reload_and_in_the_speaker_views_preview(
    browser: Browser, tmp_path: Path
) -> None:
    folder = write_deck(tmp_path / "decks" / "sums", MATH_SLIDES)
    with running_server(tmp_path / "decks") as server, offline(browser, server) as site:
        page = site.open("/decks/sums/")
        wait_js(page, "document.querySelectorAll('.reveal .katex').length === 2")
        # A diagram with an error says so on its slide and leaves nothing else behind.
        wait_js(page, "document.querySelector('.presenter-diagram-error')")
        assert page.evaluate("document.querySelectorAll('body > [id^=dpresenter]').length") == 0
        (folder / "slides.md").write_text(
            MATH_SLIDES.replace("# Second", "# Second, edited"), encoding="utf-8"
        )
        wait_js(
            page,
            "document.querySelector('.reveal .slides').textContent.includes('edited')"
            " && document.querySelectorAll('.reveal .katex').length === 2",
        )
        speaker = site.context.new_page()
        speaker.goto(f"{site.base}/decks/sums/presenter?token={SECRET}")
        wait_js(speaker, "window.presenterLive && window.presenterLive.current")
        preview = speaker.frame_locator("#next-frame").locator(".katex-display")
        preview.first.wait_for(state="attached")
        assert site.elsewhere == []


def test_s_on_an_html_deck_with_reveal_js_notes_opens_the_speaker_view(
    browser: Browser, sample_server: ServerProcess
) -> None:
    with offline(browser, sample_server) as site:
        page = site.open("/decks/handmade/")
        assert page.evaluate("Reveal.hasPlugin('notes')")
        with site.context.expect_page() as opened:
            page.keyboard.press("s")
        speaker = opened.value
        speaker.wait_for_load_state()
        assert speaker.url.split("?")[0] == f"{site.base}/decks/handmade/presenter"
        assert site.elsewhere == []


def test_plugin_buttons_are_not_printed(browser: Browser, tmp_path: Path) -> None:
    write_deck(
        tmp_path / "decks" / "print",
        "---\nplugins: [menu, chalkboard]\n---\n\n# One\n\n---\n\n# Two\n",
    )
    with (
        running_server(tmp_path / "decks", "--no-watch") as server,
        offline(browser, server) as site,
    ):
        page = site.open("/decks/print/?print-pdf", settle=False)
        wait_js(page, "Reveal.isReady() && document.querySelector('.slide-menu-button')")
        shown = page.evaluate(
            "['.slide-menu-button', '.palette'].map((s) => document.querySelector(s))"
            ".filter((e) => e && getComputedStyle(e).display !== 'none').length"
        )
        assert shown == 0


def test_the_slide_menu_lists_new_slides_after_a_reload(browser: Browser, tmp_path: Path) -> None:
    text = "---\nplugins: [menu]\n---\n\n# One\n\n---\n\n# Two\n"
    folder = write_deck(tmp_path / "decks" / "menu", text)
    with running_server(tmp_path / "decks") as server, offline(browser, server) as site:
        page = site.open("/decks/menu/")
        wait_js(page, "document.querySelectorAll('.slide-menu-item').length === 2")
        (folder / "slides.md").write_text(text + "\n---\n\n# Three\n", encoding="utf-8")
        wait_js(page, "document.querySelectorAll('.slide-menu-item').length === 3")
