"""Watch deck folders and tell every open page when a deck changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path

import watchfiles

from presenter.core import protocol
from presenter.core.errors import DeckError
from presenter.hub import Hub
from presenter.library import DeckLibrary

log = logging.getLogger("presenter.watch")


class DeckWatcher:
    """Reloads decks whose files change and broadcasts ``reload`` to their pages.

    A broken edit keeps the last good version on the audience's screens and
    sends ``deck_status`` with the error to the deck's presenters; the fix
    sends ``reload`` and a good ``deck_status``. With a folder of decks, deck
    folders added or removed are picked up too, and ``on_added`` is given each
    new deck id (to read its live state), and ``on_reloaded`` each deck id
    whose pages were told to reload.
    """

    def __init__(
        self,
        library: DeckLibrary,
        hub: Hub,
        paths: Iterable[Path],
        ignore: Iterable[Path] = (),
        on_added: Callable[[str], Coroutine[object, object, None]] | None = None,
        on_reloaded: Callable[[str], None] | None = None,
    ) -> None:
        self._library = library
        self._hub = hub
        self._on_added = on_added
        self._on_reloaded = on_reloaded
        self._pending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references
        self._paths = [path.resolve() for path in paths]
        # The state dir may sit inside a deck; its database changes on every slide.
        self._ignore = [path.resolve() for path in ignore]
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Start watching in the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop watching and wait for the watch task to end."""
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        try:
            async for changes in watchfiles.awatch(
                *self._paths,
                watch_filter=self._visible,
                debounce=150,
                step=50,
                stop_event=self._stop,
                recursive=True,
            ):
                try:
                    self.handle({Path(path) for _, path in changes})
                except Exception:
                    # One bad batch (an unreadable folder, say) must not end live reload.
                    log.exception("reloading after a change failed")
        except Exception:
            log.exception("watching deck folders failed; live reload is off")

    def _visible(self, change: watchfiles.Change, path: str) -> bool:
        # Dotfiles and dot-folders inside a watched folder (the state dir, editor
        # swap files, .git) never trigger a reload.
        target = Path(path)
        if any(target == ignored or target.is_relative_to(ignored) for ignored in self._ignore):
            return False
        for root in self._paths:
            if target.is_relative_to(root):
                parts = target.relative_to(root).parts
                return not any(p.startswith(".") or p.endswith("~") for p in parts)
        return False

    def handle(self, paths: set[Path]) -> None:
        """React to changed paths (public so tests can drive it without a file system)."""
        added, removed = self._library.rescan()
        for deck_id in added:
            log.info("deck %s added", deck_id)
            if self._on_added is not None:
                task = asyncio.get_running_loop().create_task(self._on_added(deck_id))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
        for deck_id in removed:
            log.info("deck %s removed", deck_id)
        touched = {self._library.deck_of(path) for path in paths}
        for deck_id in sorted(d for d in touched if d is not None):
            self.reload(deck_id)

    def reload(self, deck_id: str) -> None:
        """Reload one deck and tell its pages."""
        had_error = self._library.error(deck_id) is not None
        with contextlib.suppress(DeckError):  # a deck that never loaded: error() has it
            self._library.get(deck_id)
        error = self._library.error(deck_id)
        if error is not None:
            log.warning("deck %s: %s", deck_id, error)
            frame = protocol.deck_status(error.short, error.line)
            self._hub.broadcast_presenters(deck_id, frame)
            return
        if had_error:
            log.info("deck %s loads again", deck_id)
        deck = self._library.get(deck_id)
        for warning in deck.warnings if deck else ():
            log.warning("deck %s: %s", deck_id, warning)
        self._hub.broadcast(deck_id, protocol.reload())
        self._hub.broadcast_presenters(deck_id, protocol.deck_status(None))
        if self._on_reloaded is not None:
            self._on_reloaded(deck_id)
