"""The decks on disk: finding deck folders, reading their files, safe lookups.

The edge of the deck model (:mod:`presenter.core.decks`): everything that
touches the file system is here, so the core stays values in, values out.
"""

from __future__ import annotations

import os
from pathlib import Path

from presenter.core.decks import (
    HTML_SOURCE,
    MARKDOWN_SOURCE,
    MARKDOWN_SUFFIXES,
    SOURCES,
    Deck,
    Themes,
    deck_id_of,
    html_deck,
    is_asset,
    markdown_deck,
    safe_relative,
    valid_deck_id,
)
from presenter.core.errors import DeckError
from presenter.core.htmldeck import markdown_references, script_references
from presenter.core.markdown import key_line


def is_deck_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a deck source."""
    return any((folder / name).is_file() for name in SOURCES)


def single_file(path: Path) -> str | None:
    """The Markdown file name when ``path`` is one Markdown file served as a deck
    (``presenter serve talk.md``: its folder supplies the images), else ``None``."""
    if path.is_file() and path.suffix.lower() in MARKDOWN_SUFFIXES:
        return path.name
    return None


def discover(root: Path) -> dict[str, Path]:
    """Map deck id to deck folder for a path given on the command line.

    A Markdown file is a deck of its own, named after the file, in its folder
    (see :func:`single_file`).

    Raises:
        DeckError: ``root`` is missing, not a folder or a Markdown file, or
            holds no deck.
    """
    if not root.exists():
        raise DeckError(root, "no such file or folder")
    if single_file(root) is not None:
        stem = root.stem
        deck_id = stem if valid_deck_id(stem) else "deck"
        return {deck_id: root.resolve().parent}
    if not root.is_dir():
        raise DeckError(
            root, "not a folder or a .md file (give a deck folder or a folder of decks)"
        )
    root = root.resolve()
    if is_deck_folder(root):
        return {deck_id_of(root): root}
    decks = {
        child.name: child
        for child in sorted(root.iterdir())
        if child.is_dir()
        and not child.name.startswith(".")
        and valid_deck_id(child.name)
        and is_deck_folder(child)
    }
    if not decks:
        raise DeckError(
            root,
            f"no deck found: expected {MARKDOWN_SOURCE} or {HTML_SOURCE} here or in a subfolder",
        )
    return decks


def themes_in(reveal: Path, vendor: Path | None = None) -> Themes:
    """The themes of the reveal.js ``dist`` folder ``reveal``, and the highlight
    themes of reveal.js and of highlight.js (its npm package under ``vendor``)."""

    def names(folder: Path) -> frozenset[str]:
        try:
            return frozenset(
                p.stem
                for p in folder.iterdir()
                if p.suffix == ".css" and not p.name.endswith(".min.css")
            )
        except OSError:
            return frozenset()

    highlights = names(reveal / "plugin" / "highlight")
    if vendor is not None:
        styles = vendor / "highlight.js" / "styles"
        highlights |= names(styles) | {f"base16/{n}" for n in names(styles / "base16")}
    return Themes(names(reveal / "theme"), highlights)


def load_deck(
    deck_id: str, folder: Path, themes: Themes | None = None, source_name: str | None = None
) -> Deck:
    """Read and render one deck (its theme one of ``themes``, when given), from
    ``slides.md`` or ``index.html``, or from the Markdown file ``source_name``.

    Raises:
        DeckError: the source cannot be read, its front matter is broken, its
            theme does not exist, or it is not a reveal.js page.
    """
    markdown = folder / (source_name or MARKDOWN_SOURCE)
    source = markdown if source_name or markdown.is_file() else folder / HTML_SOURCE
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DeckError(source, "the deck's source file is gone") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DeckError(source, f"cannot read: {exc}") from None
    if source is markdown:
        deck = markdown_deck(deck_id, folder, text, source, themes)
        own = [("theme", deck.theme)] if deck.theme_href == deck.theme else []
        own += [("css", name) for name in deck.css] + [("scripts", name) for name in deck.scripts]
        for key, name in own:
            if resolve_file(folder, name, assets_only=True) is None:
                line = key_line(text, key)
                raise DeckError(source, f"front matter: {key} {name!r}: no such file here", line)
        return deck
    files: dict[str, str | None] = {}
    for reference in [*markdown_references(text), *script_references(text)]:
        found = resolve_file(folder, reference, refuse=(markdown, source), assets_only=True)
        files[reference] = _read_or_none(found) if found is not None else None
    return html_deck(deck_id, folder, text, files, source)


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


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


class DeckLibrary:
    """The decks a server serves, reloaded when their source changes.

    A deck whose source breaks after it loaded once keeps serving its last
    good version; :meth:`error` tells what is wrong until it is fixed.

    Args:
        decks: deck id -> folder, as :func:`discover` found them.
        root: the folder of decks to look in again on :meth:`rescan`, or
            ``None`` when the server serves one deck folder.
        themes: the theme names decks may use (see :func:`themes_in`); any
            plain name when ``None``.
    """

    def __init__(
        self,
        decks: dict[str, Path],
        root: Path | None = None,
        themes: Themes | None = None,
        sources: dict[str, str] | None = None,
    ) -> None:
        self._folders = dict(decks)
        self._root = root
        self._themes = themes
        # Deck id -> the Markdown file it is built from, for a single-file deck.
        self._sources = dict(sources or {})
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
        if found.get(deck_id_of(self._root.resolve())) == self._root.resolve():
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

    def sources(self, deck_id: str) -> tuple[Path, ...]:
        """The files a deck may be built from (never served as they are)."""
        folder = self._folders.get(deck_id)
        if folder is None:
            return ()
        names = (self._sources[deck_id],) if deck_id in self._sources else SOURCES
        return tuple(folder / name for name in names)

    def error(self, deck_id: str) -> DeckError | None:
        """The error of the last load attempt, if it failed."""
        return self._errors.get(deck_id)

    def served(self, deck_id: str) -> Deck | None:
        """The version of a deck last loaded (no look at its files); ``None`` for
        an unknown id or one never loaded."""
        if deck_id not in self._folders:
            return None
        cached = self._cache.get(deck_id)
        return cached[1] if cached is not None else None

    def get(self, deck_id: str) -> Deck | None:
        """The current version of a deck; ``None`` for an unknown id.

        Raises:
            DeckError: the deck has never loaded successfully.
        """
        folder = self._folders.get(deck_id)
        if folder is None:
            return None
        cached = self._cache.get(deck_id)
        named = self._sources.get(deck_id)
        if named is not None:
            source = _stamp(folder, (named,))
        else:
            source = _stamp(folder, SOURCES[:1] if (folder / SOURCES[0]).is_file() else SOURCES[1:])
        if cached is not None and cached[0] == source + _stamp(folder, cached[1].dependencies):
            return cached[1]
        try:
            deck = load_deck(deck_id, folder, self._themes, self._sources.get(deck_id))
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
