"""One failing connection never reaches the others: broadcasts and keep-alive rounds
carry on, and the connection that raised is forgotten and dropped."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from presenter.core.frames import Frame
from presenter.hub import Hub
from tests.unit.fakes import FakeConnection, frame, until

PRESENCE = 0.01
# Every heartbeat in this module takes the next number: their order, whatever the clock.
ORDER = itertools.count()
STATE = frame('{"type":"state","seq":1,"state":{}}')


class Boom(RuntimeError):
    """What a broken connection raises."""


@dataclass(eq=False)
class BrokenConnection(FakeConnection):
    """A connection whose ``push`` raises (a bug in a handler, a socket in a bad state)."""

    attempts: int = 0

    def push(self, frame: Frame) -> None:
        self.attempts += 1
        raise Boom("push failed")


@dataclass(eq=False)
class BrokenEverywhere(BrokenConnection):
    """A connection whose ``drop`` raises as well."""

    def drop(self) -> None:
        self.dropped = True
        raise Boom("drop failed")


@dataclass(eq=False)
class FakeStream(FakeConnection):
    """A streamed connection that records when each heartbeat came, and in which order."""

    beats: list[float] = field(default_factory=list)
    order: list[int] = field(default_factory=list)
    joined: int = -1  # the ORDER number taken when it was added, if a test cares

    def heartbeat(self) -> None:
        self.beats.append(asyncio.get_running_loop().time())
        self.order.append(next(ORDER))


@dataclass(eq=False)
class BrokenStream(FakeStream):
    """A streamed connection whose ``heartbeat`` raises."""

    def heartbeat(self) -> None:
        super().heartbeat()
        raise Boom("heartbeat failed")


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = Hub(presence_interval=PRESENCE)
    try:
        yield hub
    finally:
        hub.close()


# --- broadcasts ---------------------------------------------------------------------


async def test_a_push_that_raises_does_not_stop_a_broadcast(hub: Hub) -> None:
    # The hub keeps a set, so the order is arbitrary: with bad connections spread
    # among good ones, good ones almost always come after a bad one (and a broadcast
    # that lets the exception out fails this test whatever the order).
    good = [FakeConnection("a") for _ in range(6)]
    bad = [BrokenConnection("a") for _ in range(3)]
    for conn in [*good[:2], *bad, *good[2:]]:
        hub.add(conn)
    other_deck = FakeConnection("b")
    hub.add(other_deck)
    assert hub.audience_count("a") == 9

    hub.broadcast("a", STATE)  # must not raise

    assert all(conn.frames == [STATE.text] for conn in good), [c.frames for c in good]
    assert all(conn.attempts == 1 and conn.dropped for conn in bad)
    assert set(hub.connections("a")) == set(good)
    assert hub.audience_count("a") == 6
    assert other_deck.frames == [] and not other_deck.dropped
    assert not any(conn.dropped for conn in good)

    # The bad ones are forgotten: the next broadcast does not try them again.
    hub.broadcast("a", frame('{"type":"reload"}'))
    assert all(conn.attempts == 1 for conn in bad)
    assert all(conn.frames == [STATE.text, '{"type":"reload"}'] for conn in good)


async def test_a_broadcast_given_a_ready_frame_also_survives_a_bad_push(hub: Hub) -> None:
    first, bad, last = FakeConnection("a"), BrokenConnection("a"), FakeConnection("a")
    for conn in (first, bad, last):
        hub.add(conn)
    ready = STATE
    hub.broadcast("a", ready)
    assert first.pushed == [ready] and last.pushed == [ready]
    assert bad.dropped
    assert hub.connections("a") in ((first, last), (last, first))


async def test_a_connection_whose_drop_raises_too_is_still_forgotten(hub: Hub) -> None:
    good = [FakeConnection("a") for _ in range(4)]
    worst = BrokenEverywhere("a")
    for conn in [good[0], good[1], worst, good[2], good[3]]:
        hub.add(conn)
    hub.broadcast("a", STATE)
    assert worst.dropped
    assert all(conn.frames == [STATE.text] for conn in good)
    assert worst not in hub.connections("a")
    assert hub.audience_count("a") == 4


async def test_the_last_connection_of_a_deck_failing_leaves_no_deck(hub: Hub) -> None:
    bad = BrokenConnection("a")
    hub.add(bad)
    hub.broadcast("a", STATE)
    assert bad.dropped
    assert hub.connections("a") == ()
    assert hub.decks() == []
    assert hub.audience_count("a") == 0


async def test_presenters_learn_the_audience_shrank_when_a_bad_one_is_dropped(hub: Hub) -> None:
    presenter = FakeConnection("a", "presenter")
    audience = [FakeConnection("a") for _ in range(3)]
    bad = BrokenConnection("a")
    for conn in [presenter, *audience, bad]:
        hub.add(conn)
    await until(lambda: presenter.presence() == [4], "presence of 4")
    hub.broadcast("a", STATE)
    assert bad.dropped
    await until(lambda: presenter.presence() == [4, 3], "presence of 3 after the drop")
    assert presenter.states() and all(conn.states() for conn in audience)


async def test_a_presenter_push_that_raises_does_not_stop_broadcast_presenters(
    hub: Hub,
) -> None:
    presenters = [FakeConnection("a", "presenter") for _ in range(4)]
    bad = [BrokenConnection("a", "presenter") for _ in range(2)]
    audience = FakeConnection("a")
    for conn in [presenters[0], bad[0], presenters[1], audience, bad[1], *presenters[2:]]:
        hub.add(conn)
    status = frame('{"type":"deck_status","ok":true,"error":null,"line":null}')

    hub.broadcast_presenters("a", status)  # must not raise

    assert all(conn.frames == [status.text] for conn in presenters)
    assert all(conn.dropped and conn.attempts == 1 for conn in bad)
    assert audience.frames == [] and not audience.dropped
    assert set(hub.connections("a")) == {*presenters, audience}
    assert hub.audience_count("a") == 1
    hub.broadcast_presenters("a", status)
    assert all(conn.attempts == 1 for conn in bad)
    assert all(len(conn.frames) == 2 for conn in presenters)


async def test_a_presenter_that_raises_on_presence_is_dropped_and_others_get_it(
    hub: Hub,
) -> None:
    # Presence frames go out from a timer through broadcast_presenters: an
    # exception there would also have lost the frame for every later presenter.
    good = [FakeConnection("a", "presenter") for _ in range(3)]
    bad = BrokenConnection("a", "presenter")
    for conn in [good[0], bad, good[1], good[2], FakeConnection("a"), FakeConnection("a")]:
        hub.add(conn)
    await until(lambda: bad.dropped, "the bad presenter dropped")
    await until(lambda: all(conn.presence() for conn in good), "presence for all")
    assert all(conn.presence()[0] == 2 for conn in good), [c.presence() for c in good]
    assert bad not in hub.connections("a")


async def test_a_failed_audience_connection_is_removed_from_its_keepalive_too(hub: Hub) -> None:
    # A stream that fails during a broadcast must not be pinged afterwards either.
    @dataclass(eq=False)
    class BrokenPushStream(FakeStream):
        def push(self, frame: Frame) -> None:
            raise Boom("push failed")

    every = 0.2
    bad = BrokenPushStream("a")
    good = FakeStream("a")
    hub.add_stream(bad, every)
    hub.add_stream(good, every)
    hub.broadcast("a", STATE)
    assert bad.dropped
    assert hub.connections("a") == (good,)
    await until(lambda: len(good.beats) >= 2, "two heartbeats for the good stream")
    assert bad.beats == []


# --- keep-alive ---------------------------------------------------------------------


async def test_a_heartbeat_that_raises_does_not_stop_the_keepalive(hub: Hub) -> None:
    every = 0.2
    bad = BrokenStream("a")
    # The wheel places members round-robin over four slots: some of these share
    # the bad one's slot, so its exception is met in the middle of a tick.
    good = [FakeStream("a") for _ in range(8)]
    hub.add_stream(bad, every)
    for stream in good:
        hub.add_stream(stream, every)
    assert hub.audience_count("a") == 9

    await until(lambda: bad.dropped, "the stream whose heartbeat raises dropped")
    assert len(bad.beats) == 1
    assert bad not in hub.connections("a")
    assert hub.audience_count("a") == 8

    # Every good member gets its beat in the round that met the exception...
    await until(lambda: all(s.beats for s in good), "a first heartbeat for all")
    # ...and in the rounds after it.
    counts = [len(s.beats) for s in good]
    await until(
        lambda: all(len(s.beats) >= n + 2 for s, n in zip(good, counts, strict=True)),
        "two more heartbeats for every good stream",
    )
    assert len(bad.beats) == 1, "a dropped stream must not be pinged again"
    assert not any(s.dropped for s in good)


async def test_several_failing_heartbeats_in_one_round(hub: Hub) -> None:
    every = 0.2
    streams: list[FakeStream] = []
    for n in range(12):
        streams.append(BrokenStream("a") if n % 3 == 0 else FakeStream("a"))
    for stream in streams:
        hub.add_stream(stream, every)
    bad = [s for s in streams if isinstance(s, BrokenStream)]
    good = [s for s in streams if not isinstance(s, BrokenStream)]
    await until(lambda: all(s.dropped for s in bad), "every failing stream dropped")
    await until(lambda: all(len(s.beats) >= 3 for s in good), "three beats each")
    assert set(hub.connections("a")) == set(good)
    assert all(len(s.beats) == 1 for s in bad)


async def test_a_stream_whose_heartbeat_raises_in_another_deck_leaves_this_one_alone(
    hub: Hub,
) -> None:
    every = 0.2
    bad = BrokenStream("b")
    good = FakeStream("a")
    hub.add_stream(bad, every)
    hub.add_stream(good, every)
    await until(lambda: bad.dropped, "the failing stream dropped")
    assert hub.decks() == ["a"]
    seen = len(good.beats)
    await until(lambda: len(good.beats) >= seen + 2, "more heartbeats for deck a")


def join(hub: Hub, every: float) -> FakeStream:
    stream = FakeStream("a", joined=next(ORDER))
    hub.add_stream(stream, every)
    return stream


def between(stream: FakeStream, after: int, before: int) -> int:
    """How many heartbeats ``stream`` got after ORDER number ``after`` and before ``before``."""
    return sum(1 for n in stream.order if after < n < before)


async def test_the_first_heartbeat_comes_within_one_interval_of_joining(hub: Hub) -> None:
    # Members join at different moments of the wheel's turn: right after each
    # member of a crowd got its first heartbeat, so just after every tick. Each
    # must be pinged before the wheel has gone round once (before any member of
    # the crowd gets its second heartbeat after the join), or a socket that stopped
    # answering would outlive two intervals. Heartbeats are compared by order, not
    # by the clock, so a loaded machine cannot make this flaky.
    every = 0.4
    crowd = [join(hub, every) for _ in range(8)]
    joiners: list[FakeStream] = []
    for member in crowd:
        await until(lambda m=member: bool(m.order), "a crowd member's heartbeat")
        joiners.append(join(hub, every))
    last = joiners[-1].joined
    await until(
        lambda: all(between(m, last, 1 << 62) >= 2 for m in crowd),
        "two turns of the wheel after the last join",
    )
    for n, joiner in enumerate(joiners):
        assert joiner.order, f"joiner {n} never got a heartbeat"
        first = joiner.order[0]
        seconds = [[o for o in m.order if o > joiner.joined][1] for m in crowd]
        assert first < min(seconds), (
            f"joiner {n} waited more than a turn: first heartbeat #{first}, "
            f"the crowd's second ones after it joined #{sorted(seconds)}"
        )


async def test_heartbeats_come_once_per_interval(hub: Hub) -> None:
    every = 0.4
    streams = [join(hub, every) for _ in range(6)]
    # A late joiner, once the wheel turns.
    await until(lambda: any(s.order for s in streams), "the wheel turning")
    streams.append(join(hub, every))
    await until(lambda: all(len(s.order) >= 4 for s in streams), "four heartbeats each")
    for stream in streams:
        # Never more often than the interval: a timer may be late, not early.
        gaps = [b - a for a, b in zip(stream.beats, stream.beats[1:], strict=False)]
        assert all(gap >= every * 0.9 for gap in gaps), f"gaps {gaps}"
        # Between two heartbeats of one member, every other member gets exactly one:
        # all are pinged at the same rate, none skipped, none twice.
        for a, b in zip(stream.order, stream.order[1:], strict=False):
            for other in streams:
                if other is not stream and other.joined < a:
                    assert between(other, a, b) == 1, (stream.order, other.order)
