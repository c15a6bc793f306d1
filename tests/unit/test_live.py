"""Live: validate, persist, then publish through the broker to the hub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from presenter.broker import LocalBroker
from presenter.core.errors import Unavailable
from presenter.core.session import Snapshot
from presenter.core.state import SlideState
from presenter.hub import Hub
from presenter.live import Live
from presenter.store import MemoryStore
from tests.unit.fakes import FakeConnection


class FailingStore(MemoryStore):
    async def save(self, snapshot: Snapshot) -> None:
        raise Unavailable("the state database cannot be written (disk full)")


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = Hub(presence_interval=60)
    try:
        yield hub
    finally:
        hub.close()


async def test_set_state_stores_then_broadcasts(hub: Hub) -> None:
    store = MemoryStore()
    live = Live(store, LocalBroker(), hub)
    conn, other = FakeConnection("talk"), FakeConnection("other")
    hub.add(conn)
    hub.add(other)
    state = SlideState(indexh=2, indexf=0)
    snapshot = await live.set_state("talk", state)
    assert snapshot == Snapshot("talk", 1, state)
    assert live.snapshot("talk") == snapshot
    assert store.load("talk") == snapshot
    assert conn.states() == [{"type": "state", "seq": 1, "state": state.to_json()}]
    assert other.frames == []


async def test_nothing_is_broadcast_when_the_store_fails(hub: Hub) -> None:
    live = Live(FailingStore(), LocalBroker(), hub)
    conn = FakeConnection("talk")
    hub.add(conn)
    before = live.snapshot("talk")
    with pytest.raises(Unavailable):
        await live.set_state("talk", SlideState(indexh=1))
    assert conn.frames == []
    assert live.snapshot("talk") == before == Snapshot("talk")


async def test_unchanged_state_neither_bumps_seq_nor_broadcasts(hub: Hub) -> None:
    store = MemoryStore()
    live = Live(store, LocalBroker(), hub)
    conn = FakeConnection("talk")
    hub.add(conn)
    await live.set_state("talk", SlideState(indexh=1))
    again = await live.set_state("talk", SlideState(indexh=1))
    assert again.seq == 1
    assert len(conn.states()) == 1
    assert store.load("talk") == Snapshot("talk", 1, SlideState(indexh=1))


async def test_initial_state_is_unchanged(hub: Hub) -> None:
    store = MemoryStore()
    live = Live(store, LocalBroker(), hub)
    conn = FakeConnection("talk")
    hub.add(conn)
    assert await live.set_state("talk", SlideState()) == Snapshot("talk")
    assert conn.frames == []
    assert store.load("talk") is None


async def test_each_change_bumps_seq_by_one(hub: Hub) -> None:
    live = Live(MemoryStore(), LocalBroker(), hub)
    conn = FakeConnection("talk")
    hub.add(conn)
    for h in (1, 2, 3, 2):
        await live.set_state("talk", SlideState(indexh=h))
    assert [f["seq"] for f in conn.states()] == [1, 2, 3, 4]
    assert [f["state"]["indexh"] for f in conn.states()] == [1, 2, 3, 2]  # type: ignore[index]


async def test_decks_have_independent_sequences(hub: Hub) -> None:
    live = Live(MemoryStore(), LocalBroker(), hub)
    await live.set_state("a", SlideState(indexh=1))
    await live.set_state("a", SlideState(indexh=2))
    assert (await live.set_state("b", SlideState(indexh=1))).seq == 1
    assert live.snapshot("a").seq == 2


async def test_a_new_live_resumes_at_the_stored_seq(hub: Hub) -> None:
    store = MemoryStore()
    first = Live(store, LocalBroker(), hub)
    await first.set_state("talk", SlideState(indexh=1))
    await first.set_state("talk", SlideState(indexh=4, indexv=2))

    second = Live(store, LocalBroker(), hub)
    assert second.snapshot("talk") == Snapshot("talk", 2, SlideState(indexh=4, indexv=2))
    assert (await second.set_state("talk", SlideState(indexh=5))).seq == 3


async def test_frames_reach_every_process_through_the_broker(hub: Hub) -> None:
    broker = LocalBroker()
    other_hub = Hub(presence_interval=60)
    try:
        live = Live(MemoryStore(), broker, hub)
        Live(MemoryStore(), broker, other_hub)  # a second process sharing the broker
        here, there = FakeConnection("talk"), FakeConnection("talk")
        hub.add(here)
        other_hub.add(there)
        await live.set_state("talk", SlideState(indexh=1))
        assert here.frames == there.frames
        assert len(here.frames) == 1
    finally:
        other_hub.close()
