"""Speaker notes in real Chromium, with reveal.js's own markdown plugin building the slides.

Each deck hides notes in some of reveal.js's notations. Once reveal.js is
ready on the audience page, no slide has notes and no note's text is anywhere
in the page, its source or the Markdown files it loads. reveal.js builds as
many slides as the server counted, and each note the server found is keyed to
the slide the plugin put it on (found by that slide's title, not by a
hard-coded position). The speaker view shows each slide's notes there.

The ``every-notation`` deck uses them all; the others hold one notation each,
written where the server and the browser could read it differently.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.support import Deployment, Pages, poll_js, wait_indices, wait_js
from tests.helpers import SECRET, TIMEOUT_FACTOR, ServerProcess

pytestmark = pytest.mark.browser

CURRENT = "presenterLive.current.getIndices()"
WIDE = {"width": 1920, "height": 1080}
DEFAULT_CONFIG = (
    "{ hash: true, transition: 'none', backgroundTransition: 'none', plugins: [ RevealMarkdown ] }"
)

# The slides reveal.js made, in order: indices and title (the server's rule:
# the first h1-h3, whitespace collapsed).
LAYOUT = """
(R) => R.getSlides().map((slide) => {
  const at = R.getIndices(slide);
  const heading = slide.querySelector('h1, h2, h3');
  return {
    h: at.h, v: at.v || 0,
    title: heading ? heading.textContent.replace(/\\s+/g, ' ').trim() : '',
  };
})
"""


def page(slides: str, config: str = DEFAULT_CONFIG) -> str:
    return (
        "<!doctype html>\n<html>\n<head>\n<title>Notes in the browser</title>\n"
        '<link rel="stylesheet" href="dist/reveal.css">\n</head>\n<body>\n'
        f'<div class="reveal"><div class="slides">\n{slides}\n</div></div>\n'
        '<script src="dist/reveal.js"></script>\n'
        '<script src="dist/plugin/markdown.js"></script>\n'
        f"<script>\nReveal.initialize({config});\n</script>\n"
        "</body>\n</html>\n"
    )


@dataclass(frozen=True)
class NotesDeck:
    files: dict[str, str]
    notes: dict[str, str]  # secret -> title of the slide it is a note of
    visible: tuple[str, ...] = ()  # slide text that must stay on the slides

    def secrets(self) -> list[str]:
        return list(self.notes)


EXT_MD = """\
## Ext one
Note: this ext line is on the slide
Speaker: E2E-EXT-SPEAKER

---

## Ext two
<aside class="notes">E2E-EXT-ASIDE</aside>

---

<!-- .slide: data-notes="E2E-EXT-COMMENT" -->
## Ext three
"""

EVERY_NOTATION = page(
    """\
<section><h1>Plain aside</h1><aside class="notes">E2E-PLAIN-ASIDE</aside></section>
<section data-markdown><textarea data-template>
## Textarea one
Note: E2E-TEXTAREA
---
## Textarea two
</textarea></section>
<section data-markdown>
## Typed in
Note:
E2E-DIRECT
</section>
<section data-markdown data-separator-notes="^Speaker:"><script type="text/template">
## Speaker section
Note: this line is on the slide
Speaker: E2E-SPEAKER
</script></section>
<section data-markdown data-separator="^\\n\\n\\n" data-separator-vertical="^\\n\\n">
<script type="text/template">
## Separated
<aside class="notes">E2E-MD-ASIDE</aside>



## Stack top
Note: E2E-STACK-TOP


## Stack below
<!-- .slide: data-notes="E2E-MD-COMMENT" -->
</script></section>
<section>
  <section><h2>Hand stack</h2><aside class="notes">E2E-HAND-STACK</aside></section>
  <section data-markdown><script type="text/template">
## Markdown in a stack
Note: E2E-IN-STACK
---
## Markdown in a stack, two
  </script></section>
</section>
<section data-markdown="ext.md" data-separator-notes="^Speaker:"></section>
<section data-notes="E2E-DATA-NOTES"><h2>Data notes</h2></section>"""
)

CONFIG_SLIDES = """\
<section data-markdown><textarea data-template>
## Configured
Psst: E2E-PSST
---
## Configured two
Note: this line is on the slide
</textarea></section>"""

DECKS: dict[str, NotesDeck] = {
    "every-notation": NotesDeck(
        {"index.html": EVERY_NOTATION, "ext.md": EXT_MD},
        {
            "E2E-PLAIN-ASIDE": "Plain aside",
            "E2E-TEXTAREA": "Textarea one",
            "E2E-DIRECT": "Typed in",
            "E2E-SPEAKER": "Speaker section",
            "E2E-MD-ASIDE": "Separated",
            "E2E-STACK-TOP": "Stack top",
            "E2E-MD-COMMENT": "Stack below",
            "E2E-HAND-STACK": "Hand stack",
            "E2E-IN-STACK": "Markdown in a stack",
            "E2E-EXT-SPEAKER": "Ext one",
            "E2E-EXT-ASIDE": "Ext two",
            "E2E-EXT-COMMENT": "Ext three",
            "E2E-DATA-NOTES": "Data notes",
        },
        ("this line is on the slide", "this ext line is on the slide"),
    ),
    "config": NotesDeck(
        {
            "index.html": page(
                CONFIG_SLIDES,
                "{ markdown: { notesSeparator: '^Psst:' }, plugins: [ RevealMarkdown ] }",
            )
        },
        {"E2E-PSST": "Configured"},
        ("this line is on the slide",),
    ),
    # The rest: one notation each, as minimal as it gets.
    "config-quoted-key": NotesDeck(
        {
            "index.html": page(
                CONFIG_SLIDES,
                '{ markdown: { "notesSeparator": "^Psst:" }, plugins: [ RevealMarkdown ] }',
            )
        },
        {"E2E-PSST": "Configured"},
        ("this line is on the slide",),
    ),
    "textarea-blank-first-line": NotesDeck(
        {
            "index.html": page(
                "<section data-markdown><textarea data-template>\n\n"
                "    ## Indented\n    Note: E2E-BLANK-FIRST\n</textarea></section>\n"
                "<section><h2>After</h2></section>"
            )
        },
        {"E2E-BLANK-FIRST": "Indented"},
    ),
    "textarea-aside": NotesDeck(
        {
            "index.html": page(
                "<section data-markdown><textarea data-template>\n"
                '## Textarea first\n---\n## Textarea second\n<aside class="notes">E2E-TA-ASIDE'
                "</aside>\n</textarea></section>"
            )
        },
        {"E2E-TA-ASIDE": "Textarea second"},
    ),
    "typed-slide-comment": NotesDeck(
        {
            "index.html": page(
                "<section data-markdown>\n## Typed comment\n"
                '<!-- .slide: data-notes="E2E-TYPED-COMMENT" -->\n</section>'
            )
        },
        # The browser drops the comment, so reveal.js never has this note; the
        # page's source must not carry it either.
        {},
    ),
    "line-separator": NotesDeck(
        {
            "index.html": page('<section data-markdown="ls.md"></section>'),
            "ls.md": "## Line separator\nText\u2028Note: E2E-LINE-SEPARATOR\n",
        },
        {"E2E-LINE-SEPARATOR": "Line separator"},
    ),
}
# Secrets that must never reach the audience, noted or not.
HIDDEN = {"typed-slide-comment": ["E2E-TYPED-COMMENT"]}


def secrets_of(deck_id: str) -> list[str]:
    return DECKS[deck_id].secrets() + HIDDEN.get(deck_id, [])


def serve(deployment: Deployment, deck_id: str) -> ServerProcess:
    folder = deployment.decks / deck_id
    for name, text in DECKS[deck_id].files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return deployment.start()


def http_get(server: ServerProcess, path: str, cookie: str | None = None) -> tuple[int, Any, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10 * TIMEOUT_FACTOR)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def server_notes(server: ServerProcess, deck_id: str) -> dict[str, Any]:
    """``/api/notes`` of a deck, as a signed-in presenter."""
    status, headers, _ = http_get(server, f"/decks/{deck_id}/presenter?token={SECRET}")
    assert status == 303, status
    cookie = next(
        raw.split(";", 1)[0]
        for raw in headers.get_all("Set-Cookie") or []
        if raw.startswith("presenter_auth=")
    )
    status, _, body = http_get(server, f"/decks/{deck_id}/api/notes", cookie)
    assert status == 200, status
    return json.loads(body)  # type: ignore[no-any-return]


def slide_count(server: ServerProcess, deck_id: str) -> int:
    status, _, body = http_get(server, f"/decks/{deck_id}/api/deck")
    assert status == 200
    return int(json.loads(body)["slideCount"])


def audience_ready(pages: Pages, server: ServerProcess, deck_id: str) -> Page:
    audience = pages.audience(server, deck_id)
    wait_js(audience, "window.Reveal && Reveal.isReady()")
    return audience


@pytest.mark.parametrize("deck_id", list(DECKS))
def test_the_audience_never_has_notes(deployment: Deployment, pages: Pages, deck_id: str) -> None:
    deck = DECKS[deck_id]
    server = serve(deployment, deck_id)
    secrets = secrets_of(deck_id)
    problems: list[str] = []
    # What the server sends: the page and every Markdown file of the deck.
    sent = [f"/decks/{deck_id}/", f"/decks/{deck_id}/?view=embed", f"/decks/{deck_id}/api/deck"]
    sent += [f"/decks/{deck_id}/{name}" for name in deck.files if name.endswith(".md")]
    for path in sent:
        status, _, body = http_get(server, path)
        if status != 200:
            problems.append(f"GET {path} answered {status}")
        problems += [f"GET {path} holds {secret}" for secret in secrets if secret in body]

    # What reveal.js makes of it once the markdown plugin is done.
    audience = audience_ready(pages, server, deck_id)
    notes = audience.evaluate(
        "[...document.querySelectorAll('.reveal .slides section')]"
        ".map((s) => Reveal.getSlideNotes(s) || '')"
    )
    assert notes, "no slides at all"
    problems += [f"Reveal.getSlideNotes(section {i}) = {n!r}" for i, n in enumerate(notes) if n]
    markup = audience.evaluate(
        "[...document.querySelectorAll('aside.notes, [data-notes]')].map((e) => e.outerHTML)"
    )
    problems += [f"notes markup in the DOM: {html}" for html in markup]
    shown = audience.evaluate("document.body.innerText")
    dom = audience.content()
    for secret in secrets:
        if secret in shown:
            problems.append(f"{secret} is shown on the page")
        if secret in dom:
            problems.append(f"{secret} is in the DOM")
    slides = audience.evaluate("document.querySelector('.reveal .slides').textContent")
    problems += [f"slide text {text!r} is gone" for text in deck.visible if text not in slides]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("deck_id", list(DECKS))
def test_reveal_builds_the_slides_the_server_counted(
    deployment: Deployment, pages: Pages, deck_id: str
) -> None:
    deck = DECKS[deck_id]
    server = serve(deployment, deck_id)
    audience = audience_ready(pages, server, deck_id)
    layout = audience.evaluate(f"({LAYOUT})(Reveal)")
    assert audience.evaluate("Reveal.getTotalSlides()") == slide_count(server, deck_id)
    private = server_notes(server, deck_id)
    assert private["titles"] == [slide["title"] for slide in layout]
    for secret, title in deck.notes.items():
        at = [f"{s['h']}.{s['v']}" for s in layout if s["title"] == title]
        assert len(at) == 1, (title, layout)
        holders = [key for key, html in private["notes"].items() if secret in html]
        assert holders == at, (secret, private["notes"], layout)


@pytest.mark.parametrize("deck_id", list(DECKS))
def test_the_speaker_view_shows_each_slides_notes(
    deployment: Deployment, pages: Pages, deck_id: str
) -> None:
    deck = DECKS[deck_id]
    server = serve(deployment, deck_id)
    # Wide enough for the next-slide preview to be over 435 px: narrower, reveal.js
    # (6.0.2) may throw in it when the window's load event comes before the
    # markdown plugin has fetched its file (layout() before the deck is set up).
    presenter = pages.presenter(server, deck_id, WIDE)
    wait_js(presenter, "presenterLive.current.isReady()")
    layout = presenter.evaluate(f"({LAYOUT})(presenterLive.current)")
    assert layout
    for slide in layout:
        h, v = slide["h"], slide["v"]
        presenter.evaluate("([h, v]) => presenterLive.current.slide(h, v)", [h, v])
        wait_indices(presenter, h, v, expr=CURRENT)
        expected = [s for s, title in deck.notes.items() if title == slide["title"]]
        wanted = expected or ["No notes for this slide."]
        if not _poll_notes(presenter, wanted):
            raise AssertionError(
                f"slide {h}.{v} {slide['title']!r}: #notes is "
                f"{presenter.inner_text('#notes')!r}, expected {wanted}"
            )
        shown = presenter.inner_text("#notes")
        for other in secrets_of(deck_id):
            if other not in expected:
                assert other not in shown, (slide, other, shown)


def _poll_notes(presenter: Page, wanted: list[str]) -> bool:
    return poll_js(
        presenter,
        "(wanted) => wanted.every((w) => document.getElementById('notes').textContent.includes(w))",
        wanted,
    )
