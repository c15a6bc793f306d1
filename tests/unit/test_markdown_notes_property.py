"""Property: a random slides.md is split into notes and slides exactly by the documented rules.

Random decks are built from the pieces that decide what is a note: separators,
fences (backtick and tilde, indented or not, closed or never closed, in list
items, closed the way only marked closes them), ``Note:`` lines (at the start
of a line or indented), indented code, an inline-code line that looks like a
fence, attribute comments, asides (nested, around code, never closed) and
prose; with LF or CRLF line ends, and reveal.js's notes separator or the
deck's own. Every piece carries unique tokens; a small model of the rules (the
notes separator, as reveal.js's plugin sees it, starts the notes at the start
of a line unless it is inside a closed code block; a fence that never closes
shields nothing; HTML notes are notes, an aside never closed takes the rest of
the slide) says where each token must end up: in the notes or in what the
audience gets. Never both, never lost, never elsewhere.
"""

from __future__ import annotations

import html
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from presenter.core.markdown import render_markdown

settings.register_profile("default", max_examples=300, deadline=None)
settings.register_profile("fuzz", max_examples=3_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_TOKEN = re.compile(r"T\d+Q")


@dataclass(frozen=True)
class Piece:
    """A block of Markdown; ``{v}`` is a visible token, ``{m}`` a marker's, ``{n}`` a note's."""

    kind: str
    text: str


PIECES = [
    Piece("prose", "{v} some words"),
    Piece("marker", "Note: {m}"),
    Piece("marker", "notes:\n{m} in the notes"),
    Piece("prose", "  Note: {v} (indented: text, not a marker)"),
    Piece("separator", "---"),
    Piece("separator", "----"),
    Piece("separator", "---   "),
    Piece("unclosed", "`````python\n{v} a fence that never closes"),
    Piece("inline-code", "```<b>{v}</b>``` is inline code"),
    Piece("prose", "    Note: {v} indented code"),
    Piece("prose", "1. item {v}\n\n    ```\n    Note: {v}\n    ```"),
    Piece("prose", '- item {v}\n<!-- .element: class="fragment" -->'),
    Piece("prose", '<!-- .slide:\n  class="x" -->'),
    Piece("html-note", '<!-- .slide: data-notes="{n}" data-background="#000" -->'),
    Piece("html-note", '<aside class="notes">{n} aside</aside>'),
    Piece("html-note", '<p data-notes="{n}">{v} para</p>'),
    Piece("html-note", '<aside class="notes">{n} <aside>{n} inner</aside> {n} tail</aside>'),
    Piece("html-note", '<aside class="notes">\n\n```\n{n} code in notes\n```\n\n</aside>'),
    Piece("open-aside", '<aside class="notes">\n{n} never closed'),
    Piece("prose", '<aside class="notes-box">{v} not notes</aside>'),
    # marked ends the fence at ```~; the Note: line after it is a marker.
    Piece("prose", "```\n{v} code\n```~\nNote: {m}\n```\n{v} more\n```"),
    Piece("prose", "~~~\n{v} code\n~~~`\nNote: {m}\n~~~\n{v} more\n~~~"),
    # "Note:" under a deck's own notes separator is text.
    Piece("prose", "Note: {o}"),
]
FENCES = [
    Piece(
        f"fence:{indent!r}",
        f"{indent}{mark}\n{indent}{{v}} code\n{indent}Note: {{f}}\n{indent}{mark}",
    )
    for mark in ("```", "~~~", "````")
    for indent in ("", "  ", "    ")
] + [
    Piece("unclosed", f"{indent}~~~~~~text\n{indent}{{v}} a tilde fence that never closes")
    for indent in ("", "  ")
]


def _fill(pieces: list[Piece], own_marker: bool) -> tuple[str, set[str], set[str]]:
    """The deck text and, by the rules, the tokens of its notes and of its slides.

    ``own_marker``: the deck's notes separator is ``Speaker:``, and ``Note:``
    is text.
    """
    counter = itertools.count()
    notes: set[str] = set()
    visible: set[str] = set()
    in_notes = unclosed = in_aside = False  # within the current slide
    texts: list[str] = []
    for piece in pieces:
        if piece.kind == "separator":
            in_notes = unclosed = in_aside = False
        unclosed = unclosed or piece.kind == "unclosed"
        in_aside = in_aside or piece.kind == "open-aside"
        parts = re.split(r"\{(v|m|n|f|o)\}", piece.text)
        for index in range(1, len(parts), 2):
            slot, name = parts[index], f"T{next(counter)}Q"
            parts[index] = name
            hidden = in_notes or in_aside
            if slot == "f":
                # "Note:" in a fence piece: code, unless the piece is not a fence at
                # all (inside one that never closed) and the line starts with it.
                marker = piece.kind == "fence:''" and unclosed
                (notes if hidden or marker else visible).add(name)
                in_notes = in_notes or marker
            elif slot == "o" and not own_marker:
                notes.add(name)
                in_notes = True
            elif slot in ("n", "m"):
                notes.add(name)
                in_notes = in_notes or slot == "m"
            else:
                (notes if hidden else visible).add(name)
        text = "".join(parts)
        if own_marker and "{o}" not in piece.text:
            text = re.sub(r"\bNote(s?):", r"Speaker\1:", text, flags=re.IGNORECASE)
        texts.append(text)
    front = "---\nnotesSeparator: '^speakers?:'\n---\n" if own_marker else ""
    return front + "# Title\n\n" + "\n\n".join(texts) + "\n", notes, visible


DECKS = st.lists(st.sampled_from(PIECES + FENCES), min_size=1, max_size=14)


@given(DECKS, st.booleans(), st.booleans())
def test_every_token_lands_where_the_rules_say(
    pieces: list[Piece], own_marker: bool, crlf: bool
) -> None:
    text, want_notes, want_visible = _fill(pieces, own_marker)
    if crlf:
        text = text.replace("\n", "\r\n")
    rendered = render_markdown(text, Path("slides.md"))
    audience = html.unescape(rendered.slides_html)
    notes = html.unescape("\n".join(rendered.notes.values()))
    got_notes = set(_TOKEN.findall(notes))
    got_visible = set(_TOKEN.findall(audience))
    assert not got_notes & got_visible, ("in both", text, got_notes & got_visible)
    assert got_notes == want_notes, (text, got_notes ^ want_notes)
    assert got_visible == want_visible, (text, got_visible ^ want_visible)
