"""Speaker notes in every notation reveal.js knows, and how to take them out.

Notes reach a reveal.js page in four ways: ``<aside class="notes">``, a
``data-notes`` attribute (also set through ``<!-- .slide: data-notes=... -->``),
a notes separator line in Markdown (``Note:``, or the deck's
``data-separator-notes`` / ``notesSeparator``), and Markdown files loaded with
``data-markdown="file.md"``. Everything here works on text or on an
:mod:`~presenter.core.htmltree` tree; nothing reads files.

For Markdown that reveal.js's own markdown plugin renders in the browser (the
``<section data-markdown>`` of an HTML deck), :func:`cut_plugin_notes` splits
the text into slides exactly as the plugin does and cuts each slide's notes,
so the plugin, run on what is left, builds the same slides without them. One
deliberate difference: the plugin shows a slide whole when it holds two notes
separators; we cut from the first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape, unescape

from presenter.core import htmltree

# reveal-md and our slides.md: a line starting with "Note:" or "Notes:".
NOTES_MARKER = re.compile(r"^[ \t]*notes?:", re.IGNORECASE | re.MULTILINE)

# reveal.js markdown plugin defaults (plugin/markdown/plugin.js). The notes
# pattern really is "^s*notes?:" there (the backslash was lost in a string).
PLUGIN_SEPARATOR = r"\r?\n---\r?\n"
PLUGIN_NOTES = r"^s*notes?:"

# A start or end tag, its attribute values quoted or not (a ">" in quotes is no end).
_TAG = re.compile(r"""<(/?)([A-Za-z][\w:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_CLASS = re.compile(
    r"""[\s/]class\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE,
)
# Not part of a longer name (x-data-notes); reveal.js needs no space before it.
_DATA_NOTES = re.compile(
    r"\s*(?<![\w-])data-notes\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"'>]+))",
    re.IGNORECASE,
)
# Where an end tag is no end tag to a browser: comments, code spans, raw text.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_RAW_TEXT = re.compile(
    r"<(textarea|style|script|title|xmp)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_BACKTICKS = re.compile(r"`+")
_LINE_PREFIX = re.compile(r"[ \t>]*")
# Any line of dashes: what ends a note in a Markdown file whose separators we do not know.
_ANY_DASH_LINE = re.compile(r"^[ \t]*-{2,}[ \t]*\r?$", re.MULTILINE)


def strip_html_notes(root: htmltree.Element) -> list[str]:
    """Remove ``<aside class="notes">`` and ``data-notes`` below ``root``; return their HTML."""
    found: list[str] = []
    for element in list(root.iter()):
        _take_notes(element, found)
    return found


def strip_section_notes(section: htmltree.Element) -> list[str]:
    """Remove the notes of ``section`` itself: its ``data-notes`` and the
    ``<aside class="notes">`` that are not inside a nested section (nor in a
    template, whose text is the markdown plugin's: see :func:`cut_plugin_notes`)."""
    found: list[str] = []
    _take_notes(section, found, asides=False)
    for element in _own_elements(section):
        _take_notes(element, found, attributes=False)
    return found


def _take_notes(
    element: htmltree.Element, found: list[str], *, asides: bool = True, attributes: bool = True
) -> None:
    if asides and element.tag == "aside" and "notes" in element.classes:
        if element.parent is not None:
            found.append(element.inner_html())
            element.remove()
        return
    notes = element.get("data-notes") if attributes else None
    if notes is not None:
        found.append(escape(notes))
        element.remove_attr("data-notes")


def _own_elements(section: htmltree.Element) -> list[htmltree.Element]:
    found: list[htmltree.Element] = []
    for child in section.children:
        if isinstance(child, htmltree.Element) and child.tag != "section":
            found.append(child)
            if child.tag not in ("script", "textarea") and not child.has("data-template"):
                found.extend(_own_elements(child))
    return found


def strip_text_notes(text: str, code: Sequence[tuple[int, int]] = ()) -> tuple[str, list[str]]:
    """Remove notes written as HTML inside Markdown text, whatever surrounds them.

    Takes out ``<aside class="notes">...</aside>`` as a browser reads it
    (with the asides nested in it; one never closed runs to the end of
    ``text``, which should be one slide) and every ``data-notes`` attribute
    (in tags and in ``<!-- .slide: -->`` comments alike). Tags and
    attributes inside the character ranges ``code`` are code, not notes,
    but an aside that opens and closes outside them takes the code between.

    Returns:
        The text without them, and the notes found (HTML): the asides', then
        the attributes'.
    """
    asides = _notes_asides(text, code)
    found = [text[a:b].strip() for _, a, b, _ in asides]
    cuts: list[tuple[int, int]] = [(start, end) for start, _, _, end in asides]
    attributes: list[str] = []
    for match in _DATA_NOTES.finditer(text):
        if _within(cuts, match.start()) or _within(code, match.start()):
            continue
        value = match.group("dq") or match.group("sq") or match.group("bare") or ""
        attributes.append(escape(value))
        cuts.append((match.start(), match.end()))
    out: list[str] = []
    position = 0
    for start, end in sorted(cuts):
        out.append(text[position:start])
        position = end
    out.append(text[position:])
    return "".join(out), found + attributes


def _within(ranges: Sequence[tuple[int, int]], position: int) -> bool:
    return any(start <= position < end for start, end in ranges)


def _notes_asides(text: str, code: Sequence[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Each outermost ``<aside class="notes">`` outside ``code``: where it
    starts, where its content starts and ends, and where it ends.

    Where it ends is decided on the safe side: every ``<aside`` opens one more
    level (even where a browser would not see a tag), and an ``</aside>``
    inside a comment, a code span, another tag or raw text closes nothing.
    """
    hidden = [*code, *_spans(_COMMENT, text), *_spans(_RAW_TEXT, text), *_code_spans(text)]
    spans: list[tuple[int, int, int, int]] = []
    depth = 0
    start = body = 0
    for tag in _TAG.finditer(text):
        # An end tag in another tag's attribute value is no match: that tag
        # is matched whole, values and all.
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name != "aside":
            continue
        if depth == 0:
            if closing or _within(code, tag.start()):
                continue
            if "notes" in _classes(tag.group(0)):
                depth, start, body = 1, tag.start(), tag.end()
            continue
        if not closing:
            depth += 1
        elif not _within(hidden, tag.start()):
            depth -= 1
            if depth == 0:
                spans.append((start, body, tag.start(), tag.end()))
    if depth > 0:  # never closed: the browser puts the rest of the slide in it
        spans.append((start, body, len(text), len(text)))
    return spans


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Markdown code spans: a run of backticks up to the next run as long."""
    spans = []
    newlines = [m.start() for m in re.finditer("\n", text)]
    runs = [r for r in _BACKTICKS.finditer(text) if not _fence_line(text, r, newlines)]
    by_width: dict[int, list[int]] = {}
    for number, run in enumerate(runs):
        by_width.setdefault(len(run.group()), []).append(number)
    index = 0
    while index < len(runs):
        same = by_width[len(runs[index].group())]
        after = bisect.bisect_right(same, index)
        if after == len(same):
            index += 1
            continue
        match = same[after]
        spans.append((runs[index].start(), runs[match].end()))
        index = match + 1
    return spans


def _fence_line(text: str, run: re.Match[str], newlines: list[int]) -> bool:
    """Whether a run of backticks opens or closes a fenced block, not a code span
    (``newlines``: the positions of ``text``'s line breaks, in order)."""
    if len(run.group()) < 3:
        return False
    after = bisect.bisect_left(newlines, run.start())
    line_start = newlines[after - 1] + 1 if after else 0
    line_end = newlines[after] if after < len(newlines) else len(text)
    indent = _LINE_PREFIX.match(text, line_start)
    at_start = indent is not None and indent.end() == run.start()
    return at_start and text.find("`", run.end(), line_end) < 0


def _classes(tag: str) -> list[str]:
    found = _CLASS.search(tag)
    if found is None:
        return []
    value = found.group("dq") or found.group("sq") or found.group("bare") or ""
    return unescape(value).split()  # a browser decodes class="&#110;otes"


@dataclass(frozen=True)
class PluginSeparators:
    """The separators reveal.js's markdown plugin uses for one ``<section data-markdown>``.

    Each is a JavaScript regular expression source; ``None`` means the
    plugin's default (``vertical``: no vertical slides).
    """

    separator: str | None = None
    vertical: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class PluginSlide:
    """One slide the markdown plugin will make: its Markdown and its notes (Markdown)."""

    markdown: str
    notes: str | None


def js_regex(source: str, flags: int) -> re.Pattern[str] | None:
    """Compile a JavaScript regular expression source the way JavaScript reads it.

    The two agree on what decks use for separators, but for ``^`` and ``$``
    in multiline mode (JavaScript also breaks lines at ``\r``, U+2028 and
    U+2029) and ``\\s`` (JavaScript's also matches U+FEFF). A source Python
    cannot compile is treated as absent.
    """
    source = _js_source(source, anchors=bool(flags & re.MULTILINE))
    try:
        return re.compile(source, flags)
    except re.error:
        return None


def _js_source(source: str, anchors: bool) -> str:
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            escape_ = source[i : i + 2]
            # JavaScript's \s also matches U+FEFF; Python's does not.
            if escape_ == "\\s":
                escape_ = "\\s\ufeff" if in_class else "[\\s\ufeff]"
            elif escape_ == "\\S" and not in_class:
                escape_ = "[^\\s\ufeff]"
            out.append(escape_)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "^" and anchors:
            out.append("(?:^|(?<=[\r\u2028\u2029]))")
        elif char == "$" and anchors:
            out.append("(?:$|(?=[\r\u2028\u2029]))")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def plugin_slides(text: str, separators: PluginSeparators) -> list[list[str]]:
    """Split Markdown into slides as reveal.js's markdown plugin does.

    Returns:
        One list per horizontal slide: a single string for a plain slide, or
        the vertical slides of a stack (a stack is a list of several, or of
        one when a vertical separator opens it).
    """
    return [[text[a:b] for a, b in group] for group in _plugin_spans(text, separators)]


def _plugin_spans(text: str, separators: PluginSeparators) -> list[list[tuple[int, int]]]:
    # The plugin's slidify(): one regular expression for both separators; a
    # match of the horizontal one alone ends a horizontal slide.
    separator = separators.separator or PLUGIN_SEPARATOR
    combined = separator + (f"|{separators.vertical}" if separators.vertical else "")
    splitter = js_regex(combined, re.MULTILINE)
    horizontal = js_regex(separator, 0)
    if splitter is None or horizontal is None:
        return [[(0, len(text))]]
    groups: list[list[tuple[int, int]]] = []
    stack: list[tuple[int, int]] = []  # the stack being filled
    start = 0
    was_horizontal = True
    for match in splitter.finditer(text):
        if match.end() == match.start():
            continue
        is_horizontal = horizontal.search(match.group(0)) is not None
        if not is_horizontal and was_horizontal:
            stack = []
            groups.append(stack)
        if is_horizontal and was_horizontal:
            groups.append([(start, match.start())])
        else:
            stack.append((start, match.start()))
        start = match.end()
        was_horizontal = is_horizontal
    if was_horizontal:
        groups.append([(start, len(text))])
    else:
        stack.append((start, len(text)))
    return groups


def cut_plugin_notes(
    text: str, separators: PluginSeparators
) -> tuple[str, list[list[PluginSlide]]]:
    """Take the notes out of Markdown meant for reveal.js's markdown plugin.

    Each slide loses everything from its first notes separator to its end,
    and every ``<aside class="notes">`` / ``data-notes``; the separators
    between slides stay where they were.

    Returns:
        The text for the audience, and the slides (grouped as
        :func:`plugin_slides` groups them) with their notes.
    """
    flags = re.MULTILINE | re.IGNORECASE
    notes_pattern = js_regex(separators.notes or PLUGIN_NOTES, flags) or js_regex(
        PLUGIN_NOTES, flags
    )
    assert notes_pattern is not None
    slides: list[list[PluginSlide]] = []
    out: list[str] = []
    position = 0
    for group in _plugin_spans(text, separators):
        made: list[PluginSlide] = []
        for start, end in group:
            kept, found = strip_text_notes(text[start:end])
            marker = notes_pattern.search(kept)
            notes_md = None
            if marker is not None and marker.end() > marker.start():
                notes_md = kept[marker.end() :].strip()
                kept = kept[: marker.start()]
            parts = [part for part in [notes_md, *found] if part]
            made.append(PluginSlide(kept, "\n\n".join(parts) if parts else None))
            out.append(text[position:start])
            out.append(kept)
            position = end
        slides.append(made)
    out.append(text[position:])
    return "".join(out), slides


def strip_markdown_file(text: str, separators: Iterable[str] = ()) -> str:
    """Remove notes from a Markdown file no deck section describes.

    Without knowing the separators, a ``Note:`` line, or a match of any of the
    deck's own notes ``separators`` (JavaScript regular expressions), starts a
    note that runs to the next line of dashes or the end of the file; asides
    and ``data-notes`` go too. Stricter than any deck would be, never looser.
    """
    text, _ = strip_text_notes(text)
    flags = re.MULTILINE | re.IGNORECASE
    own = (js_regex(s, flags) for s in (PLUGIN_NOTES, *separators))
    patterns = [NOTES_MARKER, *filter(None, own)]
    markers = sorted(
        (m.start(), m.end()) for p in patterns for m in p.finditer(text) if m.end() > m.start()
    )
    out: list[str] = []
    position = 0
    for start, end in markers:
        if start < position:
            continue
        dashes = _ANY_DASH_LINE.search(text, end)
        out.append(text[position:start])
        position = dashes.start() if dashes is not None else len(text)
    out.append(text[position:])
    return "".join(out)
