"""The hub's streamed (SSE) connections: heartbeats while open, none after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from presenter.hub import Hub
from tests.unit.fakes import FakeConnection, frame

EVERY = 0.02


@dataclass(eq=False)
class FakeStream(FakeConnection):
    """A streamed connection that counts its heartbeats."""

    beats: int = 0

    def heartbeat(self) -> None:
        self.beats += 1


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = Hub(presence_interval=0.01)
    try:
        yield hub
    finally:
        hub.close()


async def test_a_stream_gets_heartbeats(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, EVERY)
    assert stream.beats == 0  # nothing synchronously
    await asyncio.sleep(EVERY * 10)
    assert stream.beats >= 3


async def test_a_stream_is_a_connection_of_its_deck(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, 60.0)
    assert hub.connections("a") == (stream,)
    assert hub.audience_count("a") == 1
    hub.broadcast("a", frame('{"type":"reload"}'))
    assert stream.frames == ['{"type":"reload"}']


async def test_remove_stream_stops_its_heartbeats(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, EVERY)
    await asyncio.sleep(EVERY * 4)
    hub.remove_stream(stream)
    seen = stream.beats
    await asyncio.sleep(EVERY * 6)
    assert stream.beats == seen
    assert hub.connections("a") == ()
    assert hub.audience_count("a") == 0


async def test_other_streams_keep_beating_after_one_leaves(hub: Hub) -> None:
    first, second = FakeStream("a"), FakeStream("b")
    hub.add_stream(first, EVERY)
    hub.add_stream(second, EVERY)
    await asyncio.sleep(EVERY * 4)
    hub.remove_stream(first)
    before_first, before_second = first.beats, second.beats
    await asyncio.sleep(EVERY * 6)
    assert first.beats == before_first
    assert second.beats >= before_second + 2


async def test_a_new_stream_after_all_left_gets_heartbeats_again(hub: Hub) -> None:
    first = FakeStream("a")
    hub.add_stream(first, EVERY)
    hub.remove_stream(first)
    await asyncio.sleep(EVERY * 4)  # the timer fires once, finds nobody and stops
    second = FakeStream("a")
    hub.add_stream(second, EVERY)
    await asyncio.sleep(EVERY * 8)
    assert first.beats == 0
    assert second.beats >= 2


async def test_plain_connections_get_no_heartbeat(hub: Hub) -> None:
    stream = FakeStream("a")
    plain = FakeStream("a")
    hub.add(plain)  # registered as a WebSocket would be
    hub.add_stream(stream, EVERY)
    await asyncio.sleep(EVERY * 5)
    assert stream.beats >= 2
    assert plain.beats == 0


async def test_close_cancels_the_heartbeat(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, EVERY)
    hub.close()
    await asyncio.sleep(EVERY * 5)
    assert stream.beats == 0


async def test_remove_stream_of_an_unknown_stream_is_harmless(hub: Hub) -> None:
    hub.remove_stream(FakeStream("never"))
    assert hub.decks() == []


@pytest.mark.parametrize("members", [1, 3, 12])
async def test_heartbeats_come_about_once_per_interval(hub: Hub, members: int) -> None:
    # Spreading heartbeats over the interval must not make them more frequent: a
    # WebSocket that missed one ping is dropped at the next, so each member must get
    # about one per interval, however few members there are.
    every = 0.2
    streams = [FakeStream("a") for _ in range(members)]
    for stream in streams:
        hub.add_stream(stream, every)
    await asyncio.sleep(every * 3.3)
    beats = [stream.beats for stream in streams]
    assert all(2 <= b <= 4 for b in beats), f"{beats} heartbeats in {every * 3.3:.2f}s"


async def test_a_zero_interval_means_no_heartbeats(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, 0)
    await asyncio.sleep(0.1)
    assert stream.beats == 0
    assert hub.connections("a") == (stream,)
