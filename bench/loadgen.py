"""``python -m bench.loadgen``: many audience WebSockets in one light asyncio process.

Started by :mod:`bench.fanout`, driven by JSON lines on stdin, answering JSON
lines on stdout (nothing else is ever printed there). It does the RFC 6455
client handshake by hand on raw asyncio Protocols (the ``websockets`` library
is too heavy for 20,000 sockets), and records ``time.monotonic_ns()`` when
each ``state`` frame arrives. CLOCK_MONOTONIC is one clock for the whole
machine on Linux, so those times compare with the controller's send time.

Commands (one JSON object a line) and their answers:

- ``{"cmd": "connect"}`` opens the sockets, at most ``--concurrency``
  handshakes at a time; answers ``{"event": "connected", "welcomed",
  "failed", "errors", "start_ns", "end_ns"}``. A socket counts once its
  ``welcome`` frame arrived.
- ``{"cmd": "await", "seq": S, "t0": NS, "timeout": SEC}`` waits until every
  open reading socket got the ``state`` frame with ``seq`` S, or the timeout;
  answers ``{"event": "received", "seq", "expected", "lat_us": [...]}`` with
  one latency (receipt - t0, in microseconds) per socket that got it.
- ``{"cmd": "drain", "timeout": SEC}`` lets the stalled sockets read again and
  answers how many frames they still get.
- ``{"cmd": "status"}`` answers how many sockets are open.
- ``{"cmd": "quit"}`` closes everything and exits.

Audience interaction (:mod:`bench.interaction`); none of it runs unless asked,
so :mod:`bench.fanout` measures exactly what it did before:

- ``{"cmd": "track", "poll_voters": V}`` starts counting the frames other than
  ``state`` that the reading sockets get (by type, ``error`` by code), the
  time from each socket's last send to its ``voted``, and the moment each
  socket first sees a ``poll`` frame with ``"voters": V`` (and its
  ``counts``); every earlier count is dropped. Answers ``{"event":
  "tracking"}``.
- ``{"cmd": "spread", "texts": [...], "rounds": R, "period": SEC, "total": N,
  "start_ns": NS}`` starts sending in the background and answers at once
  ``{"event": "spreading", "sockets"}``: socket number ``i`` over all load
  generators (of ``N``) sends ``texts[i % len(texts)]`` at ``start_ns + (r +
  i / N) * period`` for each round ``r`` below ``R``, so the sends are spread
  evenly, never in bursts.
- ``{"cmd": "spread_wait", "timeout": SEC}`` waits for that to finish;
  answers ``{"event": "spread_done", "sent": [per text], "first_ns",
  "last_ns", "max_lag_ms"}`` (``max_lag_ms``: how late the latest send left
  against its schedule, i.e. whether this process kept up).
- ``{"cmd": "await_poll", "timeout": SEC}`` waits until every reading socket
  saw the ``poll`` frame with ``V`` voters, or the timeout; answers
  ``{"event": "poll_seen", "seen", "expected"}``.
- ``{"cmd": "tally"}`` answers what ``track`` counted: ``{"event": "tally",
  "types", "errors", "ack_us": [...], "poll_ns": [...], "poll_counts",
  "max_voters"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import time
from array import array
from collections import Counter
from typing import Any

from bench.common import die_with_parent, encode_frame, raise_nofile

SOCKETS_PER_SOURCE_IP = 25_000
"""Sockets bound to one 127.0.0.x before moving to the next (the port range holds ~28k)."""

_STATE_MARK = b'"type":"state"'
_TYPE_AT = len(b'{"type":"')
_CODE_MARK = b'"code":"'
_VOTERS_MARK = b'"voters":'
_COUNTS_MARK = b'"counts":'
_SEQ_MARK = b'"seq":'
_MAX_HEADER = 16_384
_STALLED_RCVBUF = 4096

monotonic_ns = time.monotonic_ns


def source_ip(index: int) -> str:
    """The 127.0.0.x address socket number ``index`` (over all load generators) binds to."""
    return f"127.0.0.{2 + index // SOCKETS_PER_SOURCE_IP}"


class Client(asyncio.Protocol):
    """One audience socket: handshake, frame parsing, pongs; receipts go to the generator."""

    __slots__ = (
        "buf",
        "gen",
        "got",
        "poll_ns",
        "sent_ns",
        "stalled",
        "transport",
        "upgraded",
        "welcome_waiter",
    )

    def __init__(self, gen: LoadGen, stalled: bool, waiter: asyncio.Future[None]) -> None:
        self.gen = gen
        self.stalled = stalled
        self.welcome_waiter: asyncio.Future[None] | None = waiter
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.upgraded = False
        self.got = 0  # state frames received (stalled sockets, after the drain)
        self.sent_ns = 0  # when this socket last sent a message (interaction)
        self.poll_ns = 0  # when it first saw the poll frame ``track`` waits for

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.gen.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.gen.lost(self)
        self._fail("connection closed before welcome")

    def _fail(self, why: str) -> None:
        waiter = self.welcome_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError(why))
        self.welcome_waiter = None

    def data_received(self, data: bytes) -> None:
        now = monotonic_ns()
        if self.buf:
            data = self.buf + data
            self.buf = b""
        if not self.upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                if len(data) > _MAX_HEADER:
                    self._abort("handshake answer too long")
                else:
                    self.buf = data
                return
            if not data.startswith(b"HTTP/1.1 101"):
                status = data[: data.find(b"\r\n")].decode("latin-1", "replace")
                self._abort(f"handshake refused: {status[:60]}")
                return
            self.upgraded = True
            data = data[end + 4 :]
        pos = 0
        size = len(data)
        while size - pos >= 2:
            b0 = data[pos]
            length = data[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                head = 10
            start = pos + head
            stop = start + length
            if stop > size:
                break
            opcode = b0 & 0x0F
            if opcode == 0x1:
                self._text(data, start, stop, now)
            elif opcode == 0x9:
                assert self.transport is not None
                self.transport.write(encode_frame(data[start:stop], 0xA, mask=True))
            elif opcode == 0x8:
                assert self.transport is not None
                self.transport.close()
                return
            pos = stop
        if pos < size:
            self.buf = data[pos:]

    def _text(self, data: bytes, start: int, stop: int, now: int) -> None:
        waiter = self.welcome_waiter
        if waiter is not None:
            # The first frame is the welcome; the socket now counts as connected.
            self.welcome_waiter = None
            self.gen.welcomed(self, now)
            if not waiter.done():
                waiter.set_result(None)
            if self.stalled:
                assert self.transport is not None
                self.transport.pause_reading()
            return
        if data.find(_STATE_MARK, start, start + 24) < 0:
            if self.gen.tracking and not self.stalled:
                self.gen.other_frame(self, data, start, stop, now)
            return
        mark = data.find(_SEQ_MARK, start, stop)
        if mark < 0:
            return
        i = mark + 6
        j = i
        while j < stop and 48 <= data[j] <= 57:
            j += 1
        if j == i:
            return
        if self.stalled:
            self.got += 1
        else:
            self.gen.receipt(int(data[i:j]), now)

    def _abort(self, why: str) -> None:
        self._fail(why)
        if self.transport is not None:
            self.transport.abort()


class LoadGen:
    """The sockets of this process and the receipt times per ``seq``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.host: str = args.host
        self.port: int = args.port
        self.count: int = args.count
        self.first: int = args.first_index
        self.stalled_count: int = args.stalled
        self.concurrency: int = args.concurrency
        self.handshake_timeout: float = args.handshake_timeout
        self.connect_deadline: float = args.connect_deadline
        self.request = (
            f"GET {args.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode("ascii")
        self.open: set[Client] = set()
        self.reading = 0  # open, welcomed, not stalled
        self.times: dict[int, array[int]] = {}
        self.waiting: dict[int, asyncio.Future[None]] = {}
        self.last_welcome_ns = 0
        # Audience interaction: only while ``tracking`` (the ``track`` command).
        self.tracking = False
        self.types: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.ack_us = array("q")
        self.poll_voters = -1
        self.poll_ns = array("q")
        self.poll_counts: Counter[str] = Counter()
        self.max_voters = 0
        self.poll_waiter: asyncio.Future[None] | None = None
        self.spreading: asyncio.Task[dict[str, Any]] | None = None

    # --- callbacks from the clients ---

    def welcomed(self, client: Client, now: int) -> None:
        self.open.add(client)
        if not client.stalled:
            self.reading += 1
        self.last_welcome_ns = now

    def lost(self, client: Client) -> None:
        if client in self.open:
            self.open.discard(client)
            if not client.stalled:
                self.reading -= 1
                for seq, waiter in self.waiting.items():
                    if len(self.times.get(seq, ())) >= self.reading and not waiter.done():
                        waiter.set_result(None)

    def receipt(self, seq: int, now: int) -> None:
        times = self.times.get(seq)
        if times is None:
            times = self.times[seq] = array("q")
        times.append(now)
        waiter = self.waiting.get(seq)
        if waiter is not None and len(times) >= self.reading and not waiter.done():
            waiter.set_result(None)

    def other_frame(self, client: Client, data: bytes, start: int, stop: int, now: int) -> None:
        """A frame other than ``state`` on a reading socket, while tracking."""
        end = data.find(b'"', start + _TYPE_AT, start + _TYPE_AT + 24)
        if end < 0:
            return
        kind = data[start + _TYPE_AT : end]
        self.types[kind.decode("ascii", "replace")] += 1
        if kind == b"voted":
            if client.sent_ns:
                self.ack_us.append((now - client.sent_ns) // 1000)
        elif kind == b"error":
            at = data.find(_CODE_MARK, start, stop)
            code = data[at + 8 : data.find(b'"', at + 8, stop)] if at >= 0 else b"?"
            self.errors[code.decode("ascii", "replace")] += 1
        elif kind == b"poll":
            at = data.find(_VOTERS_MARK, start, stop)
            if at < 0:
                return
            i = j = at + len(_VOTERS_MARK)
            while j < stop and 48 <= data[j] <= 57:
                j += 1
            voters = int(data[i:j]) if j > i else 0
            self.max_voters = max(self.max_voters, voters)
            if voters != self.poll_voters or client.poll_ns:
                return
            client.poll_ns = now
            self.poll_ns.append(now)
            at = data.find(_COUNTS_MARK, start, stop)
            if at >= 0:
                close = data.find(b"]", at, stop)
                counts = data[at + len(_COUNTS_MARK) : close + 1 if close >= 0 else at + 13]
                self.poll_counts[counts.decode("ascii", "replace")] += 1
            waiter = self.poll_waiter
            if waiter is not None and len(self.poll_ns) >= self.reading and not waiter.done():
                waiter.set_result(None)

    # --- commands ---

    async def connect(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        errors: Counter[str] = Counter()
        next_index = 0
        deadline = time.monotonic() + self.connect_deadline
        start_ns = monotonic_ns()
        # The first ``stalled_count`` sockets of this process stall; the rest read.
        addr = (self.host, self.port)

        async def worker() -> None:
            nonlocal next_index
            while next_index < self.count and time.monotonic() < deadline:
                i = next_index
                next_index += 1
                stalled = i < self.stalled_count
                try:
                    await asyncio.wait_for(
                        self._open_one(loop, addr, self.first + i, stalled),
                        self.handshake_timeout,
                    )
                except (TimeoutError, OSError, ConnectionError) as exc:
                    errors[f"{type(exc).__name__}: {exc}"[:100]] += 1

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, self.count))))
        welcomed = len(self.open)
        return {
            "event": "connected",
            "welcomed": welcomed,
            "failed": self.count - welcomed,
            "errors": dict(errors.most_common(5)),
            "start_ns": start_ns,
            "end_ns": self.last_welcome_ns or monotonic_ns(),
        }

    async def _open_one(
        self, loop: asyncio.AbstractEventLoop, addr: tuple[str, int], index: int, stalled: bool
    ) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            # Pick the port at connect() time, per 4-tuple, not at bind() time.
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_BIND_ADDRESS_NO_PORT, 1)
            if stalled:
                # A small window, so the server meets back-pressure after few frames.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _STALLED_RCVBUF)
            sock.bind((source_ip(index), 0))
            await loop.sock_connect(sock, addr)
        except BaseException:
            sock.close()
            raise
        waiter: asyncio.Future[None] = loop.create_future()
        transport, _ = await loop.create_connection(
            lambda: Client(self, stalled, waiter), sock=sock
        )
        try:
            await waiter
        except BaseException:
            transport.abort()
            raise

    async def await_seq(self, seq: int, t0: int, timeout: float) -> dict[str, Any]:
        times = self.times.get(seq)
        if times is None or len(times) < self.reading:
            waiter = asyncio.get_running_loop().create_future()
            self.waiting[seq] = waiter
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(waiter, timeout)
            self.waiting.pop(seq, None)
        times = self.times.pop(seq, array("q"))
        # Older seqs that never completed are dropped so memory stays flat.
        for old in [s for s in self.times if s < seq]:
            del self.times[old]
        return {
            "event": "received",
            "seq": seq,
            "expected": self.reading,
            "lat_us": [(t - t0) // 1000 for t in times],
        }

    async def drain(self, timeout: float) -> dict[str, Any]:
        stalled = [c for c in self.open if c.stalled]
        for client in stalled:
            if client.transport is not None:
                client.transport.resume_reading()
        await asyncio.sleep(timeout)
        return {
            "event": "drained",
            "stalled_total": self.stalled_count,
            "stalled_open": sum(1 for c in stalled if c in self.open),
            "frames": sum(c.got for c in stalled),
        }

    def track(self, poll_voters: int) -> dict[str, Any]:
        self.tracking = True
        self.types.clear()
        self.errors.clear()
        self.ack_us = array("q")
        self.poll_voters = poll_voters
        self.poll_ns = array("q")
        self.poll_counts.clear()
        self.max_voters = 0
        for client in self.open:
            client.poll_ns = 0
            client.sent_ns = 0
        return {"event": "tracking"}

    def spread(
        self, texts: list[str], rounds: int, period: float, total: int, start_ns: int
    ) -> dict[str, Any]:
        clients = [c for c in self.open if not c.stalled]
        frames = [encode_frame(t.encode("utf-8"), mask=True) for t in texts]
        self.spreading = asyncio.ensure_future(
            self._spread(clients, frames, rounds, int(period * 1e9), max(1, total), start_ns)
        )
        return {"event": "spreading", "sockets": len(clients)}

    async def _spread(
        self,
        clients: list[Client],
        frames: list[bytes],
        rounds: int,
        period_ns: int,
        total: int,
        start_ns: int,
    ) -> dict[str, Any]:
        sent = [0] * len(frames)
        first_ns = last_ns = 0
        max_lag = 0
        for r in range(rounds):
            base = start_ns + r * period_ns
            for j, client in enumerate(clients):
                index = self.first + j
                due = base + index * period_ns // total
                now = monotonic_ns()
                if due - now > 1_000_000:  # sleep only when more than a millisecond early
                    await asyncio.sleep((due - now) / 1e9)
                    now = monotonic_ns()
                transport = client.transport
                if transport is None or transport.is_closing() or client not in self.open:
                    continue
                max_lag = max(max_lag, now - due)
                client.sent_ns = now
                transport.write(frames[index % len(frames)])
                sent[index % len(frames)] += 1
                first_ns = first_ns or now
                last_ns = now
        return {
            "event": "spread_done",
            "sent": sent,
            "first_ns": first_ns,
            "last_ns": last_ns,
            "max_lag_ms": max_lag / 1e6,
        }

    async def spread_wait(self, timeout: float) -> dict[str, Any]:
        task = self.spreading
        if task is None:
            return {
                "event": "spread_done",
                "sent": [],
                "first_ns": 0,
                "last_ns": 0,
                "max_lag_ms": 0,
            }
        self.spreading = None
        return await asyncio.wait_for(task, timeout)

    async def await_poll(self, timeout: float) -> dict[str, Any]:
        if len(self.poll_ns) < self.reading:
            waiter = asyncio.get_running_loop().create_future()
            self.poll_waiter = waiter
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(waiter, timeout)
            self.poll_waiter = None
        return {"event": "poll_seen", "seen": len(self.poll_ns), "expected": self.reading}

    def tally(self) -> dict[str, Any]:
        return {
            "event": "tally",
            "types": dict(self.types),
            "errors": dict(self.errors),
            "ack_us": list(self.ack_us),
            "poll_ns": list(self.poll_ns),
            "poll_counts": dict(self.poll_counts),
            "max_voters": self.max_voters,
        }

    def status(self) -> dict[str, Any]:
        return {
            "event": "status",
            "open": len(self.open),
            "reading": self.reading,
            "stalled_open": sum(1 for c in self.open if c.stalled),
        }

    def close_all(self) -> None:
        for client in list(self.open):
            if client.transport is not None:
                client.transport.abort()


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _main(args: argparse.Namespace) -> None:
    gen = LoadGen(args)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    _say({"event": "ready", "nofile": raise_nofile()})
    try:
        while line := await reader.readline():
            command = json.loads(line)
            name = command.get("cmd")
            if name == "connect":
                _say(await gen.connect())
            elif name == "await":
                _say(await gen.await_seq(command["seq"], command["t0"], command["timeout"]))
            elif name == "drain":
                _say(await gen.drain(command["timeout"]))
            elif name == "status":
                _say(gen.status())
            elif name == "track":
                _say(gen.track(int(command["poll_voters"])))
            elif name == "spread":
                _say(
                    gen.spread(
                        command["texts"],
                        int(command["rounds"]),
                        float(command["period"]),
                        int(command["total"]),
                        int(command["start_ns"]),
                    )
                )
            elif name == "spread_wait":
                _say(await gen.spread_wait(command["timeout"]))
            elif name == "await_poll":
                _say(await gen.await_poll(command["timeout"]))
            elif name == "tally":
                _say(gen.tally())
            elif name == "quit":
                break
    finally:
        gen.close_all()
        await asyncio.sleep(0)


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run until stdin closes or ``quit`` arrives."""
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True, help="WebSocket path, e.g. /decks/tour/ws")
    parser.add_argument("--count", type=int, required=True, help="sockets to open")
    parser.add_argument(
        "--first-index", type=int, default=0, help="index of this process's first socket overall"
    )
    parser.add_argument("--stalled", type=int, default=0, help="sockets that never read")
    parser.add_argument("--concurrency", type=int, default=500, help="handshakes in flight")
    parser.add_argument("--handshake-timeout", type=float, default=30.0)
    parser.add_argument("--connect-deadline", type=float, default=300.0)
    args = parser.parse_args(argv)
    raise_nofile()
    die_with_parent()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
