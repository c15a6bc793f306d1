"""Request bodies are capped per route and refused before they are read."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conftest import LiveServer
from tests.helpers import SECRET, TIMEOUT_FACTOR, running_server

from .support import TIMEOUT, afetch, bearer, fetch, hidden_input, state

HUGE = 95 * 1024 * 1024


def head_then_wait(port: int, request: bytes) -> bytes:
    """Send ``request`` (headers, maybe some body); read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        answer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            answer += chunk
        return answer


async def test_a_huge_declared_body_is_413_before_it_is_sent(live_server: LiveServer) -> None:
    request = (
        b"POST /decks/md/api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Authorization: Bearer {SECRET}\r\nContent-Length: {HUGE}\r\n\r\n".encode()
        + b"x" * 1000
    )
    answer = await asyncio.to_thread(head_then_wait, live_server.port, request)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"status": 413' in answer


async def test_every_route_refuses_a_body_it_does_not_take(live_server: LiveServer) -> None:
    for path in ("/", "/decks/md/", "/healthz", "/decks/md/api/deck", "/static/overlay.css"):
        resp = await afetch(live_server, "GET", path, body=b"x" * 5000)
        assert resp.status == 413, path
    # A WebSocket handshake with a body is refused too.
    request = (
        b"GET /decks/md/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\nContent-Length: 100000\r\n\r\n"
    )
    answer = await asyncio.to_thread(head_then_wait, live_server.port, request)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


async def test_the_api_takes_a_few_kib_and_no_more(live_server: LiveServer) -> None:
    padded = json.dumps({"state": state(indexh=1), "pad": "x" * 3000})
    ok = await afetch(live_server, "POST", "/decks/md/api/state", padded, bearer())
    assert ok.status == 200, ok.text
    too_big = json.dumps({"state": state(indexh=2), "pad": "x" * 5000})
    refused = await afetch(live_server, "POST", "/decks/md/api/state", too_big, bearer())
    assert refused.status == 413
    assert refused.json()["status"] == 413
    # Nothing changed.
    assert (await afetch(live_server, "GET", "/decks/md/api/state")).json()["seq"] == 1


async def test_a_chunked_body_past_the_limit_is_413(live_server: LiveServer) -> None:
    chunk = b"x" * 1024
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n"
    request = (
        b"POST /decks/md/api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Authorization: Bearer {SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        + body
    )
    answer = await asyncio.to_thread(head_then_wait, live_server.port, request)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


async def test_the_login_form_still_works_and_is_capped(live_server: LiveServer) -> None:
    page = await afetch(live_server, "GET", "/decks/md/presenter")
    xsrf = hidden_input(page.text, "_xsrf")
    assert xsrf is not None
    cookie = page.cookie("_xsrf")
    assert cookie is not None
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    form = f"_xsrf={xsrf}&token={SECRET}"
    resp = await afetch(live_server, "POST", "/decks/md/presenter", form, headers)
    assert resp.status == 303
    assert resp.cookie("presenter_auth") is not None
    big = form + "&pad=" + "x" * 9000
    assert (await afetch(live_server, "POST", "/decks/md/presenter", big, headers)).status == 413


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def stream_garbage(port: int, seconds: float) -> None:
    """Declare a 95 MiB body and push data as fast as the server takes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(
            b"POST /decks/md/api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Content-Length: {HUGE}\r\n\r\n".encode()
        )
        block = b"x" * 65536
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                sock.sendall(block)
        except OSError:
            return  # refused and closed: what we want


def test_huge_bodies_do_not_grow_the_server(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server:
        before = rss_kib(server.process.pid)
        with ThreadPoolExecutor(4) as pool:
            for _ in range(4):
                pool.submit(stream_garbage, server.port, 2.0 * TIMEOUT_FACTOR)
        after = rss_kib(server.process.pid)
        assert after - before < 32 * 1024, f"RSS grew from {before} KiB to {after} KiB"
        assert fetch(server, "GET", "/healthz").status == 200
