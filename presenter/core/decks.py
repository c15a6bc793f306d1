"""The deck model: what a deck's source texts make, and which of its paths may be served.

A deck is a folder holding ``slides.md`` (Markdown) or ``index.html`` (a
reveal.js page); its id is the folder name. Reading folders and files is
:mod:`presenter.library`'s job; everything here works on texts and names.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from presenter.core import csp
from presenter.core.errors import DeckError
from presenter.core.htmldeck import HiddenNotesSeparator, render_html_deck
from presenter.core.markdown import key_line, render_markdown, split_front_matter
from presenter.core.notes import strip_markdown_file
from presenter.core.polls import PollSpec, PollSyntaxError

MARKDOWN_SOURCE = "slides.md"
HTML_SOURCE = "index.html"
SOURCES = (MARKDOWN_SOURCE, HTML_SOURCE)
DEFAULT_THEME = "black"
DEFAULT_HIGHLIGHT_THEME = "monokai"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Highlight themes reveal.js ships; the others come from the npm highlight.js package.
REVEAL_HIGHLIGHTS = frozenset({"monokai", "zenburn"})
_FONT_AWESOME = "/vendor/reveal.js-menu/font-awesome/css/all.css"
PLUGIN_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "math": (("/reveal/plugin/math.js",), ()),
    "zoom": (("/reveal/plugin/zoom.js",), ()),
    "search": (("/reveal/plugin/search.js",), ()),
    # S opens our speaker view (static/plugins.js): reveal.js's notes window
    # reads the notes from the page, and audience pages have none.
    "notes": ((), ()),
    "mermaid": (("/vendor/mermaid/dist/mermaid.min.js",), ()),
    "menu": (("/vendor/reveal.js-menu/menu.js",), ()),
    "chalkboard": (
        ("/vendor/reveal.js-plugins/chalkboard/plugin.js",),
        ("/vendor/reveal.js-plugins/chalkboard/style.css", _FONT_AWESOME),
    ),
    "customcontrols": (
        ("/vendor/reveal.js-plugins/customcontrols/plugin.js",),
        ("/vendor/reveal.js-plugins/customcontrols/style.css", _FONT_AWESOME),
    ),
}
"""Scripts and stylesheets of the plugins a Markdown deck may ask for (front
matter ``plugins``), besides Markdown and highlighting, which are always on."""
PLUGINS = tuple(PLUGIN_FILES)
FRONT_MATTER = frozenset(
    {
        "title",
        "description",
        "theme",
        "highlightTheme",
        "separator",
        "verticalSeparator",
        "notesSeparator",
        "revealOptions",
        "plugins",
        "css",
        "scripts",
        "interaction",
    }
)
"""The front matter keys of a Markdown deck (docs/deck-format.md); others are warned about."""
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
    warnings: tuple[str, ...] = ()  # what the author should know; the deck still works
    polls: tuple[PollSpec, ...] = ()
    interaction: bool = True  # questions, polls and reactions from the audience
    plugins: tuple[str, ...] = ()  # of PLUGINS, besides Markdown and highlighting
    css: tuple[str, ...] = ()  # stylesheets of the deck folder, relative to its page
    scripts: tuple[str, ...] = ()  # scripts of the deck folder, relative to its page
    code: csp.InlineCode = csp.InlineCode()  # noqa: RUF009 (immutable, safe to share)
    notes_separators: tuple[str, ...] = ()  # the deck's own notes separators (JS regexes)

    def served_markdown(self, relative: str, text: str) -> str:
        """What the audience gets of the Markdown file ``relative`` (holding ``text``).

        A file the deck loads with ``data-markdown`` comes without the notes
        its section's separators define; any other loses everything that
        could be a note, by ``Note:`` or the deck's own notes separators (see
        :func:`presenter.core.notes.strip_markdown_file`).
        """
        served = self.markdown_files.get(relative)
        return served if served is not None else strip_markdown_file(text, self.notes_separators)

    @property
    def head_signature(self) -> str:
        """Changes when a reload needs a new page rather than new slides in place.

        Markdown decks can swap their ``<section>``s in place unless the theme,
        highlight theme or reveal.js options change; HTML decks always reload.
        """
        if self.kind == "html":
            return "html:" + hashlib.sha256("".join(self.page).encode()).hexdigest()[:16]
        head = json.dumps(
            [
                self.theme,
                self.highlight_theme,
                self.reveal_options,
                self.plugins,
                self.css,
                self.scripts,
            ],
            sort_keys=True,
            default=str,
        )
        return "md:" + hashlib.sha256(head.encode()).hexdigest()[:16]

    @property
    def plugin_scripts(self) -> list[str]:
        """The scripts the deck page loads for its plugins (static/plugins.js registers them)."""
        return [src for name in self.plugins for src in PLUGIN_FILES[name][0]]

    @property
    def plugin_styles(self) -> list[str]:
        """The stylesheets the deck page links for its plugins."""
        styles = (href for name in self.plugins for href in PLUGIN_FILES[name][1])
        return list(dict.fromkeys(styles))

    @property
    def highlight_href(self) -> str:
        """Where the deck page loads its code highlighting theme from."""
        if self.highlight_theme in REVEAL_HIGHLIGHTS:
            return f"/reveal/plugin/highlight/{self.highlight_theme}.css"
        return f"/vendor/highlight.js/styles/{self.highlight_theme}.css"

    @property
    def theme_href(self) -> str:
        """Where the deck page loads its theme from: reveal.js's, or a file of the deck."""
        if self.theme.lower().endswith(".css"):
            return self.theme  # relative to the deck's page, /decks/<id>/
        return f"/reveal/theme/{self.theme}.css"

    @property
    def source(self) -> Path:
        """The file the deck is built from."""
        return self.folder / (MARKDOWN_SOURCE if self.kind == "markdown" else HTML_SOURCE)


def deck_id_of(folder: Path) -> str:
    """The id of the deck in ``folder``: its name, or ``deck`` when that cannot be a URL part."""
    name = folder.name
    return name if _DECK_ID.match(name) else "deck"


def valid_deck_id(name: str) -> bool:
    """Whether a folder name can be a deck id."""
    return bool(_DECK_ID.match(name))


def html_deck(
    deck_id: str, folder: Path, text: str, files: dict[str, str | None], source: Path
) -> Deck:
    """The deck an ``index.html`` text makes; ``files`` holds the text of each
    Markdown file it loads and of its own scripts (see
    :func:`presenter.core.htmldeck.markdown_references` and ``script_references``).

    Raises:
        DeckError: the page is not a reveal.js page.
    """
    try:
        page = render_html_deck(text, files)
    except (PollSyntaxError, HiddenNotesSeparator) as exc:
        raise DeckError(source, str(exc)) from None
    if not page.is_reveal:
        raise DeckError(
            source,
            'not a reveal.js page: it needs <div class="reveal"><div class="slides"> '
            "holding the <section>s",
        )
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
        polls=page.polls,
        notes_separators=page.notes_separators,
    )


@dataclass(frozen=True)
class Themes:
    """The theme names a server offers: reveal.js's themes and highlight themes."""

    themes: frozenset[str]
    highlights: frozenset[str]


def markdown_deck(
    deck_id: str, folder: Path, text: str, source: Path, themes: Themes | None = None
) -> Deck:
    """The deck a ``slides.md`` text makes.

    ``themes`` are the names ``theme`` and ``highlightTheme`` may take (any
    plain name when ``None``); ``theme`` may also name a ``.css`` file of the
    deck folder (whether it exists is the caller's to check).

    Raises:
        DeckError: broken front matter or separators, an unknown theme
            (``source`` names the file; the error, the line).
    """
    rendered = render_markdown(text, source)
    meta = rendered.meta
    theme = _theme(meta, "theme", DEFAULT_THEME, themes.themes if themes else None, text, source)
    highlight = _theme(
        meta,
        "highlightTheme",
        DEFAULT_HIGHLIGHT_THEME,
        themes.highlights if themes else None,
        text,
        source,
    )
    body = split_front_matter(text, source)[1]
    warnings = [] if body.strip() else [f"{source.name} is empty: the deck has no slides yet"]
    for key in meta:
        if key not in FRONT_MATTER:
            line = key_line(text, str(key))
            where = f"{source.name}:{line}" if line else source.name
            warnings.append(f"{where}: front matter key {key!r} is not one presenter reads")
    interaction = meta.get("interaction", True)
    if not isinstance(interaction, bool):
        line = key_line(text, "interaction")
        raise DeckError(source, "front matter: interaction must be true or false", line)
    plugins = _plugins(meta, text, source)
    css = _files(meta, "css", ".css", text, source)
    scripts = _files(meta, "scripts", ".js", text, source)
    return Deck(
        id=deck_id,
        folder=folder,
        kind="markdown",
        title=_text(meta.get("title")) or _first(s.title for s in rendered.slides) or deck_id,
        description=_text(meta.get("description")),
        slide_count=len(rendered.slides),
        notes=rendered.notes,
        titles=tuple(s.title for s in rendered.slides),
        theme=theme,
        highlight_theme=highlight,
        reveal_options=rendered.reveal_options,
        slides_html=rendered.slides_html,
        code=replace(
            csp.scan(rendered.slides_html),
            events=_control_actions(rendered.reveal_options) if "customcontrols" in plugins else (),
        ),
        warnings=tuple(warnings),
        polls=rendered.polls,
        notes_separators=_notes_separators(rendered.meta),
        interaction=interaction,
        plugins=plugins,
        css=css,
        scripts=scripts,
    )


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _first(values: Any) -> str:
    return next((v for v in values if v), "")


def _names(meta: dict[str, Any], key: str, text: str, source: Path) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise DeckError(
            source, f"front matter: {key} must be a name or a list of names", key_line(text, key)
        )
    return values


def _plugins(meta: dict[str, Any], text: str, source: Path) -> tuple[str, ...]:
    found = []
    for name in _names(meta, "plugins", text, source):
        if name not in PLUGINS:
            raise DeckError(
                source,
                f"front matter: unknown plugin {name!r}: one of {', '.join(PLUGINS)}",
                key_line(text, "plugins"),
            )
        if name not in found:
            found.append(name)
    return tuple(found)


def _notes_separators(meta: dict[str, Any]) -> tuple[str, ...]:
    separator = meta.get("notesSeparator")
    return (separator,) if isinstance(separator, str) and separator else ()


def _control_actions(options: dict[str, Any]) -> tuple[str, ...]:
    """The ``action`` of each of the custom controls: the plugin puts them in
    ``onclick`` attributes, which the page's policy allows by hash."""
    config = options.get("customcontrols")
    controls = config.get("controls") if isinstance(config, dict) else None
    if not isinstance(controls, list):
        return ()
    return tuple(
        control["action"]
        for control in controls
        if isinstance(control, dict) and isinstance(control.get("action"), str)
    )


def _files(meta: dict[str, Any], key: str, suffix: str, text: str, source: Path) -> tuple[str, ...]:
    files = []
    for name in _names(meta, key, text, source):
        if not name.lower().endswith(suffix) or safe_relative(name) is None:
            raise DeckError(
                source,
                f"front matter: {key} {name!r} must be a {suffix} file in the deck folder",
                key_line(text, key),
            )
        files.append(name)
    return tuple(files)


def _theme(
    meta: dict[str, Any],
    key: str,
    default: str,
    available: frozenset[str] | None,
    text: str,
    source: Path,
) -> str:
    value = meta.get(key, default)
    line = key_line(text, key)
    if isinstance(value, str) and key == "theme" and value.lower().endswith(".css"):
        if safe_relative(value) is None:
            raise DeckError(
                source, f"front matter: theme {value!r} must be in the deck folder", line
            )
        return value
    # Names become part of a URL: only plain names (highlight.js has a base16/
    # folder of them), and only those that exist.
    known = sorted(n for n in available if "/" not in n) if available is not None else None
    name = value.removeprefix("base16/") if isinstance(value, str) and key != "theme" else value
    if (
        not isinstance(value, str)
        or not isinstance(name, str)
        or not _NAME.match(name)
        or (available is not None and value not in available)
    ):
        choices = f": one of {', '.join(known)}" if known else ""
        if available is not None and any("/" in n for n in available):
            choices += ", or base16/<name> (highlight.js's base16 themes)"
        extra = " or a .css file of the deck folder" if key == "theme" else ""
        raise DeckError(source, f"front matter: unknown {key} {value!r}{choices}{extra}", line)
    return value


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
