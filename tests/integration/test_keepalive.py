"""WebSocket keep-alive from the hub: pings, pongs, and dropping clients that never answer."""

from __future__ import annotations

import asyncio
import logging
import time

from websockets.asyncio.client import connect

from tests.helpers import TIMEOUT_FACTOR

from .conftest import MakeServer
from .raw_ws import RawWebSocket
from .support import TIMEOUT, apost_state, recv, recv_type, state


def watch(client: RawWebSocket, seconds: float) -> None:
    """Read (never answering pings) for ``seconds``, or until the server closes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and client.close_frame() is None:
        client.read_until_quiet(quiet=0.05, limit=deadline - time.monotonic())
        if client.closed_by_peer:
            break


def pings(client: RawWebSocket) -> int:
    return sum(1 for frame in client.frames() if frame.opcode == 9)


async def test_a_client_that_never_answers_pings_is_dropped_with_1001(
    make_server: MakeServer,
) -> None:
    interval = 0.3
    server = await make_server(ping_interval=interval)
    client = await asyncio.to_thread(
        RawWebSocket.connect, server.port, "/decks/md/ws", rcvbuf=None, mss=None
    )
    try:
        started = time.monotonic()
        await asyncio.to_thread(watch, client, 10 * interval * TIMEOUT_FACTOR)
        took = time.monotonic() - started
        assert client.close_frame() is not None, "never dropped"
        code, _reason = client.close_frame() or (0, "")
        assert code == 1001
        assert pings(client) >= 1, "dropped without being pinged first"
        # It had a whole interval to answer the first ping, and is gone within about two.
        assert took >= interval, f"dropped after {took:.2f}s, less than one interval"
        assert took <= 3 * interval + 1.0 * TIMEOUT_FACTOR, f"dropped after {took:.2f}s"
        assert client.frames_after_close() == []
    finally:
        client.close()


class Pongs(logging.Handler):
    """Counts the pongs a websockets connection sends (it logs every frame at debug)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("> PONG"):
            self.count += 1


async def test_a_client_that_answers_pings_stays(make_server: MakeServer) -> None:
    interval = 0.2
    server = await make_server(ping_interval=interval)
    pongs = Pongs()
    logger = logging.getLogger("tests.keepalive.client")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(pongs)
    try:
        # The websockets library answers every ping by itself.
        async with connect(server.ws("md"), open_timeout=TIMEOUT, logger=logger) as ws:
            await recv(ws)
            # Pinged and answered several times: past the point where a silent
            # client is dropped (the second ping after an unanswered one).
            deadline = asyncio.get_running_loop().time() + TIMEOUT
            while pongs.count < 4:
                assert asyncio.get_running_loop().time() < deadline, f"{pongs.count} pings"
                await asyncio.sleep(interval / 4)
            await apost_state(server, state(indexh=2))
            frame = await recv_type(ws, "state")
            assert frame["seq"] == 1
    finally:
        logger.removeHandler(pongs)


async def test_pings_are_not_sent_more_often_than_the_interval(make_server: MakeServer) -> None:
    # One socket, a 2 s interval: within 1.8 s it gets at most one ping and is not
    # dropped, even though it does not answer (a busy tab, a phone switching networks).
    interval = 2.0
    server = await make_server(ping_interval=interval)
    client = await asyncio.to_thread(
        RawWebSocket.connect, server.port, "/decks/md/ws", rcvbuf=None, mss=None
    )
    try:
        await asyncio.to_thread(watch, client, 0.9 * interval)
        assert pings(client) <= 1, f"{pings(client)} pings within {0.9 * interval}s"
        assert client.close_frame() is None, f"dropped early: {client.close_frame()}"
    finally:
        client.close()
