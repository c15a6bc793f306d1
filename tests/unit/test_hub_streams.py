"""The hub's streamed (SSE) connections: heartbeats while open, none after."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from presenter.hub import Hub
from tests.unit.fakes import FakeConnection, frame, until

EVERY = 0.02
# Every heartbeat in this module takes the next number: their order, whatever the clock.
ORDER = itertools.count()


@dataclass(eq=False)
class FakeStream(FakeConnection):
    """A streamed connection that counts its heartbeats, and notes when and in which
    order (across every stream of the module) each came."""

    beats: int = 0
    times: list[float] = field(default_factory=list)
    order: list[int] = field(default_factory=list)

    def heartbeat(self) -> None:
        self.beats += 1
        self.times.append(asyncio.get_running_loop().time())
        self.order.append(next(ORDER))


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = Hub(presence_interval=0.01)
    try:
        yield hub
    finally:
        hub.close()


async def first_tick_done(every: float) -> None:
    """Return once the first keep-alive tick of every ``every`` group started before
    has run: a group started now (on a hub of its own) ticks first after them, as
    asyncio runs timers in the order they are due."""
    other = Hub()
    marker = FakeStream("marker")
    other.add_stream(marker, every)
    try:
        await until(lambda: marker.beats >= 1, "the marker's heartbeat")
    finally:
        other.close()


async def test_a_stream_gets_heartbeats(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, EVERY)
    assert stream.beats == 0  # nothing synchronously
    await until(lambda: stream.beats >= 3, "three heartbeats")


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
    witness = FakeStream("z")  # the next slot of the same wheel
    hub.add_stream(witness, EVERY)
    await until(lambda: stream.beats >= 1, "a heartbeat")
    hub.remove_stream(stream)
    seen, turns = stream.beats, witness.beats
    # Two more beats of the witness: the wheel went past the removed stream's slot.
    await until(lambda: witness.beats >= turns + 2, "a turn of the wheel")
    assert stream.beats == seen
    assert hub.connections("a") == ()
    assert hub.audience_count("a") == 0


async def test_other_streams_keep_beating_after_one_leaves(hub: Hub) -> None:
    first, second = FakeStream("a"), FakeStream("b")
    hub.add_stream(first, EVERY)
    hub.add_stream(second, EVERY)
    await until(lambda: first.beats >= 1 and second.beats >= 1, "heartbeats")
    hub.remove_stream(first)
    before_first, before_second = first.beats, second.beats
    await until(lambda: second.beats >= before_second + 2, "two more heartbeats")
    assert first.beats == before_first


async def test_a_new_stream_after_all_left_gets_heartbeats_again(hub: Hub) -> None:
    first = FakeStream("a")
    hub.add_stream(first, EVERY)
    hub.remove_stream(first)
    await first_tick_done(EVERY)  # the timer fired once, found nobody and stopped
    second = FakeStream("a")
    hub.add_stream(second, EVERY)
    await until(lambda: second.beats >= 2, "two heartbeats")
    assert first.beats == 0


async def test_plain_connections_get_no_heartbeat(hub: Hub) -> None:
    stream = FakeStream("a")
    plain = FakeStream("a")
    hub.add(plain)  # registered as a WebSocket would be
    hub.add_stream(stream, EVERY)
    await until(lambda: stream.beats >= 2, "two heartbeats")  # a whole turn of the wheel
    assert plain.beats == 0


async def test_close_cancels_the_heartbeat(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, EVERY)
    hub.close()
    await first_tick_done(EVERY)  # the cancelled first tick would have run by now
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
    await until(lambda: all(s.beats >= 4 for s in streams), "four heartbeats each")
    for stream in streams:
        # Never more often than the interval: a timer may be late, never early.
        gaps = [b - a for a, b in zip(stream.times, stream.times[1:], strict=False)]
        assert all(gap >= every * 0.9 for gap in gaps), f"gaps {gaps}"
        # Nor less often: between two heartbeats of one member, every other member
        # gets exactly one (compared by order, so a loaded machine cannot fail it).
        for a, b in zip(stream.order, stream.order[1:], strict=False):
            for other in streams:
                if other is not stream:
                    assert sum(1 for n in other.order if a < n < b) == 1, (stream, other)


async def test_a_zero_interval_means_no_heartbeats(hub: Hub) -> None:
    stream = FakeStream("a")
    hub.add_stream(stream, 0)
    witness = FakeStream("z")
    hub.add_stream(witness, EVERY)
    await until(lambda: witness.beats >= 2, "the witness's heartbeats")
    assert stream.beats == 0
    assert hub.connections("a") == (stream,)
