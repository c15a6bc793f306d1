"""``presenter serve`` and the speaker features: watching, the banner, the LAN address."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from presenter import qr
from presenter.run import lan_addresses
from tests.helpers import MARKDOWN_DECK, ROOT, SECRET, TIMEOUT_FACTOR, ServerProcess, free_port

from .support import TIMEOUT, fetch, spawned

QR_BLOCKS = ("█", "▀", "▄")
QUIET_WATCH = 1.5 * TIMEOUT_FACTOR


def running_server(path: Path, *args: str) -> AbstractContextManager[ServerProcess]:
    return spawned(path, "--secret", SECRET, *args)


@contextlib.contextmanager
def audience(server: ServerProcess, deck: str = "md") -> Iterator[ClientConnection]:
    with connect(server.ws(deck), open_timeout=TIMEOUT) as ws:
        welcome = json.loads(ws.recv(timeout=TIMEOUT))
        assert welcome["type"] == "welcome"
        yield ws


def frames_within(
    ws: ClientConnection, seconds: float, until: str | None = None
) -> list[dict[str, Any]]:
    """Frames received within ``seconds``; stops early at a frame of type ``until``."""
    frames: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frames.append(json.loads(ws.recv(timeout=left)))
        except TimeoutError:
            break
        if until is not None and frames[-1]["type"] == until:
            break
    return frames


def edit_heading(deck_root: Path, heading: str) -> None:
    text = MARKDOWN_DECK.replace("# First slide", f"# {heading}")
    (deck_root / "md" / "slides.md").write_text(text, encoding="utf-8")


def test_edits_reload_open_pages_by_default(deck_root: Path) -> None:
    with running_server(deck_root) as server, audience(server) as ws:
        deadline = time.monotonic() + TIMEOUT
        attempt = 0
        while True:
            attempt += 1
            edit_heading(deck_root, f"Edited {attempt}")
            frames = frames_within(ws, 1.0, until="reload")
            if any(f["type"] == "reload" for f in frames):
                break
            assert time.monotonic() < deadline, f"no reload frame; output:\n{server.output()}"
        api = fetch(server, "GET", "/decks/md/api/deck").json()
        assert f"Edited {attempt}" in api["slidesHtml"]
        assert "watching deck files for changes" in server.output()


def test_no_watch_sends_no_reload(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server, audience(server) as ws:
        edit_heading(deck_root, "Unwatched edit")
        frames = frames_within(ws, QUIET_WATCH)
        assert not [f for f in frames if f["type"] == "reload"], frames
        # The page still gets the new text when it asks for it.
        api = fetch(server, "GET", "/decks/md/api/deck").json()
        assert "Unwatched edit" in api["slidesHtml"]
        assert "watching deck files" not in server.output()


@pytest.mark.parametrize("extra", [(), ("--no-watch",)], ids=["watching", "no-watch"])
def test_a_deck_broken_before_anyone_asked_keeps_its_startup_version(
    deck_root: Path, extra: tuple[str, ...]
) -> None:
    # `serve` loads every deck before it starts (a broken one is refused), so that
    # version is the last good one: breaking the source afterwards must not turn the
    # audience page into a 500 just because no browser had asked for it yet.
    with running_server(deck_root, *extra) as server:
        (deck_root / "md" / "slides.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
        page = fetch(server, "GET", "/decks/md/")
        api = fetch(server, "GET", "/decks/md/api/deck")
        assert server.process.poll() is None
        output = server.output()
    assert "Traceback" not in output
    assert page.status == 200, page.reason
    assert "First slide" in page.text
    assert api.status == 200, api.reason
    assert "First slide" in api.json()["slidesHtml"]


@pytest.mark.parametrize("extra", [(), ("--no-qr",)], ids=["default", "no-qr"])
def test_banner_without_a_terminal_has_no_qr_code(deck_root: Path, extra: tuple[str, ...]) -> None:
    with running_server(deck_root, *extra) as server:
        output = server.output()
    assert f"http://127.0.0.1:{server.port}/decks/md/" in output
    for block in QR_BLOCKS:
        assert block not in output
    assert "Scan to join" not in output


def test_wildcard_host_advertises_the_lan_address(deck_root: Path) -> None:
    lan = lan_addresses()
    if not lan:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with running_server(deck_root, "--host", "0.0.0.0") as server:
        output = server.output()
        svg = fetch(server, "GET", "/decks/md/qr.svg")
    port = server.port
    lan_url = f"http://{lan[0]}:{port}/decks/md/"
    assert f"audience:  {lan_url}" in output
    assert f"http://127.0.0.1:{port}/decks/md/" in output
    assert output.index(lan_url) < output.index(f"http://127.0.0.1:{port}/")
    # Phones scan the LAN address, whatever address this request used.
    assert svg.status == 200
    assert svg.text == qr.svg(lan_url)


def test_loopback_host_advertises_only_itself(deck_root: Path) -> None:
    with running_server(deck_root) as server:
        output = server.output()
        svg = fetch(server, "GET", "/decks/md/qr.svg")
    hosts = {
        line.split("://", 1)[1].split(":", 1)[0]
        for line in output.splitlines()
        if "http://" in line
    }
    assert hosts == {"127.0.0.1"}
    assert svg.text == qr.svg(f"http://127.0.0.1:{server.port}/decks/md/")


# --- on a terminal -----------------------------------------------------------------


def banner_on_a_terminal(path: Path, *args: str) -> str:
    """Run the server with stdout on a pseudo-terminal; return what it printed there."""
    port = free_port()
    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "PRESENTER_SECRET"}
    command = [sys.executable, "-m", "presenter", "serve", str(path), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--secret", SECRET, *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=environ,
    )
    os.close(slave)
    output = b""
    try:
        deadline = time.monotonic() + 20 * TIMEOUT_FACTOR
        while b"Ctrl+C stops." not in output:
            left = deadline - time.monotonic()
            assert left > 0, f"no banner on the terminal: {output!r}"
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                chunk = b""
            assert chunk, f"server exited: {output!r}"
            output += chunk
    finally:
        process.terminate()
        try:
            process.wait(timeout=10 * TIMEOUT_FACTOR)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)
    return output.decode("utf-8", "replace")


def test_banner_on_a_terminal_shows_a_qr_code(deck_root: Path) -> None:
    output = banner_on_a_terminal(deck_root / "md")
    assert "Scan to join: http://127.0.0.1:" in output
    assert any(block in output for block in QR_BLOCKS)


def test_no_qr_on_a_terminal(deck_root: Path) -> None:
    output = banner_on_a_terminal(deck_root / "md", "--no-qr")
    assert "audience:" in output
    assert "Scan to join" not in output
    for block in QR_BLOCKS:
        assert block not in output
