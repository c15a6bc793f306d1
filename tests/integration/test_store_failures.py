"""A state store that cannot be written never stalls the server and never loses order."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from websockets.asyncio.client import connect

from tests.conftest import LiveServer
from tests.helpers import running_server

from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    authenticate,
    post_state,
    recv,
    recv_type,
    send,
    state,
)


async def test_a_locked_database_is_unavailable_and_the_server_keeps_answering(
    live_server: LiveServer,
) -> None:
    database = live_server.settings.state_dir / "state.sqlite3"
    async with (
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as presenter,
    ):
        await recv(audience)
        await recv(presenter)
        await authenticate(presenter)
        with closing(sqlite3.connect(database, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
            change = asyncio.ensure_future(apost_state(live_server, state(indexh=3)))
            # While the change waits for the lock, the server answers others at once.
            health = await afetch(live_server, "GET", "/healthz")
            assert health.status == 200
            assert not change.done(), "the health check waited for the store"
            refused = await change
            assert refused.status == 503
            assert refused.json()["code"] == "unavailable"
            await send(presenter, {"type": "state", "state": state(indexh=4)})
            error = await recv_type(presenter, "error", timeout=TIMEOUT)
            assert error["code"] == "unavailable"
            other.execute("ROLLBACK")
        # The lock is gone: the next change works by itself and is numbered 1.
        ok = await apost_state(live_server, state(indexh=5))
        assert ok.status == 200
        assert ok.json()["seq"] == 1
        # Nothing that was not stored was sent to anyone: this change is the
        # audience's first frame since its welcome.
        assert await recv(audience) == {"type": "state", "seq": 1, "state": state(indexh=5)}


def test_a_deleted_state_dir_never_makes_seq_go_back(deck_root: Path, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    args = ("--no-watch", "--state-dir", str(state_dir))
    with running_server(deck_root, *args) as server:
        for n in range(1, 4):
            assert post_state(server, state(indexh=n)).json()["seq"] == n
        shutil.rmtree(state_dir)
        assert post_state(server, state(indexh=9)).json()["seq"] == 4
        server.stop(kill=True)
    with running_server(deck_root, *args) as again:
        resp = post_state(again, state(indexh=10))
        assert resp.status == 200
        assert resp.json()["seq"] == 5
