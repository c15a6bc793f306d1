"""Shared test helpers: sample decks written on the fly and a real server process."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SECRET = "test-secret-token"
# Debian's Chromium; Playwright cannot download a browser here. The flags keep it
# headless and off the network (its background requests are refused here).
CHROMIUM = os.environ.get("PRESENTER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
# Slow machines (CI) can stretch every wait by this factor.
TIMEOUT_FACTOR = float(os.environ.get("PRESENTER_TEST_TIMEOUT_FACTOR", "1"))

MARKDOWN_DECK = """\
---
title: Test deck
description: A deck written by the tests.
revealOptions:
  transition: none
  backgroundTransition: none
---

# First slide

Hello audience.

Note:
SECRET-NOTE-ONE is only for the speaker.

---

<!-- .slide: data-background="#123456" class="tinted" -->

## Fragments

- one <!-- .element: class="fragment" data-fragment-index="1" -->
- two <!-- .element: class="fragment" data-fragment-index="2" -->

Note: SECRET-NOTE-TWO

---

## Stack top

----

## Stack below

Note: SECRET-NOTE-THREE

---

## Last slide

<aside class="notes">SECRET-NOTE-ASIDE</aside>
"""

HTML_DECK = """\
<!doctype html>
<html>
<head>
  <title>Hand HTML</title>
  <link rel="stylesheet" href="dist/reveal.css">
</head>
<body>
  <div class="reveal"><div class="slides">
    <section><h1>Hand one</h1><aside class="notes">SECRET-HTML-NOTE</aside></section>
    <section data-notes="SECRET-DATA-NOTE"><h2>Hand two</h2><p class="fragment">F</p></section>
    <section><section><h2>V0</h2></section><section><h2>V1</h2></section></section>
  </div></div>
  <script src="dist/reveal.js"></script>
  <script>
    Reveal.initialize({ hash: true, transition: 'none', backgroundTransition: 'none' });
  </script>
</body>
</html>
"""


def write_decks(root: Path) -> Path:
    """Write a folder of two decks (``md`` and ``html``) plus a file outside them."""
    (root / "md").mkdir(parents=True)
    (root / "md" / "slides.md").write_text(MARKDOWN_DECK, encoding="utf-8")
    (root / "md" / "img").mkdir()
    (root / "md" / "img" / "pixel.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', encoding="utf-8"
    )
    (root / "md" / ".hidden").write_text("hidden", encoding="utf-8")
    (root / "html").mkdir()
    (root / "html" / "index.html").write_text(HTML_DECK, encoding="utf-8")
    (root / "outside.txt").write_text("OUTSIDE-SECRET", encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A ``presenter serve`` subprocess on 127.0.0.1."""

    process: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, deck: str) -> str:
        return f"ws://127.0.0.1:{self.port}/decks/{deck}/ws"

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def output_through(self, needle: str, start: int = 0) -> str:
        """The output from offset ``start`` once it holds ``needle``.

        A request's log line is written after its response is sent, so a
        client can have the answer before the line is there.
        """
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while needle not in (text := self.output()[start:]):
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never logged; got:\n{text[-2000:]}")
            time.sleep(0.01)
        return text

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=10 * TIMEOUT_FACTOR)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    path: Path,
    *args: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
    secret: str | None = SECRET,
    open_files: int | None = None,
) -> ServerProcess:
    """Start ``python -m presenter serve PATH`` and wait for ``/healthz``.

    ``open_files`` sets the process's open-file limit (soft and hard).

    The server listens on ``--port 0`` (a port the kernel picks) unless
    ``port`` is given, and the port is read from its banner. ``--secret
    SECRET`` is added unless ``args`` has one or ``secret`` is None;
    ``PRESENTER_SECRET`` is taken out of the environment unless ``env`` sets
    it. Fails fast with the server's output when it exits or never answers.
    """
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"presenter-test-{time.time_ns()}.log"
    command = [sys.executable, "-m", "presenter", "serve", str(path), "--port", str(port or 0)]
    command += list(args)
    if secret is not None and "--secret" not in args:
        command += ["--secret", secret]
    environ = {k: v for k, v in os.environ.items() if k != "PRESENTER_SECRET"}
    environ.update(env or {})
    # The child keeps its own copy of the descriptor; ours closes right away.
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env=environ,
            preexec_fn=None if open_files is None else _limit_open_files(open_files),
        )
    server = ServerProcess(process, port or 0, log_path)
    deadline = time.monotonic() + 20 * TIMEOUT_FACTOR
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"presenter serve exited with {process.returncode}:\n{server.output()}"
            )
        if not server.port:
            found = BANNER_PORT.search(server.output())
            if found is None:
                time.sleep(0.02)
                continue
            server.port = int(found.group(1))
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(f"{server.base}/healthz", timeout=1) as response,
        ):
            if response.status == 200:
                return server
        time.sleep(0.05)
    server.stop(kill=True)
    raise RuntimeError(f"presenter serve did not answer /healthz:\n{server.output()}")


def _limit_open_files(count: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return limit


# The first URL of the banner ("  http://127.0.0.1:43121/") carries the port.
BANNER_PORT = re.compile(r"^  https?://\S+?:(\d+)/$", re.MULTILINE)


@contextlib.contextmanager
def running_server(path: Path, *args: str, **kwargs: object) -> Iterator[ServerProcess]:
    """``start_server`` that always stops the process."""
    server = start_server(path, *args, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
        server.log_path.unlink(missing_ok=True)
