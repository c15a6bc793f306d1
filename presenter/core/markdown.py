"""Render a reveal-md style ``slides.md`` into reveal.js ``<section>`` HTML.

Conventions (compatible with reveal-md):

* optional YAML front matter between ``---`` lines at the top;
* a line ``---`` separates horizontal slides, ``----`` vertical slides
  (front matter ``separator`` / ``verticalSeparator`` override them with
  regular expressions, applied per line in multiline mode);
* a line starting with ``Note:`` begins the slide's speaker notes;
* ``<!-- .slide: attrs -->`` sets attributes on the slide's ``<section>``,
  ``<!-- .element: attrs -->`` on the element before it (or its parent);
* fenced code becomes ``<pre><code>`` for reveal.js's highlight plugin, with
  the line-step syntax ```` ```python [1|2-3] ````.

Separators and notes markers inside fenced code blocks are ignored. Notes
never appear in :attr:`RenderedMarkdown.slides_html`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from presenter.core import htmltree
from presenter.core.attributes import ELEMENT_COMMENT, parse_attributes
from presenter.core.errors import DeckError
from presenter.core.notes import NOTES_MARKER, strip_html_notes

DEFAULT_SEPARATOR = r"^---[ \t]*$"
DEFAULT_VERTICAL_SEPARATOR = r"^----[ \t]*$"
_SLIDE_COMMENT_IN_TEXT = re.compile(r"<!--\s*\.slide:(.*?)-->", re.DOTALL)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_FENCE_INFO = re.compile(r"^(?P<lang>[^\s\[]*)\s*(?:\[(?P<lines>[^\]]*)\])?")


@dataclass(frozen=True)
class Slide:
    """One rendered slide: its position, ``<section>`` attributes, body and notes."""

    indexh: int
    indexv: int
    attrs: tuple[tuple[str, str], ...]
    html: str
    notes_html: str
    title: str


@dataclass(frozen=True)
class RenderedMarkdown:
    """A rendered Markdown deck. ``slides_html`` is safe to send to the audience."""

    meta: dict[str, Any]
    slides: tuple[Slide, ...]
    slides_html: str
    notes: dict[str, str] = field(default_factory=dict)
    reveal_options: dict[str, Any] = field(default_factory=dict)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    """Split YAML front matter off ``text``.

    Returns:
        ``(meta, body, body_line)``: the mapping (empty without front matter),
        the rest of the file, and the 1-based line number the body starts on.

    Raises:
        DeckError: the front matter is not valid YAML or not a mapping; the
            error carries the line number in the file.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            source = "".join(lines[1:i])
            body = "".join(lines[i + 1 :])
            break
    else:
        raise DeckError(path, "front matter starts with --- but never ends", line=1)
    try:
        meta = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        context = getattr(exc, "context_mark", None)
        if mark is not None and context is not None and mark.line >= source.count("\n"):
            # The parser only noticed at the end (an unclosed bracket or quote):
            # where the unfinished construct starts is the line to look at.
            mark = context
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise DeckError(path, f"front matter: {problem}", line=line) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DeckError(path, "front matter must be a YAML mapping (key: value lines)", line=2)
    return meta, body, i + 2


def _fence_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks (an unclosed fence runs to the end)."""
    ranges: list[tuple[int, int]] = []
    pos = 0
    while True:
        opening = _FENCE_OPEN.search(text, pos)
        if opening is None:
            return ranges
        marker = opening.group(1)
        closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.M)
        line_end = text.find("\n", opening.end())
        if line_end == -1:
            ranges.append((opening.start(), len(text)))
            return ranges
        close = closing.search(text, line_end + 1)
        end = close.end() if close else len(text)
        ranges.append((opening.start(), end))
        pos = end


def _outside(ranges: list[tuple[int, int]], index: int) -> bool:
    return not any(start <= index < end for start, end in ranges)


def split_outside_code(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``text`` on matches of ``pattern`` that are not inside fenced code."""
    fences = _fence_ranges(text)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if match.end() == match.start() or not _outside(fences, match.start()):
            continue
        parts.append(text[last : match.start()])
        last = match.end()
    parts.append(text[last:])
    return parts


_INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1")


def _code_ranges(text: str) -> list[tuple[int, int]]:
    fences = _fence_ranges(text)
    spans = [
        (m.start(), m.end()) for m in _INLINE_CODE.finditer(text) if _outside(fences, m.start())
    ]
    return fences + spans


def _outside_code_sub(
    pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], text: str
) -> str:
    """``pattern.sub(replace, text)`` that leaves fenced and inline code alone."""
    code = _code_ranges(text)

    def guarded(match: re.Match[str]) -> str:
        return replace(match) if _outside(code, match.start()) else match.group(0)

    return pattern.sub(guarded, text)


def split_notes(text: str) -> tuple[str, str]:
    """Split one slide's markdown into ``(content, notes)`` at its ``Note:`` line."""
    fences = _fence_ranges(text)
    for match in NOTES_MARKER.finditer(text):
        if _outside(fences, match.start()):
            return text[: match.start()], text[match.end() :]
    return text, ""


def _render_fence(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    info = _FENCE_INFO.match(token.info.strip())
    lang = info.group("lang") if info else ""
    lines = info.group("lines") if info else None
    attrs = f' class="language-{escape(lang)}"' if lang else ""
    if lines is not None:
        attrs += f' data-line-numbers="{escape(lines.strip())}"'
    code = token.content[:-1] if token.content.endswith("\n") else token.content
    return f"<pre><code{attrs}>{escape(code, quote=False)}</code></pre>\n"


@functools.cache
def _markdown() -> MarkdownIt:
    # One parser for the process: rendering does not change it.
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.add_render_rule("fence", _render_fence)
    return md


def render_fragment(text: str) -> str:
    """Markdown to HTML with the slide renderer's rules, without any slide syntax
    (for notes, and titles of slides rendered elsewhere)."""
    html: str = _markdown().render(text)
    return html


def apply_element_comments(root: htmltree.Element) -> None:
    """Move each ``<!-- .element: ... -->`` onto the element before it, or its parent.

    This mirrors reveal.js's markdown plugin: the target is the nearest
    preceding element sibling, else the parent element.
    """
    for element in list(root.iter()):
        previous: htmltree.Element = element
        for child in list(element.children):
            if isinstance(child, htmltree.Element):
                previous = child
                continue
            match = ELEMENT_COMMENT.match(child.comment_body) if child.is_comment else None
            if match is None or previous.tag == "#root":
                continue
            for name, value in parse_attributes(match.group(1)):
                previous.set(name, value)
            element.children.remove(child)


def key_line(text: str, key: str) -> int | None:
    """The 1-based line of a top-level ``key:`` in the front matter of ``text``."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            return None
        if re.match(rf"""^["']?{re.escape(key)}["']?\s*:""", line):
            return number
    return None


def _compile(
    meta: dict[str, Any], key: str, default: str, text: str, path: Path
) -> re.Pattern[str]:
    value = meta.get(key, default)
    line = key_line(text, key)
    if not isinstance(value, str) or not value:
        raise DeckError(path, f"front matter: {key} must be a non-empty string", line)
    try:
        return re.compile(value, re.MULTILINE)
    except re.error as exc:
        message = f"front matter: {key} is not a valid regular expression ({exc})"
        raise DeckError(path, message, line) from None


def render_markdown(text: str, path: Path) -> RenderedMarkdown:
    """Render the text of ``slides.md`` found at ``path``.

    Raises:
        DeckError: broken front matter or an invalid separator regex.
    """
    meta, body, _ = split_front_matter(text, path)
    separator = _compile(meta, "separator", DEFAULT_SEPARATOR, text, path)
    vertical = _compile(meta, "verticalSeparator", DEFAULT_VERTICAL_SEPARATOR, text, path)
    options = meta.get("revealOptions", {})
    if options is None:
        options = {}
    if not isinstance(options, dict):
        line = key_line(text, "revealOptions")
        raise DeckError(path, "front matter: revealOptions must be a mapping", line)
    md = _markdown()
    slides: list[Slide] = []
    sections: list[str] = []
    notes: dict[str, str] = {}
    for h, horizontal in enumerate(split_outside_code(body, separator)):
        stack: list[Slide] = []
        for v, source in enumerate(split_outside_code(horizontal, vertical)):
            slide = _render_slide(md, source, h, v)
            stack.append(slide)
            if slide.notes_html:
                notes[f"{h}.{v}"] = slide.notes_html
        slides.extend(stack)
        if len(stack) == 1:
            sections.append(_section(stack[0]))
        else:
            inner = "".join(_section(slide) for slide in stack)
            sections.append(f"<section>\n{inner}</section>\n")
    return RenderedMarkdown(meta, tuple(slides), "".join(sections), notes, options)


def _section(slide: Slide) -> str:
    tag = htmltree.Element("section")
    for name, value in slide.attrs:
        tag.set(name, value)
    return f"{tag.start_tag()}\n{slide.html}</section>\n"


def _render_slide(md: MarkdownIt, source: str, h: int, v: int) -> Slide:
    content, notes_md = split_notes(source)
    attrs: list[tuple[str, str]] = []

    def take(match: re.Match[str]) -> str:
        attrs.extend(parse_attributes(match.group(1)))
        return ""

    content = _outside_code_sub(_SLIDE_COMMENT_IN_TEXT, take, content)
    tree = htmltree.parse(md.render(content))
    apply_element_comments(tree)
    html_notes = strip_html_notes(tree)
    notes_parts = [md.render(notes_md).strip()] if notes_md.strip() else []
    notes_parts.extend(html_notes)
    # Notes given as a data-notes slide attribute go to the speaker only.
    section_attrs = []
    for name, value in attrs:
        if name == "data-notes":
            notes_parts.append(escape(value))
        else:
            section_attrs.append((name, value))
    return Slide(
        indexh=h,
        indexv=v,
        attrs=tuple(section_attrs),
        html=htmltree.serialize(tree),
        notes_html="\n".join(notes_parts),
        title=htmltree.heading_text(tree),
    )
