"""Running out of file descriptors pauses accept (one log line) instead of spinning."""

from __future__ import annotations

import contextlib
import re
import socket
import time
from pathlib import Path

from tests.helpers import TIMEOUT_FACTOR, ServerProcess, running_server

from .support import fetch

LIMIT = 64


def healthy(server: ServerProcess) -> bool:
    with contextlib.suppress(OSError):
        return fetch(server, "GET", "/healthz").status == 200
    return False


def test_the_banner_shows_the_open_file_limit(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch", open_files=LIMIT) as server:
        found = re.search(r"Open-file limit: (\d+)", server.output())
        assert found, server.output()
        assert int(found.group(1)) == LIMIT


def test_out_of_descriptors_pauses_accepting_then_recovers(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch", open_files=LIMIT) as server:
        idle: list[socket.socket] = []
        try:
            # Idle connections that never send a request hold a descriptor each.
            for _ in range(2 * LIMIT):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                idle.append(sock)
            deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
            while "cannot accept connections" not in server.output():
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.05)
            # It stays paused in between: the log does not fill up.
            time.sleep(1.0)
            output = server.output()
            assert output.count("cannot accept connections") == 1, output
            assert "Traceback" not in output
            assert len(output) < 20_000
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while not healthy(server):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        assert "Traceback" not in server.output()
