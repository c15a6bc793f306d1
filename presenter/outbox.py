"""Writing broadcast frames to one WebSocket without ever waiting for it.

Tornado's ``write_message`` encodes, frames and creates a Future per call and
buffers without bound for a client that does not read. A broadcast instead
hands every socket the same pre-built frame bytes; :class:`Outbox` sends them
straight to the kernel, and only when the kernel's buffer is full does it fall
back on Tornado's buffer (keeping byte order). While a socket is backed up,
frames whose newest copy is all that matters (``state``, ``presence``) replace
each other, so a slow client holds at most one of them, never a backlog. A
socket that stays backed up with more than ``slow_bytes`` unsent for
``slow_after`` seconds is handed to ``on_slow`` (which closes it; its browser
reconnects and resyncs); one holding more than ``HARD_LIMIT`` of frames
that cannot be coalesced is handed over at once. A stream already closed
when the outbox is made gives a closed outbox.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future as ConcurrentFuture

from tornado.iostream import IOStream

from presenter.core.frames import Frame

SLOW_AFTER = 10.0
SLOW_BYTES = 256 * 1024
# Frames that cannot be coalesced (welcomes, reloads) held for a client that
# does not read: past this many bytes unsent it is given up at once.
HARD_LIMIT = 4 * SLOW_BYTES


def unsent(stream: IOStream) -> int:
    """Bytes Tornado holds for ``stream`` that have not reached the kernel yet."""
    # IOStream keeps these counters privately; without them every frame takes
    # the buffered path, which is correct, only slower.
    total = getattr(stream, "_total_write_index", None)
    done = getattr(stream, "_total_write_done_index", None)
    if not isinstance(total, int) or not isinstance(done, int):
        return 1
    return total - done


class Outbox:
    """The outgoing side of one connection's broadcasts."""

    __slots__ = (
        "_closed",
        "_counted",
        "_latest",
        "_on_slow",
        "_since",
        "_slow_after",
        "_slow_bytes",
        "_sock",
        "_stream",
    )

    def __init__(
        self,
        stream: IOStream,
        on_slow: Callable[[], None],
        slow_after: float = SLOW_AFTER,
        slow_bytes: int = SLOW_BYTES,
    ) -> None:
        self._stream = stream
        # None when the peer went away before the socket was opened.
        self._sock: socket.socket | None = stream.socket
        self._on_slow = on_slow
        self._slow_after = slow_after
        self._slow_bytes = slow_bytes
        self._since: float | None = None  # when the socket got backed up
        self._latest: bytes | None = None  # newest latest-wins frame held back
        self._closed = self._sock is None or stream.closed()
        # Whether IOStream's private write counters are there to read directly.
        self._counted = isinstance(getattr(stream, "_total_write_done_index", None), int)

    @property
    def backed_up(self) -> bool:
        """Whether frames are waiting for the client to read."""
        return self._since is not None

    def push(self, frame: Frame) -> None:
        """Send a frame's WebSocket bytes (see :meth:`write`)."""
        self.write(frame.websocket, frame.latest_wins)

    def close(self) -> None:
        """Write nothing more (a close frame follows what is already queued)."""
        self._closed = True
        self._latest = None

    def write(self, data: bytes, latest_wins: bool) -> None:
        """Send ``data`` now, or queue it behind what the client has not read."""
        if self._closed:
            return
        if self._since is not None:
            if latest_wins:
                self._latest = data
            else:
                self._buffer(data)
            return
        stream = self._stream
        # The hot path of a broadcast: read the counters inline rather than
        # through unsent(); a closed socket makes send() fail, which is fine.
        if (self._counted and stream._total_write_index == stream._total_write_done_index) or (
            not self._counted and unsent(stream) == 0
        ):
            try:
                sent = self._sock.send(data)  # type: ignore[union-attr]
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                return  # the connection is going away; Tornado will notice and close it
            if sent == len(data):
                return
            data = data[sent:]
        self._since = time.monotonic()
        asyncio.get_running_loop().call_later(self._slow_after, self._check_slow, self._since)
        self._buffer(data)

    def _buffer(self, data: bytes) -> None:
        try:
            future = self._stream.write(data)
        except Exception:
            return  # closed meanwhile
        future.add_done_callback(self._drained)
        if unsent(self._stream) > HARD_LIMIT:
            self._closed = True
            self._on_slow()

    def _drained(self, future: asyncio.Future[None] | ConcurrentFuture[None]) -> None:
        if future.cancelled() or future.exception() is not None or self._stream.closed():
            return
        if unsent(self._stream) > 0:
            return
        latest, self._latest = self._latest, None
        self._since = None
        if latest is not None:
            self.write(latest, latest_wins=True)

    def _check_slow(self, since: float) -> None:
        if self._since != since or self._stream.closed():
            return  # it caught up (and maybe fell behind again later)
        if unsent(self._stream) > self._slow_bytes:
            self._on_slow()
            return
        # Backed up but holding little: coalescing keeps it bounded; look again later.
        asyncio.get_running_loop().call_later(self._slow_after, self._check_slow, since)
