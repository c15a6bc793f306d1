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

from presenter.core import csp
from presenter.core.errors import DeckError
from presenter.core.htmldeck import markdown_references, render_html_deck
from presenter.core.markdown import render_markdown
from presenter.core.notes import strip_markdown_file

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
    markdown_files: dict[str, str] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()  # files besides the source it is built from
    code: csp.InlineCode = csp.InlineCode()  # noqa: RUF009 (immutable, safe to share)

    def served_markdown(self, relative: str, text: str) -> str:
        """What the audience gets of the Markdown file ``relative`` (holding ``text``).

        A file the deck loads with ``data-markdown`` comes without the notes
        its section's separators define; any other loses everything that
        could be a note (see :func:`presenter.core.notes.strip_markdown_file`).
        """
        served = self.markdown_files.get(relative)
        return served if served is not None else strip_markdown_file(text)

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
        return _markdown_deck(deck_id, folder, text, source)
    files: dict[str, str | None] = {}
    for reference in markdown_references(text):
        found = resolve_file(folder, reference, refuse=(markdown, source), assets_only=True)
        files[reference] = _read_or_none(found) if found is not None else None
    page = render_html_deck(text, files)
    parts = (page.before_head_end, page.middle, page.after_body_end)
    return Deck(
        id=deck_id,
        folder=folder,
        kind="html",
        title=page.title or deck_id,
        description="",
        slide_count=page.slide_count,
        notes=page.notes,
        titles=page.titles,
        page=parts,
        markdown_files=page.markdown_files,
        dependencies=tuple(files),
        code=csp.scan("".join(parts)),
    )


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _markdown_deck(deck_id: str, folder: Path, text: str, source: Path) -> Deck:
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
        code=csp.scan(rendered.slides_html),
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


# What a deck folder serves besides its slides, by file name ending. Anything
# else (editor backups such as slides.md~ or index.html.orig, other HTML
# pages, text and config files) is not served: it may hold a deck's notes.
ASSET_TYPES: dict[str, tuple[str, ...]] = {
    "images": (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp"),
    "media": (
        ".mp4", ".webm", ".ogv", ".ogg", ".oga", ".mp3", ".m4a", ".m4v", ".mov",
        ".wav", ".aac", ".flac", ".opus", ".vtt",
    ),
    "fonts": (".woff", ".woff2", ".ttf", ".otf", ".eot"),
    "styles and scripts": (".css", ".js", ".mjs", ".map"),
    "data": (".json", ".csv", ".tsv", ".geojson", ".pdf", ".wasm"),
    "Markdown (served without notes)": (".md", ".markdown"),
}  # fmt: skip
_ASSET_SUFFIXES = frozenset(suffix for group in ASSET_TYPES.values() for suffix in group)
MARKDOWN_SUFFIXES = (".md", ".markdown")


def is_asset(name: str) -> bool:
    """Whether a deck folder serves a file of this name (see :data:`ASSET_TYPES`)."""
    return PurePosixPath(name.lower()).suffix in _ASSET_SUFFIXES


def resolve_file(
    folder: Path, path: str, refuse: tuple[Path, ...] = (), assets_only: bool = False
) -> Path | None:
    """Find the file ``path`` names inside ``folder``, or ``None``.

    Symlinks are followed only while the target stays inside ``folder`` and
    is no dotfile; files in ``refuse`` (a deck's own source, the state dir)
    and files with several hard links (another name for a source or a
    secret, maybe) are never returned, whatever name reaches them. With
    ``assets_only``, both the name asked for and the file it leads to must be
    of an asset type (:func:`is_asset`).
    """
    relative = safe_relative(path)
    if relative is None or (assets_only and not is_asset(relative.name)):
        return None
    base = folder.resolve()
    try:
        target = (base / relative).resolve(strict=True)
        info = target.stat()
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file() or info.st_nlink > 1:
        return None
    if any(part.startswith(".") for part in target.relative_to(base).parts):
        return None
    if assets_only and not is_asset(target.name):
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
        self._cache: dict[str, tuple[tuple[tuple[int, int], ...], Deck]] = {}
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
        cached = self._cache.get(deck_id)
        source = _stamp(folder, SOURCES[:1] if (folder / SOURCES[0]).is_file() else SOURCES[1:])
        if cached is not None and cached[0] == source + _stamp(folder, cached[1].dependencies):
            return cached[1]
        try:
            deck = load_deck(deck_id, folder)
        except DeckError as exc:
            self._errors[deck_id] = exc
            if cached is not None:
                return cached[1]
            raise
        self._errors.pop(deck_id, None)
        # The source's stamp is from before reading it: an edit made meanwhile loads again.
        self._cache[deck_id] = (source + _stamp(folder, deck.dependencies), deck)
        return deck


def _stamp(folder: Path, names: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Modification time and size of each file (a missing one included)."""
    stamps: list[tuple[int, int]] = []
    for name in names:
        try:
            info = os.stat(folder / name)
        except OSError:
            stamps.append((0, -1))
            continue
        stamps.append((info.st_mtime_ns, info.st_size))
    return tuple(stamps)
