"""Outbox over a real socket pair: order, backing up, coalescing, slow-client detection."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from tornado.iostream import IOStream

from presenter.core import protocol
from presenter.core.frames import Frame
from presenter.core.state import SlideState
from presenter.outbox import Outbox, unsent
from tests.helpers import TIMEOUT_FACTOR
from tests.wire import WsReader

SMALL_BUFFER = 4096
BIG = 256 * 1024  # far more than the kernel holds for the small buffers above
TIMEOUT = 5.0 * TIMEOUT_FACTOR
# Written last: a frame that is never coalesced or dropped, so every frame written
# before it reaches the reader first.
SENTINEL = Frame('{"type":"sentinel"}', "sentinel")


@dataclass
class Pair:
    """The server side (an IOStream, as Tornado's WebSocket has) and a raw client socket."""

    stream: IOStream
    client: socket.socket
    reader: WsReader = field(default_factory=WsReader)
    slow_calls: int = 0
    slow_at: float | None = None  # the loop time of the first report
    read_upto: int = 0  # frames before this index were returned already

    def on_slow(self) -> None:
        self.slow_calls += 1
        if self.slow_at is None:
            self.slow_at = asyncio.get_running_loop().time()

    def outbox(self, slow_after: float = 60.0, slow_bytes: int = 0) -> Outbox:
        return Outbox(self.stream, self.on_slow, slow_after=slow_after, slow_bytes=slow_bytes)

    async def read_until(
        self, done: Callable[[list[dict[str, Any]]], bool]
    ) -> list[dict[str, Any]]:
        """Read until ``done`` holds for the frames not returned yet; returns them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT * 4
        while not done(self._new()):
            left = deadline - loop.time()
            assert left > 0, f"not within {TIMEOUT * 4:.0f}s; got {self._new()[-3:]}"
            try:
                data = await asyncio.wait_for(loop.sock_recv(self.client, 1 << 16), left)
            except TimeoutError:
                continue
            assert data, "the server side closed"
            self.reader.feed(data)
        frames = self._new()
        self.read_upto = len(self.reader.frames)
        return frames

    def _new(self) -> list[dict[str, Any]]:
        return [json.loads(f.payload) for f in self.reader.frames[self.read_upto :]]

    async def read_through_sentinel(self, outbox: Outbox) -> list[dict[str, Any]]:
        """Write the sentinel; every frame that reaches the reader before it."""
        write(outbox, SENTINEL)
        frames = await self.read_until(lambda got: any(f["type"] == "sentinel" for f in got))
        assert frames[-1]["type"] == "sentinel", frames[-3:]
        return frames[:-1]


async def after_timers(seconds: float) -> None:
    """Return once every timer the loop had due within ``seconds`` has run.

    asyncio runs timers in the order they are due, however late the loop is: a
    timer of ours due just after them runs after them. An ordering, not a guess
    at how long something takes.
    """
    await asyncio.sleep(seconds + 0.001)


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    server, client = socket.socketpair()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
    client.setblocking(False)
    stream = IOStream(server)
    try:
        yield Pair(stream, client)
    finally:
        stream.close()
        client.close()


def state(seq: int, pad: int = 0) -> Frame:
    """A ``state`` frame; ``pad`` bytes of extra JSON make it as big as wanted."""
    text = protocol.state_frame(seq, SlideState(indexh=seq)).text
    if pad:
        text = text[:-1] + f',"pad":"{"x" * pad}"}}'
    return Frame(text, "state", seq)


def other(n: int, pad: int = 0) -> Frame:
    """A frame that is not latest-wins (like ``reload``), numbered ``n``."""
    return Frame(json.dumps({"type": "reload", "n": n, "pad": "y" * pad}), "reload")


def write(outbox: Outbox, frame: Frame) -> None:
    outbox.write(frame.websocket, frame.latest_wins)


async def test_frames_arrive_whole_and_in_order_when_the_reader_reads(pair: Pair) -> None:
    outbox = pair.outbox()
    sizes = [0, 10, 125, 126, 3000, 70_000, 5, 20_000, 1]
    for n, pad in enumerate(sizes * 3):
        write(outbox, other(n, pad))
    received = await pair.read_through_sentinel(outbox)
    assert [f["n"] for f in received] == list(range(len(sizes) * 3))
    assert [len(f["pad"]) for f in received] == sizes * 3
    assert not outbox.backed_up
    assert unsent(pair.stream) == 0


async def test_states_to_a_reader_that_keeps_reading_stay_in_order(pair: Pair) -> None:
    outbox = pair.outbox()
    reading = asyncio.ensure_future(pair.read_until(lambda got: any(f["seq"] == 200 for f in got)))
    for seq in range(1, 201):
        write(outbox, state(seq, pad=2000))
        if seq % 20 == 0:
            await asyncio.sleep(0)  # let the loop flush and the reader read now and then
    received = await reading  # the newest state must always arrive
    assert not outbox.backed_up
    received += await pair.read_through_sentinel(outbox)
    seqs = [f["seq"] for f in received]
    assert seqs == sorted(set(seqs)), "states arrived out of order or twice"
    assert seqs[-1] == 200, "nothing may come after the newest state"


async def test_a_small_write_to_an_idle_socket_goes_straight_to_the_kernel(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, state(1))
    # Nothing was left for Tornado: the bytes are in the kernel already.
    assert not outbox.backed_up
    assert unsent(pair.stream) == 0
    assert [f["seq"] for f in await pair.read_through_sentinel(outbox)] == [1]


async def test_a_reader_that_never_reads_backs_the_outbox_up(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    assert unsent(pair.stream) > 0


async def test_backed_up_states_coalesce_to_the_newest(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, state(1))  # went straight through
    write(outbox, other(0, BIG))  # fills the kernel buffer: backed up from here on
    assert outbox.backed_up
    held = unsent(pair.stream)
    for seq in range(2, 502):
        write(outbox, state(seq, pad=1000))
    # 500 states of ~1 KB each did not queue: Tornado holds no more than before.
    assert unsent(pair.stream) == held
    received = await pair.read_until(lambda got: any(f.get("seq") == 501 for f in got))
    assert not outbox.backed_up
    # Caught up: the sentinel goes straight out, after anything still held.
    received += await pair.read_through_sentinel(outbox)
    kinds = [(f["type"], f.get("seq", f.get("n"))) for f in received]
    assert kinds == [("state", 1), ("reload", 0), ("state", 501)], kinds


async def test_non_latest_wins_frames_are_never_dropped(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    expected_others = [0]
    seq = 0
    for n in range(1, 31):
        for _ in range(5):
            seq += 1
            write(outbox, state(seq, pad=500))
        write(outbox, other(n, pad=3000))
        expected_others.append(n)
    received = await pair.read_until(lambda got: any(f.get("seq") == seq for f in got))
    assert not outbox.backed_up
    received += await pair.read_through_sentinel(outbox)
    assert [f["n"] for f in received if f["type"] == "reload"] == expected_others
    states = [f["seq"] for f in received if f["type"] == "state"]
    assert states == [seq], f"only the newest state should be left, got {states}"


async def test_after_catching_up_frames_flow_directly_again(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, other(0, BIG))
    for seq in range(1, 50):
        write(outbox, state(seq))
    first = await pair.read_until(lambda got: any(f.get("seq") == 49 for f in got))
    assert [f.get("seq") for f in first if f["type"] == "state"] == [49]
    assert not outbox.backed_up
    # Caught up: every later state goes through, none coalesced.
    for seq in range(50, 60):
        write(outbox, state(seq))
        assert not outbox.backed_up
    later = await pair.read_through_sentinel(outbox)
    assert [f["seq"] for f in later] == list(range(50, 60))


async def test_a_reader_that_stays_stalled_is_reported_slow(pair: Pair) -> None:
    loop = asyncio.get_running_loop()
    outbox = pair.outbox(slow_after=0.2, slow_bytes=1000)
    written = loop.time()
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    deadline = written + TIMEOUT
    while not pair.slow_calls:
        assert loop.time() < deadline, "a stalled reader was never reported"
        await asyncio.sleep(0.01)
    assert pair.slow_calls == 1
    assert pair.slow_at is not None
    assert pair.slow_at - written >= 0.2 * 0.99, "reported before slow_after"


async def test_a_reader_that_catches_up_in_time_is_not_reported(pair: Pair) -> None:
    outbox = pair.outbox(slow_after=0.3, slow_bytes=0)
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    received = await pair.read_through_sentinel(outbox)
    assert [f["n"] for f in received] == [0]
    assert not outbox.backed_up
    await after_timers(0.3)  # the slow check has run, and found it caught up
    assert pair.slow_calls == 0


async def test_backed_up_with_little_unsent_is_not_reported(pair: Pair) -> None:
    # More than slow_after backed up, but holding less than slow_bytes: coalescing keeps
    # such a socket bounded, so it is left open (and looked at again later).
    outbox = pair.outbox(slow_after=0.1, slow_bytes=10 * BIG)
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    await after_timers(0.1)  # the slow check has run (and will look again later)
    assert pair.slow_calls == 0
    assert outbox.backed_up


async def test_writes_to_a_closed_stream_are_ignored(pair: Pair) -> None:
    outbox = pair.outbox()
    pair.stream.close()
    write(outbox, state(1))
    write(outbox, other(1))
    assert not outbox.backed_up


@pytest.mark.parametrize("backed_up", [False, True], ids=["idle", "backed-up"])
async def test_writes_after_the_peer_went_away_do_not_raise(
    pair: Pair, caplog: pytest.LogCaptureFixture, backed_up: bool
) -> None:
    # Straight to the kernel (an idle socket), or into Tornado's buffer, whose write
    # then fails in a callback: asyncio and Tornado only log what a callback raises,
    # so the log is where a failure would show.
    caplog.set_level(logging.WARNING)
    outbox = pair.outbox(slow_after=0.1)
    if backed_up:
        write(outbox, other(0, BIG))
        assert outbox.backed_up
    pair.client.close()
    for seq in range(1, 20):
        write(outbox, state(seq, pad=5000))
        write(outbox, other(seq, pad=5000))
    if backed_up:
        # Tornado notices the peer is gone when it writes what it holds.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while not pair.stream.closed():
            assert loop.time() < deadline, "Tornado never noticed the peer went away"
            await asyncio.sleep(0.01)
    await after_timers(0.1)  # and the slow check has run on what is left
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [r.getMessage() for r in errors]
