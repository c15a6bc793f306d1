"""A thousand sockets abandoned in every bad way while a talk goes on.

Connections reset in the middle of the handshake or right after it, HTTP/1.0
upgrades, sockets that never read, sockets that send junk and never read: none
of them may cost a well-behaved audience socket a single change, make an API
call fail, or put a traceback in the log.
"""

from __future__ import annotations

import asyncio
import base64
import os
import resource
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from tests.helpers import TIMEOUT_FACTOR, ServerProcess, running_server

from .support import TIMEOUT, afetch, apost_state, recv, state

ABANDONED = 1000
AUDIENCE = 20
CHANGES = 100
BATCH = 50  # abusive sockets open at once, so the test needs few descriptors


def handshake(port: int, version: str = "1.1") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /decks/md/ws HTTP/{version}\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def masked_text(payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + body


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0): the peer gets no goodbye."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def open_raw(
    port: int, small_buffer: bool = False
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    sock = socket.socket()
    if small_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return await asyncio.open_connection(sock=sock)


async def reset_mid_handshake(port: int) -> None:
    _, writer = await open_raw(port)
    writer.write(handshake(port)[:40])
    await writer.drain()
    reset(writer)


async def reset_after_101(port: int) -> None:
    reader, writer = await open_raw(port)
    writer.write(handshake(port))
    await reader.readuntil(b"\r\n\r\n")
    reset(writer)


async def http10_upgrade(port: int) -> None:
    reader, writer = await open_raw(port)
    writer.write(handshake(port, "1.0"))
    answer = await reader.read()
    assert not answer.startswith(b"HTTP/1.1 101"), answer[:80]
    writer.close()


async def never_read(port: int) -> asyncio.StreamWriter:
    reader, writer = await open_raw(port, small_buffer=True)
    writer.write(handshake(port))
    await reader.readuntil(b"\r\n\r\n")
    return writer  # kept open, never read again


async def junk_never_read(port: int) -> asyncio.StreamWriter:
    reader, writer = await open_raw(port, small_buffer=True)
    writer.write(handshake(port))
    await reader.readuntil(b"\r\n\r\n")
    for n in range(50):
        writer.write(masked_text(b"not json %d" % n))
    return writer


KINDS: list[Callable[[int], Awaitable[object]]] = [
    reset_mid_handshake,
    reset_after_101,
    http10_upgrade,
    never_read,
    junk_never_read,
]


async def abuse(port: int, stop: asyncio.Event) -> int:
    """Open and abandon ABANDONED sockets, BATCH at a time; return how many were made."""
    made = 0
    while made < ABANDONED:
        held: list[asyncio.StreamWriter] = []
        jobs = [KINDS[(made + n) % len(KINDS)](port) for n in range(BATCH)]
        for result in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(result, asyncio.StreamWriter):
                held.append(result)
            elif isinstance(result, BaseException) and not isinstance(result, OSError):
                raise result
        made += BATCH
        await asyncio.sleep(0)
        for writer in held:
            reset(writer)
    stop.set()
    return made


async def follow(ws: ClientConnection, seqs: list[int]) -> None:
    while len(seqs) < CHANGES:
        frame = await recv(ws, timeout=30 * TIMEOUT_FACTOR)
        if frame["type"] == "state":
            seqs.append(frame["seq"])


async def connections(server: ServerProcess) -> int:
    health = await afetch(server, "GET", "/healthz")
    count: int = health.json()["connections"]
    return count


def raise_own_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard or (soft < hard < 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))


async def test_a_thousand_abandoned_sockets_cost_the_audience_nothing(deck_root: Path) -> None:
    raise_own_limit()
    with running_server(deck_root, "--no-watch") as server:
        audience = [await connect(server.ws("md"), open_timeout=TIMEOUT) for _ in range(AUDIENCE)]
        try:
            for ws in audience:
                assert (await recv(ws))["type"] == "welcome"
            seqs: list[list[int]] = [[] for _ in audience]
            followers = [
                asyncio.ensure_future(follow(ws, got))
                for ws, got in zip(audience, seqs, strict=True)
            ]
            stop = asyncio.Event()
            abuser = asyncio.ensure_future(abuse(server.port, stop))
            statuses = []
            for n in range(1, CHANGES + 1):
                resp = await apost_state(server, state(indexh=n % 7, indexv=0, indexf=n))
                statuses.append(resp.status)
            made = await abuser
            await asyncio.wait_for(asyncio.gather(*followers), 30 * TIMEOUT_FACTOR)
            assert made >= ABANDONED
            assert statuses == [200] * CHANGES
            for got in seqs:
                assert got == list(range(1, CHANGES + 1))
            # Everything abandoned is forgotten: only the audience is left.
            deadline = asyncio.get_running_loop().time() + 20 * TIMEOUT_FACTOR
            while await connections(server) != AUDIENCE:
                assert asyncio.get_running_loop().time() < deadline, await connections(server)
                await asyncio.sleep(0.1)
        finally:
            for ws in audience:
                await ws.close()
        output = server.output()
        assert "Traceback" not in output, output[-5000:]
        assert "uncaught" not in output, output[-5000:]
