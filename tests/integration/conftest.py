"""Integration fixtures: in-process servers built with custom settings."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tornado.httpserver
import tornado.testing

from presenter.app import make_app
from presenter.library import discover
from presenter.settings import Settings
from tests.conftest import LiveServer
from tests.helpers import SECRET
from tests.redis_support import RedisServer, redis_server_path
from tests.redis_support import redis_server as run_redis_server

MakeServer = Callable[..., Awaitable[LiveServer]]


@pytest.fixture
async def make_server(deck_root: Path, tmp_path: Path) -> AsyncIterator[MakeServer]:
    """Build extra in-process servers, like ``live_server`` but with other settings.

    Call ``await make_server(decks=..., **settings)``. ``Settings.port`` is the port the
    server really listens on unless given. Background work (the deck watcher of
    ``watch=True``) is started, and every server is stopped at teardown.
    """
    started: list[tuple[tornado.httpserver.HTTPServer, LiveServer]] = []

    async def build(decks: dict[str, Path] | None = None, **overrides: Any) -> LiveServer:
        sock, port = tornado.testing.bind_unused_port()
        values: dict[str, Any] = {
            "decks": decks if decks is not None else discover(deck_root),
            "secret": SECRET,
            "state_dir": tmp_path / f"state-{len(started)}",
            "presence_interval": 0.05,
            "port": port,
            **overrides,
        }
        try:
            values["state_dir"].mkdir(parents=True, exist_ok=True)
            settings = Settings(**values)
            server = make_app(settings)
        except BaseException:
            sock.close()
            raise
        http = server.serve([sock])
        live = LiveServer(server, port, settings)
        started.append((http, live))
        await server.start()
        return live

    try:
        yield build
    finally:
        for http, live in started:
            http.stop()
            await http.close_all_connections()
            await live.server.stop()


def _redis_or_skip(workdir: Path) -> contextlib.AbstractContextManager[RedisServer]:
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return run_redis_server(workdir)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A throwaway redis-server on 127.0.0.1 for one test; ``.url``, ``.stop()``, ``.start()``
    and ``.restart()`` (same port, empty). Always killed at teardown."""
    with _redis_or_skip(tmp_path / "redis") as server:
        yield server
