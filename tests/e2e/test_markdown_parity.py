"""Differential test: our Markdown decks against reveal.js's own markdown plugin.

Every deck of ``markdown_corpus.CORPUS`` is rendered twice in Chromium:

* ours: ``presenter serve`` on a folder of all the decks, each opened at
  ``/decks/<name>/?view=embed`` (no live connection); notes and titles come
  from ``/api/notes``, as the speaker gets them;
* the reference: reveal.js's markdown plugin fed the whole text as reveal-md
  does, one ``<section data-markdown>`` with reveal-md's separators (or the
  front matter's) and the front matter's ``revealOptions``, served from
  ``node_modules/reveal.js/dist`` through ``page.route`` (no server).

One JavaScript function reads both pages: the slide tree, and per slide its
visible text, its attributes, every element with its attributes, fragments,
code line numbers, image sources, title and notes, with what reveal.js and
its highlight plugin set at run time left out. Decks listed in
``DELIBERATE`` must differ (each is a difference presenter makes on purpose);
every other deck must match field for field.
"""

from __future__ import annotations

import functools
import html
import json
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from presenter.core.markdown import split_front_matter
from tests.e2e.markdown_corpus import CORPUS, DELIBERATE
from tests.e2e.support import wait_js
from tests.helpers import ROOT, SECRET, ServerProcess, running_server

pytestmark = pytest.mark.browser

DIST = ROOT / "node_modules" / "reveal.js" / "dist"
REFERENCE = "http://reference.test"
# reveal-md's separators (its defaults when the front matter sets none).
REVEAL_MD_SEPARATOR = r"^(\r\n?|\n)---(\r\n?|\n)$"
REVEAL_MD_VERTICAL = r"^(\r\n?|\n)----(\r\n?|\n)$"

READY = """() => !!window.Reveal && Reveal.isReady()
  && !document.querySelector('section[data-markdown]:not([data-markdown-parsed])')"""

# What both pages are read with. Left out as run-time state: reveal.js's slide
# and fragment states, visibility and layout (style, hidden, inert, aria-hidden,
# data-index-*, data-previous-indexv, data-fragment, background contrast
# classes), the markdown plugin's own section attributes (data-markdown*,
# data-separator*), and what the highlight plugin adds (classes hljs,
# language-*, code-wrapper, has-highlights, data-highlighted and the markup
# inside <code>: line-number tables and token spans; the code's text is compared
# as text). Kept: the fragment copies of <code> the highlight plugin makes for
# line steps, with their data-line-numbers, which spell out the author's steps.
# data-notes on a section is compared as notes. Attributes are sorted by name,
# class names sorted.
EXTRACT = """
() => {
  const RUNTIME_CLASSES = new Set([
    'present', 'past', 'future', 'stack', 'visible', 'current-fragment',
    'has-dark-background', 'has-light-background',
    'hljs', 'code-wrapper', 'has-highlights', 'highlight-line',
  ]);
  const SECTION_RUNTIME = new RegExp('^(style|hidden|inert|aria-hidden|data-index-[hv]'
    + '|data-previous-indexv|data-fragment|data-notes|data-markdown.*|data-separator.*)$');
  const ELEMENT_RUNTIME = /^(style|data-highlighted)$/;
  const collapse = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const htmlText = (html) => new DOMParser().parseFromString(html, 'text/html').body.textContent;
  const attributes = (el, runtime) => [...el.attributes]
    .filter((a) => !runtime.test(a.name))
    .map((a) => a.name !== 'class' ? [a.name, a.value] : [a.name, a.value.split(/\\s+/)
      .filter((c) => c && !RUNTIME_CLASSES.has(c) && !c.startsWith('language-'))
      .sort().join(' ')])
    .filter(([name, value]) => name !== 'class' || value !== '')
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const inNotes = (el) => !!el.closest('aside.notes');
  const content = (section) => [...section.querySelectorAll('*')].filter((el) =>
    !inNotes(el) && el.tagName !== 'SCRIPT'
    && !(el.parentElement && el.parentElement.closest('code')));
  const text = (section) => {
    const copy = section.cloneNode(true);
    copy.querySelectorAll('aside.notes, script').forEach((el) => el.remove());
    return collapse(copy.textContent);
  };
  const read = (section, h, v) => {
    const elements = content(section);
    const heading = elements.find((el) => /^H[123]$/.test(el.tagName));
    const notes = Reveal.getSlideNotes(section);
    return {
      hv: h + '.' + v,
      section: attributes(section, SECTION_RUNTIME),
      text: text(section),
      elements: elements.map((el) =>
        [el.tagName.toLowerCase(), ...attributes(el, ELEMENT_RUNTIME).map((a) => a.join('='))]
          .join(' ')),
      fragments: elements.filter((el) => el.classList.contains('fragment'))
        .map((el) => el.tagName.toLowerCase() + ' ' + el.getAttribute('data-fragment-index')),
      code: elements.filter((el) => el.tagName === 'CODE')
        .map((el) => [el.getAttribute('data-line-numbers'), el.getAttribute('data-ln-start-from')]),
      imgs: elements.filter((el) => el.tagName === 'IMG').map((el) => el.getAttribute('src')),
      title: heading ? collapse(heading.textContent) : '',
      notes: notes ? collapse(htmlText(notes)) : '',
    };
  };
  const shape = [];
  const slides = [];
  Reveal.getHorizontalSlides().forEach((top, h) => {
    const stack = [...top.querySelectorAll(':scope > section')];
    shape.push(stack.length || 1);
    (stack.length ? stack : [top]).forEach((section, v) => slides.push(read(section, h, v)));
  });
  const noteElements = document.querySelectorAll('.slides aside.notes, .slides [data-notes]');
  return { shape, slides, noteElements: noteElements.length };
}
"""

# Our notes, as the speaker view gets them (HTML by "h.v"), as text.
NOTES_TEXT = """
(notes) => Object.fromEntries(Object.entries(notes).map(([key, value]) => [key,
  new DOMParser().parseFromString(value, 'text/html').body.textContent
    .replace(/\\s+/g, ' ').trim()]))
"""

FIELDS = ("section", "text", "elements", "fragments", "code", "imgs", "title", "notes")


def reference_page(text: str) -> str:
    """A page where reveal.js's markdown plugin renders ``text`` as reveal-md would."""
    meta, body, _ = split_front_matter(text, Path("slides.md"))
    attributes = {
        "data-separator": meta.get("separator", REVEAL_MD_SEPARATOR),
        "data-separator-vertical": meta.get("verticalSeparator", REVEAL_MD_VERTICAL),
    }
    if "notesSeparator" in meta:
        attributes["data-separator-notes"] = meta["notesSeparator"]
    section = " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
    # A character reference keeps a carriage return (the parser turns a raw
    # CRLF into LF), so a CRLF deck reaches the plugin as written.
    template = html.escape(body, quote=False).replace("\r", "&#13;")
    options = json.dumps(meta.get("revealOptions") or {}).replace("</", "<\\/")
    return f"""<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <link rel="stylesheet" href="/dist/reset.css">
  <link rel="stylesheet" href="/dist/reveal.css">
  <link rel="stylesheet" href="/dist/theme/black.css">
  <link rel="stylesheet" href="/dist/plugin/highlight/monokai.css">
</head>
<body>
  <div class="reveal"><div class="slides">
    <section data-markdown {section}><textarea data-template>
{template}</textarea></section>
  </div></div>
  <script src="/dist/reveal.js"></script>
  <script src="/dist/plugin/markdown.js"></script>
  <script src="/dist/plugin/highlight.js"></script>
  <script>
    Reveal.initialize(Object.assign({{}}, {options}, {{
      hash: false, transition: 'none', plugins: [RevealMarkdown, RevealHighlight],
    }}));
  </script>
</body>
</html>
"""


@dataclass
class Side:
    """One browser page (in its own context) that goes from deck to deck."""

    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Browser) -> Side:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        side = cls(context, context.new_page())
        side.page.on("pageerror", lambda error: side.errors.append(str(error)))
        return side

    def read(self, url: str) -> dict[str, Any]:
        self.errors.clear()
        self.page.goto(url)
        wait_js(self.page, READY)
        found: dict[str, Any] = self.page.evaluate(EXTRACT)
        assert not self.errors, f"uncaught errors on {url}: {self.errors}"
        return found


@dataclass
class Rig:
    server: ServerProcess
    ours: Side
    reference: Side

    def ours_deck(self, name: str) -> dict[str, Any]:
        """Our page for deck ``name``, notes and titles replaced by what the speaker gets."""
        found = self.ours.read(f"{self.server.base}/decks/{name}/?view=embed")
        # The audience never gets notes, whatever the deck.
        leaked = {s["hv"]: s["notes"] for s in found["slides"] if s["notes"]}
        assert not leaked and not found["noteElements"], f"{name}: notes on our page: {leaked}"
        api = self.ours.context.request.get(f"{self.server.base}/decks/{name}/api/notes")
        assert api.ok, f"{name}: /api/notes answered {api.status}"
        answer = api.json()
        notes = self.ours.page.evaluate(NOTES_TEXT, answer["notes"])
        deck = self.ours.context.request.get(f"{self.server.base}/decks/{name}/api/deck")
        assert deck.ok, f"{name}: /api/deck answered {deck.status}"
        found["slideCount"] = deck.json()["slideCount"]
        titles = answer["titles"]
        for index, slide in enumerate(found["slides"]):
            slide["title"] = titles[index] if index < len(titles) else None
            slide["notes"] = notes.get(slide["hv"], "")
        return found

    def reference_deck(self, name: str) -> dict[str, Any]:
        found = self.reference.read(f"{REFERENCE}/decks/{name}/")
        found["slideCount"] = len(found["slides"])
        return found


@functools.cache
def _dist_file(path: Path) -> bytes:
    return path.read_bytes()


def serve_reference(route: Route) -> None:
    """``http://reference.test``: each deck's reference page, and reveal.js's dist files."""
    path = route.request.url[len(REFERENCE) :].split("?")[0]
    if path.startswith("/decks/") and path.endswith("/"):
        name = path[len("/decks/") : -1]
        if name in CORPUS:
            route.fulfill(content_type="text/html", body=reference_page(CORPUS[name]))
            return
    if path.startswith("/dist/"):
        file = (DIST / path[len("/dist/") :]).resolve()
        if file.is_relative_to(DIST) and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(content_type=kind, body=_dist_file(file))
            return
    route.fulfill(status=404, content_type="text/plain", body="not found")


@pytest.fixture(scope="module")
def rig(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """One server on every corpus deck, one page per side."""
    root = tmp_path_factory.mktemp("parity")
    decks = root / "decks"
    for name, text in CORPUS.items():
        (decks / name).mkdir(parents=True)
        # Bytes as written (CRLF stays CRLF).
        (decks / name / "slides.md").write_bytes(text.encode("utf-8"))
    with running_server(decks, "--no-watch", "--state-dir", str(root / "state")) as server:
        ours = Side.open(browser)
        reference = Side.open(browser)
        try:
            # The presenter cookie, for /api/notes of every deck.
            first = next(iter(CORPUS))
            login = ours.context.request.get(
                f"{server.base}/decks/{first}/presenter?token={SECRET}"
            )
            assert login.ok, f"login answered {login.status}"
            reference.page.route(f"{REFERENCE}/**", serve_reference)
            yield Rig(server, ours, reference)
        finally:
            ours.context.close()
            reference.context.close()


def differences(
    name: str,
    ours: dict[str, Any],
    reference: dict[str, Any],
    allowed: frozenset[str] = frozenset(),
) -> str | None:
    """The first difference between the two readings of deck ``name``, readable; or None.

    ``allowed`` names what may differ: ``shape`` (then slides cannot be paired
    and are not compared) or fields of :data:`FIELDS`.
    """

    def show(where: str, what: str, mine: Any, theirs: Any) -> str:
        return (
            f"deck {name!r}, {where}: {what} differs\n"
            f"  ours:      {json.dumps(mine, ensure_ascii=False)}\n"
            f"  reference: {json.dumps(theirs, ensure_ascii=False)}\n"
            f"deck text:\n{CORPUS[name]}"
        )

    if "shape" in allowed:
        return None
    if ours["shape"] != reference["shape"]:
        # Slides per horizontal position; the texts show where the split went.
        texts = ({s["hv"]: s["text"] for s in side["slides"]} for side in (ours, reference))
        mine, theirs = next(texts), next(texts)
        return show(
            "slide tree",
            "slides per stack",
            {"shape": ours["shape"], "texts": mine},
            {"shape": reference["shape"], "texts": theirs},
        )
    for mine, theirs in zip(ours["slides"], reference["slides"], strict=True):
        differ = [w for w in FIELDS if w not in allowed and mine[w] != theirs[w]]
        if not differ:
            continue
        what = differ[0]
        a, b = mine[what], theirs[what]
        if isinstance(a, list) and isinstance(b, list):
            at = next(
                (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            what = f"{what}[{at}] ({len(a)} ours, {len(b)} reference)"
            a, b = (a[at] if at < len(a) else None), (b[at] if at < len(b) else None)
        also = f" (also: {', '.join(differ[1:])})" if differ[1:] else ""
        return show(f"slide {mine['hv']}", what + also, a, b)
    if ours["slideCount"] != reference["slideCount"]:
        return show("/api/deck", "slideCount", ours["slideCount"], reference["slideCount"])
    return None


@pytest.mark.parametrize("name", list(CORPUS))
def test_markdown_parity(rig: Rig, name: str) -> None:
    """Deck ``name`` renders as reveal.js's plugin renders it, unless it is a deliberate
    difference, which must still show."""
    ours = rig.ours_deck(name)
    reference = rig.reference_deck(name)
    if name in DELIBERATE:
        why, allowed = DELIBERATE[name]
        assert differences(name, ours, reference) is not None, (
            f"deck {name!r} is listed as a deliberate difference ({why}) "
            "but renders as reveal.js renders it"
        )
        # Only in what it is listed for.
        found = differences(name, ours, reference, allowed)
    else:
        found = differences(name, ours, reference)
    assert found is None, found


def test_corpus_is_sound() -> None:
    """Every deliberate difference is a corpus deck; names are usable deck ids."""
    assert set(DELIBERATE) <= set(CORPUS)
    assert all(allowed <= {"shape", *FIELDS} for _, allowed in DELIBERATE.values())
    assert 35 <= len(CORPUS) <= 70
    for name in CORPUS:
        assert name.replace("-", "").isalnum() and name == name.lower(), name
