"""Outbox over a real socket pair: order, backing up, coalescing, slow-client detection."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
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
QUIET = 0.2 * TIMEOUT_FACTOR
TIMEOUT = 5.0 * TIMEOUT_FACTOR


@dataclass
class Pair:
    """The server side (an IOStream, as Tornado's WebSocket has) and a raw client socket."""

    stream: IOStream
    client: socket.socket
    reader: WsReader = field(default_factory=WsReader)
    slow_calls: int = 0

    def on_slow(self) -> None:
        self.slow_calls += 1

    def outbox(self, slow_after: float = 60.0, slow_bytes: int = 0) -> Outbox:
        return Outbox(self.stream, self.on_slow, slow_after=slow_after, slow_bytes=slow_bytes)

    async def read_some(self, timeout: float) -> bytes:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.sock_recv(self.client, 1 << 16), timeout)
        except TimeoutError:
            return b""

    async def read_until_quiet(self, quiet: float = QUIET) -> list[dict[str, Any]]:
        """Read until nothing arrives for ``quiet`` seconds; the new frames, decoded."""
        before = len(self.reader.frames)
        deadline = asyncio.get_running_loop().time() + TIMEOUT * 4
        while asyncio.get_running_loop().time() < deadline:
            data = await self.read_some(quiet)
            if not data:
                break
            self.reader.feed(data)
        return [json.loads(f.payload) for f in self.reader.frames[before:]]


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
    received = await pair.read_until_quiet()
    assert [f["n"] for f in received] == list(range(len(sizes) * 3))
    assert [len(f["pad"]) for f in received] == sizes * 3
    assert not outbox.backed_up
    assert unsent(pair.stream) == 0


async def test_states_to_a_reader_that_keeps_reading_stay_in_order(pair: Pair) -> None:
    outbox = pair.outbox()
    reading = asyncio.ensure_future(pair.read_until_quiet(QUIET * 2))
    for seq in range(1, 201):
        write(outbox, state(seq, pad=2000))
        if seq % 20 == 0:
            await asyncio.sleep(0)  # let the loop flush and the reader read now and then
    received = await reading
    seqs = [f["seq"] for f in received]
    assert seqs == sorted(set(seqs)), "states arrived out of order or twice"
    assert seqs[-1] == 200, "the newest state must always arrive"


async def test_a_small_write_to_an_idle_socket_goes_straight_to_the_kernel(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, state(1))
    # Nothing was left for Tornado: the bytes are in the kernel already.
    assert not outbox.backed_up
    assert unsent(pair.stream) == 0
    assert [f["seq"] for f in await pair.read_until_quiet()] == [1]


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
    received = await pair.read_until_quiet()
    kinds = [(f["type"], f.get("seq", f.get("n"))) for f in received]
    assert kinds == [("state", 1), ("reload", 0), ("state", 501)], kinds
    assert not outbox.backed_up


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
    received = await pair.read_until_quiet()
    assert [f["n"] for f in received if f["type"] == "reload"] == expected_others
    states = [f["seq"] for f in received if f["type"] == "state"]
    assert states == [seq], f"only the newest state should be left, got {states}"


async def test_after_catching_up_frames_flow_directly_again(pair: Pair) -> None:
    outbox = pair.outbox()
    write(outbox, other(0, BIG))
    for seq in range(1, 50):
        write(outbox, state(seq))
    first = await pair.read_until_quiet()
    assert [f.get("seq") for f in first if f["type"] == "state"] == [49]
    assert not outbox.backed_up
    # Caught up: every later state goes through, none coalesced.
    for seq in range(50, 60):
        write(outbox, state(seq))
        assert not outbox.backed_up
    later = await pair.read_until_quiet()
    assert [f["seq"] for f in later] == list(range(50, 60))


async def test_a_reader_that_stays_stalled_is_reported_slow(pair: Pair) -> None:
    outbox = pair.outbox(slow_after=0.2, slow_bytes=1000)
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    await asyncio.sleep(0.1)
    assert pair.slow_calls == 0, "reported before slow_after"
    await asyncio.sleep(0.4 * TIMEOUT_FACTOR)
    assert pair.slow_calls == 1


async def test_a_reader_that_catches_up_in_time_is_not_reported(pair: Pair) -> None:
    outbox = pair.outbox(slow_after=0.3, slow_bytes=0)
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    received = await pair.read_until_quiet(0.05)
    assert [f["n"] for f in received] == [0]
    assert not outbox.backed_up
    await asyncio.sleep(0.5)
    assert pair.slow_calls == 0


async def test_backed_up_with_little_unsent_is_not_reported(pair: Pair) -> None:
    # More than slow_after backed up, but holding less than slow_bytes: coalescing keeps
    # such a socket bounded, so it is left open (and looked at again later).
    outbox = pair.outbox(slow_after=0.1, slow_bytes=10 * BIG)
    write(outbox, other(0, BIG))
    assert outbox.backed_up
    await asyncio.sleep(0.5)
    assert pair.slow_calls == 0
    assert outbox.backed_up


async def test_writes_to_a_closed_stream_are_ignored(pair: Pair) -> None:
    outbox = pair.outbox()
    pair.stream.close()
    write(outbox, state(1))
    write(outbox, other(1))
    assert not outbox.backed_up


async def test_writes_after_the_peer_went_away_do_not_raise(pair: Pair) -> None:
    outbox = pair.outbox(slow_after=0.1)
    pair.client.close()
    for seq in range(1, 20):
        write(outbox, state(seq, pad=5000))
        write(outbox, other(seq, pad=5000))
    await asyncio.sleep(0.3)  # whatever Tornado noticed, nothing blew up
