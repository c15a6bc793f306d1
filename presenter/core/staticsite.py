"""Turning a served page into files of a static site: values in, values out.

A page (or a stylesheet) refers to other files by URL. :func:`html_references`
and :func:`css_references` find those URLs in the text, :func:`site_path`
says where the file a server path names goes in the exported deck folder, and
:func:`rewrite` puts relative URLs in their place, so the copy works from any
folder, a static host or ``file://``.

Layout of one exported deck (its folder is the page's ``/decks/<id>/``):
the deck's own files keep their place relative to the page, every other file
of the server goes under ``_presenter/`` with its server path (``/reveal/x.css``
-> ``_presenter/reveal/x.css``).
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

# Where the server's own files (reveal.js, presenter's front end) go in a deck folder.
SERVER_FILES = "_presenter"

# Attributes whose value is one URL (or, for srcset, a list of them).
_URL_ATTRIBUTES = (
    "src",
    "href",
    "poster",
    "data-src",
    "data-background-image",
    "data-background-video",
    "data-background",
    "srcset",
    "data-markdown",
)
_ATTRIBUTE = re.compile(
    r"(?<![\w-])(?P<name>" + "|".join(re.escape(a) for a in _URL_ATTRIBUTES) + r")"
    r"(?P<eq>\s*=\s*)(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"')]+))\s*\)")
_CSS_IMPORT = re.compile(r"@import\s+(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')")
# ![alt](url "title") in a Markdown slide (kept HTML-escaped inside its <textarea>).
# Module specifiers of a script: import/export ... from "./x.js", import "./x.js", import("./x.js").
_JS_IMPORT = re.compile(
    r"(?:\b(?:import|export)\b[\w\s{},*$]*?\bfrom\s*|\bimport\s*\(?\s*)"
    r"(?:\"(?P<dq>\.{0,2}/[^\"\n]*)\"|'(?P<sq>\.{0,2}/[^'\n]*)')"
)
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]\n]*\]\(\s*(?P<bare>[^\s)]+)")
# data-background may be a colour or a gradient; reveal.js takes it as an image
# when it looks like one (the same test as reveal.js's).
_IMAGE_LIKE = re.compile(r"\.(svg|png|jpe?g|gif|bmp|webp)([?#\s]|$)", re.IGNORECASE)
_CONFIG = re.compile(
    r"(<script type=\"application/json\" id=\"presenter-config\">)(?P<json>.*?)(</script>)",
    re.DOTALL,
)


@dataclass(frozen=True)
class Reference:
    """A URL written in a text, as the text has it.

    Attributes:
        start, end: where the URL is in the text (the characters to replace).
        url: the URL, unescaped (HTML entities decoded for attributes).
        escaped: whether the text holds it HTML-escaped (an attribute value),
            so a replacement must be escaped too.
        attribute: the attribute it is the value of (lower case), ``""``
            when it is no attribute (CSS, Markdown, a module specifier).
    """

    start: int
    end: int
    url: str
    escaped: bool
    attribute: str = ""

    @property
    def loaded(self) -> bool:
        """Whether a browser loads it to show the page (not a link to follow)."""
        return self.attribute != "href" or urlsplit(self.url).path.lower().endswith(".css")


def is_local(url: str) -> bool:
    """Whether ``url`` names a file of the same server (a path, absolute or relative).

    URLs with a scheme or a host (``https:``, ``//cdn``, ``data:``,
    ``mailto:``), fragments only (``#x``) and empty ones are not.
    """
    url = url.strip()
    if not url or url.startswith(("#", "//")):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def is_external(url: str) -> bool:
    """Whether ``url`` needs the network (``http:``, ``https:`` or ``//host``)."""
    lowered = url.strip().lower()
    return lowered.startswith(("http:", "https:", "//"))


def html_references(text: str) -> list[Reference]:
    """The URLs a page refers to: URL attributes (in tags, and in the escaped
    HTML of Markdown slides), ``url()`` and ``@import`` in styles, Markdown
    images. Sorted by position, never overlapping."""
    found: list[Reference] = []
    for match in _ATTRIBUTE.finditer(text):
        group = "dq" if match.group("dq") is not None else "sq"
        value, start = match.group(group), match.start(group)
        name = match.group("name").lower()
        if name == "srcset":
            found.extend(_srcset(value, start))
            continue
        url = html.unescape(value)
        if name == "data-background" and not _IMAGE_LIKE.search(url):
            continue
        found.append(Reference(start, match.end(group), url, True, name))
    for pattern in (_CSS_URL, _CSS_IMPORT, _MARKDOWN_IMAGE):
        found.extend(_matches(pattern, text, escaped=True))
    return _without_overlaps(found)


def css_references(text: str) -> list[Reference]:
    """The URLs a stylesheet refers to (``url()`` and ``@import``), by position."""
    found = [*_matches(_CSS_URL, text, False), *_matches(_CSS_IMPORT, text, False)]
    return _without_overlaps(found)


def script_references(text: str) -> list[Reference]:
    """The files a JavaScript module imports (specifiers starting with ``./``,
    ``../`` or ``/``), by position; bare package names are not files."""
    return _without_overlaps(list(_matches(_JS_IMPORT, text, False)))


def _matches(pattern: re.Pattern[str], text: str, escaped: bool) -> Iterator[Reference]:
    for match in pattern.finditer(text):
        group = next(g for g in ("dq", "sq", "bare") if match.groupdict().get(g) is not None)
        value = match.group(group)
        url = html.unescape(value) if escaped else value
        yield Reference(match.start(group), match.end(group), url, escaped)


def _srcset(value: str, offset: int) -> Iterator[Reference]:
    position = 0
    for candidate in value.split(","):
        stripped = candidate.strip()
        if stripped:
            url = stripped.split()[0]
            start = offset + position + candidate.index(url)
            yield Reference(start, start + len(url), html.unescape(url), True, "srcset")
        position += len(candidate) + 1


def _without_overlaps(found: list[Reference]) -> list[Reference]:
    kept: list[Reference] = []
    for ref in sorted(found, key=lambda r: (r.start, -r.end)):
        if kept and ref.start < kept[-1].end:
            continue
        kept.append(ref)
    return kept


def server_path(base: str, url: str) -> str | None:
    """The server path (no query, no fragment, percent-decoded) that ``url``
    names when read in the file at server path ``base``; ``None`` when it
    names nothing on this server."""
    if not is_local(url):
        return None
    path = urlsplit(urljoin(base, url.strip())).path
    return posixpath.normpath(unquote(path)) + ("/" if path.endswith("/") else "") or None


def site_path(deck_id: str, path: str) -> str | None:
    """Where the file at server path ``path`` goes in the exported folder of
    deck ``deck_id`` (a relative POSIX path), or ``None`` for a folder or a
    path that cannot be a file there."""
    if not path.startswith("/") or path.endswith("/"):
        return None
    deck = f"/decks/{deck_id}/"
    relative = path[len(deck) :] if path.startswith(deck) else f"{SERVER_FILES}{path}"
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return relative


def relative_url(source: str, target: str, fragment: str = "") -> str:
    """The URL of site file ``target`` as written in site file ``source``
    (both relative POSIX paths of the same folder)."""
    url = quote(posixpath.relpath(target, posixpath.dirname(source) or "."), safe="/@+,=~!$'()*")
    return url + (f"#{fragment}" if fragment else "")


def fragment_of(url: str) -> str:
    """The ``#fragment`` of ``url`` without the ``#`` (``""`` when none)."""
    return urlsplit(url).fragment


def rewrite(text: str, references: list[Reference], replace: Callable[[str], str | None]) -> str:
    """``text`` with each reference's URL replaced by ``replace(url)``
    (kept when it returns ``None``), escaped as the text needs it."""
    pieces: list[str] = []
    last = 0
    for ref in references:
        new = replace(ref.url)
        if new is None or new == ref.url:
            continue
        pieces.append(text[last : ref.start])
        pieces.append(html.escape(new, quote=True) if ref.escaped else new)
        last = ref.end
    pieces.append(text[last:])
    return "".join(pieces)


def page_config(text: str) -> dict[str, object] | None:
    """The ``#presenter-config`` JSON of a deck page, or ``None`` when it has none."""
    match = _CONFIG.search(text)
    if match is None:
        return None
    value = json.loads(match.group("json"))
    return value if isinstance(value, dict) else None


def with_page_config(text: str, config: dict[str, object]) -> str:
    """``text`` with its ``#presenter-config`` replaced by ``config``
    (written as the server writes it: safe inside a ``<script>``)."""
    encoded = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        encoded = encoded.replace(char, escape)
    encoded = encoded.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _CONFIG.sub(lambda m: m.group(1) + encoded + m.group(3), text, count=1)


def swap_script(text: str, old_src: str, new_tag: str) -> str:
    """``text`` with the ``<script ... src="old_src"></script>`` element replaced
    by ``new_tag`` (unchanged when there is none)."""
    pattern = re.compile(
        r"<script\b[^>]*\bsrc=\"" + re.escape(old_src) + r"\"[^>]*>\s*</script>", re.IGNORECASE
    )
    return pattern.sub(lambda _m: new_tag, text, count=1)
