"""Static files: a deck's own files, the bundled reveal.js, our front end and the
npm packages pages use."""

from __future__ import annotations

from pathlib import Path

import tornado.web

from presenter.assets import VENDOR
from presenter.core.decks import MARKDOWN_SUFFIXES, bundled_name
from presenter.core.errors import DeckError
from presenter.core.fonts import local_font_imports
from presenter.core.notes import strip_markdown_file
from presenter.handlers.base import (
    Context,
    Guarded,
    PageMixin,
)
from presenter.library import resolve_file


class DeckFileHandler(PageMixin, tornado.web.StaticFileHandler):
    """The assets of a deck folder (images, media, fonts, CSS, JS, data), and reveal.js fallbacks.

    Paths are checked by :func:`presenter.core.decks.resolve_file`: only the
    asset types of :data:`presenter.core.decks.ASSET_TYPES`, nothing outside
    the folder, no dotfiles, no file with several hard links, never the deck's
    source. Markdown files are served without their notes. A reference to
    ``dist/...`` or ``plugin/...`` the folder does not hold is served from the
    bundled reveal.js.
    """

    ctx: Context
    asset = True
    _generated = False  # the body is ours (Markdown without notes), not the file's

    def initialize(self, ctx: Context) -> None:  # type: ignore[override]
        self.ctx = ctx
        super().initialize(path=str(ctx.assets.reveal))

    def compute_etag(self) -> str | None:
        if self._generated:
            return tornado.web.RequestHandler.compute_etag(self)  # a hash of what is sent
        return super().compute_etag()

    async def get(self, deck_id: str, path: str, include_body: bool = True) -> None:  # type: ignore[override]
        folder = self.ctx.library.folder(deck_id)
        if folder is None:
            raise tornado.web.HTTPError(404, reason=f"No deck named {deck_id!r}")
        refuse = (*self.ctx.library.sources(deck_id), self.ctx.settings.state_dir)
        found = resolve_file(folder, path, refuse, assets_only=True)
        root = folder
        if found is None and (bundled := bundled_name(path)) is not None:
            found = resolve_file(self.ctx.assets.reveal, bundled)
            root = self.ctx.assets.reveal
        if found is None:
            raise tornado.web.HTTPError(404, reason="No such file in this deck")
        if found.suffix.lower() in MARKDOWN_SUFFIXES and root == folder:
            # Markdown an HTML deck loads (data-markdown="x.md") may hold notes.
            self._send_markdown(deck_id, found, include_body)
            return
        if root != folder and found.parent.name == "theme" and found.suffix == ".css":
            # A theme an HTML deck links from dist/: its fonts from here too.
            self._generated = True
            send_theme(self, self.ctx, found, include_body)
            return
        self.root = str(root.resolve())
        await super().get(str(found.relative_to(root.resolve())), include_body)

    def _send_markdown(self, deck_id: str, path: Path, include_body: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise tornado.web.HTTPError(404, reason="No such file in this deck") from None
        try:
            deck = self.ctx.library.get(deck_id)
        except DeckError:
            deck = None  # a deck that never loaded: strip everything that may be a note
        folder = self.ctx.library.folder(deck_id)
        assert folder is not None
        relative = path.relative_to(folder.resolve()).as_posix()
        served = deck.served_markdown(relative, text) if deck else strip_markdown_file(text)
        self._generated = True
        self.set_header("Content-Type", "text/markdown; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(served if include_body else None)

    async def head(self, deck_id: str, path: str) -> None:  # type: ignore[override]
        await self.get(deck_id, path, include_body=False)


class RevealHandler(Guarded, tornado.web.StaticFileHandler):
    """``/reveal/...``: the bundled reveal.js ``dist`` folder."""

    asset = True


class StaticHandler(Guarded, tornado.web.StaticFileHandler):
    """``/static/...``: our own JavaScript and CSS."""

    asset = True


class ThemeHandler(Guarded):
    """``/reveal/theme/<name>.css``: a reveal.js theme, its Google Fonts imports
    pointed at the same fonts under ``/vendor/@fontsource`` (no request leaves
    the server)."""

    asset = True

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx

    def get(self, name: str) -> None:
        send_theme(self, self.ctx, self.ctx.assets.reveal / "theme" / name)


def send_theme(
    handler: tornado.web.RequestHandler, ctx: Context, source: Path, include_body: bool = True
) -> None:
    """Answer with the reveal.js theme at ``source``, its Google Fonts imports
    pointed at the same fonts under ``/vendor/@fontsource``."""
    try:
        css = source.read_text(encoding="utf-8")
    except OSError:
        raise tornado.web.HTTPError(404) from None
    fonts = ctx.assets.vendor / "@fontsource"
    css = local_font_imports(css, "/vendor/@fontsource", lambda p: (fonts / p).is_file())
    handler.set_header("Content-Type", "text/css; charset=utf-8")
    handler.set_header("Cache-Control", "public, max-age=3600")
    handler.finish(css if include_body else None)


class VendorHandler(Guarded, tornado.web.StaticFileHandler):
    """``/vendor/...``: the parts of npm packages pages use (KaTeX, highlight.js
    themes, theme fonts; see :data:`presenter.assets.VENDOR`), nothing else."""

    asset = True

    async def get(self, path: str, include_body: bool = True) -> None:
        if ".." in path.split("/") or not path.startswith(VENDOR):
            raise tornado.web.HTTPError(404)
        await super().get(path, include_body)
