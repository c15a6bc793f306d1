"""``presenter pdf``: print a deck to PDF through Chromium, as reveal.js lays it out.

The page printed is the audience page with reveal.js's ``?print-pdf`` view,
served by the real server run in-process (:mod:`presenter.inprocess`). Before
reveal.js starts, a script wraps ``Reveal.initialize`` to set the print
options (``pdfSeparateFragments``, ``showNotes``) and adds a last plugin that
gives each slide its notes (only with ``notes=True``: the one place where
notes leave the server for anyone but a presenter).

Needs Playwright (``pip install 'presenter[pdf]'``) and a Chromium: the one at
``$PRESENTER_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium``,
``chromium-browser`` or ``google-chrome`` on the ``PATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presenter.inprocess import running
from presenter.library import DeckLibrary

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
LAYOUT_TIMEOUT_MS = 60_000

# Runs before any script of the page. reveal.js's UMD build sets
# window.Reveal; the setter wraps its initialize() once.
_PRINT_SCRIPT = """
(() => {
  const settings = __SETTINGS__;
  const plugin = {
    id: 'presenter-print',
    init(deck) {
      deck.on('pdf-ready', () => {
        // reveal.js breaks the page after every notes page, the last one too:
        // that would print a blank last page.
        const last = deck.getSlidesElement().lastElementChild;
        if (last && last.classList.contains('speaker-notes-pdf')) last.style.breakAfter = 'avoid';
        window.presenterPdfReady = true;
      });
      if (!settings.notes) return;
      const stacks = deck.getRevealElement().querySelectorAll('.slides > section');
      stacks.forEach((stack, h) => {
        const inner = stack.querySelectorAll(':scope > section');
        (inner.length ? [...inner] : [stack]).forEach((slide, v) => {
          const note = settings.notes[`${h}.${v}`];
          if (note) slide.setAttribute('data-notes', note);
        });
      });
    },
  };
  let value;
  Object.defineProperty(window, 'Reveal', {
    configurable: true,
    get() { return value; },
    set(reveal) {
      if (!value && reveal && typeof reveal.initialize === 'function') {
        const initialize = reveal.initialize;
        reveal.initialize = (options = {}) => initialize.call(reveal, {
          ...options,
          pdfSeparateFragments: settings.fragments,
          // One page per slide: a slide taller than the page is cut, not spread over two.
          pdfMaxPagesPerSlide: 1,
          showNotes: settings.notes ? 'separate-page' : false,
          plugins: [...(options.plugins || []), plugin],
        });
      }
      value = reveal;
    },
  });
})();
"""


class PdfError(Exception):
    """The PDF cannot be made; the message is one line for the user."""


@dataclass(frozen=True)
class Printed:
    """A PDF written: its page count (as reveal.js laid them out) and the
    HTML that was printed (for checks)."""

    pages: int
    html: str


def find_chromium() -> str:
    """The Chromium to print with.

    Raises:
        PdfError: ``$PRESENTER_CHROMIUM`` names no program, or none is found.
    """
    given = os.environ.get("PRESENTER_CHROMIUM")
    if given:
        if os.access(given, os.X_OK) and Path(given).is_file():
            return given
        raise PdfError(f"no Chromium at {given} (PRESENTER_CHROMIUM)")
    if os.access(DEFAULT_CHROMIUM, os.X_OK):
        return DEFAULT_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(
        f"no Chromium found at {DEFAULT_CHROMIUM} or on the PATH: install it "
        "(apt-get install chromium) or set PRESENTER_CHROMIUM to its path"
    )


def count_pages(pdf: bytes) -> int:
    """The number of pages of a PDF as Chromium writes it (one ``/Type /Page``
    object each, not in object streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


async def print_deck(
    deck_id: str,
    folder: Path,
    library: DeckLibrary,
    out: Path,
    *,
    fragments: bool = False,
    notes: bool = False,
    chromium: str | None = None,
) -> Printed:
    """Print deck ``deck_id`` (loaded in ``library``) to the PDF file ``out``.

    One page per slide, fragments shown; with ``fragments`` one page per
    step; with ``notes`` a page of speaker notes after each slide that has
    some. Call from a running asyncio loop.

    Raises:
        PdfError: no Chromium or Playwright, the page never laid out, or
            ``out`` cannot be written.
    """
    executable = chromium or find_chromium()
    try:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright
    except ImportError:
        raise PdfError("presenter pdf needs Playwright: pip install 'presenter[pdf]'") from None
    deck = library.get(deck_id)
    if deck is None:
        raise PdfError(f"no deck {deck_id}")
    settings: dict[str, Any] = {"fragments": fragments, "notes": deck.notes if notes else None}
    script = _PRINT_SCRIPT.replace("__SETTINGS__", _script_json(settings))
    async with running({deck_id: folder}, library) as server:
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=executable, args=CHROMIUM_ARGS
                )
                try:
                    # The deck page's Content-Security-Policy forbids evaluating
                    # strings, which is how Playwright waits for the layout.
                    page = await browser.new_page(bypass_csp=True)
                    await page.add_init_script(script)
                    await page.goto(f"{server.base}/decks/{deck_id}/?print-pdf")
                    try:
                        await page.wait_for_function(
                            "window.presenterPdfReady === true", timeout=LAYOUT_TIMEOUT_MS
                        )
                    except PlaywrightError:
                        raise PdfError(
                            f"deck {deck_id}: reveal.js never laid the deck out for printing"
                        ) from None
                    await page.evaluate("document.fonts.ready.then(() => true)")
                    html = await page.content()
                    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
                finally:
                    await browser.close()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PdfError(f"Chromium at {executable} failed: {first}") from None
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise PdfError(f"cannot write {out} ({exc.strerror or exc})") from None
    return Printed(count_pages(pdf), html)


def _script_json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
