"""Property: a random slides.md is split into notes and slides exactly by the documented rules.

Random decks are built from the pieces that decide what is a note: separators,
fences (backtick and tilde, indented or not, closed or never closed, in list
items), ``Note:`` lines (at the start of a line or indented), indented code,
an inline-code line that looks like a fence, attribute comments, asides and
prose. Every piece carries unique tokens; a small model of the rules (the
notes separator, as reveal.js's plugin sees it, starts the notes at the start
of a line unless it is inside a closed code block; a fence that never closes
shields nothing; HTML notes are notes) says where each token must end up: in
the notes or in what the audience gets. Never both, never lost, never elsewhere.
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
]
FENCES = [
    Piece(
        f"fence:{indent!r}",
        f"{indent}{mark}\n{indent}{{v}} code\n{indent}Note: {{f}}\n{indent}{mark}",
    )
    for mark in ("```", "~~~", "````")
    for indent in ("", "  ", "    ")
]


def _fill(pieces: list[Piece]) -> tuple[str, set[str], set[str]]:
    """The deck text and, by the rules, the tokens of its notes and of its slides."""
    counter = itertools.count()
    notes: set[str] = set()
    visible: set[str] = set()
    in_notes = unclosed = False  # within the current slide
    texts: list[str] = []
    for piece in pieces:
        if piece.kind == "separator":
            in_notes = unclosed = False
        unclosed = unclosed or piece.kind == "unclosed"
        parts = re.split(r"\{(v|m|n|f)\}", piece.text)
        for index in range(1, len(parts), 2):
            slot, name = parts[index], f"T{next(counter)}Q"
            parts[index] = name
            if slot == "f":
                # "Note:" in a fence piece: code, unless the piece is not a fence at
                # all (inside one that never closed) and the line starts with it.
                marker = piece.kind == "fence:''" and unclosed
                (notes if in_notes or marker else visible).add(name)
                in_notes = in_notes or marker
            elif slot in ("n", "m"):
                notes.add(name)
                in_notes = in_notes or slot == "m"
            else:
                (notes if in_notes else visible).add(name)
        texts.append("".join(parts))
    return "# Title\n\n" + "\n\n".join(texts) + "\n", notes, visible


DECKS = st.lists(st.sampled_from(PIECES + FENCES), min_size=1, max_size=14)


@given(DECKS)
def test_every_token_lands_where_the_rules_say(pieces: list[Piece]) -> None:
    text, want_notes, want_visible = _fill(pieces)
    rendered = render_markdown(text, Path("slides.md"))
    audience = html.unescape(rendered.slides_html)
    notes = html.unescape("\n".join(rendered.notes.values()))
    got_notes = set(_TOKEN.findall(notes))
    got_visible = set(_TOKEN.findall(audience))
    assert not got_notes & got_visible, ("in both", text, got_notes & got_visible)
    assert got_notes == want_notes, (text, got_notes ^ want_notes)
    assert got_visible == want_visible, (text, got_visible ^ want_visible)
