"""A throwaway ``redis-server`` for tests: 127.0.0.1, a free port, no persistence.

``RedisServer`` can be stopped and started again on the same port (empty, as a
Redis that lost its data), which is how the tests play an outage. Use it through
:func:`redis_server` (a context manager that always kills the process) or the
``redis_server`` fixture of ``tests/integration/conftest.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import TIMEOUT_FACTOR, free_port

REDIS_SERVER = os.environ.get("PRESENTER_REDIS_SERVER", "redis-server")


def redis_server_path() -> str | None:
    """The ``redis-server`` executable, or ``None`` when it is not installed."""
    return shutil.which(REDIS_SERVER)


def ping(port: int, timeout: float = 0.5) -> bool:
    """Whether a Redis on 127.0.0.1:``port`` answers PING (raw RESP, no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisServer:
    """One ``redis-server`` process; ``stop`` and ``start`` keep the port."""

    executable: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server (empty) and wait until it answers PING."""
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"redis-{self.port}-{time.time_ns()}.log"
        command = [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(self.workdir),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{self.output()}")
            if ping(self.port):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING on {self.port}:\n{self.output()}")

    def stop(self) -> None:
        """Kill the server (no shutdown save) and wait until the port is closed."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def restart(self) -> None:
        """Stop, then start again on the same port: an empty Redis."""
        self.stop()
        self.start()

    def output(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    """A started :class:`RedisServer`, always killed afterwards.

    Raises:
        RuntimeError: ``redis-server`` is not installed (callers in tests skip first).
    """
    executable = redis_server_path()
    if executable is None:
        raise RuntimeError(f"{REDIS_SERVER} is not installed")
    server = RedisServer(executable, workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class SlowProxy:
    """A TCP proxy to a Redis on 127.0.0.1 that holds back Redis's replies.

    The first ``fast`` connections pass untouched (``presenter serve`` pings Redis once
    before it starts); on later ones every chunk Redis sends waits ``delay`` seconds.
    That makes "the process is not done reading Redis yet" last long enough to test.
    :meth:`cut` drops every connection and refuses new ones until :meth:`mend`:
    a process that cannot reach Redis while others can.
    """

    def __init__(self, upstream_port: int, delay: float, fast: int = 1) -> None:
        self.upstream_port = upstream_port
        self.delay = delay
        self.fast = fast
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # so the accept loop sees close() soon
        self.port = int(self.listener.getsockname()[1])
        self.connections = 0
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self._refusing = threading.Event()
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._refusing.is_set():
                client.close()
                continue
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            slow = self.connections >= self.fast
            self.connections += 1
            for source, target, delay in (
                (client, upstream, 0.0),
                (upstream, client, self.delay if slow else 0.0),
            ):
                pump = threading.Thread(
                    target=self._pump, args=(source, target, delay), daemon=True
                )
                pump.start()
                self._threads.append(pump)

    def _pump(self, source: socket.socket, target: socket.socket, delay: float) -> None:
        try:
            while data := source.recv(65536):
                if delay and self._closed.wait(delay):
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        """Drop every connection, and refuse new ones until :meth:`mend`."""
        self._refusing.set()
        self._drop()

    def mend(self) -> None:
        """Take connections again."""
        self._refusing.clear()

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
        self._drop()
        for thread in self._threads:
            thread.join(timeout=5)

    def _drop(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
