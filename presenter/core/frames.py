"""One outgoing message, encoded once for every socket that gets it.

A broadcast to ten thousand sockets must not encode JSON, build a WebSocket
frame or format an SSE event ten thousand times: :class:`Frame` does each at
most once and every connection writes the same bytes.
"""

from __future__ import annotations

import struct

# Message types where only the newest matters: a socket that cannot keep up
# gets the latest one instead of a backlog.
LATEST_WINS = frozenset({"state", "presence", "timer"})


def websocket_text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented WebSocket text frame (RFC 6455, server to client)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


def sse_event(text: str, event_id: int | None) -> bytes:
    """A Server-Sent Events message: optional ``id:`` line, one ``data:`` line per line."""
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


class Frame:
    """A server message (JSON text) with its wire encodings.

    The WebSocket bytes are built at once (every broadcast needs them) and the
    SSE bytes on first use; both are plain attributes because a broadcast
    reads them once per socket.
    """

    __slots__ = ("_sse", "kind", "latest_wins", "seq", "text", "websocket")

    def __init__(self, text: str, kind: str, seq: int | None = None) -> None:
        self.text = text
        self.kind = kind
        self.seq = seq
        self.latest_wins = kind in LATEST_WINS
        self.websocket = websocket_text_frame(text.encode("utf-8"))
        self._sse: bytes | None = None

    def __repr__(self) -> str:
        return f"Frame(kind={self.kind!r}, seq={self.seq!r}, text={self.text[:60]!r})"

    @property
    def sse(self) -> bytes:
        """The SSE event bytes (``id:`` is the ``seq`` when the message has one)."""
        if self._sse is None:
            self._sse = sse_event(self.text, self.seq)
        return self._sse
