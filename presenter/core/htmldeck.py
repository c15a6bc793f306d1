"""Prepare a hand-written reveal.js ``index.html`` for the audience.

The author's page is kept as written (theme, config, plugins, scripts); only
speaker notes are taken out and markers are left where the live client is
injected. Notes are returned separately, keyed ``"h.v"``, for the speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from presenter.core import htmltree
from presenter.core.markdown import NOTES_MARKER, strip_html_notes

HEAD_MARK = "\x00presenter-head\x00"
BODY_MARK = "\x00presenter-body\x00"
# reveal.js's markdown plugin defaults, used for <section data-markdown> templates.
_MD_SEPARATOR = r"^\r?\n---\r?\n$"


@dataclass(frozen=True)
class RenderedHtml:
    """An HTML deck split around the two injection points.

    The audience page is ``before_head_end + HEAD + middle + BODY + after_body_end``.
    """

    title: str
    slide_count: int
    before_head_end: str
    middle: str
    after_body_end: str
    notes: dict[str, str] = field(default_factory=dict)
    titles: tuple[str, ...] = ()


def _ancestor_section(element: htmltree.Element) -> htmltree.Element | None:
    node = element.parent
    while node is not None:
        if node.tag == "section":
            return node
        node = node.parent
    return None


def strip_markdown_notes(text: str, separators: list[str]) -> str:
    """Remove ``Note:`` blocks from reveal.js markdown-plugin source.

    Each block runs from its marker to the next separator (any of
    ``separators``, multiline regexes) or the end of the text.
    """
    cuts: list[re.Pattern[str]] = []
    for pattern in separators:
        try:
            cuts.append(re.compile(pattern, re.MULTILINE))
        except re.error:
            continue
    out: list[str] = []
    pos = 0
    for marker in NOTES_MARKER.finditer(text):
        if marker.start() < pos:
            continue
        ends = [m.start() for c in cuts if (m := c.search(text, marker.end())) is not None]
        end = min(ends) if ends else len(text)
        out.append(text[pos : marker.start()])
        pos = end
    out.append(text[pos:])
    return "".join(out)


# Any line of dashes ends a note in an external markdown file: whatever separators
# the deck declares, its slide breaks are made of them.
_ANY_DASH_LINE = r"^[ \t]*-{2,}[ \t]*$"


def strip_markdown_file_notes(text: str) -> str:
    """Remove ``Note:`` blocks from a markdown file a deck loads with ``data-markdown``."""
    return strip_markdown_notes(text, [_ANY_DASH_LINE])


def _strip_markdown_templates(root: htmltree.Element) -> None:
    for section in root.iter():
        if section.tag != "section" or not section.has("data-markdown"):
            continue
        separators = [
            section.get("data-separator") or _MD_SEPARATOR,
            section.get("data-separator-vertical") or "",
        ]
        for script in section.iter():
            if script.tag == "script" and script.children:
                text = "".join(htmltree.serialize(child) for child in script.children)
                script.children = [
                    htmltree.Raw(
                        strip_markdown_notes(text, [s for s in separators if s]), parent=script
                    )
                ]


def _slides_container(root: htmltree.Element) -> htmltree.Element:
    for element in root.iter():
        if "slides" in element.classes and element.tag != "section":
            return element
    return root


def render_html_deck(text: str) -> RenderedHtml:
    """Strip notes from an ``index.html`` and find its injection points."""
    root = htmltree.parse(text)
    container = _slides_container(root)
    notes: dict[str, str] = {}
    titles: list[str] = []
    count = 0
    h = -1
    for top in [c for c in container.iter() if c.tag == "section" and _ancestor_section(c) is None]:
        h += 1
        inner = [c for c in top.iter() if c.tag == "section" and c is not top]
        slides = [(0, top)] if not inner else list(enumerate(inner))
        for v, slide in slides:
            count += 1
            found = strip_html_notes(slide)
            if found:
                notes[f"{h}.{v}"] = "\n".join(found)
            titles.append(_heading(slide))
        if inner:
            # Notes written on the stack itself belong to its first slide.
            found = strip_html_notes(top)
            if found:
                key = f"{h}.0"
                notes[key] = "\n".join(filter(None, [notes.get(key, ""), *found]))
    _strip_markdown_templates(root)
    strip_html_notes(root)
    title = ""
    head = body = None
    for element in root.iter():
        if element.tag == "title" and not title:
            title = " ".join(element.text_content().split())
        elif element.tag == "head" and head is None:
            head = element
        elif element.tag == "body" and body is None:
            body = element
    if head is not None:
        head.children.append(htmltree.Raw(HEAD_MARK, parent=head))
    else:
        # No <head>: inject at the very start, which a browser puts in the head.
        root.children.insert(0, htmltree.Raw(HEAD_MARK, parent=root))
    target = body or root
    target.children.append(htmltree.Raw(BODY_MARK, parent=target))
    page = htmltree.serialize(root)
    before, rest = page.split(HEAD_MARK, 1)
    middle, after = rest.split(BODY_MARK, 1)
    return RenderedHtml(title, count, before, middle, after, notes, tuple(titles))


def _heading(section: htmltree.Element) -> str:
    for element in section.iter():
        if element.tag in ("h1", "h2", "h3"):
            return " ".join(element.text_content().split())
    return ""
