"""Content-Security-Policy values fitted to each kind of page we serve.

Our own pages (speaker view, remote, login, listing, join page) load only our
scripts and styles. A deck page loads reveal.js and our live client from this
server, plus what the deck itself holds: inline scripts are allowed by hash,
scripts from other hosts by origin, and images, media, fonts and frames from
anywhere (decks embed them). Deck assets opened on their own (an SVG, say)
are sandboxed. ``frame-ancestors`` is decided by the caller: nobody may frame
presenter pages, the audience page may be framed by this origin and the
``--allow-origin`` ones.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from presenter.core import htmltree

_SCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module")
_MATH_CDN = "https://cdn.jsdelivr.net"

ASSET = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
"""For files served from deck folders, reveal.js and static/: inert when opened directly."""


@dataclass(frozen=True)
class InlineCode:
    """What a deck page runs besides its ``<script src>`` files from this server."""

    scripts: tuple[str, ...] = ()
    handlers: bool = False  # onclick="..." or javascript: URLs
    origins: tuple[str, ...] = ()  # hosts of <script src="https://...">
    events: tuple[str, ...] = ()  # event-handler attributes allowed by hash ('unsafe-hashes')


def script_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline script."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def scan(page: str) -> InlineCode:
    """Find the inline scripts, event-handler attributes and script hosts of HTML."""
    scripts: list[str] = []
    origins: list[str] = []
    handlers = False
    for element in htmltree.parse(page).iter():
        for name, value in element.attrs:
            lowered = name.lower()
            if lowered.startswith("on") or (
                value is not None and value.strip().lower().startswith("javascript:")
            ):
                handlers = True
        if element.tag != "script":
            continue
        kind = (element.get("type") or "").strip().lower()
        if kind not in _SCRIPT_TYPES:
            continue  # data blocks and templates do not run
        src = element.get("src")
        if src is None:
            scripts.append(element.inner_html())
            continue
        plugin = src.strip().lower()
        if "plugin/math" in plugin and _MATH_CDN not in origins:
            # reveal.js's math plugin loads KaTeX or MathJax from there unless
            # the deck points it elsewhere (katex.local: /vendor/katex).
            origins.append(_MATH_CDN)
        if "customcontrols" in plugin:
            handlers = True  # its buttons run their actions from onclick attributes
        parts = urlsplit(src.strip())
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
        elif src.strip().startswith("//") and parts.netloc:
            origins.append(f"https://{parts.netloc}")
    return InlineCode(tuple(scripts), handlers, tuple(origins))


def frame_ancestors(allow_origins: Iterable[str]) -> str:
    """``'self'`` plus the origins allowed to embed the audience page (``*`` for any)."""
    allowed = list(allow_origins)
    if "*" in allowed:
        return "*"
    return " ".join(["'self'", *allowed])


def app_page(ancestors: str = "'none'") -> str:
    """Our own pages: only our files, framed by nobody unless ``ancestors`` says so."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; frame-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self'; frame-ancestors {ancestors}"
    )


def deck_page(code: Iterable[InlineCode], ancestors: str) -> str:
    """A deck page: reveal.js and our client, plus the deck's own code (see :func:`scan`)."""
    parts = list(code)
    scripts = ["'self'"]
    if any(part.handlers for part in parts):
        # Inline handlers cannot be hashed; a deck that uses them keeps working,
        # at the cost of the inline-script protection on its own page.
        scripts.append("'unsafe-inline'")
    else:
        scripts.extend(dict.fromkeys(script_hash(s) for part in parts for s in part.scripts))
        events = dict.fromkeys(script_hash(e) for part in parts for e in part.events)
        if events:
            scripts.append("'unsafe-hashes'")
            scripts.extend(events)
    scripts.extend(dict.fromkeys(o for part in parts for o in part.origins))
    return (
        "default-src 'self'; "
        f"script-src {' '.join(scripts)}; "
        # Styles, fonts, images, media and frames may come from anywhere: decks
        # link CDN themes (reveal.js's own @import Google Fonts) and embed media.
        "style-src 'self' 'unsafe-inline' https:; font-src 'self' data: https:; "
        "img-src * data: blob:; media-src * data: blob:; frame-src * data: blob:; "
        "connect-src 'self' ws: wss: https:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
