"""Clients that stop reading: bounded memory, nobody else waits, the newest state wins."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from presenter.core.state import SlideState
from presenter.handlers import realtime as handlers
from presenter.outbox import Outbox
from tests.conftest import LiveServer
from tests.helpers import SECRET, TIMEOUT_FACTOR, ServerProcess, running_server

from .conftest import MakeServer
from .kernel import FullWatch
from .raw_ws import RawWebSocket
from .support import TIMEOUT, afetch, fetch, recv

CHANGES = 2000
# Changes in a row during which the kernel took (almost) nothing more for the stalled
# client: all of them but the newest must have been held back and coalesced.
STEADY = 300
MAX_CHANGES = 20_000


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def wire(n: int) -> dict[str, Any]:
    """Distinct, alternating states: every change is a real change."""
    return {"indexh": n % 2, "indexv": n, "indexf": n % 7, "paused": False, "overview": False}


class Poster:
    """POST api/state over one keep-alive connection (fast enough for thousands)."""

    def __init__(self, port: int, deck: str = "md") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.path = f"/decks/{deck}/api/state"
        self.headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}

    def post(self, value: dict[str, Any]) -> dict[str, Any]:
        self.conn.request("POST", self.path, json.dumps({"state": value}), self.headers)
        resp = self.conn.getresponse()
        body = resp.read()
        assert resp.status == 200, (resp.status, body)
        result: dict[str, Any] = json.loads(body)
        return result

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def process(deck_root: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(deck_root, "--no-watch", "--state-dir", str(tmp_path / "state")) as server:
        yield server


async def test_a_stalled_socket_neither_grows_memory_nor_delays_others(
    process: ServerProcess,
) -> None:
    pid = fetch(process, "GET", "/healthz").json()["pid"]
    stalled = RawWebSocket.connect(process.port, "/decks/md/ws")
    try:
        assert stalled.read_message()["type"] == "welcome"
        async with connect(process.ws("md"), open_timeout=TIMEOUT, max_queue=None) as audience:
            assert (await recv(audience))["type"] == "welcome"
            loop = asyncio.get_running_loop()
            arrived: dict[int, float] = {}

            finished = asyncio.Event()

            async def listen() -> None:
                while not finished.is_set() or len(arrived) < len(posted):
                    try:
                        frame = await recv(audience, 0.2)
                    except TimeoutError:
                        continue
                    if frame["type"] == "state":
                        assert frame["seq"] not in arrived, f"seq {frame['seq']} twice"
                        assert frame["seq"] == len(arrived) + 1, "out of order or missing"
                        assert frame["state"] == wire(frame["seq"])
                        arrived[frame["seq"]] = loop.time()

            posted: dict[int, float] = {}
            rss: list[int] = []
            client_port = stalled.sock.getsockname()[1]
            full = FullWatch(process.port, client_port, steady=STEADY)

            def post_all() -> None:
                # At least CHANGES, and on until the kernel has taken all it will for the
                # stalled socket and STEADY more changes found it full.
                poster = Poster(process.port)
                try:
                    rss.append(vm_rss_kib(pid))
                    n = 0
                    while n < CHANGES or not full.full:
                        n += 1
                        assert n <= MAX_CHANGES, f"the kernel kept taking data: {full.last}"
                        snapshot = poster.post(wire(n))
                        assert snapshot["seq"] == n
                        posted[n] = loop.time()
                        full.sample()
                        if n % 200 == 0:
                            rss.append(vm_rss_kib(pid))
                finally:
                    poster.close()

            listening = asyncio.ensure_future(listen())
            started = loop.time()
            try:
                await asyncio.wait_for(asyncio.to_thread(post_all), 60 * TIMEOUT_FACTOR)
            except BaseException:
                listening.cancel()
                raise
            finally:
                finished.set()
            await asyncio.wait_for(listening, TIMEOUT)
            elapsed = loop.time() - started
            total = len(posted)

        # Every change reached the reading client, each soon after it was accepted.
        assert sorted(arrived) == list(range(1, total + 1))
        lags = sorted(arrived[n] - posted[n] for n in range(1, total + 1))
        assert lags[-1] < 1.0 * TIMEOUT_FACTOR, f"slowest delivery {lags[-1]:.3f}s"
        assert elapsed < 30 * TIMEOUT_FACTOR
        growth_mib = (max(rss) - rss[0]) / 1024
        assert growth_mib < 50, f"server RSS grew by {growth_mib:.1f} MiB: {rss}"

        # The stalled client reads at last: what the kernel held, then only the newest.
        def states() -> list[int]:
            return [m["seq"] for m in stalled.messages() if m["type"] == "state"]

        stalled.read_until(lambda: total in states())
        assert states()[-1] == total, "the stalled client must end on the latest state"
        assert states() == sorted(set(states())), "states out of order or duplicated"
        if full.available:
            # The last STEADY changes found the kernel (nearly) full: they were coalesced.
            assert len(states()) <= total - STEADY // 2, (len(states()), total)
        assert stalled.messages()[-1]["state"] == wire(total)
        # Still open and served: one more change is the next thing it gets.
        seen = len(stalled.messages())
        poster = Poster(process.port)
        try:
            assert poster.post(wire(total + 1))["seq"] == total + 1
        finally:
            poster.close()
        stalled.read_until(lambda: len(stalled.messages()) > seen)
        assert stalled.messages()[seen:] == [
            {"type": "state", "seq": total + 1, "state": wire(total + 1)}
        ]
        assert stalled.close_frame() is None, (
            f"a client holding little must not be dropped within seconds: {stalled.close_frame()}"
        )
        final = fetch(process, "GET", "/decks/md/api/state").json()
        assert final["seq"] == total + 1
    finally:
        stalled.close()


# --- in-process: the outbox is given short limits so dropping a slow socket is quick ----


@pytest.fixture
def quick_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sockets are reported slow after 0.3 s backed up with anything unsent."""
    monkeypatch.setattr(handlers, "Outbox", functools.partial(Outbox, slow_after=0.3, slow_bytes=0))


async def set_states(server: LiveServer, first: int, count: int) -> None:
    live = server.server.context.live
    for n in range(first, first + count):
        await live.set_state("md", SlideState.from_json(wire(n)))
        if n % 100 == 0:
            await asyncio.sleep(0)  # let the loop write to the sockets


async def test_a_socket_that_stays_backed_up_is_closed_with_1013(
    quick_outbox: None, make_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_slow: list[str] = []
    original = handlers.LiveSocket._too_slow

    def spy(self: handlers.LiveSocket) -> None:
        too_slow.append(self.deck)
        original(self)

    monkeypatch.setattr(handlers.LiveSocket, "_too_slow", spy)
    server = await make_server()
    # A blocking client: connect and read from a thread, the server runs on this loop.
    stalled = await asyncio.to_thread(RawWebSocket.connect, server.port, "/decks/md/ws")
    try:
        await asyncio.to_thread(stalled.read_message)
        async with connect(server.ws("md"), open_timeout=TIMEOUT, max_queue=None) as healthy:
            await recv(healthy)
            # Change slides (in bursts) until the socket is reported: how much the kernel
            # takes for a client that does not read varies with TCP autotuning.
            n = 0
            deadline = asyncio.get_running_loop().time() + 10 * TIMEOUT_FACTOR
            while not too_slow and asyncio.get_running_loop().time() < deadline:
                await set_states(server, n + 1, 100)
                n += 100
                await asyncio.sleep(0.01)
            assert too_slow == ["md"], "a socket backed up past slow_after was not reported"
            # Slides keep changing while the server waits for the client's close reply.
            await set_states(server, n + 1, 200)
            n += 200
            # The healthy socket was never held up and is still open.
            seqs: list[int] = []
            while len(seqs) < n:
                frame = await recv(healthy)
                if frame["type"] == "state":
                    seqs.append(frame["seq"])
            assert seqs == list(range(1, n + 1))
        # Read to the end of the connection: everything the server sent is here.
        await asyncio.to_thread(stalled.finish)
        assert stalled.close_frame() == (1013, "too slow: reconnect to resync")
        late = stalled.frames_after_close()
        assert late == [], f"{len(late)} frames sent after the close frame: {late[:2]}"
        states = [m["seq"] for m in stalled.messages() if m["type"] == "state"]
        assert states == sorted(set(states))
        assert len(states) < n
    finally:
        stalled.close()


async def test_a_socket_that_reads_slowly_but_keeps_up_is_not_closed(
    quick_outbox: None, make_server: MakeServer
) -> None:
    server = await make_server()
    async with connect(server.ws("md"), open_timeout=TIMEOUT, max_queue=None) as reader:
        await recv(reader)
        for n in range(1, 21):
            await set_states(server, n, 1)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        frames = [await recv(reader) for _ in range(20)]
        assert [f["seq"] for f in frames] == list(range(1, 21))
        await reader.send(json.dumps({"type": "ping-is-unknown"}))
        assert (await recv(reader))["type"] == "error"  # still open


async def test_a_stalled_event_stream_ends_on_the_newest_state(make_server: MakeServer) -> None:
    server = await make_server()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", server.port)), TIMEOUT)
        request = f"GET /decks/md/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n"
        await loop.sock_sendall(sock, request.encode())
        deadline = loop.time() + TIMEOUT
        while (await afetch(server, "GET", "/healthz")).json()["connections"] != 1:
            assert loop.time() < deadline, "the event stream never opened"
            await asyncio.sleep(0.01)
        full = FullWatch(server.port, sock.getsockname()[1], steady=STEADY)
        n = 0
        while n < CHANGES or not full.full:
            n += 1
            assert n <= MAX_CHANGES, f"the kernel kept taking data: {full.last}"
            await set_states(server, n, 1)
            full.sample()
            if n % 50 == 0:
                await asyncio.sleep(0.001)  # let the server write
        health = (await afetch(server, "GET", "/healthz")).json()
        assert health["connections"] == 1
        # Read until the newest state's line is whole (it must come: the newest is
        # never coalesced away).
        data = b""
        deadline = loop.time() + TIMEOUT
        newest = f'"seq":{n},'.encode()
        while newest not in data or b"\n" not in data[data.index(newest) :]:
            left = deadline - loop.time()
            assert left > 0, f"no state {n} on the stream: {data[-500:]!r}"
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 16), left)
            assert chunk, f"the stream ended before state {n}: {data[-500:]!r}"
            data += chunk
    finally:
        sock.close()
    text = data.decode("utf-8", "replace")
    seqs = [
        json.loads(line[len("data: ") :])["seq"]
        for line in text.splitlines()
        if line.startswith('data: {"type":"state"')
    ]
    assert seqs, text[:500]
    assert seqs[-1] == n, "the stream must end on the newest state"
    assert seqs == sorted(set(seqs))
    if full.available:
        assert len(seqs) <= n - STEADY // 2, "states were queued for a stream that did not read"
