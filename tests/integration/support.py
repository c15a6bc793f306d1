"""Helpers for integration tests: raw HTTP, JSON over WebSocket, timeouts, subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect

from tests.helpers import (
    ROOT,
    SECRET,
    TIMEOUT_FACTOR,
    ServerProcess,
    running_server,
    start_server,
)

TIMEOUT = 5.0 * TIMEOUT_FACTOR

DEFAULT_STATE = {"indexh": 0, "indexv": 0, "indexf": None, "paused": False, "overview": False}


class HasPort(Protocol):
    port: int


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes
    reason: str = ""
    cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def cookie(self, name: str) -> str | None:
        """The ``name=value`` pair of a Set-Cookie header, or ``None``."""
        for raw in self.cookies:
            pair = raw.split(";", 1)[0].strip()
            if pair.split("=", 1)[0] == name:
                return pair
        return None

    def set_cookie_header(self, name: str) -> str | None:
        """The whole Set-Cookie header for ``name`` (with its attributes)."""
        for raw in self.cookies:
            if raw.split("=", 1)[0].strip() == name:
                return raw
        return None


def fetch(
    server: HasPort,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One HTTP request sent as is: no redirects followed, no path normalisation."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Response(
            status=resp.status,
            headers=resp.msg,
            body=data,
            reason=resp.reason,
            cookies=resp.msg.get_all("Set-Cookie") or [],
        )
    finally:
        conn.close()


async def afetch(
    server: HasPort,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """:func:`fetch` from a thread, so an in-process server on this loop can answer."""
    return await asyncio.wait_for(
        asyncio.to_thread(fetch, server, method, path, body, headers), TIMEOUT * 2
    )


def bearer(token: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def state(**fields: Any) -> dict[str, Any]:
    """A full wire state: defaults overridden by ``fields``."""
    return {**DEFAULT_STATE, **fields}


def post_state(server: HasPort, value: Any, token: str = SECRET) -> Response:
    return fetch(server, "POST", "/decks/md/api/state", json.dumps({"state": value}), bearer(token))


async def apost_state(
    server: HasPort, value: Any, token: str = SECRET, deck: str = "md"
) -> Response:
    return await afetch(
        server, "POST", f"/decks/{deck}/api/state", json.dumps({"state": value}), bearer(token)
    )


async def presenter_cookie(server: HasPort, deck: str = "md", token: str = SECRET) -> str:
    """Log in with ``?token=`` and return the ``presenter_auth=...`` cookie pair."""
    resp = await afetch(server, "GET", f"/decks/{deck}/presenter?token={token}")
    assert resp.status in (302, 303), resp.status
    cookie = resp.cookie("presenter_auth")
    assert cookie is not None, resp.cookies
    return cookie


async def recv(ws: ClientConnection, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The next frame, decoded; fails after ``timeout`` seconds."""
    raw = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(raw, str), f"expected a text frame, got {raw!r}"
    value = json.loads(raw)
    assert isinstance(value, dict), value
    return value


async def recv_type(ws: ClientConnection, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The next frame of type ``kind``, skipping others (e.g. presence)."""
    return await recv_match(ws, lambda f: f.get("type") == kind, timeout, f"a {kind!r} frame")


async def recv_match(
    ws: ClientConnection, predicate: Any, timeout: float = TIMEOUT, what: str = "a frame"
) -> dict[str, Any]:
    """The first frame satisfying ``predicate``; frames before it are dropped."""
    deadline = asyncio.get_running_loop().time() + timeout
    seen: list[dict[str, Any]] = []
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(f"no {what} within {timeout}s; got {seen}")
        try:
            frame = await recv(ws, left)
        except TimeoutError:
            raise AssertionError(f"no {what} within {timeout}s; got {seen}") from None
        if predicate(frame):
            return frame
        seen.append(frame)


Frame = dict[str, Any]


async def frames_until(
    ws: ClientConnection, predicate: Callable[[Frame], bool], what: str = "a frame"
) -> list[Frame]:
    """Every frame up to and including the first that satisfies ``predicate``."""
    frames: list[Frame] = []

    def done(frame: Frame) -> bool:
        frames.append(frame)
        return bool(predicate(frame))

    await recv_match(ws, done, what=what)
    return frames


def presenter_news(frame: Frame) -> bool:
    """Frames a presenter socket gets on its own schedule: the audience count and the
    talk timer (which starts when the slide first leaves the title)."""
    return frame.get("type") in ("presence", "timer")


async def state_sentinel(
    server: HasPort,
    value: dict[str, Any],
    *sockets: ClientConnection,
    deck: str = "md",
    ignore: Callable[[Frame], bool] = lambda f: False,
) -> int:
    """Check that nothing reached ``sockets`` before a change made now; returns its seq.

    A negative check that does not wait and hope: POST ``value`` (a new state of
    ``deck``) with the bearer token, which every socket of the deck receives, and
    assert it is the first frame each socket gets (``ignore`` skips frames that
    may come at any time, such as presence). Frames on one connection are in
    order, so anything the action under test sent before is read first.
    """
    resp = await apost_state(server, value, deck=deck)
    assert resp.status == 200, (resp.status, resp.text)
    seq: int = resp.json()["seq"]
    expected = {"type": "state", "seq": seq, "state": value}
    for ws in sockets:
        frame = await recv_match(ws, lambda f: not ignore(f), what="the sentinel state")
        assert frame == expected, f"{frame} came before the state posted after it ({expected})"
    return seq


def save(path: Path, text: str) -> None:
    """Write ``path`` at once, as editors save: a dotfile (never watched) renamed over it."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


async def watcher_caught_up(witness: ClientConnection, page: Path) -> None:
    """Edit ``page`` (the page of the deck ``witness`` is a socket of) and wait for its
    reload: the deck watcher reports changes in the order they were made, and reports
    every deck of one batch in one go, so by then every earlier change has been
    reported, and the frames it sent are on their sockets ahead of anything sent later."""
    text = page.read_text(encoding="utf-8")
    save(page, f"{text}\n<!-- touched {os.urandom(4).hex()} -->\n")
    await recv_match(witness, lambda f: f.get("type") == "reload", what="the witness's reload")


async def send(ws: ClientConnection, value: Any) -> None:
    await asyncio.wait_for(ws.send(json.dumps(value)), TIMEOUT)


async def authenticate(ws: ClientConnection, token: str = SECRET) -> dict[str, Any]:
    """Send ``auth`` and return the presenter ``welcome`` that answers it."""
    await send(ws, {"type": "auth", "token": token})
    frame = await recv_type(ws, "welcome")
    assert frame["role"] == "presenter", frame
    return frame


def hidden_input(html: str, name: str) -> str | None:
    """The value of ``<input type="hidden" name=name value=...>`` in ``html``."""
    for tag in re.findall(r"<input[^>]*>", html):
        if re.search(rf'name="{re.escape(name)}"', tag):
            found = re.search(r'value="([^"]*)"', tag)
            if found:
                return found.group(1)
    return None


# --- subprocess servers without the --secret that tests.helpers adds ------------------


def spawn_server(
    path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> ServerProcess:
    """``python -m presenter serve PATH *args`` with exactly the given arguments."""
    return start_server(path, *args, port=port, env=env, secret=None)


@contextlib.contextmanager
def spawned(path: Path, *args: str, **kwargs: Any) -> Iterator[ServerProcess]:
    """:func:`spawn_server` that always stops the process."""
    with running_server(path, *args, secret=None, **kwargs) as server:
        yield server


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 20.0
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m presenter *args`` to completion (``timeout`` seconds at most)."""
    environ = {k: v for k, v in os.environ.items() if k != "PRESENTER_SECRET"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "presenter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=timeout * TIMEOUT_FACTOR,
        check=False,
    )


class HasWs(HasPort, Protocol):
    def ws(self, deck: str) -> str: ...


@contextlib.asynccontextmanager
async def presenter_and_audience(
    server: HasWs, deck: str = "md"
) -> AsyncIterator[tuple[ClientConnection, ClientConnection]]:
    """Two sockets on ``deck``, welcomed; the first authenticated as presenter."""
    async with (
        connect(server.ws(deck), open_timeout=TIMEOUT) as presenter,
        connect(server.ws(deck), open_timeout=TIMEOUT) as audience,
    ):
        await recv(presenter)
        await recv(audience)
        await authenticate(presenter)
        yield presenter, audience


def assert_one_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The single ``error:`` line of a failed CLI run (no traceback), holding each needle."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), lines[0]
    assert len(lines[0]) > len("error: ") + 10
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
