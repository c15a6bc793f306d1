"""Several ``presenter serve --broker redis://...`` processes sharing one talk.

Each test gets its own redis-server (127.0.0.1, free port, no persistence) and two
server processes on it. The processes are killed, and Redis is stopped and started
again (empty) on the same port, to play failures.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.helpers import TIMEOUT_FACTOR, ServerProcess, start_server
from tests.redis_support import RedisServer, SlowProxy, ping

from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    authenticate,
    post_state,
    recv,
    recv_match,
    send,
    state,
    state_sentinel,
)

# Redis coming back is noticed by a listener that retries every 0.2 s, doubling to 5 s.
RECOVERY = 10.0 * TIMEOUT_FACTOR


@contextlib.contextmanager
def servers(
    deck_root: Path, tmp_path: Path, redis: RedisServer, count: int = 2
) -> Iterator[list[ServerProcess]]:
    """``count`` server processes sharing ``redis``; all stopped afterwards."""
    started: list[ServerProcess] = []
    try:
        for n in range(count):
            state_dir = tmp_path / f"state-{n}"
            started.append(
                start_server(
                    deck_root, "--broker", redis.url, "--no-watch", "--state-dir", str(state_dir)
                )
            )
        yield started
    finally:
        for server in started:
            server.stop()
            server.log_path.unlink(missing_ok=True)


@pytest.fixture
def pair(
    deck_root: Path, tmp_path: Path, redis_server: RedisServer
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with servers(deck_root, tmp_path, redis_server) as (first, second):
        yield first, second


@contextlib.asynccontextmanager
async def socket(server: ServerProcess, deck: str = "md") -> AsyncIterator[ClientConnection]:
    """An audience socket, its welcome read."""
    async with connect(server.ws(deck), open_timeout=TIMEOUT, max_queue=None) as ws:
        welcome = await recv(ws)
        assert welcome["type"] == "welcome", welcome
        yield ws


async def welcome_of(server: ServerProcess, deck: str = "md") -> dict[str, Any]:
    async with connect(server.ws(deck), open_timeout=TIMEOUT) as ws:
        return await recv(ws)


async def api_state(server: ServerProcess, deck: str = "md") -> dict[str, Any]:
    resp = await afetch(server, "GET", f"/decks/{deck}/api/state")
    assert resp.status == 200, resp.text
    value: dict[str, Any] = resp.json()
    return value


async def states_until(
    ws: ClientConnection, last_seq: int, timeout: float = TIMEOUT
) -> list[dict[str, Any]]:
    """Every ``state`` frame up to and including ``seq == last_seq``."""
    frames: list[dict[str, Any]] = []
    while True:
        frame = await recv_match(ws, lambda f: f.get("type") == "state", timeout, "a state")
        frames.append(frame)
        if frame["seq"] >= last_seq:
            return frames


def wire(n: int) -> dict[str, Any]:
    """A distinct state per ``n`` (alternating slides, a growing fragment index)."""
    return state(indexh=n % 2, indexv=0, indexf=n, paused=n % 3 == 0)


def assert_consecutive(seqs: list[int], first: int, last: int) -> None:
    assert len(seqs) == len(set(seqs)), f"duplicates: {seqs}"
    assert seqs == list(range(first, last + 1)), f"expected {first}..{last}, got {seqs}"


async def test_changes_on_one_process_reach_sockets_of_the_other_in_order(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = pair
    async with (
        socket(first) as presenter,
        socket(second) as audience_one,
        socket(second) as audience_two,
    ):
        await authenticate(presenter)
        for n in range(1, 31):
            await send(presenter, {"type": "state", "state": wire(n)})
        for audience in (audience_one, audience_two):
            frames = await states_until(audience, 30)
            assert_consecutive([f["seq"] for f in frames], 1, 30)
            assert [f["state"] for f in frames] == [wire(n) for n in range(1, 31)]
        # The presenter hears its own changes back, through Redis, in order too.
        mine = await states_until(presenter, 30)
        assert [f["seq"] for f in mine] == list(range(1, 31))

    on_first, on_second = await api_state(first), await api_state(second)
    assert on_first == on_second == {"deck": "md", "seq": 30, "state": wire(30)}
    welcome = await welcome_of(second)
    assert (welcome["seq"], welcome["state"]) == (30, wire(30))
    # The other deck was not touched.
    assert (await api_state(second, "html"))["seq"] == 0


async def test_an_unchanged_state_is_not_a_change_across_processes(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = pair
    async with socket(second) as audience:
        assert (await apost_state(first, wire(1))).json()["seq"] == 1
        same = await apost_state(second, wire(1))
        assert same.status == 200
        assert same.json()["seq"] == 1
        assert await recv(audience) == {"type": "state", "seq": 1, "state": wire(1)}
        # The repeat was not sent again: a change made now is the next frame.
        assert await state_sentinel(first, wire(2), audience) == 2


async def test_the_survivor_keeps_serving_when_a_process_dies(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = pair
    async with socket(second) as audience:
        for n in range(1, 6):
            assert (await apost_state(first, wire(n))).status == 200
        await states_until(audience, 5)
        first.stop(kill=True)
        assert first.process.returncode is not None
        # The survivor serves the state it learnt from the dead one...
        assert await api_state(second) == {"deck": "md", "seq": 5, "state": wire(5)}
        welcome = await welcome_of(second)
        assert (welcome["seq"], welcome["state"]) == (5, wire(5))
        # ...and takes a presenter of its own.
        async with socket(second) as presenter:
            await authenticate(presenter)
            await send(presenter, {"type": "state", "state": wire(6)})
            frame = (await states_until(audience, 6))[-1]
            assert (frame["seq"], frame["state"]) == (6, wire(6))
        assert (await api_state(second))["seq"] == 6


async def test_a_redis_outage_refuses_changes_keeps_sockets_and_recovers(
    pair: tuple[ServerProcess, ServerProcess], redis_server: RedisServer
) -> None:
    first, second = pair
    async with (
        socket(first) as presenter,
        socket(first) as audience_first,
        socket(second) as audience_second,
    ):
        await authenticate(presenter)
        for n in range(1, 4):
            await send(presenter, {"type": "state", "state": wire(n)})
        await states_until(audience_second, 3)
        await states_until(audience_first, 3)
        await states_until(presenter, 3)
        last_seen = 3

        redis_server.stop()
        # Presenters hear about it unasked, when the subscription drops.
        unasked = await recv_match(
            presenter, lambda f: f.get("type") == "error", RECOVERY, "an unavailable error"
        )
        assert unasked["code"] == "unavailable", unasked
        # A change is refused, the socket stays open.
        await send(presenter, {"type": "state", "state": wire(100)})
        refused = await recv_match(
            presenter, lambda f: f.get("type") == "error", TIMEOUT, "an error"
        )
        assert refused["code"] == "unavailable", refused
        resp = await apost_state(second, wire(101))
        assert resp.status == 503
        assert resp.json()["code"] == "unavailable"
        # Reading still works from what each process knows.
        assert (await api_state(second))["seq"] == last_seen
        assert (await welcome_of(second))["seq"] == last_seen

        # Redis comes back empty (no persistence) on the same port.
        redis_server.start()
        deadline = asyncio.get_running_loop().time() + RECOVERY
        n = 200
        while True:
            n += 1
            resp = await apost_state(first, wire(n))
            if resp.status == 200:
                break
            assert asyncio.get_running_loop().time() < deadline, "Redis never came back"
            await asyncio.sleep(0.2)
        resumed = resp.json()["seq"]
        assert resumed > last_seen, f"seq went back from {last_seen} to {resumed}"
        # Both processes hear about it (live, or by resyncing once subscribed again),
        # and nothing refused during the outage was broadcast: this change is the
        # first state every socket gets since then.
        for ws in (audience_first, audience_second, presenter):
            frame = await recv_match(
                ws, lambda f: f.get("type") == "state", RECOVERY, "the first state after"
            )
            assert frame == {"type": "state", "seq": resumed, "state": wire(n)}, frame

        # From here on, changes flow as before, numbered on from there.
        for k in range(1, 6):
            await send(presenter, {"type": "state", "state": wire(n + k)})
        for ws in (audience_first, audience_second):
            frames = await states_until(ws, resumed + 5, RECOVERY)
            assert_consecutive([f["seq"] for f in frames], resumed + 1, resumed + 5)
        on_first, on_second = await api_state(first), await api_state(second)
        assert on_first == on_second
        assert on_first["seq"] == resumed + 5


async def post_concurrently(
    pair: tuple[ServerProcess, ServerProcess], count: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """POST ``count`` distinct states, alternating between the processes, from 16 threads
    at once; returns (state sent, answer) pairs."""
    first, second = pair

    def post(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
        target = first if n % 2 else second
        resp = post_state(target, wire(n))
        assert resp.status == 200, resp.text
        value: dict[str, Any] = resp.json()
        return wire(n), value

    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        return list(
            await asyncio.wait_for(
                asyncio.gather(*(loop.run_in_executor(pool, post, n) for n in range(1, count + 1))),
                TIMEOUT * 4,
            )
        )


async def test_concurrent_changes_answer_the_seq_redis_gave_them(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    results = await post_concurrently(pair, 50)
    # Every POST made a change of its own: Redis numbered them 1..50, no seq twice, and
    # each answer is the snapshot of that change (its state), not whatever came later.
    seqs = sorted(answer["seq"] for _, answer in results)
    assert seqs == list(range(1, 51)), f"answers carry duplicate or missing seqs: {seqs}"
    wrong = [(sent, answer) for sent, answer in results if answer["state"] != sent]
    assert wrong == [], f"{len(wrong)} answers carry another change's state: {wrong[:2]}"


async def test_concurrent_changes_reach_every_socket_in_seq_order_without_gaps(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = pair
    count = 50
    async with socket(first) as on_first, socket(second) as on_second:
        await post_concurrently(pair, count)
        final_first, final_second = await api_state(first), await api_state(second)
        assert final_first == final_second
        assert final_first["seq"] == count
        for ws in (on_first, on_second):
            frames = await states_until(ws, count)
            assert_consecutive([f["seq"] for f in frames], 1, count)
            assert frames[-1]["state"] == final_first["state"]
            assert len({json.dumps(f["state"], sort_keys=True) for f in frames}) == count


def raw_redis_command(port: int, *args: str) -> bytes:
    """One command over RESP, the raw reply (enough to peek at what the processes stored)."""
    import socket as sockets

    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    with sockets.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"".join(parts))
        reply = b""
        while not resp_complete(reply):
            chunk = sock.recv(65536)
            assert chunk, f"Redis closed after {reply!r}"
            reply += chunk
        return reply


def resp_complete(reply: bytes) -> bool:
    """Whether ``reply`` is one whole RESP reply (a simple one, or one bulk string)."""
    if not reply.endswith(b"\r\n"):
        return False
    if not reply.startswith(b"$"):
        return True
    size = int(reply[1 : reply.index(b"\r\n")])
    return size < 0 or len(reply) >= reply.index(b"\r\n") + 2 + size + 2


async def test_the_state_lives_in_redis_and_a_new_process_starts_from_it(
    deck_root: Path, tmp_path: Path, redis_server: RedisServer
) -> None:
    with servers(deck_root, tmp_path, redis_server, count=1) as (first,):
        assert (await apost_state(first, wire(7))).status == 200
        assert (await apost_state(first, wire(8))).status == 200
    stored = raw_redis_command(redis_server.port, "HGET", "presenter:deck:md:slide", "value")
    assert json.loads(stored.split(b"\r\n")[1]) == wire(8)

    # A process started later (none running in between) begins where the talk is, from
    # its very first answer: once /healthz says it is up, it must not serve slide 0.
    # Redis answers it slowly here, so "not done reading Redis yet" lasts a while.
    proxy = SlowProxy(redis_server.port, delay=0.5)
    try:
        later = start_server(
            deck_root,
            "--broker",
            proxy.url,
            "--no-watch",
            "--state-dir",
            str(tmp_path / "later"),
        )
        try:
            assert await api_state(later) == {"deck": "md", "seq": 2, "state": wire(8)}
            assert (await welcome_of(later))["seq"] == 2
            assert (await apost_state(later, wire(9))).json()["seq"] == 3
        finally:
            later.stop()
            later.log_path.unlink(missing_ok=True)
    finally:
        proxy.close()


def test_the_redis_fixture_restarts_empty_on_the_same_port(redis_server: RedisServer) -> None:
    port = redis_server.port
    assert ping(port)
    assert raw_redis_command(port, "SET", "k", "v") == b"+OK\r\n"
    redis_server.stop()
    assert not ping(port)
    redis_server.start()
    assert redis_server.port == port
    assert redis_server.url == f"redis://127.0.0.1:{port}/0"
    assert raw_redis_command(port, "GET", "k") == b"$-1\r\n", "data survived a restart"
    redis_server.restart()
    assert ping(port)
