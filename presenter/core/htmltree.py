"""A small, forgiving HTML tree that serializes back to its source text.

The standard library has a tokenizer (:mod:`html.parser`) but no tree. Decks
need just enough of one to drop speaker notes, move ``.element`` attribute
comments onto elements and count ``<section>``s, while leaving every byte the
author wrote elsewhere untouched: unchanged tags are written back exactly as
they were read, and text, entities, comments and doctypes pass through raw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Opening one of these closes an open <p>, as browsers do.
_CLOSES_P = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ]
)
_RAW_TEXT = frozenset(["textarea"])
_SELF_NESTING_NOT_ALLOWED = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "option": {"select"}}


@dataclass(eq=False)
class Raw:
    """Text, an entity, a comment or a declaration, kept as written."""

    text: str
    is_comment: bool = False
    parent: Element | None = None

    @property
    def comment_body(self) -> str:
        """The inside of a comment (empty for anything else)."""
        return self.text[4:-3] if self.is_comment else ""


@dataclass(eq=False)
class Element:
    """An element. Edit ``attrs`` through :meth:`set`/:meth:`remove_attr` so it re-serializes."""

    tag: str
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    parent: Element | None = None
    source: str | None = None
    closed: bool = False
    end_source: str | None = None

    def get(self, name: str) -> str | None:
        """The value of attribute ``name`` (``""`` for a bare attribute), or ``None``."""
        for key, value in self.attrs:
            if key == name:
                return value if value is not None else ""
        return None

    def has(self, name: str) -> bool:
        """Whether the attribute is present."""
        return any(key == name for key, _ in self.attrs)

    def set(self, name: str, value: str) -> None:
        """Set an attribute; ``class`` values are appended to existing classes."""
        self.source = None
        for i, (key, old) in enumerate(self.attrs):
            if key == name:
                if name == "class" and old:
                    value = f"{old} {value}"
                self.attrs[i] = (name, value)
                return
        self.attrs.append((name, value))

    def remove_attr(self, name: str) -> None:
        """Drop every occurrence of an attribute."""
        if self.has(name):
            self.source = None
            self.attrs = [(k, v) for k, v in self.attrs if k != name]

    @property
    def classes(self) -> list[str]:
        """The class names of the element."""
        return (self.get("class") or "").split()

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def remove(self) -> None:
        """Take this element out of its parent."""
        if self.parent is not None:
            self.parent.children.remove(self)
            self.parent = None

    def text_content(self) -> str:
        """The text below this element, comments excluded, entities left raw."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, Element):
                parts.append(child.text_content())
            elif not child.is_comment:
                parts.append(child.text)
        return "".join(parts)

    def inner_html(self) -> str:
        """Serialize the children."""
        return "".join(serialize(child) for child in self.children)

    def start_tag(self) -> str:
        """The start tag: as written when unchanged, rebuilt otherwise."""
        if self.source is not None:
            return self.source
        parts = [self.tag]
        for key, value in self.attrs:
            parts.append(key if value is None else f'{key}="{escape(value, quote=True)}"')
        return "<" + " ".join(parts) + ">"


Node = Element | Raw


class _Builder(HTMLParser):
    """Builds the tree; must be fed the whole text in one ``feed`` call.

    The tokenizer does not hand out the raw text of end tags and entities, so
    the builder finds it in the source from the tokenizer's line and column.
    """

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.root = Element("#root")
        self.stack: list[Element] = [self.root]

    def _here(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _raw_reference(self, prefix: str, name: str) -> str:
        end = self._here() + len(prefix) + len(name)
        return f"{prefix}{name};" if self.text.startswith(";", end) else f"{prefix}{name}"

    @property
    def top(self) -> Element:
        return self.stack[-1]

    def _append(self, node: Node) -> None:
        node.parent = self.top
        self.top.children.append(node)

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P and self._open_index("p", stop_at={"button", "table"}) is not None:
            self._pop_to("p", explicit=False)
        scopes = _SELF_NESTING_NOT_ALLOWED.get(tag)
        if scopes is not None and self._open_index(tag, stop_at=scopes) is not None:
            self._pop_to(tag, explicit=False)

    def _open_index(self, tag: str, stop_at: set[str] | frozenset[str]) -> int | None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                return i
            if self.stack[i].tag in stop_at:
                return None
        return None

    def _pop_to(self, tag: str, explicit: bool, end_source: str | None = None) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                self.stack[i].closed = explicit
                self.stack[i].end_source = end_source
                del self.stack[i:]
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._close_implied(tag)
        element = Element(tag, list(attrs), source=self.get_starttag_text())
        self._append(element)
        if tag not in VOID:
            self.stack.append(element)
        if tag in _RAW_TEXT and self.cdata_elem is None:
            # Browsers read a textarea's content as text up to </textarea>,
            # never as tags (reveal.js keeps Markdown templates there).
            self.set_cdata_mode(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._close_implied(tag)
        self._append(Element(tag, list(attrs), source=self.get_starttag_text()))

    def handle_endtag(self, tag: str) -> None:
        start = self._here()
        close = self.text.find(">", start)
        raw = self.text[start : close + 1] if close != -1 else f"</{tag}>"
        if any(element.tag == tag for element in self.stack[1:]):
            self._pop_to(tag, explicit=True, end_source=raw)
        else:
            # A stray end tag (even </br>, which browsers read as <br>): keep it.
            self._append(Raw(raw))

    def handle_data(self, data: str) -> None:
        self._append(Raw(data))

    def handle_entityref(self, name: str) -> None:
        self._append(Raw(self._raw_reference("&", name)))

    def handle_charref(self, name: str) -> None:
        self._append(Raw(self._raw_reference("&#", name)))

    def handle_comment(self, data: str) -> None:
        self._append(Raw(f"<!--{data}-->", is_comment=True))

    def handle_decl(self, decl: str) -> None:
        self._append(Raw(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self._append(Raw(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        closing = "]]>" if data.startswith("CDATA[") else "]>"
        self._append(Raw(f"<![{data}{closing}"))


def parse(text: str) -> Element:
    """Parse a document or fragment; the result is a ``#root`` element."""
    builder = _Builder(text)
    builder.feed(text)
    builder.close()
    # Whatever the tokenizer still buffers (an unterminated tag) is kept as text.
    rest = builder.rawdata
    if rest:
        builder._append(Raw(rest))
    return builder.root


def heading_text(root: Element) -> str:
    """A slide's title: the text of the first ``h1``-``h3`` below ``root``, or ``""``.

    The one rule for titles, used for Markdown and HTML decks alike.
    """
    for element in root.iter():
        if element.tag in ("h1", "h2", "h3"):
            return " ".join(unescape(element.text_content()).split())
    return ""


def serialize(node: Node) -> str:
    """Write a node back as HTML."""
    if isinstance(node, Raw):
        return node.text
    if node.tag == "#root":
        return node.inner_html()
    if node.tag in VOID:
        return node.start_tag()
    if node.end_source is not None:
        end = node.end_source
    else:
        end = f"</{node.tag}>" if node.closed or node.source is None else ""
    return node.start_tag() + node.inner_html() + end
