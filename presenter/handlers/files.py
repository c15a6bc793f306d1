"""Static files: a deck's own files, the bundled reveal.js and our front end."""

from __future__ import annotations

from pathlib import Path

import tornado.iostream
import tornado.web
import tornado.websocket

from presenter.core.decks import bundled_name, resolve_file
from presenter.core.htmldeck import strip_markdown_file_notes
from presenter.handlers.base import (
    Context,
    PageMixin,
    QuietSummary,
)


class DeckFileHandler(PageMixin, tornado.web.StaticFileHandler):
    """Other files of a deck folder (images, CSS, fonts), and reveal.js fallbacks.

    Paths are checked by :func:`presenter.core.decks.resolve_file`: nothing
    outside the folder, no dotfiles, never the deck's source. A reference to
    ``dist/...`` or ``plugin/...`` the folder does not hold is served from the
    bundled reveal.js.
    """

    ctx: Context

    def initialize(self, ctx: Context) -> None:  # type: ignore[override]
        self.ctx = ctx
        super().initialize(path=str(ctx.assets.reveal))

    async def get(self, deck_id: str, path: str, include_body: bool = True) -> None:  # type: ignore[override]
        folder = self.ctx.library.folder(deck_id)
        if folder is None:
            raise tornado.web.HTTPError(404, reason=f"No deck named {deck_id!r}")
        refuse = (folder / "slides.md", folder / "index.html", self.ctx.settings.state_dir)
        found = resolve_file(folder, path, refuse)
        root = folder
        if found is None and (bundled := bundled_name(path)) is not None:
            found = resolve_file(self.ctx.assets.reveal, bundled)
            root = self.ctx.assets.reveal
        if found is None:
            raise tornado.web.HTTPError(404, reason="No such file in this deck")
        if found.suffix.lower() in (".md", ".markdown") and root == folder:
            # Markdown an HTML deck loads (data-markdown="x.md") may hold notes.
            self._send_markdown(found, include_body)
            return
        self.root = str(root.resolve())
        await super().get(str(found.relative_to(root.resolve())), include_body)

    def _send_markdown(self, path: Path, include_body: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise tornado.web.HTTPError(404, reason="No such file in this deck") from None
        self.absolute_path = str(path)  # the ETag follows the file on disk
        self.set_header("Content-Type", "text/markdown; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(strip_markdown_file_notes(text) if include_body else None)

    async def head(self, deck_id: str, path: str) -> None:  # type: ignore[override]
        await self.get(deck_id, path, include_body=False)


class RevealHandler(QuietSummary, tornado.web.StaticFileHandler):
    """``/reveal/...``: the bundled reveal.js ``dist`` folder."""


class StaticHandler(QuietSummary, tornado.web.StaticFileHandler):
    """``/static/...``: our own JavaScript and CSS."""
