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
from presenter.core.decks import Deck, markdown_deck
from presenter.core.errors import Unavailable
from presenter.core.questions import Question
from presenter.core.session import Event, Item, Snapshot
from presenter.core.state import SlideState
from presenter.hub import Hub
from presenter.interaction import Interaction
from presenter.library import themes_in
from presenter.livestate import LiveState
from tests.helpers import ROOT, TIMEOUT_FACTOR
from tests.redis_support import RedisServer, SlowProxy
from tests.unit.fakes import FakeConnection

DECKS = ["talk", "other"]
THEMES = themes_in(ROOT / "node_modules" / "reveal.js" / "dist", ROOT / "node_modules")


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


async def test_items_are_stored_heard_and_loaded(make_live: MakeLive) -> None:
    process = await make_live()
    backend = process.live.backend
    heard: list[Item] = []
    process.live.listen(items=heard.append)
    assert await backend.put_item("talk", "q", "a", {"text": "first"}) is True
    assert await backend.put_item("talk", "q", "a", {"text": "first"}) is False  # no change
    assert await backend.put_item("talk", "q", "b", {"text": "second"}) is True
    await until(lambda: len(heard) == 2, "two stored items heard")
    assert heard[0] == Item("talk", "q", "a", {"text": "first"})
    loaded = {item.key: item.value for item in await backend.load_items("talk")}
    assert loaded == {"a": {"text": "first"}, "b": {"text": "second"}}
    assert await backend.load_items("other") == []
    assert await backend.put_item("talk", "q", "a", None) is True  # deleted
    await until(lambda: len(heard) == 3, "the deletion heard")
    assert heard[2].value is None
    assert [item.key for item in await backend.load_items("talk")] == ["b"]


async def test_events_are_heard_and_never_stored(make_live: MakeLive) -> None:
    process = await make_live()
    heard: list[Event] = []
    process.live.listen(events=heard.append)
    event = Event("talk", "reactions", {"👏": 2}, "origin-1")
    await process.live.backend.publish(event)
    await until(lambda: heard == [event], "the event")
    assert await process.live.backend.load_items("talk") == []
    assert await process.live.backend.load("talk", "reactions") is None


def question_deck(deck_id: str) -> Deck:
    return markdown_deck(deck_id, Path(deck_id), "# Q&A\n", Path("slides.md"), THEMES)


@pytest.mark.parametrize("storage", ["redis"], indirect=True)  # SQLite is one process's
async def test_questions_stored_while_a_process_was_deaf_reach_it_when_it_hears_again(
    storage: Storage,
) -> None:
    assert storage.redis is not None
    # This process reaches Redis through a proxy that can cut it off; the other directly.
    proxy = SlowProxy(storage.redis.port, delay=0.0, fast=0)
    hub = Hub(presence_interval=60)
    live = LiveState(RedisBackend(proxy.url, retry=0.05), hub)
    interaction = Interaction(live.backend, hub, question_deck, flush_interval=0.01)
    statuses: list[bool] = []
    live.listen(interaction.heard_record, interaction.heard_item, status=statuses.append)
    live.listen(status=interaction.backend_status)
    other = RedisBackend(storage.redis.url, retry=0.05)
    await live.start(DECKS)
    await other.start(lambda _: None, lambda _: None)
    try:
        await interaction.start(["talk"])
        assert await interaction.questions_export("talk") == []
        proxy.cut()
        await until(lambda: statuses[-1:] == [False], "this process cut off")
        asked = Question("q1", "Asked meanwhile?", "", 1, "someone")
        await other.put_item("talk", "q", "q1", asked.to_json())
        proxy.mend()
        await until(lambda: statuses[-1:] == [True], "this process hearing again")
        deadline = asyncio.get_running_loop().time() + 5 * TIMEOUT_FACTOR
        while not await interaction.questions_export("talk"):
            assert asyncio.get_running_loop().time() < deadline, "the question was never read"
            await asyncio.sleep(0.02)
        assert [q["id"] for q in await interaction.questions_export("talk")] == ["q1"]
    finally:
        interaction.stop()
        await other.stop()
        hub.close()
        await live.stop()
        proxy.close()
