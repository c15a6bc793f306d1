"""Fixtures for the pytest-tornado suite: the real application, built by make_app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tornado.ioloop
import tornado.web

from presenter.app import make_app
from presenter.library import discover
from presenter.settings import Settings
from tests.helpers import SECRET, write_decks


@pytest.fixture
def app(io_loop: tornado.ioloop.IOLoop, tmp_path: Path) -> Iterator[tornado.web.Application]:
    """The application pytest-tornado's ``http_server`` serves (state in a tmp dir)."""
    settings = Settings(
        decks=discover(write_decks(tmp_path / "decks")),
        secret=SECRET,
        state_dir=tmp_path / "state",
    )
    settings.state_dir.mkdir()
    server = make_app(settings)
    io_loop.run_sync(server.start)
    try:
        yield server.app
    finally:
        io_loop.run_sync(server.stop)
