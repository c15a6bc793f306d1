"""The live layer, the same tests against both backends (SQLite alone, and Redis).

Each test gets ``make_live``: it builds a :class:`LiveState` (with its own hub)
on shared storage, as a process would; two of them are two processes of one
server (Redis) or one process restarted on the same state dir (SQLite).
Redis cases skip only when ``redis-server`` is not installed (``make test``
installs it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from presenter.backend import Backend
from presenter.backend.local import LocalBackend, SqliteStore
from presenter.backend.redis import RedisBackend
from presenter.core.errors import Unavailable
from presenter.core.session import Snapshot
from presenter.core.state import SlideState
from presenter.hub import Hub
from presenter.livestate import LiveState
from tests.helpers import TIMEOUT_FACTOR
from tests.redis_support import RedisServer
from tests.unit.fakes import FakeConnection

DECKS = ["talk", "other"]


@dataclass
class Process:
    """One LiveState with its hub and a socket on each deck."""

    live: LiveState
    hub: Hub
    sockets: dict[str, FakeConnection]

    def states(self, deck: str = "talk") -> list[dict[str, Any]]:
        return self.sockets[deck].states()


MakeLive = Callable[[], Awaitable[Process]]


@dataclass
class Storage:
    kind: str
    backend: Callable[[], Backend]
    redis: RedisServer | None = None
    path: Path | None = None


@pytest.fixture(params=["local", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return Storage("redis", lambda: RedisBackend(server.url, retry=0.05), redis=server)
    path = tmp_path / "state.sqlite3"
    return Storage("local", lambda: LocalBackend(SqliteStore(path, busy_timeout=0.3)), path=path)


@pytest.fixture
async def make_live(storage: Storage) -> AsyncIterator[MakeLive]:
    started: list[Process] = []

    async def make() -> Process:
        hub = Hub(presence_interval=60)
        live = LiveState(storage.backend(), hub)
        sockets = {deck: FakeConnection(deck) for deck in DECKS}
        for conn in sockets.values():
            hub.add(conn)
        await live.start(DECKS)
        process = Process(live, hub, sockets)
        started.append(process)
        return process

    try:
        yield make
    finally:
        for process in started:
            process.hub.close()
            await process.live.stop()


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + 5 * TIMEOUT_FACTOR
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_a_change_is_stored_then_reaches_the_sockets(make_live: MakeLive) -> None:
    process = await make_live()
    state = SlideState(indexh=2, indexf=0)
    snapshot = await process.live.set_state("talk", state)
    assert snapshot == Snapshot("talk", 1, state)
    assert process.live.snapshot("talk") == snapshot
    await until(lambda: len(process.states()) == 1, "the broadcast")
    assert process.states() == [{"type": "state", "seq": 1, "state": state.to_json()}]
    # Only to that deck's sockets: the other deck's first state is its own change.
    other = SlideState(indexh=5)
    await process.live.set_state("other", other)
    await until(lambda: len(process.states("other")) == 1, "the other deck's broadcast")
    assert process.states("other") == [{"type": "state", "seq": 1, "state": other.to_json()}]
    assert len(process.states()) == 1


async def test_an_unchanged_state_neither_bumps_seq_nor_broadcasts(make_live: MakeLive) -> None:
    process = await make_live()
    assert await process.live.set_state("talk", SlideState()) == Snapshot("talk")
    await process.live.set_state("talk", SlideState(indexh=1))
    again = await process.live.set_state("talk", SlideState(indexh=1))
    assert again.seq == 1
    await until(lambda: len(process.states()) == 1, "the broadcast")
    await process.live.set_state("talk", SlideState(indexh=2))
    await until(lambda: len(process.states()) == 2, "the second broadcast")
    assert [f["seq"] for f in process.states()] == [1, 2]


async def test_every_change_bumps_seq_by_one_per_deck(make_live: MakeLive) -> None:
    process = await make_live()
    for h in (1, 2, 3, 2):
        await process.live.set_state("talk", SlideState(indexh=h))
    assert (await process.live.set_state("other", SlideState(indexh=1))).seq == 1
    await until(lambda: len(process.states()) == 4, "four broadcasts")
    assert [f["seq"] for f in process.states()] == [1, 2, 3, 4]
    assert [f["state"]["indexh"] for f in process.states()] == [1, 2, 3, 2]
    assert process.live.snapshot("talk").seq == 4


async def test_concurrent_changes_are_numbered_and_sent_in_order(make_live: MakeLive) -> None:
    process = await make_live()
    results = await asyncio.gather(
        *(process.live.set_state("talk", SlideState(indexh=h)) for h in range(1, 21))
    )
    assert sorted(r.seq for r in results) == list(range(1, 21))
    await until(lambda: len(process.states()) == 20, "twenty broadcasts")
    assert [f["seq"] for f in process.states()] == list(range(1, 21))


async def test_a_new_process_resumes_at_the_stored_seq(make_live: MakeLive) -> None:
    first = await make_live()
    await first.live.set_state("talk", SlideState(indexh=1))
    await first.live.set_state("talk", SlideState(indexh=4, indexv=2))
    await first.live.stop()  # SQLite: one process at a time on a state dir
    second = await make_live()
    assert second.live.snapshot("talk") == Snapshot("talk", 2, SlideState(indexh=4, indexv=2))
    assert (await second.live.set_state("talk", SlideState(indexh=5))).seq == 3


async def test_a_change_that_cannot_be_stored_is_unavailable_and_not_sent(
    make_live: MakeLive, storage: Storage
) -> None:
    process = await make_live()
    await process.live.set_state("talk", SlideState(indexh=1))
    await until(lambda: len(process.states()) == 1, "the first broadcast")
    if storage.redis is not None:
        storage.redis.stop()
        with pytest.raises(Unavailable):
            await process.live.set_state("talk", SlideState(indexh=2))
        storage.redis.start()
    else:
        assert storage.path is not None
        with closing(sqlite3.connect(storage.path, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")
            with pytest.raises(Unavailable):
                await process.live.set_state("talk", SlideState(indexh=2))
            other.execute("ROLLBACK")
    assert process.live.snapshot("talk").seq == 1
    assert len(process.states()) == 1
    # It recovers by itself, and seq goes on from where it was.
    deadline = asyncio.get_running_loop().time() + 10 * TIMEOUT_FACTOR
    while True:
        try:
            snapshot = await process.live.set_state("talk", SlideState(indexh=3))
            break
        except Unavailable:
            assert asyncio.get_running_loop().time() < deadline, "never recovered"
            await asyncio.sleep(0.05)
    assert snapshot.seq == 2
    await until(lambda: len(process.states()) == 2, "the broadcast after recovery")
    # The change that was refused was never sent, not even later.
    assert [f["state"]["indexh"] for f in process.states()] == [1, 3]


@pytest.mark.parametrize("storage", ["redis"], indirect=True)  # SQLite is one process's
async def test_two_processes_share_changes_and_numbering(make_live: MakeLive) -> None:
    first, second = await make_live(), await make_live()
    await first.live.set_state("talk", SlideState(indexh=1))
    # The second process decides from a state it may not have heard of yet:
    # the backend's numbering settles it, no seq is used twice.
    await second.live.set_state("talk", SlideState(indexh=2))
    await first.live.set_state("talk", SlideState(indexh=3))
    for process in (first, second):
        await until(lambda p=process: len(p.states()) == 3, "three broadcasts")
        assert [f["seq"] for f in process.states()] == [1, 2, 3]
        assert process.live.snapshot("talk") == Snapshot("talk", 3, SlideState(indexh=3))
