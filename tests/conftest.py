"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.testing

from presenter.app import Server, make_app
from presenter.library import discover
from presenter.settings import Settings
from tests.helpers import SECRET, write_decks


@pytest.fixture(autouse=True, scope="session")
def _state_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Servers started without --state-dir keep their state here, not in the user's home."""
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state-home"))


@pytest.fixture
def deck_root(tmp_path: Path) -> Path:
    """A folder with the ``md`` and ``html`` test decks."""
    return write_decks(tmp_path / "decks")


@dataclass
class LiveServer:
    """An in-process server on 127.0.0.1 and a free port."""

    server: Server
    port: int
    settings: Settings

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, deck: str) -> str:
        return f"ws://127.0.0.1:{self.port}/decks/{deck}/ws"


@pytest.fixture
async def live_server(deck_root: Path, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """Serve ``deck_root`` in this process (presence every 50 ms for fast tests)."""
    sock, port = tornado.testing.bind_unused_port()
    settings = Settings(
        decks=discover(deck_root),
        secret=SECRET,
        state_dir=tmp_path / "state",
        port=port,
        presence_interval=0.05,
    )
    settings.state_dir.mkdir()
    server = make_app(settings)
    await server.start()
    http = server.serve([sock])
    try:
        yield LiveServer(server, port, settings)
    finally:
        http.stop()
        await http.close_all_connections()
        await server.stop()
