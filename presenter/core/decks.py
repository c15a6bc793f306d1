"""Find decks in a folder, load them, and look up their files safely.

A deck is a folder holding ``slides.md`` (Markdown) or ``index.html`` (a
reveal.js page); its id is the folder name. The path given to
``presenter serve`` is either one deck or a folder whose direct subfolders
are decks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from presenter.core.errors import DeckError
from presenter.core.htmldeck import render_html_deck
from presenter.core.markdown import render_markdown

MARKDOWN_SOURCE = "slides.md"
HTML_SOURCE = "index.html"
SOURCES = (MARKDOWN_SOURCE, HTML_SOURCE)
DEFAULT_THEME = "black"
DEFAULT_HIGHLIGHT_THEME = "monokai"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_DECK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Deck:
    """A loaded deck. Everything but ``notes`` may be sent to the audience.

    For ``kind == "markdown"``, ``slides_html`` holds the ``<section>``s; for
    ``kind == "html"``, ``page`` holds the author's page split around the two
    places where the live client goes (see :mod:`presenter.core.htmldeck`).
    """

    id: str
    folder: Path
    kind: Literal["markdown", "html"]
    title: str
    description: str
    slide_count: int
    notes: dict[str, str]
    titles: tuple[str, ...]
    theme: str = DEFAULT_THEME
    highlight_theme: str = DEFAULT_HIGHLIGHT_THEME
    reveal_options: dict[str, Any] = field(default_factory=dict)
    slides_html: str = ""
    page: tuple[str, str, str] = ("", "", "")

    @property
    def head_signature(self) -> str:
        """Changes when a reload needs a new page rather than new slides in place.

        Markdown decks can swap their ``<section>``s in place unless the theme,
        highlight theme or reveal.js options change; HTML decks always reload.
        """
        if self.kind == "html":
            return "html:" + hashlib.sha256("".join(self.page).encode()).hexdigest()[:16]
        head = json.dumps(
            [self.theme, self.highlight_theme, self.reveal_options], sort_keys=True, default=str
        )
        return "md:" + hashlib.sha256(head.encode()).hexdigest()[:16]

    @property
    def source(self) -> Path:
        """The file the deck is built from."""
        return self.folder / (MARKDOWN_SOURCE if self.kind == "markdown" else HTML_SOURCE)


def is_deck_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a deck source."""
    return any((folder / name).is_file() for name in SOURCES)


def discover(root: Path) -> dict[str, Path]:
    """Map deck id to deck folder for a path given on the command line.

    Raises:
        DeckError: ``root`` is missing, not a folder, or holds no deck.
    """
    if not root.exists():
        raise DeckError(root, "no such file or folder")
    if not root.is_dir():
        raise DeckError(root, "not a folder (give a deck folder or a folder of decks)")
    root = root.resolve()
    if is_deck_folder(root):
        return {_deck_id(root): root}
    decks = {
        child.name: child
        for child in sorted(root.iterdir())
        if child.is_dir()
        and not child.name.startswith(".")
        and _DECK_ID.match(child.name)
        and is_deck_folder(child)
    }
    if not decks:
        raise DeckError(
            root,
            f"no deck found: expected {MARKDOWN_SOURCE} or {HTML_SOURCE} here or in a subfolder",
        )
    return decks


def _deck_id(folder: Path) -> str:
    name = folder.name
    return name if _DECK_ID.match(name) else "deck"


def load_deck(deck_id: str, folder: Path) -> Deck:
    """Read and render one deck.

    Raises:
        DeckError: the source cannot be read or its front matter is broken.
    """
    markdown = folder / MARKDOWN_SOURCE
    source = markdown if markdown.is_file() else folder / HTML_SOURCE
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DeckError(source, "the deck's source file is gone") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DeckError(source, f"cannot read: {exc}") from None
    if source is markdown:
        rendered = render_markdown(text, source)
        meta = rendered.meta
        return Deck(
            id=deck_id,
            folder=folder,
            kind="markdown",
            title=_text(meta.get("title")) or _first(s.title for s in rendered.slides) or deck_id,
            description=_text(meta.get("description")),
            slide_count=len(rendered.slides),
            notes=rendered.notes,
            titles=tuple(s.title for s in rendered.slides),
            theme=_name(meta.get("theme"), DEFAULT_THEME),
            highlight_theme=_name(meta.get("highlightTheme"), DEFAULT_HIGHLIGHT_THEME),
            reveal_options=rendered.reveal_options,
            slides_html=rendered.slides_html,
        )
    page = render_html_deck(text)
    return Deck(
        id=deck_id,
        folder=folder,
        kind="html",
        title=page.title or deck_id,
        description="",
        slide_count=page.slide_count,
        notes=page.notes,
        titles=page.titles,
        page=(page.before_head_end, page.middle, page.after_body_end),
    )


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _first(values: Any) -> str:
    return next((v for v in values if v), "")


def _name(value: object, default: str) -> str:
    # Theme names become part of a URL; only plain names are accepted.
    return value if isinstance(value, str) and _NAME.match(value) else default


def safe_relative(path: str) -> PurePosixPath | None:
    """Check a URL path (already percent-decoded) relative to a deck folder.

    Returns ``None`` for anything that could leave the folder or reach a
    hidden file: empty paths, absolute paths, backslashes, NUL bytes, ``.``
    and ``..`` segments and any segment starting with a dot.
    """
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    return PurePosixPath(*parts)


def resolve_file(folder: Path, path: str, refuse: tuple[Path, ...] = ()) -> Path | None:
    """Find the file ``path`` names inside ``folder``, or ``None``.

    Symlinks are followed only while the target stays inside ``folder``;
    files in ``refuse`` (a deck's own source, the state dir) are never
    returned, whatever name reaches them.
    """
    relative = safe_relative(path)
    if relative is None:
        return None
    base = folder.resolve()
    try:
        target = (base / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    for refused in refuse:
        refused = refused.resolve()
        if target == refused or target.is_relative_to(refused):
            return None
    return target


def bundled_name(path: str) -> str | None:
    """Map a deck's reference to reveal.js files onto the bundled ``dist/`` folder.

    ``dist/reveal.js`` -> ``reveal.js``; reveal.js 4/5 plugin paths such as
    ``plugin/notes/notes.js`` -> ``plugin/notes.js`` and
    ``plugin/notes/notes.esm.js`` -> ``plugin/notes.mjs``. Returns ``None``
    when ``path`` is not a reveal.js path.
    """
    parts = path.split("/")
    if parts[0] == "dist" and len(parts) > 1:
        rest = "/".join(parts[1:])
        return {"reveal.esm.js": "reveal.mjs"}.get(rest, rest)
    if parts[0] == "plugin" and len(parts) == 3 and parts[1] == parts[2].split(".")[0]:
        name, file = parts[1], parts[2]
        if file == f"{name}.js":
            return f"plugin/{name}.js"
        if file == f"{name}.esm.js":
            return f"plugin/{name}.mjs"
    if parts[0] == "plugin" and len(parts) > 1:
        return path
    return None


class DeckLibrary:
    """The decks a server serves, reloaded when their source changes.

    A deck whose source breaks after it loaded once keeps serving its last
    good version; :meth:`error` tells what is wrong until it is fixed.

    Args:
        decks: deck id -> folder, as :func:`discover` found them.
        root: the folder of decks to look in again on :meth:`rescan`, or
            ``None`` when the server serves one deck folder.
    """

    def __init__(self, decks: dict[str, Path], root: Path | None = None) -> None:
        self._folders = dict(decks)
        self._root = root
        self._cache: dict[str, tuple[tuple[int, int], Deck]] = {}
        self._errors: dict[str, DeckError] = {}

    def rescan(self) -> tuple[list[str], list[str]]:
        """Look for deck folders added to or removed from the root.

        Returns:
            ``(added, removed)`` deck ids; both empty for a single-deck server.
        """
        if self._root is None:
            return [], []
        try:
            found = discover(self._root)
        except DeckError:
            found = {}
        if found.get(_deck_id(self._root.resolve())) == self._root.resolve():
            # The root itself became a deck: keep serving the folders we had.
            return [], []
        added = [deck_id for deck_id in found if deck_id not in self._folders]
        removed = [deck_id for deck_id in self._folders if deck_id not in found]
        for deck_id in removed:
            self._cache.pop(deck_id, None)
            self._errors.pop(deck_id, None)
        self._folders = found
        return added, removed

    def deck_of(self, path: Path) -> str | None:
        """The id of the deck whose folder holds ``path``, if any."""
        for deck_id, folder in self._folders.items():
            if path == folder or path.is_relative_to(folder):
                return deck_id
        return None

    def ids(self) -> list[str]:
        """Deck ids in listing order."""
        return list(self._folders)

    def folder(self, deck_id: str) -> Path | None:
        """The folder of a deck, or ``None`` for an unknown id."""
        return self._folders.get(deck_id)

    def error(self, deck_id: str) -> DeckError | None:
        """The error of the last load attempt, if it failed."""
        return self._errors.get(deck_id)

    def get(self, deck_id: str) -> Deck | None:
        """The current version of a deck; ``None`` for an unknown id.

        Raises:
            DeckError: the deck has never loaded successfully.
        """
        folder = self._folders.get(deck_id)
        if folder is None:
            return None
        stamp = _stamp(folder)
        cached = self._cache.get(deck_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            deck = load_deck(deck_id, folder)
        except DeckError as exc:
            self._errors[deck_id] = exc
            if cached is not None:
                return cached[1]
            raise
        self._errors.pop(deck_id, None)
        self._cache[deck_id] = (stamp, deck)
        return deck


def _stamp(folder: Path) -> tuple[int, int]:
    for name in SOURCES:
        try:
            info = os.stat(folder / name)
        except OSError:
            continue
        return (info.st_mtime_ns, info.st_size)
    return (0, 0)
