"""The real server, run inside this process for a moment: what ``presenter
export`` and ``presenter pdf`` read their pages from.

It listens on a free port of 127.0.0.1 only, with its live state in a
temporary folder (so every deck is on its first slide, and no state of a
``presenter serve`` is read or changed) and a random token nobody sees.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from presenter import listener
from presenter.app import Server, make_app
from presenter.library import DeckLibrary
from presenter.settings import Settings


@dataclass(frozen=True)
class Running:
    """A server answering on ``base`` (``http://127.0.0.1:PORT``)."""

    base: str
    server: Server
    secret: str


@asynccontextmanager
async def running(
    decks: dict[str, Path], library: DeckLibrary, root: Path | None = None
) -> AsyncIterator[Running]:
    """Serve ``decks`` (already loaded in ``library``) until the block ends.

    Call from a running asyncio loop. The access log is quieted to errors: the
    pages fetched are the caller's business, not the user's.

    Raises:
        OSError: no port can be bound on 127.0.0.1.
        sqlite3.Error: the temporary state database cannot be made.
    """
    logging.getLogger("presenter.access").setLevel(logging.ERROR)
    secret = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="presenter-") as state:
        sockets = listener.bind("127.0.0.1", 0)
        try:
            settings = Settings(
                decks=decks,
                secret=secret,
                state_dir=Path(state),
                port=int(sockets[0].getsockname()[1]),
                root=root,
                watch=False,
            )
            server = make_app(settings, library=library)
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
        http = server.serve(sockets)
        try:
            await server.start()
            yield Running(f"http://127.0.0.1:{settings.port}", server, secret)
        finally:
            http.stop()
            await http.close_all_connections()
            await server.stop()
