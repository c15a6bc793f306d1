"""Prepare a hand-written reveal.js ``index.html`` for the audience.

The author's page is kept as written (theme, config, plugins, scripts); only
speaker notes are taken out and markers are left where the live client is
injected. Notes are returned separately, keyed ``"h.v"``, for the speaker.

Slides written in Markdown for reveal.js's markdown plugin
(``<section data-markdown>`` with a ``<textarea data-template>``, a
``<script type="text/template">``, Markdown typed straight into the section, or
``data-markdown="file.md"``) are split the way the plugin splits them, so their
notes are cut before the browser sees them and keyed to the right slide. The
files such sections load are read by the caller (:func:`markdown_references`
says which) and come back without notes in :attr:`RenderedHtml.markdown_files`,
to be served instead of the files themselves.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

from presenter.core import htmltree
from presenter.core.markdown import render_fragment
from presenter.core.notes import (
    PluginSeparators,
    cut_plugin_notes,
    strip_html_notes,
    strip_section_notes,
    strip_text_notes,
)
from presenter.core.polls import PollSpec, make_spec, unique_ids

HEAD_MARK = "\x00presenter-head\x00"
BODY_MARK = "\x00presenter-body\x00"

# `markdown: { separator: '...', notesSeparator: "..." }` in a script of the
# page: the plugin's fallback when a section has no data-separator* attribute.
# A string, or a regular expression literal (`/^Note:/` or `/^Note:/.source`).
_CONFIG_KEY = re.compile(
    r"(?<![\w$])(?P<kq>['\"`]?)(?P<key>separator|verticalSeparator|notesSeparator)(?P=kq)\s*:\s*"
    r"(?:(?P<q>['\"`])(?P<value>(?:\\.|(?!(?P=q)).)*)(?P=q)"
    r"|/(?P<regex>(?:\\.|[^/\n\\])+)/[a-z]*(?:\.source)?)",
    re.DOTALL,
)
_NOTES_KEY = re.compile(r"(?<![\w$])['\"`]?notesSeparator['\"`]?\s*[:=]")


class HiddenNotesSeparator(ValueError):
    """A script sets the markdown notes separator in a way presenter cannot read."""


_JS_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}


@dataclass(frozen=True)
class RenderedHtml:
    """An HTML deck split around the two injection points.

    The audience page is ``before_head_end + HEAD + middle + BODY + after_body_end``.
    ``markdown_files`` maps each Markdown file the deck loads (a path relative
    to the deck folder) to its text without notes.
    """

    title: str
    slide_count: int
    before_head_end: str
    middle: str
    after_body_end: str
    notes: dict[str, str] = field(default_factory=dict)
    titles: tuple[str, ...] = ()
    markdown_files: dict[str, str] = field(default_factory=dict)
    is_reveal: bool = True  # it has a .reveal > .slides container
    polls: tuple[PollSpec, ...] = ()  # its data-poll elements, in order
    notes_separators: tuple[str, ...] = ()  # the deck's own, besides reveal.js's default


def markdown_path(reference: str) -> str | None:
    """The deck-relative path a ``data-markdown`` value loads, or ``None``.

    Relative references resolve against the deck folder (the page is
    ``/decks/<id>/``). Absolute URLs, other hosts and paths leaving the folder
    give ``None``: there is nothing of ours to serve for them.
    """
    parts = urlsplit(reference.strip())
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        # /decks/<id>/file.md: the deck id is not known here; keep what follows it.
        segments = path.split("/")
        if len(segments) < 4 or segments[1] != "decks":
            return None
        path = "/".join(segments[3:])
    path = posixpath.normpath(path)
    if path in (".", "") or path.startswith("../") or path == "..":
        return None
    return path


def markdown_references(text: str) -> list[str]:
    """Deck-relative paths of the Markdown files ``text`` loads with ``data-markdown``."""
    found: list[str] = []
    for element in htmltree.parse(text).iter():
        if element.tag == "section" and (reference := element.get("data-markdown")):
            path = markdown_path(reference)
            if path is not None and path not in found:
                found.append(path)
    return found


def _js_string(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _JS_ESCAPES.get(m.group(1), m.group(1)), body, flags=re.S)


def script_references(text: str) -> list[str]:
    """Deck-relative paths of the deck's own scripts (``<script src>``): they may
    configure the markdown plugin's separators."""
    return _script_paths(htmltree.parse(text))


def _script_paths(root: htmltree.Element) -> list[str]:
    found: list[str] = []
    for element in root.iter():
        if element.tag == "script" and (src := element.get("src")):
            path = markdown_path(src)
            # reveal.js's own files (a copy in the deck, or ours) configure nothing.
            if path is None or path.startswith(("dist/", "plugin/")) or "reveal" in path.lower():
                continue
            if path not in found:
                found.append(path)
    return found


def _config_separators(root: htmltree.Element, files: Mapping[str, str | None]) -> PluginSeparators:
    """The separators the page's scripts (inline, or the deck's own files) give
    the markdown plugin.

    Raises:
        HiddenNotesSeparator: a script sets ``notesSeparator`` to something
            other than a string or a regular expression literal: its notes
            could not be kept off audience pages.
    """
    inline = [
        script.inner_html()
        for script in root.iter()
        if script.tag == "script" and script.get("src") is None
    ]
    own = [files.get(path) for path in _script_paths(root)]
    values: dict[str, str] = {}
    for source in [*inline, *filter(None, own)]:
        if "notesSeparator" in source or "markdown" in source:
            read = list(_CONFIG_KEY.finditer(source))
            for match in read:
                value = match.group("regex")
                if value is None:
                    value = _js_string(match.group("value"))
                values.setdefault(match.group("key"), value)
    for source in inline:  # the author's own configuration, not a library's code
        if "notesSeparator" in source:
            readable = {m.start() for m in _CONFIG_KEY.finditer(source)}
            for key in _NOTES_KEY.finditer(source):
                if key.start() not in readable:
                    raise HiddenNotesSeparator(
                        "a script sets the markdown notesSeparator to something presenter "
                        "cannot read: write it as a string (or data-separator-notes on the "
                        "section), so its notes can be kept off audience pages"
                    )
    return PluginSeparators(
        values.get("separator") or None,
        values.get("verticalSeparator") or None,
        values.get("notesSeparator") or None,
    )


def _section_separators(section: htmltree.Element, config: PluginSeparators) -> PluginSeparators:
    return PluginSeparators(
        section.get("data-separator") or config.separator,
        section.get("data-separator-vertical") or config.vertical,
        section.get("data-separator-notes") or config.notes,
    )


def _dedent(text: str) -> str:
    # The plugin's getMarkdownFromSlide(): strip the first line's indentation
    # (tabs, or more than one space) from every line.
    tabs = len(re.match(r"^\n?(\t*)", text).group(1))  # type: ignore[union-attr]
    spaces = len(re.match(r"^\n?(\s*)", text).group(1))  # type: ignore[union-attr]
    if tabs > 0:
        return re.sub(rf"\n?\t{{{tabs}}}(.*)", lambda m: "\n" + m.group(1), text)
    if spaces > 1:
        return re.sub(rf"\n? {{{spaces}}}(.*)", lambda m: "\n" + m.group(1), text)
    return text


def _template_of(section: htmltree.Element) -> tuple[htmltree.Element, str]:
    """Where an inline Markdown section keeps its text, and the text the plugin reads."""
    below = [e for e in section.iter() if e is not section]
    holder = next((e for e in below if e.has("data-template")), None)
    if holder is None:
        holder = next((e for e in below if e.tag == "script"), None)
    if holder is None:
        # Markdown typed into the section: the plugin reads its text content.
        return section, html.unescape(section.text_content())
    raw = holder.inner_html()
    if holder.tag == "script":
        return holder, raw
    if holder.tag == "textarea" and raw.startswith(("\r\n", "\n")):
        raw = raw[2:] if raw.startswith("\r") else raw[1:]  # browsers drop it
    return holder, html.unescape(raw)


def _replace_text(holder: htmltree.Element, text: str) -> None:
    escaped = text if holder.tag == "script" else html.escape(text, quote=False)
    holder.children = [htmltree.Raw(escaped, parent=holder)]


@dataclass
class _Slides:
    """Notes and titles collected slide by slide, in reveal.js's order."""

    notes: dict[str, str] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)

    def add(self, h: int, v: int, title: str, notes: list[str]) -> None:
        self.titles.append(title)
        found = [n for n in notes if n]
        if found:
            self.notes[f"{h}.{v}"] = "\n".join(found)


def poll_of(element: htmltree.Element, h: int, v: int) -> PollSpec:
    """The poll a ``data-poll`` element writes: its first text that is not a
    list is the question, each ``<li>`` an option.

    Raises:
        PollSyntaxError: it is not a usable poll.
    """
    question = ""
    options: list[str] = []
    for child in element.children:
        if not isinstance(child, htmltree.Element):
            continue
        if child.tag in ("ul", "ol"):
            options.extend(_text(li) for li in child.iter() if li.tag == "li")
        elif not question:
            question = _text(child)
    spec = make_spec(
        question,
        options,
        element.get("data-poll") or None,
        element.has("data-multiple"),
        element.has("data-hide-results"),
    )
    return replace(spec, h=h, v=v)


def _text(element: htmltree.Element) -> str:
    return " ".join(html.unescape(element.text_content()).split())


class _Renderer:
    def __init__(self, root: htmltree.Element, files: Mapping[str, str | None]) -> None:
        self.root = root
        self.files = files
        self.config = _config_separators(root, files)
        self.served: dict[str, str] = {}
        self.notes_separators: set[str] = set()
        self.slides = _Slides()
        self.polls: list[PollSpec] = []
        self.poll_ids: set[str] = set()  # those the deck wrote, not made from questions

    def collect_polls(self, section: htmltree.Element, h: int, v: int) -> None:
        for element in section.iter():
            if element.has("data-poll"):
                self.polls.append(poll_of(element, h, v))
                if element.get("data-poll"):
                    self.poll_ids.add(self.polls[-1].id)

    def markdown_groups(self, section: htmltree.Element) -> list[list[tuple[str, list[str]]]]:
        """The slides a ``data-markdown`` section becomes: (title, notes) per slide."""
        separators = _section_separators(section, self.config)
        if separators.notes:
            self.notes_separators.add(separators.notes)
        # Notes on the section itself belong to its first slide; the plugin drops them.
        extra = strip_section_notes(section)
        reference = section.get("data-markdown") or ""
        if reference:
            path = markdown_path(reference)
            text = self.files.get(path) if path is not None else None
            if path is None or text is None:
                return [[("", extra)]]  # the plugin shows its own error slide
            kept, groups = cut_plugin_notes(text, separators)
            self.served[path] = cut_plugin_notes(self.served.get(path, kept), separators)[0]
        else:
            holder, text = _template_of(section)
            hidden: list[str] = []
            if holder is section:
                extra.extend(strip_html_notes(section))
                # Comments are not text, so the plugin never shows them, but the
                # page's source would still carry notes written in them.
                _, hidden = strip_text_notes(section.inner_html())
                holder, text = _template_of(section)
            dedented = _dedent(text)
            kept, groups = cut_plugin_notes(dedented, separators)
            if kept != dedented or hidden:
                _replace_text(holder, kept)
        made: list[list[tuple[str, list[str]]]] = []
        for group in groups:
            row = []
            for slide in group:
                title = htmltree.heading_text(htmltree.parse(render_fragment(slide.markdown)))
                notes = [render_fragment(slide.notes)] if slide.notes else []
                row.append((title, notes))
            made.append(row)
        made[0][0][1][:0] = extra
        return made

    def walk(self, container: htmltree.Element) -> None:
        h = -1
        for top in _top_sections(container):
            if top.has("data-markdown"):
                for group in self.markdown_groups(top):
                    h += 1
                    for v, (title, notes) in enumerate(group):
                        self.slides.add(h, v, title, notes)
                continue
            h += 1
            inner = _inner_sections(top)
            if not inner:
                self.slides.add(h, 0, htmltree.heading_text(top), strip_html_notes(top))
                self.collect_polls(top, h, 0)
                continue
            # Notes written on the stack itself belong to its first slide.
            stack_notes = strip_section_notes(top)
            v = 0
            for slide in inner:
                if slide.has("data-markdown"):
                    rows = [row for group in self.markdown_groups(slide) for row in group]
                else:
                    rows = [(htmltree.heading_text(slide), strip_html_notes(slide))]
                    self.collect_polls(slide, h, v)
                for title, notes in rows:
                    if v == 0 and stack_notes:
                        notes = [*notes, *stack_notes]
                    self.slides.add(h, v, title, notes)
                    v += 1


def _top_sections(container: htmltree.Element) -> list[htmltree.Element]:
    return [c for c in container.iter() if c.tag == "section" and _ancestor_section(c) is None]


def _inner_sections(top: htmltree.Element) -> list[htmltree.Element]:
    """The slides of a stack: sections below ``top``, but not inside a Markdown section."""
    found = []
    for element in top.iter():
        if element is top or element.tag != "section":
            continue
        ancestor = _ancestor_section(element)
        if ancestor is not None and ancestor is not top and ancestor.has("data-markdown"):
            continue
        found.append(element)
    return found


def _ancestor_section(element: htmltree.Element) -> htmltree.Element | None:
    node = element.parent
    while node is not None:
        if node.tag == "section":
            return node
        node = node.parent
    return None


def _slides_container(root: htmltree.Element) -> htmltree.Element | None:
    for element in root.iter():
        if "slides" in element.classes and element.tag != "section":
            node = element.parent
            while node is not None and "reveal" not in node.classes:
                node = node.parent
            if node is not None:
                return element
    return None


def render_html_deck(text: str, files: Mapping[str, str | None] | None = None) -> RenderedHtml:
    """Strip notes from an ``index.html`` and find its injection points.

    Args:
        text: the page.
        files: the text of each path :func:`markdown_references` named
            (``None`` for a file that could not be read).

    Raises:
        PollSyntaxError: a ``data-poll`` element is not a usable poll.
    """
    root = htmltree.parse(text)
    renderer = _Renderer(root, files or {})
    container = _slides_container(root)
    renderer.walk(container or root)
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
    slides = renderer.slides
    return RenderedHtml(
        title,
        len(slides.titles),
        before,
        middle,
        after,
        slides.notes,
        tuple(slides.titles),
        renderer.served,
        container is not None,
        tuple(unique_ids(renderer.polls, renderer.poll_ids)),
        tuple(sorted(renderer.notes_separators)),
    )
