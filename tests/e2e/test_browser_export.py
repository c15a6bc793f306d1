"""The exported site in Chromium from ``file://`` with no network, and ``presenter pdf``."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

from presenter.pdf import count_pages
from tests.export_support import write_all, write_math
from tests.helpers import CHROMIUM, ROOT, SECRET, TIMEOUT_FACTOR, running_server

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000 * TIMEOUT_FACTOR


def presenter(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "presenter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PRESENTER_CHROMIUM": CHROMIUM},
        timeout=180 * TIMEOUT_FACTOR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def export_one(root: Path, deck: str, source: str, text: str) -> Path:
    """Export a deck of one ``source`` file holding ``text``; the site's folder."""
    folder = root / "decks" / deck
    folder.mkdir(parents=True)
    (folder / source).write_text(text, encoding="utf-8")
    presenter("export", str(folder), str(root / "site"))
    return root / "site"


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_all(tmp_path_factory.mktemp("export") / "decks")


@pytest.fixture(scope="module")
def site(decks: Path) -> Path:
    out = decks.parent / "site"
    presenter("export", str(decks), str(out))
    return out


class Offline:
    """A page in its own context where every request but file:// is refused."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context()
        self.refused: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))

    def _route(self, route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def open(self, path: Path) -> Page:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function(
            "window.Reveal && Reveal.isReady() && "
            "!document.documentElement.classList.contains('presenter-pending')",
            timeout=TIMEOUT_MS,
        )
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser: Browser) -> Iterator[Offline]:
    opened = Offline(browser)
    try:
        yield opened
    finally:
        opened.close()


def visit_every_slide(page: Page) -> list[str]:
    """Step through the deck with Reveal.next(); the text of each slide shown."""
    return list(
        page.evaluate(
            """() => {
              const seen = new Map();
              for (let step = 0; step < 100; step += 1) {
                const { h, v } = Reveal.getIndices();
                const slide = Reveal.getCurrentSlide();
                const shown = getComputedStyle(slide).display !== 'none';
                seen.set(`${h}.${v}`, shown ? slide.textContent.trim() : '');
                if (Reveal.isLastSlide() && !Reveal.availableFragments().next) break;
                Reveal.next();
              }
              return [...seen.values()];
            }"""
        )
    )


@pytest.mark.parametrize(
    ("deck", "titles"),
    [
        ("md", ["First slide", "Fragments", "Stack top", "Stack below", "Last slide"]),
        ("html", ["Hand one", "Hand two", "V0", "V1"]),
        ("pic", ["A picture", "A background"]),
    ],
)
def test_every_slide_shows_from_file_with_no_network(
    site: Path, offline: Offline, deck: str, titles: list[str]
) -> None:
    page = offline.open(site / deck / "index.html")
    assert page.evaluate("Reveal.getTotalSlides()") == len(titles)
    texts = visit_every_slide(page)
    assert len(texts) == len(titles)
    for text, title in zip(texts, titles, strict=True):
        assert title in text
    assert "SECRET" not in page.content()
    assert offline.refused == []
    assert offline.failed == []
    assert offline.errors == []


def test_the_keyboard_navigates(site: Path, offline: Offline) -> None:
    page = offline.open(site / "md" / "index.html")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("Reveal.getIndices().h === 1", timeout=TIMEOUT_MS)
    # No live connection and none of presenter's controls.
    assert page.evaluate("typeof window.presenterLive") == "undefined"
    assert page.locator(".presenter-ui").count() == 0


def test_images_fonts_and_backgrounds_load(site: Path, offline: Offline) -> None:
    page = offline.open(site / "pic" / "index.html")
    visit_every_slide(page)
    page.wait_for_function(
        "[...document.images].length === 2 && "
        "[...document.images].every((img) => img.complete && img.naturalWidth > 0)",
        timeout=TIMEOUT_MS,
    )
    background = page.evaluate(
        "getComputedStyle(document.querySelectorAll('.slide-background')[1]"
        ".querySelector('.slide-background-content')).backgroundImage"
    )
    assert "file://" in background and "img/back.png" in background
    page.evaluate("document.fonts.ready")
    assert offline.refused == [] and offline.failed == []


def test_math_a_diagram_and_plugins_work_offline(decks: Path, offline: Offline) -> None:
    folder = write_math(decks.parent / "math-decks")
    out = decks.parent / "math-site"
    presenter("export", str(folder), str(out))
    page = offline.open(out / "math" / "index.html")
    page.wait_for_function(
        "document.querySelectorAll('.katex').length >= 2 && document.fonts.status === 'loaded'"
        " && document.querySelectorAll('.presenter-diagram svg').length === 1",
        timeout=TIMEOUT_MS,
    )
    assert page.evaluate("Reveal.hasPlugin('zoom') && Reveal.hasPlugin('search')")
    assert page.locator("pre code.hljs").count() == 1
    assert offline.refused == [] and offline.failed == [] and offline.errors == []
    katex = out / "math" / "_presenter" / "vendor" / "katex" / "dist"
    assert (katex / "katex.min.js").is_file()
    assert not (katex / "contrib" / "mhchem.min.js").exists()  # not asked for


def pdf_pages(decks: Path, deck: str, *flags: str) -> int:
    out = decks.parent / f"{deck}{''.join(flags)}.pdf"
    done = presenter("pdf", str(decks / deck), str(out), *flags)
    pages = count_pages(out.read_bytes())
    assert f"{pages} page(s)" in done.stdout
    return pages


def test_pdf_has_a_page_per_slide_or_per_step(decks: Path) -> None:
    assert pdf_pages(decks, "md") == 5
    assert pdf_pages(decks, "md", "--fragments") == 7  # two fragments: two more steps
    assert pdf_pages(decks, "html") == 4
    assert pdf_pages(decks, "html", "--fragments") == 5


def test_pdf_notes_only_with_the_flag(decks: Path) -> None:
    assert pdf_pages(decks, "md", "--notes") == 5 + 4  # four slides have notes
    assert pdf_pages(decks, "html", "--notes") == 4 + 2
    # What Chromium printed: the notes are there with --notes only.
    script = """
import asyncio, json, sys
from pathlib import Path
from presenter.assets import find_assets
from presenter.library import DeckLibrary, discover, themes_in
from presenter.pdf import print_deck
folder = Path(sys.argv[1])
decks = discover(folder)
library = DeckLibrary(decks, themes=themes_in(find_assets().reveal))
seen = {}
for notes in (False, True):
    printed = asyncio.run(print_deck(
        folder.name, folder, library, folder.parent / "notes.pdf", notes=notes,
        chromium=sys.argv[2]))
    seen[str(notes)] = [printed.pages, "SECRET-NOTE-TWO" in printed.html]
print(json.dumps(seen))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(decks / "md"), CHROMIUM],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180 * TIMEOUT_FACTOR,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"False": [5, False], "True": [9, True]}


@pytest.fixture
def static_host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain static HTTP server (the standard library's) on a folder: its origin and folder."""
    folder = tmp_path / "hosted"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", folder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def test_a_following_copy_on_a_static_host_follows_the_server(
    browser: Browser, decks: Path, static_host: tuple[str, Path]
) -> None:
    origin, folder = static_host
    with running_server(decks, "--allow-origin", origin) as server:
        presenter("export", str(decks), str(folder), "--follow", server.base)
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{origin}/md/index.html")
            page.wait_for_selector("#presenter-connection[data-status=live]", timeout=TIMEOUT_MS)
            request = urllib.request.Request(
                f"{server.base}/decks/md/api/state",
                data=json.dumps({"state": {"indexh": 2}}).encode(),
                headers={"Authorization": f"Bearer {SECRET}"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
            page.wait_for_function("Reveal.getIndices().h === 2", timeout=TIMEOUT_MS)
            assert "SECRET-NOTE" not in page.content()
        finally:
            context.close()


DRAWING_DECK = """\
---
plugins: [menu, chalkboard, customcontrols, notes]
revealOptions:
  customcontrols:
    controls:
      - id: pen
        icon: '<i class="fa fa-pen"></i>'
        action: RevealChalkboard.toggleNotesCanvas();
---

# One

---

# Two
"""


def test_the_menu_and_the_chalkboard_work_offline(decks: Path, offline: Offline) -> None:
    out = export_one(decks.parent / "drawing", "draw", "slides.md", DRAWING_DECK)
    page = offline.open(out / "draw" / "index.html")
    # What the plugins load by themselves: the menu's stylesheet and icons, the
    # chalkboard's sponge and chalk pictures.
    page.wait_for_function(
        "document.querySelector('.slide-menu-button')"
        " && getComputedStyle(document.querySelector('.slide-menu-button')).position === 'fixed'",
        timeout=TIMEOUT_MS,
    )
    page.keyboard.press("b")  # the chalkboard, its background a picture of the plugin
    page.wait_for_function(
        "getComputedStyle(document.querySelector('#chalkboard')).visibility === 'visible'",
        timeout=TIMEOUT_MS,
    )
    page.evaluate("document.fonts.ready")
    pictures = out / "draw" / "_presenter" / "vendor" / "reveal.js-plugins" / "chalkboard" / "img"
    assert (pictures / "sponge.png").is_file() and (pictures / "blackboard.png").is_file()
    assert offline.refused == [] and offline.failed == [] and offline.errors == []


HTML_MATH_DECK = """<!doctype html>
<html><head><link rel="stylesheet" href="dist/reveal.css"></head><body>
<div class="reveal"><div class="slides">
<section><h1>Area $A = \\\\pi r^2$</h1></section>
</div></div>
<script src="dist/reveal.js"></script>
<script src="plugin/math/math.js"></script>
<script>
Reveal.initialize({ katex: { local: '/vendor/katex' }, plugins: [RevealMath.KaTeX] });
</script>
</body></html>
"""


def test_an_html_decks_math_from_this_server_works_in_the_export(
    decks: Path, offline: Offline
) -> None:
    out = export_one(decks.parent / "html-math", "area", "index.html", HTML_MATH_DECK)
    page = offline.open(out / "area" / "index.html")
    page.wait_for_function("document.querySelectorAll('.katex').length === 1", timeout=TIMEOUT_MS)
    assert offline.refused == [] and offline.failed == [] and offline.errors == []
