"""A WebSocket client on a bare socket, for playing a client that stops reading.

The handshake is done by hand so the socket can be given a tiny receive buffer
and a small MSS before it connects: the server's kernel then holds little for
it, and a client that does not read backs the server's outbox up quickly.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.wire import WsFrame, WsReader

from .support import TIMEOUT


@dataclass
class RawWebSocket:
    sock: socket.socket
    reader: WsReader = field(default_factory=WsReader)
    closed_by_peer: bool = False
    read_upto: int = 0  # frames before this index were looked at by read_message()

    @classmethod
    def connect(
        cls,
        port: int,
        path: str,
        *,
        rcvbuf: int | None = 4096,
        mss: int | None = 536,
        headers: dict[str, str] | None = None,
    ) -> RawWebSocket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if mss is not None:
            with contextlib.suppress(OSError):  # not every platform lets a client pick it
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
        sock.settimeout(TIMEOUT)
        sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"closed during the handshake: {data!r}")
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"handshake refused: {status!r}")
        client = cls(sock)
        client.reader.feed(rest)
        return client

    def frames(self) -> list[WsFrame]:
        return self.reader.frames

    def messages(self) -> list[dict[str, Any]]:
        """Every text frame received so far, decoded."""
        return [json.loads(f.payload) for f in self.reader.frames if f.opcode == 1]

    def close_frame(self) -> tuple[int, str] | None:
        """The code and reason of the server's close frame, if one came."""
        for frame in self.reader.frames:
            if frame.opcode == 8 and len(frame.payload) >= 2:
                code = int(struct.unpack("!H", frame.payload[:2])[0])
                return code, frame.payload[2:].decode("utf-8", "replace")
        return None

    def frames_after_close(self) -> list[WsFrame]:
        """Frames that came after the server's close frame (RFC 6455 forbids any)."""
        for index, frame in enumerate(self.reader.frames):
            if frame.opcode == 8:
                return self.reader.frames[index + 1 :]
        return []

    def read_until_quiet(self, quiet: float = 0.5, limit: float = 30.0) -> int:
        """Read until nothing arrives for ``quiet`` seconds (or the peer closes);
        returns how many frames came."""
        before = len(self.reader.frames)
        deadline = time.monotonic() + limit
        self.sock.settimeout(quiet)
        try:
            while time.monotonic() < deadline:
                try:
                    data = self.sock.recv(1 << 16)
                except TimeoutError:
                    break
                except OSError:
                    self.closed_by_peer = True
                    break
                if not data:
                    self.closed_by_peer = True
                    break
                self.reader.feed(data)
        finally:
            self.sock.settimeout(TIMEOUT)
        return len(self.reader.frames) - before

    def _read_some(self, deadline: float) -> bool:
        """Feed what arrives before ``deadline``; False once the peer has ended the
        connection (or time is up)."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(1 << 16)
        except TimeoutError:
            return False
        except OSError:
            self.closed_by_peer = True
            return False
        finally:
            self.sock.settimeout(TIMEOUT)
        if not data:
            self.closed_by_peer = True
            return False
        self.reader.feed(data)
        return True

    def read_until(self, done: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        """Read until ``done()`` holds; fails when time is up or the peer closes first."""
        deadline = time.monotonic() + timeout
        while not done():
            if not self._read_some(deadline):
                if done():
                    return
                ended = "the peer closed" if self.closed_by_peer else f"not within {timeout}s"
                raise AssertionError(f"{ended}; close frame {self.close_frame()}")

    def read_until_closed(self, timeout: float = TIMEOUT) -> bool:
        """Read until the peer ends the TCP connection (then everything it sent is
        here); returns whether it did within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._read_some(deadline):
            pass
        return self.closed_by_peer

    def finish(self, timeout: float = TIMEOUT) -> None:
        """Read up to the server's close frame, answer it as a client must, and read on
        until the server ends the connection: nothing it sends can be missed then."""
        deadline = time.monotonic() + timeout
        while self.close_frame() is None and self._read_some(deadline):
            pass
        if self.close_frame() is not None and not self.closed_by_peer:
            with contextlib.suppress(OSError):  # the server may have gone already
                self.send_frame(0x8, struct.pack("!H", 1000))
            self.read_until_closed(deadline - time.monotonic())
        assert self.closed_by_peer, f"the connection was still open after {timeout}s"

    def read_message(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next text frame not returned yet (the welcome may have come with the 101)."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.reader.frames[self.read_upto :]:
                self.read_upto += 1
                if frame.opcode == 1:
                    value: dict[str, Any] = json.loads(frame.payload)
                    return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message")
            self.sock.settimeout(left)
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError("closed")
            self.reader.feed(data)

    def send_text(self, text: str) -> None:
        """A masked text frame (clients must mask)."""
        self.send_frame(0x1, text.encode())

    def send_frame(self, opcode: int, payload: bytes) -> None:
        """One masked, final frame."""
        mask = os.urandom(4)
        length = len(payload)
        first = 0x80 | opcode
        if length < 126:
            header = struct.pack("!BB", first, 0x80 | length)
        elif length <= 0xFFFF:
            header = struct.pack("!BBH", first, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", first, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
