"""Tripwires: the Tornado internals we lean on are still there and still used.

Two places read or hook Tornado's private parts, for speed and for RFC 6455:
``presenter/outbox.py`` reads IOStream's write counters to send broadcast
frames straight to the kernel, and ``StrictProtocol`` in
``presenter/handlers/realtime.py`` hooks the WebSocket frame reader. pyproject
caps Tornado below the next minor version; these tests say what to check
when that cap is raised.
"""

from __future__ import annotations

import asyncio

import pytest
from tornado.iostream import IOStream
from tornado.websocket import WebSocketProtocol13
from websockets.asyncio.client import connect

from presenter.handlers.realtime import LiveSocket, StrictProtocol
from tests.conftest import LiveServer

from .support import TIMEOUT, apost_state, recv, recv_type, state


def sockets_of(server: LiveServer, deck: str = "md") -> list[LiveSocket]:
    found = [c for c in server.server.context.hub.connections(deck) if isinstance(c, LiveSocket)]
    return found


def test_the_private_names_we_use_still_exist() -> None:
    for name in ("_read_bytes", "_handle_message", "_receive_frame", "_abort", "_fail"):
        assert hasattr(StrictProtocol, name), name
    for name in ("_read_bytes", "_handle_message", "_receive_frame", "_abort"):
        assert hasattr(WebSocketProtocol13, name), f"WebSocketProtocol13.{name} is gone"


async def test_iostream_still_counts_its_writes(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        (sock,) = sockets_of(live_server)
        stream = sock.ws_connection.stream if sock.ws_connection else None
        assert isinstance(stream, IOStream)
        for name in ("_total_write_index", "_total_write_done_index"):
            assert isinstance(getattr(stream, name, None), int), f"IOStream.{name} is gone"


async def test_broadcasts_to_a_reading_socket_take_the_fast_path(live_server: LiveServer) -> None:
    # The fast path writes straight to the kernel, so Tornado's own write counter
    # does not move; the slow path (Tornado's buffer) would move it.
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        (sock,) = sockets_of(live_server)
        stream = sock.ws_connection.stream if sock.ws_connection else None
        assert stream is not None
        before = stream._total_write_index
        for n in range(1, 6):
            assert (await apost_state(live_server, state(indexh=n))).status == 200
            assert (await recv_type(ws, "state"))["seq"] == n
        assert stream._total_write_index == before, "broadcasts went through Tornado's buffer"


async def test_the_strict_protocol_is_in_use_and_reads_every_header(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers: list[bytes] = []
    original = StrictProtocol._check_header

    def spy(self: StrictProtocol, future: asyncio.Future[bytes]) -> None:
        headers.append(future.result())
        original(self, future)

    monkeypatch.setattr(StrictProtocol, "_check_header", spy)
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        (sock,) = sockets_of(live_server)
        assert type(sock.ws_connection) is StrictProtocol
        for text in ('{"type":"hello"}', '{"type":"x","pad":"' + "y" * 300 + '"}', "[]"):
            await ws.send(text)
            await recv_type(ws, "error")
        # One header per frame sent, each a masked text frame; the 300-byte one
        # has an extended length, and the reads after it stayed in step.
        assert [h[0] for h in headers] == [0x81, 0x81, 0x81]
        assert all(h[1] & 0x80 for h in headers)
        assert headers[1][1] & 0x7F == 126
