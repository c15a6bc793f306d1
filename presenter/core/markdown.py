"""Prepare a reveal-md style ``slides.md`` for reveal.js's own markdown plugin.

reveal.js renders the slides, in the browser, with its markdown plugin (as
reveal-md does): they look exactly as reveal.js makes them. Here the text is
only split into slides and cleaned of everything that is a note, so notes
never reach the audience. What the audience gets is one
``<section data-markdown>`` per slide holding that slide's Markdown, with
separators the plugin will not split again.

Conventions (reveal-md's):

* optional YAML front matter between ``---`` lines at the top;
* a ``---`` line with a blank line before and after separates horizontal
  slides, ``----`` vertical slides (front matter ``separator`` /
  ``verticalSeparator`` override them with JavaScript regular expressions,
  multiline);
* a line starting with ``Note:`` (or front matter ``notesSeparator``) begins
  the slide's speaker notes; ``<aside class="notes">`` and ``data-notes``
  are notes too;
* ``<!-- .slide: attrs -->`` and ``<!-- .element: attrs -->`` comments, code
  with line steps, ``revealOptions.markdown``: all reveal.js's own.

Deliberate differences from reveal.js's plugin, stricter and safer (see
docs/deck-format.md): separators, notes markers and comments inside code
blocks are code; a slide with two notes markers has its notes from the first;
a separator line may end in spaces; a ``.slide:`` comment may span lines.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from presenter.core import htmltree
from presenter.core.errors import DeckError
from presenter.core.math import protect_math
from presenter.core.notes import PLUGIN_NOTES, js_regex, strip_text_notes
from presenter.core.polls import FENCE_INFO, PollSpec, PollSyntaxError, parse_block, unique_ids

# reveal-md's separators (a line of dashes between blank lines), allowing
# trailing spaces on the dash line.
DEFAULT_SEPARATOR = r"^(\r\n?|\n)---[ \t]*(\r\n?|\n)$"
DEFAULT_VERTICAL_SEPARATOR = r"^(\r\n?|\n)----[ \t]*(\r\n?|\n)$"
# What the plugin is told for our one-slide sections: never split again.
_NEVER = "(?!)"
_SLIDE_COMMENT = re.compile(r"<!--\s*\.slide:(.*?)-->", re.DOTALL)
# An attribute as reveal.js's markdown plugin reads one from a comment.
_ATTRIBUTE = re.compile(r'([^"= ]+?)="([^"]+?)"|(data-[^"= ]+?)(?=[" ]|$)')
_HEADING_TAG = re.compile(r"<h[123]\b", re.IGNORECASE)
_FENCE_LINE = re.compile(r"^[\s>]*(`{3,}|~{3,})[ \t]*$")


@dataclass(frozen=True)
class Slide:
    """One slide: its position, the Markdown the audience gets, its notes and title."""

    indexh: int
    indexv: int
    markdown: str
    notes_html: str
    title: str


@dataclass(frozen=True)
class RenderedMarkdown:
    """A prepared Markdown deck. ``slides_html`` is safe to send to the audience."""

    meta: dict[str, Any]
    slides: tuple[Slide, ...]
    slides_html: str
    notes: dict[str, str] = field(default_factory=dict)
    reveal_options: dict[str, Any] = field(default_factory=dict)
    polls: tuple[PollSpec, ...] = ()


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


@functools.cache
def _markdown() -> MarkdownIt:
    # One parser for the process (rendering does not change it): for finding
    # code blocks and titles, and for rendering notes on the speaker's pages.
    return _markdown_parser()


def _markdown_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@functools.cache
def _blocks() -> MarkdownIt:
    # The same grammar without inline parsing: where code blocks and headings
    # are needs only the block structure, at a fraction of the cost.
    return _markdown_parser().disable("inline")


def render_fragment(text: str) -> str:
    """Markdown to HTML (CommonMark with tables and strikethrough): for notes, shown
    to the speaker, and titles of slides reveal.js renders."""
    html: str = _markdown().render(text)
    return html


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    starts.append(len(text))
    return starts


def code_ranges(text: str, tokens: list[Token] | None = None) -> list[tuple[int, int]]:
    """Character ranges of the code blocks of ``text``, as CommonMark sees them.

    Indented code blocks and fenced blocks (in lists and quotes too) count;
    a fence that never closes does not: reveal.js would split on what follows
    it, so it shields nothing.
    """
    if tokens is None:
        if not _may_hold_code(text):
            return []
        tokens = _blocks().parse(text)
    starts = _line_starts(text)
    lines = text.splitlines()
    ranges: list[tuple[int, int]] = []
    for token in tokens:
        if token.map is None or token.type not in ("fence", "code_block"):
            continue
        first, end = token.map
        if token.type == "fence":
            closing = _FENCE_LINE.match(lines[end - 1]) if end - 1 > first else None
            marker = token.markup
            if (
                closing is None
                or closing.group(1)[0] != marker[0]
                or len(closing.group(1)) < len(marker)
            ):
                continue
            cut = _marked_end(lines, first, end, marker)
            if cut < end:
                # What follows is not this fence's to reveal.js: read it anew.
                ranges.append((starts[first], starts[cut]))
                rest = code_ranges(text[starts[cut] :])
                return ranges + [(a + starts[cut], b + starts[cut]) for a, b in rest]
        ranges.append((starts[first], starts[min(end, len(starts) - 1)]))
    return ranges


_FENCE_OPENER = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_HTML_UNTIL = (
    (re.compile(r"^ {0,3}<(pre|script|style|textarea)(?:[\s>]|$)", re.IGNORECASE), None),
    (re.compile(r"^ {0,3}<!--"), "-->"),
    (re.compile(r"^ {0,3}<\?"), "?>"),
    (re.compile(r"^ {0,3}<!\[CDATA\["), "]]>"),
    (re.compile(r"^ {0,3}<![A-Za-z]"), ">"),
)


def sure_fences(text: str, pedantic: bool = False) -> list[tuple[int, int]]:
    """Character ranges of the fenced code blocks that marked (reveal.js's
    Markdown parser) reads as code for sure: the only code that keeps a notes
    marker or HTML notes out of the notes.

    On the safe side wherever marked and CommonMark may differ: a fence counts
    only at the top level, after a blank line (or at the slide's start), not
    inside a multi-line HTML block or comment, not after an unmatched ``[`` (a
    link label can run over lines), and it ends at the first line a closing
    fence could be, however indented and whatever backticks or tildes follow.
    ``pedantic`` (marked's option) has no fenced blocks at all.
    """
    if pedantic or ("```" not in text and "~~~" not in text):
        return []
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    ranges: list[tuple[int, int]] = []
    blank_before, brackets, index = True, 0, 0
    while index < len(lines):
        line = lines[index]
        until = _html_block_end(line)
        if until is not None:
            while index < len(lines) and until not in lines[index].lower():
                index += 1
            index, blank_before = index + 1, False
            continue
        opener = _FENCE_OPENER.match(line)
        if opener is not None and blank_before and brackets <= 0:
            run = opener.group(1)
            closer = re.compile(rf"^[ \t>]*{re.escape(run[0])}{{{len(run)},}}[~` \t\r]*$")
            end = next((j for j in range(index + 1, len(lines)) if closer.match(lines[j])), None)
            if end is None:
                break  # never closed: shields nothing, here or below
            ranges.append((starts[index], min(starts[end + 1], len(text))))
            index, blank_before = end + 1, False
            continue
        brackets += line.count("[") - line.count("]")
        blank_before = not line.strip()
        index += 1
    return ranges


def _html_block_end(line: str) -> str | None:
    """What ends the HTML block ``line`` opens when it may run over blank lines."""
    for pattern, end in _HTML_UNTIL:
        found = pattern.match(line)
        if found is not None:
            return end if end is not None else f"</{found.group(1).lower()}>"
    return None


def _marked_end(lines: list[str], first: int, end: int, marker: str) -> int:
    """Where marked (reveal.js's parser) ends the fence on lines ``first..end``:
    it also closes at the fence followed by more backticks or tildes (`````~``),
    which CommonMark reads as code. What follows is not code to reveal.js."""
    closer = re.compile(r"^[\s>]*" + re.escape(marker) + r"[~`]*[ \t]*$")
    for number in range(first + 1, end - 1):
        if closer.match(lines[number]):
            return number + 1
    return end


def _may_hold_code(text: str) -> bool:
    # A code block needs a fence or four columns of indentation (a tab, or
    # four spaces, also after a list marker or a quote's ">"): most slides
    # have neither, and parsing thousands of them is most of a deck's load.
    return "```" in text or "~~~" in text or "    " in text or "\t" in text


def _outside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return not any(a < end and start < b for a, b in ranges)


def _compile(
    meta: dict[str, Any], key: str, default: str, text: str, path: Path
) -> re.Pattern[str]:
    value = meta.get(key, default)
    line = key_line(text, key)
    if not isinstance(value, str) or not value:
        raise DeckError(path, f"front matter: {key} must be a non-empty string", line)
    flags = re.MULTILINE | (re.IGNORECASE if key == "notesSeparator" else 0)
    pattern = js_regex(value, flags)
    if pattern is None:
        raise DeckError(path, f"front matter: {key} is not a valid regular expression", line)
    return pattern


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


def split_slides(
    body: str, separator: re.Pattern[str], vertical: re.Pattern[str]
) -> list[list[str]]:
    """Split the body as reveal.js's plugin does, but never inside a code block.

    Returns:
        One list per horizontal slide: its vertical slides (one for a plain slide).
    """
    shielded = code_ranges(body)
    matches = []
    for pattern, horizontal in ((separator, True), (vertical, False)):
        for match in pattern.finditer(body):
            if match.end() > match.start() and _outside(shielded, match.start(), match.end()):
                matches.append((match.start(), match.end(), horizontal))
    matches.sort()
    groups: list[list[str]] = [[]]
    position = 0
    for start, end, horizontal in matches:
        if start < position:
            continue  # overlaps the separator just taken
        groups[-1].append(body[position:start])
        if horizontal:
            groups.append([])
        position = end
    groups[-1].append(body[position:])
    return groups


def _outside_code_sub(
    pattern: re.Pattern[str], text: str, ranges: list[tuple[int, int]], replace: Any
) -> str:
    def guarded(match: re.Match[str]) -> str:
        if _outside(ranges, match.start(), match.end()):
            return str(replace(match))
        return match.group(0)

    return pattern.sub(guarded, text)


def prepare_slide(
    source: str, notes: re.Pattern[str], pedantic: bool = False
) -> tuple[str, str | None]:
    """Cut one slide's Markdown into what the audience gets and its notes (Markdown).

    The notes start at the first notes separator outside code (code as
    :func:`sure_fences` finds it; ``pedantic``: marked's option); ``.slide:``
    comments among them still apply to the slide (their attributes, as reveal.js
    reads them from the first line), so they move back to it.
    ``<aside class="notes">`` and ``data-notes`` outside code are notes too.
    """
    ranges = sure_fences(source, pedantic)
    marker = next(
        (
            m
            for m in notes.finditer(source)
            if m.end() > m.start() and _outside(ranges, m.start(), m.end())
        ),
        None,
    )
    content, notes_md = (
        (source, "")
        if marker is None
        else (
            source[: marker.start()],
            source[marker.end() :],
        )
    )
    if notes_md:
        notes_ranges = code_ranges(notes_md)
        moved: list[str] = []

        def take(match: re.Match[str]) -> str:
            # Its attributes, as reveal.js reads them from its first line: the
            # rest of the comment is among the notes.
            first = match.group(1).split("\n", 1)[0]
            attributes = " ".join(m.group(0) for m in _ATTRIBUTE.finditer(first))
            moved.append(f"<!-- .slide: {attributes} -->")
            return ""

        notes_md = _outside_code_sub(_SLIDE_COMMENT, notes_md, notes_ranges, take)
        if moved:
            content = content.rstrip("\n") + "\n\n" + "\n".join(moved) + "\n"
    content_ranges = code_ranges(content)
    content = _outside_code_sub(_SLIDE_COMMENT, content, content_ranges, _one_line)
    content, found = strip_text_notes(content, sure_fences(content, pedantic))
    parts = [p for p in [*found, notes_md.strip()] if p]  # in the order they were written
    return content, "\n\n".join(parts) if parts else None


def _one_line(match: re.Match[str]) -> str:
    # reveal.js reads only the first line of a .slide: comment; take them all.
    return "<!-- .slide: " + " ".join(match.group(1).split()) + " -->"


def _title(markdown: str) -> str:
    """The slide's title by :func:`htmltree.heading_text`, the one rule for
    titles; only the block holding the first heading is rendered for it."""
    tokens = _blocks().parse(markdown)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h1", "h2", "h3"):
            inline = _markdown().renderInline(tokens[index + 1].content)
            block = f"<{token.tag}>{inline}</{token.tag}>"
        elif token.type == "html_block" and _HEADING_TAG.search(token.content):
            block = token.content
        else:
            continue
        return htmltree.heading_text(htmltree.parse(block))
    return ""


def smarten(text: str) -> str:
    """Typographic quotes, dashes and ellipses, as the plugin's ``smartypants`` makes them
    (for titles the speaker's outline shows beside the slides)."""
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    text = re.sub(r"(^|[\s(\[{\u2014\u2013])\"", "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[{\u2014\u2013])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


def _section(markdown: str) -> str:
    # The slide's text exactly as reveal.js's plugin would have cut it (a
    # browser drops the newline that follows <textarea>): the plugin then
    # treats its first line's indentation as it does in reveal.js.
    return (
        f'<section data-markdown data-separator="{_NEVER}" data-separator-notes="{_NEVER}">'
        f"<textarea data-template>\n{escape(markdown, quote=False)}</textarea></section>\n"
    )


def take_polls(markdown: str, h: int, v: int, first: int) -> tuple[str, list[PollSpec], set[str]]:
    """Mark the ```` ```poll ```` blocks of one slide for :func:`place_polls`.

    Each block becomes a line ``\\x00poll<n>\\x00`` (``n`` counting the deck's
    polls from ``first``) followed by blank lines, so later lines keep their
    numbers. Returns the new text, the slide's polls (ids not yet unique in
    the deck) and the ids the blocks set themselves.

    Raises:
        PollSyntaxError: a poll block is not a usable poll.
    """
    if f"```{FENCE_INFO}" not in markdown and f"~~~{FENCE_INFO}" not in markdown:
        return markdown, [], set()
    lines = markdown.split("\n")
    found: list[tuple[int, int, PollSpec]] = []
    explicit: set[str] = set()
    for token in _blocks().parse(markdown):
        if token.type != "fence" or token.info.strip() != FENCE_INFO or token.map is None:
            continue
        spec = replace(parse_block(token.content), h=h, v=v)
        if re.search(r"^\s*id\s*:", token.content, re.MULTILINE):
            explicit.add(spec.id)
        found.append((token.map[0], token.map[1], spec))
    for n, (start, end, _) in reversed(list(enumerate(found))):
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        lines[start:end] = [f"{indent}\x00poll{first + n}\x00"] + [""] * (end - start - 1)
    return "\n".join(lines), [spec for _, _, spec in found], explicit


def place_polls(markdown: str, polls: tuple[PollSpec, ...]) -> str:
    """Put each poll's element where :func:`take_polls` marked it."""
    if "\x00poll" not in markdown:
        return markdown
    return re.sub(
        r"\x00poll(\d+)\x00",
        lambda m: (
            f'<div class="presenter-poll" data-poll="{escape(polls[int(m.group(1))].id)}"></div>'
        ),
        markdown,
    )


def render_markdown(text: str, path: Path) -> RenderedMarkdown:
    """Prepare the text of ``slides.md`` found at ``path``.

    Raises:
        DeckError: broken front matter, an invalid separator regex, a poll
            block that is not a usable poll.
    """
    meta, body, _ = split_front_matter(text, path)
    separator = _compile(meta, "separator", DEFAULT_SEPARATOR, text, path)
    vertical = _compile(meta, "verticalSeparator", DEFAULT_VERTICAL_SEPARATOR, text, path)
    notes_separator = _compile(meta, "notesSeparator", PLUGIN_NOTES, text, path)
    options = meta.get("revealOptions", {})
    if options is None:
        options = {}
    if not isinstance(options, dict):
        line = key_line(text, "revealOptions")
        raise DeckError(path, "front matter: revealOptions must be a mapping", line)
    slides: list[Slide] = []
    sections: list[str] = []
    notes: dict[str, str] = {}
    marked = options.get("markdown")
    marked = marked if isinstance(marked, dict) else {}
    smart, pedantic = bool(marked.get("smartypants")), bool(marked.get("pedantic"))
    polls: list[PollSpec] = []
    poll_ids: set[str] = set()
    plugins = meta.get("plugins")
    math = plugins == "math" or (isinstance(plugins, list) and "math" in plugins)
    stacks: list[list[Slide]] = []
    for h, stack in enumerate(split_slides(body, separator, vertical)):
        made = []
        for v, source in enumerate(stack):
            content, notes_md = prepare_slide(source, notes_separator, pedantic)
            try:
                content, found, explicit = take_polls(content, h, v, len(polls))
            except PollSyntaxError as exc:
                raise DeckError(path, f"slide {h + 1}.{v + 1}: {exc}") from None
            polls.extend(found)
            poll_ids |= explicit
            if math:
                content = protect_math(content, code_ranges(content))
            notes_html = render_fragment(notes_md).strip() if notes_md else ""
            if notes_html:
                notes[f"{h}.{v}"] = notes_html
            title = _title(content)
            made.append(Slide(h, v, content, notes_html, smarten(title) if smart else title))
        slides.extend(made)
        stacks.append(made)
    try:
        unique = tuple(unique_ids(polls, poll_ids))
    except PollSyntaxError as exc:
        raise DeckError(path, str(exc)) from None
    for made in stacks:
        if len(made) == 1:
            sections.append(_section(place_polls(made[0].markdown, unique)))
        else:
            inner = "".join(_section(place_polls(slide.markdown, unique)) for slide in made)
            sections.append(f"<section>\n{inner}</section>\n")
    return RenderedMarkdown(meta, tuple(slides), "".join(sections), notes, options, unique)
