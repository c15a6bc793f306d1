"""``presenter serve --broker ... --workers N``: refusals, and N processes on one port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.helpers import SECRET, TIMEOUT_FACTOR, ServerProcess, free_port, start_server
from tests.redis_support import RedisServer

from .support import TIMEOUT, assert_one_error, post_state, recv, recv_match, run_cli, state

WORKERS = 3


def test_workers_without_a_broker_is_refused(deck_root: Path) -> None:
    result = run_cli("serve", str(deck_root), "--workers", "2", "--secret", SECRET)
    line = assert_one_error(result, "--broker")
    assert "--workers 2" in line


def test_an_unreachable_broker_is_one_error_line(deck_root: Path) -> None:
    closed = free_port()
    url = f"redis://127.0.0.1:{closed}/0"
    started = time.monotonic()
    result = run_cli("serve", str(deck_root), "--broker", url, "--secret", SECRET)
    assert_one_error(result, "cannot reach Redis", f"127.0.0.1:{closed}")
    assert time.monotonic() - started < 15 * TIMEOUT_FACTOR


@pytest.mark.parametrize("url", ["http://x", "x", "127.0.0.1:6379"])
def test_a_broker_that_is_not_a_redis_url_is_refused(deck_root: Path, url: str) -> None:
    result = run_cli("serve", str(deck_root), "--broker", url, "--secret", SECRET)
    assert_one_error(result, "--broker", "redis://")


@pytest.mark.parametrize("count", ["0", "65"])
def test_workers_above_the_limit_are_refused(deck_root: Path, count: str) -> None:
    result = run_cli("serve", str(deck_root), "--workers", count, "--secret", SECRET)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # Refused for the worker count itself (not, say, for the missing --broker).
    assert f"{count} is not in the range" in result.stderr, result.stderr


# --- a real multi-process server -----------------------------------------------------


def children_of(parent: int) -> set[int]:
    """Pids whose parent is ``parent`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid ...; comm may hold spaces, so split after ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone but not reaped


def health(server: ServerProcess) -> dict[str, object]:
    """``/healthz`` over a fresh connection (so SO_REUSEPORT may pick another worker)."""
    request = urllib.request.Request(f"{server.base}/healthz", headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        value: dict[str, object] = json.loads(response.read())
        return value


@pytest.fixture
def workers(
    deck_root: Path, tmp_path: Path, redis_server: RedisServer
) -> Iterator[tuple[ServerProcess, set[int]]]:
    """``presenter serve --workers 3 --broker ...`` and the pids of its workers."""
    server = start_server(
        deck_root,
        "--workers",
        str(WORKERS),
        "--broker",
        redis_server.url,
        "--no-watch",
        "--state-dir",
        str(tmp_path / "state"),
    )
    pids: set[int] = set()
    try:
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while len(pids) < WORKERS and time.monotonic() < deadline:
            pids = children_of(server.process.pid)
            time.sleep(0.05)
        assert len(pids) == WORKERS, f"{pids} workers:\n{server.output()}"
        yield server, pids
    finally:
        server.stop()
        for pid in pids | children_of(server.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        server.log_path.unlink(missing_ok=True)


def test_several_workers_answer_on_one_port(workers: tuple[ServerProcess, set[int]]) -> None:
    server, pids = workers
    seen: set[int] = set()
    for _ in range(100):
        answer = health(server)
        assert answer["ok"] is True
        seen.add(int(answer["pid"]))  # type: ignore[call-overload]
        if seen == pids:
            break
    assert seen == pids, f"only {seen} of the workers {pids} answered 100 connections"


async def test_a_change_reaches_sockets_on_every_worker(
    workers: tuple[ServerProcess, set[int]],
) -> None:
    server, pids = workers
    async with contextlib.AsyncExitStack() as stack:
        sockets: list[ClientConnection] = []
        for _ in range(12):
            ws = await stack.enter_async_context(
                connect(server.ws("md"), open_timeout=TIMEOUT, max_queue=None)
            )
            assert (await recv(ws))["type"] == "welcome"
            sockets.append(ws)
        # Where did they land? Ask every worker (fresh connections) for its count.
        counts: dict[int, int] = {}
        for _ in range(100):
            answer = await asyncio.to_thread(health, server)
            counts[int(answer["pid"])] = int(answer["connections"])  # type: ignore[call-overload]
            if set(counts) == pids and sum(counts.values()) == len(sockets):
                break
        assert sum(counts.values()) == len(sockets), counts
        assert sum(1 for c in counts.values() if c) >= 2, f"all sockets on one worker: {counts}"

        for n in range(1, 4):
            resp = await asyncio.to_thread(post_state, server, state(indexh=n, indexv=n))
            assert resp.status == 200, resp.text
            assert resp.json()["seq"] == n
            for ws in sockets:
                frame = await recv_match(
                    ws, lambda f: f.get("type") == "state", TIMEOUT, "a state frame"
                )
                assert (frame["seq"], frame["state"]) == (n, state(indexh=n, indexv=n))


def test_sigterm_to_the_parent_stops_every_worker(
    workers: tuple[ServerProcess, set[int]],
) -> None:
    server, pids = workers
    assert all(alive(pid) for pid in pids)
    server.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not [pid for pid in pids if alive(pid)], "workers outlived the parent"
    assert server.process.wait(timeout=10 * TIMEOUT_FACTOR) == 0, server.output()
    with pytest.raises(OSError):
        health(server)
